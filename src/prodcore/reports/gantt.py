"""The schedule for people: orders against their due moments as a table or JSON, and a
Gantt chart (matplotlib, imported lazily) with a legend, the due moments marked and late
orders highlighted.

>>> import datetime as dt
>>> from prodcore.scheduling.sequencing import SequencedOrder
>>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
>>> rows = [SequencedOrder("A", 1, at.replace(hour=16), at, at.replace(hour=12)),
...         SequencedOrder("B", 2, at.replace(hour=16), at.replace(hour=12), at.replace(day=3, hour=9))]
>>> print(render_schedule_table(rows))
Schedule
Order  Start             End               Due               Late by
-----  ----------------  ----------------  ----------------  --------
A      2026-03-02 08:00  2026-03-02 12:00  2026-03-02 16:00
B      2026-03-02 12:00  2026-03-03 09:00  2026-03-02 16:00  17:00:00
>>> schedule_json(rows)[1]["late_by_seconds"]
61200
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import Any

from prodcore.errors import InvalidValueError
from prodcore.reports.notebook import plot_gantt
from prodcore.reports.tables import table
from prodcore.scheduling.calendar import centre_label
from prodcore.scheduling.schedule import ScheduledOperation
from prodcore.scheduling.sequencing import SequencedOrder

__all__ = ["plot_schedule_gantt", "render_schedule_table", "schedule_json"]


def _moment(value: Any) -> str:
    return str(value.strftime("%Y-%m-%d %H:%M"))


def render_schedule_table(orders: Iterable[SequencedOrder]) -> str:
    """One row per order: start, end, due moment and how late it is (blank: on time)."""
    rows = [
        [o.order_id, _moment(o.starting), _moment(o.ending), _moment(o.due),
         str(o.lateness) if o.late else ""]
        for o in orders
    ]  # fmt: skip
    return table(["Order", "Start", "End", "Due", "Late by"], rows, title="Schedule")


def schedule_json(orders: Iterable[SequencedOrder]) -> list[dict[str, Any]]:
    """The orders as JSON-ready dicts (ISO moments, lateness in whole seconds)."""
    return [
        {
            "order_id": o.order_id,
            "starting": o.starting.isoformat(),
            "ending": o.ending.isoformat(),
            "due": o.due.isoformat(),
            "late": o.late,
            "late_by_seconds": int(o.lateness.total_seconds()),
        }
        for o in orders
    ]


def plot_schedule_gantt(
    operations: Sequence[ScheduledOperation],
    orders: Iterable[SequencedOrder],
    *,
    by: str = "order",
    ax: Any = None,
    title: str = "Schedule",
) -> Any:
    """A Gantt chart of ``operations``, one lane per order (``by="order"``) or per centre
    (``by="centre"``): a colour and a legend entry per order, each order's due date as a
    dashed line, and the late orders outlined in red (and their lane labels red). Returns
    the matplotlib Axes."""
    if by not in ("centre", "order"):
        raise InvalidValueError(field="by", value=by, reason="must be 'centre' or 'order'")
    report = list(orders)
    late = {o.order_id for o in report if o.late}
    ax = plot_gantt(
        operations, ax=ax, by=by, title=title, due_dates={o.order_id: o.due.date() for o in report}
    )
    # the lanes are drawn in sorted order: outline the late orders' bars on top
    lanes = sorted(
        {op.order_id if by == "order" else centre_label((op.type, op.no)) for op in operations}
    )
    index = {lane: i for i, lane in enumerate(lanes)}
    mdates = importlib.import_module("matplotlib.dates")  # there: plot_gantt needed it

    outlined = False
    for op in operations:
        if op.order_id not in late:
            continue
        lane = op.order_id if by == "order" else centre_label((op.type, op.no))
        start = mdates.date2num(op.starting)
        ax.barh(index[lane], mdates.date2num(op.ending) - start, left=start, fill=False,
                edgecolor="red", linewidth=2.5, label=None if outlined else "late")  # fmt: skip
        outlined = True
    if by == "order":
        for label in ax.get_yticklabels():
            if label.get_text() in late:
                label.set_color("red")
    if operations:
        ax.legend(loc="upper left", fontsize=7)
    return ax
