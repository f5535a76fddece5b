"""Scheduling against a store: saved dates, finite capacity against other orders, load view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.app import handle, reschedule, store_load_view
from prodcore.commands import ScheduleOrder
from prodcore.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from prodcore.masterdata import CapacityType, Item, Replenishment, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.model import OrderStatus
from prodcore.scheduling import CapacityMode, Direction
from prodcore.testing.shop import T0, Shop, weekday_calendar

DUE = dt.date(2026, 3, 13)  # a Friday


@pytest.fixture
def shelves() -> Shop:
    """SHELF: one hour per unit on SAW, which works Monday to Friday 08:00–16:00."""
    return Shop(
        [
            weekday_calendar("DAY"),
            WorkCenter("SAW", calendar_code="DAY"),
            Routing(
                "R", (RoutingLine("10", CapacityType.WORK_CENTER, "SAW", run_time=Duration(60)),)
            ),
            Item("SHELF", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
        ]
    )


def test_reschedule_saves_dates_with_a_new_version(shelves: Shop) -> None:
    shelves.create("PO-1", "SHELF", 8, due=DUE)
    result = reschedule(
        shelves.uow, ScheduleOrder("PO-1", direction=Direction.FORWARD), clock=shelves.clock
    )
    stored = shelves.store.orders["PO-1"]
    assert stored.version == 2 == result.order.version
    assert stored.starting == T0 and stored.ending == dt.datetime(2026, 3, 2, 16, tzinfo=dt.UTC)
    op = stored.lines[0].operations[0]
    assert (op.starting, op.ending) == (stored.starting, stored.ending)


def test_finite_mode_places_the_second_order_after_the_first(shelves: Shop) -> None:
    shelves.create("PO-1", "SHELF", 8, due=DUE)
    shelves.create("PO-2", "SHELF", 8, due=DUE)
    reschedule(shelves.uow, ScheduleOrder("PO-1", direction=Direction.FORWARD), clock=shelves.clock)
    infinite = reschedule(
        shelves.uow, ScheduleOrder("PO-2", direction=Direction.FORWARD), clock=shelves.clock
    ).order
    assert infinite.starting == T0  # infinite: on top of PO-1
    finite = reschedule(
        shelves.uow,
        ScheduleOrder("PO-2", direction=Direction.FORWARD, mode=CapacityMode.FINITE),
        clock=shelves.clock,
    ).order
    assert finite.starting == dt.datetime(2026, 3, 3, 8, tzinfo=dt.UTC)  # the next free day
    view = store_load_view(shelves.uow, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4))
    assert [(r.period_start.day, r.allocated, r.capacity) for r in view.rows] == [
        (2, Decimal(480), Decimal(480)),
        (3, Decimal(480), Decimal(480)),
    ]
    assert not view.overloads()


def test_backward_from_the_due_date_at_the_normal_ending_time(shelves: Shop) -> None:
    shelves.create("PO-1", "SHELF", 4, due=DUE)
    order = handle(shelves.uow, ScheduleOrder("PO-1"), clock=shelves.clock).order  # via handle
    assert order.ending == dt.datetime(2026, 3, 13, 16, tzinfo=dt.UTC)
    assert order.starting == dt.datetime(2026, 3, 13, 12, tzinfo=dt.UTC)


def test_load_view_filters_by_status(shelves: Shop) -> None:
    shelves.create("SIM", "SHELF", 8, due=DUE, status=OrderStatus.SIMULATED)
    reschedule(shelves.uow, ScheduleOrder("SIM"), clock=shelves.clock)
    start, end = dt.date(2026, 3, 13), dt.date(2026, 3, 14)
    (row,) = store_load_view(shelves.uow, start=start, end=end).rows
    assert row.allocated == 0  # simulated orders give no load
    shelves.release("SIM")
    (row,) = store_load_view(shelves.uow, start=start, end=end).rows
    assert row.allocated == 480


def test_bad_requests_are_refused_and_change_nothing(shelves: Shop) -> None:
    shelves.create("PO-1", "SHELF", 8, due=DUE)
    before = dict(shelves.store.orders)
    with pytest.raises(NotFoundError):
        reschedule(shelves.uow, ScheduleOrder("NOPE"), clock=shelves.clock)
    with pytest.raises(InvalidValueError):
        reschedule(shelves.uow, ScheduleOrder("PO-1", horizon_days=0), clock=shelves.clock)
    assert dict(shelves.store.orders) == before
    shelves.release("PO-1")
    shelves.finish("PO-1")
    before = dict(shelves.store.orders)
    with pytest.raises(InvalidTransitionError, match="a finished order is not scheduled"):
        reschedule(shelves.uow, ScheduleOrder("PO-1"), clock=shelves.clock)
    assert dict(shelves.store.orders) == before
