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
* :func:`expected_outputs`, :func:`by_product_lines`, :func:`co_product_output_lines`: the
  co- and by-product quantities for a main output, ready to post;
* :func:`process_loss`: expected and actual loss of each main line, as quantities.

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

import attrs

from prodcore.errors import BomCycleError, NotAllowedError
from prodcore.masterdata import (
    BomLineType,
    BomOutputLine,
    OutputKind,
    OutputValuation,
    ProductionBom,
)
from prodcore.numbers import ONE, ZERO
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.journals import ByProductLine, OutputLine
from prodcore.orders.model import OrderLine, ProductionOrder

__all__ = [
    "ExpectedOutput",
    "LineLoss",
    "by_product_lines",
    "co_product_output_lines",
    "co_product_specs",
    "expected_output_quantity",
    "expected_outputs",
    "explode_outputs",
    "process_loss",
]


def explode_outputs(
    bom_no: str, md: MasterDataLookup, at: dt.date | None = None
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
            found.append(attrs.evolve(output, quantity_per=output.quantity_per * scale))
        path.append(no)
        on_path.add(no)
        stack.append((_phantoms(bom, at), scale))
    return tuple(found)


def _phantoms(bom: ProductionBom, at: dt.date | None) -> Iterator[tuple[str, Decimal]]:
    for line in bom.active_lines(at):
        if line.type is BomLineType.PRODUCTION_BOM:
            yield line.no, line.effective_quantity_per


def expected_output_quantity(quantity: Decimal, bom: ProductionBom | None) -> Decimal:
    """The main item's expected output of ``quantity`` put through the BOM's process:
    ``quantity × (1 − loss% / 100)`` (exact)."""
    if bom is None or not bom.process_loss_percent:
        return quantity
    return quantity * bom.yield_factor


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
    bom_no: str, main_output: Decimal, md: MasterDataLookup, at: dt.date | None = None
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
    item_no: str, quantity: Decimal, md: MasterDataLookup, at: dt.date | None = None
) -> tuple[tuple[str, Decimal, Decimal], ...]:
    """(item, quantity, cost share %) of each co-product of the item's BOM for an order
    of ``quantity``: the co-product's quantity follows the expected main output."""
    bom_no = md.item(item_no).production_bom_no
    if bom_no is None:
        return ()
    bom = md.bom(bom_no)
    outputs = expected_outputs(bom_no, expected_output_quantity(quantity, bom), md, at)
    co = [o for o in outputs if o.kind is OutputKind.CO_PRODUCT]
    return tuple(
        (o.item_no, o.quantity, share) for o, share in zip(co, bom.co_product_shares(), strict=True)
    )


def _main_line(order: ProductionOrder, line_no: int) -> tuple[OrderLine, str]:
    line = order.line(line_no)
    if line.bom_no is None:
        raise NotAllowedError(
            action=f"expect outputs of line {line_no} of order {order.id}",
            reason="the line has no production BOM",
        )
    return line, line.bom_no


def by_product_lines(
    order: ProductionOrder, line_no: int, main_output: Decimal, md: MasterDataLookup
) -> tuple[ByProductLine, ...]:
    """The by-product postings (``PostByProduct`` lines) expected with ``main_output`` of
    the order line, from its BOM at the order's due date; valued by each output's basis."""
    line, bom_no = _main_line(order, line_no)
    return tuple(
        ByProductLine(order.id, line.line_no, o.item_no, o.quantity, unit_cost=o.unit_cost)
        for o in expected_outputs(bom_no, main_output, md, order.due_date)
        if o.kind is not OutputKind.CO_PRODUCT and o.quantity > 0
    )


def co_product_output_lines(
    order: ProductionOrder, line_no: int, main_output: Decimal, md: MasterDataLookup
) -> tuple[OutputLine, ...]:
    """The output of the order's co-product lines (``PostOutput`` lines) expected with
    ``main_output`` of the main line, from its BOM at the order's due date."""
    _, bom_no = _main_line(order, line_no)
    co_lines = {line.item_no: line for line in order.lines if line.co_product}
    return tuple(
        OutputLine(order.id, co_lines[o.item_no].line_no, None, output_quantity=o.quantity)
        for o in expected_outputs(bom_no, main_output, md, order.due_date)
        if o.kind is OutputKind.CO_PRODUCT and o.quantity > 0 and o.item_no in co_lines
    )


@attrs.frozen
class LineLoss:
    """Process loss of an order line: ``quantity`` put through, the ``expected`` output
    and loss, the ``actual`` output so far and the loss it leaves (``quantity − actual``,
    scrap posted on output included); ``excess`` = actual loss − expected loss."""

    line_no: int
    item_no: str
    quantity: Decimal
    loss_percent: Decimal
    expected_output: Decimal
    actual_output: Decimal

    @property
    def expected_loss(self) -> Decimal:
        return self.quantity - self.expected_output

    @property
    def actual_loss(self) -> Decimal:
        return self.quantity - self.actual_output

    @property
    def excess(self) -> Decimal:
        return self.actual_loss - self.expected_loss


def process_loss(order: ProductionOrder, md: MasterDataLookup) -> tuple[LineLoss, ...]:
    """Expected and actual process loss of each line with a BOM (co-product lines and
    lines without BOM have none). At finish the actual loss is final; its cost is in the
    variances, since the line's actual cost is spread over a smaller output."""
    result: list[LineLoss] = []
    for line in order.lines:
        if line.bom_no is None or line.co_product:
            continue
        bom = md.bom(line.bom_no)
        result.append(
            LineLoss(
                line.line_no,
                line.item_no,
                line.quantity,
                bom.process_loss_percent,
                expected_output_quantity(line.quantity, bom),
                line.finished_quantity,
            )
        )
    return tuple(result)
