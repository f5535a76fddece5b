"""An average-cost item goes out of inventory at the average of what is in it, not at
the item card's unit cost: receipts 10 @ 5.00 and 10 @ 7.00, a consumption of 10 is
valued −60.00 (BC, after adjustment; here at posting already); a FIFO item at the cost
of the oldest receipts still open; on every store."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.adapters import Store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.ledger import ValueSource
from prodcore.masterdata import (
    BomLine,
    CostingMethod,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
)
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    PostConsumption,
)
from prodcore.orders.lifecycle import CreateOrder
from prodcore.orders.model import OrderStatus
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)

CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
D = Decimal


def _shop(
    store: Store, *receipts: tuple[int, str], method: CostingMethod = CostingMethod.AVERAGE
) -> None:
    put_master_data(
        store(),
        [
            Item("C", base_unit="PCS", unit_cost=5, costing_method=method),
            Item(
                "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B"
            ),
            ProductionBom("B", (BomLine("C", 1),)),
        ],
        setup=ManufacturingSetup(allow_negative_inventory=True),
    )
    for n, (qty, cost) in enumerate(receipts):
        line = AdjustmentLine("C", qty, unit_cost=D(cost))
        handle(store(), AdjustInventory(f"in{n}", (line,)), clock=CLOCK)
    handle(
        store(),
        CreateOrder("PO-1", "P", 20, due_date=dt.date(2026, 3, 9), status=OrderStatus.RELEASED),
        clock=CLOCK,
    )


def _consume(store: Store, key: str, qty: int) -> Decimal:
    out = handle(
        store(), PostConsumption(key, (ConsumptionLine("PO-1", 10000, 10000, qty),)), clock=CLOCK
    )
    assert out.batch is not None
    (value,) = [v for v in out.batch.value_entries if v.source is ValueSource.ITEM]
    return value.cost_amount_actual


def test_consumption_of_an_average_item_is_valued_at_the_pooled_average(store: Store) -> None:
    _shop(store, (10, "5.00"), (10, "7.00"))
    assert _consume(store, "c1", 10) == D("-60.00")
    with store() as uow:
        assert (uow.ledger.on_hand("C"), uow.ledger.inventory_value("C")) == (D(10), D("60.00"))
    assert _consume(store, "c2", 4) == D("-24.00")  # the average stays 6.00


def test_a_negative_adjustment_of_an_average_item_goes_out_at_the_average(store: Store) -> None:
    _shop(store, (3, "1.00"), (3, "2.00"))
    out = handle(store(), AdjustInventory("neg", (AdjustmentLine("C", -2),)), clock=CLOCK)
    assert out.batch is not None
    assert out.batch.value_entries[0].cost_amount_actual == D("-3.00")


def test_with_nothing_on_hand_the_card_cost_is_used(store: Store) -> None:
    _shop(store)
    assert _consume(store, "c1", 2) == D("-10.00")  # 2 × the card's 5.00


def test_fifo_consumption_takes_the_oldest_receipts_cost_first(store: Store) -> None:
    _shop(store, (10, "5.00"), (10, "7.00"), method=CostingMethod.FIFO)
    assert _consume(store, "c1", 15) == D("-85.00")  # 10 × 5.00 + 5 × 7.00
    assert _consume(store, "c2", 5) == D("-35.00")  # the rest of the second receipt
    assert _consume(store, "c3", 1) == D("-5.00")  # nothing open: the card's cost


def test_fifo_lines_of_one_journal_take_successive_layers(store: Store) -> None:
    _shop(store, (10, "5.00"), (10, "7.00"), method=CostingMethod.FIFO)
    lines = (ConsumptionLine("PO-1", 10000, 10000, 10), ConsumptionLine("PO-1", 10000, 10000, 5))
    out = handle(store(), PostConsumption("c", lines), clock=CLOCK)
    assert out.batch is not None
    assert [v.cost_amount_actual for v in out.batch.value_entries if v.item_entry_no] == [
        D("-50.00"),
        D("-35.00"),
    ]
