"""The load view for people: a text table and a text bar chart of load %.

>>> import datetime as dt
>>> from prodcore.masterdata import CapacityType
>>> from prodcore.numbers import TimeUnit
>>> from prodcore.scheduling.load import LoadRow, LoadView, Period
>>> row = LoadRow(CapacityType.WORK_CENTER, "100", dt.date(2026, 1, 5), dt.date(2026, 1, 6),
...               TimeUnit.MINUTE, capacity_total=960, capacity=768, allocated=600)
>>> view = LoadView(Period.DAY, row.period_start, row.period_end, (row,))
>>> print(render_load_table(view))
Centre  Period      Capacity  Allocated  Available  Load %
------  ----------  --------  ---------  ---------  ------
WC 100  2026-01-05    768.00     600.00     168.00    78.1
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from prodcore.errors import InvalidValueError
from prodcore.numbers import HUNDRED, in_own_context
from prodcore.reports.tables import Table
from prodcore.scheduling.load import LoadRow, LoadView

__all__ = ["load_table", "render_load_chart", "render_load_table"]


def _fmt(value: Decimal) -> str:
    return f"{value:.2f}"


@in_own_context
def render_load_table(view: LoadView, *, rows: Iterable[LoadRow] | None = None) -> str:
    """The load view as a fixed-width text table (amounts to 2 decimals, load % to 1)."""
    return load_table(view, rows=rows).text()


def load_table(view: LoadView, *, rows: Iterable[LoadRow] | None = None) -> Table:
    """The load view as a :class:`~prodcore.reports.tables.Table` (text or HTML)."""
    return Table.of(
        ("Centre", "Period", "Capacity", "Allocated", "Available", "Load %"),
        [
            (
                row.label,
                row.period_start.isoformat(),
                _fmt(row.capacity),
                _fmt(row.allocated),
                _fmt(row.availability),
                row.load_percent_display,
            )
            for row in (view.rows if rows is None else rows)
        ],
        align="llrrrr",
    )


@in_own_context
def render_load_chart(
    view: LoadView, *, width: int = 40, rows: Iterable[LoadRow] | None = None
) -> str:
    """A text bar chart of load %: ``#`` up to capacity (``width`` characters = 100 %),
    ``!`` marks an overload, ``-`` a period without capacity.

    >>> import datetime as dt
    >>> from prodcore.masterdata import CapacityType
    >>> from prodcore.numbers import TimeUnit
    >>> from prodcore.scheduling.load import Period
    >>> row = LoadRow(CapacityType.WORK_CENTER, "100", dt.date(2026, 1, 5), dt.date(2026, 1, 6),
    ...               TimeUnit.MINUTE, capacity_total=480, capacity=480, allocated=600)
    >>> print(render_load_chart(LoadView(Period.DAY, row.period_start, row.period_end, (row,)), width=10))
    WC 100  2026-01-05 |##########|! 125.0 %
    """
    if width < 1:
        raise InvalidValueError(field="width", value=width, reason="must be at least 1")
    selected = list(view.rows if rows is None else rows)
    label_w = max((len(r.label) for r in selected), default=0)
    lines = []
    for row in selected:
        pct = row.load_percent
        head = f"{row.label.ljust(label_w)}  {row.period_start.isoformat()} |"
        if pct is None:
            fill = "-" * width if row.allocated > 0 else " " * width
            suffix = "| no capacity" + (
                f", {_fmt(row.allocated)} allocated" if row.allocated > 0 else ""
            )
        else:
            filled = min(
                int((pct * width / HUNDRED).to_integral_value(rounding=ROUND_HALF_UP)), width
            )
            fill = "#" * filled + " " * (width - filled)
            mark = "!" if row.overloaded else " "
            suffix = f"|{mark}{row.load_percent_display.rjust(6)} %"
        lines.append(head + fill + suffix)
    return "\n".join(lines)
