"""Release and finish flushing, BC's finish checks and the WIP write-off.

:func:`flush_at_release` and :func:`flush_at_finish` build the postings a status change
makes, in the unit of work of that change: forward flushing when an order is released,
backward flushing, the finish checks and (finishing without output) the write-off of a
line's WIP when it is finished. Both return an
:class:`~prodcore.orders.builder.Execution` like any posting decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from prodcore.errors import InvalidTransitionError, OpenRegistrationError
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    ItemEntryType,
    ItemLedgerEntry,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.posting import wip_change
from prodcore.ledger.reader import LedgerReader
from prodcore.numbers import ZERO, in_own_context
from prodcore.orders.builder import Execution, PostingBuilder
from prodcore.orders.checks import check_finish_quality, check_finish_subcontracting
from prodcore.orders.consumption import consume_components
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.flushing import flushable, linked_operation, needed_for_output
from prodcore.orders.journals import OutputLine, expected_output_line
from prodcore.orders.model import Component, Operation, OrderLine, ProductionOrder, RoutingStatus
from prodcore.orders.output import post_output
from prodcore.orders.outputs import line_yield
from prodcore.orders.tracking import check_tracking
from prodcore.records import revise

__all__ = [
    "flush_at_finish",
    "flush_at_release",
    "flush_components",
    "has_consumption_or_capacity",
    "line_wip",
    "write_off_wip",
]


def flush_components(
    b: PostingBuilder,
    order_id: str,
    line_no: int,
    flushes: Iterable[tuple[Component, Decimal]],
    reason: str,
) -> None:
    """Flush each (component, quantity) of one order line (a pick component: no more
    than its bin holds), the bin not checked otherwise; the line is rebuilt once."""
    consume_components(
        b,
        order_id,
        line_no,
        ((comp.line_no, flushable(comp, qty), reason) for comp, qty in flushes),
        check_bin=False,
    )


def has_consumption_or_capacity(b: PostingBuilder, order_id: str, line_no: int) -> bool:
    """BC's finish check: the line has consumption or capacity entries, counted
    gross (an entry stays even when reversed), posted before or in this batch."""
    return _OrderPostings(b, order_id).has_consumption_or_capacity(line_no)


def line_wip(b: PostingBuilder, order_id: str, line_no: int) -> Decimal:
    """The WIP balance of one order line: the WIP lines of its value entries."""
    return _OrderPostings(b, order_id).wip(line_no)


class _OrderPostings:
    """What an order's lines have posted, before or in the batch: the ledger's entries
    of the order read once (when first asked) and the batch's followed as it grows, so
    the finish checks of n lines do not go over the order's entries n times."""

    def __init__(self, b: PostingBuilder, order_id: str) -> None:
        self.b = b
        self.order_id = order_id
        self._lines: set[int | None] | None = None  # with consumption or capacity
        self._seen_items = self._seen_caps = self._seen_values = 0
        self._values: dict[int | None, list[ValueEntry]] | None = None

    def has_consumption_or_capacity(self, line_no: int) -> bool:
        b, order_id = self.b, self.order_id
        if self._lines is None:
            self._lines = set()
            ledger = b.ledger
            self._add_lines(
                ledger.item_entries(order_id=order_id), ledger.capacity_entries(order_id=order_id)
            )
        self._add_lines(b.items[self._seen_items :], b.caps[self._seen_caps :])
        self._seen_items, self._seen_caps = len(b.items), len(b.caps)
        return line_no in self._lines

    def _add_lines(
        self, items: Iterable[ItemLedgerEntry], caps: Iterable[CapacityLedgerEntry]
    ) -> None:
        assert self._lines is not None
        self._lines.update(
            e.order_line_no
            for e in items
            if e.order_id == self.order_id and e.entry_type is ItemEntryType.CONSUMPTION
        )
        self._lines.update(c.order_line_no for c in caps if c.order_id == self.order_id)

    def wip(self, line_no: int) -> Decimal:
        b = self.b
        if self._values is None:
            self._values = {}
            self._add_values(b.ledger.value_entries(order_id=self.order_id))
        self._add_values(b.values[self._seen_values :])
        self._seen_values = len(b.values)
        return wip_change(self._values.get(line_no, ()))

    def _add_values(self, values: Iterable[ValueEntry]) -> None:
        assert self._values is not None
        for v in values:
            if v.order_id == self.order_id:
                self._values.setdefault(v.order_line_no, []).append(v)


def write_off_wip(b: PostingBuilder, order_id: str, line: OrderLine) -> None:
    """BC's "Finish Order without Output": the line's WIP goes to Inventory
    Adjustment (a ``WIP_WRITE_OFF`` value entry of no item entry)."""
    _write_off(b, order_id, line, line_wip(b, order_id, line.line_no))


def _write_off(b: PostingBuilder, order_id: str, line: OrderLine, wip: Decimal) -> None:
    if wip == 0:
        return
    b.value_entry(
        ValueEntryType.WIP_WRITE_OFF,
        ValueSource.ITEM,
        wip,
        ZERO,
        item_no=line.item_no,
        order_id=order_id,
        order_line_no=line.line_no,
    )
    b.notes.append(f"WIP of line {line.line_no} written off to Inventory Adjustment: {wip}")


def _co_products_with_output(order: ProductionOrder) -> bool:
    """An order with co-products of which a line has output: its cost is shared over the
    lines at cost adjustment, so a line without output is no loss to write off."""
    return any(line.cost_share_percent is not None for line in order.lines) and any(
        line.finished_quantity != 0 for line in order.lines
    )


def _forward_output_line(order: ProductionOrder, line: OrderLine, op: Operation) -> OutputLine:
    """A forward-flushed operation's expected output: the last one the line's remaining
    quantity, earlier ones what they still lack of the line's quantity."""
    if op.is_last:
        qty = line.remaining_quantity
    else:
        qty = max(line.quantity - op.output_quantity - op.scrap_quantity, ZERO)
    return expected_output_line(order, line, op, qty, finished=True)


@in_own_context
def flush_at_release(
    order: ProductionOrder,
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
    document_no: str,
) -> Execution:
    """Forward flushing of a just-released order: forward operations post their expected
    output and time (which flushes their linked components), then unlinked forward
    components are consumed (pick variants: what is in the bin)."""
    b = PostingBuilder(md, ledger, lambda _id: order, at, document_no)
    b.order(order.id, command="release")
    for line in order.lines:
        for op in line.operations:
            current = b.orders[order.id].line(line.line_no).operation(op.operation_no)
            if current.flushing_method.is_forward:
                post_output(
                    b,
                    _forward_output_line(order, b.orders[order.id].line(line.line_no), current),
                    command="release",
                )
        flush_components(
            b,
            order.id,
            line.line_no,
            (
                (comp, comp.remaining_quantity)
                for comp in b.orders[order.id].line(line.line_no).components
                if comp.flushing_method.is_forward and linked_operation(line, comp) is None
            ),
            "Forward flush at release",
        )
    check_tracking(b)
    return b.result()


def _check_no_open_registration(order: ProductionOrder) -> None:
    """Refuse finishing while a worker is registered on the order: their time and
    quantities are not reported yet."""
    for reg in order.registrations:
        if reg.is_open:
            raise OpenRegistrationError(
                action=f"finish {order.id}",
                order_id=order.id,
                line_no=reg.line_no,
                operation_no=reg.operation_no,
                worker=reg.worker,
            )


@in_own_context
def flush_at_finish(
    order: ProductionOrder,
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
    document_no: str,
    *,
    finish_without_output: bool = False,
) -> Execution:
    """Backward flushing and BC's finish checks for a released order about to finish.

    Backward operations post from the last one down (the last posts the line's remaining
    quantity; earlier ones catch up to the last one's output + scrap); then unlinked
    backward components consume ``Qper × (output + scrap) × (1 + scrap %)`` less what is
    consumed. A line with consumption or capacity but no output is refused unless the
    setup and the command both allow finishing without output (counted gross, as BC
    does: reversed consumption still counts); such a line's WIP is then written off to
    Inventory Adjustment (a balanced ``WIP_WRITE_OFF`` value entry). Missing output or
    consumption become warnings. All operations end FINISHED.
    """
    check_finish_subcontracting(order)
    check_finish_quality(order)
    _check_no_open_registration(order)
    b = PostingBuilder(md, ledger, lambda _id: order, at, document_no)
    b.order(order.id, command="finish")
    posted = _OrderPostings(b, order.id)
    for line in order.lines:
        _flush_backward_operations(b, order, line.line_no)
        _flush_backward_components(b, order.id, line.line_no)
        _check_output(b, order, posted, line.line_no, finish_without_output=finish_without_output)
        current = b.orders[order.id].line(line.line_no)
        _warn_missing(b, current)
        b.put_operations(
            order.id,
            line.line_no,
            (
                revise(o, status=RoutingStatus.FINISHED)
                for o in current.operations
                if o.status is not RoutingStatus.FINISHED
            ),
        )
    check_tracking(b)
    return b.result()


def _flush_backward_operations(b: PostingBuilder, order: ProductionOrder, line_no: int) -> None:
    """Backward operations post from the last one down: the last the line's remaining
    quantity, earlier ones what they lack of the last one's output + scrap."""
    last_total: Decimal | None = None
    for op in reversed(order.line(line_no).operations):
        current_line = b.orders[order.id].line(line_no)
        current = current_line.operation(op.operation_no)
        if current.flushing_method.is_backward:
            if current.is_last:
                qty = current_line.remaining_quantity
            else:
                target = last_total if last_total is not None else current_line.quantity
                qty = max(target - current.output_quantity - current.scrap_quantity, ZERO)
            jl = expected_output_line(order, current_line, current, qty, finished=True)
            if qty or not jl.setup_time.is_zero():
                post_output(b, jl, command="finish")
                b.notes.append(f"Backward flushed operation {op.operation_no}: output {qty}")
            current = b.orders[order.id].line(line_no).operation(op.operation_no)
        if last_total is None:
            last_total = current.output_quantity + current.scrap_quantity


def _flush_backward_components(b: PostingBuilder, order_id: str, line_no: int) -> None:
    """Unlinked backward components consume what the line's output + scrap needs, less
    what is consumed."""
    line = b.orders[order_id].line(line_no)
    backward = [
        c
        for c in line.components
        if c.flushing_method.is_backward and linked_operation(line, c) is None
    ]
    if not backward:
        return
    basis, per_output = line.finished_quantity + line.scrap_quantity, line_yield(line, b.md)
    flushes = []
    for comp in backward:
        rounding = b.item(comp.item_no).need_rounding(comp.unit)
        need = needed_for_output(comp, basis, rounding, per_output)
        flushes.append((comp, max(need - comp.consumed_quantity, ZERO)))
    flush_components(b, order_id, line_no, flushes, "Backward flush at finish")


def _check_output(
    b: PostingBuilder,
    order: ProductionOrder,
    posted: _OrderPostings,
    line_no: int,
    *,
    finish_without_output: bool,
) -> None:
    """A line with consumption or capacity but no output finishes only when the setup
    and the command allow it; its WIP is then written off."""
    line = b.orders[order.id].line(line_no)
    if (
        line.finished_quantity != 0
        or _co_products_with_output(b.orders[order.id])
        or not posted.has_consumption_or_capacity(line_no)
    ):
        return
    if not (finish_without_output and b.setup.finish_order_without_output):
        raise InvalidTransitionError(
            order_id=order.id,
            status=order.status.value,
            command="change status to FINISHED",
            reason=f"Line {line_no} has consumption or capacity but no output.",
        )
    b.warnings.append(f"Line {line_no} is finished without output.")
    _write_off(b, order.id, line, posted.wip(line_no))


def _warn_missing(b: PostingBuilder, line: OrderLine) -> None:
    """Warnings for output and consumption still missing on the line."""
    if line.remaining_quantity > 0:
        b.warnings.append(
            f"Output is missing on line {line.line_no}: "
            f"{line.remaining_quantity} {line.unit} remaining."
        )
    for comp in line.components:
        if comp.remaining_quantity > 0:
            b.warnings.append(
                f"Consumption is missing for {comp.item_no} (line {line.line_no}, "
                f"component {comp.line_no}): {comp.remaining_quantity} {comp.unit} remaining."
            )
