"""Lots move with the stock: a pick and a surplus return of a lot-tracked component post
transfer entries carrying the lot and its expiry; the lot stays on hand at the location;
a pick of more of a lot than is on hand, or without the lot its setup requires, is refused
and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from prodcore.documents import load_document
from prodcore.errors import TrackingError
from prodcore.integrity import verify
from prodcore.ledger.model import ItemEntryType
from prodcore.masterdata import Item, ItemTracking, ManufacturingSetup
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    PickComponents,
    PickLine,
    TrackingLine,
)
from prodcore.orders.picking import ReturnLine, ReturnSurplus
from prodcore.testing.shop import Shop

from .conftest import records

EXPIRY = dt.date(2027, 1, 31)


@pytest.fixture
def shop() -> Shop:
    """COMP lot tracked: lot L1 (80) and L2 (120) in S-01; PO-1 for 100 BIKE released."""
    recs = [
        attrs.evolve(r, tracking=ItemTracking(lot=True))
        if isinstance(r, Item) and r.no == "COMP"
        else r
        for r in records()
    ]
    shop = Shop(recs, setup=ManufacturingSetup())
    lots = (
        TrackingLine("L1", quantity=80, expiry_date=EXPIRY),
        TrackingLine("L2", quantity=120),
    )
    line = AdjustmentLine("COMP", 200, "MAIN", bin_code="S-01", tracking=lots)
    shop.post(AdjustInventory(shop.key(), (line,)))
    shop.create("PO-1", "BIKE", 100, location_code="MAIN")
    shop.release("PO-1")
    return shop


def transfers(shop: Shop) -> list[tuple[str, str, Decimal, dt.date | None]]:
    with shop.uow as uow:
        return [
            (e.bin_code, e.lot_no, e.quantity, e.expiry_date)
            for e in uow.ledger.item_entries(item_no="COMP")
            if e.entry_type is ItemEntryType.TRANSFER
        ]


def lots(shop: Shop) -> dict[str, Decimal]:
    with shop.uow as uow:
        return {b.lot_no: b.quantity for b in uow.ledger.lot_balances("COMP", "MAIN")}


def pick(shop: Shop, qty: int, *tracking: TrackingLine) -> None:
    line = PickLine(10000, 10000, qty, "S-01", tracking=tracking)
    shop.post(PickComponents(shop.key(), "PO-1", (line,)))


def test_a_pick_moves_each_lot_with_its_expiry(shop: Shop) -> None:
    pick(shop, 110, TrackingLine("L1", quantity=80), TrackingLine("L2", quantity=30))
    assert transfers(shop) == [
        ("S-01", "L1", Decimal(-80), EXPIRY),
        ("ASSY-IN", "L1", Decimal(80), EXPIRY),
        ("S-01", "L2", Decimal(-30), None),
        ("ASSY-IN", "L2", Decimal(30), None),
    ]
    assert lots(shop) == {"L1": 80, "L2": 120}  # moved within MAIN: the lots stay on hand
    assert verify(lambda: shop.uow).ok


def test_a_surplus_return_moves_its_lot_back(shop: Shop) -> None:
    pick(shop, 110, TrackingLine("L1", quantity=80), TrackingLine("L2", quantity=30))
    back = ReturnLine(10000, 10000, 10, "S-02", tracking=(TrackingLine("L2", quantity=10),))
    shop.post(ReturnSurplus(shop.key(), "PO-1", (back,)))
    assert transfers(shop)[-2:] == [
        ("ASSY-IN", "L2", Decimal(-10), None),
        ("S-02", "L2", Decimal(10), None),
    ]
    assert lots(shop) == {"L1": 80, "L2": 120}


@pytest.mark.parametrize(
    ("tracking", "lot", "reason"),
    [
        ((TrackingLine("L1", quantity=90),), "L1", "only 80 on hand"),
        ((), "", "a lot number is required"),
    ],
)
def test_a_pick_beyond_the_lot_or_without_it_is_refused(
    shop: Shop, tracking: tuple[TrackingLine, ...], lot: str, reason: str
) -> None:
    before = shop.snapshot()
    with pytest.raises(TrackingError, match=reason) as refused:
        pick(shop, 90, *tracking)
    assert (refused.value.item_no, refused.value.lot_no) == ("COMP", lot)
    assert shop.snapshot() == before


def test_a_return_beyond_the_lot_in_the_bin_is_refused(shop: Shop) -> None:
    pick(shop, 110, TrackingLine("L1", quantity=80), TrackingLine("L2", quantity=30))
    before = shop.snapshot()
    back = ReturnLine(10000, 10000, 10, "S-02", tracking=(TrackingLine("L3", quantity=10),))
    with pytest.raises(TrackingError, match="L3"):
        shop.post(ReturnSurplus(shop.key(), "PO-1", (back,)))
    assert shop.snapshot() == before


def test_the_picking_list_fills_the_lot_column_first_expired_first(shop: Shop) -> None:
    pick(shop, 30, TrackingLine("L2", quantity=30))
    (section,) = load_document(shop.uow, "picking-list", order_id="PO-1").sections
    row = dict(zip(section.columns, section.rows[0], strict=True))
    assert row["To pick"] == "70"
    assert row["Lot"] == "L1: 70"  # L1 expires, L2 has no expiry date: L1 first
