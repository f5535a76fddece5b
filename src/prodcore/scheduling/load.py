"""The load view of work and machine centres per period (BC "Work Center Load"), as data.

Per centre and per period (day, ISO week, month, quarter, year):

* **Capacity** (effective) = Σ effective capacity of the calendar entries dated in it;
* **Allocated** = Σ allocated time of order allocations dated in it, counting only the
  chosen order statuses (Planned, Firm Planned and Released by default); a work centre
  also counts the allocations of its machine centres;
* **Availability after orders** = Capacity − Allocated;
* **Load %** = Allocated / Capacity × 100.

Example: 08:00–16:00 in minutes, capacity 2, efficiency 80 ⇒ total 960, effective
768; allocated 600 ⇒ availability 168, load 78.1 %.

>>> import datetime as dt
>>> from prodcore.masterdata import CapacityType, WorkCenter
>>> from prodcore.orders.model import OrderStatus
>>> from prodcore.scheduling.calendar import ShopCalendar, build_calendars, one_shift_per_weekday
>>> from prodcore.scheduling.schedule import Allocation
>>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
>>> day = dt.date(2026, 1, 5)
>>> cals = build_calendars([WorkCenter("100", capacity=2, efficiency_percent=80, calendar_code="S")],
...                        [], [shop], day, day + dt.timedelta(days=1))
>>> at = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
>>> alloc = Allocation("PO-1", OrderStatus.RELEASED, 1, "10", CapacityType.WORK_CENTER, "100", "100",
...                    day, at, at + dt.timedelta(hours=6), setup=0, run=600)
>>> view = load_view(cals, [alloc], start=day, end=day + dt.timedelta(days=1))
>>> (row,) = view.rows
>>> row.capacity_total, row.capacity, row.allocated, row.availability, row.load_percent_display
(Decimal('960'), Decimal('768.0'), Decimal('600'), Decimal('168.0'), '78.1')

The view is data; :mod:`prodcore.reports.load` renders it as a text table or chart.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import attrs

from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType
from prodcore.numbers import (
    HUNDRED,
    ZERO,
    TimeUnit,
    as_decimal,
    check_member,
    in_own_context,
    tuple_of,
)
from prodcore.orders.model import OrderStatus
from prodcore.scheduling.calendar import Calendars, CentreKey, centre_label
from prodcore.scheduling.schedule import Allocation

__all__ = [
    "DEFAULT_STATUSES",
    "LoadRow",
    "LoadView",
    "Period",
    "load_view",
    "period_start",
]

DEFAULT_STATUSES: Final = frozenset(
    {OrderStatus.PLANNED, OrderStatus.FIRM_PLANNED, OrderStatus.RELEASED}
)
_TENTH = Decimal("0.1")


class Period(enum.StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"  # ISO weeks, Monday to Sunday
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"


def period_start(day: dt.date, period: Period) -> dt.date:
    """The first day of the period containing ``day``.

    >>> [period_start(dt.date(2026, 5, 8), p).isoformat() for p in Period]
    ['2026-05-08', '2026-05-04', '2026-05-01', '2026-04-01', '2026-01-01']
    """
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


def _next_period(start: dt.date, period: Period) -> dt.date:
    if period is Period.DAY:
        return start + dt.timedelta(days=1)
    if period is Period.WEEK:
        return start + dt.timedelta(days=7)
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period]
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@attrs.frozen
class LoadRow:
    """Capacity and load of one centre in one period (amounts in ``unit``)."""

    type: CapacityType
    no: str
    period_start: dt.date
    period_end: dt.date  # exclusive
    unit: TimeUnit
    capacity_total: Decimal = attrs.field(converter=as_decimal)
    capacity: Decimal = attrs.field(converter=as_decimal)  # effective
    allocated: Decimal = attrs.field(converter=as_decimal)

    @property
    def key(self) -> CentreKey:
        return (self.type, self.no)

    @property
    def label(self) -> str:
        return centre_label(self.key)

    @property
    def availability(self) -> Decimal:
        """Availability after orders = effective capacity − allocated."""
        return self.capacity - self.allocated

    @property
    def load_percent(self) -> Decimal | None:
        """Allocated / effective capacity × 100 (exact); None without capacity."""
        if self.capacity == 0:
            return None
        return self.allocated / self.capacity * HUNDRED

    @property
    def load_percent_display(self) -> str:
        """Load % to one decimal (half up), or ``'-'`` without capacity."""
        pct = self.load_percent
        return "-" if pct is None else str(pct.quantize(_TENTH, rounding=ROUND_HALF_UP))

    @property
    def overloaded(self) -> bool:
        return self.allocated > self.capacity

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings, dates in ISO format."""
        pct = self.load_percent
        return {
            "centre_type": self.type.value,
            "centre_no": self.no,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "unit": self.unit.value,
            "capacity_total": str(self.capacity_total),
            "capacity": str(self.capacity),
            "allocated": str(self.allocated),
            "availability": str(self.availability),
            "load_percent": None
            if pct is None
            else str(pct.quantize(_TENTH, rounding=ROUND_HALF_UP)),
            "overloaded": self.overloaded,
        }


@attrs.frozen
class LoadView:
    """Load rows by centre (work centres first, then machine centres) and period."""

    period: Period
    start: dt.date
    end: dt.date
    rows: tuple[LoadRow, ...] = attrs.field(validator=tuple_of(LoadRow))

    def overloads(self) -> tuple[LoadRow, ...]:
        """The rows where allocated exceeds the effective capacity."""
        return tuple(row for row in self.rows if row.overloaded)

    def for_centre(self, ctype: CapacityType, no: str) -> tuple[LoadRow, ...]:
        return tuple(row for row in self.rows if row.type is ctype and row.no == no)

    def total_allocated(self, ctype: CapacityType = CapacityType.WORK_CENTER) -> Decimal:
        """Σ allocated over the rows of one capacity type (work-centre rows already
        include their machine centres, so the two types are not added together)."""
        return sum((row.allocated for row in self.rows if row.type is ctype), ZERO)

    def to_dicts(self) -> list[dict[str, Any]]:
        """JSON-ready rows."""
        return [row.to_dict() for row in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "rows": self.to_dicts(),
            "overloads": [row.to_dict() for row in self.overloads()],
        }


@in_own_context
def load_view(
    calendars: Calendars,
    allocations: Iterable[Allocation],
    *,
    start: dt.date,
    end: dt.date,
    period: Period = Period.DAY,
    statuses: Iterable[OrderStatus] = DEFAULT_STATUSES,
    centres: Iterable[CentreKey] | None = None,
    skip_empty: bool = False,
) -> LoadView:
    """Aggregate capacity and allocations per centre and period over ``[start, end)``.

    Periods are aligned to ``period`` (a week starts on Monday, a month on the 1st) and
    clipped to ``[start, end)``. ``centres`` limits the rows; ``skip_empty`` drops rows
    with neither capacity nor load. Allocations outside the range or of other statuses
    are ignored; allocations of a centre without a calendar count against zero capacity.
    """
    if end < start:
        raise InvalidValueError(field="end", value=end, reason=f"is before start {start}")
    check_member(period, Period, "period")
    wanted = set(statuses)
    s_ord = start.toordinal()
    n_days = end.toordinal() - s_ord
    # day offset -> period index, and the periods' bounds
    bounds: list[tuple[dt.date, dt.date]] = []
    day_period: list[int] = []
    cursor = start
    while cursor < end:
        nxt = min(_next_period(period_start(cursor, period), period), end)
        bounds.append((cursor, nxt))
        day_period.extend([len(bounds) - 1] * (nxt - cursor).days)
        cursor = nxt
    keys: list[CentreKey]
    keys = list(centres) if centres is not None else [c.key for c in calendars]
    allocated: dict[CentreKey, dict[int, Decimal]] = {}
    units: dict[CentreKey, TimeUnit] = {}
    for a in allocations:
        if a.status not in wanted:
            continue
        off = a.date.toordinal() - s_ord
        if off < 0 or off >= n_days:
            continue
        p = day_period[off]
        amount = a.setup + a.run
        own = allocated.setdefault((a.type, a.no), {})
        own[p] = own.get(p, ZERO) + amount
        units.setdefault((a.type, a.no), a.unit)
        if a.type is CapacityType.MACHINE_CENTER:
            wc_key = (CapacityType.WORK_CENTER, a.work_center_no)
            wc = allocated.setdefault(wc_key, {})
            wc[p] = wc.get(p, ZERO) + amount
            units.setdefault(wc_key, a.unit)
    if centres is None:
        keys.extend(k for k in allocated if k not in calendars.centres)
    keys = sorted(set(keys), key=lambda k: (k[0] is CapacityType.MACHINE_CENTER, k[1]))
    rows: list[LoadRow] = []
    for key in keys:
        cal = calendars.centres.get(key)
        totals: dict[int, Decimal] = {}
        effectives: dict[int, Decimal] = {}
        unit = units.get(key, TimeUnit.MINUTE)
        if cal is not None:
            unit = cal.unit
            for day, total, effective in zip(cal.days, cal.totals, cal.effectives, strict=True):
                off = day - s_ord
                if 0 <= off < n_days:
                    p = day_period[off]
                    totals[p] = totals.get(p, ZERO) + total
                    effectives[p] = effectives.get(p, ZERO) + effective
        loads = allocated.get(key, {})
        for p, (p_start, p_end) in enumerate(bounds):
            load = loads.get(p, ZERO)
            cap = effectives.get(p, ZERO)
            if skip_empty and load == 0 and cap == 0:
                continue
            rows.append(
                LoadRow(
                    type=key[0],
                    no=key[1],
                    period_start=p_start,
                    period_end=p_end,
                    unit=unit,
                    capacity_total=totals.get(p, ZERO),
                    capacity=cap,
                    allocated=load,
                )
            )
    return LoadView(period=period, start=start, end=end, rows=tuple(rows))
