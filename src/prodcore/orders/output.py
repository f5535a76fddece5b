"""Output postings on a :class:`~prodcore.orders.builder.PostingBuilder`: an output
journal line (:func:`post_output`) and a subcontracting receipt (:func:`post_receipt`).

Both report output and scrap of one operation (or of a line without routing): a capacity
entry for the operation (plus a stop-time entry), the operation's counters, and at the
last operation the line's finished quantity with an output item entry at expected cost.
Components linked to the operation flush (forward ones at its start, backward ones with
its output), and output at a quality check creates quality orders. They differ in the
capacity entry's cost: an output line costs its time (or units) at the centre's cost,
a receipt its output + scrap at the purchase price.

Output of a Standard-cost item is valued at the standard **in force on its posting
date** (:func:`output_unit_cost`): the version of the item's stored
:class:`~prodcore.masterdata.standards.StandardCostHistory` effective then, so output
back-dated to before a later implementation takes the earlier standard. The history comes
with the master data the app passes in (its repository: the read is noted like any other
master-data read); an item never implemented, or master data without histories, keeps
the item card's standard.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.errors import InvalidValueError, NotFoundError, OverproductionError
from prodcore.ledger.model import EntryOrigin, ItemEntryType
from prodcore.ledger.posting import item_unit_cost
from prodcore.masterdata import (
    CalculationFormula,
    CostingMethod,
    Item,
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.masterdata.lookup import find_record
from prodcore.masterdata.standards import StandardCostHistory
from prodcore.numbers import ZERO
from prodcore.orders.bins import from_production_bin
from prodcore.orders.builder import SUBCONTRACT_RECEIPT, PostingBuilder
from prodcore.orders.capacity import (
    capacity_values,
    post_stop_time,
    postable_centre,
    subcontract_values,
)
from prodcore.orders.checks import check_not_blocked, quality_orders_for_output
from prodcore.orders.consumption import consume_components
from prodcore.orders.flushing import flushable, needed_for_output, operation_started
from prodcore.orders.journals import OutputLine
from prodcore.orders.model import Operation, OrderLine, ProductionOrder, RoutingStatus
from prodcore.orders.outputs import line_yield
from prodcore.records import revise

__all__ = [
    "check_tolerance",
    "flush_linked",
    "output_unit_cost",
    "post_output",
    "post_receipt",
]


def output_unit_cost(md: object, item: Item, day: dt.date) -> Decimal:
    """The unit cost output of ``item`` posted on ``day`` is valued at: for a
    Standard-cost item the standard in force that day (when ``md`` keeps the histories
    and one was implemented by then), else the item card's cost.

    >>> from prodcore.masterdata import MasterData
    >>> from prodcore.masterdata.cost_shares import CostShares
    >>> from prodcore.masterdata.standards import StandardCostVersion
    >>> frame = Item("FRAME", base_unit="PCS", standard_cost="30.085")
    >>> shares = CostShares(material=10, capacity=12, capacity_overhead="2.4",
    ...                     manufacturing_overhead="2.22")
    >>> class Histories:
    ...     def standard_costs(self, item_no):
    ...         return StandardCostHistory(
    ...             item_no, (StandardCostVersion(dt.date(2026, 3, 2), shares=shares),))
    >>> output_unit_cost(Histories(), frame, dt.date(2026, 3, 5))
    Decimal('26.62')
    >>> output_unit_cost(Histories(), frame, dt.date(2026, 3, 1))  # none in force yet
    Decimal('30.085')
    >>> output_unit_cost(MasterData.of(items=[frame]), frame, dt.date(2026, 3, 5))
    Decimal('30.085')
    """
    # what a runtime-checkable protocol's isinstance checks (the method is there), without
    # its cost: several µs in Python 3.11, at every output posting
    standard_costs = getattr(md, "standard_costs", None)
    if item.costing_method is CostingMethod.STANDARD and standard_costs is not None:
        history = find_record(md, StandardCostHistory, item.no, standard_costs)
        version = None if history is None else history.in_force(day)
        if version is not None:
            return version.standard_cost
    return item_unit_cost(item)


def _target(
    b: PostingBuilder, jl: OutputLine, command: str
) -> tuple[ProductionOrder, OrderLine, Operation | None]:
    """The released order, line and operation the line reports on (a line with routing
    must name an operation; quality orders may block it)."""
    order = b.order(jl.order_id, command=command)
    line = order.line(jl.line_no)
    op: Operation | None = None
    if line.operations:
        if jl.operation_no is None:
            raise InvalidValueError(
                field="operation_no",
                value=None,
                reason=f"line {line.line_no} of {order.id} has a routing: name the operation",
            )
        op = line.operation(jl.operation_no)
    elif jl.operation_no is not None:
        raise NotFoundError(kind=f"Operation of order line {line.line_no}", key=jl.operation_no)
    check_not_blocked(order, line, op)
    return order, line, op


def _book_operation(
    b: PostingBuilder,
    order: ProductionOrder,
    line: OrderLine,
    op: Operation,
    jl: OutputLine,
    wc: WorkCenter,
    cap_qty: Decimal,
    *,
    description: str = "",
    origin: EntryOrigin = EntryOrigin.ORDINARY,
) -> tuple[int, Operation]:
    """The operation's capacity entries (stop time, then time and quantities) and its
    counters; returns the capacity entry's local number and the operation as it is now."""
    unit = wc.capacity_unit
    target = (order.id, line, op)
    post_stop_time(
        b, op.type, op.no, op.work_center_no, jl.stop_time, unit, jl.stop_code, order=target
    )
    op_times = (jl.setup_time.in_units(op.setup_time.unit), jl.run_time.in_units(op.run_time.unit))
    cap_ref = b.capacity_entry(
        op.type,
        op.no,
        op.work_center_no,
        cap_qty,
        time_unit=unit,
        setup_time=jl.setup_time.in_units(unit),
        run_time=jl.run_time.in_units(unit),
        output_quantity=jl.output_quantity,
        scrap_quantity=jl.scrap_quantity,
        scrap_code=jl.scrap_code,
        order=target,
        last_output_line=op.is_last,
        finished=jl.finished,
        description=description,
        origin=origin,
        operation_times=op_times,
    )
    op = revise(
        op,
        output_quantity=op.output_quantity + jl.output_quantity,
        scrap_quantity=op.scrap_quantity + jl.scrap_quantity,
        posted_setup_time=op.posted_setup_time + op_times[0],
        posted_run_time=op.posted_run_time + op_times[1],
        status=RoutingStatus.FINISHED if jl.finished else RoutingStatus.IN_PROGRESS,
    )
    b.put_operation(order.id, line.line_no, op)
    return cap_ref, op


def _finish_report(
    b: PostingBuilder,
    order: ProductionOrder,
    line_no: int,
    op: Operation | None,
    jl: OutputLine,
    started_before: bool,
    cap_ref: int | None,
) -> None:
    """What follows an operation's booking: at the last operation (or without routing)
    the line's counters and the output item entry; linked flushing; quality orders."""
    if op is None or op.is_last:
        line = b.orders[order.id].line(line_no)
        check_tolerance(b, order.id, line, jl.output_quantity)
        b.put_line(
            order.id,
            revise(
                line,
                finished_quantity=line.finished_quantity + jl.output_quantity,
                scrap_quantity=line.scrap_quantity + jl.scrap_quantity,
            ),
        )
        if jl.output_quantity:
            item = b.item(line.item_no)
            base_qty = item.to_base(jl.output_quantity, line.unit)
            ref = b.item_entry(
                ItemEntryType.OUTPUT,
                item.no,
                base_qty,
                unit=item.base_unit,
                location_code=order.location_code,
                order_id=order.id,
                order_line_no=line_no,
                operation_no=op.operation_no if op else None,
                capacity_entry_no=cap_ref,
                scrap_quantity=jl.scrap_quantity if op is None else ZERO,
                bin_code=jl.bin_code
                if jl.bin_code is not None
                else from_production_bin(b.md, order.location_code, op),
            )
            b.item_value(
                ref,
                item.no,
                base_qty,
                output_unit_cost(b.md, item, b.at.date()),
                expected=True,
                order_id=order.id,
                order_line_no=line_no,
            )
    if op is not None:
        flush_linked(b, order.id, line_no, op, jl, started_before, cap_ref)
    if jl.output_quantity > 0:
        current = b.orders[order.id]
        new_qos = quality_orders_for_output(
            current, current.line(line_no), op, jl.output_quantity, b.at
        )
        if new_qos:
            b.put_order(revise(current, quality_orders=current.quality_orders + new_qos))
            b.notes.extend(
                f"Quality order {q.no} created: sample {q.quantity} of {q.covered_quantity}"
                for q in new_qos
            )


def check_tolerance(b: PostingBuilder, order_id: str, line: OrderLine, output: Decimal) -> None:
    """Refuse output that takes the line's finished quantity beyond its quantity plus the
    over-production tolerance (the item's, else the setup's; none: no limit)."""
    tolerance = b.item(line.item_no).overproduction_tolerance_percent
    if tolerance is None:
        tolerance = b.setup.overproduction_tolerance_percent
    if tolerance is None or output <= 0:
        return
    allowed = line.quantity * (1 + tolerance / 100)
    if line.finished_quantity + output > allowed:
        raise OverproductionError(
            order_id=order_id,
            line_no=line.line_no,
            quantity=line.finished_quantity + output,
            allowed=allowed,
            tolerance_percent=tolerance,
        )


def post_output(b: PostingBuilder, jl: OutputLine, *, command: str = "post output") -> None:
    """Post one output journal line: capacity at the centre's cost (time, or output +
    scrap for a units-based centre; setup counts when the setup says cost includes it)."""
    order, line, op = _target(b, jl, command)
    started_before = op is not None and operation_started(op)
    cap_ref: int | None = None
    if op is not None:
        wc, mc = postable_centre(b, op.type, op.no)
        unit = wc.capacity_unit
        setup_t, run_t = jl.setup_time.in_units(unit), jl.run_time.in_units(unit)
        if wc.unit_cost_calculation is UnitCostCalculation.UNITS:
            cap_qty = jl.output_quantity + jl.scrap_quantity
        elif b.setup.cost_includes_setup:
            cap_qty = setup_t + run_t
        else:
            cap_qty = run_t
        cap_ref, op = _book_operation(b, order, line, op, jl, wc, cap_qty)
        capacity_values(b, cap_ref, cap_qty, wc, mc, op, order.id, line.line_no)
    _finish_report(b, order, line.line_no, op, jl, started_before, cap_ref)


def post_receipt(
    b: PostingBuilder,
    jl: OutputLine,
    unit_cost: Decimal,
    *,
    receipt_no: str = "",
    command: str = "receive subcontracted work",
) -> int:
    """Post a subcontracting receipt of the operation ``jl`` names: capacity quantity =
    output + scrap, costed at the purchase price ``unit_cost``; its capacity entry is a
    ``SUBCONTRACT_RECEIPT`` (described with ``receipt_no``). Returns that entry's local
    number."""
    order, line, op = _target(b, jl, command)
    if op is None:
        raise InvalidValueError(
            field="operation_no", value=None, reason="a receipt is for an operation"
        )
    started_before = operation_started(op)
    wc, _mc = postable_centre(b, op.type, op.no)
    cap_qty = jl.output_quantity + jl.scrap_quantity
    cap_ref, op = _book_operation(
        b,
        order,
        line,
        op,
        jl,
        wc,
        cap_qty,
        description=f"{SUBCONTRACT_RECEIPT} {receipt_no}".rstrip(),
        origin=EntryOrigin.SUBCONTRACT_RECEIPT,
    )
    subcontract_values(b, cap_ref, cap_qty, unit_cost, wc, order.id, line.line_no)
    _finish_report(b, order, line.line_no, op, jl, started_before, cap_ref)
    return cap_ref


def flush_linked(
    b: PostingBuilder,
    order_id: str,
    line_no: int,
    op: Operation,
    jl: OutputLine,
    started_before: bool,
    cap_ref: int | None,
) -> None:
    """Components linked to ``op``: forward ones at its start, backward ones with output."""
    if op.routing_link_code is None:
        return
    line = b.orders[order_id].line(line_no)
    takes: list[tuple[int, Decimal, str]] = []
    for comp in line.components:
        if comp.routing_link_code != op.routing_link_code:
            continue
        rounding = b.item(comp.item_no).need_rounding(comp.unit)
        method = comp.flushing_method
        if method.is_forward and not started_before:
            qty = flushable(comp, comp.remaining_quantity)
            reason = f"Forward flush at start of operation {op.operation_no}"
        elif method.is_backward:
            basis = jl.output_quantity + jl.scrap_quantity
            need = needed_for_output(comp, basis, rounding, line_yield(line, b.md))
            if comp.formula is CalculationFormula.FIXED_QUANTITY:
                need = max(need - comp.consumed_quantity, ZERO)
            qty = flushable(comp, need)
            reason = f"Backward flush with output of operation {op.operation_no}"
        else:
            continue
        takes.append((comp.line_no, qty, reason))
    consume_components(b, order_id, line_no, takes, flushed_by=cap_ref, check_bin=False)
