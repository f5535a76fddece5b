"""Errors of capacity scheduling.

>>> err = NoCapacityError(centre="WC 100", needed="120 MIN", limit="2026-01-31T00:00:00+00:00")
>>> str(err)
'No capacity on WC 100 for 120 MIN: the search stopped at 2026-01-31T00:00:00+00:00 (horizon or calendar end).'
>>> isinstance(err, DomainError)
True
"""

from __future__ import annotations

from prodcore.errors import DomainError

__all__ = ["NoCapacityError"]


class NoCapacityError(DomainError):
    """No slot with capacity exists for an operation within the horizon or the calendar.

    Fields: ``centre`` (e.g. ``'WC 100'``), ``needed`` (what was left to place) and
    ``limit`` (the datetime, ISO, beyond which the search stopped).
    """

    template = "No capacity on {centre} for {needed}: the search stopped at {limit} (horizon or calendar end)."
    centre: str
    needed: str
    limit: str
