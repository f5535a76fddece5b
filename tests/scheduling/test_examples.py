"""The worked examples of bc-d365.md §9 that concern capacity: E3, E4, E5, E6, E7, D7."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from prodcore.masterdata import CapacityType, MachineCenter, MasterData, WorkCenter
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.model import Operation, OrderStatus, ProductionOrder
from prodcore.reports import render_load_chart, render_load_table
from prodcore.scheduling import (
    Absence,
    Allocation,
    Calendars,
    ShopCalendar,
    build_calendars,
    capacity_need,
    centre_calendar,
    load_view,
    operation_need,
    schedule_order,
    schedule_orders,
)

JAN5 = dt.date(2026, 1, 5)
HOUR = TimeUnit.HOUR


def at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=dt.UTC)


# --- E3: duration vs allocation ------------------------------------------------------


@pytest.mark.parametrize(
    ("efficiency", "capacity", "allocated", "duration"),
    [(80, 1, "2", "2.5"), (200, 1, "2", "1"), (100, 2, "2", "1")],
)
def test_e3_run_allocated_is_run_time_duration_depends_on_efficiency_and_capacity(
    efficiency: int, capacity: int, allocated: str, duration: str
) -> None:
    # capacity used = min(centre capacity, concurrent capacities): the routing line uses
    # both capacities of the capacity-2 centre
    need = capacity_need(
        setup=Duration(0, HOUR),
        run=Duration(2, HOUR),
        quantity=1,
        capacity=capacity,
        concurrent_capacities=capacity,
        efficiency_percent=efficiency,
        unit=HOUR,
    )
    assert need.run_allocated == Decimal(allocated)
    assert need.run_duration == Decimal(duration)


@pytest.mark.parametrize(
    ("efficiency", "capacity", "allocated", "duration"),
    [(100, 2, "4", "2"), (80, 1, "2", "2.5"), (200, 1, "2", "1")],
)
def test_e3_setup_allocated_times_capacity_duration_by_efficiency(
    efficiency: int, capacity: int, allocated: str, duration: str
) -> None:
    need = capacity_need(
        setup=Duration(2, HOUR),
        run=Duration(0, HOUR),
        quantity=1,
        capacity=capacity,
        concurrent_capacities=capacity,
        efficiency_percent=efficiency,
        unit=HOUR,
    )
    assert need.setup_allocated == Decimal(allocated)
    assert need.setup_duration == Decimal(duration)


def test_e3_worker_available_half_the_time() -> None:
    need = capacity_need(
        setup=Duration(2, HOUR),
        run=Duration(2, HOUR),
        quantity=1,
        capacity="0.5",
        concurrent_capacities=1,
        efficiency_percent=100,
        unit=HOUR,
    )
    assert (need.run_allocated, need.run_duration) == (Decimal(2), Decimal(4))
    assert (need.setup_allocated, need.setup_duration) == (Decimal(1), Decimal(2))


def test_e3_through_master_data_uses_the_centre_and_its_unit(
    make_op: Callable[..., Operation],
) -> None:
    md = MasterData.of(
        work_centers=[WorkCenter("W", capacity=2, efficiency_percent=80, capacity_unit=HOUR)]
    )
    op = make_op(
        "10", "W", setup=120, run=120, concurrent_capacities=2
    )  # minutes on the routing line
    need = operation_need(op, md)
    assert need.unit is HOUR
    assert (need.setup_allocated, need.setup_duration) == (Decimal(4), Decimal("2.5"))
    assert (need.run_allocated, need.run_duration) == (Decimal(2), Decimal("1.25"))


# --- E4: shared setup via concurrent capacities -----------------------------------------


@pytest.mark.parametrize(
    ("shares", "allocated_minutes"),
    [(("0.5", "0.5"), ("60", "60")), (("0.2", "0.8"), ("24", "96"))],
)
def test_e4_shared_setup(shares: tuple[str, str], allocated_minutes: tuple[str, str]) -> None:
    needs = [
        capacity_need(
            setup=Duration(2, HOUR),
            run=Duration.zero(),
            quantity=1,
            capacity=1,
            concurrent_capacities=share,
            efficiency_percent=100,
            unit=TimeUnit.MINUTE,
        )
        for share in shares
    ]
    assert [n.setup_allocated for n in needs] == [Decimal(m) for m in allocated_minutes]
    assert [n.setup_duration for n in needs] == [Decimal(120), Decimal(120)]
    assert sum(n.setup_allocated for n in needs) == 120


def test_e4_two_orders_sharing_the_booth_load_two_hours_in_total(
    calendars_for: Callable[..., tuple[MasterData, Calendars]],
    make_op: Callable[..., Operation],
    make_order: Callable[..., ProductionOrder],
) -> None:
    md, cals = calendars_for([WorkCenter("PAINT", calendar_code="S")])
    orders = [
        make_order(f"PO-{i}", [make_op("10", "PAINT", setup=120, concurrent_capacities=share)])
        for i, share in ((1, "0.2"), (2, "0.8"))
    ]
    result = schedule_orders(
        orders,
        md,
        cals,
        anchors={"PO-1": at(5), "PO-2": at(5)},
    )
    ops = result.operations
    assert [(o.starting, o.ending) for o in ops] == [(at(5), at(5, 10)), (at(5), at(5, 10))]
    view = load_view(cals, result.allocations, start=JAN5, end=JAN5 + dt.timedelta(days=1))
    (row,) = view.rows
    assert row.allocated == 120
    assert [a.setup for a in result.allocations] == [Decimal(24), Decimal(96)]


# --- E5: consolidated calendar --------------------------------------------------------------


def test_e5_consolidated_calendar(shop: ShopCalendar) -> None:
    wc = WorkCenter("200", capacity_unit=HOUR, consolidated_calendar=True, calendar_code="S")
    mcs = [
        MachineCenter("M1", "200", efficiency_percent=80),
        MachineCenter("M2", "200", efficiency_percent=70),
    ]
    cals = build_calendars([wc], mcs, [shop], JAN5, JAN5 + dt.timedelta(days=1))
    (entry,) = cals.get(CapacityType.WORK_CENTER, "200").entries
    assert entry.capacity == Decimal("1.5")
    assert entry.efficiency_percent == 100
    assert entry.total == 12
    assert entry.effective == 12
    m1 = cals.get(CapacityType.MACHINE_CENTER, "M1").entries[0]
    assert (m1.total, m1.effective) == (Decimal(8), Decimal("6.4"))


def test_e5_machine_centre_load_counts_in_its_work_centre(
    calendars_for: Callable[..., tuple[MasterData, Calendars]],
    make_op: Callable[..., Operation],
    make_order: Callable[..., ProductionOrder],
) -> None:
    wc = WorkCenter("200", consolidated_calendar=True, calendar_code="S")
    mcs = [MachineCenter("M1", "200", efficiency_percent=80), MachineCenter("M2", "200")]
    md, cals = calendars_for([wc], mcs, days=1)
    op = make_op("10", "M1", run=96, ctype=CapacityType.MACHINE_CENTER, work_center="200")
    result = schedule_order(make_order("PO", [op]), md, cals, anchor=at(5))
    view = load_view(cals, result.allocations, start=JAN5, end=JAN5 + dt.timedelta(days=1))
    figures = {(r.label, r.capacity, r.allocated) for r in view.rows}
    assert figures == {
        ("WC 200", Decimal("864.0"), Decimal(96)),  # 480 × (0.8 + 1.0)
        ("MC M1", Decimal("384.0"), Decimal(96)),
        ("MC M2", Decimal(480), Decimal(0)),
    }
    # efficiency 80 ⇒ 96 minutes of run take 120 minutes
    assert (result.operations[0].starting, result.operations[0].ending) == (at(5), at(5, 10))


# --- E6: daily capacity and absence ----------------------------------------------------------


def test_e6_daily_capacity_and_absence(shop: ShopCalendar) -> None:
    wc = WorkCenter("100", calendar_code="S")
    absence = Absence(CapacityType.WORK_CENTER, "100", at(6, 8), at(6, 10))
    cal = centre_calendar(wc, shop, JAN5, JAN5 + dt.timedelta(days=7), absences=[absence])
    daily = {dt.date.fromordinal(d): eff for d, (_, eff) in cal.daily().items()}
    assert daily == {
        dt.date(2026, 1, 5): 480,
        dt.date(2026, 1, 6): 360,
        dt.date(2026, 1, 7): 480,
        dt.date(2026, 1, 8): 480,
        dt.date(2026, 1, 9): 480,
    }
    tuesday = [e for e in cal.entries if e.date == dt.date(2026, 1, 6)]
    assert [(e.starting, e.ending) for e in tuesday] == [(at(6, 10), at(6, 16))]


def test_e6_partial_absence_on_a_capacity_two_centre(shop: ShopCalendar) -> None:
    wc = WorkCenter("100", capacity=2, calendar_code="S")
    absence = Absence(CapacityType.WORK_CENTER, "100", at(5, 8), at(5, 10), capacity=1)
    cal = centre_calendar(wc, shop, JAN5, JAN5 + dt.timedelta(days=1), absences=[absence])
    assert [(e.capacity, e.total) for e in cal.entries] == [
        (Decimal(1), Decimal(120)),
        (Decimal(2), Decimal(720)),
    ]


# --- E7: send-ahead ---------------------------------------------------------------------------


def test_e7_send_ahead_lets_the_next_operation_start_after_25_of_100(
    calendars_for: Callable[..., tuple[MasterData, Calendars]],
    make_op: Callable[..., Operation],
    make_order: Callable[..., ProductionOrder],
) -> None:
    md, cals = calendars_for(
        [WorkCenter("A", calendar_code="S"), WorkCenter("B", calendar_code="S")]
    )
    op10 = make_op("10", "A", run=1, qty=100, send_ahead_quantity=25)
    op20 = make_op("20", "B", run=2, qty=100)
    result = schedule_order(make_order("PO", [op10, op20]), md, cals, anchor=at(5))
    first, second = result.order.lines[0].operations
    assert (first.starting, first.ending) == (at(5, 8), at(5, 9, 40))
    assert second.starting == at(5, 8, 25)  # once 25 units (25 minutes) are done
    assert second.ending == at(5, 11, 45)
    without = schedule_order(
        make_order("PO", [make_op("10", "A", run=1, qty=100), op20]),
        md,
        cals,
        anchor=at(5),
    )
    assert without.order.lines[0].operations[1].starting == at(5, 9, 40)


def test_e7_a_fast_next_operation_does_not_finish_before_the_last_lot_arrives(
    calendars_for: Callable[..., tuple[MasterData, Calendars]],
    make_op: Callable[..., Operation],
    make_order: Callable[..., ProductionOrder],
) -> None:
    md, cals = calendars_for(
        [WorkCenter("A", calendar_code="S"), WorkCenter("B", calendar_code="S")]
    )
    op10 = make_op("10", "A", run=1, qty=100, send_ahead_quantity=25)
    op20 = make_op("20", "B", run="0.5", qty=100)
    result = schedule_order(make_order("PO", [op10, op20]), md, cals, anchor=at(5))
    _, second = result.order.lines[0].operations
    # op10 ends 09:40; the last 25 units take 12.5 minutes on op20
    assert second.ending == dt.datetime(2026, 1, 5, 9, 52, 30, tzinfo=dt.UTC)
    assert second.starting == dt.datetime(2026, 1, 5, 9, 2, 30, tzinfo=dt.UTC)


# --- D7 (derived): calendar, load and availability ------------------------------------


def test_d7_load_view_figures(shop: ShopCalendar) -> None:
    wc = WorkCenter("100", capacity=2, efficiency_percent=80, calendar_code="S")
    cals = build_calendars([wc], [], [shop], JAN5, JAN5 + dt.timedelta(days=1))
    (entry,) = cals.get(CapacityType.WORK_CENTER, "100").entries
    assert (entry.total, entry.effective) == (Decimal(960), Decimal(768))
    alloc = Allocation(
        "PO-1",
        OrderStatus.RELEASED,
        1,
        "10",
        CapacityType.WORK_CENTER,
        "100",
        "100",
        JAN5,
        at(5, 8),
        at(5, 13),
        setup=0,
        run=600,
    )
    view = load_view(cals, [alloc], start=JAN5, end=JAN5 + dt.timedelta(days=1))
    (row,) = view.rows
    assert (row.capacity_total, row.capacity, row.allocated) == (
        Decimal(960),
        Decimal(768),
        Decimal(600),
    )
    assert row.availability == 168
    assert row.load_percent is not None
    assert row.load_percent.quantize(Decimal("0.1")) == Decimal("78.1")
    assert row.load_percent == Decimal("78.125")
    assert not view.overloads()
    assert render_load_table(view).splitlines()[2].split() == [
        "WC",
        "100",
        "2026-01-05",
        "768.00",
        "600.00",
        "168.00",
        "78.1",
    ]
    assert render_load_chart(view, width=8) == "WC 100  2026-01-05 |######  |   78.1 %"
