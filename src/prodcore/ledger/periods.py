"""Posting dates: when a posting counts, apart from when it was registered.

A posting command and each of its lines may carry a ``posting_date`` (back-dating into
an open period, as BC users do every day). Its entries are then posted at that date (at
the clock's time of day, so entries of one day keep their order) and keep the moment
they were registered in ``registered_at``. The setup's ``allow_posting_from`` /
``allow_posting_to`` bound the dates any entry may carry: a posting outside is refused
with :class:`~prodcore.errors.PostingDateError` and nothing is posted.

>>> import datetime as dt
>>> now = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)
>>> posting_moment(now, dt.date(2026, 2, 27))
datetime.datetime(2026, 2, 27, 14, 30, tzinfo=datetime.timezone.utc)
>>> from prodcore.masterdata import ManufacturingSetup
>>> setup = ManufacturingSetup(allow_posting_from=dt.date(2026, 3, 1))
>>> check_posting_date(setup, dt.date(2026, 2, 27), "post consumption")
Traceback (most recent call last):
...
prodcore.errors.PostingDateError: Cannot post consumption: posting date 2026-02-27 is outside the allowed range 2026-03-01 .. (open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from prodcore.errors import PostingDateError
from prodcore.ledger.model import ItemLedgerEntry
from prodcore.masterdata import ManufacturingSetup
from prodcore.numbers import ZERO

__all__ = ["check_posting_date", "on_hand_as_of", "posting_moment"]


def posting_moment(now: dt.datetime, posting_date: dt.date | None) -> dt.datetime:
    """The moment entries posted at ``posting_date`` carry (``now`` without one)."""
    if posting_date is None or posting_date == now.date():
        return now
    return dt.datetime.combine(posting_date, now.timetz())


def check_posting_date(setup: ManufacturingSetup, posting_date: dt.date, action: str) -> None:
    """Refuse ``posting_date`` outside the setup's allowed posting dates."""
    low, high = setup.allow_posting_from, setup.allow_posting_to
    if (low is not None and posting_date < low) or (high is not None and posting_date > high):
        raise PostingDateError(
            action=action,
            posting_date=posting_date.isoformat(),
            reason=f"{low.isoformat() if low else '(open)'} .. "
            f"{high.isoformat() if high else '(open)'}",
        )


def on_hand_as_of(
    entries: Iterable[ItemLedgerEntry],
    item_no: str,
    as_of: dt.date,
    location_code: str | None = None,
) -> Decimal:
    """On-hand of ``item_no`` at the end of ``as_of``, by posting date (a back-dated
    entry counts in its period, whenever it was registered).

    >>> import datetime as dt
    >>> from prodcore.ledger.model import ItemEntryType
    >>> at = dt.datetime(2026, 2, 27, 9, tzinfo=dt.UTC)
    >>> e = ItemLedgerEntry(1, ItemEntryType.POSITIVE_ADJUSTMENT, "BOLT", 5, unit="PCS",
    ...     posted_at=at, registered_at=at + dt.timedelta(days=3))
    >>> on_hand_as_of([e], "BOLT", dt.date(2026, 2, 28)), on_hand_as_of([e], "BOLT", dt.date(2026, 2, 26))
    (Decimal('5'), Decimal('0'))
    """
    return sum(
        (
            e.quantity
            for e in entries
            if e.item_no == item_no
            and e.posted_at.date() <= as_of
            and (location_code is None or e.location_code == location_code)
        ),
        ZERO,
    )
