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

import contextlib
import datetime as dt
import gc
from collections.abc import Iterable, Iterator, Mapping

import attrs

from prodcore.calendars import Absence, CentreAbsences, absences_key
from prodcore.clock import MAX_SPAN_DAYS, Clock, checked_now
from prodcore.commands import ScheduleOrder
from prodcore.errors import DuplicateError, InvalidTransitionError, InvalidValueError, NotFoundError
from prodcore.masterdata import CapacityType
from prodcore.numbers import in_own_context
from prodcore.orders.model import OrderStatus, ProductionOrder, RoutingStatus
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
    "collector_paused",
    "due_timezone",
    "register_absence",
    "remove_absence",
    "reschedule",
    "reschedule_shop",
    "schedule",
    "scheduled_orders",
    "started_operations",
    "store_load_view",
]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a scheduling run started here.

    A run builds no reference cycles, only results that grow with the orders:
    collections in the middle re-scanned the growing heap and made a long run grow
    faster than its orders (12.7× the CPU time for 10× the orders in
    ``benchmarks/bench_sequencing.py``, 11× with the collector paused). Pausing it acts
    on the whole process, so the application decides it, around its own runs; the
    scheduling functions themselves leave the collector alone. Reference counting
    still frees everything at once; the collector resumes as it was (a nested pause
    leaves it to the outer one).

    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _open_orders(uow: UnitOfWork) -> list[ProductionOrder]:
    return [o for o in uow.orders.list() if o.status is not OrderStatus.FINISHED]


def _calendars(uow: UnitOfWork, start: dt.date, end: dt.date) -> Calendars:
    """The centres' calendars with their registered absences taken off."""
    md = uow.master_data
    return build_calendars(
        list(md.work_centers()),
        list(md.machine_centers()),
        list(md.shop_calendars()),
        start,
        end,
        absences=[a for record in md.centre_absences() for a in record.absences],
    )


def _absences_of(uow: UnitOfWork, ctype: CapacityType, centre_no: str) -> CentreAbsences:
    """The stored absences of a centre (an empty record when it has none); the centre
    must exist."""
    md = uow.master_data
    if ctype is CapacityType.MACHINE_CENTER:
        md.machine_center(centre_no)
    else:
        md.work_center(centre_no)
    key = absences_key(ctype, centre_no)
    for record in md.centre_absences():
        if record.no == key:
            return record
    return CentreAbsences(ctype, centre_no)


def register_absence(uow: UnitOfWork, absence: Absence) -> CentreAbsences:
    """Record ``absence`` against its centre (BC: Registered Absence) and commit; returns
    the centre's absences. A breakdown is an absence from the moment the centre broke
    down until it is expected back, with the reason as ``description``; with
    ``capacity`` below the centre's, part of the centre stays available. The load view
    and finite scheduling take the capacity off; :func:`reschedule_shop` then moves the
    orders booked in it. A second absence starting at the same moment on the same centre
    is refused (:class:`~prodcore.errors.DuplicateError`), an unknown centre too
    (:class:`~prodcore.errors.NotFoundError`).

    >>> from prodcore.adapters import open_store
    >>> from prodcore.masterdata import WorkCenter
    >>> store = open_store("memory:")
    >>> with store() as uow:
    ...     uow.master_data.put(WorkCenter("SAW"))
    ...     uow.commit()
    >>> t = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    >>> broke = Absence(CapacityType.WORK_CENTER, "SAW", t, t + dt.timedelta(hours=4),
    ...                 description="Breakdown: blade")
    >>> [a.description for a in register_absence(store(), broke).absences]
    ['Breakdown: blade']
    >>> remove_absence(store(), CapacityType.WORK_CENTER, "SAW", t).absences
    ()
    """
    with uow:
        record = _absences_of(uow, absence.type, absence.no)
        if any(a.starting == absence.starting for a in record.absences):
            raise DuplicateError(kind=f"Absence of {record.no}", key=absence.starting.isoformat())
        kept = tuple(sorted((*record.absences, absence), key=lambda a: a.starting))
        record = attrs.evolve(record, absences=kept)
        uow.master_data.put(record)
        uow.commit()
    return record


def remove_absence(
    uow: UnitOfWork, ctype: CapacityType, centre_no: str, starting: dt.datetime
) -> CentreAbsences:
    """Remove the absence of a centre that starts at ``starting`` and commit (the
    capacity is back for the load view and for scheduling); returns the centre's
    absences left. An absence not found raises :class:`~prodcore.errors.NotFoundError`."""
    with uow:
        record = _absences_of(uow, ctype, centre_no)
        kept = tuple(a for a in record.absences if a.starting != starting)
        if len(kept) == len(record.absences):
            raise NotFoundError(kind=f"Absence of {record.no}", key=starting.isoformat())
        record = attrs.evolve(record, absences=kept)
        uow.master_data.put(record)
        uow.commit()
    return record


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
        with collector_paused():
            scheduled = schedule_orders(
                unstored,
                uow.master_data,
                calendars,
                anchors={o.id: o.starting for o in unstored if o.starting is not None},
                direction=Direction.FORWARD,
                update_operations=False,
                remaining=True,
            )
        kept.extend(scheduled.allocations)
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


@in_own_context
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
        with collector_paused():
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


@in_own_context
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
    cannot meet their due date), the orders that moved, the orders with started
    operations kept in place (``kept``) and those operations (``kept_operations``: order
    id, line no, operation no)."""

    sequence: SequenceResult
    moved: tuple[MovedOrder, ...]
    kept: tuple[str, ...]
    kept_operations: tuple[tuple[str, int, str], ...] = ()


def started_operations(
    order: ProductionOrder,
) -> dict[tuple[str, int, str], tuple[dt.datetime, dt.datetime]]:
    """The scheduled operations of ``order`` that are started (output, scrap or time
    posted, finished, or a job registration open on them), with their dates: a shop
    reschedule keeps them where they are.

    >>> from prodcore.masterdata import CapacityType
    >>> from prodcore.orders.model import Operation, OrderLine, ProductionOrder
    >>> t = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    >>> ops = (Operation("10", CapacityType.WORK_CENTER, "SAW", "SAW", output_quantity=1,
    ...                  starting=t, ending=t + dt.timedelta(hours=2)),
    ...        Operation("20", CapacityType.WORK_CENTER, "DRILL", "DRILL", starting=t, ending=t))
    >>> order = ProductionOrder("PO", OrderStatus.RELEASED, "X", 2, due_date=t.date(),
    ...                         lines=(OrderLine(1, "X", 2, operations=ops),), has_postings=True)
    >>> [key for key in started_operations(order)]
    [('PO', 1, '10')]
    """
    registered = {(r.line_no, r.operation_no) for r in order.registrations if r.is_open}
    found = {}
    for line in order.lines:
        for op in line.operations:
            if op.starting is None or op.ending is None:
                continue
            if (
                op.status is RoutingStatus.FINISHED
                or op.output_quantity
                or op.scrap_quantity
                or op.posted_setup_time
                or op.posted_run_time
                or (line.line_no, op.operation_no) in registered
            ):
                found[(order.id, line.line_no, op.operation_no)] = (op.starting, op.ending)
    return found


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
    (after a breakdown or a rush order, with the centres' registered absences taken
    off): all of them, those with an operation on one of ``centres`` (work or machine
    centre numbers), or those in ``order_ids``. Started operations
    (:func:`started_operations`) stay where they are and load the centres; the rest of
    their order is scheduled forward after them, only its work not yet posted. The
    orders not chosen stay and load the centres too. Each order is saved with its new
    dates and allocations; an order for which no capacity is found keeps its dates,
    loses its allocations and is listed in ``sequence.unplaced``. ``start`` defaults to
    the clock's now."""
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
            if wanted_orders is not None and order.id not in wanted_orders:
                return False
            return wanted_centres is None or any(
                not wanted_centres.isdisjoint((op.no, op.work_center_no, *op.alternatives))
                for line in order.lines
                for op in line.operations
            )

        moving = [o for o in open_orders if chosen(o)]
        staying = [o for o in open_orders if not chosen(o)]
        kept = {key: dates for o in moving for key, dates in started_operations(o).items()}
        started = [o for o in moving if o.id in {order_id for order_id, _, _ in kept}]
        kept_allocations: dict[str, list[Allocation]] = {}
        for a in _current_allocations(uow, started, calendars):
            if (a.order_id, a.line_no, a.operation_no) in kept:
                kept_allocations.setdefault(a.order_id, []).append(a)
        with collector_paused():
            result = sequence_orders(
                moving,
                uow.master_data,
                calendars,
                start=begin,
                rule=rule,
                priorities=priorities,
                direction=direction,
                existing=[
                    *_current_allocations(uow, staying, calendars),
                    *(a for own in kept_allocations.values() for a in own),
                ],
                ending_time=uow.master_data.setup.normal_ending_time,
                horizon=begin + days if direction is Direction.FORWARD else begin,
                remaining=True,
                kept=kept,
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
            uow.orders.put_allocations(
                new.id, (*kept_allocations.get(new.id, ()), *per_order.get(new.id, ()))
            )
            assert new.starting is not None and new.ending is not None  # just scheduled
            if (old.starting, old.ending) != (new.starting, new.ending):
                moved.append(MovedOrder(new.id, old.starting, old.ending, new.starting, new.ending))
        for order_id in result.unplaced:
            uow.orders.put_allocations(order_id, ())
        uow.commit()
    return ShopSchedule(result, tuple(moved), tuple(o.id for o in started), tuple(kept))


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
