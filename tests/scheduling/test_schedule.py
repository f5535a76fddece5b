"""Scheduling: forward/backward, infinite/finite, queue/wait/move, horizon, bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import attrs
import pytest

from prodcore.errors import InvalidValueError, NotFoundError, ProdcoreError
from prodcore.masterdata import CapacityType, MachineCenter, MasterData, WorkCenter
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.scheduling import (
    Calendars,
    CapacityMode,
    Direction,
    NoCapacityError,
    apply_schedule,
    load_view,
    operation_need,
    schedule_order,
    schedule_orders,
)

JAN5 = dt.date(2026, 1, 5)
Env = Callable[..., tuple[MasterData, Calendars]]
OpF = Callable[..., Operation]
OrderF = Callable[..., ProductionOrder]


def at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=dt.UTC)


def dates(order: ProductionOrder) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    return [(op.starting, op.ending) for _, op in order.iter_operations()]


def test_forward_serial_operations_across_days_and_the_weekend(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for(
        [WorkCenter("A", calendar_code="S"), WorkCenter("B", calendar_code="S")]
    )
    order = make_order(
        "PO", [make_op("10", "A", setup=60, run=6, qty=100), make_op("20", "B", run=2, qty=100)]
    )
    result = schedule_order(order, md, cals, anchor=at(9, 12))  # Friday noon
    # op10: 660 min from Fri 12:00: 240 on Friday, 420 on Monday ⇒ Monday 15:00
    assert dates(result.order) == [(at(9, 12), at(12, 15)), (at(12, 15), at(13, 10, 20))]
    assert (result.order.starting, result.order.ending) == (at(9, 12), at(13, 10, 20))
    assert result.order.version == order.version  # scheduling is not saving
    total = sum(a.allocated for a in result.allocations)
    assert total == 660 + 200


def test_forward_from_outside_working_time_starts_at_the_next_shift(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    order = make_order("PO", [make_op("10", "A", run=30)])
    result = schedule_order(order, md, cals, anchor=at(10, 3))  # Saturday night
    assert dates(result.order) == [(at(12, 8), at(12, 8, 30))]


def test_backward_from_a_due_time(calendars_for: Env, make_op: OpF, make_order: OrderF) -> None:
    md, cals = calendars_for(
        [WorkCenter("A", calendar_code="S"), WorkCenter("B", calendar_code="S")]
    )
    order = make_order("PO", [make_op("10", "A", run=120), make_op("20", "B", run=600)])
    result = schedule_order(order, md, cals, anchor=at(13, 10), direction=Direction.BACKWARD)
    # op20: 120 min on Tuesday 08–10, 480 on Monday ⇒ starts Monday 08:00
    # op10: 120 min before Monday 08:00 ⇒ Friday 14:00–16:00
    assert dates(result.order) == [(at(9, 14), at(9, 16)), (at(12, 8), at(13, 10))]
    assert (result.order.starting, result.order.ending) == (at(9, 14), at(13, 10))


def test_queue_wait_and_move_times(calendars_for: Env, make_op: OpF, make_order: OrderF) -> None:
    md, cals = calendars_for(
        [
            WorkCenter("A", calendar_code="S"),
            WorkCenter("B", calendar_code="S", queue_time=Duration(30)),
        ]
    )
    op10 = make_op("10", "A", run=60, wait_time=Duration(10, TimeUnit.HOUR), move_time=Duration(60))
    op20 = make_op("20", "B", run=60)
    result = schedule_order(make_order("PO", [op10, op20]), md, cals, anchor=at(5))
    # op10 ends 09:00; wait 10 h + move 1 h in clock time ⇒ 20:00; B's queue 30 min of
    # working time ⇒ Tuesday 08:30
    assert dates(result.order) == [(at(5, 8), at(5, 9)), (at(6, 8, 30), at(6, 9, 30))]
    need = operation_need(op20, md)
    assert (need.queue, need.lead_time) == (Decimal(30), Decimal(90))
    # wait and move take no capacity
    assert sum(a.allocated for a in result.allocations) == 120


def test_last_operation_wait_time_extends_the_order_end(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    order = make_order("PO", [make_op("10", "A", run=60, wait_time=Duration(2, TimeUnit.HOUR))])
    forward = schedule_order(order, md, cals, anchor=at(5))
    assert forward.order.ending == at(5, 11)
    backward = schedule_order(order, md, cals, anchor=at(5, 11), direction=Direction.BACKWARD)
    assert dates(backward.order) == [(at(5, 8), at(5, 9))]


def test_machine_centre_operation_uses_its_calendar_and_efficiency(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for(
        [WorkCenter("W", calendar_code="S")],
        [MachineCenter("M", "W", efficiency_percent=50)],
    )
    op = make_op("10", "M", run=60, ctype=CapacityType.MACHINE_CENTER, work_center="W")
    result = schedule_order(make_order("PO", [op]), md, cals, anchor=at(5))
    assert dates(result.order) == [(at(5, 8), at(5, 10))]
    (alloc,) = result.allocations
    assert (alloc.type, alloc.no, alloc.work_center_no, alloc.run) == (
        CapacityType.MACHINE_CENTER,
        "M",
        "W",
        Decimal(60),
    )


def test_finite_capacity_queues_orders_on_a_single_capacity(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    orders = [make_order(f"PO-{i}", [make_op("10", "A", run=300)]) for i in range(3)]
    anchors = {o.id: at(5) for o in orders}
    infinite = schedule_orders(orders, md, cals, anchors=anchors)
    assert {o.starting for o in infinite.orders} == {at(5)}
    finite = schedule_orders(orders, md, cals, anchors=anchors, mode=CapacityMode.FINITE)
    assert [(o.starting, o.ending) for o in finite.operations] == [
        (at(5, 8), at(5, 13)),
        (at(5, 13), at(6, 10)),
        (at(6, 10), at(6, 15)),
    ]
    view = load_view(cals, finite.allocations, start=JAN5, end=JAN5 + dt.timedelta(days=2))
    assert [(r.capacity, r.allocated) for r in view.rows] == [
        (Decimal(480), Decimal(480)),
        (Decimal(480), Decimal(420)),
    ]


def test_finite_capacity_runs_in_parallel_on_a_capacity_two_centre(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", capacity=2, calendar_code="S")])
    orders = [make_order(f"PO-{i}", [make_op("10", "A", run=480)]) for i in range(3)]
    result = schedule_orders(
        orders, md, cals, anchors={o.id: at(5) for o in orders}, mode=CapacityMode.FINITE
    )
    assert [(o.starting, o.ending) for o in result.operations] == [
        (at(5, 8), at(5, 16)),
        (at(5, 8), at(5, 16)),
        (at(6, 8), at(6, 16)),
    ]


def test_finite_capacity_respects_existing_allocations_of_other_orders(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    first = schedule_order(
        make_order("PO-1", [make_op("10", "A", run=400)]), md, cals, anchor=at(5)
    )
    second = schedule_order(
        make_order("PO-2", [make_op("10", "A", run=100)]),
        md,
        cals,
        anchor=at(5),
        mode=CapacityMode.FINITE,
        existing=first.allocations,
    )
    assert dates(second.order) == [(at(5, 14, 40), at(6, 8, 20))]
    # rescheduling PO-1 itself ignores its own old allocations
    again = schedule_order(
        first.order,
        md,
        cals,
        anchor=at(5),
        mode=CapacityMode.FINITE,
        existing=first.allocations,
    )
    assert dates(again.order) == dates(first.order)


def test_finite_backward(calendars_for: Env, make_op: OpF, make_order: OrderF) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    orders = [make_order(f"PO-{i}", [make_op("10", "A", run=300)]) for i in range(2)]
    result = schedule_orders(
        orders,
        md,
        cals,
        anchors={o.id: at(7, 16) for o in orders},
        direction=Direction.BACKWARD,
        mode=CapacityMode.FINITE,
    )
    assert [(o.starting, o.ending) for o in result.operations] == [
        (at(7, 11), at(7, 16)),
        (at(6, 14), at(7, 11)),
    ]


def test_horizon_exceeded_raises_no_capacity(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    order = make_order("PO", [make_op("10", "A", run=600)])
    with pytest.raises(NoCapacityError) as info:
        schedule_order(order, md, cals, anchor=at(5), horizon=at(5, 16))
    assert info.value.centre == "WC A"
    assert info.value.needed == "120 MIN"
    assert isinstance(info.value, ProdcoreError)
    with pytest.raises(NoCapacityError):
        schedule_order(
            order, md, cals, anchor=at(5, 16), direction=Direction.BACKWARD, horizon=at(5, 8)
        )


def test_finite_with_a_full_calendar_raises_no_capacity(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")], days=2)
    orders = [make_order(f"PO-{i}", [make_op("10", "A", run=480)]) for i in range(3)]
    with pytest.raises(NoCapacityError):
        schedule_orders(
            orders, md, cals, anchors={o.id: at(5) for o in orders}, mode=CapacityMode.FINITE
        )
    # infinite capacity does not care
    schedule_orders(orders, md, cals, anchors={o.id: at(5) for o in orders})


def test_a_centre_without_calendar_has_no_capacity(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A")])
    with pytest.raises(NoCapacityError):
        schedule_order(make_order("PO", [make_op("10", "A", run=1)]), md, cals, anchor=at(5))


def test_bad_input_is_refused_with_typed_errors(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    order = make_order("PO", [make_op("10", "A", run=1)])
    with pytest.raises(InvalidValueError):
        schedule_order(order, md, cals, anchor=dt.datetime(2026, 1, 5, 8))  # noqa: DTZ001 (naive on purpose)
    with pytest.raises(InvalidValueError):
        schedule_orders([order], md, cals, anchors={})
    with pytest.raises(InvalidValueError):
        schedule_orders([order, order], md, cals, anchors={"PO": at(5)})
    with pytest.raises(InvalidValueError):
        apply_schedule(order, {}, starting=at(6), ending=at(5))  # end before start
    unknown = make_order("PO", [make_op("10", "ZZZ", run=1)])
    with pytest.raises(NotFoundError):
        schedule_order(unknown, md, cals, anchor=at(5))
    with pytest.raises(InvalidValueError):
        WorkCenter("NEG", capacity=-1)


def test_zero_capacity_centre_cannot_take_an_operation_with_time(
    make_op: OpF, make_order: OrderF, calendars_for: Env
) -> None:
    md, cals = calendars_for([WorkCenter("A", capacity=0, calendar_code="S")])
    with pytest.raises(InvalidValueError):
        schedule_order(make_order("PO", [make_op("10", "A", run=1)]), md, cals, anchor=at(5))


def test_operations_without_time_take_no_time(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    result = schedule_order(make_order("PO", [make_op("10", "A")]), md, cals, anchor=at(5, 9))
    assert dates(result.order) == [(at(5, 9), at(5, 9))]
    assert result.allocations == ()


def test_lot_size_divides_run_time_not_setup(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, _ = calendars_for([WorkCenter("A", calendar_code="S")])
    op = make_op("10", "A", setup=15, run=90, qty=100, lot_size=25)
    need = operation_need(op, md)
    assert (need.setup_allocated, need.run_allocated) == (Decimal(15), Decimal(360))


def test_update_operations_false_sets_only_the_order_dates(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    order = make_order("PO", [make_op("10", "A", run=60)])
    result = schedule_orders([order], md, cals, anchors={"PO": at(5)}, update_operations=False)
    assert (result.order.starting, result.order.ending) == (at(5), at(5, 9))
    assert dates(result.order) == [(None, None)]
    assert [(o.starting, o.ending) for o in result.operations] == [(at(5), at(5, 9))]


def test_make_to_order_sub_assembly_line_finishes_before_the_parent_starts(
    calendars_for: Env, make_op: OpF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    parent = OrderLine(1, "P", 1, operations=(make_op("10", "A", run=60),))
    child = OrderLine(2, "C", 1, planning_level=1, operations=(make_op("10", "A", run=120),))
    order = ProductionOrder(
        "PO", OrderStatus.FIRM_PLANNED, "P", 1, due_date=JAN5, lines=(parent, child)
    )
    forward = schedule_order(order, md, cals, anchor=at(5))
    assert dates(forward.order) == [(at(5, 10), at(5, 11)), (at(5, 8), at(5, 10))]
    backward = schedule_order(order, md, cals, anchor=at(5, 11), direction=Direction.BACKWARD)
    assert dates(backward.order) == dates(forward.order)


def test_schedule_result_order_needs_exactly_one_order(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    orders = [make_order(f"PO-{i}", [make_op("10", "A", run=1)]) for i in range(2)]
    result = schedule_orders(orders, md, cals, anchors={o.id: at(5) for o in orders})
    with pytest.raises(InvalidValueError):
        _ = result.order


def test_timezone_of_the_shop_calendar_is_kept(make_op: OpF, make_order: OrderF) -> None:
    from zoneinfo import ZoneInfo

    from prodcore.scheduling import ShopCalendar, build_calendars, one_shift_per_weekday

    berlin = ZoneInfo("Europe/Berlin")
    shop = ShopCalendar("B", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)), timezone=berlin)
    wc = WorkCenter("A", calendar_code="B")
    md = MasterData.of(work_centers=[wc])
    # the last Monday of March 2026 is after the switch to summer time (29 March)
    cals = build_calendars([wc], [], [shop], dt.date(2026, 3, 27), dt.date(2026, 4, 1))
    order = make_order("PO", [make_op("10", "A", run=600)])
    result = schedule_order(order, md, cals, anchor=dt.datetime(2026, 3, 27, 8, tzinfo=berlin))
    ((start, end),) = dates(result.order)
    assert start == dt.datetime(2026, 3, 27, 8, tzinfo=berlin)
    assert end is not None
    assert end == dt.datetime(2026, 3, 30, 10, tzinfo=berlin)  # 8 h on Friday, 2 h on Monday (CEST)
    assert attrs.has(type(result.order))


def test_finite_capacity_takes_the_first_free_time_without_overlaps(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    specs = [("PO-A", 60, at(5, 8)), ("PO-B", 60, at(5, 12)), ("PO-C", 60, at(5, 8))]
    specs += [("PO-D", 120, at(5, 8)), ("PO-E", 120, at(5, 8))]
    orders = [make_order(name, [make_op("10", "A", run=run)]) for name, run, _ in specs]
    result = schedule_orders(
        orders, md, cals, anchors={name: t for name, _, t in specs}, mode=CapacityMode.FINITE
    )
    assert [(o.order_id, o.starting, o.ending) for o in result.operations] == [
        ("PO-A", at(5, 8), at(5, 9)),
        ("PO-B", at(5, 12), at(5, 13)),
        ("PO-C", at(5, 9), at(5, 10)),
        ("PO-D", at(5, 10), at(5, 12)),
        ("PO-E", at(5, 13), at(5, 15)),
    ]


def test_finite_capacity_splits_an_operation_around_a_booked_slot(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    booked = make_order("PO-1", [make_op("10", "A", run=60)])
    first = schedule_order(booked, md, cals, anchor=at(5, 10))
    second = schedule_order(
        make_order("PO-2", [make_op("10", "A", setup=30, run=150)]),
        md,
        cals,
        anchor=at(5, 8),
        mode=CapacityMode.FINITE,
        existing=first.allocations,
    )
    # 08:00–10:00 (setup 30 + run 90), then the booked hour, then 11:00–12:00
    assert dates(second.order) == [(at(5, 8), at(5, 12))]
    assert [(a.starting, a.ending, a.setup, a.run) for a in second.allocations] == [
        (at(5, 8), at(5, 10), Decimal(30), Decimal(90)),
        (at(5, 11), at(5, 12), Decimal(0), Decimal(60)),
    ]


def test_finite_shared_setups_run_side_by_side(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("PAINT", calendar_code="S")])
    orders = [
        make_order(f"PO-{share}", [make_op("10", "PAINT", setup=120, concurrent_capacities=share)])
        for share in ("0.2", "0.8", "0.5")
    ]
    result = schedule_orders(
        orders, md, cals, anchors={o.id: at(5) for o in orders}, mode=CapacityMode.FINITE
    )
    assert [(o.starting, o.ending) for o in result.operations] == [
        (at(5, 8), at(5, 10)),
        (at(5, 8), at(5, 10)),
        (at(5, 10), at(5, 12)),
    ]


def test_an_order_without_operations_starts_and_ends_at_its_anchor(
    calendars_for: Env, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("A", calendar_code="S")])
    order = make_order("PO", [])
    for direction in Direction:
        result = schedule_order(order, md, cals, anchor=at(5, 9), direction=direction)
        assert (result.order.starting, result.order.ending) == (at(5, 9), at(5, 9))
        assert result.allocations == ()


def test_consolidated_work_centre_takes_operations_at_efficiency_100(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    wc = WorkCenter("W", consolidated_calendar=True, efficiency_percent=50)
    md, cals = calendars_for(
        [wc], [MachineCenter("M1", "W", calendar_code="S", efficiency_percent=70)], days=3
    )
    # the work centre's capacity is 0.7 all day: one capacity-1 operation runs at 0.7
    op = make_op("10", "W", run=336)
    need = operation_need(op, md)
    assert (need.efficiency_percent, need.run_duration) == (Decimal(100), Decimal(336))
    infinite = schedule_order(make_order("PO", [op]), md, cals, anchor=at(5))
    assert dates(infinite.order) == [(at(5, 8), at(5, 13, 36))]
    finite = schedule_order(
        make_order("PO", [op]), md, cals, anchor=at(5), mode=CapacityMode.FINITE
    )
    assert dates(finite.order) == [(at(5, 8), at(5, 16))]  # 480 min × 0.7 = 336


def test_time_units_are_converted_to_the_centre_unit(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    md, cals = calendars_for([WorkCenter("H", capacity_unit=TimeUnit.HOUR, calendar_code="S")])
    op = Operation(
        "10",
        CapacityType.WORK_CENTER,
        "H",
        "H",
        setup_time=Duration(30),  # minutes
        run_time=Duration("0.05", TimeUnit.HOUR),
        wait_time=Duration("0.5", TimeUnit.DAY),
        move_time=Duration(1800, TimeUnit.SECOND),
        input_quantity=50,
    )
    need = operation_need(op, md)
    assert (need.unit, need.setup_allocated, need.run_allocated) == (
        TimeUnit.HOUR,
        Decimal("0.5"),
        Decimal("2.5"),
    )
    assert need.wait + need.move == Decimal("12.5")
    assert need.lead_time == Decimal("15.5")
    result = schedule_order(make_order("PO", [op]), md, cals, anchor=at(5))
    assert dates(result.order) == [(at(5, 8), at(5, 11))]
    assert result.order.ending == at(5, 23, 30)
    assert [a.unit for a in result.allocations] == [TimeUnit.HOUR]


def test_rescheduling_a_released_order_counts_only_the_remaining_work(
    calendars_for: Env, make_op: OpF, make_order: OrderF
) -> None:
    from prodcore.orders.model import RoutingStatus

    md, cals = calendars_for(
        [WorkCenter("A", calendar_code="S"), WorkCenter("B", calendar_code="S")]
    )
    done = attrs.evolve(make_op("10", "A", setup=30, run=2, qty=100), status=RoutingStatus.FINISHED)
    started = attrs.evolve(
        make_op("20", "B", setup=60, run=3, qty=100),
        status=RoutingStatus.IN_PROGRESS,
        posted_setup_time=60,
        output_quantity=40,
        scrap_quantity=10,
    )
    order = make_order("PO", [done, started])
    full = schedule_order(order, md, cals, anchor=at(5))
    assert sum(a.allocated for a in full.allocations) == 30 + 200 + 60 + 300
    rest = schedule_order(order, md, cals, anchor=at(5), remaining=True)
    assert sum(a.allocated for a in rest.allocations) == 150  # 50 units × 3 min
    assert dates(rest.order) == [(at(5), at(5)), (at(5), at(5, 10, 30))]
    assert operation_need(started, md, remaining=True).run_allocated == 150
