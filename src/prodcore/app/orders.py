"""The lifecycle handler: load the order, flush before finishing, decide, evolve, flush
after releasing, save, in one unit of work; and the split handler."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from prodcore.app.boundary import checked_command, vouch
from prodcore.clock import Clock, checked_now
from prodcore.errors import InvalidValueError
from prodcore.ledger.model import PostingBatch
from prodcore.numbers import ZERO
from prodcore.orders.d365 import flush_at_start, report_as_finished
from prodcore.orders.execution import Execution, flush_at_finish, flush_at_release
from prodcore.orders.lifecycle import (
    D365_TRANSITIONS,
    ChangeD365Status,
    ChangeStatus,
    CreateOrder,
    LifecycleCommand,
    LifecycleEvent,
    RefreshOrder,
    decide,
    evolve,
)
from prodcore.orders.model import D365Status, OrderStatus, ProductionOrder
from prodcore.orders.profiles import D365_RESETS
from prodcore.orders.splitting import SplitOrder, split_order
from prodcore.ports import UnitOfWork
from prodcore.records import revise

__all__ = ["Outcome", "lifecycle", "split"]


@attrs.frozen
class Outcome:
    """What a lifecycle command did: the order after it (None once deleted), the events,
    and the flushing it posted (forward when the order is released, created as Released
    or refreshed while Released; backward when it is finished) with the finish checks'
    warnings; ``created``: the order a split or a backorder created."""

    order: ProductionOrder | None
    events: tuple[LifecycleEvent, ...]
    posting: PostingBatch | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    created: tuple[ProductionOrder, ...] = ()


def lifecycle(uow: UnitOfWork, command: LifecycleCommand, clock: Clock, *, commit: bool) -> Outcome:
    """Decide a lifecycle command and save its effect (committed when ``commit``).

    The order of the steps is BC's: finishing flushes backward *before* the status
    changes (the finish checks see the flushed entries), releasing flushes forward
    *after* it (the released order's lines are what is flushed). A backorder is split
    off before finishing, so the origin finishes at what it produced. Orders of the D365
    profile flush at Start and post output at Report as finished (after the move), and
    finish when Ended (before it).
    """
    checked_command(command)  # so the store takes what is decided from it unchecked
    with uow:
        before = _load(uow, command)
        at = checked_now(clock)
        current, backorder = _split_backorder(uow, before, command, at)
        current, finish_flush = _flush_before_finishing(uow, current, command, at)
        events = decide(current, command, uow.master_data, at)
        reset = _is_reset(current, command)
        after, release_flush = _flush_after_releasing(
            uow, _evolve(current, events), command, at, reset=reset
        )
        flush = finish_flush if finish_flush is not None else release_flush
        posted = flush is not None and not flush.batch.is_empty
        if after is not None:
            after = vouch(uow, _saved(after, (before.version if before else 0) + 1, posted))
        _save(uow, before, after)
        created: tuple[ProductionOrder, ...] = ()
        if backorder is not None:
            created = (vouch(uow, revise(backorder, version=1)),)
            uow.orders.add(created[0])
        posting = None
        if flush is not None and not flush.batch.is_empty:
            posting = uow.ledger.append(vouch(uow, flush.batch))
        outcome = Outcome(
            after,
            events,
            posting,
            flush.warnings if flush else (),
            flush.notes if flush else (),
            created,
        )
        if commit:
            uow.commit()
    return outcome


def split(uow: UnitOfWork, command: SplitOrder, clock: Clock, *, commit: bool) -> Outcome:
    """Split an order (:func:`~prodcore.orders.splitting.split_order`): the origin saved,
    the new order added, in one unit of work."""
    with uow:
        before = uow.orders.get(command.order_id)
        origin, new = split_order(before, command, uow.master_data, checked_now(clock))
        origin = revise(origin, version=before.version + 1)
        uow.orders.save(origin, expected_version=before.version)
        new = revise(new, version=1)
        uow.orders.add(new)
        if commit:
            uow.commit()
    return Outcome(origin, (), created=(new,))


def _load(uow: UnitOfWork, command: LifecycleCommand) -> ProductionOrder | None:
    """The order before the command; None for an order still to be created."""
    if isinstance(command, CreateOrder):
        return uow.orders.find(command.order_id)
    return uow.orders.get(command.order_id)


def _finishing(order: ProductionOrder | None, command: LifecycleCommand) -> bool:
    """Whether ``command`` finishes the released ``order`` (BC's finish, D365's End); an
    order on hold or cancelled is not (the decision refuses it)."""
    if (
        order is None
        or order.status is not OrderStatus.RELEASED
        or order.posting_refusal is not None
    ):
        return False
    if isinstance(command, ChangeStatus):
        return command.to_status is OrderStatus.FINISHED
    return (
        isinstance(command, ChangeD365Status)
        and command.to_status is D365Status.ENDED
        and (order.d365_status, command.to_status) in D365_TRANSITIONS
    )


def _split_backorder(
    uow: UnitOfWork, order: ProductionOrder | None, command: LifecycleCommand, at: dt.datetime
) -> tuple[ProductionOrder | None, ProductionOrder | None]:
    """Finishing short with backorders on: the remainder of the main line is split off
    to the backorder (nothing is split when nothing or everything is left)."""
    if not (
        isinstance(command, ChangeStatus)
        and _finishing(order, command)
        and order is not None
        and order.lines
        and command.backorder_wanted(uow.master_data.setup.create_backorders)
    ):
        return order, None
    remaining = order.lines[0].remaining_quantity
    if not ZERO < remaining < order.quantity:
        return order, None
    return split_order(
        order,
        SplitOrder(order.id, command.backorder_id or f"{order.id}-BO", remaining),
        uow.master_data,
        at,
    )


def _flush_before_finishing(
    uow: UnitOfWork, order: ProductionOrder | None, command: LifecycleCommand, at: dt.datetime
) -> tuple[ProductionOrder | None, Execution | None]:
    """Backward flushing and the finish checks, when a released order is finished."""
    if order is None or not _finishing(order, command):
        return order, None
    assert isinstance(command, ChangeStatus | ChangeD365Status)
    flush = flush_at_finish(
        order,
        uow.master_data,
        uow.ledger,
        at,
        f"{order.id}/finish",
        finish_without_output=command.finish_without_output,
    )
    return flush.orders[0], flush


def _evolve(
    order: ProductionOrder | None, events: tuple[LifecycleEvent, ...]
) -> ProductionOrder | None:
    for event in events:
        order = evolve(order, event)
    return order


def _flush_after_releasing(
    uow: UnitOfWork,
    order: ProductionOrder | None,
    command: LifecycleCommand,
    at: dt.datetime,
    *,
    reset: bool,
) -> tuple[ProductionOrder | None, Execution | None]:
    """Forward flushing when an order becomes released with fresh lines: changed to
    Released, created as Released, or refreshed while Released (BC flushes forward in all
    three; a refresh is allowed only while nothing is posted, so nothing is flushed twice).
    Under the D365 profile: Start flushing, or the output reported as finished."""
    if order is None:
        return order, None
    md, ledger = uow.master_data, uow.ledger
    if isinstance(command, ChangeD365Status):
        if reset:
            return order, None
        if command.to_status is D365Status.STARTED:
            flush = flush_at_start(order, md, ledger, at, f"{order.id}/start")
        elif command.to_status is D365Status.REPORTED_AS_FINISHED:
            flush = report_as_finished(
                order, md, ledger, at, f"{order.id}/report", _reported(order, command)
            )
        else:
            return order, None
        return flush.orders[0], flush
    if order.status is not OrderStatus.RELEASED:
        return order, None
    if isinstance(command, CreateOrder) or (
        isinstance(command, ChangeStatus) and command.to_status is OrderStatus.RELEASED
    ):
        document_no = f"{order.id}/release"
    elif isinstance(command, RefreshOrder):
        document_no = f"{order.id}/refresh"
    else:
        return order, None
    flush = flush_at_release(order, md, ledger, at, document_no)
    return flush.orders[0], flush


def _is_reset(order: ProductionOrder | None, command: LifecycleCommand) -> bool:
    """Whether ``command`` resets the D365 status of ``order`` (one step back)."""
    return (
        isinstance(command, ChangeD365Status)
        and order is not None
        and (order.d365_status, command.to_status) in D365_RESETS
    )


def _reported(order: ProductionOrder, command: ChangeD365Status) -> Decimal:
    """The quantity reported: the command's, or what is started and not finished."""
    if command.quantity is not None:
        if command.quantity < 0:
            raise InvalidValueError(
                field="quantity", value=command.quantity, reason="must not be negative"
            )
        return command.quantity
    return max(order.started_quantity - order.lines[0].finished_quantity, ZERO)


def _saved(order: ProductionOrder, version: int, posted: bool) -> ProductionOrder:
    """The order as saved: its new ``version``, and marked as having postings when its
    flush ``posted`` (one copy, not one for each; the flushes and decisions in between
    read neither)."""
    if posted:
        return revise(order, version=version, has_postings=True)
    return revise(order, version=version)


def _save(uow: UnitOfWork, before: ProductionOrder | None, after: ProductionOrder | None) -> None:
    if before is None and after is not None:
        uow.orders.add(after)
    elif before is not None and after is None:
        uow.orders.delete(before.id, expected_version=before.version)
    elif before is not None and after is not None:
        uow.orders.save(after, expected_version=before.version)
        if after.status is OrderStatus.FINISHED:  # a finished order needs no capacity
            uow.orders.put_allocations(after.id, ())
