"""The supported dates (1900-01-01 to 9000-12-31) are enforced where time enters:
clocks, services, order due dates, scheduling anchors and reversal dates."""

from __future__ import annotations

import datetime as dt

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data, reschedule
from prodcore.clock import (
    EARLIEST,
    LATEST,
    MAX_SPAN_DAYS,
    FixedClock,
    check_date,
    check_moment,
    checked_now,
)
from prodcore.commands import ScheduleOrder
from prodcore.errors import InvalidValueError
from prodcore.ledger.model import ValueSource
from prodcore.masterdata import CapacityType, Item, Replenishment, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.execution import ReverseEntry
from prodcore.orders.lifecycle import ChangeOrder, CreateOrder
from prodcore.scheduling import Direction
from prodcore.scheduling.calendar import ShopCalendar, one_shift_per_weekday

UTC = dt.UTC


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8), tzinfo=UTC)


@pytest.mark.parametrize("day", [EARLIEST, LATEST, dt.date(2026, 3, 2)])
def test_dates_inside_the_range_are_accepted(day: dt.date) -> None:
    assert check_date(day, "due_date") == day
    assert check_moment(_moment(day), "posted_at") == _moment(day)
    assert FixedClock(_moment(day)).now() == _moment(day)


@pytest.mark.parametrize(
    "day", [dt.date.min, dt.date(1899, 12, 31), dt.date(9001, 1, 1), dt.date.max]
)
def test_dates_outside_the_range_are_refused(day: dt.date) -> None:
    with pytest.raises(InvalidValueError) as info:
        check_date(day, "due_date")
    assert (info.value.field, info.value.value) == ("due_date", day)
    with pytest.raises(InvalidValueError):
        check_moment(_moment(day), "posted_at")
    with pytest.raises(InvalidValueError) as clock_info:
        FixedClock(_moment(day))
    assert clock_info.value.field == "at"


NAIVE = dt.datetime(2026, 3, 2, 8)  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize("bad", [NAIVE, "2026-03-02", dt.date(2026, 3, 2)])
def test_a_fixed_clock_refuses_what_is_not_an_aware_datetime(bad: object) -> None:
    with pytest.raises(InvalidValueError):
        FixedClock(bad)  # type: ignore[arg-type]
    clock = FixedClock(_moment(dt.date(2026, 3, 2)))
    with pytest.raises(InvalidValueError):
        clock.at = bad  # type: ignore[assignment]
    assert clock.now() == _moment(dt.date(2026, 3, 2))


def test_a_date_check_refuses_datetimes() -> None:
    with pytest.raises(InvalidValueError):
        check_date(_moment(dt.date(2026, 3, 2)), "due_date")


def test_advancing_past_the_range_is_refused_and_changes_nothing() -> None:
    clock = FixedClock(_moment(LATEST))
    for delta in (dt.timedelta(days=1), dt.timedelta(days=3_000_000)):
        with pytest.raises(InvalidValueError):
            clock.advance(delta)
        assert clock.now() == _moment(LATEST)


class _NaiveClock:
    def now(self) -> dt.datetime:
        return NAIVE


class _FarClock:
    def now(self) -> dt.datetime:
        return dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC)


#: one work centre on a weekday shift, one item made on it in an hour
SHOP = (
    ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16))),
    WorkCenter("SAW", calendar_code="DAY"),
    Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "SAW", run_time=Duration(60)),)),
    Item("SHELF", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
)


def _shop() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork(InMemoryStore())
    put_master_data(uow, SHOP)
    return uow


@pytest.mark.parametrize("clock", [_NaiveClock(), _FarClock()])
def test_services_refuse_a_clock_that_reads_a_bad_time(clock: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        checked_now(clock)  # type: ignore[arg-type]
    assert info.value.field == "clock"
    uow = _shop()
    with pytest.raises(InvalidValueError):
        handle(uow, CreateOrder("PO-1", "SHELF", 1, due_date=dt.date(2026, 3, 6)), clock=clock)  # type: ignore[call-overload]
    assert uow.orders.list() == []


@pytest.mark.parametrize("day", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
def test_commands_refuse_dates_outside_the_range(day: dt.date) -> None:
    with pytest.raises(InvalidValueError) as info:
        CreateOrder("PO-1", "SHELF", 1, due_date=day)
    assert info.value.field == "due_date"
    with pytest.raises(InvalidValueError):
        ChangeOrder("PO-1", due_date=day)
    with pytest.raises(InvalidValueError):
        ScheduleOrder("PO-1", anchor=_moment(day))
    with pytest.raises(InvalidValueError) as posted:
        ReverseEntry("K", ValueSource.ITEM, 1, posted_at=_moment(day))
    assert posted.value.field == "posted_at"


@pytest.mark.parametrize(
    ("due", "direction"),
    [(LATEST, Direction.BACKWARD), (LATEST, Direction.FORWARD), (EARLIEST, Direction.BACKWARD)],
)
def test_orders_at_the_edges_of_the_range_schedule(due: dt.date, direction: Direction) -> None:
    uow = _shop()
    clock = FixedClock(_moment(due))
    handle(uow, CreateOrder("PO-1", "SHELF", 10, due_date=due), clock=clock)
    anchor = _moment(due) if direction is Direction.FORWARD else None
    order = reschedule(
        uow, ScheduleOrder("PO-1", direction=direction, anchor=anchor), clock=clock
    ).order
    assert order.starting is not None and order.ending is not None
    assert abs(order.ending.date() - due) <= dt.timedelta(days=2)


@pytest.mark.parametrize("horizon", [0, MAX_SPAN_DAYS + 1, 10**6])
def test_a_scheduling_horizon_beyond_a_century_is_refused(horizon: int) -> None:
    uow = _shop()
    clock = FixedClock(_moment(LATEST))
    handle(uow, CreateOrder("PO-1", "SHELF", 10, due_date=LATEST), clock=clock)
    command = ScheduleOrder(
        "PO-1", direction=Direction.FORWARD, horizon_days=horizon, anchor=_moment(LATEST)
    )
    with pytest.raises(InvalidValueError) as info:
        reschedule(uow, command, clock=clock)
    assert info.value.field == "horizon_days"
    assert uow.orders.get("PO-1").version == 1
