"""Scheduling through a store: due dates in the shop's timezone, stored allocations."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.commands import ScheduleOrder
from prodcore.masterdata import CapacityType, Item, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.lifecycle import CreateOrder
from prodcore.scheduling.calendar import ShopCalendar, one_shift_per_weekday

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
