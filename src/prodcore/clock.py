"""Time comes from outside the domain: services take a :class:`Clock`.

The supported dates are defined here and nowhere else: from :data:`EARLIEST`
(1900-01-01) to :data:`LATEST` (9000-12-31). That leaves nearly a thousand years of room
before ``datetime``'s year 9999, so scheduling, calendars and day-by-day balances can step
forward or back from any accepted date without overflowing; and no production record
predates 1900. Moments (posting times, clock readings) must carry a timezone.

>>> import datetime as dt
>>> FixedClock(dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)).now().isoformat()
'2026-01-05T08:00:00+00:00'
>>> FixedClock(dt.datetime(9999, 12, 31, tzinfo=dt.UTC))
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for at: datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.timezone.utc) (after 9000-12-31, the last supported date).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Protocol

import attrs

from prodcore.errors import InvalidValueError

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_SPAN_DAYS",
    "Clock",
    "FixedClock",
    "SystemClock",
    "check_date",
    "check_moment",
    "checked_now",
    "supported_date",
    "supported_moment",
]

EARLIEST: Final = dt.date(1900, 1, 1)
"""The first supported date."""
LATEST: Final = dt.date(9000, 12, 31)
"""The last supported date."""
MAX_SPAN_DAYS: Final = 36_525
"""The longest span (a century) a search may reach from a supported date (a scheduling
horizon): it stays far inside ``datetime``'s years 1 to 9999."""


def check_date(value: object, field: str) -> dt.date:
    """``value`` if it is a date (not a datetime) between :data:`EARLIEST` and
    :data:`LATEST`, else :class:`InvalidValueError`.

    >>> check_date(dt.date(1899, 12, 31), "due_date")
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for due_date: datetime.date(1899, 12, 31) (before 1900-01-01, the first supported date).
    """
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidValueError(field=field, value=value, reason="must be a date")
    _in_range(value, value, field)
    return value


def check_moment(value: object, field: str) -> dt.datetime:
    """``value`` if it is a timezone-aware datetime on a supported date, else
    :class:`InvalidValueError`.

    >>> check_moment(dt.datetime(2026, 1, 5, 8), "posted_at")
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for posted_at: datetime.datetime(2026, 1, 5, 8, 0) (must be a datetime with a timezone).
    """
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidValueError(
            field=field, value=value, reason="must be a datetime with a timezone"
        )
    _in_range(value.date(), value, field)
    return value


def _in_range(day: dt.date, value: object, field: str) -> None:
    if day < EARLIEST:
        raise InvalidValueError(
            field=field, value=value, reason=f"before {EARLIEST}, the first supported date"
        )
    if day > LATEST:
        raise InvalidValueError(
            field=field, value=value, reason=f"after {LATEST}, the last supported date"
        )


def supported_date(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: :func:`check_date` (``None`` passes, for optional dates)."""
    if value is not None:
        check_date(value, attribute.name)


def supported_moment(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: :func:`check_moment` (``None`` passes, for optional moments)."""
    if value is not None:
        check_moment(value, attribute.name)


class Clock(Protocol):
    """Where services get the time from (never read inside the domain)."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


@attrs.define
class FixedClock:
    """A clock that says what it is told (tests, notebooks, scenario files); it refuses
    a naive datetime or one outside the supported dates, also when advanced.

    >>> clock = FixedClock(dt.datetime(9000, 12, 31, tzinfo=dt.UTC))
    >>> clock.advance(dt.timedelta(days=1))
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for at: datetime.datetime(9001, 1, 1, 0, 0, tzinfo=datetime.timezone.utc) (after 9000-12-31, the last supported date).
    >>> clock.now().date()
    datetime.date(9000, 12, 31)
    """

    at: dt.datetime = attrs.field(validator=supported_moment)

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        try:
            moved = self.at + delta
        except OverflowError:
            raise InvalidValueError(
                field="at", value=delta, reason="moves the clock past the supported dates"
            ) from None
        self.at = moved


def checked_now(clock: Clock) -> dt.datetime:
    """``clock.now()``, refused with :class:`InvalidValueError` (field ``clock``) unless it
    is timezone-aware and on a supported date: services read the time through this.

    >>> class Naive:
    ...     def now(self) -> dt.datetime:
    ...         return dt.datetime(2026, 1, 5)
    >>> checked_now(Naive())
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for clock: datetime.datetime(2026, 1, 5, 0, 0) (must be a datetime with a timezone).
    """
    return check_moment(clock.now(), "clock")


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
