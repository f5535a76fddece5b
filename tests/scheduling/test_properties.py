"""Properties of capacity scheduling (hypothesis; settings come from the profiles)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prodcore.masterdata import CapacityType, MachineCenter, MasterData, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.scheduling import (
    Absence,
    Calendars,
    CapacityMode,
    Direction,
    ShopCalendar,
    WorkShift,
    build_calendars,
    load_view,
    operation_need,
    schedule_order,
    schedule_orders,
)

START = dt.date(2026, 1, 5)
END = dt.date(2026, 7, 1)
SHOP = ShopCalendar(
    "S",
    shifts=(
        *(WorkShift(d, dt.time(6), dt.time(14), "EARLY") for d in range(5)),
        *(WorkShift(d, dt.time(14), dt.time(22), "LATE") for d in range(4)),
        WorkShift(5, dt.time(8), dt.time(12)),
    ),
)
WCS = [
    WorkCenter("A", capacity=1, calendar_code="S"),
    WorkCenter("B", capacity=2, efficiency_percent=80, calendar_code="S"),
    WorkCenter("C", capacity=3, efficiency_percent=125, calendar_code="S", queue_time=Duration(20)),
]
MCS = [MachineCenter("M1", "A", efficiency_percent=90)]
MD = MasterData.of(work_centers=WCS, machine_centers=MCS)
ABSENCES = (
    Absence(
        CapacityType.WORK_CENTER,
        "B",
        dt.datetime(2026, 1, 6, 6, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 6, 12, tzinfo=dt.UTC),
    ),
)
CALS: Calendars = build_calendars(WCS, MCS, [SHOP], START, END, absences=ABSENCES)
CENTRES = [
    (CapacityType.WORK_CENTER, "A", "A"),
    (CapacityType.WORK_CENTER, "B", "B"),
    (CapacityType.WORK_CENTER, "C", "C"),
    (CapacityType.MACHINE_CENTER, "M1", "A"),
]


@st.composite
def operations(draw: st.DrawFn, send_ahead: bool = False) -> tuple[Operation, ...]:
    count = draw(st.integers(1, 4))
    ops = []
    for i in range(count):
        ctype, no, wc = draw(st.sampled_from(CENTRES))
        qty = draw(st.integers(1, 30))
        ops.append(
            Operation(
                str(10 * (i + 1)),
                ctype,
                no,
                wc,
                setup_time=Duration(draw(st.integers(0, 90))),
                run_time=Duration(Decimal(draw(st.integers(0, 200))) / 10),
                input_quantity=qty,
                concurrent_capacities=draw(st.sampled_from(["1", "1", "2", "0.5"])),
                wait_time=Duration(draw(st.sampled_from([0, 0, 45]))),
                move_time=Duration(draw(st.sampled_from([0, 15]))),
                send_ahead_quantity=draw(st.integers(0, qty)) if send_ahead else 0,
            )
        )
    return tuple(ops)


@st.composite
def orders(draw: st.DrawFn, max_orders: int = 6, send_ahead: bool = False) -> list[ProductionOrder]:
    n = draw(st.integers(1, max_orders))
    status = st.sampled_from(
        [OrderStatus.PLANNED, OrderStatus.FIRM_PLANNED, OrderStatus.RELEASED, OrderStatus.SIMULATED]
    )
    return [
        ProductionOrder(
            f"PO-{k}",
            draw(status),
            "X",
            1,
            due_date=END,
            lines=(OrderLine(1, "X", 1, operations=draw(operations(send_ahead))),),
        )
        for k in range(n)
    ]


moments = st.builds(
    lambda day, minute: (
        dt.datetime(2026, 1, 5, tzinfo=dt.UTC) + dt.timedelta(days=day, minutes=minute)
    ),
    st.integers(0, 20),
    st.integers(0, 24 * 60 - 1),
)


def _need_total(orders_: list[ProductionOrder]) -> Decimal:
    return sum(
        (operation_need(op, MD).allocated for o in orders_ for _, op in o.iter_operations()),
        Decimal(0),
    )


@given(orders(), st.lists(moments, min_size=6, max_size=6), st.sampled_from(list(Direction)))
def test_finite_scheduling_never_exceeds_capacity_in_any_bucket(
    orders_: list[ProductionOrder], anchors: list[dt.datetime], direction: Direction
) -> None:
    if direction is Direction.BACKWARD:
        anchors = [a + dt.timedelta(days=60) for a in anchors]
    result = schedule_orders(
        orders_,
        MD,
        CALS,
        anchors={o.id: a for o, a in zip(orders_, anchors, strict=False)},
        direction=direction,
        mode=CapacityMode.FINITE,
    )
    used: dict[tuple[CapacityType, str, int], Decimal] = defaultdict(Decimal)
    for a in result.allocations:
        cal = CALS.get(a.type, a.no)
        index = cal.entry_index(a.starting)
        assert index is not None
        assert a.ending <= cal.entries[index].ending
        used[(a.type, a.no, index)] += a.allocated
    for (ctype, no, index), amount in used.items():
        assert amount <= CALS.get(ctype, no).effectives[index]
    assert sum(a.allocated for a in result.allocations) == _need_total(orders_)


@given(orders(max_orders=8), st.lists(moments, min_size=8, max_size=8))
def test_finite_scheduling_never_uses_more_capacity_than_there_is_at_any_moment(
    orders_: list[ProductionOrder], anchors: list[dt.datetime]
) -> None:
    result = schedule_orders(
        orders_,
        MD,
        CALS,
        anchors={o.id: a for o, a in zip(orders_, anchors, strict=False)},
        mode=CapacityMode.FINITE,
    )
    events: dict[tuple[CapacityType, str], list[tuple[dt.datetime, Decimal]]] = defaultdict(list)
    for a in result.allocations:
        if a.ending == a.starting:
            continue
        cal = CALS.get(a.type, a.no)
        index = cal.entry_index(a.starting)
        assert index is not None
        minutes = Decimal((a.ending - a.starting) // dt.timedelta(microseconds=1)) / 60_000_000
        in_use = a.allocated * 100 / cal.efficiencies[index] / minutes
        events[a.key].append((a.starting, in_use))
        events[a.key].append((a.ending, -in_use))
    for key, changes in events.items():
        cal = CALS.get(*key)
        level = Decimal(0)
        for moment, change in sorted(changes, key=lambda ev: (ev[0], ev[1])):
            level += change
            index = cal.entry_index(moment)
            if index is not None:
                assert level <= cal.capacities[index] + Decimal("0.001")


@given(orders(max_orders=4), orders(max_orders=4), moments)
def test_finite_scheduling_around_existing_allocations_keeps_the_buckets(
    first: list[ProductionOrder], second: list[ProductionOrder], anchor: dt.datetime
) -> None:
    second = [
        ProductionOrder(
            "B-" + o.id, o.status, o.item_no, o.quantity, due_date=o.due_date, lines=o.lines
        )
        for o in second
    ]
    one = schedule_orders(
        first, MD, CALS, anchors={o.id: anchor for o in first}, mode=CapacityMode.FINITE
    )
    two = schedule_orders(
        second,
        MD,
        CALS,
        anchors={o.id: anchor for o in second},
        mode=CapacityMode.FINITE,
        existing=one.allocations,
    )
    used: dict[tuple[CapacityType, str, int], Decimal] = defaultdict(Decimal)
    for a in one.allocations + two.allocations:
        index = CALS.get(a.type, a.no).entry_index(a.starting)
        assert index is not None
        used[(a.type, a.no, index)] += a.allocated
    for (ctype, no, index), amount in used.items():
        assert amount <= CALS.get(ctype, no).effectives[index]


@given(orders(send_ahead=True), moments, st.sampled_from(list(CapacityMode)))
def test_total_allocated_equals_total_need(
    orders_: list[ProductionOrder], anchor: dt.datetime, mode: CapacityMode
) -> None:
    result = schedule_orders(orders_, MD, CALS, anchors={o.id: anchor for o in orders_}, mode=mode)
    assert sum(a.allocated for a in result.allocations) == _need_total(orders_)
    by_op: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for a in result.allocations:
        by_op[(a.order_id, a.operation_no)] += a.allocated
    for o in orders_:
        for _, op in o.iter_operations():
            need = operation_need(op, MD)
            assert by_op.get((o.id, op.operation_no), Decimal(0)) == need.allocated
            setup = sum(
                (
                    a.setup
                    for a in result.allocations
                    if (a.order_id, a.operation_no) == (o.id, op.operation_no)
                ),
                Decimal(0),
            )
            assert setup == need.setup_allocated


@given(orders(max_orders=1, send_ahead=True), moments)
def test_backward_then_forward_gives_consistent_dates(
    orders_: list[ProductionOrder], due: dt.datetime
) -> None:
    (order,) = orders_
    due = due + dt.timedelta(days=30)
    backward = schedule_order(order, MD, CALS, anchor=due, direction=Direction.BACKWARD)
    start = backward.order.starting
    assert start is not None
    assert backward.order.ending is not None
    assert backward.order.ending <= due
    forward = schedule_order(order, MD, CALS, anchor=start)
    assert forward.order.ending is not None
    # the forward schedule from the backward start ends no later than the due time and
    # reproduces the operations' dates (to the rounding of allocations to five decimals)
    tolerance = dt.timedelta(seconds=1)
    assert forward.order.ending <= due + tolerance
    for (_, back_op), (_, fwd_op) in zip(
        backward.order.iter_operations(), forward.order.iter_operations(), strict=True
    ):
        assert back_op.starting is not None
        assert fwd_op.starting is not None
        assert fwd_op.starting <= back_op.starting + tolerance
        assert fwd_op.ending is not None
        assert back_op.ending is not None
        assert fwd_op.ending <= back_op.ending + tolerance


@given(orders(max_orders=1), moments)
def test_operations_follow_each_other_and_the_anchor(
    orders_: list[ProductionOrder], anchor: dt.datetime
) -> None:
    (order,) = orders_
    result = schedule_order(order, MD, CALS, anchor=anchor, mode=CapacityMode.FINITE)
    previous_end = anchor
    for _, op in result.order.iter_operations():
        assert op.starting is not None
        assert op.ending is not None
        assert previous_end <= op.starting <= op.ending
        need = operation_need(op, MD)
        previous_end = op.ending + dt.timedelta(minutes=int(need.wait + need.move))
    first = result.order.lines[0].operations[0]
    assert result.order.starting is not None
    assert first.starting is not None
    assert anchor <= result.order.starting <= first.starting
    assert result.order.ending == previous_end


@given(orders(), orders(), moments)
def test_load_is_additive_across_orders(
    first: list[ProductionOrder], second: list[ProductionOrder], anchor: dt.datetime
) -> None:
    second = [
        ProductionOrder(
            "B-" + o.id, o.status, o.item_no, o.quantity, due_date=o.due_date, lines=o.lines
        )
        for o in second
    ]
    one = schedule_orders(first, MD, CALS, anchors={o.id: anchor for o in first})
    two = schedule_orders(second, MD, CALS, anchors={o.id: anchor for o in second})
    both = schedule_orders(first + second, MD, CALS, anchors={o.id: anchor for o in first + second})
    kwargs = {"start": START, "end": START + dt.timedelta(days=70)}
    v1 = load_view(CALS, one.allocations, **kwargs)  # type: ignore[arg-type]
    v2 = load_view(CALS, two.allocations, **kwargs)  # type: ignore[arg-type]
    v12 = load_view(CALS, both.allocations, **kwargs)  # type: ignore[arg-type]
    for r1, r2, r12 in zip(v1.rows, v2.rows, v12.rows, strict=True):
        assert r12.allocated == r1.allocated + r2.allocated
        assert r12.capacity == r1.capacity == r2.capacity
        assert r12.availability == r1.capacity - r1.allocated - r2.allocated


def _op(
    no: str,
    centre: tuple[CapacityType, str],
    setup: int,
    run: str,
    quantity: int,
    *,
    concurrent: str = "1",
    wait: int = 0,
    move: int = 0,
    send_ahead: int = 0,
) -> Operation:
    return Operation(
        no,
        centre[0],
        centre[1],
        "A",
        setup_time=Duration(setup),
        run_time=Duration(Decimal(run)),
        input_quantity=quantity,
        concurrent_capacities=concurrent,
        wait_time=Duration(wait),
        move_time=Duration(move),
        send_ahead_quantity=send_ahead,
    )


def _replay_forward(
    ops: tuple[Operation, ...], due: dt.datetime
) -> tuple[ProductionOrder, ProductionOrder]:
    """The order scheduled backward from ``due``, then forward from the backward start."""
    order = ProductionOrder(
        "PO-1",
        OrderStatus.PLANNED,
        "X",
        1,
        due_date=END,
        lines=(OrderLine(1, "X", 1, operations=ops),),
    )
    backward = schedule_order(order, MD, CALS, anchor=due, direction=Direction.BACKWARD).order
    assert backward.starting is not None
    return backward, schedule_order(order, MD, CALS, anchor=backward.starting).order


def test_forward_replay_does_not_overshoot_a_send_ahead_bound() -> None:
    # Backward, operation 40 ends at Saturday's shift end (12:00) and operation 30 ends
    # exactly its send-ahead lot earlier. Forward, operation 20 used to be pushed 0.4 ms past
    # its send-ahead bound (allocation rounding), so operation 40's bound fell after 12:00
    # and the order ended on Monday instead of Saturday.
    a, m1 = (CapacityType.WORK_CENTER, "A"), (CapacityType.MACHINE_CENTER, "M1")
    ops = (
        _op("10", a, 0, "0.1", 2, send_ahead=1),
        _op("20", a, 0, "15", 1, concurrent="0.5", send_ahead=1),
        _op("30", m1, 1, "5.8", 13, concurrent="0.5", wait=45, move=15, send_ahead=4),
        _op("40", a, 1, "1.8", 1, concurrent="0.5", wait=45, move=15, send_ahead=1),
    )
    due = dt.datetime(2026, 2, 8, 0, 9, tzinfo=dt.UTC)
    backward, forward = _replay_forward(ops, due)
    assert backward.ending == dt.datetime(2026, 2, 7, 13, tzinfo=dt.UTC)
    assert forward.ending is not None
    assert abs(forward.ending - backward.ending) < dt.timedelta(milliseconds=1)


def test_forward_replay_reaches_a_send_ahead_bound_between_shifts() -> None:
    # Operation 10 ends at Tuesday's shift end (22:00); with its move time the send-ahead
    # bound of operation 20 is 22:15, in the break. Forward, operation 20 used to move its
    # start on by those 15 minutes of clock time and so started Wednesday at 06:00 instead
    # of Tuesday just before 22:00, ending a minute later than the backward schedule.
    a = (CapacityType.WORK_CENTER, "A")
    ops = (
        _op("10", a, 0, "2.2", 9, move=15, send_ahead=1),
        _op("20", a, 2, "0", 1, move=15),
        _op("30", a, 0, "0", 1, wait=45),
        _op("40", a, 0, "0", 1, wait=45, move=15),
    )
    due = dt.datetime(2026, 2, 4, 8, 1, tzinfo=dt.UTC)
    backward, forward = _replay_forward(ops, due)
    assert backward.ending == due
    back_20 = backward.lines[0].operations[1]
    fwd_20 = forward.lines[0].operations[1]
    assert fwd_20.starting is not None and back_20.starting is not None
    assert fwd_20.starting.date() == back_20.starting.date() == dt.date(2026, 2, 3)
    assert forward.ending is not None
    assert forward.ending <= due
