"""Properties of item cost adjustment over random months, per costing method: raw
material R (FIFO or Average) bought in several receipts, consumed into orders of S
(FIFO, Average or Standard) and by negative adjustments, S sold the same way, then some
receipts' costs corrected and item cost adjustment run twice.

* conservation: the receipts' value = inventory value + WIP + what left inventory
  outside orders (negative adjustments) + the orders' variances and rounding;
* every finished order's WIP is zero after adjustment;
* FIFO consumes the oldest receipts first (the open receipts are the newest ones, the
  first of them partly used) and the stock left is worth its receipts' cost;
* an average-cost item's stock is worth the pooled average and its card shows it;
* a second run posts nothing.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodcore.adapters import MemoryStoreFactory, Store
from prodcore.app import handle, put_master_data
from prodcore.ledger.model import ItemEntryType, ValueEntryType
from prodcore.ledger.valuation import entry_value
from prodcore.masterdata import CostingMethod
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from tests.costing.chain import CLOCK, adjust, correct, items, produce, receive

D = Decimal
CENT = D("0.01")

costs = st.integers(min_value=1, max_value=2000).map(lambda c: D(c) / 100)
months = st.fixed_dictionaries(
    {
        "raw": st.sampled_from([CostingMethod.FIFO, CostingMethod.AVERAGE]),
        "sub": st.sampled_from([CostingMethod.FIFO, CostingMethod.AVERAGE, CostingMethod.STANDARD]),
        "receipts": st.lists(
            st.tuples(st.integers(min_value=1, max_value=9), costs), min_size=1, max_size=4
        ),
        # per step: ("order", qty) consumes R into an order of S; ("scrap", qty) a
        # negative adjustment of R; ("sell", qty) one of S
        "steps": st.lists(
            st.tuples(
                st.sampled_from(["order", "scrap", "sell"]), st.integers(min_value=1, max_value=6)
            ),
            max_size=5,
        ),
        "corrections": st.lists(
            st.tuples(st.integers(min_value=0, max_value=3), costs), min_size=1, max_size=3
        ),
    }
)


def _run_month(store: Store, month: dict) -> tuple[list[int], int, bool]:  # type: ignore[type-arg]
    """Post the month; the receipts' entry numbers, the number of R's outbound entries
    and whether a correction changed a receipt's cost."""
    put_master_data(store(), items(raw=month["raw"], sub=month["sub"]))
    receipts = [
        receive(store, f"buy{n}", "R", qty, str(cost))
        for n, (qty, cost) in enumerate(month["receipts"])
    ]
    on_hand = {"R": sum(qty for qty, _ in month["receipts"]), "S": 0}
    outbound = 0
    for n, (kind, qty) in enumerate(month["steps"]):
        item = "S" if kind == "sell" else "R"
        qty = min(qty, on_hand[item])
        if not qty:
            continue
        if kind == "order":
            produce(store, f"PO-{n}", "S", qty)
            on_hand["S"] += qty
        else:
            line = AdjustmentLine(item, -qty)
            handle(store(), AdjustInventory(f"out{n}", (line,)), clock=CLOCK)
        on_hand[item] -= qty
        outbound += item == "R"
    adjust(store, "settle")
    changed = False
    for n, (which, cost) in enumerate(month["corrections"]):
        fixed = correct(store, f"fix{n}", receipts[which % len(receipts)], str(cost))
        changed = changed or fixed.batch is not None
    return receipts, outbound, changed


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(month=months)
def test_item_cost_adjustment_properties(month: dict) -> None:  # type: ignore[type-arg]
    store = MemoryStoreFactory()
    receipts, outbound, changed = _run_month(store, month)
    adjust(store, "run-1")
    _, again = adjust(store, "run-2")
    assert again == []  # adjust twice: the second posts nothing
    with store() as uow:
        ledger = uow.ledger
        entries = ledger.item_entries()
        received = sum((entry_value(ledger, n) for n in receipts), D(0))
        inventory = ledger.inventory_value("R") + ledger.inventory_value("S")
        orders = {e.order_id for e in entries if e.order_id}
        wip = {o: ledger.wip(o) for o in orders}
        outside = -sum(
            (
                entry_value(ledger, e.entry_no)
                for e in entries
                if e.entry_type is ItemEntryType.NEGATIVE_ADJUSTMENT
            ),
            D(0),
        )
        settled = sum(
            (
                v.cost_amount
                for v in ledger.value_entries()
                if v.order_id and v.entry_type in (ValueEntryType.VARIANCE, ValueEntryType.ROUNDING)
            ),
            D(0),
        )
        assert received == inventory + sum(wip.values(), D(0)) + outside + settled
        assert all(w == 0 for w in wip.values())
        remaining = [ledger.remaining_quantity(n) for n in receipts]
        quantities = [ledger.item_entry(n).quantity for n in receipts]
        on_hand = ledger.on_hand("R")
        if month["raw"] is CostingMethod.FIFO:
            # oldest first: used up, then at most one partly used, then untouched
            used = [r < q for r, q in zip(remaining, quantities, strict=True)]
            assert used == sorted(used, reverse=True)
            assert sum(1 for r, q in zip(remaining, quantities, strict=True) if 0 < r < q) <= 1
            worth = sum(
                (
                    r * entry_value(ledger, n) / q
                    for n, r, q in zip(receipts, remaining, quantities, strict=True)
                ),
                D(0),
            )
            assert abs(ledger.inventory_value("R") - worth) <= CENT * len(receipts)
        elif on_hand > 0:
            pooled = received / sum(quantities, D(0))
            assert abs(ledger.inventory_value("R") - on_hand * pooled) <= CENT * (outbound + 1)
            if changed:  # revalued by the run: the card shows the average
                card = uow.master_data.item("R").unit_cost
                assert card == uow.master_data.setup.unit_amount_rounding.apply(
                    ledger.inventory_value("R") / on_hand
                )
