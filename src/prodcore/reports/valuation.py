"""The inventory valuation report at a date, with its G/L reconciliation.

:func:`valuation_report` reads a store's ledger: per item the quantity on hand and its
value (actual and expected cost) at the end of a day, per production order its WIP, and
the differences between the G/L balances (Inventory, Inventory (Interim), WIP in total
and per order) and the sum of the value entries
(:mod:`prodcore.ledger.stock_value` states the rule). ``prodcore valuation --store URL
--as-of DATE [--json]`` prints it.

>>> import datetime as dt
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.app import handle, put_master_data
>>> from prodcore.clock import FixedClock
>>> from prodcore.masterdata import Item
>>> from prodcore.orders.execution import AdjustInventory, AdjustmentLine
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> put_master_data(uow, [Item("LEG", base_unit="PCS", unit_cost="2.50")])
>>> _ = handle(uow, AdjustInventory("open", (AdjustmentLine("LEG", 40),)),
...            clock=FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)))
>>> report = valuation_report(uow, dt.date(2026, 3, 2))
>>> print(render_valuation(report))
Inventory value at 2026-03-02 (EUR)
Item   Quantity  Actual  Expected  Total
-----  --------  ------  --------  -----
LEG          40     100         0    100
-----  --------  ------  --------  -----
Total               100         0    100
<BLANKLINE>
WIP at 2026-03-02 (EUR)
Order  WIP
-----  ---
(none)
<BLANKLINE>
Reconciled: the G/L inventory, interim and WIP balances equal the value entries.
>>> valuation_report(uow, dt.date(2026, 3, 1)).value.items
()
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from prodcore.ledger.stock_value import (
    ReconciliationDifference,
    StockValue,
    reconcile,
    stock_value,
)
from prodcore.numbers import tuple_of
from prodcore.ports import UnitOfWork
from prodcore.reports.tables import table

__all__ = ["ValuationReport", "render_valuation", "valuation_report"]


@attrs.frozen
class ValuationReport:
    """Stock and WIP value at a date and the reconciliation's differences (none: the
    books agree)."""

    value: StockValue
    differences: tuple[ReconciliationDifference, ...] = attrs.field(
        validator=tuple_of(ReconciliationDifference)
    )
    currency: str = ""

    @property
    def reconciled(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts as strings (exact Decimals)."""
        v = self.value
        return {
            "as_of": None if v.as_of is None else v.as_of.isoformat(),
            "currency": self.currency,
            "items": [
                {
                    "item_no": i.item_no,
                    "quantity": str(i.quantity),
                    "actual": str(i.actual),
                    "expected": str(i.expected),
                }
                for i in v.items
            ],
            "wip": [{"order_id": o.order_id, "amount": str(o.amount)} for o in v.orders],
            "totals": {"inventory": str(v.inventory), "interim": str(v.interim), "wip": str(v.wip)},
            "reconciled": self.reconciled,
            "differences": [
                {"key": d.key, "gl": str(d.gl), "value_entries": str(d.value_entries)}
                for d in self.differences
            ],
        }


def valuation_report(uow: UnitOfWork, as_of: dt.date) -> ValuationReport:
    """The valuation of ``uow``'s store at the end of ``as_of`` (reads the whole ledger
    once)."""
    with uow:
        ledger = uow.ledger
        value = stock_value(ledger.item_entries(), ledger.value_entries(), as_of)
        differences = reconcile(value, ledger.gl_entries())
        return ValuationReport(value, differences, uow.master_data.setup.currency)


def render_valuation(report: ValuationReport) -> str:
    """The report as text: items, WIP per order, and the reconciliation's verdict."""
    v = report.value
    day, cur = v.as_of, report.currency
    items = table(
        ["Item", "Quantity", "Actual", "Expected", "Total"],
        [[i.item_no, i.quantity, i.actual, i.expected, i.total] for i in v.items],
        title=f"Inventory value at {day} ({cur})",
        align="lrrrr",
        footer=[["Total", "", v.inventory, v.interim, v.inventory + v.interim]],
    )
    wip = table(
        ["Order", "WIP"],
        [[o.order_id, o.amount] for o in v.orders],
        title=f"WIP at {day} ({cur})",
        align="lr",
        footer=[["Total", v.wip]] if v.orders else (),
    )
    if report.reconciled:
        verdict = "Reconciled: the G/L inventory, interim and WIP balances equal the value entries."
    else:
        verdict = table(
            ["Balance", "G/L", "Value entries", "Difference"],
            [[d.key, d.gl, d.value_entries, d.difference] for d in report.differences],
            title="NOT reconciled",
            align="lrrr",
        )
    return f"{items}\n\n{wip}\n\n{verdict}"
