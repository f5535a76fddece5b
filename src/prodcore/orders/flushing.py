"""Flushing: which components are consumed automatically, when, and how much (pure).

Business Central's rules:

==============  =====================================  ===========================================
method           component without routing link         component linked to an operation
==============  =====================================  ===========================================
MANUAL           journals only                          journals only
FORWARD          at release: the remaining quantity     when the operation starts (its first
                                                        posting): the remaining quantity
BACKWARD         at finish: qty per × (output + scrap)  with each output posting of the operation:
                 less what is consumed                  qty per × (output + scrap) of that posting
PICK_FORWARD     as FORWARD, up to what is picked       as FORWARD, up to what is picked
PICK_BACKWARD    as BACKWARD, up to what is picked      as BACKWARD, up to what is picked
PICK_MANUAL      journals, up to what is picked         journals, up to what is picked
==============  =====================================  ===========================================

The quantity "by actual output" is ``Qper × (output + scrap) × (1 + scrap %/100)``
(a Fixed Quantity component needs ``Qper × (1 + scrap %/100)`` once there is output),
rounded *up* to the rounding precision of the component's unit, as the expected quantity
is (:meth:`~prodcore.masterdata.Item.need_rounding`). For example, 0.01 kg per
metre, 200 m reported; and 0.13 per piece of a whole-piece component, 10 reported:

>>> from prodcore.orders.model import Component
>>> from prodcore.masterdata import FlushingMethod, NeedRounding
>>> comp = Component(10000, "WIRE", "KG", "0.01", "8", FlushingMethod.BACKWARD, routing_link_code="L")
>>> needed_for_output(comp, Decimal(200), NeedRounding(Decimal("0.00001")))
Decimal('2.00000')
>>> pin = Component(20000, "PIN", "PCS", "0.13", "2", FlushingMethod.BACKWARD)
>>> needed_for_output(pin, Decimal(10), NeedRounding(Decimal(1)))
Decimal('2')
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from prodcore.masterdata import CalculationFormula, ConsumptionBasis, FlushingMethod, NeedRounding
from prodcore.numbers import HUNDRED, ONE, ZERO
from prodcore.orders.model import Component, Operation, OrderLine, ProductionOrder, RoutingStatus

__all__ = [
    "available_in_bin",
    "consumption_needed",
    "flushable",
    "linked_operation",
    "needed_for_output",
    "operation_started",
    "output_basis",
]


def needed_for_output(
    comp: Component, basis: Decimal, rounding: NeedRounding, yield_factor: Decimal = ONE
) -> Decimal:
    """What ``basis`` units of output plus scrap need of ``comp`` (BC's actual-output need).

    ``yield_factor`` is the line's expected output per unit put through
    (:func:`prodcore.orders.outputs.line_yield`): with a planned process loss, ``basis`` came out of
    ``basis / yield_factor`` put through, and that is what consumed the component, as
    the expected consumption counts it."""
    factor = ONE + comp.scrap_percent / HUNDRED
    if comp.formula is CalculationFormula.FIXED_QUANTITY:
        return rounding.apply(comp.quantity_per * factor) if basis > 0 else ZERO
    return rounding.apply(comp.quantity_per * basis / yield_factor * factor)


def available_in_bin(comp: Component) -> Decimal:
    """What a pick-method component has in the production bin: picked less consumed."""
    return max(comp.picked_quantity - comp.consumed_quantity, ZERO)


def flushable(comp: Component, quantity: Decimal) -> Decimal:
    """``quantity`` limited to what may be flushed (the bin's content for pick methods)."""
    if comp.flushing_method.needs_pick:
        return min(quantity, available_in_bin(comp))
    return quantity


def linked_operation(line: OrderLine, comp: Component) -> Operation | None:
    """The operation the component is linked to (by routing link code), if any."""
    return line.operation_for_link(comp.routing_link_code)


def operation_started(op: Operation) -> bool:
    """Whether anything was posted on the operation (BC: the operation has started)."""
    return op.status is not RoutingStatus.PLANNED or bool(
        op.output_quantity or op.scrap_quantity or op.posted_setup_time or op.posted_run_time
    )


def output_basis(line: OrderLine, comp: Component) -> Decimal:
    """Output plus scrap posted so far that the component's consumption follows: its linked
    operation's, else the line's (last operation's output and scrap)."""
    op = linked_operation(line, comp)
    if op is not None:
        return op.output_quantity + op.scrap_quantity
    return line.finished_quantity + line.scrap_quantity


def consumption_needed(
    line: OrderLine,
    comp: Component,
    basis: ConsumptionBasis,
    rounding: NeedRounding,
    yield_factor: Decimal = ONE,
) -> Decimal:
    """BC's "Calculate Consumption" for one component (never negative).

    Expected output: the remaining quantity. Actual output: what the posted output and
    scrap need, less what is consumed already.
    """
    if basis is ConsumptionBasis.EXPECTED_OUTPUT:
        return comp.remaining_quantity
    need = needed_for_output(comp, output_basis(line, comp), rounding, yield_factor)
    return max(need - comp.consumed_quantity, ZERO)


def calculable_components(
    orders: Iterable[ProductionOrder],
) -> Iterable[tuple[ProductionOrder, OrderLine, Component]]:
    """Components "Calculate Consumption" considers: not backward flushed."""
    for order in orders:
        for line, comp in order.iter_components():
            if comp.flushing_method not in (FlushingMethod.BACKWARD, FlushingMethod.PICK_BACKWARD):
                yield order, line, comp
