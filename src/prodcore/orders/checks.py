"""Pure guards and rules over the order model that postings consult.

Quality: which quality orders an output report creates (:func:`quality_orders_for_output`,
sampled by :func:`sample_quantities`), and the quality orders that block output at later
operations (:func:`check_not_blocked`) or finishing (:func:`check_finish_quality`).
Subcontracting: finishing waits for outstanding requested work
(:func:`check_finish_subcontracting`). They read only the order, so the posting
operations and the quality and subcontracting deciders all build on them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.errors import InvalidTransitionError, QualityBlockError
from prodcore.masterdata import QualityCheck
from prodcore.numbers import ZERO
from prodcore.orders.model import Operation, OrderLine, ProductionOrder, QualityOrder

__all__ = [
    "check_finish_quality",
    "check_finish_subcontracting",
    "check_not_blocked",
    "quality_orders_for_output",
    "sample_quantities",
]

_FINISH = "change status to FINISHED"


def sample_quantities(
    check: QualityCheck, line_quantity: Decimal, reported: Decimal, first: bool
) -> tuple[tuple[Decimal, Decimal], ...]:
    """``(sample, covered quantity)`` of the quality orders one report creates.

    Per updated quantity, every report gets one quality order; otherwise the first report
    gets one for the reported quantity and one for the rest of the line, later ones none.

    >>> from prodcore.masterdata import QualityTest
    >>> pct = QualityCheck("C", (QualityTest("T"),), sample_percent=10)
    >>> sample_quantities(pct, Decimal(100), Decimal(30), True)
    ((Decimal('3'), Decimal('30')),)
    >>> one = QualityCheck("C", (QualityTest("T"),), sample_quantity=1, per_updated_quantity=False)
    >>> sample_quantities(one, Decimal(100), Decimal(30), True)
    ((Decimal('1'), Decimal('30')), (Decimal('1'), Decimal('70')))
    >>> sample_quantities(one, Decimal(100), Decimal(10), False)
    ()
    """
    if check.per_updated_quantity:
        return ((check.sample(reported), reported),)
    if not first:
        return ()
    rest = max(line_quantity - reported, ZERO)
    return tuple((check.sample(q), q) for q in (reported, rest) if q > 0)


def _checks_at(
    line: OrderLine, op: Operation | None
) -> tuple[tuple[str | None, QualityCheck], ...]:
    found: list[tuple[str | None, QualityCheck]] = []
    if op is not None:
        found.extend((op.operation_no, c) for c in op.quality_checks)
    if op is None or op.is_last:
        found.extend((None, c) for c in line.quality_checks)
    return tuple(found)


def quality_orders_for_output(
    order: ProductionOrder,
    line: OrderLine,
    op: Operation | None,
    reported: Decimal,
    at: dt.datetime,
) -> tuple[QualityOrder, ...]:
    """The quality orders a report of ``reported`` units at ``op`` creates (numbered
    after the order's existing ones: ``Q1``, ``Q2``, ...)."""
    created: list[QualityOrder] = []
    for op_no, check in _checks_at(line, op):
        first = not any(
            q.line_no == line.line_no and q.operation_no == op_no and q.check.code == check.code
            for q in order.quality_orders
        )
        for sample, covered in sample_quantities(check, line.quantity, reported, first):
            no = f"Q{len(order.quality_orders) + len(created) + 1}"
            created.append(QualityOrder(no, line.line_no, op_no, check, sample, covered, at))
    return tuple(created)


def check_not_blocked(order: ProductionOrder, line: OrderLine, op: Operation | None) -> None:
    """Refuse output at ``op`` (:class:`~prodcore.errors.QualityBlockError`) while an
    earlier operation of the line has an open or failed quality order whose check blocks
    the next operations."""
    if op is None or not order.quality_orders:
        return
    ops = [o.operation_no for o in line.operations]
    earlier = set(ops[: ops.index(op.operation_no)])
    for qo in order.quality_orders:
        if (
            qo.line_no == line.line_no
            and qo.operation_no in earlier
            and qo.blocking
            and qo.check.blocks_next_operations
        ):
            raise QualityBlockError(
                quality_order_id=qo.no,
                state=qo.status.value,
                action=f"output at operation {op.operation_no} (after {qo.operation_no})",
            )


def check_finish_quality(order: ProductionOrder) -> None:
    """Refuse finishing while a quality order whose check blocks finishing is open or
    failed (not resolved)."""
    for qo in order.quality_orders:
        if qo.blocking and qo.check.blocks_finish:
            raise InvalidTransitionError(
                order_id=order.id,
                status=order.status.value,
                command=_FINISH,
                reason=f"Quality order {qo.no} is {qo.status.value}.",
            )


def check_finish_subcontracting(order: ProductionOrder) -> None:
    """Refuse finishing while requested subcontracted work is outstanding."""
    for line, op in order.iter_operations():
        if op.subcontract_outstanding > 0:
            raise InvalidTransitionError(
                order_id=order.id,
                status=order.status.value,
                command=_FINISH,
                reason=(
                    f"Subcontracted work is outstanding for operation {op.operation_no} of "
                    f"line {line.line_no}: {op.subcontract_outstanding} {line.unit} "
                    "(receive or cancel it first)."
                ),
            )
