"""Shop calendars: when the shop works (master data, BC "Shop Calendar").

A :class:`ShopCalendar` says when the shop works: working hours per weekday (several
:class:`WorkShift` lines per day for several shifts) and :class:`Holiday` dates with no
capacity. Weekdays without a line do not work. The working periods are generated with
python-dateutil's ``rrule``/``rruleset`` (one weekly rule per shift line, holidays as
exception dates). An :class:`Absence` records capacity missing from one centre for a time;
a centre's absences are stored together as one :class:`CentreAbsences` record.

These are master data kept by the stores; the scheduling engine
(:mod:`prodcore.scheduling.calendar`) turns them into centre calendars with capacity.

>>> import datetime as dt
>>> shop = ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
>>> [(d.isoformat(), s.hour, e.hour) for d, s, e, _ in shop.working_periods(dt.date(2026, 1, 9), dt.date(2026, 1, 13))]
[('2026-01-09', 8, 16), ('2026-01-12', 8, 16)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs
from dateutil.rrule import WEEKLY, rrule, rruleset

from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType
from prodcore.numbers import ONE, as_decimal, member_of, tuple_of

__all__ = [
    "Absence",
    "CentreAbsences",
    "Holiday",
    "ShopCalendar",
    "WorkShift",
    "from_micros",
    "one_shift_per_weekday",
    "to_micros",
]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)
_DAY = dt.timedelta(days=1)


def to_micros(moment: dt.datetime, field: str = "datetime") -> int:
    """Microseconds since 1970-01-01 UTC of a timezone-aware datetime.

    >>> to_micros(dt.datetime(1970, 1, 1, 0, 1, tzinfo=dt.UTC))
    60000000
    >>> to_micros(dt.datetime(2026, 1, 1))
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for datetime: datetime.datetime(2026, 1, 1, 0, 0) (must be timezone-aware).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValueError(field=field, value=moment, reason="must be timezone-aware")
    return (moment - _EPOCH) // _MICRO


def from_micros(micros: int, tz: dt.tzinfo) -> dt.datetime:
    """The aware datetime (in ``tz``) of microseconds since the epoch.

    >>> from_micros(60000000, dt.UTC).isoformat()
    '1970-01-01T00:01:00+00:00'
    """
    moment = _EPOCH + dt.timedelta(microseconds=micros)
    return moment if tz is dt.UTC else moment.astimezone(tz)


def _aware(_instance: object, attribute: attrs.Attribute[Any], value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValueError(field=attribute.name, value=value, reason="must be timezone-aware")


def _is_tzinfo(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.tzinfo):
        raise InvalidValueError(field=attribute.name, value=value, reason="is not a tzinfo")


def _weekday(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 0 <= value <= 6:
        raise InvalidValueError(
            field=attribute.name, value=value, reason="weekday is 0 (Monday) to 6 (Sunday)"
        )


@attrs.frozen
class WorkShift:
    """Working hours of one weekday (0 = Monday) for one shift (BC: Shop Calendar Working
    Days line). An ``ending`` at or before ``starting`` means the shift ends the next day.

    >>> WorkShift(0, dt.time(22), dt.time(6)).hours
    Decimal('8')
    """

    weekday: int = attrs.field(validator=_weekday)
    starting: dt.time
    ending: dt.time
    code: str = "1"

    def __attrs_post_init__(self) -> None:
        if self.starting == self.ending:
            raise InvalidValueError(
                field="ending", value=self.ending, reason="a shift must not be empty"
            )

    @property
    def hours(self) -> Decimal:
        start = dt.datetime.combine(dt.date(2000, 1, 3), self.starting)
        end = dt.datetime.combine(dt.date(2000, 1, 3), self.ending)
        if end <= start:
            end += _DAY
        return Decimal((end - start) // _MICRO) / Decimal(3_600_000_000)


def one_shift_per_weekday(
    starting: dt.time, ending: dt.time, weekdays: Iterable[int] = range(5), code: str = "1"
) -> tuple[WorkShift, ...]:
    """The same working hours on several weekdays (Monday to Friday by default).

    >>> len(one_shift_per_weekday(dt.time(8), dt.time(16)))
    5
    """
    return tuple(WorkShift(day, starting, ending, code) for day in weekdays)


@attrs.frozen
class Holiday:
    """A date on which the shop does not work (BC: Shop Calendar Holiday)."""

    date: dt.date
    description: str = ""


@attrs.frozen
class ShopCalendar:
    """When the shop works: shift lines per weekday, holidays, in a timezone.

    >>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)),
    ...                     holidays=(Holiday(dt.date(2026, 1, 6)),))
    >>> [(d.isoformat(), s.hour, e.hour) for d, s, e, _ in shop.working_periods(dt.date(2026, 1, 5), dt.date(2026, 1, 8))]
    [('2026-01-05', 8, 16), ('2026-01-07', 8, 16)]
    """

    no: str = attrs.field(validator=attrs.validators.min_len(1))
    shifts: tuple[WorkShift, ...] = attrs.field(validator=tuple_of(WorkShift))
    holidays: tuple[Holiday, ...] = attrs.field(default=(), validator=tuple_of(Holiday))
    timezone: dt.tzinfo = attrs.field(default=dt.UTC, validator=_is_tzinfo)

    def working_periods(
        self, start: dt.date, end: dt.date
    ) -> tuple[tuple[dt.date, dt.datetime, dt.datetime, str], ...]:
        """(date, starting, ending, shift code) of every working period starting on a day
        in ``[start, end)``, sorted by start."""
        return tuple(
            (
                dt.date.fromordinal(day),
                from_micros(s, self.timezone),
                from_micros(e, self.timezone),
                code,
            )
            for day, s, e, code in self._periods(start, end)
        )

    def _periods(self, start: dt.date, end: dt.date) -> list[tuple[int, int, int, str]]:
        if end < start:
            raise InvalidValueError(field="end", value=end, reason=f"is before start {start}")
        if end == start:
            return []
        periods: list[tuple[int, int, int, str]] = []
        last = dt.datetime.combine(end - _DAY, dt.time.max)
        for shift in self.shifts:
            rules = rruleset()
            rules.rrule(
                rrule(
                    WEEKLY,
                    byweekday=shift.weekday,
                    dtstart=dt.datetime.combine(start, shift.starting),
                    until=last,
                )
            )
            for holiday in self.holidays:
                rules.exdate(dt.datetime.combine(holiday.date, shift.starting))
            for occurrence in rules:
                begin = occurrence.replace(tzinfo=self.timezone)
                finish = dt.datetime.combine(occurrence.date(), shift.ending, self.timezone)
                if finish <= begin:
                    finish = dt.datetime.combine(
                        occurrence.date() + _DAY, shift.ending, self.timezone
                    )
                periods.append(
                    (occurrence.toordinal(), to_micros(begin), to_micros(finish), shift.code)
                )
        periods.sort(key=lambda p: p[1])
        return periods


@attrs.frozen
class Absence:
    """Capacity missing from a centre for a time (BC: Registered Absence).

    >>> Absence(CapacityType.WORK_CENTER, "100", dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC),
    ...         dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC))
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for ending: datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.timezone.utc) (is not after starting 2026-01-05 10:00:00+00:00).
    """

    type: CapacityType = attrs.field(validator=member_of(CapacityType))
    no: str
    starting: dt.datetime = attrs.field(validator=_aware)
    ending: dt.datetime = attrs.field(validator=_aware)
    capacity: Decimal = attrs.field(default=ONE, converter=as_decimal)
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if self.ending <= self.starting:
            raise InvalidValueError(
                field="ending", value=self.ending, reason=f"is not after starting {self.starting}"
            )
        if self.capacity < 0:
            raise InvalidValueError(
                field="capacity", value=self.capacity, reason="must not be negative"
            )


def absences_key(ctype: CapacityType, centre_no: str) -> str:
    """The number a centre's :class:`CentreAbsences` record is stored under: ``'WC 100'``
    or ``'MC 110'`` (a work and a machine centre may share a number).

    >>> absences_key(CapacityType.MACHINE_CENTER, "110")
    'MC 110'
    """
    prefix = "WC" if ctype is CapacityType.WORK_CENTER else "MC"
    return f"{prefix} {centre_no}"


def _absences_of(instance: CentreAbsences, _attribute: Any, value: tuple[Absence, ...]) -> None:
    for absence in value:
        if (absence.type, absence.no) != (instance.capacity_type, instance.centre_no):
            raise InvalidValueError(
                field="absences",
                value=absences_key(absence.type, absence.no),
                reason=f"is not an absence of {instance.no}",
            )


@attrs.frozen
class CentreAbsences:
    """The registered absences of one work or machine centre (BC: Registered Absence),
    stored as one master data record numbered :func:`absences_key`. A breakdown is an
    absence from the moment the centre broke down, with the reason as its description.
    Recording or removing an absence replaces the record
    (:func:`prodcore.app.scheduling.register_absence`, ``remove_absence``).

    >>> t = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    >>> away = Absence(CapacityType.WORK_CENTER, "SAW", t, t + dt.timedelta(hours=2), description="Blade")
    >>> record = CentreAbsences(CapacityType.WORK_CENTER, "SAW", (away,))
    >>> record.no, record.absences[0].description
    ('WC SAW', 'Blade')
    >>> CentreAbsences(CapacityType.WORK_CENTER, "PAINT", (away,))
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for absences: 'WC SAW' (is not an absence of WC PAINT).
    """

    # not ``type``: that key carries a master data record's tag on the wire
    capacity_type: CapacityType = attrs.field(validator=member_of(CapacityType))
    centre_no: str
    absences: tuple[Absence, ...] = attrs.field(
        default=(), validator=[tuple_of(Absence), _absences_of]
    )

    @property
    def no(self) -> str:
        return absences_key(self.capacity_type, self.centre_no)
