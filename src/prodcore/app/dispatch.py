"""The one way in: a table from each command type to its handler, and :func:`handle` and
:func:`preview` over it.

Adding a command means: its class (in :data:`prodcore.commands.Command`, with a wire
tag), its decider, and one line in :data:`HANDLERS`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Protocol, overload

import attrs

from prodcore.app._forwarding import ForwardingUnitOfWork
from prodcore.app.costing import adjust, implement
from prodcore.app.item_costing import adjust_items, correct_inbound
from prodcore.app.masterdata import put
from prodcore.app.orders import Outcome, lifecycle, split
from prodcore.app.postings import ledger_handler
from prodcore.app.scheduling import schedule
from prodcore.clock import Clock
from prodcore.commands import Command, LedgerCommand, PutMasterData, ScheduleOrder
from prodcore.costing.adjustment import AdjustCost
from prodcore.costing.item_adjustment import AdjustItemCosts, CorrectInboundCost
from prodcore.costing.standard import ImplementStandardCost, StandardCostChange
from prodcore.errors import ConcurrencyError, InvalidValueError, KeyTakenError
from prodcore.ledger.model import PostingBatch, PostingResult
from prodcore.numbers import in_own_context
from prodcore.orders.execution import (
    AdjustInventory,
    PickComponents,
    PostByProduct,
    PostCapacity,
    PostConsumption,
    PostOutput,
    PostProductionJournal,
    ReverseEntry,
    decide_posting,
)
from prodcore.orders.lifecycle import (
    AddComponent,
    CancelOrder,
    ChangeComponent,
    ChangeD365Status,
    ChangeOperation,
    ChangeOrder,
    ChangeOrderQuantity,
    ChangeStatus,
    CreateOrder,
    DeleteOrder,
    HoldOrder,
    LifecycleCommand,
    RefreshOrder,
    ReleaseHold,
    RemoveComponent,
)
from prodcore.orders.picking import ReturnSurplus, decide_return_surplus
from prodcore.orders.quality import RecordQualityResults, ResolveQualityOrder, decide_quality
from prodcore.orders.registering import RegisterJobEvent, decide_job_event
from prodcore.orders.reverse_all import ReverseOrderPostings, decide_reverse_all
from prodcore.orders.splitting import SplitOrder
from prodcore.orders.subcontracting import (
    CancelSubcontractRequest,
    ReceiveSubcontractedWork,
    RegisterSubcontractRequests,
    ShipToSubcontractor,
    UndoSubcontractReceipt,
    decide_subcontracting,
)
from prodcore.ports import LedgerRepository, UnitOfWork
from prodcore.scheduling.schedule import ScheduleResult

__all__ = ["HANDLERS", "Handler", "Result", "handle", "preview"]

#: What a handler answers (by command: see :func:`handle`).
Result = Outcome | PostingResult | ScheduleResult | tuple[StandardCostChange, ...] | None


class Handler(Protocol):
    """Decides ``command`` in ``uow`` and writes its effect, committed when ``commit``
    (else rolled back when the unit of work closes: a preview)."""

    def __call__(self, uow: UnitOfWork, command: Any, clock: Clock, *, commit: bool) -> Any: ...


_posting = ledger_handler(decide_posting)
_subcontracting = ledger_handler(decide_subcontracting)
_quality = ledger_handler(decide_quality)
_reverse_all = ledger_handler(decide_reverse_all)
_return_surplus = ledger_handler(decide_return_surplus)


def _job_event(uow: UnitOfWork, command: RegisterJobEvent, clock: Clock, *, commit: bool) -> Any:
    # the worker's registrations on every order, read (and noted) through the store
    decide = functools.partial(
        decide_job_event,
        worker_registrations=lambda worker, at: uow.orders.registrations(worker, after=at),
    )
    return ledger_handler(decide)(uow, command, clock, commit=commit)


#: The handler of every command type.
HANDLERS: Mapping[type[Command], Handler] = {
    CreateOrder: lifecycle,
    RefreshOrder: lifecycle,
    ChangeOrder: lifecycle,
    ChangeStatus: lifecycle,
    AddComponent: lifecycle,
    ChangeComponent: lifecycle,
    RemoveComponent: lifecycle,
    ChangeOperation: lifecycle,
    DeleteOrder: lifecycle,
    PostConsumption: _posting,
    PostOutput: _posting,
    PostProductionJournal: _posting,
    PostCapacity: _posting,
    PickComponents: _posting,
    ReverseEntry: _posting,
    AdjustInventory: _posting,
    PostByProduct: _posting,
    RegisterSubcontractRequests: _subcontracting,
    CancelSubcontractRequest: _subcontracting,
    ReceiveSubcontractedWork: _subcontracting,
    UndoSubcontractReceipt: _subcontracting,
    ShipToSubcontractor: _subcontracting,
    RecordQualityResults: _quality,
    ResolveQualityOrder: _quality,
    AdjustCost: adjust,
    ImplementStandardCost: implement,
    ScheduleOrder: schedule,
    PutMasterData: put,
    ChangeOrderQuantity: lifecycle,
    HoldOrder: lifecycle,
    ReleaseHold: lifecycle,
    CancelOrder: lifecycle,
    ChangeD365Status: lifecycle,
    SplitOrder: split,
    ReverseOrderPostings: _reverse_all,
    ReturnSurplus: _return_surplus,
    RegisterJobEvent: _job_event,
    CorrectInboundCost: correct_inbound,
    AdjustItemCosts: adjust_items,
}


@overload
def handle(
    uow: UnitOfWork,
    command: LifecycleCommand | SplitOrder,
    *,
    clock: Clock,
    retries: int = 0,
    user: str | None = None,
    source: str | None = None,
) -> Outcome: ...
@overload
def handle(
    uow: UnitOfWork,
    command: LedgerCommand | AdjustCost | CorrectInboundCost | AdjustItemCosts,
    *,
    clock: Clock,
    retries: int = 0,
    user: str | None = None,
    source: str | None = None,
) -> PostingResult: ...
@overload
def handle(
    uow: UnitOfWork,
    command: ScheduleOrder,
    *,
    clock: Clock,
    retries: int = 0,
    user: str | None = None,
    source: str | None = None,
) -> ScheduleResult: ...
@overload
def handle(
    uow: UnitOfWork,
    command: ImplementStandardCost,
    *,
    clock: Clock,
    retries: int = 0,
    user: str | None = None,
    source: str | None = None,
) -> tuple[StandardCostChange, ...]: ...
@overload
def handle(
    uow: UnitOfWork,
    command: PutMasterData,
    *,
    clock: Clock,
    retries: int = 0,
    user: str | None = None,
    source: str | None = None,
) -> None: ...
@overload
def handle(
    uow: UnitOfWork,
    command: Command,
    *,
    clock: Clock,
    retries: int = 0,
    user: str | None = None,
    source: str | None = None,
) -> Result: ...
@in_own_context
def handle(
    uow: UnitOfWork,
    command: Command,
    *,
    clock: Clock,
    retries: int = 0,
    user: str | None = None,
    source: str | None = None,
) -> Result:
    """Decide ``command`` and commit its effect atomically (or raise and change nothing).

    Lifecycle commands return an :class:`~prodcore.app.orders.Outcome`; releasing runs
    forward flushing and finishing runs backward flushing and the finish checks, in the
    same unit of work. Ledger commands (posting, subcontracting, quality) and
    :class:`~prodcore.costing.adjustment.AdjustCost` return a
    :class:`~prodcore.ledger.model.PostingResult`; repeating one with the same
    idempotency key returns the first result and posts nothing, and reusing a key for a
    different command raises :class:`~prodcore.errors.IdempotencyConflictError`.
    :class:`~prodcore.commands.ScheduleOrder` returns the schedule,
    :class:`~prodcore.costing.standard.ImplementStandardCost` the standard cost changes,
    :class:`~prodcore.commands.PutMasterData` nothing.

    ``retries``: when the commit meets a concurrent change
    (:class:`~prodcore.errors.ConcurrencyError`, or
    :class:`~prodcore.errors.KeyTakenError`: the command's idempotency key committed
    meanwhile), the whole command is loaded and decided again in a fresh unit of work,
    up to ``retries`` times, then the error is raised.

    ``user`` and ``source`` (who posts, and through what: a service's user, ``"http"``)
    are stamped on every batch the command posts, so the ledger says who posted what; a
    replayed command returns the first result, stamped as it was then. This is safe because decisions
    are pure and ledger commands idempotent: a retry that finds its key already
    committed returns that result and posts nothing.

    A caller's mistake (``uow`` not a unit of work, e.g. the store or its factory;
    ``command`` not a prodcore command; ``clock`` not a clock) raises
    :class:`~prodcore.errors.InvalidValueError`:

    >>> import datetime as dt
    >>> from prodcore.adapters.memory import InMemoryStore
    >>> from prodcore.clock import FixedClock
    >>> store = InMemoryStore()
    >>> handle(store, ImplementStandardCost(), clock=FixedClock(dt.datetime(2026, 3, 2, tzinfo=dt.UTC)))
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for uow: ...not a unit of work...
    """
    handler = _handler(uow, command, clock)
    if retries < 0:
        raise InvalidValueError(field="retries", value=retries, reason="must not be negative")
    uow = _stamping(uow, user, source)
    attempt = 0
    while True:
        try:
            result: Result = handler(uow, command, clock, commit=True)
            return result
        except (KeyTakenError, ConcurrencyError):
            if attempt >= retries:
                raise
            attempt += 1


@overload
def preview(
    uow: UnitOfWork,
    command: LifecycleCommand | SplitOrder,
    *,
    clock: Clock,
    user: str | None = None,
    source: str | None = None,
) -> Outcome: ...
@overload
def preview(
    uow: UnitOfWork,
    command: LedgerCommand | AdjustCost | CorrectInboundCost | AdjustItemCosts,
    *,
    clock: Clock,
    user: str | None = None,
    source: str | None = None,
) -> PostingResult: ...
@overload
def preview(
    uow: UnitOfWork,
    command: ScheduleOrder,
    *,
    clock: Clock,
    user: str | None = None,
    source: str | None = None,
) -> ScheduleResult: ...
@overload
def preview(
    uow: UnitOfWork,
    command: ImplementStandardCost,
    *,
    clock: Clock,
    user: str | None = None,
    source: str | None = None,
) -> tuple[StandardCostChange, ...]: ...
@overload
def preview(
    uow: UnitOfWork,
    command: PutMasterData,
    *,
    clock: Clock,
    user: str | None = None,
    source: str | None = None,
) -> None: ...
@overload
def preview(
    uow: UnitOfWork,
    command: Command,
    *,
    clock: Clock,
    user: str | None = None,
    source: str | None = None,
) -> Result: ...
@in_own_context
def preview(
    uow: UnitOfWork,
    command: Command,
    *,
    clock: Clock,
    user: str | None = None,
    source: str | None = None,
) -> Result:
    """What ``command`` would do (what-if), without writing anything: decided and staged
    exactly as :func:`handle` does (same checks, same errors, the entries it would post,
    numbered as they would be now), then rolled back."""
    handler = _handler(uow, command, clock)
    result: Result = handler(_stamping(uow, user, source), command, clock, commit=False)
    return result


#: What a unit of work has (a store or a store factory lacks some of it).
_UNIT_OF_WORK = ("orders", "master_data", "ledger", "commit", "rollback", "__enter__", "__exit__")


def _handler(uow: UnitOfWork, command: Command, clock: Clock) -> Handler:
    """The command's handler, after checking the arguments are what they claim to be."""
    if not _is_unit_of_work(uow):
        raise InvalidValueError(
            field="uow",
            value=uow,
            reason="not a unit of work: pass one (e.g. InMemoryUnitOfWork(store), or "
            "what a store factory returns), not the store or its factory",
        )
    if not callable(getattr(clock, "now", None)):
        raise InvalidValueError(field="clock", value=clock, reason="not a clock (no now())")
    handler = HANDLERS.get(type(command))
    if handler is None:
        raise InvalidValueError(field="command", value=command, reason="not a prodcore command")
    return handler


def _is_unit_of_work(uow: object) -> bool:
    """Whether ``uow`` has what a unit of work has: looked up on its class where it can
    be, without calling them (a unit of work may make its repositories when first asked
    for them), else on ``uow`` (a wrapper that forwards what it is asked for)."""
    cls = type(uow)
    known = _UNIT_CLASSES.get(cls)
    if known is None:
        known = _UNIT_CLASSES[cls] = all(hasattr(cls, name) for name in _UNIT_OF_WORK)
    return known or all(hasattr(uow, name) for name in _UNIT_OF_WORK)


#: Whether each class met has, as a class, what a unit of work has.
_UNIT_CLASSES: dict[type, bool] = {}


def _stamping(uow: UnitOfWork, user: str | None, source: str | None) -> UnitOfWork:
    """``uow`` whose appended batches carry ``user`` and ``source`` (``uow`` itself when
    there is nothing to stamp)."""
    if user is None and source is None:
        return uow
    return _StampingUnitOfWork(uow, user, source)


class _StampingUnitOfWork(ForwardingUnitOfWork):
    """A unit of work that stamps who posted on every batch appended through it."""

    def __init__(self, uow: UnitOfWork, user: str | None, source: str | None) -> None:
        super().__init__(uow)
        self._user = user
        self._source = source

    @property
    def ledger(self) -> LedgerRepository:
        # asked each time: a unit of work may start a fresh ledger on enter and commit
        return _StampingLedger(self._uow.ledger, self._user, self._source)


class _StampingLedger:
    """``ledger`` with ``append`` stamping the batch; everything else is the ledger's."""

    def __init__(self, ledger: LedgerRepository, user: str | None, source: str | None) -> None:
        self._ledger = ledger
        self._user = user
        self._source = source

    def append(self, batch: PostingBatch) -> PostingBatch:
        return self._ledger.append(attrs.evolve(batch, user=self._user, source=self._source))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)
