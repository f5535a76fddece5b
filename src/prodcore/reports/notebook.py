"""Notebook helpers: rich tables, pandas DataFrames with exact Decimals, and charts.

* ``show_*`` return a :class:`~prodcore.reports.tables.Report`: Jupyter displays it as
  HTML tables (``_repr_html_``), a terminal as text tables (its ``repr``);
* ``*_frame`` return a ``pandas.DataFrame``: amounts stay ``Decimal`` (object dtype;
  ``frame.astype(float)`` converts them, for plotting only), enums by value, durations as
  text (``"10 MIN"``);
* ``plot_*`` draw with matplotlib: the load of a centre against its capacity (overloads
  red), a Gantt chart of operations (due dates marked), a cost waterfall from standard to
  actual by share.

pandas and matplotlib are imported only when a frame or chart is asked for; without them
an :class:`ImportError` says how to install them (``pip install 'prodcore[notebook]'``).

>>> import datetime as dt
>>> from prodcore.reports.tables import Report
>>> from prodcore.scheduling.load import Period
>>> isinstance(show_load(LoadView(Period.DAY, dt.date(2026, 1, 5), dt.date(2026, 1, 6), ())), Report)
True
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from types import ModuleType
from typing import Any

import attrs

from prodcore.costing.shares import SHARE_NAMES
from prodcore.costing.variance import CostBreakdown, order_cost_views
from prodcore.errors import InvalidValueError
from prodcore.ledger.model import PostingResult
from prodcore.masterdata import CapacityType
from prodcore.numbers import ZERO, Duration
from prodcore.orders.model import ProductionOrder
from prodcore.ports import UnitOfWork
from prodcore.reports.costing import order_cost_table
from prodcore.reports.load import load_table
from prodcore.reports.tables import Report, Table, ledger_tables, orders_tables
from prodcore.scheduling.calendar import centre_label
from prodcore.scheduling.load import LoadView
from prodcore.scheduling.schedule import ScheduledOperation

__all__ = [
    "balances_frame",
    "components_frame",
    "cost_frame",
    "ledger_frame",
    "load_dataframe",
    "load_frame",
    "operations_frame",
    "orders_frame",
    "plot_cost_waterfall",
    "plot_gantt",
    "plot_load",
    "plot_order_gantt",
    "show_costs",
    "show_ledgers",
    "show_load",
    "show_orders",
    "show_posting",
    "to_frame",
]

_HINT = "{name} is needed for prodcore's notebook helpers: pip install 'prodcore[notebook]'"


def _require(module: str, name: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(_HINT.format(name=name)) from exc


def load_dataframe(view: LoadView) -> Any:
    """The load view as a ``pandas.DataFrame``, one row per centre and period, with
    ``capacity``, ``allocated``, ``availability`` and ``load_percent`` as floats."""
    pd = _require("pandas", "pandas")
    records = []
    for row in view.rows:
        pct = row.load_percent
        records.append(
            {
                "centre": row.label,
                "centre_type": row.type.value,
                "centre_no": row.no,
                "period_start": pd.Timestamp(row.period_start),
                "period_end": pd.Timestamp(row.period_end),
                "unit": row.unit.value,
                "capacity_total": float(row.capacity_total),
                "capacity": float(row.capacity),
                "allocated": float(row.allocated),
                "availability": float(row.availability),
                "load_percent": None if pct is None else float(pct),
                "overloaded": row.overloaded,
            }
        )
    columns = [
        "centre",
        "centre_type",
        "centre_no",
        "period_start",
        "period_end",
        "unit",
        "capacity_total",
        "capacity",
        "allocated",
        "availability",
        "load_percent",
        "overloaded",
    ]
    return pd.DataFrame.from_records(records, columns=columns)


def plot_load(
    view: LoadView, ctype: CapacityType, no: str, *, ax: Any = None, title: str | None = None
) -> Any:
    """Bars of allocated time per period against a step line of effective capacity for
    one centre; overloaded periods are drawn in red. Returns the matplotlib Axes."""
    plt = _require("matplotlib.pyplot", "matplotlib")
    rows = view.for_centre(ctype, no)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(10, 4))
    xs = list(range(len(rows)))
    colours = ["tab:red" if r.overloaded else "tab:blue" for r in rows]
    ax.bar(xs, [float(r.allocated) for r in rows], color=colours, label="allocated")
    if any(r.overloaded for r in rows):
        ax.bar([], [], color="tab:red", label="overloaded")
    ax.step(xs, [float(r.capacity) for r in rows], where="mid", color="black", label="capacity")
    ax.set_xticks(xs)
    ax.set_xticklabels([r.period_start.isoformat() for r in rows], rotation=90, fontsize=7)
    unit = rows[0].unit.value if rows else ""
    ax.set_ylabel(unit)
    ax.set_title(
        title or f"Load of {rows[0].label if rows else no} per {view.period.value.lower()}"
    )
    ax.legend()
    return ax


def plot_gantt(
    operations: Iterable[ScheduledOperation],
    *,
    ax: Any = None,
    by: str = "centre",
    title: str = "Scheduled operations",
    due_dates: Mapping[str, dt.date] | None = None,
) -> Any:
    """A Gantt chart of scheduled operations, one lane per centre (``by="centre"``) or
    per order (``by="order"``), a colour and a legend entry per order, each order's due
    date (``due_dates``) as a dashed line. Returns the matplotlib Axes."""
    if by not in ("centre", "order"):
        raise InvalidValueError(field="by", value=by, reason="must be 'centre' or 'order'")
    bars = [
        (op.order_id if by == "order" else centre_label((op.type, op.no)), op.order_id,
         op.starting, op.ending)
        for op in operations
    ]  # fmt: skip
    return _draw_gantt(bars, ax=ax, title=title, due_dates=due_dates or {})


def plot_order_gantt(
    orders: Iterable[ProductionOrder], *, ax: Any = None, title: str = "Scheduled orders"
) -> Any:
    """A Gantt chart of the scheduled operations of ``orders`` (one lane per centre) with
    each order's due date. Returns the matplotlib Axes."""
    orders = list(orders)
    bars = [
        (centre_label((op.type, op.no)), o.id, op.starting, op.ending)
        for o in orders
        for _, op in o.iter_operations()
        if op.starting is not None and op.ending is not None
    ]
    return _draw_gantt(bars, ax=ax, title=title, due_dates={o.id: o.due_date for o in orders})


def _draw_gantt(
    bars: Sequence[tuple[str, str, dt.datetime, dt.datetime]],
    *,
    ax: Any,
    title: str,
    due_dates: Mapping[str, dt.date],
) -> Any:
    plt = _require("matplotlib.pyplot", "matplotlib")
    mdates = _require("matplotlib.dates", "matplotlib")
    lanes = sorted({lane for lane, *_ in bars})
    index = {lane: i for i, lane in enumerate(lanes)}
    orders = sorted({order for _, order, *_ in bars})
    cmap = plt.get_cmap("tab20")
    colour = {order: cmap(i % 20) for i, order in enumerate(orders)}
    if ax is None:
        _fig, ax = plt.subplots(figsize=(10, 1.5 + 0.4 * len(lanes)))
    labelled: set[str] = set()
    for lane, order, starting, ending in bars:
        start = mdates.date2num(starting)
        label = None if order in labelled else order
        labelled.add(order)
        ax.barh(index[lane], mdates.date2num(ending) - start, left=start,
                color=colour[order], edgecolor="black", label=label)  # fmt: skip
    for order in orders:
        if order in due_dates:
            due = mdates.date2num(dt.datetime.combine(due_dates[order], dt.time.max))
            ax.axvline(due, color=colour[order], linestyle="--", label=f"{order} due")
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels(lanes)
    ax.xaxis_date()
    ax.set_title(title)
    if bars:
        ax.legend(loc="upper left", fontsize=7)
    return ax


# --- rich tables -----------------------------------------------------------------------


def show_orders(orders: Iterable[ProductionOrder]) -> Report:
    """Orders with their lines, components and operations (HTML in Jupyter)."""
    return Report(orders_tables(orders))


def show_ledgers(uow: UnitOfWork) -> Report:
    """Every ledger, the cost view by account, on hand and each order's WIP."""
    with uow:
        return Report(ledger_tables(uow.ledger, uow.orders.list()))


def show_posting(result: PostingResult) -> Report:
    """What one posting appended (its entries per ledger), its warnings and notes."""
    batch = result.batch
    tables: list[Table] = []
    if batch is not None:
        for name, entries in (
            ("Item entries", batch.item_entries),
            ("Capacity entries", batch.capacity_entries),
            ("Value entries", batch.value_entries),
            ("G/L entries", batch.gl_entries),
        ):
            if entries:
                rows = [_flat(e) for e in entries]
                tables.append(Table.of(list(rows[0]), [list(r.values()) for r in rows], title=name))
    title = f"{result.command_type}: posting {batch.posting_no}" if batch else result.command_type
    return Report(tuple(tables), notes=(title, *result.warnings, *result.notes))


def show_load(view: LoadView) -> Report:
    """The load view per centre and period."""
    return Report((load_table(view),))


def show_costs(uow: UnitOfWork, order_id: str) -> Report:
    """An order's standard, actual and variance per share (BC's view)."""
    views = order_cost_views(uow, order_id, d365=False)
    return Report((order_cost_table(views.breakdown, currency=views.currency),))


# --- DataFrames ------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Duration):
        return f"{value.amount.normalize():f} {value.unit.value}"
    return value


def _flat(record: Any) -> dict[str, Any]:
    """A record's fields as cells; nested records and tuples of them are left out (each
    has its own frame)."""
    out = {}
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, tuple) and value and attrs.has(type(value[0])):
            continue
        out[field.name] = _cell(value)
    return out


def to_frame(records: Iterable[Any], columns: Sequence[str] | None = None) -> Any:
    """Any records (orders, ledger entries, load rows...) as a DataFrame, one row each,
    Decimals exact (object dtype)."""
    pd = _require("pandas", "pandas")
    rows = [_flat(r) for r in records]
    return pd.DataFrame.from_records(rows, columns=columns or (list(rows[0]) if rows else None))


def orders_frame(orders: Iterable[ProductionOrder]) -> Any:
    """One row per order."""
    return to_frame(orders)


def components_frame(orders: Iterable[ProductionOrder]) -> Any:
    """One row per component, with its order and order line."""
    return _parts(orders, lambda o: o.iter_components())


def operations_frame(orders: Iterable[ProductionOrder]) -> Any:
    """One row per routing operation, with its order and order line."""
    return _parts(orders, lambda o: o.iter_operations())


def _parts(orders: Iterable[ProductionOrder], parts: Callable[[ProductionOrder], Any]) -> Any:
    pd = _require("pandas", "pandas")
    rows = [
        {"order_id": o.id, "order_line_no": ln.line_no, **_flat(part)}
        for o in orders
        for ln, part in parts(o)
    ]
    return pd.DataFrame.from_records(rows)


def ledger_frame(entries: Iterable[Any]) -> Any:
    """Ledger entries (item, capacity, value or G/L) as a DataFrame."""
    return to_frame(entries)


def balances_frame(uow: UnitOfWork) -> Any:
    """On hand per item and location, and WIP per order: columns ``balance``
    (``on_hand`` / ``wip``), ``key``, ``location_code``, ``value`` (Decimal)."""
    pd = _require("pandas", "pandas")
    with uow:
        places = sorted({(e.item_no, e.location_code) for e in uow.ledger.item_entries()})
        rows = [
            {"balance": "on_hand", "key": no, "location_code": loc,
             "value": uow.ledger.on_hand(no, loc)}
            for no, loc in places
        ]  # fmt: skip
        rows += [
            {"balance": "wip", "key": o.id, "location_code": o.location_code,
             "value": uow.ledger.wip(o.id)}
            for o in uow.orders.list()
        ]  # fmt: skip
    return pd.DataFrame.from_records(rows, columns=["balance", "key", "location_code", "value"])


def load_frame(view: LoadView) -> Any:
    """The load view, one row per centre and period, amounts exact (Decimal), with the
    centre's label, availability, load % and whether it is overloaded."""
    pd = _require("pandas", "pandas")
    rows = [
        {"centre": r.label, **_flat(r), "availability": r.availability,
         "load_percent": r.load_percent, "overloaded": r.overloaded}
        for r in view.rows
    ]  # fmt: skip
    return pd.DataFrame.from_records(rows)


def cost_frame(breakdown: CostBreakdown) -> Any:
    """An order's cost per share: ``standard``, ``actual``, ``variance`` (Decimal), and a
    ``total`` row."""
    pd = _require("pandas", "pandas")
    b = breakdown
    shares = [*SHARE_NAMES, "total"]
    return pd.DataFrame(
        {
            "standard": [getattr(b.standard, n) for n in shares],
            "actual": [getattr(b.actual, n) for n in shares],
            "variance": [getattr(b.variance, n) for n in shares],
        },
        index=pd.Index(shares, name="share"),
    )


def plot_cost_waterfall(breakdown: CostBreakdown, *, ax: Any = None) -> Any:
    """A waterfall from the standard cost to the actual cost of an order: one step per
    share's variance (red adds cost, green saves it). Returns the matplotlib Axes."""
    plt = _require("matplotlib.pyplot", "matplotlib")
    b = breakdown
    if ax is None:
        _fig, ax = plt.subplots(figsize=(9, 4))
    labels = ["Standard", *(n.replace("_", " ") for n in SHARE_NAMES), "Actual"]
    level = b.standard.total
    ax.bar(0, float(level), color="tab:blue", label="standard / actual")
    for x, name in enumerate(SHARE_NAMES, start=1):
        step: Decimal = getattr(b.variance, name)
        ax.bar(x, float(step), bottom=float(level),
               color="tab:red" if step > ZERO else "tab:green")  # fmt: skip
        level += step
    ax.bar(len(labels) - 1, float(b.actual.total), color="tab:blue")
    ax.bar([], [], color="tab:red", label="variance: more cost")
    ax.bar([], [], color="tab:green", label="variance: less cost")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_title(f"Cost of {b.order_id}: standard {b.standard.total} to actual {b.actual.total}")
    ax.legend(fontsize=7)
    return ax
