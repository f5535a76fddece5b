"""The worked scenario: pick 110 of a component needed 100, pick-backward consumption of
100 on output, return of the 10 left; every bin and the inventory value exact at each
step. And the refusals, each changing nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prodcore.errors import InsufficientQuantityError, InvalidValueError
from prodcore.integrity import verify
from prodcore.ledger.model import ItemEntryType, ValueSource
from prodcore.orders.journals import (
    ConsumptionLine,
    OutputLine,
    PickComponents,
    PickLine,
    PostConsumption,
    PostOutput,
)
from prodcore.orders.picking import ReturnLine, ReturnSurplus
from prodcore.testing.shop import Shop

from .conftest import warehouse_shop

BINS = ("S-01", "S-02", "ASSY-IN", "ASSY-OUT", "LINE", "")
INVENTORY = "2110"


def bins(shop: Shop, item_no: str = "COMP") -> dict[str, Decimal]:
    """The bins of MAIN that hold ``item_no``, with their on-hand."""
    with shop.uow as uow:
        found = {b: uow.ledger.on_hand_in_bin(item_no, "MAIN", b) for b in BINS}
    return {b: q for b, q in found.items() if q}


def inventory_value(shop: Shop) -> Decimal:
    with shop.uow as uow:
        return uow.ledger.account_balance(INVENTORY)


def pick(shop: Shop, qty: int | str, from_bin: str = "S-01") -> None:
    shop.post(PickComponents(shop.key(), "PO-1", (PickLine(10000, 10000, qty, from_bin),)))


def return_surplus(shop: Shop, qty: int | str, to_bin: str = "S-01") -> None:
    shop.post(ReturnSurplus(shop.key(), "PO-1", (ReturnLine(10000, 10000, qty, to_bin),)))


def output(shop: Shop, qty: int | str, bin_code: str | None = None) -> None:
    line = OutputLine("PO-1", 10000, "10", output_quantity=qty, bin_code=bin_code)
    shop.post(PostOutput(shop.key(), (line,)))


def test_pick_consume_return_keeps_every_bin_and_the_value_exact(shop: Shop) -> None:
    assert bins(shop) == {"S-01": 200}
    assert inventory_value(shop) == Decimal("400.00")

    pick(shop, 110)  # to the centre's To-Production bin, by the component's routing link
    assert bins(shop) == {"S-01": 90, "ASSY-IN": 110}
    assert inventory_value(shop) == Decimal("400.00")  # moved at cost: nothing gained or lost
    with shop.uow as uow:
        moves = [
            e
            for e in uow.ledger.item_entries(item_no="COMP")
            if e.entry_type is ItemEntryType.TRANSFER
        ]
        assert [(e.bin_code, e.quantity) for e in moves] == [
            ("S-01", Decimal(-110)),
            ("ASSY-IN", Decimal(110)),
        ]
        amounts = [
            v.cost_amount
            for e in moves
            for v in uow.ledger.value_entries(source=ValueSource.ITEM, source_entry_no=e.entry_no)
        ]
        assert amounts == [Decimal("-220.00"), Decimal("220.00")]
    assert shop.order().lines[0].components[0].picked_quantity == 110

    output(shop, 100)  # the last operation's output flushes the pick-backward component
    assert bins(shop) == {"S-01": 90, "ASSY-IN": 10}
    assert bins(shop, "BIKE") == {"ASSY-OUT": 100}  # the centre's From-Production bin
    assert inventory_value(shop) == Decimal("200.00")  # 100 consumed at 2.00 went to WIP

    return_surplus(shop, 10)
    assert bins(shop) == {"S-01": 100}
    assert inventory_value(shop) == Decimal("200.00")
    comp = shop.order().lines[0].components[0]
    assert comp.picked_quantity == comp.consumed_quantity == 100
    report = verify(lambda: shop.uow)
    assert report.ok, str(report)


def test_output_goes_to_a_named_bin(shop: Shop) -> None:
    pick(shop, 100)
    output(shop, 40, bin_code="S-02")
    assert bins(shop, "BIKE") == {"S-02": 40}


def test_a_component_without_a_centre_bin_goes_to_the_location_bin(shop: Shop) -> None:
    from prodcore.app import put_master_data
    from prodcore.masterdata import WorkCenter

    put_master_data(shop.uow, [WorkCenter("ASSY")])  # the centre names no bins now
    pick(shop, 5)
    assert bins(shop) == {"S-01": 195, "LINE": 5}


def test_picking_more_than_the_source_bin_holds_is_refused(shop: Shop) -> None:
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError) as refused:
        pick(shop, 201)
    assert "bin S-01" in str(refused.value)
    with pytest.raises(InsufficientQuantityError):
        pick(shop, 1, from_bin="S-02")  # the stock lies in S-01, not S-02
    assert shop.snapshot() == before
    assert bins(shop) == {"S-01": 200}


def test_with_negative_inventory_a_pick_may_empty_the_bin_below_zero() -> None:
    shop = warehouse_shop(negative=True)
    pick(shop, 250)
    assert bins(shop) == {"S-01": -50, "ASSY-IN": 250}


def test_consuming_from_a_bin_that_lacks_it_is_refused(shop: Shop) -> None:
    pick(shop, 10, from_bin="ASSY-IN")  # says the stock is there already: moves nothing
    assert bins(shop) == {"S-01": 200}
    before = shop.snapshot()
    line = ConsumptionLine("PO-1", 10000, 10000, 5)
    with pytest.raises(InsufficientQuantityError) as refused:
        shop.post(PostConsumption(shop.key(), (line,)))
    assert "bin ASSY-IN" in str(refused.value)
    assert shop.snapshot() == before


def test_returning_more_than_the_surplus_is_refused(shop: Shop) -> None:
    pick(shop, 110)
    output(shop, 100)
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError) as refused:
        return_surplus(shop, 11)
    assert refused.value.available == 10
    assert shop.snapshot() == before
    assert bins(shop) == {"S-01": 90, "ASSY-IN": 10}


def test_a_return_line_needs_a_positive_quantity() -> None:
    with pytest.raises(InvalidValueError):
        ReturnLine(10000, 10000, 0, "S-01")
