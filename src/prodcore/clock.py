"""Time comes from outside the domain: services take a :class:`Clock`.

>>> import datetime as dt
>>> FixedClock(dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)).now().isoformat()
'2026-01-05T08:00:00+00:00'
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import attrs

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    """Where services get the time from (never read inside the domain)."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


@attrs.define
class FixedClock:
    """A clock that says what it is told (tests, notebooks, scenario files)."""

    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at = self.at + delta


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
