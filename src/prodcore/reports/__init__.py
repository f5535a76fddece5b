"""Presentation at the edge: the domain returns data, these modules render it for people.

* :mod:`~prodcore.reports.tables` – the one text-table renderer, order and ledger reports;
* :mod:`~prodcore.reports.costing` – an item's standard cost breakdown, an order's cost views;
* :mod:`~prodcore.reports.load` – the load view as a text table and a text chart;
* :mod:`~prodcore.reports.notebook` – optional pandas/matplotlib helpers (imported lazily).
"""

from prodcore.reports.costing import (
    order_cost_report,
    render_cost_breakdown,
    render_d365_variances,
    render_order_cost,
)
from prodcore.reports.load import render_load_chart, render_load_table
from prodcore.reports.tables import fmt, ledger_report, orders_report, table

__all__ = [
    "fmt",
    "ledger_report",
    "order_cost_report",
    "orders_report",
    "render_cost_breakdown",
    "render_d365_variances",
    "render_load_chart",
    "render_load_table",
    "render_order_cost",
    "table",
]
