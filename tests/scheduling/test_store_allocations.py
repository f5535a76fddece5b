"""Scheduling through a store: due dates in the shop's timezone, stored allocations."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data, store_load_view
from prodcore.clock import FixedClock
from prodcore.commands import ScheduleOrder
from prodcore.masterdata import CapacityType, Item, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.journals import OutputLine, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.scheduling.calendar import ShopCalendar, one_shift_per_weekday
from prodcore.scheduling.schedule import Direction

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))


def _shop(tz: dt.tzinfo) -> InMemoryStore:
    store = InMemoryStore()
    put_master_data(
        InMemoryUnitOfWork(store),
        [
            ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)), timezone=tz),
            WorkCenter("SAW", calendar_code="DAY"),
            Routing(
                "R", (RoutingLine("10", CapacityType.WORK_CENTER, "SAW", run_time=Duration(60)),)
            ),
            Item("SHELF", base_unit="PCS", routing_no="R"),
        ],
    )
    return store


def test_a_new_york_order_is_due_at_the_local_normal_ending_time() -> None:
    store = _shop(NEW_YORK)
    handle(
        InMemoryUnitOfWork(store),
        CreateOrder("PO-1", "SHELF", 2, due_date=dt.date(2026, 3, 6)),
        clock=CLOCK,
    )
    order = handle(InMemoryUnitOfWork(store), ScheduleOrder("PO-1"), clock=CLOCK).order
    assert order.ending == dt.datetime(2026, 3, 6, 16, tzinfo=NEW_YORK)
    assert order.starting == dt.datetime(2026, 3, 6, 14, tzinfo=NEW_YORK)


def test_scheduling_stores_the_allocations_it_produced() -> None:
    store = _shop(dt.UTC)
    handle(
        InMemoryUnitOfWork(store),
        CreateOrder("PO-1", "SHELF", 10, due_date=dt.date(2026, 3, 6)),
        clock=CLOCK,
    )
    result = handle(InMemoryUnitOfWork(store), ScheduleOrder("PO-1"), clock=CLOCK)
    with InMemoryUnitOfWork(store) as uow:
        stored = uow.orders.allocations("PO-1")
    assert stored == result.allocations
    assert sum(a.allocated for a in stored) == 600


def _released_and_scheduled(store: InMemoryStore) -> None:
    """PO-1: 10 units of 60 min, scheduled forward from Mon 08:00 (Mon 08-16, Tue 08-10)."""
    uow = InMemoryUnitOfWork(store)
    handle(uow, CreateOrder("PO-1", "SHELF", 10, due_date=dt.date(2026, 3, 13)), clock=CLOCK)
    handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=CLOCK)
    handle(uow, ScheduleOrder("PO-1", Direction.FORWARD, anchor=CLOCK.now()), clock=CLOCK)


def _load(store: InMemoryStore) -> list[tuple[str, str]]:
    view = store_load_view(
        InMemoryUnitOfWork(store), start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4)
    )
    return [(r.period_start.isoformat(), str(r.allocated)) for r in view.rows]


def test_posted_output_reduces_the_load_from_the_earliest_allocated_time() -> None:
    store = _shop(dt.UTC)
    _released_and_scheduled(store)
    assert _load(store) == [("2026-03-02", "480"), ("2026-03-03", "120")]
    line = OutputLine("PO-1", 10000, "10", output_quantity=3)
    handle(InMemoryUnitOfWork(store), PostOutput("K1", (line,)), clock=CLOCK)
    assert _load(store) == [("2026-03-02", "300"), ("2026-03-03", "120")]


def test_finishing_the_order_removes_its_allocations() -> None:
    store = _shop(dt.UTC)
    _released_and_scheduled(store)
    line = OutputLine("PO-1", 10000, "10", output_quantity=10)
    handle(InMemoryUnitOfWork(store), PostOutput("K1", (line,)), clock=CLOCK)
    assert _load(store) == [("2026-03-02", "0"), ("2026-03-03", "0")]
    handle(InMemoryUnitOfWork(store), ChangeStatus("PO-1", OrderStatus.FINISHED), clock=CLOCK)
    assert store.allocations == {}
