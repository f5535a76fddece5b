"""The command that registers a job event (:class:`RegisterJobEvent`) and its pure
decider :func:`decide_job_event`.

The order keeps its registrations; a start, pause or resume changes only them, a stop
also posts the registered time and the quantities reported as an ordinary output
posting (:class:`~prodcore.orders.journals.PostOutput`): capacity entries with a posting
date, the user and source of the batch, reversible like any posting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs

from prodcore.errors import NotAllowedError
from prodcore.ledger.reader import LedgerReader
from prodcore.numbers import Duration, TimeUnit
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

__all__ = ["RegisterJobEvent", "decide_job_event", "find_registrations", "output_lines"]


@attrs.frozen
class RegisterJobEvent:
    """Register a start, pause, resume or stop of a worker on an operation; a stop
    posts its time and quantities at ``posting_date`` (None: the clock's date)."""

    idempotency_key: str
    event: JobEvent = attrs.field(validator=attrs.validators.instance_of(JobEvent))
    document_no: str = ""
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True)
    name = "register job event"


def decide_job_event(
    command: RegisterJobEvent,
    get_order: Callable[[str], ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
) -> Execution:
    """The order with the event folded into its registrations and, on a stop, the
    output posting; a refusal (:class:`~prodcore.errors.NotAllowedError`) changes
    nothing.

    Overlap, order and pause rules are checked over the worker's registrations on this
    order (see :class:`~prodcore.orders.registration.JobBoard`).
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
    board = JobBoard(order.registrations).apply(event)
    registered = attrs.evolve(order, registrations=board.registrations)
    if event.type is not JobEventType.STOP:
        b = PostingBuilder(
            md, ledger, get_order, at, command.document_no or command.idempotency_key
        )
        return attrs.evolve(b.result(command.idempotency_key), orders=(registered,))
    # the worker's latest registration is the one this stop closed
    stopped = board.for_worker(event.worker)[-1]
    posting = PostOutput(
        command.idempotency_key,
        output_lines((stopped,)),
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
