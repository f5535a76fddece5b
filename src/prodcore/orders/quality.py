"""Quality at operations: quality orders from output, results, blocking and dispositions.

A :class:`~prodcore.masterdata.QualityCheck` sits on a routing line (copied to the
order's operation at explosion) or on an item (report as finished: output of the line's
last operation, or of a line without routing). Output at such a point creates
:class:`~prodcore.orders.model.QualityOrder` records on the production order, sampled
as D365's quality associations do:

* per updated quantity: one quality order for each reported quantity (10 %: RAF 30
  then 70 gives samples 3 then 7);
* not per updated quantity: at the first report one order for the reported quantity
  and one for the rest of the line, none later (fixed 1: 1 + 1 at RAF 30, none at 10
  or 60).

:class:`RecordQualityResults` records test results; when every test has one the
quality order passes or fails by the limits. A failure does what the check says
(``on_failure``): scrap the failed quantity (posted like output scrap: the operation's
output becomes scrap, and at the last operation the output entry is taken back at its
cost), send it to a rework operation, or wait for :class:`ResolveQualityOrder`. An
open or failed quality order blocks output at later operations
(``blocks_next_operations``) and finishing the order (``blocks_finish``).

The commands go through :func:`prodcore.app.handle` with the same idempotency
rules as postings; see ``docs/quality.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import assert_never

import attrs

from prodcore.errors import (
    InsufficientQuantityError,
    InvalidValueError,
    NotAllowedError,
    NotFoundError,
)
from prodcore.ledger.model import EntryOrigin, ItemEntryType, ValueSource
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import QualityFailureAction
from prodcore.numbers import ZERO, as_decimal, in_own_context, member_of, tuple_of
from prodcore.orders.builder import QUALITY_SCRAP, Execution, PostingBuilder
from prodcore.orders.checks import (
    check_finish_quality,
    check_not_blocked,
    quality_orders_for_output,
    sample_quantities,
)
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import (
    ProductionOrder,
    QualityOrder,
    QualityOrderStatus,
    QualityResult,
    RoutingStatus,
)
from prodcore.orders.reversal import reverse_values
from prodcore.records import revise

__all__ = [
    "QUALITY_SCRAP",
    "QualityCommand",
    "RecordQualityResults",
    "ResolveQualityOrder",
    "check_finish_quality",
    "check_not_blocked",
    "decide_quality",
    "evaluate",
    "quality_orders_for_output",
    "sample_quantities",
]


@attrs.frozen
class RecordQualityResults:
    """Record results of a quality order's tests (all at once or in parts).

    ``failed_quantity``: how many of the covered units fail if the order fails (default:
    all of them).
    """

    idempotency_key: str
    order_id: str
    quality_order_no: str
    results: tuple[QualityResult, ...] = attrs.field(validator=tuple_of(QualityResult))
    failed_quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    document_no: str = ""
    name = "record quality results"


@attrs.frozen
class ResolveQualityOrder:
    """Resolve a failed quality order: ``SCRAP`` (``quantity`` with ``scrap_code``,
    defaults from the quality order and its check), ``REWORK`` at ``rework_operation_no``
    (default: the check's), or ``NONE``: accept the units as they are."""

    idempotency_key: str
    order_id: str
    quality_order_no: str
    action: QualityFailureAction = attrs.field(validator=member_of(QualityFailureAction))
    quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    scrap_code: str | None = None
    rework_operation_no: str | None = None
    document_no: str = ""
    name = "resolve quality order"


QualityCommand = RecordQualityResults | ResolveQualityOrder


# --- results -----------------------------------------------------------------------------


def evaluate(qo: QualityOrder, results: tuple[QualityResult, ...]) -> QualityOrder:
    """``qo`` with ``results`` merged in (a later result for a test replaces an earlier
    one) and its status: OPEN until every test has a result, then PASSED or FAILED."""
    tests = {t.code: t for t in qo.check.tests}
    merged = {r.test_code: r for r in qo.results}
    for r in results:
        test = tests.get(r.test_code)
        if test is None:
            raise NotFoundError(kind=f"Test of quality check {qo.check.code}", key=r.test_code)
        if test.is_measured and r.value is None:
            raise InvalidValueError(
                field="value", value=None, reason=f"test {test.code} needs a measured value"
            )
        if not test.is_measured and r.passed is None:
            raise InvalidValueError(
                field="passed", value=None, reason=f"test {test.code} is pass/fail"
            )
        merged[r.test_code] = r
    ordered = tuple(merged[c] for c in tests if c in merged)
    if len(ordered) < len(tests):
        return revise(qo, results=ordered)
    ok = all(
        tests[r.test_code].accepts(r.value) if r.value is not None else bool(r.passed)
        for r in ordered
    )
    status = QualityOrderStatus.PASSED if ok else QualityOrderStatus.FAILED
    return revise(qo, results=ordered, status=status)


def _put_quality_order(b: PostingBuilder, order_id: str, qo: QualityOrder) -> None:
    order = b.orders[order_id]
    b.put_order(
        revise(
            order,
            quality_orders=tuple(qo if q.no == qo.no else q for q in order.quality_orders),
        )
    )


def _scrap(
    b: PostingBuilder, order_id: str, qo: QualityOrder, qty: Decimal, code: str | None
) -> None:
    """Turn ``qty`` reported units of the quality order's operation into scrap: a capacity
    entry (no time, no cost) with output −qty and scrap +qty; at the last operation (or a
    line without routing) the output entries are taken back, latest first, at their cost."""
    line = b.orders[order_id].line(qo.line_no)
    op = line.operation(qo.operation_no) if qo.operation_no is not None else line.last_operation
    description = f"{QUALITY_SCRAP} {qo.no}"
    cap_ref: int | None = None
    if op is not None:
        if qty > op.output_quantity:
            raise InsufficientQuantityError(
                what=f"Output of operation {op.operation_no} to scrap",
                requested=qty,
                available=op.output_quantity,
            )
        wc, _mc = b.centre(op.type, op.no)
        cap_ref = b.capacity_entry(
            op.type,
            op.no,
            op.work_center_no,
            ZERO,
            time_unit=wc.capacity_unit,
            output_quantity=-qty,
            scrap_quantity=qty,
            scrap_code=code,
            order=(order_id, line, op),
            last_output_line=op.is_last,
            description=description,
            origin=EntryOrigin.QUALITY_SCRAP,
        )
        b.put_operation(
            order_id,
            line.line_no,
            revise(
                op,
                output_quantity=op.output_quantity - qty,
                scrap_quantity=op.scrap_quantity + qty,
            ),
        )
    if op is None or op.is_last:
        line = b.orders[order_id].line(line.line_no)
        if qty > line.finished_quantity:
            raise InsufficientQuantityError(
                what=f"Finished quantity of line {line.line_no} to scrap",
                requested=qty,
                available=line.finished_quantity,
            )
        item = b.md.item(line.item_no)
        left = item.to_base(qty, line.unit)
        outputs = [
            e
            for e in b.ledger.item_entries(order_id=order_id)
            if e.entry_type is ItemEntryType.OUTPUT
            and e.order_line_no == line.line_no
            and e.applies_to_entry_no is None
            and e.quantity > 0
        ]
        for e in sorted(outputs, key=lambda e: e.entry_no, reverse=True):
            done = b.reversed(ValueSource.ITEM, e.entry_no)
            take = min(left, e.quantity - done)
            if take <= 0:
                continue
            ref = b.item_entry(
                ItemEntryType.OUTPUT,
                e.item_no,
                -take,
                unit=e.unit,
                location_code=e.location_code,
                order_id=order_id,
                order_line_no=line.line_no,
                operation_no=e.operation_no,
                capacity_entry_no=cap_ref,
                applies_to_entry_no=e.entry_no,
                reason=description,
            )
            reverse_values(
                b,
                ValueSource.ITEM,
                e.entry_no,
                ref,
                done,
                done + take,
                e.quantity,
                order_id,
                line.line_no,
            )
            left -= take
            if left <= 0:
                break
        b.put_line(
            order_id,
            revise(
                line,
                finished_quantity=line.finished_quantity - qty,
                scrap_quantity=line.scrap_quantity + qty,
            ),
        )
    b.notes.append(f"Scrapped {qty} {line.unit} of {line.item_no} after quality order {qo.no}")


def _rework(b: PostingBuilder, order_id: str, qo: QualityOrder, qty: Decimal, op_no: str) -> None:
    """Send ``qty`` units back to ``op_no``: the operation is in progress again and takes
    their output (and cost) when it is posted there once more. Nothing is posted now."""
    line = b.orders[order_id].line(qo.line_no)
    op = line.operation(op_no)
    if qo.operation_no is not None:
        ops = [o.operation_no for o in line.operations]
        if ops.index(op_no) > ops.index(qo.operation_no):
            raise NotAllowedError(
                action=f"rework at operation {op_no}",
                reason=f"it comes after operation {qo.operation_no}",
            )
    b.put_operation(order_id, line.line_no, revise(op, status=RoutingStatus.IN_PROGRESS))
    b.notes.append(f"{qty} {line.unit} of {line.item_no} to rework at operation {op_no}")


def _resolve(
    b: PostingBuilder,
    order_id: str,
    qo: QualityOrder,
    action: QualityFailureAction,
    quantity: Decimal | None,
    scrap_code: str | None,
    rework_operation_no: str | None,
) -> QualityOrder:
    qty = qo.failed_quantity if quantity is None else quantity
    if qty <= 0:
        raise InvalidValueError(field="quantity", value=qty, reason="must be positive")
    if action is QualityFailureAction.SCRAP:
        code = scrap_code or qo.check.scrap_code
        _scrap(b, order_id, qo, qty, code)
        disposition = f"SCRAP {qty}" + (f" code {code}" if code else "")
    elif action is QualityFailureAction.REWORK:
        op_no = rework_operation_no or qo.check.rework_operation_no
        if op_no is None:
            raise InvalidValueError(
                field="rework_operation_no", value=None, reason="name the rework operation"
            )
        _rework(b, order_id, qo, qty, op_no)
        disposition = f"REWORK {qty} at {op_no}"
    else:
        disposition = f"ACCEPT {qty}"
    return revise(qo, status=QualityOrderStatus.RESOLVED, disposition=disposition)


@in_own_context
def decide_quality(
    command: QualityCommand,
    get_order: Callable[[str], ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
) -> Execution:
    """What a quality command changes and posts (pure: raises to refuse)."""
    b = PostingBuilder(md, ledger, get_order, at, command.document_no or command.idempotency_key)
    order = b.order(command.order_id, command=command.name)
    qo = order.quality_order(command.quality_order_no)
    match command:
        case RecordQualityResults():
            if qo.status is not QualityOrderStatus.OPEN:
                raise NotAllowedError(
                    action=f"record results of quality order {qo.no}",
                    reason=f"it is {qo.status.value}",
                )
            failed = (
                qo.covered_quantity if command.failed_quantity is None else command.failed_quantity
            )
            if not ZERO < failed <= qo.covered_quantity:
                raise InvalidValueError(
                    field="failed_quantity",
                    value=failed,
                    reason=f"must be above 0 and at most {qo.covered_quantity}",
                )
            qo = evaluate(qo, command.results)
            if qo.status is QualityOrderStatus.FAILED:
                qo = revise(qo, failed_quantity=failed)
                b.notes.append(f"Quality order {qo.no} failed: {failed} failed")
                if qo.check.on_failure is not QualityFailureAction.NONE:
                    qo = _resolve(b, order.id, qo, qo.check.on_failure, None, None, None)
            else:
                b.notes.append(f"Quality order {qo.no} is {qo.status.value}")
        case ResolveQualityOrder():
            if qo.status is not QualityOrderStatus.FAILED:
                raise NotAllowedError(
                    action=f"resolve quality order {qo.no}",
                    reason=f"only a failed quality order is resolved; it is {qo.status.value}",
                )
            qo = _resolve(
                b,
                order.id,
                qo,
                command.action,
                command.quantity,
                command.scrap_code,
                command.rework_operation_no,
            )
        case _:
            assert_never(command)
    _put_quality_order(b, order.id, qo)
    return b.result(command.idempotency_key)
