"""The average cost settings of the setup (BC's Inventory Setup *Average Cost Period* and
*Average Cost Calc. Type*) and the period a posting date falls in.

Within one **period**, every outbound entry of an average-cost item (per location too,
with :attr:`AverageCostCalcType.ITEM_LOCATION_VARIANT`) is valued at the period's
average cost: (inventory value at the start of the period + inbound value in the
period) / (quantity at the start + inbound quantity in the period). ``ENTRY``, the
default, has no periods: each outbound entry takes the moving average of what is on
hand just before it.

>>> import datetime as dt
>>> day = dt.date(2026, 3, 18)  # a Wednesday
>>> [str(period_start(day, p)) for p in AverageCostPeriod if p.is_periodic][:5]
['2026-03-18', '2026-03-16', '2026-03-01', '2026-01-01', '2026-01-01']
>>> str(period_start(day, AverageCostPeriod.ACCOUNTING_PERIOD,
...                  (dt.date(2026, 1, 1), dt.date(2026, 3, 14), dt.date(2026, 4, 11))))
'2026-03-14'
>>> period_start(day, AverageCostPeriod.ENTRY) is None
True
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from collections.abc import Sequence

from prodcore.errors import InvalidValueError

__all__ = ["AverageCostCalcType", "AverageCostPeriod", "period_start", "period_starts"]


class AverageCostPeriod(enum.StrEnum):
    """Over what an average-cost item's outbound entries share one average cost."""

    ENTRY = "ENTRY"  # no period: the moving average before each entry (prodcore's default)
    DAY = "DAY"
    WEEK = "WEEK"  # Monday to Sunday
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"
    ACCOUNTING_PERIOD = "ACCOUNTING_PERIOD"  # from the setup's accounting period starts

    @property
    def is_periodic(self) -> bool:
        return self is not AverageCostPeriod.ENTRY


class AverageCostCalcType(enum.StrEnum):
    """What one average pools: the item at every location together, or the item per
    location (and variant: prodcore items have none)."""

    ITEM = "ITEM"
    ITEM_LOCATION_VARIANT = "ITEM_LOCATION_VARIANT"


def period_start(
    day: dt.date, period: AverageCostPeriod, accounting_periods: Sequence[dt.date] = ()
) -> dt.date | None:
    """The first day of the ``period`` ``day`` falls in (None for ``ENTRY``). An
    accounting period starts at the last of ``accounting_periods`` (sorted starting
    dates) on or before ``day``; a day before the first one is in an open period that
    starts at :attr:`datetime.date.min`."""
    match period:
        case AverageCostPeriod.ENTRY:
            return None
        case AverageCostPeriod.DAY:
            return day
        case AverageCostPeriod.WEEK:
            return day - dt.timedelta(days=day.weekday())
        case AverageCostPeriod.MONTH:
            return day.replace(day=1)
        case AverageCostPeriod.QUARTER:
            return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        case AverageCostPeriod.YEAR:
            return dt.date(day.year, 1, 1)
        case AverageCostPeriod.ACCOUNTING_PERIOD:
            at = bisect.bisect_right(accounting_periods, day)
            return accounting_periods[at - 1] if at else dt.date.min


def period_starts(_instance: object, _attribute: object, value: object) -> None:
    """attrs validator: accounting period starting dates, a tuple of dates in strictly
    increasing order.

    >>> period_starts(None, None, (dt.date(2026, 4, 1), dt.date(2026, 1, 1)))
    Traceback (most recent call last):
    prodcore.errors.InvalidValueError: Invalid value for accounting_periods: ...
    """
    dates = value if isinstance(value, tuple) else ()
    if (
        dates is not value
        or any(type(d) is not dt.date for d in dates)
        or (list(dates) != sorted(set(dates)))
    ):
        raise InvalidValueError(
            field="accounting_periods", value=value, reason="dates in increasing order expected"
        )
