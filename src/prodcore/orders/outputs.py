"""BOM outputs on orders: co-products, by-products and scrap, and planned process loss (pure).

A production BOM may list outputs besides its main item (:class:`~prodcore.masterdata.
BomOutputLine`, quantities per base unit of the main item's output) and a planned
**process loss**: an order of quantity ``Q`` puts ``Q`` through the process (components
and operations follow ``Q`` as usual) and is expected to yield ``Q × (1 − loss% / 100)``
of the main item. What is expected follows from the output:

* :func:`explode_outputs`: the outputs of a BOM with those of its phantom BOM lines, each
  phantom's quantity per multiplied in (a phantom passes its by-products and scrap to the
  parent; a co-product on a phantom is refused, its cost share would have no order line);
* :func:`co_product_specs`: what ``CreateOrder`` puts on co-product lines;
* :func:`expected_outputs`: the co- and by-product quantities for a main output (ready
  to post with :mod:`prodcore.orders.output_lines`, which also reports process loss).

**Rounding rule** (BC has none): an expected co- or by-product quantity is
``quantity per × main output`` rounded half up to the item's rounding precision, and the
residual (exact − rounded) is kept on :class:`ExpectedOutput`; a quantity that rounds to
0 yields no posting line (its residual is the whole exact quantity).

>>> from prodcore.masterdata import *
>>> md = MasterData.of(
...     items=[Item("OIL", base_unit="L", replenishment=Replenishment.PRODUCTION,
...                 production_bom_no="PRESS"),
...            Item("SEED", base_unit="KG"), Item("MEAL", base_unit="KG"),
...            Item("HULLS", base_unit="KG", rounding_precision="0.1")],
...     boms=[ProductionBom("PRESS", (BomLine("SEED", 3),), process_loss_percent=10,
...         outputs=(BomOutputLine("MEAL", 2, cost_share_percent=30),
...                  BomOutputLine("HULLS", "0.25", kind=OutputKind.BY_PRODUCT)))])
>>> [(o.item_no, str(o.quantity), str(o.residual)) for o in expected_outputs("PRESS", Decimal("4.5"), md)]
[('MEAL', '9.00000', '0.00000'), ('HULLS', '1.1', '0.025')]
>>> expected_output_quantity(Decimal(100), md.bom("PRESS"))
Decimal('90.0')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Protocol

import attrs

from prodcore.errors import BomCycleError, NotAllowedError
from prodcore.masterdata import (
    BomLineType,
    BomOutputLine,
    Item,
    OutputKind,
    OutputValuation,
    ProductionBom,
    Routing,
)
from prodcore.numbers import ONE, ZERO
from prodcore.orders.model import OrderLine
from prodcore.records import revise

__all__ = [
    "ExpectedOutput",
    "OutputsLookup",
    "co_product_specs",
    "expected_output_quantity",
    "expected_outputs",
    "explode_outputs",
    "line_yield",
    "output_yield",
]


class OutputsLookup(Protocol):
    """What expecting outputs reads of master data (``MasterData`` and repositories fit)."""

    def item(self, no: str) -> Item: ...
    def bom(self, no: str) -> ProductionBom: ...
    def routing(self, no: str) -> Routing: ...


def explode_outputs(
    bom_no: str, md: OutputsLookup, at: dt.date | None = None
) -> tuple[BomOutputLine, ...]:
    """The BOM's outputs, then those of its phantom lines (depth first, in line order),
    each per unit of the top BOM's main output.

    >>> from prodcore.masterdata import *
    >>> md = MasterData.of(items=[Item("S", base_unit="KG")], boms=[
    ...     ProductionBom("TOP", (BomLine("SUB", 2, type=BomLineType.PRODUCTION_BOM),)),
    ...     ProductionBom("SUB", (), outputs=(BomOutputLine("S", "0.5", kind=OutputKind.SCRAP),))])
    >>> [(o.no, str(o.quantity_per)) for o in explode_outputs("TOP", md)]
    [('S', '1.0')]
    """
    top = md.bom(bom_no)
    found = list(top.outputs)
    path = [bom_no]
    on_path = {bom_no}
    stack: list[tuple[Iterator[tuple[str, Decimal]], Decimal]] = [
        (_phantoms(top, at), ONE)
    ]  # fmt: skip
    while stack:
        lines, factor = stack[-1]
        step = next(lines, None)
        if step is None:
            stack.pop()
            on_path.discard(path.pop())
            continue
        no, qper = step
        if no in on_path:
            raise BomCycleError(cycle=(*path[path.index(no) :], no))
        bom = md.bom(no)
        scale = factor * qper
        for output in bom.outputs:
            if output.is_co_product:
                raise NotAllowedError(
                    action=f"use phantom BOM {no} with co-product {output.no} in {bom_no}",
                    reason="a co-product's cost share belongs to the BOM of the order line",
                )
            found.append(revise(output, quantity_per=output.quantity_per * scale))
        path.append(no)
        on_path.add(no)
        stack.append((_phantoms(bom, at), scale))
    return tuple(found)


def _phantoms(bom: ProductionBom, at: dt.date | None) -> Iterator[tuple[str, Decimal]]:
    for line in bom.active_lines(at):
        if line.type is BomLineType.PRODUCTION_BOM:
            yield line.no, line.effective_quantity_per


def output_yield(bom: ProductionBom | None, routing: Routing | None = None) -> Decimal:
    """Expected output per unit put through: ``(1 − BOM loss%/100) × (1 − routing
    loss%/100)`` (1 without either)."""
    factor = ONE if bom is None else bom.yield_factor
    return factor if routing is None else factor * routing.yield_factor


def line_yield(line: OrderLine, md: OutputsLookup) -> Decimal:
    """The line's expected output per unit put through its BOM's and routing's process
    (1 without a planned process loss)."""
    return output_yield(
        md.bom(line.bom_no) if line.bom_no else None,
        md.routing(line.routing_no) if line.routing_no else None,
    )


def expected_output_quantity(
    quantity: Decimal, bom: ProductionBom | None, routing: Routing | None = None
) -> Decimal:
    """The main item's expected output of ``quantity`` put through the BOM's and the
    routing's process: ``quantity ×`` :func:`output_yield` (exact)."""
    factor = output_yield(bom, routing)
    return quantity if factor == ONE else quantity * factor


@attrs.frozen
class ExpectedOutput:
    """An output expected with a main output: ``exact`` = quantity per × main output,
    ``quantity`` rounded by the rule of the module, ``residual`` = exact − quantity."""

    item_no: str
    kind: OutputKind
    exact: Decimal
    quantity: Decimal
    valuation: OutputValuation
    price: Decimal

    @property
    def residual(self) -> Decimal:
        return self.exact - self.quantity

    @property
    def unit_cost(self) -> Decimal | None:
        """The credit per base unit of a by-product (None: the item's cost, as a
        by-product posting without a unit cost takes it)."""
        if self.valuation is OutputValuation.FIXED_PRICE:
            return self.price
        if self.valuation is OutputValuation.ZERO:
            return ZERO
        return None


def expected_outputs(
    bom_no: str, main_output: Decimal, md: OutputsLookup, at: dt.date | None = None
) -> tuple[ExpectedOutput, ...]:
    """The co-, by-products and scrap expected with ``main_output`` of the BOM's item."""
    result: list[ExpectedOutput] = []
    for output in explode_outputs(bom_no, md, at):
        exact = output.quantity_per * main_output
        quantity = md.item(output.no).rounding.apply(exact)
        result.append(
            ExpectedOutput(output.no, output.kind, exact, quantity, output.valuation, output.price)
        )
    return tuple(result)


def co_product_specs(
    item_no: str, quantity: Decimal, md: OutputsLookup, at: dt.date | None = None
) -> tuple[tuple[str, Decimal, Decimal], ...]:
    """(item, quantity, cost share %) of each co-product of the item's BOM for an order
    of ``quantity``: the co-product's quantity follows the expected main output."""
    item = md.item(item_no)
    bom_no = item.production_bom_no
    if bom_no is None:
        return ()
    bom = md.bom(bom_no)
    routing = None if item.routing_no is None else md.routing(item.routing_no)
    output = expected_output_quantity(quantity, bom, routing)
    outputs = expected_outputs(bom_no, output, md, at)
    co = [o for o in outputs if o.kind is OutputKind.CO_PRODUCT]
    return tuple(
        (o.item_no, o.quantity, share) for o, share in zip(co, bom.co_product_shares(), strict=True)
    )
