"""Revaluation properties: after implementing a new standard, the stock on hand is worth
the new standard (to each entry's rounding), the G/L reconciles, and implementing the
same standard again posts nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, implement_standard_cost, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing import ImplementStandardCost
from prodcore.ledger.stock_value import reconcile, stock_value
from prodcore.masterdata import BomLine, Item, ProductionBom, Replenishment
from prodcore.orders.execution import AdjustInventory, AdjustmentLine

D = Decimal
T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 4, 1, 8, tzinfo=dt.UTC)
COSTS = st.decimals(min_value=D("0.01"), max_value=D(50), places=2)


def _item(cost: Decimal) -> list[Item | ProductionBom]:
    return [
        Item("P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B"),
        Item("C", base_unit="PCS", unit_cost=cost),
        ProductionBom("B", (BomLine("C", 3),)),
    ]


@settings(max_examples=60, deadline=None)
@given(
    moves=st.lists(st.integers(min_value=-6, max_value=9).filter(bool), max_size=8),
    old=COSTS,
    new=COSTS,
)
def test_stock_is_worth_the_new_standard_after_implementing(
    moves: list[int], old: Decimal, new: Decimal
) -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    put_master_data(uow, _item(old))
    implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T0))
    on_hand = 0
    for n, move in enumerate(moves):
        quantity = max(move, -on_hand)  # never below zero
        if quantity:
            line = AdjustmentLine("P", D(quantity))
            handle(uow, AdjustInventory(f"m{n}", (line,)), clock=FixedClock(T0))
            on_hand += quantity
    put_master_data(uow, _item(new)[1:2])
    changes = implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T1))
    assert [c.new for c in changes] == ([3 * new] if new != old else [])
    with uow:
        items, values = uow.ledger.item_entries(), uow.ledger.value_entries()
        gl = uow.ledger.gl_entries()
    value = stock_value(items, values, None)
    assert reconcile(value, gl) == ()
    worth = sum((i.total for i in value.items if i.item_no == "P"), D(0))
    entries = sum(1 for e in items if e.item_no == "P")
    assert abs(worth - 3 * new * on_hand) <= D("0.005") * max(entries, 1)
    # the same standard again: nothing stored, nothing posted
    assert implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T1)) == ()
    with uow:
        assert len(uow.ledger.value_entries()) == len(values)
