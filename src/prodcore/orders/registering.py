"""The command that registers a job event (:class:`RegisterJobEvent`) and its pure
decider :func:`decide_job_event`.

The order keeps its registrations; a start, pause or resume changes only them, a stop
also posts the registered time and the quantities reported as an ordinary output
posting (:class:`~prodcore.orders.journals.PostOutput`): capacity entries with a posting
date, the user and source of the batch, reversible like any posting. A worker's events
are checked against their registrations on every order (the store's per-worker index),
and reversing a stop's posting marks its registration reversed
(:func:`reverse_registrations`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from prodcore.errors import NotAllowedError
from prodcore.ledger.model import IdempotencyRecord, PostingBatch, ValueSource
from prodcore.ledger.reader import LedgerReader
from prodcore.numbers import ONE, ZERO, Duration, TimeUnit
from prodcore.orders.builder import Execution, PostingBuilder
from prodcore.orders.execution import decide_posting
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.journals import OutputLine, PostOutput
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.orders.registration import (
    JobBoard,
    JobEvent,
    JobEventType,
    Registration,
    registered_time,
)
from prodcore.records import revise

__all__ = [
    "RegisterJobEvent",
    "StopLookup",
    "WorkerRegistrations",
    "decide_job_event",
    "find_registrations",
    "output_lines",
    "reverse_registrations",
]


@attrs.frozen
class RegisterJobEvent:
    """Register a start, pause, resume or stop of a worker on an operation; a stop
    posts its time and quantities at ``posting_date`` (None: the clock's date)."""

    idempotency_key: str
    event: JobEvent = attrs.field(validator=attrs.validators.instance_of(JobEvent))
    document_no: str = ""
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True)
    name = "register job event"


#: The registrations of a worker that bear on an event at a moment, across orders: those
#: :func:`~prodcore.orders.registration.bears_on` keeps (a store's per-worker query)
WorkerRegistrations = Callable[[str, dt.datetime], Sequence[Registration]]


def decide_job_event(
    command: RegisterJobEvent,
    get_order: Callable[[str], ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
    *,
    worker_registrations: WorkerRegistrations,
) -> Execution:
    """The order with the event folded into its registrations and, on a stop, the
    output posting; a refusal (:class:`~prodcore.errors.NotAllowedError`) changes
    nothing.

    Overlap, order and pause rules are checked over the worker's registrations on every
    order (``worker_registrations``; see
    :class:`~prodcore.orders.registration.JobBoard`): unless the setup allows parallel
    registrations, a worker registered on one order cannot start on another meanwhile.
    """
    event = command.event
    order = get_order(event.order_id)
    action = f"{event.type.value.lower()} {event.job}"
    if order.status is not OrderStatus.RELEASED:
        raise NotAllowedError(action=action, reason=f"the order is {order.status.value}")
    refusal = order.posting_refusal
    if refusal is not None:
        raise NotAllowedError(action=action, reason=refusal)
    order.line(event.line_no).operation(event.operation_no)  # NotFoundError if absent
    board = JobBoard(tuple(worker_registrations(event.worker, event.at)))
    old, new = board.change(event, parallel=md.setup.allow_parallel_registrations)
    if event.type is JobEventType.STOP:
        # the stop's key links the registration to the entries it posts (and their reversal)
        new = revise(new, posted_by=command.idempotency_key)
    regs = order.registrations
    if old is None:
        regs = (*regs, new)
    else:
        index = regs.index(old)
        regs = (*regs[:index], new, *regs[index + 1 :])
    registered = revise(order, registrations=regs)
    if event.type is not JobEventType.STOP:
        b = PostingBuilder(
            md, ledger, get_order, at, command.document_no or command.idempotency_key
        )
        return revise(b.result(command.idempotency_key), orders=(registered,))
    posting = PostOutput(
        command.idempotency_key,
        output_lines((new,)),
        command.document_no,
        posting_date=command.posting_date,
    )

    def with_registrations(order_id: str) -> ProductionOrder:
        return registered if order_id == order.id else get_order(order_id)

    return decide_posting(posting, with_registrations, md, ledger, at)


def output_lines(
    registrations: Iterable[Registration], unit: TimeUnit = TimeUnit.MINUTE
) -> tuple[OutputLine, ...]:
    """One output line per stopped registration: its time as setup or run time (in
    ``unit``) and the quantities reported at stop. Open registrations are left out.

    >>> import datetime as dt
    >>> start = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    >>> reg = Registration("PO-1", 10000, "10", "BEN", start, setup=True,
    ...                    stopped_at=start + dt.timedelta(minutes=30))
    >>> line, = output_lines([reg])
    >>> line.setup_time.amount, line.run_time.amount
    (Decimal('30'), Decimal('0'))
    """
    return tuple(
        OutputLine(
            r.order_id,
            r.line_no,
            r.operation_no,
            output_quantity=r.output_quantity,
            scrap_quantity=r.scrap_quantity,
            setup_time=registered_time(r, unit) if r.setup else Duration.zero(unit),
            run_time=Duration.zero(unit) if r.setup else registered_time(r, unit),
        )
        for r in registrations
        if not r.is_open
    )


def find_registrations(
    orders: Iterable[ProductionOrder], *, worker: str | None = None, centre: str | None = None
) -> tuple[Registration, ...]:
    """The registrations stored on ``orders`` (per order: pass one), those of ``worker``
    and those on operations of work or machine centre ``centre``, in the orders' order.

    >>> find_registrations([], worker="ANNA")
    ()
    """
    found: list[Registration] = []
    for order in orders:
        for reg in order.registrations:
            if worker is not None and reg.worker != worker:
                continue
            if centre is not None:
                op = order.line(reg.line_no).operation(reg.operation_no)
                if centre not in (op.no, op.work_center_no):
                    continue
            found.append(reg)
    return tuple(found)


class StopLookup(LedgerReader, Protocol):
    """The ledger as :func:`reverse_registrations` reads it: entries, what is reversed of
    them, and what the command of an idempotency key posted."""

    def idempotency(self, key: str) -> IdempotencyRecord | None: ...

    def batch(self, posting_no: int) -> PostingBatch: ...


def reverse_registrations(
    execution: Execution,
    get_order: Callable[[str], ProductionOrder],
    ledger: StopLookup,
    key: str,
) -> Execution:
    """``execution`` with the registrations whose stop posting it reverses marked
    ``reversed_by`` ``key`` (the command's key): D365 reverses the job's feedback as a
    whole, so the registration's time no longer counts as posted, and a new
    registration of the worker may cover that time again. A partial reversal of such a
    posting is refused (:class:`~prodcore.errors.NotAllowedError`): reverse all of it.

    A registration knows its stop by the stop's idempotency key (``posted_by``); the
    stop's result names the capacity entries it posted. A decision that reverses no
    capacity entry of an order is returned as it is:

    >>> import datetime as dt
    >>> from prodcore.ledger.model import PostingBatch
    >>> nothing = Execution((), PostingBatch(0, "D-1", dt.datetime(2026, 3, 2, tzinfo=dt.UTC)))
    >>> reverse_registrations(nothing, get_order=None, ledger=None, key="K") is nothing
    True
    """
    reversing: dict[int, Decimal] = {}
    operations: set[tuple[str, int, str]] = set()
    for cap in execution.batch.capacity_entries:
        no = cap.applies_to_entry_no
        if no is None or cap.order_id is None or cap.order_line_no is None:
            continue
        reversing[no] = reversing.get(no, ZERO) + cap.applied_quantity
        operations.add((cap.order_id, cap.order_line_no, cap.operation_no or ""))
    if not reversing:
        return execution
    changed = {order.id: order for order in execution.orders}
    for order_id in sorted({op[0] for op in operations}):
        order = changed.get(order_id) or get_order(order_id)
        regs = tuple(
            _reversed(r, reversing, ledger, key)
            if r.posted_by is not None and not r.is_reversed and r.operation_key in operations
            else r
            for r in order.registrations
        )
        if regs != order.registrations:
            changed[order_id] = revise(order, registrations=regs)
    return revise(execution, orders=tuple(changed.values()))


def _reversed(
    reg: Registration, reversing: dict[int, Decimal], ledger: StopLookup, key: str
) -> Registration:
    """``reg`` reversed by ``key`` if ``reversing`` reverses its stop's entries (all of
    them, or refused), else ``reg``."""
    assert reg.posted_by is not None
    record = ledger.idempotency(reg.posted_by)
    batch = None if record is None else record.resolved(ledger.batch).batch
    hit = [c.entry_no for c in batch.capacity_entries if c.entry_no in reversing] if batch else []
    if not hit:
        return reg
    for no in hit:
        total = ledger.capacity_entry(no).output_quantity or ONE
        if ledger.reversed_quantity(ValueSource.CAPACITY, no) + reversing[no] < total:
            raise NotAllowedError(
                action=f"reverse capacity ledger entry {no}",
                reason=f"it posted the job registration of {reg.worker} on {reg.order_id} "
                f"{reg.line_no}/{reg.operation_no}, which is reversed as a whole",
            )
    return revise(reg, reversed_by=key)
