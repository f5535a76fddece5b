"""Optional notebook helpers: a pandas DataFrame of the load view, a load-vs-capacity chart
and a Gantt chart of scheduled operations (matplotlib).

pandas and matplotlib are imported only when a function is called; without them an
:class:`ImportError` says how to install them (``pip install 'prodcore[notebook]'``).
Amounts are converted to floats here, for plotting only.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any

from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType
from prodcore.scheduling.calendar import centre_label
from prodcore.scheduling.load import LoadView
from prodcore.scheduling.schedule import ScheduledOperation

__all__ = ["load_dataframe", "plot_gantt", "plot_load"]

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
) -> Any:
    """A Gantt chart of scheduled operations, one lane per centre (``by="centre"``) or
    per order (``by="order"``). Returns the matplotlib Axes."""
    plt = _require("matplotlib.pyplot", "matplotlib")
    mdates = _require("matplotlib.dates", "matplotlib")
    ops: Sequence[ScheduledOperation] = list(operations)
    if by not in ("centre", "order"):
        raise InvalidValueError(field="by", value=by, reason="must be 'centre' or 'order'")

    def lane_of(op: ScheduledOperation) -> str:
        if by == "order":
            return op.order_id
        return centre_label((op.type, op.no))

    lanes = sorted({lane_of(op) for op in ops})
    index = {lane: i for i, lane in enumerate(lanes)}
    orders = sorted({op.order_id for op in ops})
    cmap = plt.get_cmap("tab20")
    colour = {order: cmap(i % 20) for i, order in enumerate(orders)}
    if ax is None:
        _fig, ax = plt.subplots(figsize=(10, 1 + 0.4 * len(lanes)))
    for op in ops:
        start = mdates.date2num(op.starting)
        width = mdates.date2num(op.ending) - start
        ax.barh(index[lane_of(op)], width, left=start, color=colour[op.order_id], edgecolor="black")
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels(lanes)
    ax.xaxis_date()
    ax.set_title(title)
    return ax
