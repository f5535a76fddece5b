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

from collections.abc import Iterable

import attrs

from prodcore.clock import Clock
from prodcore.errors import BomCycleError, NotFoundError
from prodcore.masterdata import Item, ManufacturingSetup, ProductionBom
from prodcore.orders.explosion import find_bom_cycle
from prodcore.orders.lifecycle import (
    CreateOrder,
    LifecycleCommand,
    LifecycleEvent,
    decide,
    evolve,
)
from prodcore.orders.model import ProductionOrder
from prodcore.ports import MasterDataRecord, UnitOfWork

__all__ = ["Outcome", "handle", "preview", "put_master_data"]


@attrs.frozen
class Outcome:
    """What a command did: the order after it (None once deleted) and the events."""

    order: ProductionOrder | None
    events: tuple[LifecycleEvent, ...]


def _decide(
    uow: UnitOfWork, command: LifecycleCommand, clock: Clock
) -> tuple[ProductionOrder | None, Outcome]:
    before: ProductionOrder | None
    try:
        before = uow.orders.get(command.order_id)
    except NotFoundError:
        if not isinstance(command, CreateOrder):
            raise
        before = None
    events = decide(before, command, uow.master_data, clock.now())
    after = before
    for event in events:
        after = evolve(after, event)
    if after is not None:
        after = attrs.evolve(after, version=(before.version if before else 0) + 1)
    return before, Outcome(after, events)


def handle(uow: UnitOfWork, command: LifecycleCommand, *, clock: Clock) -> Outcome:
    """Decide ``command`` and commit its effect atomically (or raise and change nothing)."""
    with uow:
        before, outcome = _decide(uow, command, clock)
        after = outcome.order
        if before is None and after is not None:
            uow.orders.add(after)
        elif before is not None and after is None:
            uow.orders.delete(before.id, expected_version=before.version)
        elif before is not None and after is not None:
            uow.orders.save(after, expected_version=before.version)
        uow.commit()
    return outcome


def preview(uow: UnitOfWork, command: LifecycleCommand, *, clock: Clock) -> Outcome:
    """What ``command`` would do (what-if), without writing anything."""
    with uow:
        return _decide(uow, command, clock)[1]


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
        touched_bom = False
        for record in records:
            uow.master_data.put(record)
            touched_bom = touched_bom or isinstance(record, Item | ProductionBom)
        if touched_bom:
            cycle = find_bom_cycle(uow.master_data, (i.no for i in uow.master_data.items()))
            if cycle is not None:
                raise BomCycleError(cycle=cycle)
        uow.commit()
