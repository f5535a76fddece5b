"""Rescaling an order's lines to a new header quantity, keeping what is posted.

A quantity change of an order with postings and a split both rescale the lines by the
factor new / old: each line's quantity, its components' expected quantities and its
operations' input quantities, rounded as the explosion rounds them. Counters of postings
(finished, consumed, output, posted times) stay where they are, and nothing may go below
what is posted: a line below its finished quantity, a component below its consumption,
an operation below its output + scrap. A quantity change refuses that; a split
(``clamp``) keeps on the origin at least what is posted to each component and
operation, so that the moved share is never posted already. A component of the Fixed Quantity formula needs
its quantity once per order, whatever the order's quantity, and keeps it.

>>> from decimal import Decimal
>>> from prodcore.masterdata import Item, MasterData
>>> from prodcore.orders.model import Component, OrderLine
>>> md = MasterData.of(items=[Item("T", base_unit="PCS", rounding_precision=1),
...                           Item("LEG", base_unit="PCS", rounding_precision=1)])
>>> line = OrderLine(10000, "T", 100, components=(Component(10000, "LEG", "PCS", 4, 400),))
>>> (kept,) = rescale_lines((line,), Decimal(100), Decimal(60), md, order_id="PO-1")
>>> kept.quantity, kept.components[0].expected_quantity
(Decimal('60'), Decimal('240'))
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from prodcore.errors import InsufficientQuantityError, InvalidValueError
from prodcore.masterdata import CalculationFormula, Item
from prodcore.numbers import ZERO, Rounding
from prodcore.orders.model import Component, Operation, OrderLine
from prodcore.records import revise

__all__ = ["INPUT_ROUNDING", "ItemLookup", "rescale_lines"]

#: Operations' input quantities (and components kept in another unit than the item's
#: base unit) are rounded to five decimals.
INPUT_ROUNDING = Rounding(Decimal("0.00001"))


class ItemLookup(Protocol):
    """What rescaling reads: items (for their rounding precision)."""

    def item(self, no: str) -> Item: ...


def rescale_lines(
    lines: tuple[OrderLine, ...],
    old_quantity: Decimal,
    new_quantity: Decimal,
    md: ItemLookup,
    *,
    order_id: str,
    clamp: bool = False,
) -> tuple[OrderLine, ...]:
    """``lines`` for ``new_quantity`` instead of ``old_quantity``, posted counters kept.

    Refuses (:class:`~prodcore.errors.InsufficientQuantityError`) a line, component or
    operation that would need less than is already posted to it."""
    if new_quantity < 0:
        raise InvalidValueError(field="quantity", value=new_quantity, reason="must not be negative")
    if old_quantity <= 0:
        raise InvalidValueError(
            field="quantity", value=old_quantity, reason="an order of zero cannot be rescaled"
        )
    factor = new_quantity / old_quantity
    return tuple(_line(line, factor, md, order_id, clamp) for line in lines)


def _line(
    line: OrderLine, factor: Decimal, md: ItemLookup, order_id: str, clamp: bool
) -> OrderLine:
    quantity = md.item(line.item_no).rounding.apply(line.quantity * factor)
    quantity = _floor(
        f"Quantity of line {line.line_no} of {order_id}", quantity, line.finished_quantity, False
    )
    return revise(
        line,
        quantity=quantity,
        components=tuple(_component(c, factor, md, order_id, clamp) for c in line.components),
        operations=tuple(_operation(o, factor, order_id, clamp) for o in line.operations),
    )


def _component(
    comp: Component, factor: Decimal, md: ItemLookup, order_id: str, clamp: bool
) -> Component:
    if comp.formula is CalculationFormula.FIXED_QUANTITY:
        return comp
    item = md.item(comp.item_no)
    rounding = item.rounding if comp.unit == item.base_unit else INPUT_ROUNDING
    expected = rounding.apply(comp.expected_quantity * factor)
    expected = _floor(
        f"Expected quantity of {comp.item_no} (component {comp.line_no}) of {order_id}",
        expected,
        min(comp.consumed_quantity, comp.expected_quantity),
        clamp,
    )
    return revise(comp, expected_quantity=expected)


def _operation(op: Operation, factor: Decimal, order_id: str, clamp: bool) -> Operation:
    input_quantity = INPUT_ROUNDING.apply(op.input_quantity * factor)
    input_quantity = _floor(
        f"Input quantity of operation {op.operation_no} of {order_id}",
        input_quantity,
        min(op.output_quantity + op.scrap_quantity, op.input_quantity),
        clamp,
    )
    return revise(op, input_quantity=input_quantity)


def _floor(what: str, quantity: Decimal, posted: Decimal, clamp: bool) -> Decimal:
    """``quantity``, or ``posted`` when that is more (refused unless ``clamp``)."""
    if quantity >= posted:
        return quantity
    if clamp:
        return posted
    raise InsufficientQuantityError(
        what=f"{what}: it cannot go below what is posted",
        requested=quantity,
        available=max(posted, ZERO),
    )
