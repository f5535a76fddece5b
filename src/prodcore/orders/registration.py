"""Job registration: shop-floor time as it happens (D365 job cards, ERPNext job card
time logs, BC's output with start and end times).

A worker (or a machine) starts an operation of an order, may pause and resume it, and
stops it, reporting the quantities done. :class:`JobBoard` folds these
:class:`JobEvent` into :class:`Registration` records, refusing what cannot have
happened (:class:`~prodcore.errors.NotAllowedError`, the board unchanged): a worker
working on two registrations at once, an event before the worker's last one (a stop
before its start), a resume without a pause, a pause or stop of nothing open.
Several workers may work on one operation at once: each has a registration.

:func:`prodcore.orders.registering.output_lines` turns stopped registrations into
output journal lines; the order keeps its registrations (this module sits below the
order model, so it imports no journal).

>>> import datetime as dt
>>> at = lambda h, m=0: dt.datetime(2026, 3, 2, h, m, tzinfo=dt.UTC)
>>> job = ("PO-1", 10000, "10", "ANNA")
>>> board = JobBoard().apply_all([
...     JobEvent(*job, JobEventType.START, at(8)),
...     JobEvent(*job, JobEventType.PAUSE, at(9)),
...     JobEvent(*job, JobEventType.RESUME, at(9, 15)),
...     JobEvent(*job, JobEventType.STOP, at(9, 30), output_quantity=4),
... ])
>>> board.registrations[0].worked
datetime.timedelta(seconds=4500)
>>> registered_time(board.registrations[0])
Duration('75', 'MIN')
>>> board.apply(JobEvent(*job, JobEventType.RESUME, at(10)))
Traceback (most recent call last):
...
prodcore.errors.NotAllowedError: Cannot resume PO-1 10000/10 for ANNA: it is not started.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal

import attrs

from prodcore.clock import check_moment
from prodcore.errors import NotAllowedError
from prodcore.numbers import ZERO, Duration, TimeUnit, as_decimal, member_of, non_negative
from prodcore.records import revise

__all__ = [
    "JobBoard",
    "JobEvent",
    "JobEventType",
    "Registration",
    "bears_on",
    "registered_time",
    "registration_order",
]


class JobEventType(enum.StrEnum):
    START = "START"
    PAUSE = "PAUSE"
    RESUME = "RESUME"
    STOP = "STOP"


def _moment(_i: object, attribute: attrs.Attribute[dt.datetime], value: object) -> None:
    check_moment(value, attribute.name)


@attrs.frozen
class JobEvent:
    """A worker's (or machine's) event on an operation of an order line. ``setup`` on a
    start registers setup time instead of run time; a stop reports ``output_quantity``
    and ``scrap_quantity`` (in the line's unit)."""

    order_id: str
    line_no: int
    operation_no: str
    worker: str
    type: JobEventType = attrs.field(validator=member_of(JobEventType))
    at: dt.datetime = attrs.field(validator=_moment)
    setup: bool = attrs.field(default=False, kw_only=True)
    output_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    scrap_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )

    @property
    def job(self) -> str:
        return f"{self.order_id} {self.line_no}/{self.operation_no} for {self.worker}"

    def is_on(self, reg: Registration) -> bool:
        """Whether it is an event of ``reg``'s worker on ``reg``'s operation."""
        return reg.worker == self.worker and reg.operation_key == (
            self.order_id,
            self.line_no,
            self.operation_no,
        )


@attrs.frozen
class Registration:
    """One worker's time on one operation: from ``started_at`` to ``stopped_at`` (None:
    still open) less the ``pauses`` (start, end; end None: paused now)."""

    order_id: str
    line_no: int
    operation_no: str
    worker: str
    started_at: dt.datetime
    setup: bool = False
    pauses: tuple[tuple[dt.datetime, dt.datetime | None], ...] = ()
    stopped_at: dt.datetime | None = None
    output_quantity: Decimal = ZERO
    scrap_quantity: Decimal = ZERO
    #: the idempotency key of the stop that posted its time (None: not posted)
    posted_by: str | None = None
    #: the key of the command that reversed that posting: its time no longer counts
    reversed_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    @property
    def is_reversed(self) -> bool:
        return self.reversed_by is not None

    @property
    def operation_key(self) -> tuple[str, int, str]:
        """The operation it is on: (order id, line number, operation number)."""
        return (self.order_id, self.line_no, self.operation_no)

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    @property
    def last_moment(self) -> dt.datetime:
        """The moment of its latest event."""
        if self.stopped_at is not None:
            return self.stopped_at
        if self.pauses:
            start, end = self.pauses[-1]
            return end or start
        return self.started_at

    @property
    def worked(self) -> dt.timedelta:
        """Time worked (stopped registrations only; an open one has worked nothing yet)."""
        if self.stopped_at is None:
            return dt.timedelta(0)
        paused = sum(
            ((end or self.stopped_at) - start for start, end in self.pauses), dt.timedelta(0)
        )
        return self.stopped_at - self.started_at - paused


@attrs.frozen
class JobBoard:
    """The registrations so far, in the order they were started."""

    registrations: tuple[Registration, ...] = ()

    def for_order(self, order_id: str) -> tuple[Registration, ...]:
        return tuple(r for r in self.registrations if r.order_id == order_id)

    def for_worker(self, worker: str) -> tuple[Registration, ...]:
        return tuple(r for r in self.registrations if r.worker == worker)

    def open_on(self, order_id: str) -> tuple[Registration, ...]:
        """The open registrations of an order (they block finishing it)."""
        return tuple(r for r in self.for_order(order_id) if r.is_open)

    def apply_all(self, events: Iterable[JobEvent]) -> JobBoard:
        board = self
        for event in events:
            board = board.apply(event)
        return board

    def apply(self, event: JobEvent, *, parallel: bool = False) -> JobBoard:
        """The board after ``event``, or :class:`~prodcore.errors.NotAllowedError`."""
        old, new = self.change(event, parallel=parallel)
        if old is None:
            return JobBoard((*self.registrations, new))
        return self._replace(old, new)

    def change(
        self, event: JobEvent, *, parallel: bool = False
    ) -> tuple[Registration | None, Registration]:
        """The registration ``event`` changes (None for a start) and what it becomes, or
        :class:`~prodcore.errors.NotAllowedError`. Reversed registrations no longer
        count. One worker works on one job at a time; with ``parallel`` (a setup that
        allows parallel jobs) a worker may work on several operations at once, each
        registration checked on its own.

        >>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
        >>> board = JobBoard().apply(JobEvent("PO-1", 10000, "10", "ANNA", JobEventType.START, at))
        >>> on_po2 = JobEvent("PO-2", 10000, "10", "ANNA", JobEventType.START, at)
        >>> old, new = board.change(on_po2, parallel=True)
        >>> old, new.order_id
        (None, 'PO-2')
        """
        action = f"{event.type.value.lower()} {event.job}"
        mine = [r for r in self.registrations if r.worker == event.worker and not r.is_reversed]
        if parallel:
            mine = [r for r in mine if event.is_on(r)]
        current = next((r for r in reversed(mine) if r.is_open), None)
        last = max((r.last_moment for r in mine), default=None)
        if last is not None and event.at < last:
            raise NotAllowedError(
                action=action,
                reason=f"it is before {event.worker}'s last registered moment {last.isoformat()}",
            )
        if event.type is JobEventType.START:
            if current is not None:
                raise NotAllowedError(
                    action=action,
                    reason=f"{event.worker} is still registered on {current.order_id} "
                    f"{current.line_no}/{current.operation_no} (registrations of one worker "
                    "must not overlap)",
                )
            new = Registration(
                event.order_id,
                event.line_no,
                event.operation_no,
                event.worker,
                event.at,
                setup=event.setup,
            )
            return None, new
        if current is None or not event.is_on(current):
            raise NotAllowedError(action=action, reason="it is not started")
        return current, _advance(current, event, action)

    def _replace(self, old: Registration, new: Registration) -> JobBoard:
        index = self.registrations.index(old)
        regs = self.registrations
        return JobBoard((*regs[:index], new, *regs[index + 1 :]))


def _advance(reg: Registration, event: JobEvent, action: str) -> Registration:
    """``reg`` after a pause, resume or stop."""
    if event.type is JobEventType.PAUSE:
        if reg.is_paused:
            raise NotAllowedError(action=action, reason="it is paused already")
        return revise(reg, pauses=(*reg.pauses, (event.at, None)))
    if event.type is JobEventType.RESUME:
        if not reg.is_paused:
            raise NotAllowedError(action=action, reason="it is not paused")
        return revise(reg, pauses=(*reg.pauses[:-1], (reg.pauses[-1][0], event.at)))
    # a stop while paused ends the pause there
    pauses = reg.pauses
    if reg.is_paused:
        pauses = (*pauses[:-1], (pauses[-1][0], event.at))
    return revise(
        reg,
        pauses=pauses,
        stopped_at=event.at,
        output_quantity=event.output_quantity,
        scrap_quantity=event.scrap_quantity,
    )


def bears_on(reg: Registration, at: dt.datetime) -> bool:
    """Whether a new event of ``reg``'s worker at ``at`` is checked against ``reg``: it is
    not reversed, and open or with an event after ``at`` (what a store reads per worker).

    >>> start = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    >>> done = Registration("PO-1", 10000, "10", "ANNA", start, stopped_at=start.replace(hour=9))
    >>> bears_on(done, start), bears_on(done, start.replace(hour=10))
    (True, False)
    """
    return not reg.is_reversed and (reg.is_open or reg.last_moment > at)


def registration_order(reg: Registration) -> tuple[dt.datetime, str, int, str]:
    """How a worker's registrations are listed: by start, then operation."""
    return (reg.started_at, *reg.operation_key)


def registered_time(reg: Registration, unit: TimeUnit = TimeUnit.MINUTE) -> Duration:
    """The time ``reg`` worked, in ``unit``."""
    minutes = Decimal(int(reg.worked.total_seconds())) / 60
    return Duration(minutes, TimeUnit.MINUTE).to(unit)
