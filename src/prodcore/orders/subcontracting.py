"""Subcontracting: requests out, receipts in (Business Central's subcontracting).

A work centre with a ``subcontractor_no`` is a subcontractor; the operations that run on
it are subcontracted. prodcore does not own purchasing; the boundary is:

* **requests out** — :func:`calculate_subcontracts` is BC's subcontracting worksheet:
  for released orders, one frozen :class:`SubcontractRequest` per subcontracted
  operation that still needs work (quantity = the operation's remaining input quantity
  less what is already requested and outstanding; expected cost at the centre's price;
  due date = the operation's scheduled end, else the line's or order's due date). The
  host turns them into its purchase orders and registers what it ordered with
  :class:`RegisterSubcontractRequests` (the operation's ``subcontract_requested``), so
  the next calculation does not ask again. :class:`CancelSubcontractRequest` cancels
  what is still outstanding.
* **receipts in** — :class:`ReceiveSubcontractedWork` posts the operation's output (and
  scrap) with a capacity entry whose cost is the purchase price: a Direct Cost value
  entry (actual, never expected), plus the centre's indirect % and overhead rate as
  indirect cost. At the last operation it posts the output item entry; components
  linked to the operation are flushed as output flushes them. Partial receipts are
  fine. :class:`UndoSubcontractReceipt` takes a receipt back (while the order is
  released; flushed consumption stays, as in BC); a plain
  :class:`~prodcore.orders.journals.ReverseEntry` of receipt entries is refused.
* **material to the subcontractor** — :class:`ShipToSubcontractor` consumes the
  components linked to the operation (not the backward-flushed ones, which the receipt
  flushes) for the quantity sent.

Finishing an order is refused while any operation has outstanding requested quantity
(BC: a subcontracting purchase line is still outstanding). See ``docs/subcontracting.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, assert_never

import attrs

from prodcore.errors import InsufficientQuantityError, InvalidValueError, NotAllowedError
from prodcore.ledger.model import EntryOrigin
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import UnitCostCalculation, WorkCenter
from prodcore.numbers import ZERO, as_decimal, in_own_context, tuple_of
from prodcore.orders.builder import Execution, PostingBuilder
from prodcore.orders.checks import check_finish_subcontracting
from prodcore.orders.consumption import consume
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.flushing import flushable, needed_for_output
from prodcore.orders.journals import OutputLine
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.orders.output import post_receipt
from prodcore.orders.reversal import reverse_capacity
from prodcore.orders.tracking import check_tracking
from prodcore.records import revise

__all__ = [
    "CancelSubcontractRequest",
    "ReceiveSubcontractedWork",
    "RegisterSubcontractRequests",
    "ShipToSubcontractor",
    "SubcontractRequest",
    "SubcontractingCommand",
    "UndoSubcontractReceipt",
    "calculate_subcontracts",
    "check_finish_subcontracting",
    "decide_subcontracting",
    "subcontract_centre",
]


def _non_negative(_i: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value < 0:
        raise InvalidValueError(field=attribute.name, value=value, reason="must not be negative")


def _positive(_i: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value <= 0:
        raise InvalidValueError(field=attribute.name, value=value, reason="must be positive")


@attrs.frozen
class SubcontractRequest:
    """What one subcontracted operation needs from its subcontractor: a purchase line to
    be (quantity in the order line's ``unit``; ``direct_unit_cost`` per that unit;
    ``expected_cost`` rounded to the currency's amount precision)."""

    order_id: str
    line_no: int
    operation_no: str
    work_center_no: str
    subcontractor_no: str
    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=_positive)
    unit: str
    direct_unit_cost: Decimal = attrs.field(converter=as_decimal, validator=_non_negative)
    expected_cost: Decimal = attrs.field(converter=as_decimal, validator=_non_negative)
    due_date: dt.date
    location_code: str = ""


@attrs.frozen
class RegisterSubcontractRequests:
    """The host created purchase lines for these requests: record them as requested."""

    idempotency_key: str
    requests: tuple[SubcontractRequest, ...] = attrs.field(validator=tuple_of(SubcontractRequest))
    document_no: str = ""
    name = "register subcontract requests"


@attrs.frozen
class CancelSubcontractRequest:
    """Cancel ``quantity`` (default: all) of an operation's outstanding requested work."""

    idempotency_key: str
    order_id: str
    line_no: int
    operation_no: str
    quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    document_no: str = ""
    name = "cancel subcontract request"


@attrs.frozen
class ReceiveSubcontractedWork:
    """A subcontracting receipt: ``quantity`` good and ``scrap_quantity`` scrapped units
    of the operation, at ``unit_cost`` (the purchase's direct unit cost per unit)."""

    idempotency_key: str
    order_id: str
    line_no: int
    operation_no: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=_non_negative)
    unit_cost: Decimal = attrs.field(converter=as_decimal, validator=_non_negative)
    scrap_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=_non_negative
    )
    scrap_code: str | None = None
    finished: bool = False
    receipt_no: str = ""
    document_no: str = ""
    name = "receive subcontracted work"


@attrs.frozen
class UndoSubcontractReceipt:
    """Undo a receipt (its capacity entry), fully or ``quantity`` output units of it."""

    idempotency_key: str
    capacity_entry_no: int
    quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    document_no: str = ""
    name = "undo subcontract receipt"


@attrs.frozen
class ShipToSubcontractor:
    """Send the components linked to a subcontracted operation for ``quantity`` units of
    it (default: its outstanding requested quantity): posted as consumption."""

    idempotency_key: str
    order_id: str
    line_no: int
    operation_no: str
    quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    document_no: str = ""
    name = "ship to subcontractor"


SubcontractingCommand = (
    RegisterSubcontractRequests
    | CancelSubcontractRequest
    | ReceiveSubcontractedWork
    | UndoSubcontractReceipt
    | ShipToSubcontractor
)


# --- the worksheet -----------------------------------------------------------------------


def subcontract_centre(md: MasterDataLookup, op: Operation) -> WorkCenter | None:
    """The operation's work centre if it is a subcontractor, else None."""
    wc = md.work_center(op.work_center_no)
    return wc if wc.is_subcontracted else None


def _still_needed(op: Operation) -> Decimal:
    return max(
        op.input_quantity - op.output_quantity - op.scrap_quantity - op.subcontract_outstanding,
        ZERO,
    )


def _request(
    md: MasterDataLookup,
    order: ProductionOrder,
    line: OrderLine,
    op: Operation,
    wc: WorkCenter,
    qty: Decimal,
) -> SubcontractRequest:
    price = op.unit_cost_per if wc.specific_unit_cost else wc.direct_unit_cost
    if wc.unit_cost_calculation is UnitCostCalculation.UNITS:
        cost = qty * price
    else:
        unit = wc.capacity_unit
        setup = op.setup_time.in_units(unit) if not op.posted_setup_time else ZERO
        run = op.run_time.in_units(unit) * qty / op.lot_size
        cost = (setup * op.concurrent_capacities + run) * price
    due = (
        op.ending.date()
        if op.ending is not None
        else line.due_date
        if line.due_date is not None
        else order.due_date
    )
    assert wc.subcontractor_no is not None
    return SubcontractRequest(
        order.id,
        line.line_no,
        op.operation_no,
        wc.no,
        wc.subcontractor_no,
        line.item_no,
        qty,
        line.unit,
        md.setup.unit_amount_rounding.apply(cost / qty),
        md.setup.amount_rounding.apply(cost),
        due,
        order.location_code,
    )


@in_own_context
def calculate_subcontracts(
    orders: Iterable[ProductionOrder],
    md: MasterDataLookup,
    *,
    work_center_no: str | None = None,
) -> tuple[SubcontractRequest, ...]:
    """BC's "Calculate Subcontracts": the requests released orders' subcontracted
    operations still need (optionally for one work centre). Pure; records nothing."""
    found: list[SubcontractRequest] = []
    for order in orders:
        if order.status is not OrderStatus.RELEASED:
            continue
        for line, op in order.iter_operations():
            if work_center_no is not None and op.work_center_no != work_center_no:
                continue
            wc = subcontract_centre(md, op)
            if wc is None:
                continue
            qty = _still_needed(op)
            if qty > 0:
                found.append(_request(md, order, line, op, wc, qty))
    return tuple(found)


# --- decisions ---------------------------------------------------------------------------


def _subcontracted_op(
    b: PostingBuilder, order_id: str, line_no: int, operation_no: str, command: str
) -> tuple[OrderLine, Operation, WorkCenter]:
    order = b.order(order_id, command=command)
    line = order.line(line_no)
    op = line.operation(operation_no)
    wc = subcontract_centre(b.md, op)
    if wc is None:
        raise NotAllowedError(
            action=f"subcontract operation {operation_no}",
            reason=f"work centre {op.work_center_no} has no subcontractor",
        )
    return line, op, wc


def _put(b: PostingBuilder, order_id: str, line_no: int, op_no: str, **changes: Any) -> None:
    op = b.orders[order_id].line(line_no).operation(op_no)
    b.put_operation(order_id, line_no, revise(op, **changes))


@in_own_context
def decide_subcontracting(
    command: SubcontractingCommand,
    get_order: Callable[[str], ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
) -> Execution:
    """What a subcontracting command changes and posts (pure: raises to refuse)."""
    b = PostingBuilder(md, ledger, get_order, at, command.document_no or command.idempotency_key)
    match command:
        case RegisterSubcontractRequests():
            for r in command.requests:
                line, op, wc = _subcontracted_op(
                    b, r.order_id, r.line_no, r.operation_no, command.name
                )
                needed = _still_needed(op)
                if r.quantity > needed:
                    raise InsufficientQuantityError(
                        what=f"Subcontracting need of operation {op.operation_no} "
                        f"({r.order_id} line {r.line_no})",
                        requested=r.quantity,
                        available=needed,
                    )
                _put(
                    b,
                    r.order_id,
                    r.line_no,
                    r.operation_no,
                    subcontract_requested=op.subcontract_requested + r.quantity,
                )
                b.notes.append(
                    f"Requested {r.quantity} {line.unit} of operation {op.operation_no} "
                    f"({r.order_id}) from {wc.subcontractor_no}"
                )
        case CancelSubcontractRequest():
            line, op, _wc = _subcontracted_op(
                b, command.order_id, command.line_no, command.operation_no, command.name
            )
            outstanding = op.subcontract_outstanding
            qty = outstanding if command.quantity is None else command.quantity
            if qty <= 0 or qty > outstanding:
                raise InsufficientQuantityError(
                    what=f"Outstanding subcontracting of operation {op.operation_no}",
                    requested=qty,
                    available=outstanding,
                )
            _put(
                b,
                command.order_id,
                command.line_no,
                command.operation_no,
                subcontract_cancelled=op.subcontract_cancelled + qty,
            )
            b.notes.append(f"Cancelled {qty} {line.unit} of operation {op.operation_no}")
        case ReceiveSubcontractedWork():
            line, op, wc = _subcontracted_op(
                b, command.order_id, command.line_no, command.operation_no, command.name
            )
            received = command.quantity + command.scrap_quantity
            if received <= 0 or received > op.subcontract_outstanding:
                raise InsufficientQuantityError(
                    what=f"Outstanding subcontracting of operation {op.operation_no}",
                    requested=received,
                    available=op.subcontract_outstanding,
                )
            post_receipt(
                b,
                OutputLine(
                    command.order_id,
                    command.line_no,
                    command.operation_no,
                    output_quantity=command.quantity,
                    scrap_quantity=command.scrap_quantity,
                    scrap_code=command.scrap_code,
                    finished=command.finished,
                ),
                command.unit_cost,
                receipt_no=command.receipt_no,
                command=command.name,
            )
            op = b.orders[command.order_id].line(command.line_no).operation(command.operation_no)
            _put(
                b,
                command.order_id,
                command.line_no,
                command.operation_no,
                subcontract_received=op.subcontract_received + received,
            )
            b.notes.append(
                f"Received {received} {line.unit} of operation {op.operation_no} from "
                f"{wc.subcontractor_no} at {command.unit_cost}"
            )
        case UndoSubcontractReceipt():
            orig = ledger.capacity_entry(command.capacity_entry_no)
            if orig.origin is not EntryOrigin.SUBCONTRACT_RECEIPT or orig.order_id is None:
                raise NotAllowedError(
                    action=f"undo capacity entry {command.capacity_entry_no}",
                    reason="it is not a subcontracting receipt",
                )
            reverse_capacity(b, command.capacity_entry_no, command.quantity, False, command.name)
            undone = -sum(
                (
                    c.output_quantity + c.scrap_quantity
                    for c in b.caps
                    if c.applies_to_entry_no == command.capacity_entry_no
                ),
                ZERO,
            )
            assert orig.order_line_no is not None and orig.operation_no is not None
            op = b.orders[orig.order_id].line(orig.order_line_no).operation(orig.operation_no)
            _put(
                b,
                orig.order_id,
                orig.order_line_no,
                orig.operation_no,
                subcontract_received=op.subcontract_received - undone,
            )
            b.notes.append(f"Undid {undone} of receipt (capacity entry {orig.entry_no})")
        case ShipToSubcontractor():
            line, op, wc = _subcontracted_op(
                b, command.order_id, command.line_no, command.operation_no, command.name
            )
            qty = op.subcontract_outstanding if command.quantity is None else command.quantity
            if qty <= 0:
                raise InvalidValueError(field="quantity", value=qty, reason="must be positive")
            linked = [
                c
                for c in line.components
                if op.routing_link_code is not None
                and c.routing_link_code == op.routing_link_code
                and not c.flushing_method.is_backward
            ]
            if not linked:
                raise NotAllowedError(
                    action=f"ship to the subcontractor of operation {op.operation_no}",
                    reason="no components to ship are linked to the operation",
                )
            for comp in linked:
                current = b.orders[command.order_id].line(line.line_no).component(comp.line_no)
                need = needed_for_output(
                    current, qty, md.item(comp.item_no).need_rounding(comp.unit)
                )
                consume(
                    b,
                    command.order_id,
                    line.line_no,
                    comp.line_no,
                    flushable(current, min(need, current.remaining_quantity)),
                    reason=f"Shipped to subcontractor {wc.subcontractor_no} "
                    f"for operation {op.operation_no}",
                )
        case _:
            assert_never(command)
    check_tracking(b)
    return b.result(command.idempotency_key)
