"""Scheduling orders over centre calendars: forward or backward, infinite or finite.

Each operation is placed on its centre's calendar entries (working time only), one after
the other along the routing:

* the work centre's **queue time** (working time) comes before the operation;
* setup then run take ``need.duration`` of working time while consuming allocation at the
  rate ``c × eff/100`` (see :mod:`prodcore.scheduling.needs`); an operation that does not
  fit an entry continues in the next one, carrying its setup once;
* **wait and move time** elapse in clock time (24 h a day) after the operation;
* **send-ahead** (e.g. 25 of 100 units): when ``0 < send-ahead < input quantity`` the next operation may
  start once the send-ahead quantity is done (plus wait and move), but it does not end
  before this operation ends plus the time it needs for that last send-ahead lot.

Infinite capacity ignores other loads. Finite capacity keeps, per centre, the capacity in
use over time (including ``existing`` allocations of other orders): an operation
progresses wherever the calendar entry has capacity left, using min(c, free capacity) of
it, so it takes the first free time, splits around booked slots (carrying its setup once)
and runs side by side with others on a multi-capacity centre. No moment uses more than
the entry's capacity and no entry gets more than its effective capacity. When no room is
found before the horizon (or the calendar ends),
:class:`~prodcore.scheduling.errors.NoCapacityError` is raised.

Times are microseconds internally. Allocations are Decimals on a five-decimal grid of the
centre's unit: each operation's allocations add up to its need exactly, and loads add up
exactly whatever the order of summation. An operation's start and end are rounded to the
microsecond, so a backward schedule replayed forward agrees to within milliseconds.

>>> import datetime as dt
>>> from prodcore.masterdata import CapacityType, MasterData, WorkCenter
>>> from prodcore.numbers import Duration, TimeUnit
>>> from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
>>> from prodcore.scheduling.calendar import ShopCalendar, build_calendars, one_shift_per_weekday
>>> md = MasterData.of(work_centers=[WorkCenter("100", calendar_code="S")])
>>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
>>> cals = build_calendars(md.work_centers.values(), [], [shop], dt.date(2026, 1, 5), dt.date(2026, 2, 1))
>>> op = Operation("10", CapacityType.WORK_CENTER, "100", "100", setup_time=Duration(60),
...                run_time=Duration(10), input_quantity=60)
>>> order = ProductionOrder("PO-1", OrderStatus.RELEASED, "X", 60, due_date=dt.date(2026, 1, 9),
...                         lines=(OrderLine(1, "X", 60, operations=(op,)),))
>>> result = schedule_order(order, md, cals, anchor=dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC))
>>> result.order.starting.isoformat(), result.order.ending.isoformat()
('2026-01-05T08:00:00+00:00', '2026-01-06T11:00:00+00:00')
>>> [(a.date.isoformat(), a.setup, a.run) for a in result.allocations]
[('2026-01-05', Decimal('60'), Decimal('420')), ('2026-01-06', Decimal('0'), Decimal('180'))]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import attrs

from prodcore.errors import InvalidValueError
from prodcore.numbers import in_own_context
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import ProductionOrder
from prodcore.scheduling.calendar import (
    Calendars,
    from_micros,
    to_micros,
)
from prodcore.scheduling.engine import OperationKey, _Engine
from prodcore.scheduling.errors import NoCapacityError
from prodcore.scheduling.schedule_types import (
    Allocation,
    CapacityMode,
    Direction,
    ScheduledOperation,
    ScheduleResult,
)

__all__ = [
    "Allocation",
    "CapacityMode",
    "Direction",
    "ScheduleResult",
    "ScheduledOperation",
    "apply_schedule",
    "due_anchor",
    "schedule_in_sequence",
    "schedule_order",
    "schedule_orders",
]


# --------------------------------------------------------------------------- public


def _schedule_one(
    engine: _Engine,
    order: ProductionOrder,
    anchor: dt.datetime,
    direction: Direction,
    update_operations: bool,
) -> ProductionOrder:
    a = to_micros(anchor, "anchor")
    levels = sorted({line.planning_level for line in order.lines})
    dates: dict[int, dict[str, tuple[int, int]]] = {}
    starts: list[int] = []
    ends: list[int] = []
    if direction is Direction.FORWARD:
        # deepest make-to-order sub-assemblies first; a level starts when the one below ends
        t = a
        for level in reversed(levels):
            level_end = t
            for line in order.lines:
                if line.planning_level != level or not line.operations:
                    continue
                s, e, d = engine.line_forward(order, line, t)
                dates[line.line_no] = d
                starts.append(s)
                ends.append(e)
                level_end = max(level_end, e)
            t = level_end
    else:
        t = a
        for level in levels:
            level_start = t
            for line in order.lines:
                if line.planning_level != level or not line.operations:
                    continue
                s, e, d = engine.line_backward(order, line, t)
                dates[line.line_no] = d
                starts.append(s)
                ends.append(e)
                level_start = min(level_start, s)
            t = level_start
    tz = anchor.tzinfo or dt.UTC
    if not update_operations:
        return attrs.evolve(
            order,
            starting=from_micros(min(starts), tz) if starts else anchor,
            ending=from_micros(max(ends), tz) if ends else anchor,
        )
    return apply_schedule(
        order,
        {
            (line_no, op_no): (from_micros(s, tz), from_micros(e, tz))
            for line_no, d in dates.items()
            for op_no, (s, e) in d.items()
        },
        starting=from_micros(min(starts), tz) if starts else anchor,
        ending=from_micros(max(ends), tz) if ends else anchor,
    )


def due_anchor(order: ProductionOrder, ending_time: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The moment an order is due: its due date at ``ending_time`` (BC: Manufacturing
    Setup's normal ending time) in ``tz``, as the anchor of backward scheduling.

    >>> from prodcore.orders.model import OrderStatus
    >>> order = ProductionOrder("PO", OrderStatus.PLANNED, "X", 1, due_date=dt.date(2026, 1, 9))
    >>> due_anchor(order, dt.time(16), dt.UTC).isoformat()
    '2026-01-09T16:00:00+00:00'
    """
    return dt.datetime.combine(order.due_date, ending_time, tz)


@in_own_context
def apply_schedule(
    order: ProductionOrder,
    operation_dates: Mapping[tuple[int, str], tuple[dt.datetime, dt.datetime]],
    *,
    starting: dt.datetime,
    ending: dt.datetime,
) -> ProductionOrder:
    """The order with operation dates (by (line no, operation no)) and its own dates set.

    >>> from prodcore.orders.model import OrderStatus
    >>> order = ProductionOrder("PO", OrderStatus.PLANNED, "X", 1, due_date=dt.date(2026, 1, 9))
    >>> t = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    >>> apply_schedule(order, {}, starting=t, ending=t).starting == t
    True
    """
    if ending < starting:
        raise InvalidValueError(
            field="ending", value=ending, reason=f"is before starting {starting}"
        )
    lines = []
    for line in order.lines:
        ops = tuple(
            attrs.evolve(op, starting=d[0], ending=d[1])
            if (d := operation_dates.get((line.line_no, op.operation_no))) is not None
            else op
            for op in line.operations
        )
        lines.append(attrs.evolve(line, operations=ops) if ops != line.operations else line)
    return attrs.evolve(order, lines=tuple(lines), starting=starting, ending=ending)


@in_own_context
def schedule_orders(
    orders: Sequence[ProductionOrder],
    md: MasterDataLookup,
    calendars: Calendars,
    *,
    anchors: Mapping[str, dt.datetime],
    direction: Direction = Direction.FORWARD,
    mode: CapacityMode = CapacityMode.INFINITE,
    existing: Iterable[Allocation] = (),
    horizon: dt.datetime | None = None,
    update_operations: bool = True,
    remaining: bool = False,
) -> ScheduleResult:
    """Schedule several orders, in the given sequence (the first gets the best slots).

    ``anchors`` gives each order's start (forward) or ending (backward), timezone-aware.
    ``existing`` allocations of other orders load the calendars in finite mode (those of
    the orders being scheduled are ignored). ``horizon`` is the latest end (forward) or
    earliest start (backward) allowed. With ``update_operations=False`` only the orders'
    own dates are set (the operations' dates are in ``result.operations``): cheaper for
    bulk planning runs that do not store the orders. With ``remaining`` only the work not
    yet posted is scheduled (:func:`~prodcore.scheduling.needs.remaining_work`): finished
    operations take no time, others their remaining setup and quantity.
    """
    engine = _Engine(calendars, md, mode, horizon, remaining)
    return _schedule_many(engine, orders, anchors, direction, existing, update_operations)[0]


def _schedule_many(
    engine: _Engine,
    orders: Sequence[ProductionOrder],
    anchors: Mapping[str, dt.datetime],
    direction: Direction,
    existing: Iterable[Allocation],
    update_operations: bool,
    *,
    leave_out: bool = False,
) -> tuple[ScheduleResult, tuple[str, ...]]:
    """Schedule ``orders`` in sequence on one engine; with ``leave_out`` an order that
    finds no capacity is taken back and listed instead of failing the run."""
    ids = {o.id for o in orders}
    if len(ids) != len(orders):
        raise InvalidValueError(field="orders", value=len(orders), reason="order ids repeat")
    if engine.finite:
        engine.reserve(existing, ids)
    scheduled = []
    unplaced = []
    for order in orders:
        anchor = anchors.get(order.id)
        if anchor is None:
            raise InvalidValueError(
                field="anchors", value=order.id, reason="no anchor for the order"
            )
        engine.journal.clear()
        counts = len(engine.operations), len(engine.allocations)
        # an order with started operations continues forward after them; a backward
        # run's horizon (an earliest start) does not bound it
        way = Direction.FORWARD if order.id in engine.kept_orders else direction
        horizon = engine.horizon
        if way is not direction:
            engine.horizon = None
        try:
            scheduled.append(_schedule_one(engine, order, anchor, way, update_operations))
        except NoCapacityError:
            if not leave_out:
                raise
            engine.undo(*counts)
            unplaced.append(order.id)
        finally:
            engine.horizon = horizon
    operations, allocations = tuple(engine.operations), tuple(engine.allocations)
    return ScheduleResult(tuple(scheduled), operations, allocations), tuple(unplaced)


def schedule_in_sequence(
    orders: Sequence[ProductionOrder],
    md: MasterDataLookup,
    calendars: Calendars,
    *,
    anchors: Mapping[str, dt.datetime],
    direction: Direction = Direction.FORWARD,
    mode: CapacityMode = CapacityMode.FINITE,
    existing: Iterable[Allocation] = (),
    horizon: dt.datetime | None = None,
    remaining: bool = False,
    kept: Mapping[OperationKey, tuple[dt.datetime, dt.datetime]] | None = None,
) -> tuple[ScheduleResult, tuple[str, ...]]:
    """Like :func:`schedule_orders`, but an order for which no capacity is found is left
    out (its partial bookings taken back) instead of failing the whole run: the result
    and the ids of the orders left out, in sequence. ``kept`` started operations (by
    order id, line no and operation no) stay at their (start, end): their allocations
    come in ``existing``, and their order is scheduled forward from its anchor, its
    other operations after them."""
    engine = _Engine(calendars, md, mode, horizon, remaining, kept)
    return _schedule_many(engine, orders, anchors, direction, existing, True, leave_out=True)


@in_own_context
def schedule_order(
    order: ProductionOrder,
    md: MasterDataLookup,
    calendars: Calendars,
    *,
    anchor: dt.datetime,
    direction: Direction = Direction.FORWARD,
    mode: CapacityMode = CapacityMode.INFINITE,
    existing: Iterable[Allocation] = (),
    horizon: dt.datetime | None = None,
    remaining: bool = False,
) -> ScheduleResult:
    """Schedule (or reschedule) one order from ``anchor``: its start when forward, its
    ending when backward. Returns the evolved order (``result.order``) with every
    operation's ``starting``/``ending`` and the order's ``starting``/``ending`` set,
    plus its allocations. See :func:`schedule_orders`."""
    return schedule_orders(
        [order],
        md,
        calendars,
        anchors={order.id: anchor},
        direction=direction,
        mode=mode,
        existing=existing,
        horizon=horizon,
        remaining=remaining,
    )
