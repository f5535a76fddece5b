"""Each tracking rule refuses with a TrackingError naming item, lot / serial and
quantity, and a refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from prodcore.app import put_master_data
from prodcore.errors import InsufficientQuantityError, InvalidValueError, TrackingError
from prodcore.ledger.model import ItemEntryType, ValueSource
from prodcore.masterdata import Item, ItemTracking
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ByProductLine,
    ConsumptionLine,
    OutputLine,
    PostByProduct,
    PostConsumption,
    PostOutput,
    ReverseEntry,
    TrackingLine,
)
from prodcore.testing.shop import Shop
from tests.tracking.conftest import consume, lots, make_shop, output, receive, worked_example


def refused(shop: Shop, post: Callable[[], object], **fields: object) -> TrackingError:
    before = shop.snapshot()
    with pytest.raises(TrackingError) as info:
        post()
    assert shop.snapshot() == before
    for name, value in fields.items():
        assert getattr(info.value, name) == value, name
    return info.value


def ready(shop: Shop) -> Shop:
    receive(shop, "STEEL", lots(("S1", Decimal(4))))
    shop.create("PO-F1", "FRAME", 2)
    shop.release("PO-F1")
    return shop


def test_missing_lot_on_an_inbound_adjustment(shop: Shop) -> None:
    line = AdjustmentLine("STEEL", 3)
    error = refused(shop, lambda: shop.post(AdjustInventory(shop.key(), (line,))), lot_no="")
    assert "lot number is required" in str(error) and error.item_no == "STEEL"
    assert error.quantity == 3


def test_missing_expiry_where_required(shop: Shop) -> None:
    line = AdjustmentLine("STEEL", 3, tracking=(TrackingLine("S9", quantity=3),))
    error = refused(shop, lambda: shop.post(AdjustInventory(shop.key(), (line,))), lot_no="S9")
    assert "expiry date is required" in str(error)


def test_missing_lot_on_consumption(shop: Shop) -> None:
    ready(shop)
    line = ConsumptionLine.for_item(shop.order("PO-F1"), "STEEL", 2)
    refused(shop, lambda: shop.post(PostConsumption(shop.key(), (line,))), item_no="STEEL")


def test_missing_serial_on_output(shop: Shop) -> None:
    worked_example(shop)
    shop.create("PO-B2", "BIKE", 1)
    shop.release("PO-B2")
    line = OutputLine("PO-B2", 10000, output_quantity=1)
    error = refused(shop, lambda: shop.post(PostOutput(shop.key(), (line,))), serial_no="")
    assert "serial number is required" in str(error)


def test_tracking_not_required_on_inbound_when_the_setup_says_so() -> None:
    shop = make_shop()
    loose = Item("SALT", base_unit="KG", tracking=ItemTracking(lot=True, inbound_required=False))
    put_master_data(shop.uow, [loose])
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("SALT", 5),)))
    with shop.uow as uow:
        assert uow.ledger.on_hand("SALT") == 5


def test_consuming_more_of_a_lot_than_on_hand(shop: Shop) -> None:
    ready(shop)
    receive(shop, "STEEL", lots(("S2", Decimal(4))))  # enough of the item, not of the lot
    error = refused(
        shop,
        lambda: consume(shop, "PO-F1", "STEEL", lots(("S1", Decimal(5)))),
        lot_no="S1",
        quantity=5,
    )
    assert "only 4 on hand" in str(error)


def test_a_lot_is_on_hand_per_location(shop: Shop) -> None:
    ready(shop)
    east = AdjustmentLine("STEEL", 1, location_code="EAST", tracking=lots(("S7", Decimal(1))))
    shop.post(AdjustInventory(shop.key(), (east,)))
    line = AdjustmentLine("STEEL", -1, location_code="EAST", tracking=lots(("S1", Decimal(1))))
    error = refused(shop, lambda: shop.post(AdjustInventory(shop.key(), (line,))), lot_no="S1")
    assert "only 0 on hand at EAST" in str(error)


def test_an_unknown_lot_cannot_be_consumed(shop: Shop) -> None:
    ready(shop)
    refused(shop, lambda: consume(shop, "PO-F1", "STEEL", lots(("NOPE", 1))), lot_no="NOPE")


def test_a_serial_posted_inbound_twice_while_on_hand(shop: Shop) -> None:
    worked_example(shop)
    shop.create("PO-B2", "BIKE", 1)
    shop.release("PO-B2")
    error = refused(
        shop, lambda: output(shop, "PO-B2", lots(("SN2", Decimal(1)), serial=True)), serial_no="SN2"
    )
    assert "already on hand" in str(error)


def test_a_serial_twice_in_one_posting(shop: Shop) -> None:
    worked_example(shop)
    shop.create("PO-B2", "BIKE", 2)
    shop.release("PO-B2")
    tracking = lots(("SN9", Decimal(1)), ("SN9", Decimal(1)), serial=True)
    refused(shop, lambda: output(shop, "PO-B2", tracking), serial_no="SN9")


def test_a_serial_quantity_other_than_one(shop: Shop) -> None:
    worked_example(shop)
    shop.create("PO-B2", "BIKE", 2)
    shop.release("PO-B2")
    error = refused(
        shop, lambda: output(shop, "PO-B2", lots(("SN7", Decimal(2)), serial=True)), quantity=2
    )
    assert "exactly 1" in str(error)


def test_a_serial_may_come_back_once_it_left(shop: Shop) -> None:
    worked_example(shop)
    out = AdjustmentLine("BIKE", -1, tracking=lots(("SN1", Decimal(1)), serial=True))
    shop.post(AdjustInventory(shop.key(), (out,)))
    back = AdjustmentLine("BIKE", 1, tracking=lots(("SN1", Decimal(1)), serial=True))
    shop.post(AdjustInventory(shop.key(), (back,)))
    with shop.uow as uow:
        assert uow.ledger.lot_on_hand("BIKE", "", "SN1") == 1


def test_an_expired_lot_is_not_consumed(shop: Shop) -> None:
    ready(shop)
    old = TrackingLine("OLD", quantity=2, expiry_date=dt.date(2026, 3, 1))
    receive(shop, "STEEL", (old,))
    error = refused(shop, lambda: consume(shop, "PO-F1", "STEEL", lots(("OLD", 2))), lot_no="OLD")
    assert "expired on 2026-03-01" in str(error)


def test_an_expired_lot_is_consumed_when_the_setup_allows_it() -> None:
    shop = make_shop()
    tracking = ItemTracking(lot=True, expiry_required=True, allow_expired=True)
    lenient = Item("STEEL", base_unit="KG", unit_cost=2, tracking=tracking)
    put_master_data(shop.uow, [lenient])
    ready(shop)
    receive(shop, "STEEL", (TrackingLine("OLD", quantity=2, expiry_date=dt.date(2026, 3, 1)),))
    consume(shop, "PO-F1", "STEEL", lots(("OLD", 2)))
    with shop.uow as uow:
        assert uow.ledger.lot_on_hand("STEEL", "OLD") == 0


def test_tracking_on_an_untracked_item(shop: Shop) -> None:
    line = AdjustmentLine("BOLT", 3, tracking=lots(("B1", 3)))
    error = refused(shop, lambda: shop.post(AdjustInventory(shop.key(), (line,))))
    assert "not tracked" in str(error)


def test_a_serial_on_a_lot_only_item(shop: Shop) -> None:
    line = AdjustmentLine("FRAME", 1, tracking=lots(("X1", 1), serial=True))
    error = refused(shop, lambda: shop.post(AdjustInventory(shop.key(), (line,))))
    assert "not serial tracked" in str(error)


def test_tracking_adding_up_to_more_than_the_line(shop: Shop) -> None:
    line = AdjustmentLine("STEEL", 3, tracking=lots(("S1", Decimal(2)), ("S2", Decimal(2))))
    with pytest.raises(InvalidValueError):
        shop.post(AdjustInventory(shop.key(), (line,)))


def test_a_line_partly_tracked_leaves_an_untracked_rest_that_is_refused(shop: Shop) -> None:
    line = AdjustmentLine("STEEL", 3, tracking=lots(("S1", Decimal(2))))
    refused(shop, lambda: shop.post(AdjustInventory(shop.key(), (line,))), lot_no="", quantity=1)


def test_by_products_carry_lots(shop: Shop) -> None:
    ready(shop)
    line = ByProductLine("PO-F1", 10000, "FRAME", 1, tracking=lots(("BP1", 1)))
    shop.post(PostByProduct(shop.key(), (line,)))
    with shop.uow as uow:
        assert uow.ledger.lot_on_hand("FRAME", "BP1") == 1


def test_reversal_keeps_tracking(shop: Shop) -> None:
    worked_example(shop)
    with shop.uow as uow:
        (sn3,) = uow.ledger.tracked_entries("BIKE", serial_no="SN3")
    shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, sn3.entry_no))
    with shop.uow as uow:
        entries = uow.ledger.tracked_entries("BIKE", serial_no="SN3")
        assert [(e.serial_no, e.quantity) for e in entries] == [
            ("SN3", Decimal(1)),
            ("SN3", Decimal(-1)),
        ]
        assert uow.ledger.lot_on_hand("BIKE", "", "SN3") == 0


def test_reversing_output_whose_lot_was_consumed_further_on(shop: Shop) -> None:
    worked_example(shop)
    receive(shop, "FRAME", lots(("F9", Decimal(2))))  # enough of the item, not of the lot
    with shop.uow as uow:
        (f1,) = [
            e
            for e in uow.ledger.tracked_entries("FRAME", lot_no="F1")
            if e.entry_type is ItemEntryType.OUTPUT
        ]
    before = shop.snapshot()
    # the output entry was applied to the consumption of lot F1: nothing of it remains
    with pytest.raises(InsufficientQuantityError) as info:
        shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, f1.entry_no))
    assert shop.snapshot() == before
    assert info.value.requested == 2 and info.value.available == 0
