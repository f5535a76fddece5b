"""Application services: load, decide, save, inside a unit of work.

Each service opens the unit of work, reads what it needs, calls the pure ``decide``,
writes the result and commits. A refused command raises before anything is written, so
the store is unchanged. :func:`preview` runs the same decision and rolls back.

>>> import datetime as dt
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.clock import FixedClock
>>> from prodcore.masterdata import Item
>>> from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
>>> from prodcore.orders.model import OrderStatus
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
>>> put_master_data(uow, [Item("TABLE", base_unit="PCS")])
>>> out = handle(uow, CreateOrder("PO-1", "TABLE", 5, due_date=dt.date(2026, 3, 9)), clock=clock)
>>> out.order.status.value, out.order.version
('FIRM_PLANNED', 1)
>>> handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock).order.status.value
'RELEASED'
>>> handle(uow, ChangeStatus("PO-1", OrderStatus.PLANNED), clock=clock)
Traceback (most recent call last):
...
prodcore.errors.InvalidTransitionError: Order 'PO-1' is RELEASED; the command 'change status to PLANNED' is not allowed in that status.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import overload

import attrs

from prodcore.clock import Clock, checked_now
from prodcore.errors import (
    BomCycleError,
    ConcurrencyError,
    DuplicateError,
    IdempotencyConflictError,
    InvalidValueError,
    NotFoundError,
)
from prodcore.ledger.model import IdempotencyRecord, PostingBatch, PostingResult
from prodcore.masterdata import (
    BomLineType,
    ConsumptionBasis,
    Item,
    ManufacturingSetup,
    ProductionBom,
)
from prodcore.orders.execution import (
    ConsumptionLine,
    Execution,
    PostingCommand,
    calculate_consumption,
    decide_posting,
    flush_at_finish,
    flush_at_release,
)
from prodcore.orders.explosion import find_bom_cycle
from prodcore.orders.lifecycle import (
    ChangeStatus,
    CreateOrder,
    LifecycleCommand,
    LifecycleEvent,
    decide,
    evolve,
)
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.orders.quality import (
    QualityCommand,
    RecordQualityResults,
    ResolveQualityOrder,
    decide_quality,
)
from prodcore.orders.subcontracting import (
    CancelSubcontractRequest,
    ReceiveSubcontractedWork,
    RegisterSubcontractRequests,
    ShipToSubcontractor,
    SubcontractingCommand,
    SubcontractRequest,
    UndoSubcontractReceipt,
    calculate_subcontracts,
    decide_subcontracting,
)
from prodcore.ports import MasterDataRecord, MasterDataRepository, UnitOfWork

#: Commands decided against the ledger and answered with a PostingResult (idempotent).
LedgerCommand = PostingCommand | SubcontractingCommand | QualityCommand
_SUBCONTRACTING = (
    RegisterSubcontractRequests,
    CancelSubcontractRequest,
    ReceiveSubcontractedWork,
    UndoSubcontractReceipt,
    ShipToSubcontractor,
)
_QUALITY = (RecordQualityResults, ResolveQualityOrder)
_KEY = "Idempotency key"  # the kind of DuplicateError a store raises for a key

__all__ = [
    "LedgerCommand",
    "Outcome",
    "calculate_consumption_lines",
    "calculate_subcontract_requests",
    "command_hash",
    "handle",
    "preview",
    "put_master_data",
]


@attrs.frozen
class Outcome:
    """What a lifecycle command did: the order after it (None once deleted), the events,
    and for a status change the flushing it posted (release: forward, finish: backward)
    with the finish checks' warnings."""

    order: ProductionOrder | None
    events: tuple[LifecycleEvent, ...]
    posting: PostingBatch | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _decide(
    uow: UnitOfWork, command: LifecycleCommand, clock: Clock
) -> tuple[ProductionOrder | None, Outcome, Execution | None]:
    before: ProductionOrder | None
    try:
        before = uow.orders.get(command.order_id)
    except NotFoundError:
        if not isinstance(command, CreateOrder):
            raise
        before = None
    at = checked_now(clock)
    flush: Execution | None = None
    current = before
    finishing = (
        isinstance(command, ChangeStatus)
        and command.to_status is OrderStatus.FINISHED
        and before is not None
        and before.status is OrderStatus.RELEASED
    )
    if finishing:
        assert before is not None and isinstance(command, ChangeStatus)
        flush = flush_at_finish(
            before,
            uow.master_data,
            uow.ledger,
            at,
            f"{before.id}/finish",
            finish_without_output=command.finish_without_output,
        )
        current = _with_postings(flush.orders[0], flush)
    events = decide(current, command, uow.master_data, at)
    after = current
    for event in events:
        after = evolve(after, event)
    releasing = (
        isinstance(command, ChangeStatus)
        and command.to_status is OrderStatus.RELEASED
        and after is not None
    )
    if releasing:
        assert after is not None
        flush = flush_at_release(after, uow.master_data, uow.ledger, at, f"{after.id}/release")
        after = _with_postings(flush.orders[0], flush)
    if after is not None:
        after = attrs.evolve(after, version=(before.version if before else 0) + 1)
    outcome = Outcome(
        after,
        events,
        flush.batch if flush and not flush.batch.is_empty else None,
        flush.warnings if flush else (),
        flush.notes if flush else (),
    )
    return before, outcome, flush


def _with_postings(order: ProductionOrder, flush: Execution) -> ProductionOrder:
    if flush.batch.is_empty:
        return order
    return attrs.evolve(order, has_postings=True)


@overload
def handle(
    uow: UnitOfWork, command: LifecycleCommand, *, clock: Clock, retries: int = 0
) -> Outcome: ...
@overload
def handle(
    uow: UnitOfWork, command: LedgerCommand, *, clock: Clock, retries: int = 0
) -> PostingResult: ...
def handle(
    uow: UnitOfWork,
    command: LifecycleCommand | LedgerCommand,
    *,
    clock: Clock,
    retries: int = 0,
) -> Outcome | PostingResult:
    """Decide ``command`` and commit its effect atomically (or raise and change nothing).

    Lifecycle commands return an :class:`Outcome`; releasing runs forward flushing and
    finishing runs backward flushing and the finish checks, in the same unit of work.
    Posting commands (:data:`~prodcore.orders.execution.PostingCommand`, and the
    subcontracting and quality commands of :data:`LedgerCommand`) return a
    :class:`~prodcore.ledger.model.PostingResult`; repeating one with the same
    idempotency key returns the first result and posts nothing, and reusing a key for a
    different command raises :class:`~prodcore.errors.IdempotencyConflictError`.

    ``retries``: when the commit meets a concurrent change
    (:class:`~prodcore.errors.ConcurrencyError`, or the command's idempotency key
    committed meanwhile), the whole command is loaded and decided
    again in a fresh unit of work, up to ``retries`` times, then the error is raised.
    This is safe because decisions are pure and posting commands idempotent: a retry
    that finds its key already committed returns that result and posts nothing.
    """
    if retries < 0:
        raise InvalidValueError(field="retries", value=retries, reason="must not be negative")
    attempt = 0
    while True:
        try:
            return _handle_once(uow, command, clock)
        except (ConcurrencyError, DuplicateError) as err:
            # a key committed meanwhile (the same command, racing): the retry returns it
            lost_key = isinstance(err, ConcurrencyError) or err.fields.get("kind") == _KEY
            if not lost_key or attempt >= retries:
                raise
            attempt += 1


def _handle_once(
    uow: UnitOfWork, command: LifecycleCommand | LedgerCommand, clock: Clock, *, commit: bool = True
) -> Outcome | PostingResult:
    if not isinstance(command, LifecycleCommand):
        return _post(uow, command, clock, commit=commit)
    with uow:
        before, outcome, _flush = _decide(uow, command, clock)
        after = outcome.order
        if before is None and after is not None:
            uow.orders.add(after)
        elif before is not None and after is None:
            uow.orders.delete(before.id, expected_version=before.version)
        elif before is not None and after is not None:
            uow.orders.save(after, expected_version=before.version)
        if outcome.posting is not None:
            outcome = attrs.evolve(outcome, posting=uow.ledger.append(outcome.posting))
        if commit:
            uow.commit()
    return outcome


#: Fields a command gained after it was first released, with the default that keeps its
#: old meaning: left out of the hash at that default, so keys stored before still match.
_ADDED_FIELDS: dict[str, dict[str, object]] = {"ReverseEntry": {"posted_at": None}}


def command_hash(command: LedgerCommand) -> str:
    """SHA-256 of the command's canonical JSON (sorted keys, no spaces); a field added
    later is left out while it has its default (the hash stays what it was before)."""
    from prodcore.serialization import to_jsonable

    data = to_jsonable(command)
    for name, default in _ADDED_FIELDS.get(type(command).__name__, {}).items():
        if data.get(name, default) == default:
            data.pop(name, None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _decide_ledger_command(
    command: LedgerCommand,
    get_order: Callable[[str], ProductionOrder],
    uow: UnitOfWork,
    clock: Clock,
) -> Execution:
    now = checked_now(clock)
    if isinstance(command, _SUBCONTRACTING):
        return decide_subcontracting(command, get_order, uow.master_data, uow.ledger, now)
    if isinstance(command, _QUALITY):
        return decide_quality(command, get_order, uow.master_data, uow.ledger, now)
    return decide_posting(command, get_order, uow.master_data, uow.ledger, now)


def _post(
    uow: UnitOfWork, command: LedgerCommand, clock: Clock, *, commit: bool = True
) -> PostingResult:
    digest = command_hash(command)
    with uow:
        known = uow.ledger.idempotency(command.idempotency_key)
        if known is not None:
            if known.command_hash != digest:
                raise IdempotencyConflictError(key=command.idempotency_key)
            return known.result
        before: dict[str, ProductionOrder] = {}

        def get_order(order_id: str) -> ProductionOrder:
            if order_id not in before:
                before[order_id] = uow.orders.get(order_id)
            return before[order_id]

        execution = _decide_ledger_command(command, get_order, uow, clock)
        versions: list[tuple[str, int]] = []
        for order in execution.orders:
            old = before[order.id]
            if order == old:
                continue
            new = attrs.evolve(
                order,
                version=old.version + 1,
                has_postings=order.has_postings or not execution.batch.is_empty,
            )
            uow.orders.save(new, expected_version=old.version)
            versions.append((new.id, new.version))
        batch = None if execution.batch.is_empty else uow.ledger.append(execution.batch)
        result = PostingResult(
            type(command).__name__, batch, tuple(versions), execution.warnings, execution.notes
        )
        uow.ledger.remember(IdempotencyRecord(command.idempotency_key, digest, result))
        if commit:
            uow.commit()
    return result


def calculate_consumption_lines(
    uow: UnitOfWork, order_ids: Sequence[str], basis: ConsumptionBasis | None = None
) -> tuple[ConsumptionLine, ...]:
    """BC's "Calculate Consumption" over released orders: the lines of a consumption
    journal to review and post with :class:`~prodcore.orders.execution.PostConsumption`."""
    with uow:
        orders = [uow.orders.get(order_id) for order_id in order_ids]
        return calculate_consumption(orders, uow.master_data, basis)


def calculate_subcontract_requests(
    uow: UnitOfWork, order_ids: Sequence[str] | None = None, *, work_center_no: str | None = None
) -> tuple[SubcontractRequest, ...]:
    """BC's subcontracting worksheet over released orders (all, or ``order_ids``): the
    purchase requests to hand to purchasing, then to register with
    :class:`~prodcore.orders.subcontracting.RegisterSubcontractRequests`."""
    with uow:
        if order_ids is None:
            orders = uow.orders.list(status=OrderStatus.RELEASED)
        else:
            orders = [uow.orders.get(order_id) for order_id in order_ids]
        return calculate_subcontracts(orders, uow.master_data, work_center_no=work_center_no)


@overload
def preview(uow: UnitOfWork, command: LifecycleCommand, *, clock: Clock) -> Outcome: ...
@overload
def preview(uow: UnitOfWork, command: LedgerCommand, *, clock: Clock) -> PostingResult: ...
def preview(
    uow: UnitOfWork, command: LifecycleCommand | LedgerCommand, *, clock: Clock
) -> Outcome | PostingResult:
    """What ``command`` would do (what-if), without writing anything: decided and staged
    exactly as :func:`handle` does (same checks, same errors, the entries it would post,
    numbered as they would be now), then rolled back."""
    return _handle_once(uow, command, clock, commit=False)


def put_master_data(
    uow: UnitOfWork,
    records: Iterable[MasterDataRecord],
    *,
    setup: ManufacturingSetup | None = None,
) -> None:
    """Insert or replace master data records in one unit of work.

    BOM cycles (through phantoms or produced components) are refused with a
    :class:`~prodcore.errors.BomCycleError` naming the cycle, and nothing is written.
    """
    with uow:
        if setup is not None:
            uow.master_data.put_setup(setup)
        items: set[str] = set()
        boms: set[str] = set()
        for record in records:
            uow.master_data.put(record)
            if isinstance(record, Item):
                items.add(record.no)
            elif isinstance(record, ProductionBom):
                boms.add(record.no)
        if items or boms:
            _refuse_bom_cycles(uow.master_data, items, boms)
        uow.commit()


def _refuse_bom_cycles(md: MasterDataRepository, items: set[str], boms: set[str]) -> None:
    """Raise :class:`~prodcore.errors.BomCycleError` if the item graph has a cycle.

    A new cycle (or a broken reference) comes through a record just written, so the
    search starts from the written items and the items whose BOM is, or takes through
    phantom lines, a written BOM: it does not walk the whole catalogue on every put
    (which made loading items one at a time quadratic). Whatever that search finds, the
    search over every item runs again and reports it, so errors read as they always have.
    """
    roots = set(items)
    if boms:
        using = set(boms)  # BOMs that are, or take in through phantoms, a written BOM
        parents: dict[str, set[str]] = {}
        for bom in md.boms():
            for lines in (bom.lines, *(v.lines for v in bom.versions)):
                for line in lines:
                    if line.type is BomLineType.PRODUCTION_BOM:
                        parents.setdefault(line.no, set()).add(bom.no)
        todo = list(boms)
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in using:
                    using.add(parent)
                    todo.append(parent)
        roots.update(i.no for i in md.items() if i.production_bom_no in using)
    try:
        found = find_bom_cycle(md, sorted(roots)) is not None
    except Exception:  # a broken reference: the full search below raises it as before
        found = True
    if found:
        cycle = find_bom_cycle(md, (i.no for i in md.items()))
        if cycle is not None:
            raise BomCycleError(cycle=cycle)
