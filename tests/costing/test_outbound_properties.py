"""Properties of outbound valuation over random receipts and issues (adjustments): value
is conserved (inventory value = receipts + issues, both signed), a FIFO item's inventory
value is its open receipts' remaining quantities at their own unit costs, and an
average item's issues go out at the pooled average."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.masterdata import CostingMethod, Item, ManufacturingSetup
from prodcore.orders.journals import AdjustInventory, AdjustmentLine

CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
D = Decimal

moves = st.lists(
    st.tuples(st.integers(-8, 12).filter(bool), st.integers(100, 999)),  # qty, cost in cents
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(moves, st.sampled_from([CostingMethod.AVERAGE, CostingMethod.FIFO]))
def test_outbound_valuation_conserves_value(
    steps: list[tuple[int, int]], method: CostingMethod
) -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    put_master_data(
        uow,
        [Item("C", base_unit="PCS", unit_cost=5, costing_method=method)],
        setup=ManufacturingSetup(allow_negative_inventory=False),
    )
    posted = D(0)
    for n, (qty, cents) in enumerate(steps):
        with uow:
            on_hand = uow.ledger.on_hand("C")
            before = uow.ledger.inventory_value("C")
        if qty < 0 and -qty > on_hand:
            continue  # more than is on hand: refused, nothing to check
        cost = D(cents) / 100 if qty > 0 else None
        out = handle(
            uow, AdjustInventory(f"m{n}", (AdjustmentLine("C", qty, unit_cost=cost),)), clock=CLOCK
        )
        assert out.batch is not None
        value = out.batch.value_entries[0].cost_amount_actual
        posted += value
        if qty < 0 and method is CostingMethod.AVERAGE:
            assert abs(value - before * qty / on_hand) <= D("0.005")  # the pooled average
        with uow:
            assert uow.ledger.inventory_value("C") == posted
            if method is CostingMethod.FIFO:
                open_value = sum(
                    (
                        left
                        * uow.ledger.value_entries(
                            source_entry_no=no, source=out.batch.value_entries[0].source
                        )[0].cost_amount_actual
                        / uow.ledger.item_entry(no).quantity
                        for no, left in uow.ledger.open_entries("C", "", True)
                    ),
                    D(0),
                )
                # each issue rounds to the cent: at most half a cent per step apart
                assert abs(open_value - posted) <= D("0.005") * (n + 1)
