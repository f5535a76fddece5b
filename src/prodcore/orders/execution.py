"""Execution: the decision of a posting command.

:func:`decide_posting` decides a posting command (:mod:`prodcore.orders.journals`) into
an :class:`~prodcore.orders.builder.Execution`: the orders as they are afterwards and
one balanced :class:`~prodcore.ledger.model.PostingBatch` (with local entry references)
for the store to append. The order counters (consumed, finished, posted times, routing
status) move with the entries. Each command is routed to its operation on one
:class:`~prodcore.orders.builder.PostingBuilder`: :mod:`~prodcore.orders.consumption`,
:mod:`~prodcore.orders.output`, :mod:`~prodcore.orders.capacity`,
:mod:`~prodcore.orders.reversal`. Release and finish flushing live in
:mod:`prodcore.orders.finishing`.

The journal names and the flushing functions are importable from here too, as before
the engine was split by operation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from typing import assert_never

from prodcore.errors import InvalidValueError
from prodcore.ledger.model import ValueSource
from prodcore.ledger.reader import LedgerReader
from prodcore.numbers import in_own_context
from prodcore.orders.builder import (
    BY_PRODUCT,
    QUALITY_SCRAP,
    SUBCONTRACT_RECEIPT,
    Execution,
    PostingBuilder,
)
from prodcore.orders.capacity import post_capacity
from prodcore.orders.consumption import adjust, by_product, consume_journal
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.finishing import flush_at_finish, flush_at_release
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ByProductLine,
    CapacityLine,
    ConsumptionLine,
    OutputLine,
    PickComponents,
    PickLine,
    PostByProduct,
    PostCapacity,
    PostConsumption,
    PostingCommand,
    PostOutput,
    PostProductionJournal,
    ReverseEntry,
    calculate_consumption,
    explode_routing,
    production_journal,
)
from prodcore.orders.model import ProductionOrder
from prodcore.orders.output import post_output
from prodcore.orders.picking import pick
from prodcore.orders.reversal import refuse_reversal_of_origin, reverse_capacity, reverse_item
from prodcore.orders.tracking import check_tracking, split, stamped

__all__ = [
    "BY_PRODUCT",
    "QUALITY_SCRAP",
    "SUBCONTRACT_RECEIPT",
    "AdjustInventory",
    "AdjustmentLine",
    "ByProductLine",
    "CapacityLine",
    "ConsumptionLine",
    "Execution",
    "OutputLine",
    "PickComponents",
    "PickLine",
    "PostByProduct",
    "PostCapacity",
    "PostConsumption",
    "PostOutput",
    "PostProductionJournal",
    "PostingCommand",
    "ReverseEntry",
    "calculate_consumption",
    "decide_posting",
    "explode_routing",
    "flush_at_finish",
    "flush_at_release",
    "production_journal",
]


@contextlib.contextmanager
def _line(b: PostingBuilder, line: ConsumptionLine) -> Iterator[None]:
    """A journal line posts at its own posting date, with its lot or serial stamped."""
    with b.dated(line.posting_date), stamped(b, line):
        yield


def _journal(b: PostingBuilder, command: PostProductionJournal) -> None:
    """Consumption and output of the command's one order line (lines of another order
    line are malformed)."""
    b.order(command.order_id, command=command.name).line(command.line_no)
    for cl in split(command.consumption):
        if (cl.order_id, cl.line_no) != (command.order_id, command.line_no):
            raise InvalidValueError(
                field="consumption", value=cl, reason="belongs to another order line"
            )
    consume_journal(b, split(command.consumption), around=lambda cl: _line(b, cl))
    for ol in split(command.output):
        if (ol.order_id, ol.line_no) != (command.order_id, command.line_no):
            raise InvalidValueError(
                field="output", value=ol, reason="belongs to another order line"
            )
        with b.dated(ol.posting_date), stamped(b, ol):
            post_output(b, ol, command=command.name)


def _reverse(b: PostingBuilder, command: ReverseEntry) -> None:
    refuse_reversal_of_origin(b.ledger, command.source, command.entry_no)
    if command.source is ValueSource.ITEM:
        reverse_item(
            b,
            command.entry_no,
            command.quantity,
            command.include_flushed_consumption,
            command.name,
            command.posted_at,
        )
    else:
        reverse_capacity(
            b,
            command.entry_no,
            command.quantity,
            command.include_flushed_consumption,
            command.name,
            posted_at=command.posted_at,
        )


def _route(b: PostingBuilder, command: PostingCommand) -> None:
    """Post ``command`` on ``b``, each line at its own posting date if it has one."""
    match command:
        case PostConsumption():
            consume_journal(b, split(command.lines), around=lambda cl: _line(b, cl))
        case PostOutput():
            for ol in split(command.lines):
                with b.dated(ol.posting_date), stamped(b, ol):
                    post_output(b, ol)
        case PostProductionJournal():
            _journal(b, command)
        case PostCapacity():
            for cap in command.lines:
                with b.dated(cap.posting_date):
                    post_capacity(b, cap)
        case PickComponents():
            pick(b, command)
        case ReverseEntry():
            _reverse(b, command)
        case AdjustInventory():
            for al in split(command.lines):
                with b.dated(al.posting_date), stamped(b, al):
                    adjust(b, al)
        case PostByProduct():
            for bl in split(command.lines):
                with b.dated(bl.posting_date), stamped(b, bl):
                    by_product(b, bl)
        case _:
            assert_never(command)


@in_own_context
def decide_posting(
    command: PostingCommand,
    get_order: Callable[[str], ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
) -> Execution:
    """What ``command`` posts and how the orders change. Pure: raises to refuse, and a
    refusal changes nothing.

    >>> from decimal import Decimal
    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> from prodcore.masterdata import Item, MasterData
    >>> md = MasterData.of(items=[Item("BOLT", base_unit="PCS", unit_cost=Decimal(2))])
    >>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
    >>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    >>> command = AdjustInventory("k-1", (AdjustmentLine("BOLT", 5),))
    >>> result = decide_posting(command, lambda order_id: None, md, ledger, at)
    >>> [(e.entry_type.value, e.quantity) for e in result.batch.item_entries]
    [('POSITIVE_ADJUSTMENT', Decimal('5'))]
    """
    b = PostingBuilder(md, ledger, get_order, at, command.document_no or command.idempotency_key)
    with b.dated(getattr(command, "posting_date", None)):
        _route(b, command)
    check_tracking(b)
    return b.result(command.idempotency_key)
