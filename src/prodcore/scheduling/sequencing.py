"""Sequencing many orders under finite capacity in one call, with their lateness.

The orders are put in a sequence (by due date, by priority, or by a key of the caller's)
and scheduled finite one after the other: the first gets the best slots, each later one
the capacity left. **Forward** places every order from ``start``: an order whose planned
end is after its due moment is *late* by the difference. **Backward** places every order
to end at its due moment, as late as capacity allows: an order that would have to start
before ``start`` (or finds no room) cannot meet its due date. Either way the orders that
cannot meet their due date are listed in :attr:`SequenceResult.late`, never moved quietly.

An order is due at its due date at the shop's normal ending time, in the timezone of the
calendar its last operation works by (:func:`order_due`).

Three one-hour orders on a one-machine 08:00-16:00 shop, due Monday, Monday and Tuesday,
sequenced forward from Monday 14:00 by due date: B (due Monday, id after A) ends 16:00,
exactly on time; C moves to Tuesday and is on time too; a rush order R of priority 1
goes first when sequencing by priority, pushes B to Tuesday 09:00 and makes it late by
17 hours (lateness is clock time from the due moment, Monday 16:00):

>>> import datetime as dt
>>> from prodcore.masterdata import CapacityType, MasterData, WorkCenter
>>> from prodcore.numbers import Duration
>>> from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
>>> from prodcore.scheduling.calendar import ShopCalendar, build_calendars, one_shift_per_weekday
>>> md = MasterData.of(work_centers=[WorkCenter("M", calendar_code="S")])
>>> shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
>>> cals = build_calendars(md.work_centers.values(), [], [shop], dt.date(2026, 3, 2), dt.date(2026, 3, 9))
>>> def order(no, day):
...     op = Operation("10", CapacityType.WORK_CENTER, "M", "M", run_time=Duration(60), input_quantity=1)
...     return ProductionOrder(no, OrderStatus.RELEASED, "X", 1, due_date=dt.date(2026, 3, day),
...                            lines=(OrderLine(1, "X", 1, operations=(op,)),))
>>> orders = [order("C", 3), order("B", 2), order("A", 2)]
>>> start = dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC)
>>> result = sequence_orders(orders, md, cals, start=start)
>>> [(o.order_id, o.ending.isoformat()[5:16], str(o.lateness)) for o in result.orders]
[('A', '03-02T15:00', '0:00:00'), ('B', '03-02T16:00', '0:00:00'), ('C', '03-03T09:00', '0:00:00')]
>>> rushed = sequence_orders([*orders, order("R", 2)], md, cals, start=start,
...                          rule=SequenceRule.PRIORITY, priorities={"R": 1})
>>> [(o.order_id, o.ending.isoformat()[5:16], str(o.lateness)) for o in rushed.orders]
[('R', '03-02T15:00', '0:00:00'), ('A', '03-02T16:00', '0:00:00'), ('B', '03-03T09:00', '17:00:00'), ('C', '03-03T10:00', '0:00:00')]
>>> rushed.late
('B',)
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from prodcore.errors import InvalidValueError
from prodcore.numbers import tuple_of
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import ProductionOrder
from prodcore.scheduling.calendar import Calendars
from prodcore.scheduling.schedule import (
    Allocation,
    Direction,
    ScheduleResult,
    due_anchor,
    schedule_in_sequence,
)

__all__ = [
    "SequenceResult",
    "SequenceRule",
    "SequencedOrder",
    "order_due",
    "sequence_orders",
]

_ZERO_TIME = dt.timedelta(0)


class SequenceRule(enum.StrEnum):
    """In which order the orders get capacity: earliest due first, or by priority (a
    smaller number first, then by due date; orders without a priority last)."""

    DUE_DATE = "DUE_DATE"
    PRIORITY = "PRIORITY"


@attrs.frozen
class SequencedOrder:
    """Where one order landed against its due (promise) moment. ``lateness`` is how
    long after the due moment it ends (zero when on time); ``slack`` how long before."""

    order_id: str
    position: int
    due: dt.datetime
    starting: dt.datetime
    ending: dt.datetime

    @property
    def lateness(self) -> dt.timedelta:
        return max(self.ending - self.due, _ZERO_TIME)

    @property
    def slack(self) -> dt.timedelta:
        return max(self.due - self.ending, _ZERO_TIME)

    @property
    def late(self) -> bool:
        return self.ending > self.due


@attrs.frozen
class SequenceResult:
    """The schedule of the sequenced orders, each order's dates against its due moment
    (in sequence), and the orders that cannot meet their due date (``unplaced``: those
    for which no capacity was found at all; they are not in the schedule)."""

    schedule: ScheduleResult
    orders: tuple[SequencedOrder, ...] = attrs.field(validator=tuple_of(SequencedOrder))
    unplaced: tuple[str, ...] = ()

    @property
    def late(self) -> tuple[str, ...]:
        """Orders that cannot meet their due date (late ones, then unplaced ones)."""
        return (*(o.order_id for o in self.orders if o.late), *self.unplaced)

    @property
    def total_lateness(self) -> dt.timedelta:
        return sum((o.lateness for o in self.orders), _ZERO_TIME)

    @property
    def makespan_end(self) -> dt.datetime | None:
        return max((o.ending for o in self.orders), default=None)


def order_due(order: ProductionOrder, calendars: Calendars, ending_time: dt.time) -> dt.datetime:
    """The moment ``order`` is due: its due date at ``ending_time`` in the timezone of
    the calendar its last operation works by (UTC for an order without operations)."""
    for line in order.lines:
        if line.operations:
            op = line.operations[-1]
            return due_anchor(order, ending_time, calendars.get(op.type, op.no).timezone)
    return due_anchor(order, ending_time, dt.UTC)


def sequence_orders(
    orders: Sequence[ProductionOrder],
    md: MasterDataLookup,
    calendars: Calendars,
    *,
    start: dt.datetime,
    rule: SequenceRule = SequenceRule.DUE_DATE,
    key: Callable[[ProductionOrder], Any] | None = None,
    priorities: Mapping[str, int] | None = None,
    direction: Direction = Direction.FORWARD,
    existing: Iterable[Allocation] = (),
    ending_time: dt.time = dt.time(16),
    horizon: dt.datetime | None = None,
    remaining: bool = False,
    kept: Mapping[tuple[str, int, str], tuple[dt.datetime, dt.datetime]] | None = None,
) -> SequenceResult:
    """Sequence ``orders`` (see the module) and schedule them finite, in that sequence,
    on the capacity left by ``existing`` allocations. ``key`` (a sort key of the
    caller's) overrides ``rule``. ``start`` is where forward scheduling begins and the
    earliest start backward scheduling may use. ``ending_time`` is the shop's normal
    ending time (the due moment's time). ``kept`` operations (started ones, by order id,
    line no and operation no) stay at their (start, end), their allocations given in
    ``existing``; their orders go forward from ``start``, the rest after them."""
    return _sequence(orders, md, calendars, start, rule, key, priorities, direction,
                     existing, ending_time, horizon, remaining, kept)  # fmt: skip


def _sequence(
    orders: Sequence[ProductionOrder],
    md: MasterDataLookup,
    calendars: Calendars,
    start: dt.datetime,
    rule: SequenceRule,
    key: Callable[[ProductionOrder], Any] | None,
    priorities: Mapping[str, int] | None,
    direction: Direction,
    existing: Iterable[Allocation],
    ending_time: dt.time,
    horizon: dt.datetime | None,
    remaining: bool,
    kept: Mapping[tuple[str, int, str], tuple[dt.datetime, dt.datetime]] | None,
) -> SequenceResult:
    if direction is Direction.BACKWARD and horizon is None:
        horizon = start
    dues = {o.id: order_due(o, calendars, ending_time) for o in orders}
    started = {order_id for order_id, _, _ in kept or {}}
    prio = priorities or {}
    if key is not None:
        ordered = sorted(orders, key=key)
    elif rule is SequenceRule.PRIORITY:
        ordered = sorted(orders, key=lambda o: (prio.get(o.id, sys.maxsize), dues[o.id], o.id))
    elif rule is SequenceRule.DUE_DATE:
        ordered = sorted(orders, key=lambda o: (dues[o.id], o.id))
    else:
        raise InvalidValueError(field="rule", value=rule, reason="not a SequenceRule")
    schedule, unplaced = schedule_in_sequence(
        ordered,
        md,
        calendars,
        anchors={
            o.id: start if direction is Direction.FORWARD or o.id in started else dues[o.id]
            for o in ordered
        },
        direction=direction,
        existing=existing,
        horizon=horizon,
        remaining=remaining,
        kept=kept,
    )
    report = tuple(
        SequencedOrder(
            order_id=o.id,
            position=i,
            due=dues[o.id],
            starting=o.starting or start,
            ending=o.ending or start,
        )
        for i, o in enumerate(schedule.orders, 1)
    )
    return SequenceResult(schedule, report, unplaced)
