"""A two-level production chain for costing tests and benchmarks: raw material R
bought, consumed into sub-assembly S's order, S consumed into finished item F's order,
each order finished and its cost adjusted.

>>> from prodcore.adapters import MemoryStoreFactory
>>> from prodcore.app import put_master_data
>>> store = MemoryStoreFactory()
>>> put_master_data(store(), chain_records())
>>> receive(store, "buy", "R", 10, "5.00"), produce(store, "PO-S", "S", 10)
(1, 3)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from prodcore.app import handle
from prodcore.clock import Clock, FixedClock
from prodcore.costing.adjustment import AdjustCost
from prodcore.masterdata import BomLine, CostingMethod, Item, ProductionBom, Replenishment
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.ports import MasterDataRecord, UnitOfWork
from prodcore.testing.shop import DUE, T0

__all__ = ["CLOCK", "chain_records", "produce", "receive"]

#: The chain's default clock (the shop harness's time).
CLOCK = FixedClock(T0)

#: A unit-of-work factory (a store).
Uows = Callable[[], UnitOfWork]


def chain_records(
    raw: CostingMethod = CostingMethod.FIFO,
    sub: CostingMethod = CostingMethod.FIFO,
    top: CostingMethod = CostingMethod.FIFO,
) -> list[MasterDataRecord]:
    """R (card 5.00), S made of one R, F made of one S (standard and card 5.00)."""
    produced = {
        "S": (sub, "BS"),
        "F": (top, "BF"),
    }
    return [
        Item("R", base_unit="PCS", unit_cost=5, costing_method=raw),
        *(
            Item(
                no,
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no=bom,
                costing_method=method,
                standard_cost=5,
                unit_cost=5,
            )
            for no, (method, bom) in produced.items()
        ),
        ProductionBom("BS", (BomLine("R", 1),)),
        ProductionBom("BF", (BomLine("S", 1),)),
    ]


def receive(store: Uows, key: str, item: str, qty: int, cost: str, clock: Clock = CLOCK) -> int:
    """A receipt (positive adjustment) of ``qty`` at ``cost``; its item entry number."""
    line = AdjustmentLine(item, qty, unit_cost=Decimal(cost))
    out = handle(store(), AdjustInventory(key, (line,)), clock=clock)
    assert out.batch is not None
    return out.batch.item_entries[0].entry_no


def produce(
    store: Uows,
    order_id: str,
    item: str,
    qty: int,
    clock: Clock = CLOCK,
    due: dt.date = DUE,
) -> int:
    """Create and release an order of ``qty``, consume ``qty`` of its one component,
    output ``qty``, finish and adjust it; the output's item entry number."""
    handle(
        store(),
        CreateOrder(order_id, item, qty, due_date=due, status=OrderStatus.RELEASED),
        clock=clock,
    )
    line = ConsumptionLine(order_id, 10000, 10000, qty)
    handle(store(), PostConsumption(f"{order_id}-c", (line,)), clock=clock)
    made = handle(
        store(),
        PostOutput(f"{order_id}-o", (OutputLine(order_id, 10000, output_quantity=qty),)),
        clock=clock,
    )
    assert made.batch is not None
    handle(store(), ChangeStatus(order_id, OrderStatus.FINISHED), clock=clock)
    handle(store(), AdjustCost(f"{order_id}-adj", order_id), clock=clock)
    return made.batch.item_entries[0].entry_no
