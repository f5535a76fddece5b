"""Item costing services: correcting a receipt's cost and forwarding cost changes along
the item application chain (BC's Adjust Cost - Item Entries), each in one unit of work,
idempotent by key; the rules are in :mod:`prodcore.costing.item_adjustment`.

>>> import datetime as dt
>>> from decimal import Decimal
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.app import handle, put_master_data
>>> from prodcore.clock import FixedClock
>>> from prodcore.masterdata import CostingMethod, Item
>>> from prodcore.orders.journals import AdjustInventory, AdjustmentLine
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
>>> put_master_data(uow, [Item("R", base_unit="PCS", unit_cost=5,
...                            costing_method=CostingMethod.FIFO)])
>>> _ = handle(uow, AdjustInventory("in", (AdjustmentLine("R", 10, unit_cost=Decimal(5)),)),
...            clock=clock)
>>> fixed = handle(uow, CorrectInboundCost("fix", 1, Decimal(6)), clock=clock)
>>> [v.cost_amount_actual for v in fixed.batch.value_entries]
[Decimal('10.00')]
>>> handle(uow, AdjustItemCosts("run-1"), clock=clock).notes
('1 item entries visited in 1 levels; 0 value entries posted.',)
>>> handle(uow, AdjustItemCosts("run-2"), clock=clock).batch is None
True
"""

from __future__ import annotations

import attrs

from prodcore.app.idempotency import idempotent
from prodcore.clock import Clock, checked_now
from prodcore.commands import WIRE_TAGS
from prodcore.costing.item_adjustment import (
    AdjustItemCosts,
    CorrectInboundCost,
    adjust_item_entries,
    inbound_correction,
)
from prodcore.ledger.model import PostingResult
from prodcore.ledger.posting import value_batch
from prodcore.masterdata import MasterData
from prodcore.ports import UnitOfWork

__all__ = ["adjust_items", "correct_inbound"]

#: The document of item cost adjustment's batches (and of its entries of no order).
ADJUST_ITEMS_DOCUMENT = "ADJUST-ITEMS"


def correct_inbound(
    uow: UnitOfWork, command: CorrectInboundCost, clock: Clock, *, commit: bool
) -> PostingResult:
    """The :class:`~prodcore.costing.item_adjustment.CorrectInboundCost` handler: the
    receipt's new cost as one value entry (no batch when it has that cost already)."""
    with uow:
        return idempotent(uow, command, lambda: _correct(uow, command, clock), commit=commit)


def _correct(uow: UnitOfWork, command: CorrectInboundCost, clock: Clock) -> PostingResult:
    at = checked_now(clock)
    setup = uow.master_data.setup
    document_no = command.document_no or f"COST-{command.entry_no}"
    values = inbound_correction(
        uow.ledger,
        uow.master_data.item,
        command,
        currency=setup.currency,
        rounding=setup.amount_rounding,
        at=at,
        document_no=document_no,
    )
    if not values:
        return PostingResult(WIRE_TAGS[CorrectInboundCost], None)
    batch = value_batch(
        values,
        uow.ledger.posting_setup,
        document_no=document_no,
        posted_at=at,
        idempotency_key=command.idempotency_key,
    )
    return PostingResult(WIRE_TAGS[CorrectInboundCost], uow.ledger.append(batch))


def adjust_items(
    uow: UnitOfWork, command: AdjustItemCosts, clock: Clock, *, commit: bool
) -> PostingResult:
    """The :class:`~prodcore.costing.item_adjustment.AdjustItemCosts` handler: forwards
    the marked changes and writes each revalued average-cost item's new unit cost on
    its card. A run posts a batch per level; the result's batch is the first, the one
    posted under the command's key (None: nothing to forward); a note counts the entries
    visited, the levels and the value entries posted."""
    with uow:
        return idempotent(uow, command, lambda: _adjust(uow, command, clock), commit=commit)


def _adjust(uow: UnitOfWork, command: AdjustItemCosts, clock: Clock) -> PostingResult:
    md = MasterData.lazy(uow.master_data)
    run = adjust_item_entries(
        uow.ledger,
        md,
        uow.orders.get,
        at=checked_now(clock),
        document_no=ADJUST_ITEMS_DOCUMENT,
        idempotency_key=command.idempotency_key,
    )
    for no, unit_cost in run.average_costs:
        item = md.item(no)
        if item.unit_cost != unit_cost:
            uow.master_data.put(attrs.evolve(item, unit_cost=unit_cost))
    notes = (
        (
            f"{run.visited} item entries visited in {run.levels} levels; "
            f"{len(run.value_entries)} value entries posted."
        ),
    )
    # a run of several levels posts a batch per level; the first is posted under the
    # command's key, so the result (and its idempotency record) names that one
    first = run.batches[0] if run.batches else None
    return PostingResult(WIRE_TAGS[AdjustItemCosts], first, warnings=run.warnings, notes=notes)
