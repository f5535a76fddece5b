"""Posting lines for the outputs a BOM expects with a main output, and process loss of an
order's lines (pure; the rules are in :mod:`prodcore.orders.outputs`).

An order of 100 OIL from a press that loses 10 % and yields 2 MEAL (30 % of the cost) and
0.25 HULLS (credited at 0.40) per litre of oil:

>>> import datetime as dt
>>> from prodcore.masterdata import *
>>> from prodcore.orders.lifecycle import CreateOrder, decide
>>> md = MasterData.of(
...     items=[Item("OIL", base_unit="L", replenishment=Replenishment.PRODUCTION,
...                 production_bom_no="PRESS"),
...            Item("SEED", base_unit="KG"), Item("MEAL", base_unit="KG"),
...            Item("HULLS", base_unit="KG")],
...     boms=[ProductionBom("PRESS", (BomLine("SEED", 3),), process_loss_percent=10,
...         outputs=(BomOutputLine("MEAL", 2, cost_share_percent=30),
...                  BomOutputLine("HULLS", "0.25", kind=OutputKind.BY_PRODUCT,
...                                valuation=OutputValuation.FIXED_PRICE, price="0.40")))])
>>> (created,) = decide(None, CreateOrder("PO", "OIL", 100, due_date=dt.date(2026, 3, 9)),
...                     md, dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
>>> order = created.order
>>> [(b.item_no, str(b.quantity), str(b.unit_cost)) for b in by_product_lines(order, 10000, Decimal(90), md)]
[('HULLS', '22.50000', '0.40')]
>>> [(o.line_no, str(o.output_quantity)) for o in co_product_output_lines(order, 10000, Decimal(90), md)]
[(20000, '180.00000')]
>>> [(str(l.expected_output), str(l.expected_loss)) for l in process_loss(order, md)]
[('90.0', '10.0')]
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from prodcore.errors import NotAllowedError
from prodcore.masterdata import OutputKind
from prodcore.numbers import HUNDRED, ONE
from prodcore.orders.journals import ByProductLine, OutputLine
from prodcore.orders.model import OrderLine, ProductionOrder
from prodcore.orders.outputs import (
    OutputsLookup,
    expected_output_quantity,
    expected_outputs,
    output_yield,
)

__all__ = ["LineLoss", "by_product_lines", "co_product_output_lines", "process_loss"]


def _main_line(order: ProductionOrder, line_no: int) -> tuple[OrderLine, str]:
    line = order.line(line_no)
    if line.bom_no is None:
        raise NotAllowedError(
            action=f"expect outputs of line {line_no} of order {order.id}",
            reason="the line has no production BOM",
        )
    return line, line.bom_no


def by_product_lines(
    order: ProductionOrder, line_no: int, main_output: Decimal, md: OutputsLookup
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
    order: ProductionOrder, line_no: int, main_output: Decimal, md: OutputsLookup
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


def process_loss(order: ProductionOrder, md: OutputsLookup) -> tuple[LineLoss, ...]:
    """Expected and actual process loss of each line with a BOM or routing (co-product
    lines and lines without either have none); the loss % combines the BOM's and the
    routing's. At finish the actual loss is final; its cost is in the variances, since
    the line's actual cost is spread over a smaller output."""
    result: list[LineLoss] = []
    for line in order.lines:
        if (line.bom_no is None and line.routing_no is None) or line.co_product:
            continue
        bom = None if line.bom_no is None else md.bom(line.bom_no)
        routing = None if line.routing_no is None else md.routing(line.routing_no)
        factor = output_yield(bom, routing)
        result.append(
            LineLoss(
                line.line_no,
                line.item_no,
                line.quantity,
                (ONE - factor) * HUNDRED,
                expected_output_quantity(line.quantity, bom, routing),
                line.finished_quantity,
            )
        )
    return tuple(result)
