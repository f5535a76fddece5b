"""The calendars of work and machine centres, built from shop calendars.

The shop calendar itself (:class:`~prodcore.calendars.ShopCalendar`, its
:class:`~prodcore.calendars.WorkShift` lines and :class:`~prodcore.calendars.Holiday`
dates) is master data in :mod:`prodcore.calendars`; its names are re-exported here.

A centre's calendar (:class:`CentreCalendar`, BC's Calendar Entries) turns each working
period into capacity in the centre's time unit::

    Capacity (Total)     = hours(End − Start) × (Capacity − Absence capacity)
    Capacity (Effective) = Total × Efficiency / 100

:class:`Absence` entries reduce the capacity of the time they cover. A work centre with a
consolidated calendar has no capacity of its own: its machine centres' capacities,
weighted by their efficiencies, are summed and the efficiency is 100 (see
:func:`consolidated_calendar` for an example).

Example: 08:00–16:00, minutes, capacity 2, efficiency 80 ⇒ total 960, effective 768.

>>> import datetime as dt
>>> from prodcore.masterdata import WorkCenter
>>> shop = ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
>>> wc = WorkCenter("100", capacity=2, efficiency_percent=80, calendar_code="DAY")
>>> cal = centre_calendar(wc, shop, dt.date(2026, 1, 5), dt.date(2026, 1, 6))
>>> (entry,) = cal.entries
>>> entry.starting.isoformat(), entry.total, entry.effective
('2026-01-05T08:00:00+00:00', Decimal('960'), Decimal('768.0'))
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from prodcore.calendars import (
    Absence,
    CentreAbsences,
    Holiday,
    ShopCalendar,
    WorkShift,
    from_micros,
    one_shift_per_weekday,
    to_micros,
)
from prodcore.errors import InvalidValueError, NotFoundError
from prodcore.masterdata import CapacityType, MachineCenter, WorkCenter
from prodcore.numbers import HUNDRED, ZERO, Rounding, TimeUnit, as_decimal

__all__ = [
    "Absence",
    "CalendarEntry",
    "Calendars",
    "CentreAbsences",
    "CentreCalendar",
    "CentreKey",
    "Holiday",
    "ShopCalendar",
    "WorkShift",
    "build_calendars",
    "centre_calendar",
    "centre_label",
    "consolidated_calendar",
    "from_micros",
    "one_shift_per_weekday",
    "to_micros",
]

CentreKey = tuple[CapacityType, str]

MICROS_PER_MINUTE = 60_000_000


def centre_label(key: CentreKey) -> str:
    """``'WC 100'`` or ``'MC 110'``.

    >>> centre_label((CapacityType.MACHINE_CENTER, "110"))
    'MC 110'
    """
    prefix = "WC" if key[0] is CapacityType.WORK_CENTER else "MC"
    return f"{prefix} {key[1]}"


def _column_of(cls: type) -> Any:
    """attrs validator for the calendar's columns: a tuple whose members are all ``cls``
    (what :func:`~prodcore.numbers.tuple_of` checks, in one pass: columns are long)."""

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, cls) for v in value):
            raise InvalidValueError(
                field=attribute.name,
                value=type(value).__name__,
                reason=f"must be a tuple of {cls.__name__}",
            )

    return check


@attrs.frozen
class CalendarEntry:
    """One working period of a centre with its capacity (BC: Calendar Entry)."""

    date: dt.date
    starting: dt.datetime
    ending: dt.datetime
    shift: str
    capacity: Decimal = attrs.field(converter=as_decimal)
    efficiency_percent: Decimal = attrs.field(converter=as_decimal)
    total: Decimal = attrs.field(converter=as_decimal)
    effective: Decimal = attrs.field(converter=as_decimal)


@attrs.frozen(eq=False)
class CentreCalendar:
    """The calendar entries of one work or machine centre, column by column.

    Entries are sorted and do not overlap; ``starts``/``ends`` are microseconds since the
    epoch so that lookups are a bisect. ``totals`` and ``effectives`` are in ``unit``.
    Build one with :func:`centre_calendar` or :func:`consolidated_calendar`.
    """

    type: CapacityType
    no: str
    work_center_no: str
    unit: TimeUnit
    capacity: Decimal = attrs.field(converter=as_decimal)
    efficiency_percent: Decimal = attrs.field(converter=as_decimal)
    timezone: dt.tzinfo
    first_day: dt.date
    end_day: dt.date  # exclusive
    starts: tuple[int, ...] = attrs.field(validator=_column_of(int))
    ends: tuple[int, ...] = attrs.field(validator=_column_of(int))
    days: tuple[int, ...] = attrs.field(validator=_column_of(int))  # date ordinals
    shifts: tuple[str, ...] = attrs.field(validator=_column_of(str))
    capacities: tuple[Decimal, ...] = attrs.field(validator=_column_of(Decimal))
    efficiencies: tuple[Decimal, ...] = attrs.field(validator=_column_of(Decimal))
    totals: tuple[Decimal, ...] = attrs.field(validator=_column_of(Decimal))
    effectives: tuple[Decimal, ...] = attrs.field(validator=_column_of(Decimal))
    unit_micros: int = attrs.field(init=False, repr=False)  # microseconds in one ``unit``

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "unit_micros", int(self.unit.minutes * MICROS_PER_MINUTE))
        n = len(self.starts)
        columns = (self.ends, self.days, self.shifts, self.capacities, self.efficiencies)
        if any(len(c) != n for c in (*columns, self.totals, self.effectives)):
            raise InvalidValueError(field="entries", value=n, reason="columns differ in length")
        if self.capacity < 0:
            raise InvalidValueError(
                field="capacity", value=self.capacity, reason="must not be negative"
            )
        previous_end = None
        for s, e in zip(self.starts, self.ends, strict=True):
            if e <= s:
                raise InvalidValueError(
                    field="entries", value=(s, e), reason="an entry ends before it starts"
                )
            if previous_end is not None and s < previous_end:
                raise InvalidValueError(
                    field="entries", value=(s, e), reason="entries overlap (overlapping shifts?)"
                )
            previous_end = e

    @property
    def key(self) -> CentreKey:
        return (self.type, self.no)

    @property
    def label(self) -> str:
        return centre_label(self.key)

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def entries(self) -> tuple[CalendarEntry, ...]:
        """The entries as records (built on demand)."""
        tz = self.timezone
        return tuple(
            CalendarEntry(
                date=dt.date.fromordinal(self.days[i]),
                starting=from_micros(self.starts[i], tz),
                ending=from_micros(self.ends[i], tz),
                shift=self.shifts[i],
                capacity=self.capacities[i],
                efficiency_percent=self.efficiencies[i],
                total=self.totals[i],
                effective=self.effectives[i],
            )
            for i in range(len(self.starts))
        )

    def entry_index(self, moment: dt.datetime) -> int | None:
        """The index of the entry containing ``moment``, or None outside working time."""
        us = to_micros(moment)
        i = bisect_right(self.starts, us) - 1
        if i >= 0 and us < self.ends[i]:
            return i
        return None

    def daily(self) -> dict[int, tuple[Decimal, Decimal]]:
        """(total, effective) per date ordinal."""
        result: dict[int, tuple[Decimal, Decimal]] = {}
        for day, total, effective in zip(self.days, self.totals, self.effectives, strict=True):
            t, e = result.get(day, (ZERO, ZERO))
            result[day] = (t + total, e + effective)
        return result

    def effective_between(self, start: dt.date, end: dt.date) -> Decimal:
        """Σ effective capacity of the entries dated in ``[start, end)``.

        >>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
        >>> cal = centre_calendar(WorkCenter("1", calendar_code="S"), shop, dt.date(2026, 1, 5), dt.date(2026, 1, 12))
        >>> cal.effective_between(dt.date(2026, 1, 5), dt.date(2026, 1, 12))
        Decimal('2400')
        """
        lo = bisect_left(self.days, start.toordinal())
        hi = bisect_left(self.days, end.toordinal())
        return sum(self.effectives[lo:hi], ZERO)


def _centre_attributes(
    centre: WorkCenter | MachineCenter, unit: TimeUnit | None
) -> tuple[CapacityType, str, TimeUnit]:
    if isinstance(centre, WorkCenter):
        return CapacityType.WORK_CENTER, centre.no, unit or centre.capacity_unit
    return CapacityType.MACHINE_CENTER, centre.work_center_no, unit or TimeUnit.MINUTE


def centre_calendar(
    centre: WorkCenter | MachineCenter,
    shop: ShopCalendar,
    start: dt.date,
    end: dt.date,
    *,
    absences: Iterable[Absence] = (),
    unit: TimeUnit | None = None,
    rounding: Rounding | None = None,
) -> CentreCalendar:
    """Calculate a centre's calendar entries for the days ``[start, end)``.

    ``unit`` defaults to the work centre's capacity unit (a machine centre should be given
    its work centre's; minutes otherwise). ``rounding`` is BC's calendar rounding
    precision, applied to effective capacity. Absences of other centres are ignored.

    Example: one 8-hour shift, efficiency 100, minutes ⇒ 480 a day; an absence
    08:00–10:00 takes 120 from that day.

    >>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    >>> wc = WorkCenter("100", calendar_code="S")
    >>> away = Absence(CapacityType.WORK_CENTER, "100", dt.datetime(2026, 1, 6, 8, tzinfo=dt.UTC),
    ...                dt.datetime(2026, 1, 6, 10, tzinfo=dt.UTC))
    >>> cal = centre_calendar(wc, shop, dt.date(2026, 1, 5), dt.date(2026, 1, 7), absences=[away])
    >>> sorted((dt.date.fromordinal(d).isoformat(), str(e)) for d, (t, e) in cal.daily().items())
    [('2026-01-05', '480'), ('2026-01-06', '360')]
    """
    ctype, wc_no, unit_ = _centre_attributes(centre, unit)
    periods = shop._periods(start, end)
    own = [a for a in absences if a.type is ctype and a.no == centre.no]
    return _build(
        ctype,
        centre.no,
        wc_no,
        unit_,
        centre.capacity,
        centre.efficiency_percent,
        shop.timezone,
        start,
        end,
        periods,
        own,
        rounding,
    )


def _build(
    ctype: CapacityType,
    no: str,
    wc_no: str,
    unit: TimeUnit,
    capacity: Decimal,
    efficiency: Decimal,
    tz: dt.tzinfo,
    start: dt.date,
    end: dt.date,
    periods: Sequence[tuple[int, int, int, str]],
    absences: Sequence[Absence],
    rounding: Rounding | None,
) -> CentreCalendar:
    if capacity < 0:
        raise InvalidValueError(field="capacity", value=capacity, reason="must not be negative")
    pieces: list[tuple[int, int, int, str, Decimal]]
    if absences:
        pieces = _apply_absences(periods, absences, capacity)
    else:
        pieces = [(day, s, e, code, capacity) for day, s, e, code in periods]
    if capacity == 0:
        pieces = []
    unit_us = Decimal(int(unit.minutes * MICROS_PER_MINUTE))
    factor = efficiency / HUNDRED
    starts: list[int] = []
    ends: list[int] = []
    days: list[int] = []
    shifts: list[str] = []
    caps: list[Decimal] = []
    totals: list[Decimal] = []
    effectives: list[Decimal] = []
    figures: dict[tuple[int, Decimal], tuple[Decimal, Decimal]] = {}  # (length, cap) -> ...
    for day, s, e, code, cap in pieces:
        if cap <= 0:
            continue
        key = (e - s, cap)
        pair = figures.get(key)
        if pair is None:
            total = Decimal(e - s) / unit_us * cap
            effective = total * factor
            if rounding is not None:
                effective = rounding.apply(effective)
            pair = figures[key] = (total, effective)
        starts.append(s)
        ends.append(e)
        days.append(day)
        shifts.append(code)
        caps.append(cap)
        totals.append(pair[0])
        effectives.append(pair[1])
    return CentreCalendar(
        type=ctype,
        no=no,
        work_center_no=wc_no,
        unit=unit,
        capacity=capacity,
        efficiency_percent=efficiency,
        timezone=tz,
        first_day=start,
        end_day=end,
        starts=tuple(starts),
        ends=tuple(ends),
        days=tuple(days),
        shifts=tuple(shifts),
        capacities=tuple(caps),
        efficiencies=(efficiency,) * len(starts),
        totals=tuple(totals),
        effectives=tuple(effectives),
    )


def _apply_absences(
    periods: Sequence[tuple[int, int, int, str]], absences: Sequence[Absence], capacity: Decimal
) -> list[tuple[int, int, int, str, Decimal]]:
    """Split the periods at absence boundaries; each piece keeps capacity − absent."""
    spans = sorted((to_micros(a.starting), to_micros(a.ending), a.capacity) for a in absences)
    period_starts = [p[1] for p in periods]
    touched: dict[int, list[tuple[int, int, Decimal]]] = {}
    for a_s, a_e, a_cap in spans:
        i = max(bisect_right(period_starts, a_s) - 1, 0)
        while i < len(periods) and periods[i][1] < a_e:
            if periods[i][2] > a_s:
                touched.setdefault(i, []).append((a_s, a_e, a_cap))
            i += 1
    pieces: list[tuple[int, int, int, str, Decimal]] = []
    for i, (day, s, e, code) in enumerate(periods):
        overlapping = touched.get(i)
        if not overlapping:
            pieces.append((day, s, e, code, capacity))
            continue
        cuts = sorted(
            {s, e, *(max(a, s) for a, _, _ in overlapping), *(min(b, e) for _, b, _ in overlapping)}
        )
        for lo, hi in itertools.pairwise(cuts):
            absent = sum((c for a, b, c in overlapping if a <= lo and hi <= b), ZERO)
            pieces.append((day, lo, hi, code, max(capacity - absent, ZERO)))
    return pieces


def consolidated_calendar(
    work_center: WorkCenter, machine_calendars: Sequence[CentreCalendar]
) -> CentreCalendar:
    """A work centre calendar consolidated from its machine centres (BC "Consolidated
    Calendar"): capacity = Σ MC capacity × efficiency / 100, efficiency 100.

    Example: two machine centres, efficiency 80 and 70, one 8-hour shift ⇒ the work
    centre's entry has capacity 1.5, efficiency 100 and a total of 12 hours.

    >>> from prodcore.masterdata import MachineCenter
    >>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    >>> wc = WorkCenter("200", capacity_unit=TimeUnit.HOUR, consolidated_calendar=True)
    >>> day = dt.date(2026, 1, 5), dt.date(2026, 1, 6)
    >>> mcs = [centre_calendar(MachineCenter(no, "200", efficiency_percent=eff), shop, *day, unit=TimeUnit.HOUR)
    ...        for no, eff in (("M1", 80), ("M2", 70))]
    >>> (entry,) = consolidated_calendar(wc, mcs).entries
    >>> entry.capacity, entry.efficiency_percent, entry.total
    (Decimal('1.5'), Decimal('100'), Decimal('12.0'))
    """
    unit = work_center.capacity_unit
    unit_us = Decimal(int(unit.minutes * MICROS_PER_MINUTE))
    events: list[tuple[int, int, Decimal, int, str]] = []  # (time, +1/-1, capacity, day, shift)
    for cal in machine_calendars:
        if cal.work_center_no != work_center.no:
            raise InvalidValueError(
                field="machine_calendars",
                value=cal.label,
                reason=f"belongs to work centre {cal.work_center_no}, not {work_center.no}",
            )
        for i in range(len(cal)):
            weighted = cal.capacities[i] * cal.efficiencies[i] / HUNDRED
            events.append((cal.starts[i], 1, weighted, cal.days[i], cal.shifts[i]))
            events.append((cal.ends[i], -1, weighted, cal.days[i], cal.shifts[i]))
    events.sort(key=lambda ev: (ev[0], ev[1]))
    starts: list[int] = []
    ends: list[int] = []
    days: list[int] = []
    shifts: list[str] = []
    caps: list[Decimal] = []
    totals: list[Decimal] = []
    level = ZERO
    open_count = 0
    cursor = 0
    day = 0
    shift = ""
    for time, sign, weighted, ev_day, ev_shift in events:
        if open_count > 0 and time > cursor and level > 0:
            if ends and ends[-1] == cursor and caps[-1] == level and days[-1] == day:
                ends[-1] = time  # extend the previous piece: same capacity
                totals[-1] = Decimal(time - starts[-1]) / unit_us * level
            else:
                starts.append(cursor)
                ends.append(time)
                days.append(day)
                shifts.append(shift)
                caps.append(level)
                totals.append(Decimal(time - cursor) / unit_us * level)
        if sign > 0:
            if open_count == 0:
                day, shift = ev_day, ev_shift
            level += weighted
            open_count += 1
        else:
            level -= weighted
            open_count -= 1
        cursor = time
    first = min((c.first_day for c in machine_calendars), default=dt.date.min)
    last = max((c.end_day for c in machine_calendars), default=dt.date.min)
    tz = machine_calendars[0].timezone if machine_calendars else dt.UTC
    return CentreCalendar(
        type=CapacityType.WORK_CENTER,
        no=work_center.no,
        work_center_no=work_center.no,
        unit=unit,
        capacity=work_center.capacity,
        efficiency_percent=HUNDRED,
        timezone=tz,
        first_day=first,
        end_day=last,
        starts=tuple(starts),
        ends=tuple(ends),
        days=tuple(days),
        shifts=tuple(shifts),
        capacities=tuple(caps),
        efficiencies=(HUNDRED,) * len(starts),
        totals=tuple(totals),
        effectives=tuple(totals),
    )


@attrs.frozen(eq=False)
class Calendars:
    """The calendars of all centres, by (capacity type, number)."""

    centres: Mapping[CentreKey, CentreCalendar] = attrs.field(factory=dict)

    def get(self, ctype: CapacityType, no: str) -> CentreCalendar:
        try:
            return self.centres[(ctype, no)]
        except KeyError:
            raise NotFoundError(kind=f"Calendar of {centre_label((ctype, no))}", key=no) from None

    def __iter__(self) -> Iterator[CentreCalendar]:
        return iter(self.centres.values())

    def __len__(self) -> int:
        return len(self.centres)


def build_calendars(
    work_centers: Iterable[WorkCenter],
    machine_centers: Iterable[MachineCenter],
    shop_calendars: Iterable[ShopCalendar],
    start: dt.date,
    end: dt.date,
    *,
    absences: Iterable[Absence] = (),
    rounding: Rounding | None = None,
) -> Calendars:
    """Calculate the calendars of every centre for the days ``[start, end)``.

    A machine centre without a calendar code uses its work centre's; a centre without
    any calendar has no capacity. Consolidated work centres sum their machine centres.
    Each shop calendar's periods are generated once.

    >>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    >>> cals = build_calendars([WorkCenter("100", calendar_code="S")], [], [shop],
    ...                        dt.date(2026, 1, 5), dt.date(2026, 1, 10))
    >>> len(cals.get(CapacityType.WORK_CENTER, "100"))
    5
    """
    if end < start:
        raise InvalidValueError(field="end", value=end, reason=f"is before start {start}")
    shops = {s.no: s for s in shop_calendars}
    periods: dict[str, list[tuple[int, int, int, str]]] = {}
    by_centre: dict[CentreKey, list[Absence]] = {}
    for absence in absences:
        by_centre.setdefault((absence.type, absence.no), []).append(absence)

    def shop_periods(code: str | None) -> tuple[dt.tzinfo, list[tuple[int, int, int, str]]]:
        if code is None:
            return dt.UTC, []
        if code not in shops:
            raise NotFoundError(kind="Shop calendar", key=code)
        if code not in periods:
            periods[code] = shops[code]._periods(start, end)
        return shops[code].timezone, periods[code]

    wcs = {wc.no: wc for wc in work_centers}
    result: dict[CentreKey, CentreCalendar] = {}
    machines: dict[str, list[CentreCalendar]] = {}
    for mc in machine_centers:
        wc = wcs.get(mc.work_center_no)
        if wc is None:
            raise NotFoundError(kind="Work center", key=mc.work_center_no)
        tz, ps = shop_periods(mc.calendar_code or wc.calendar_code)
        key = (CapacityType.MACHINE_CENTER, mc.no)
        cal = _build(
            key[0],
            mc.no,
            wc.no,
            wc.capacity_unit,
            mc.capacity,
            mc.efficiency_percent,
            tz,
            start,
            end,
            ps,
            by_centre.get(key, []),
            rounding,
        )
        result[key] = cal
        machines.setdefault(wc.no, []).append(cal)
    for wc in wcs.values():
        key = (CapacityType.WORK_CENTER, wc.no)
        if wc.consolidated_calendar:
            result[key] = consolidated_calendar(wc, machines.get(wc.no, []))
            continue
        tz, ps = shop_periods(wc.calendar_code)
        result[key] = _build(
            key[0],
            wc.no,
            wc.no,
            wc.capacity_unit,
            wc.capacity,
            wc.efficiency_percent,
            tz,
            start,
            end,
            ps,
            by_centre.get(key, []),
            rounding,
        )
    return Calendars(result)
