"""Absences and breakdowns stored against centres; a shop reschedule after a breakdown
keeps started operations where they are and moves the rest."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from prodcore.adapters import Store, open_store
from prodcore.app import handle, put_master_data
from prodcore.app.scheduling import (
    register_absence,
    remove_absence,
    reschedule_shop,
    started_operations,
    store_load_view,
)
from prodcore.calendars import Absence
from prodcore.clock import FixedClock
from prodcore.errors import DuplicateError, NotFoundError
from prodcore.masterdata import CapacityType, Item, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.journals import OutputLine, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.orders.registration import Registration
from prodcore.scheduling.sequencing import SequenceRule
from prodcore.testing.shop import weekday_calendar

MON = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
WC = CapacityType.WORK_CENTER


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


def _store(saw_capacity: int = 1) -> Store:
    """SAW and DRILL, 08:00-16:00 on weekdays; ONE runs 60 min a unit on SAW, TWO 30 min
    a unit on SAW then 60 min a unit on DRILL."""
    store = open_store("memory:")
    put_master_data(
        store(),
        [
            weekday_calendar("S"),
            WorkCenter("SAW", calendar_code="S", capacity=saw_capacity),
            WorkCenter("DRILL", calendar_code="S"),
            Routing("R1", (RoutingLine("10", WC, "SAW", run_time=Duration(60)),)),
            Routing(
                "R2",
                (
                    RoutingLine("10", WC, "SAW", run_time=Duration(30)),
                    RoutingLine("20", WC, "DRILL", run_time=Duration(60)),
                ),
            ),
            Item("ONE", base_unit="PCS", routing_no="R1"),
            Item("TWO", base_unit="PCS", routing_no="R2"),
        ],
    )
    return store


def _allocations(store: Store, centre: str) -> list[tuple[str, str, str, str]]:
    with store() as uow:
        return [
            (a.order_id, a.starting.isoformat()[8:16], a.ending.isoformat()[8:16], str(a.allocated))
            for a in uow.orders.allocations()
            if a.no == centre
        ]


def test_an_absence_is_recorded_refused_twice_and_removed() -> None:
    store = _store()
    away = Absence(WC, "SAW", _at(2, 10), _at(2, 12), description="Service")
    register_absence(store(), away)
    with pytest.raises(DuplicateError):
        register_absence(store(), attrs.evolve(away, ending=_at(2, 14)))
    with pytest.raises(NotFoundError):
        register_absence(store(), attrs.evolve(away, no="NOPE"))
    with pytest.raises(NotFoundError):
        remove_absence(store(), WC, "SAW", _at(2, 11))
    with store() as uow:
        assert [r.absences for r in uow.master_data.centre_absences()] == [(away,)]
    assert remove_absence(store(), WC, "SAW", _at(2, 10)).absences == ()


def test_the_load_view_takes_absences_off_whole_or_in_part() -> None:
    store = _store(saw_capacity=2)
    # half of the two-capacity saw away for four hours, the drill away all Tuesday
    register_absence(store(), Absence(WC, "SAW", _at(2, 8), _at(2, 12), capacity=1))
    register_absence(store(), Absence(WC, "DRILL", _at(3, 0), _at(4, 0), description="Breakdown"))
    view = store_load_view(store(), start=MON.date(), end=dt.date(2026, 3, 4))
    capacity = {(r.no, r.period_start.day): str(r.capacity) for r in view.rows}
    assert capacity == {("DRILL", 2): "480", ("SAW", 2): "720", ("SAW", 3): "960"}


def test_finite_scheduling_runs_at_the_capacity_a_partial_absence_leaves() -> None:
    store = _store(saw_capacity=2)
    register_absence(store(), Absence(WC, "SAW", _at(2, 8), _at(2, 12), capacity=1))
    handle(store(), CreateOrder("P", "ONE", 8, due_date=dt.date(2026, 3, 6)), clock=FixedClock(MON))
    # 480 minutes of run at concurrent capacity 1: the free half of the saw is enough
    reschedule_shop(store(), clock=FixedClock(MON))
    assert _allocations(store, "SAW") == [("P", "02T08:00", "02T12:00", "240"),
                                          ("P", "02T12:00", "02T16:00", "240")]  # fmt: skip
    register_absence(store(), Absence(WC, "SAW", _at(2, 12), _at(2, 14), capacity=2))
    reschedule_shop(store(), clock=FixedClock(MON))
    assert _allocations(store, "SAW") == [("P", "02T08:00", "02T12:00", "240"),
                                          ("P", "02T14:00", "02T16:00", "120"),
                                          ("P", "03T08:00", "03T10:00", "120")]  # fmt: skip


def test_a_breakdown_moves_the_not_started_operations_and_keeps_the_started_one() -> None:
    store = _store()
    clock = FixedClock(MON)
    handle(store(), CreateOrder("P", "TWO", 4, due_date=dt.date(2026, 3, 2)), clock=clock)
    first = reschedule_shop(store(), clock=clock)
    assert [(m.order_id, m.new_starting.hour, m.new_ending.hour) for m in first.moved] == [
        ("P", 8, 14)
    ]  # saw 08-10, drill 10-14
    handle(store(), ChangeStatus("P", OrderStatus.RELEASED), clock=clock)
    handle(store(), PostOutput("K1", (OutputLine("P", 10000, "10", output_quantity=1),)),
           clock=clock)  # fmt: skip
    handle(store(), CreateOrder("R", "ONE", 2, due_date=dt.date(2026, 3, 2)), clock=clock)
    # the drill breaks down at 10:00 and is expected back at 13:00
    register_absence(store(), Absence(WC, "DRILL", _at(2, 10), _at(2, 13), description="Spindle"))
    now = FixedClock(_at(2, 9))
    done = reschedule_shop(store(), clock=now, rule=SequenceRule.PRIORITY, priorities={"R": 1})
    assert done.kept == ("P",)
    assert done.kept_operations == (("P", 10000, "10"),)
    # the rush order R goes first but the started saw operation of P stays (08:30-10:00
    # is what is left of it once one unit is done); R saws after it; P drills after the
    # breakdown, 13:00-16:00 and Tuesday 08:00-09:00
    assert _allocations(store, "SAW") == [("P", "02T08:30", "02T10:00", "90"),
                                          ("R", "02T10:00", "02T12:00", "120")]  # fmt: skip
    assert _allocations(store, "DRILL") == [("P", "02T13:00", "02T16:00", "180"),
                                            ("P", "03T08:00", "03T09:00", "60")]  # fmt: skip
    moved = {m.order_id: (m.old_ending, m.new_ending) for m in done.moved}
    assert moved["P"] == (_at(2, 14), _at(3, 9))
    with store() as uow:
        p = uow.orders.get("P")
        (saw, drill) = p.lines[0].operations
        assert (saw.starting, saw.ending) == (_at(2, 8), _at(2, 10))
        assert (drill.starting, drill.ending) == (_at(2, 13), _at(3, 9))
        assert p.starting == _at(2, 8)
    # the drill is back: removing the breakdown and rescheduling moves P's drilling back
    remove_absence(store(), WC, "DRILL", _at(2, 10))
    again = reschedule_shop(store(), clock=now, order_ids=["P"])
    assert [(m.order_id, m.new_ending) for m in again.moved] == [("P", _at(2, 14))]
    assert _allocations(store, "DRILL") == [("P", "02T10:00", "02T14:00", "240")]


def test_an_open_job_registration_marks_its_operation_started() -> None:
    store = _store()
    handle(store(), CreateOrder("P", "TWO", 1, due_date=dt.date(2026, 3, 2)),
           clock=FixedClock(MON))  # fmt: skip
    reschedule_shop(store(), clock=FixedClock(MON))
    with store() as uow:
        order = uow.orders.get("P")
    assert started_operations(order) == {}
    running = Registration("P", 10000, "20", "ANNA", _at(2, 9))
    stopped = attrs.evolve(running, operation_no="10", stopped_at=_at(2, 9, 30))
    assert list(started_operations(attrs.evolve(order, registrations=(running,)))) == [
        ("P", 10000, "20")
    ]
    assert started_operations(attrs.evolve(order, registrations=(stopped,))) == {}
