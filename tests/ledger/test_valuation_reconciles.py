"""The G/L reconciles with the value entries after any random sequence of postings, at
every date; and the valuation at a date counts only what was posted by then."""

# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import adjust_cost, handle, implement_standard_cost, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing import ImplementStandardCost
from prodcore.errors import NotAllowedError
from prodcore.ledger.model import AccountRole, GLEntry
from prodcore.ledger.stock_value import reconcile, stock_value
from prodcore.masterdata import Item, WorkCenter
from prodcore.orders.execution import AdjustInventory, AdjustmentLine
from prodcore.orders.model import OrderStatus
from prodcore.reports.valuation import render_valuation, valuation_report
from prodcore.testing.stateful import ProductionOrderMachine

D = Decimal


class ValuationMachine(ProductionOrderMachine):
    """The shipped machine, plus cost adjustment, inventory adjustments, a work centre's
    rate change implemented (revaluing stock on hand) and days passing."""

    @rule(days=st.integers(min_value=0, max_value=3))
    def days_pass(self, days: int) -> None:
        self.clock.advance(dt.timedelta(days=days))

    @precondition(lambda self: any(m.status is OrderStatus.FINISHED for m in self.models.values()))
    @rule(data=st.data())
    def adjust(self, data: st.DataObject) -> None:
        finished = sorted(o for o, m in self.models.items() if m.status is OrderStatus.FINISHED)
        order_id = data.draw(st.sampled_from(finished))
        adjust_cost(self.uow, order_id, clock=self.clock, idempotency_key=self._key())

    @rule(
        item=st.sampled_from(["MANUAL-C", "BACKWARD-C", "PRODUCT"]),
        quantity=st.integers(min_value=-3, max_value=6).filter(bool),
    )
    def adjust_inventory(self, item: str, quantity: int) -> None:
        line = AdjustmentLine(item, D(quantity))
        handle(self.uow, AdjustInventory(self._key(), (line,)), clock=self.clock)

    @rule(rate=st.sampled_from(["0.75", "0.90", "1.20"]))
    def implement_a_new_rate(self, rate: str) -> None:
        put_master_data(
            self.uow,
            [
                WorkCenter(
                    "CUT", direct_unit_cost=rate, indirect_cost_percent=10, overhead_rate="0.05"
                )
            ],
        )
        # negative inventory refuses a revaluation (nothing changes)
        with contextlib.suppress(NotAllowedError):
            implement_standard_cost(self.uow, ImplementStandardCost(), clock=self.clock)

    @invariant()
    def gl_reconciles_with_the_value_entries(self) -> None:
        with self.uow:
            items = self.uow.ledger.item_entries()
            values = self.uow.ledger.value_entries()
            gl = self.uow.ledger.gl_entries()
        days = sorted({g.posted_at.date() for g in gl})
        for day in [None, *days[-2:]]:
            assert reconcile(stock_value(items, values, day), gl) == ()


ValuationMachine.TestCase.settings = settings(
    ValuationMachine.TestCase.settings, max_examples=40, stateful_step_count=25, deadline=None
)
TestValuationMachine = ValuationMachine.TestCase


def test_a_missing_gl_line_is_a_difference() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    put_master_data(uow, [Item("LEG", base_unit="PCS", unit_cost="2.50")])
    at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    handle(uow, AdjustInventory("A", (AdjustmentLine("LEG", D(4)),)), clock=FixedClock(at))
    with uow:
        items, values = uow.ledger.item_entries(), uow.ledger.value_entries()
        gl = uow.ledger.gl_entries()
    value = stock_value(items, values, at.date())
    assert value.inventory == 10 and reconcile(value, gl) == ()
    stray = GLEntry(
        999,
        account="2110",
        role=AccountRole.INVENTORY,
        amount=D(1),
        currency="EUR",
        value_entry_no=1,
        posted_at=at,
    )
    (diff,) = reconcile(value, [*gl, stray])
    assert (diff.key, diff.gl, diff.value_entries, diff.difference) == ("INVENTORY", 11, 10, 1)


def test_the_report_at_a_date_before_the_postings_is_empty_and_reconciled() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    put_master_data(uow, [Item("LEG", base_unit="PCS", unit_cost="2.50")])
    at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    handle(uow, AdjustInventory("A", (AdjustmentLine("LEG", D(4)),)), clock=FixedClock(at))
    before = valuation_report(uow, dt.date(2026, 3, 1))
    assert before.value.items == () and before.reconciled
    after = valuation_report(uow, at.date())
    assert [(i.item_no, i.quantity, i.actual) for i in after.value.items] == [("LEG", 4, 10)]
    assert after.to_dict()["totals"] == {"inventory": "10.00", "interim": "0", "wip": "0"}
    assert "Reconciled" in render_valuation(after)
