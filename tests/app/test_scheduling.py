"""Scheduling against a store: saved dates, finite capacity against other orders, load view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data, reschedule, store_load_view
from prodcore.clock import FixedClock
from prodcore.commands import ScheduleOrder
from prodcore.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from prodcore.masterdata import CapacityType, Item, Replenishment, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.scheduling import CapacityMode, Direction
from prodcore.scheduling.calendar import ShopCalendar, one_shift_per_weekday

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def uow(store: InMemoryStore) -> InMemoryUnitOfWork:
    unit = InMemoryUnitOfWork(store)
    put_master_data(
        unit,
        [
            ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16))),
            WorkCenter("SAW", calendar_code="DAY"),
            Routing(
                "R", (RoutingLine("10", CapacityType.WORK_CENTER, "SAW", run_time=Duration(60)),)
            ),
            Item("SHELF", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
        ],
    )
    return unit


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def _create(uow: InMemoryUnitOfWork, clock: FixedClock, order_id: str, qty: int = 8) -> None:
    handle(uow, CreateOrder(order_id, "SHELF", qty, due_date=dt.date(2026, 3, 13)), clock=clock)


def test_reschedule_saves_dates_with_a_new_version(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    _create(uow, clock, "PO-1")
    result = reschedule(uow, ScheduleOrder("PO-1", direction=Direction.FORWARD), clock=clock)
    stored = store.orders["PO-1"]
    assert stored.version == 2 == result.order.version
    assert stored.starting == T0 and stored.ending == dt.datetime(2026, 3, 2, 16, tzinfo=dt.UTC)
    op = stored.lines[0].operations[0]
    assert (op.starting, op.ending) == (stored.starting, stored.ending)


def test_finite_mode_places_the_second_order_after_the_first(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    _create(uow, clock, "PO-1")
    _create(uow, clock, "PO-2")
    reschedule(uow, ScheduleOrder("PO-1", direction=Direction.FORWARD), clock=clock)
    infinite = reschedule(
        uow, ScheduleOrder("PO-2", direction=Direction.FORWARD), clock=clock
    ).order
    assert infinite.starting == T0  # infinite: on top of PO-1
    finite = reschedule(
        uow,
        ScheduleOrder("PO-2", direction=Direction.FORWARD, mode=CapacityMode.FINITE),
        clock=clock,
    ).order
    assert finite.starting == dt.datetime(2026, 3, 3, 8, tzinfo=dt.UTC)  # the next free day
    view = store_load_view(uow, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4))
    assert [(r.period_start.day, r.allocated, r.capacity) for r in view.rows] == [
        (2, Decimal(480), Decimal(480)),
        (3, Decimal(480), Decimal(480)),
    ]
    assert not view.overloads()


def test_backward_from_the_due_date_at_the_normal_ending_time(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    _create(uow, clock, "PO-1", qty=4)
    order = handle(uow, ScheduleOrder("PO-1"), clock=clock).order  # the same through handle
    assert order.ending == dt.datetime(2026, 3, 13, 16, tzinfo=dt.UTC)
    assert order.starting == dt.datetime(2026, 3, 13, 12, tzinfo=dt.UTC)


def test_load_view_filters_by_status(uow: InMemoryUnitOfWork, clock: FixedClock) -> None:
    handle(
        uow,
        CreateOrder("SIM", "SHELF", 8, due_date=dt.date(2026, 3, 13), status=OrderStatus.SIMULATED),
        clock=clock,
    )
    reschedule(uow, ScheduleOrder("SIM"), clock=clock)
    start, end = dt.date(2026, 3, 13), dt.date(2026, 3, 14)
    (row,) = store_load_view(uow, start=start, end=end).rows
    assert row.allocated == 0  # simulated orders give no load
    handle(uow, ChangeStatus("SIM", OrderStatus.RELEASED), clock=clock)
    (row,) = store_load_view(uow, start=start, end=end).rows
    assert row.allocated == 480


def test_bad_requests_are_refused_and_change_nothing(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    _create(uow, clock, "PO-1")
    before = dict(store.orders)
    with pytest.raises(NotFoundError):
        reschedule(uow, ScheduleOrder("NOPE"), clock=clock)
    with pytest.raises(InvalidValueError):
        reschedule(uow, ScheduleOrder("PO-1", horizon_days=0), clock=clock)
    handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
    handle(
        uow, ChangeStatus("PO-1", OrderStatus.FINISHED, finish_without_output=False), clock=clock
    )
    before = dict(store.orders)
    with pytest.raises(InvalidTransitionError, match="a finished order is not scheduled"):
        reschedule(uow, ScheduleOrder("PO-1"), clock=clock)
    assert dict(store.orders) == before
