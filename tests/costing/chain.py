"""A two-level chain for the item cost adjustment tests: raw material R bought, consumed
into sub-assembly S's order, S consumed into finished item F's order, each order
finished and its cost adjusted; then R's receipt cost changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.adapters import Store
from prodcore.app import handle
from prodcore.clock import FixedClock
from prodcore.costing.adjustment import AdjustCost
from prodcore.costing.item_adjustment import AdjustItemCosts, CorrectInboundCost
from prodcore.ledger.model import PostingResult, ValueEntry
from prodcore.ledger.valuation import entry_value
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
from prodcore.ports import MasterDataRecord

CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
D = Decimal


def items(
    raw: CostingMethod = CostingMethod.FIFO,
    sub: CostingMethod = CostingMethod.FIFO,
    top: CostingMethod = CostingMethod.FIFO,
) -> list[MasterDataRecord]:
    """R (bought at 5.00), S made of one R, F made of one S."""
    return [
        Item("R", base_unit="PCS", unit_cost=5, costing_method=raw),
        Item(
            "S",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="BS",
            costing_method=sub,
            standard_cost=5,
            unit_cost=5,
        ),
        Item(
            "F",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="BF",
            costing_method=top,
            standard_cost=5,
            unit_cost=5,
        ),
        ProductionBom("BS", (BomLine("R", 1),)),
        ProductionBom("BF", (BomLine("S", 1),)),
    ]


def receive(store: Store, key: str, item: str, qty: int, cost: str) -> int:
    """A receipt (positive adjustment); its item entry number."""
    line = AdjustmentLine(item, qty, unit_cost=D(cost))
    out = handle(store(), AdjustInventory(key, (line,)), clock=CLOCK)
    assert out.batch is not None
    return out.batch.item_entries[0].entry_no


def produce(store: Store, order_id: str, item: str, qty: int, *, consume: int | None = None) -> int:
    """Create, release, consume ``consume`` (default ``qty``) of the one component,
    output ``qty``, finish and adjust the order; the output's item entry number."""
    handle(
        store(),
        CreateOrder(order_id, item, qty, due_date=dt.date(2026, 3, 9), status=OrderStatus.RELEASED),
        clock=CLOCK,
    )
    used = qty if consume is None else consume
    line = ConsumptionLine(order_id, 10000, 10000, used)
    handle(store(), PostConsumption(f"{order_id}-c", (line,)), clock=CLOCK)
    made = handle(
        store(),
        PostOutput(f"{order_id}-o", (OutputLine(order_id, 10000, output_quantity=qty),)),
        clock=CLOCK,
    )
    assert made.batch is not None
    handle(store(), ChangeStatus(order_id, OrderStatus.FINISHED), clock=CLOCK)
    handle(store(), AdjustCost(f"{order_id}-adj", order_id), clock=CLOCK)
    return made.batch.item_entries[0].entry_no


def correct(store: Store, key: str, entry_no: int, cost: str) -> PostingResult:
    return handle(store(), CorrectInboundCost(key, entry_no, D(cost)), clock=CLOCK)


def adjust(store: Store, key: str) -> tuple[PostingResult, list[ValueEntry]]:
    """Run item cost adjustment; its result and the value entries it posted."""
    with store() as uow:
        before = len(uow.ledger.value_entries())
    result = handle(store(), AdjustItemCosts(key), clock=CLOCK)
    with store() as uow:
        return result, uow.ledger.value_entries()[before:]


def value(store: Store, entry_no: int) -> Decimal:
    with store() as uow:
        return entry_value(uow.ledger, entry_no)


def wip(store: Store, order_id: str) -> Decimal:
    with store() as uow:
        return uow.ledger.wip(order_id)
