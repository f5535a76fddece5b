"""Scheduling services against a store: reschedule an order and save its dates; the load view.

Shop calendars are master data (``uow.master_data.shop_calendars()``); work and machine
centres name theirs by ``calendar_code``. :func:`reschedule` plans one order and saves it
with its new operation dates (a new version), inside one unit of work; in finite mode the
other open orders' allocations load the calendars first. :func:`store_load_view` builds the
load per centre and period from every open order of the store.

>>> import datetime as dt
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.clock import FixedClock
>>> from prodcore.masterdata import CapacityType, Item, Replenishment, Routing, RoutingLine, WorkCenter
>>> from prodcore.numbers import Duration
>>> from prodcore.orders.lifecycle import CreateOrder
>>> from prodcore.commands import ScheduleOrder
>>> from prodcore.scheduling.calendar import ShopCalendar, one_shift_per_weekday
>>> from prodcore.app import handle, put_master_data
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
>>> put_master_data(uow, [
...     ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16))),
...     WorkCenter("SAW", calendar_code="DAY"),
...     Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "SAW", run_time=Duration(60)),)),
...     Item("SHELF", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
... ])
>>> _ = handle(uow, CreateOrder("PO-1", "SHELF", 10, due_date=dt.date(2026, 3, 6)), clock=clock)
>>> order = reschedule(uow, ScheduleOrder("PO-1"), clock=clock).order
>>> order.starting.isoformat(), order.ending.isoformat()
('2026-03-05T14:00:00+00:00', '2026-03-06T16:00:00+00:00')
>>> view = store_load_view(uow, start=dt.date(2026, 3, 5), end=dt.date(2026, 3, 7))
>>> [(r.period_start.isoformat(), str(r.allocated), r.load_percent_display) for r in view.rows]
[('2026-03-05', '120', '25.0'), ('2026-03-06', '480', '100.0')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs

from prodcore.clock import MAX_SPAN_DAYS, Clock, checked_now
from prodcore.commands import ScheduleOrder
from prodcore.errors import InvalidTransitionError, InvalidValueError
from prodcore.masterdata import CapacityType
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRepository, UnitOfWork
from prodcore.scheduling.allocations import remaining_allocations
from prodcore.scheduling.calendar import Calendars, build_calendars
from prodcore.scheduling.load import DEFAULT_STATUSES, LoadView, Period, load_view
from prodcore.scheduling.schedule import (
    Allocation,
    CapacityMode,
    Direction,
    ScheduleResult,
    due_anchor,
    schedule_order,
    schedule_orders,
)
from prodcore.scheduling.sequencing import (
    SequencedOrder,
    SequenceResult,
    SequenceRule,
    sequence_orders,
)

__all__ = [
    "MovedOrder",
    "ShopSchedule",
    "due_timezone",
    "reschedule",
    "reschedule_shop",
    "schedule",
    "scheduled_orders",
    "store_load_view",
]


def _open_orders(uow: UnitOfWork) -> list[ProductionOrder]:
    return [o for o in uow.orders.list() if o.status is not OrderStatus.FINISHED]


def _calendars(uow: UnitOfWork, start: dt.date, end: dt.date) -> Calendars:
    md = uow.master_data
    return build_calendars(
        list(md.work_centers()), list(md.machine_centers()), list(md.shop_calendars()), start, end
    )


def _current_allocations(
    uow: UnitOfWork, orders: Iterable[ProductionOrder], calendars: Calendars
) -> tuple[Allocation, ...]:
    """The load of the open ``orders``: their stored allocations, as their schedule made
    them (a finite schedule split around booked time stays split), less the work posted
    since. An order scheduled
    before allocations were stored has its load re-derived forward from its start."""
    stored: dict[str, list[Allocation]] = {}
    for a in uow.orders.allocations():
        stored.setdefault(a.order_id, []).append(a)
    kept: list[Allocation] = []
    unstored = []
    for order in orders:
        if order.id in stored:
            # the order's status may have changed since (the load view filters by it)
            left = remaining_allocations(order, stored[order.id], uow.master_data)
            kept.extend(attrs.evolve(a, status=order.status) for a in left)
        elif order.starting is not None:
            unstored.append(order)
    if unstored:
        kept.extend(
            schedule_orders(
                unstored,
                uow.master_data,
                calendars,
                anchors={o.id: o.starting for o in unstored if o.starting is not None},
                direction=Direction.FORWARD,
                update_operations=False,
                remaining=True,
            ).allocations
        )
    return tuple(kept)


def due_timezone(order: ProductionOrder, md: MasterDataRepository) -> dt.tzinfo:
    """The timezone of the shop calendar the order's last operation works by (the order
    is due at the normal ending time there); UTC when it names no calendar.

    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> from prodcore.orders.model import OrderStatus, ProductionOrder
    >>> with InMemoryUnitOfWork(InMemoryStore()) as uow:
    ...     due_timezone(ProductionOrder("PO", OrderStatus.PLANNED, "X", 1,
    ...                                  due_date=dt.date(2026, 1, 9)), uow.master_data)
    datetime.timezone.utc
    """
    for line in order.lines:
        if not line.operations:
            continue
        op = line.operations[-1]
        if op.type is CapacityType.MACHINE_CENTER:
            mc = md.machine_center(op.no)
            code = mc.calendar_code or md.work_center(mc.work_center_no).calendar_code
        else:
            code = md.work_center(op.no).calendar_code
        if code is not None:
            return md.shop_calendar(code).timezone
        break
    return dt.UTC


def reschedule(uow: UnitOfWork, command: ScheduleOrder, *, clock: Clock) -> ScheduleResult:
    """Schedule ``command.order_id`` and save it with its new dates (one unit of work)."""
    return schedule(uow, command, clock, commit=True)


def schedule(
    uow: UnitOfWork, command: ScheduleOrder, clock: Clock, *, commit: bool
) -> ScheduleResult:
    """The :class:`~prodcore.commands.ScheduleOrder` handler (committed when ``commit``)."""
    if not 1 <= command.horizon_days <= MAX_SPAN_DAYS:
        raise InvalidValueError(
            field="horizon_days",
            value=command.horizon_days,
            reason=f"must be between 1 and {MAX_SPAN_DAYS}",
        )
    with uow:
        order = uow.orders.get(command.order_id)
        if order.status is OrderStatus.FINISHED:
            raise InvalidTransitionError(
                order_id=order.id,
                status=order.status.value,
                command="schedule",
                reason="a finished order is not scheduled",
            )
        setup = uow.master_data.setup
        if command.anchor is not None:
            anchor = command.anchor
        elif command.direction is Direction.BACKWARD:
            anchor = due_anchor(
                order, setup.normal_ending_time, due_timezone(order, uow.master_data)
            )
        else:
            anchor = checked_now(clock)
        days = dt.timedelta(days=command.horizon_days)
        start, end = (anchor - days).date(), (anchor + days).date() + dt.timedelta(days=1)
        calendars = _calendars(uow, start, end)
        others = [o for o in _open_orders(uow) if o.id != order.id]
        existing = (
            _current_allocations(uow, others, calendars)
            if command.mode is CapacityMode.FINITE
            else ()
        )
        horizon = anchor + days if command.direction is Direction.FORWARD else anchor - days
        result = schedule_order(
            order,
            uow.master_data,
            calendars,
            anchor=anchor,
            direction=command.direction,
            mode=command.mode,
            existing=existing,
            horizon=horizon,
            remaining=order.has_postings,
        )
        uow.orders.save(
            attrs.evolve(result.order, version=order.version + 1), expected_version=order.version
        )
        uow.orders.put_allocations(order.id, result.allocations)
        if commit:
            uow.commit()
    return attrs.evolve(result, orders=(attrs.evolve(result.order, version=order.version + 1),))


def store_load_view(
    uow: UnitOfWork,
    *,
    start: dt.date,
    end: dt.date,
    period: Period = Period.DAY,
    statuses: Iterable[OrderStatus] = DEFAULT_STATUSES,
) -> LoadView:
    """The load per centre and period of every scheduled, open order in the store."""
    with uow:
        orders = _open_orders(uow)
        # the calendars must cover every scheduled order, not only the window shown
        first = min([start, *(o.starting.date() for o in orders if o.starting)])
        last = max([end, *(o.ending.date() + dt.timedelta(days=1) for o in orders if o.ending)])
        calendars = _calendars(uow, first, last)
        allocations = _current_allocations(uow, orders, calendars)
        return load_view(
            calendars,
            allocations,
            start=start,
            end=end,
            period=period,
            statuses=statuses,
            skip_empty=True,
        )


@attrs.frozen
class MovedOrder:
    """An order whose dates a shop reschedule changed (``None``: it had none)."""

    order_id: str
    old_starting: dt.datetime | None
    old_ending: dt.datetime | None
    new_starting: dt.datetime
    new_ending: dt.datetime


@attrs.frozen
class ShopSchedule:
    """What :func:`reschedule_shop` did: the sequence (dates, lateness, orders that
    cannot meet their due date), the orders that moved, and those kept in place because
    work was posted on them."""

    sequence: SequenceResult
    moved: tuple[MovedOrder, ...]
    kept: tuple[str, ...]


def reschedule_shop(
    uow: UnitOfWork,
    *,
    clock: Clock,
    start: dt.datetime | None = None,
    centres: Iterable[str] | None = None,
    order_ids: Iterable[str] | None = None,
    rule: SequenceRule = SequenceRule.DUE_DATE,
    priorities: Mapping[str, int] | None = None,
    direction: Direction = Direction.FORWARD,
    horizon_days: int = 365,
) -> ShopSchedule:
    """Sequence and schedule finite the open orders of the store in one unit of work
    (after a breakdown or a rush order): all of them, those with an operation on one of
    ``centres`` (work or machine centre numbers), or those in ``order_ids``. Started
    orders (with work posted) stay where they are and load the centres; so do the
    orders not chosen. Each order is saved with its new dates and allocations; an order
    for which no capacity is found keeps its dates, loses its allocations and is listed
    in ``sequence.unplaced``. ``start`` defaults to the clock's now."""
    if not 1 <= horizon_days <= MAX_SPAN_DAYS:
        raise InvalidValueError(
            field="horizon_days",
            value=horizon_days,
            reason=f"must be between 1 and {MAX_SPAN_DAYS}",
        )
    begin = checked_now(clock) if start is None else start
    wanted_centres = None if centres is None else set(centres)
    wanted_orders = None if order_ids is None else set(order_ids)
    with uow:
        open_orders = _open_orders(uow)
        days = dt.timedelta(days=horizon_days)
        first = min([begin.date(), *(o.starting.date() for o in open_orders if o.starting)])
        calendars = _calendars(uow, first - dt.timedelta(days=1), (begin + days).date())

        def chosen(order: ProductionOrder) -> bool:
            if order.has_postings:
                return False
            if wanted_orders is not None and order.id not in wanted_orders:
                return False
            return wanted_centres is None or any(
                op.no in wanted_centres or op.work_center_no in wanted_centres
                for line in order.lines
                for op in line.operations
            )

        moving = [o for o in open_orders if chosen(o)]
        staying = [o for o in open_orders if not chosen(o)]
        result = sequence_orders(
            moving,
            uow.master_data,
            calendars,
            start=begin,
            rule=rule,
            priorities=priorities,
            direction=direction,
            existing=_current_allocations(uow, staying, calendars),
            ending_time=uow.master_data.setup.normal_ending_time,
            horizon=begin + days if direction is Direction.FORWARD else begin,
        )
        before = {o.id: o for o in moving}
        per_order: dict[str, list[Allocation]] = {}
        for a in result.schedule.allocations:
            per_order.setdefault(a.order_id, []).append(a)
        moved = []
        for new in result.schedule.orders:
            old = before[new.id]
            uow.orders.save(
                attrs.evolve(new, version=old.version + 1), expected_version=old.version
            )
            uow.orders.put_allocations(new.id, per_order.get(new.id, ()))
            assert new.starting is not None and new.ending is not None  # just scheduled
            if (old.starting, old.ending) != (new.starting, new.ending):
                moved.append(MovedOrder(new.id, old.starting, old.ending, new.starting, new.ending))
        for order_id in result.unplaced:
            uow.orders.put_allocations(order_id, ())
        uow.commit()
    return ShopSchedule(result, tuple(moved), tuple(o.id for o in staying if o.has_postings))


def scheduled_orders(uow: UnitOfWork) -> tuple[SequencedOrder, ...]:
    """The open, scheduled orders of the store against their due moments (the due date
    at the setup's normal ending time in the shop's timezone), by start then id."""
    with uow:
        md = uow.master_data
        ending_time = md.setup.normal_ending_time
        found = sorted(
            (o for o in _open_orders(uow) if o.starting is not None and o.ending is not None),
            key=lambda o: (o.starting, o.id),
        )
        return tuple(
            SequencedOrder(
                order_id=o.id,
                position=i,
                due=due_anchor(o, ending_time, due_timezone(o, md)),
                starting=o.starting,
                ending=o.ending,
            )
            for i, o in enumerate(found, 1)
            if o.starting is not None and o.ending is not None
        )
