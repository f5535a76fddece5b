"""The worked example: a two-level product, lot-tracked raw material and sub-assembly,
a serial-tracked finished item; output of 3 serials consuming two lots."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from prodcore.adapters import open_store
from prodcore.ledger.genealogy import trace_backward, trace_forward
from prodcore.testing.shop import Shop
from tests.tracking.conftest import EXPIRY, make_shop, worked_example


def test_entries_carry_lot_serial_and_expiry(shop: Shop) -> None:
    worked_example(shop)
    with shop.uow as uow:
        bikes = uow.ledger.item_entries(order_id="PO-B", item_no="BIKE")
        frames = uow.ledger.item_entries(order_id="PO-B", item_no="FRAME")
        steel = uow.ledger.item_entries(item_no="STEEL")
    assert [(e.serial_no, e.quantity) for e in bikes] == [
        ("SN1", Decimal(1)),
        ("SN2", Decimal(1)),
        ("SN3", Decimal(1)),
    ]
    assert [(e.lot_no, e.quantity) for e in frames] == [("F1", Decimal(-2)), ("F2", Decimal(-1))]
    # the inbound lots carry their expiry, and consumption takes the lot's
    assert {e.expiry_date for e in steel} == {EXPIRY}


def test_lot_balances_per_location(shop: Shop) -> None:
    worked_example(shop)
    with shop.uow as uow:
        ledger = uow.ledger
        assert ledger.lot_on_hand("STEEL", "S1") == 0
        assert ledger.lot_on_hand("STEEL", "S2") == 2
        assert ledger.lot_on_hand("STEEL", "S2", "", "") == 2
        assert ledger.lot_on_hand("FRAME", "F1") == 0
        assert [(b.serial_no, b.quantity) for b in ledger.lot_balances("BIKE")] == [
            ("SN1", Decimal(1)),
            ("SN2", Decimal(1)),
            ("SN3", Decimal(1)),
        ]
        assert [(b.lot_no, b.quantity) for b in ledger.lot_balances("STEEL")] == [
            ("S2", Decimal(2))
        ]


def test_trace_back_from_one_serial_gives_the_lots_and_quantities(shop: Shop) -> None:
    worked_example(shop)
    with shop.uow as uow:
        links = trace_backward(uow.ledger, "BIKE", serial_no="SN2")
    assert [
        (t.level, t.order_id, t.item_no, t.lot_no, t.quantity, t.via_lot_no) for t in links
    ] == [
        (1, "PO-B", "FRAME", "F1", Decimal(2), ""),
        (1, "PO-B", "FRAME", "F2", Decimal(1), ""),
        (2, "PO-F1", "STEEL", "S1", Decimal(4), "F1"),
        (2, "PO-F2", "STEEL", "S2", Decimal(2), "F2"),
    ]


def test_trace_forward_from_one_lot_gives_the_serials(shop: Shop) -> None:
    worked_example(shop)
    with shop.uow as uow:
        links = trace_forward(uow.ledger, "STEEL", lot_no="S2")
    assert [(t.level, t.item_no, t.lot_no, t.serial_no, t.on_hand) for t in links] == [
        (1, "FRAME", "F2", "", Decimal(0)),
        (2, "BIKE", "", "SN1", Decimal(1)),
        (2, "BIKE", "", "SN2", Decimal(1)),
        (2, "BIKE", "", "SN3", Decimal(1)),
    ]


def test_the_worked_example_on_sqlite(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'lots.db'}") as new_uow:
        shop = make_shop(new_uow())
        worked_example(shop)
        with new_uow() as uow:
            back = trace_backward(uow.ledger, "BIKE", serial_no="SN1")
            forward = trace_forward(uow.ledger, "STEEL", lot_no="S1")
            assert uow.ledger.lot_on_hand("STEEL", "S2") == 2
    assert {(t.item_no, t.lot_no, t.quantity) for t in back} == {
        ("FRAME", "F1", Decimal(2)),
        ("FRAME", "F2", Decimal(1)),
        ("STEEL", "S1", Decimal(4)),
        ("STEEL", "S2", Decimal(2)),
    }
    assert [t.serial_no for t in forward if t.item_no == "BIKE"] == ["SN1", "SN2", "SN3"]
