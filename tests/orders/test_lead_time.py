"""Production lead time: the planned start of orders not scheduled in detail, in calendar
days or in working days of a shop calendar; a scheduled order keeps its start."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.calendars import Holiday, ShopCalendar, one_shift_per_weekday
from prodcore.errors import InvalidValueError
from prodcore.masterdata import Item, LeadTime, MasterData
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.scheduling.leadtime import order_planned_start, planned_start

MON = dt.date(2026, 3, 9)
SHOP = ShopCalendar(
    "S",
    shifts=one_shift_per_weekday(dt.time(8), dt.time(16)),
    holidays=(Holiday(dt.date(2026, 3, 5)),),
)


@pytest.mark.parametrize(
    ("lead", "calendar_days", "working_days"),
    [
        (LeadTime(), MON, MON),
        (LeadTime(days=1), dt.date(2026, 3, 8), dt.date(2026, 3, 6)),  # Sun / Fri
        (LeadTime(weeks=1), dt.date(2026, 3, 2), dt.date(2026, 2, 27)),  # 5 working days
        (LeadTime(months=1), dt.date(2026, 2, 9), dt.date(2026, 2, 9)),
        (LeadTime(months=1, days=2), dt.date(2026, 2, 7), dt.date(2026, 2, 5)),
    ],
)
def test_lead_time_in_calendar_and_working_days(
    lead: LeadTime, calendar_days: dt.date, working_days: dt.date
) -> None:
    assert planned_start(MON, lead) == calendar_days
    assert planned_start(MON, lead, SHOP) == working_days


def test_a_start_on_a_day_off_moves_back_to_a_working_day() -> None:
    # a month before Sunday 2026-04-05 is Thursday 2026-03-05, a holiday: Wednesday
    assert planned_start(dt.date(2026, 4, 5), LeadTime(months=1), SHOP) == dt.date(2026, 3, 4)
    assert planned_start(dt.date(2026, 3, 8), None, SHOP) == dt.date(2026, 3, 8)


def test_a_calendar_without_working_days_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="no working day"):
        planned_start(MON, LeadTime(days=1), ShopCalendar("X", shifts=()))


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_lead_time_fields_are_whole_non_negative_numbers(bad: object) -> None:
    with pytest.raises(InvalidValueError):
        LeadTime(days=bad)  # type: ignore[arg-type]


def test_a_scheduled_order_keeps_its_start_an_unscheduled_one_is_offset() -> None:
    md = MasterData.of(items=[Item("X", base_unit="PCS", production_lead_time=LeadTime(days=3))])
    order = ProductionOrder("PO", OrderStatus.FIRM_PLANNED, "X", 1, due_date=MON)
    assert order_planned_start(order, md, SHOP) == dt.date(2026, 3, 3)  # Fri, Wed (Thu off)
    scheduled = attrs.evolve(order, starting=dt.datetime(2026, 3, 7, 8, tzinfo=dt.UTC))
    assert order_planned_start(scheduled, md, SHOP) == dt.date(2026, 3, 7)
    plain = MasterData.of(items=[Item("X", base_unit="PCS")])
    assert order_planned_start(order, plain) == MON


@given(
    due=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    weeks=st.integers(0, 4),
    days=st.integers(0, 30),
)
def test_working_days_counted_back_are_exactly_the_lead_time(
    due: dt.date, weeks: int, days: int
) -> None:
    start = planned_start(due, LeadTime(weeks=weeks, days=days), SHOP)
    holidays = {h.date for h in SHOP.holidays}
    working = [
        start + dt.timedelta(n)
        for n in range((due - start).days)
        if (start + dt.timedelta(n)).weekday() < 5 and start + dt.timedelta(n) not in holidays
    ]
    assert start.weekday() < 5 and start not in holidays
    # the working days from the start (counted) to the due date (not counted) are the
    # lead time; a zero lead time on a day off starts on the working day before
    lead = weeks * 5 + days
    due_off = due.weekday() >= 5 or due in holidays
    assert len(working) == lead + (1 if lead == 0 and due_off else 0)
