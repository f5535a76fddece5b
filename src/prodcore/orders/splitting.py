"""Splitting an order: part of its remaining quantity moves to a new order.

The new order takes its share of every line, with the same share of the components'
expected quantities and of the operations' input quantities (the capacity they need);
the origin keeps the rest (at least what is consumed of each component and output or
scrapped at each operation) and everything posted: finished and scrapped quantities,
consumption, picks, operation output and time, quality orders and subcontracting
requests. Shares are rounded once, on the origin (as a quantity change rounds it), and
the new order takes the difference, so the two add up to the order before the split.
A component of the Fixed Quantity formula is needed once per order: both orders keep it
whole. The new order has the origin's status and dates and names it as its origin; a
backorder (:class:`~prodcore.orders.lifecycle.ChangeStatus` with ``backorder``) is the
split of the remainder just before the origin is finished.

>>> import datetime as dt
>>> from prodcore.masterdata import Item, MasterData
>>> from prodcore.orders.model import Component, OrderLine, OrderStatus, ProductionOrder
>>> md = MasterData.of(items=[Item("T", base_unit="PCS", rounding_precision=1),
...                           Item("LEG", base_unit="PCS", rounding_precision=1)])
>>> line = OrderLine(10000, "T", 100, components=(Component(10000, "LEG", "PCS", 4, 400),))
>>> order = ProductionOrder("PO-1", OrderStatus.RELEASED, "T", 100,
...                         due_date=dt.date(2026, 3, 9), lines=(line,))
>>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
>>> origin, new = split_order(order, SplitOrder("PO-1", "PO-2", 40), md, at)
>>> origin.quantity, origin.lines[0].components[0].expected_quantity
(Decimal('60'), Decimal('240'))
>>> new.quantity, new.lines[0].components[0].expected_quantity, new.origin_order_id
(Decimal('40'), Decimal('160'), 'PO-1')
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from prodcore.errors import InvalidTransitionError, InvalidValueError
from prodcore.masterdata import CalculationFormula
from prodcore.numbers import ZERO, as_decimal
from prodcore.orders.model import (
    Component,
    Operation,
    OrderLine,
    OrderStatus,
    ProductionOrder,
    RoutingStatus,
    StatusChange,
)
from prodcore.orders.rescaling import ItemLookup, rescale_lines
from prodcore.records import revise

__all__ = ["SplitOrder", "split_order"]


@attrs.frozen
class SplitOrder:
    """Move ``quantity`` of a released order's remaining quantity to the new order
    ``new_order_id``; nothing posted moves."""

    order_id: str
    new_order_id: str
    quantity: Decimal = attrs.field(converter=as_decimal)
    name = "split"


def split_order(
    order: ProductionOrder, command: SplitOrder, md: ItemLookup, at: dt.datetime
) -> tuple[ProductionOrder, ProductionOrder]:
    """The origin after the split and the new order (version 0, not yet saved).

    Refused: an order that is not released (or is cancelled), a quantity that is not
    positive or leaves the origin nothing, more than the origin has not finished (any
    line, component or operation going below what is posted to it)."""
    if order.status is not OrderStatus.RELEASED or order.cancelled_at is not None:
        raise InvalidTransitionError(
            order_id=order.id,
            status=order.status.value,
            command=command.name,
            reason="Only a released order that is not cancelled is split.",
        )
    if command.new_order_id == order.id:
        raise InvalidValueError(
            field="new_order_id", value=command.new_order_id, reason="is the order split"
        )
    quantity = command.quantity
    if not ZERO < quantity < order.quantity:
        raise InvalidValueError(
            field="quantity",
            value=quantity,
            reason=f"must be positive and less than the order's quantity {order.quantity}",
        )
    kept_quantity = order.quantity - quantity
    kept = rescale_lines(
        order.lines, order.quantity, kept_quantity, md, order_id=order.id, clamp=True
    )
    moved = tuple(_moved_line(o, k) for o, k in zip(order.lines, kept, strict=True))
    kept_started = min(order.started_quantity, kept_quantity)
    origin = revise(order, quantity=kept_quantity, lines=kept, started_quantity=kept_started)
    new = ProductionOrder(
        id=command.new_order_id,
        status=order.status,
        item_no=order.item_no,
        quantity=quantity,
        due_date=order.due_date,
        location_code=order.location_code,
        description=order.description,
        lines=moved,
        history=(StatusChange(None, order.status, at, f"split from {order.id}"),),
        starting=order.starting,
        ending=order.ending,
        origin_order_id=order.id,
        profile=order.profile,
        d365_status=order.d365_status,
        started_quantity=order.started_quantity - kept_started,
    )
    return origin, new


def _moved_line(origin: OrderLine, kept: OrderLine) -> OrderLine:
    """What the new order takes of a line: the difference, with no postings."""
    return revise(
        origin,
        quantity=origin.quantity - kept.quantity,
        finished_quantity=ZERO,
        scrap_quantity=ZERO,
        components=tuple(
            _moved_component(o, k) for o, k in zip(origin.components, kept.components, strict=True)
        ),
        operations=tuple(
            _moved_operation(o, k) for o, k in zip(origin.operations, kept.operations, strict=True)
        ),
    )


def _moved_component(origin: Component, kept: Component) -> Component:
    expected = (
        origin.expected_quantity
        if origin.formula is CalculationFormula.FIXED_QUANTITY
        else origin.expected_quantity - kept.expected_quantity
    )
    return revise(origin, expected_quantity=expected, consumed_quantity=ZERO, picked_quantity=ZERO)


def _moved_operation(origin: Operation, kept: Operation) -> Operation:
    return revise(
        origin,
        input_quantity=origin.input_quantity - kept.input_quantity,
        status=RoutingStatus.PLANNED,
        output_quantity=ZERO,
        scrap_quantity=ZERO,
        posted_setup_time=ZERO,
        posted_run_time=ZERO,
        subcontract_requested=ZERO,
        subcontract_received=ZERO,
        subcontract_cancelled=ZERO,
    )
