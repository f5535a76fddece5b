"""Production lead time: the planned start of an order that is not scheduled in detail.

An item's ``production_lead_time`` (:class:`~prodcore.masterdata.LeadTime`: months, weeks
and days) offsets the planned start from the due date:

* without a shop calendar, by the calendar (``due − relativedelta(months, weeks, days)``);
* with a shop calendar, months go back by the calendar, then weeks (five working days
  each) and days count **working days** of the calendar (a weekday with a shift, not a
  holiday); a start that falls on a day off moves back to the working day before.

An order that has been scheduled keeps its scheduled start (scheduling over the routing's
operations takes precedence); one without a lead time starts on its due date.

>>> import datetime as dt
>>> from prodcore.calendars import Holiday, ShopCalendar, one_shift_per_weekday
>>> from prodcore.masterdata import LeadTime
>>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)),
...                     holidays=(Holiday(dt.date(2026, 3, 5)),))
>>> planned_start(dt.date(2026, 3, 9), LeadTime(days=3)).isoformat()  # a Monday
'2026-03-06'
>>> planned_start(dt.date(2026, 3, 9), LeadTime(days=3), shop).isoformat()  # Fri, (Thu off), Wed
'2026-03-03'
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

from prodcore.calendars import ShopCalendar
from prodcore.errors import InvalidValueError
from prodcore.masterdata import LeadTime
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import ProductionOrder

__all__ = ["order_planned_start", "planned_start"]

_DAY = dt.timedelta(days=1)
_WORKING_DAYS_PER_WEEK = 5


def planned_start(
    due: dt.date, lead_time: LeadTime | None, calendar: ShopCalendar | None = None
) -> dt.date:
    """The start that is ``lead_time`` before ``due`` (rules in the module docstring)."""
    if lead_time is None:
        return due
    if calendar is None:
        return due - lead_time.relativedelta
    weekdays = {shift.weekday for shift in calendar.shifts}
    if not weekdays:
        raise InvalidValueError(
            field="calendar", value=calendar.no, reason="has no working day to count"
        )
    holidays = {h.date for h in calendar.holidays}

    def working(day: dt.date) -> bool:
        return day.weekday() in weekdays and day not in holidays

    day = due - relativedelta(months=lead_time.months)
    left = lead_time.weeks * _WORKING_DAYS_PER_WEEK + lead_time.days
    while left:  # a working day a week at least, so this ends
        day -= _DAY
        if working(day):
            left -= 1
    while not working(day):
        day -= _DAY
    return day


def order_planned_start(
    order: ProductionOrder, md: MasterDataLookup, calendar: ShopCalendar | None = None
) -> dt.date:
    """The order's planned start: its scheduled start if it has one, else its due date
    less its item's production lead time.

    >>> from prodcore.masterdata import Item, MasterData
    >>> from prodcore.orders.model import OrderStatus
    >>> md = MasterData.of(items=[Item("X", base_unit="PCS", production_lead_time=LeadTime(weeks=1))])
    >>> order = ProductionOrder("PO", OrderStatus.FIRM_PLANNED, "X", 1, due_date=dt.date(2026, 3, 9))
    >>> order_planned_start(order, md).isoformat()
    '2026-03-02'
    """
    if order.starting is not None:
        return order.starting.date()
    return planned_start(order.due_date, md.item(order.item_no).production_lead_time, calendar)
