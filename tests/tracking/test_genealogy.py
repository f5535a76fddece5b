"""Genealogy edge cases: reversals net out, untracked components show without a lot,
returned consumption drops out; FEFO skips expired lots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from prodcore.errors import InvalidValueError
from prodcore.ledger.genealogy import fefo, trace_backward, trace_forward
from prodcore.ledger.model import ValueSource
from prodcore.orders.journals import ConsumptionLine, PostConsumption, ReverseEntry, TrackingLine
from prodcore.testing.shop import Shop
from tests.tracking.conftest import EXPIRY, receive, worked_example


def test_a_trace_names_a_lot_or_a_serial(shop: Shop) -> None:
    with shop.uow as uow, pytest.raises(InvalidValueError):
        trace_backward(uow.ledger, "BIKE")


def test_a_reversed_output_is_no_longer_traced(shop: Shop) -> None:
    worked_example(shop)
    with shop.uow as uow:
        (sn3,) = uow.ledger.tracked_entries("BIKE", serial_no="SN3")
    shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, sn3.entry_no))
    with shop.uow as uow:
        assert trace_backward(uow.ledger, "BIKE", serial_no="SN3") == []
        forward = trace_forward(uow.ledger, "FRAME", lot_no="F1")
    assert [t.serial_no for t in forward] == ["SN1", "SN2"]


def test_untracked_components_show_without_a_lot(shop: Shop) -> None:
    worked_example(shop)
    bolts = ConsumptionLine.for_item(shop.order("PO-B"), "BOLT", 12)
    shop.post(PostConsumption(shop.key(), (bolts,)))
    with shop.uow as uow:
        links = trace_backward(uow.ledger, "BIKE", serial_no="SN1")
    (bolt,) = [t for t in links if t.item_no == "BOLT"]
    assert (bolt.lot_no, bolt.quantity, bolt.on_hand) == ("", Decimal(12), Decimal(88))


def test_consumption_returned_in_full_drops_out(shop: Shop) -> None:
    worked_example(shop)
    line = ConsumptionLine.for_item(shop.order("PO-B"), "FRAME", -1)
    back = attrs.evolve(line, tracking=(TrackingLine("F2", quantity=1),))
    shop.post(PostConsumption(shop.key(), (back,)))
    with shop.uow as uow:
        links = trace_backward(uow.ledger, "BIKE", serial_no="SN1")
        assert uow.ledger.lot_on_hand("FRAME", "F2") == 1
    assert {t.lot_no for t in links if t.level == 1} == {"F1"}


def test_fefo_takes_the_first_expiring_and_skips_the_expired(shop: Shop) -> None:
    receive(
        shop,
        "STEEL",
        (
            TrackingLine("LATE", quantity=5, expiry_date=EXPIRY),
            TrackingLine("SOON", quantity=2, expiry_date=dt.date(2026, 4, 1)),
            TrackingLine("GONE", quantity=9, expiry_date=dt.date(2026, 3, 1)),
        ),
    )
    with shop.uow as uow:
        suggestion = fefo(uow.ledger, "STEEL", Decimal(4), location_code="", on=dt.date(2026, 3, 2))
        everything = fefo(uow.ledger, "STEEL", Decimal(100))
    assert [(a.balance.lot_no, q) for a, q in suggestion] == [
        ("SOON", Decimal(2)),
        ("LATE", Decimal(2)),
    ]
    assert sum(q for _, q in everything) == 16  # not enough: all there is
