"""The lifecycle handler: load the order, flush before finishing, decide, evolve, flush
after releasing, save, in one unit of work."""

from __future__ import annotations

import datetime as dt

import attrs

from prodcore.clock import Clock, checked_now
from prodcore.errors import NotFoundError
from prodcore.ledger.model import PostingBatch
from prodcore.orders.execution import Execution, flush_at_finish, flush_at_release
from prodcore.orders.lifecycle import (
    ChangeStatus,
    CreateOrder,
    LifecycleCommand,
    LifecycleEvent,
    RefreshOrder,
    decide,
    evolve,
)
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import UnitOfWork

__all__ = ["Outcome", "lifecycle"]


@attrs.frozen
class Outcome:
    """What a lifecycle command did: the order after it (None once deleted), the events,
    and the flushing it posted (forward when the order is released, created as Released
    or refreshed while Released; backward when it is finished) with the finish checks'
    warnings."""

    order: ProductionOrder | None
    events: tuple[LifecycleEvent, ...]
    posting: PostingBatch | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def lifecycle(uow: UnitOfWork, command: LifecycleCommand, clock: Clock, *, commit: bool) -> Outcome:
    """Decide a lifecycle command and save its effect (committed when ``commit``).

    The order of the steps is BC's: finishing flushes backward *before* the status
    changes (the finish checks see the flushed entries), releasing flushes forward
    *after* it (the released order's lines are what is flushed).
    """
    with uow:
        before = _load(uow, command)
        at = checked_now(clock)
        current, finish_flush = _flush_before_finishing(uow, before, command, at)
        events = decide(current, command, uow.master_data, at)
        after, release_flush = _flush_after_releasing(uow, _evolve(current, events), command, at)
        flush = finish_flush if finish_flush is not None else release_flush
        if after is not None:
            after = attrs.evolve(after, version=(before.version if before else 0) + 1)
        _save(uow, before, after)
        posting = None
        if flush is not None and not flush.batch.is_empty:
            posting = uow.ledger.append(flush.batch)
        outcome = Outcome(
            after,
            events,
            posting,
            flush.warnings if flush else (),
            flush.notes if flush else (),
        )
        if commit:
            uow.commit()
    return outcome


def _load(uow: UnitOfWork, command: LifecycleCommand) -> ProductionOrder | None:
    """The order before the command; None for an order still to be created."""
    try:
        return uow.orders.get(command.order_id)
    except NotFoundError:
        if not isinstance(command, CreateOrder):
            raise
        return None


def _flush_before_finishing(
    uow: UnitOfWork, order: ProductionOrder | None, command: LifecycleCommand, at: dt.datetime
) -> tuple[ProductionOrder | None, Execution | None]:
    """Backward flushing and the finish checks, when a released order is finished."""
    if not (
        isinstance(command, ChangeStatus)
        and command.to_status is OrderStatus.FINISHED
        and order is not None
        and order.status is OrderStatus.RELEASED
    ):
        return order, None
    flush = flush_at_finish(
        order,
        uow.master_data,
        uow.ledger,
        at,
        f"{order.id}/finish",
        finish_without_output=command.finish_without_output,
    )
    return _with_postings(flush.orders[0], flush), flush


def _evolve(
    order: ProductionOrder | None, events: tuple[LifecycleEvent, ...]
) -> ProductionOrder | None:
    for event in events:
        order = evolve(order, event)
    return order


def _flush_after_releasing(
    uow: UnitOfWork, order: ProductionOrder | None, command: LifecycleCommand, at: dt.datetime
) -> tuple[ProductionOrder | None, Execution | None]:
    """Forward flushing, when an order becomes released with fresh lines: changed to
    Released, created as Released, or refreshed while Released (BC flushes forward in
    all three; a refresh is allowed only while nothing is posted, so nothing is flushed
    twice)."""
    if order is None or order.status is not OrderStatus.RELEASED:
        return order, None
    if isinstance(command, CreateOrder) or (
        isinstance(command, ChangeStatus) and command.to_status is OrderStatus.RELEASED
    ):
        document_no = f"{order.id}/release"
    elif isinstance(command, RefreshOrder):
        document_no = f"{order.id}/refresh"
    else:
        return order, None
    flush = flush_at_release(order, uow.master_data, uow.ledger, at, document_no)
    return _with_postings(flush.orders[0], flush), flush


def _with_postings(order: ProductionOrder, flush: Execution) -> ProductionOrder:
    if flush.batch.is_empty:
        return order
    return attrs.evolve(order, has_postings=True)


def _save(uow: UnitOfWork, before: ProductionOrder | None, after: ProductionOrder | None) -> None:
    if before is None and after is not None:
        uow.orders.add(after)
    elif before is not None and after is None:
        uow.orders.delete(before.id, expected_version=before.version)
    elif before is not None and after is not None:
        uow.orders.save(after, expected_version=before.version)
