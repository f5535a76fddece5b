"""The postings of D365's Start and Report as finished steps (the D365 status profile).

Starting a quantity consumes the Start-principle (forward flushed) components not linked
to an operation in proportion to the quantity started so far: each needs its expected
quantity times started / ordered, less what it has consumed (a linked one is consumed
when its operation starts, as with D365's job registration). Reporting as finished posts the reported
quantity as output of each line (at its last operation, with that operation's expected
time), with the output's checks (quality blocking, over-production tolerance); the
Finish-principle (backward flushed) components not linked to an operation consume what
that output needs, and linked ones flush with their operation's output as usual.
Ending is the ledger's finish (:func:`~prodcore.orders.finishing.flush_at_finish`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.ledger.reader import LedgerReader
from prodcore.numbers import ZERO
from prodcore.orders.builder import Execution, PostingBuilder
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.finishing import flush_components
from prodcore.orders.flushing import linked_operation, needed_for_output
from prodcore.orders.journals import OutputLine, expected_output_line
from prodcore.orders.model import ProductionOrder
from prodcore.orders.output import post_output
from prodcore.orders.outputs import line_yield
from prodcore.orders.tracking import check_tracking

__all__ = ["flush_at_start", "report_as_finished"]


def flush_at_start(
    order: ProductionOrder,
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
    document_no: str,
) -> Execution:
    """Start-principle consumption for the order's started quantity (already raised)."""
    b = PostingBuilder(md, ledger, lambda _id: order, at, document_no)
    b.order(order.id, command="start")
    share = order.started_quantity / order.quantity if order.quantity else ZERO
    reason = f"Start flush of {order.started_quantity} started"
    for line in order.lines:
        flushes = []
        for comp in line.components:
            if not comp.flushing_method.is_forward or linked_operation(line, comp) is not None:
                continue  # a linked one is consumed when its operation starts
            rounding = md.item(comp.item_no).rounding
            need = rounding.apply(comp.expected_quantity * share) - comp.consumed_quantity
            if need > 0:
                flushes.append((comp, need))
        flush_components(b, order.id, line.line_no, flushes, reason)
    check_tracking(b)
    return b.result()


def report_as_finished(
    order: ProductionOrder,
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
    document_no: str,
    quantity: Decimal,
) -> Execution:
    """Output of ``quantity`` of the order (each line its share) with Finish flushing."""
    b = PostingBuilder(md, ledger, lambda _id: order, at, document_no)
    b.order(order.id, command="report as finished")
    for line in order.lines:
        rounding = md.item(line.item_no).rounding
        qty = rounding.apply(line.quantity * quantity / order.quantity) if order.quantity else ZERO
        if qty <= 0:
            continue
        op = line.last_operation
        jl = (
            OutputLine(order.id, line.line_no, None, output_quantity=qty)
            if op is None
            else expected_output_line(order, line, op, qty, finished=False)
        )
        post_output(b, jl, command="report as finished")
        current = b.orders[order.id].line(line.line_no)
        flushes = []
        for comp in current.components:
            if comp.flushing_method.is_backward and linked_operation(current, comp) is None:
                need_rounding = md.item(comp.item_no).need_rounding(comp.unit)
                need = needed_for_output(comp, qty, need_rounding, line_yield(current, md))
                flushes.append((comp, need))
        flush_components(
            b, order.id, line.line_no, flushes, "Finish flush when reported as finished"
        )
    b.notes.append(f"Reported as finished: {quantity}")
    check_tracking(b)
    return b.result()
