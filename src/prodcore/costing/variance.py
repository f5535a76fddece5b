"""Variances of a production order: BC's five shares and D365's analysis view (pure).

**BC view** (:func:`cost_breakdown`): per share, ``variance = actual − standard`` with
``standard = round(OutputQty × single-level share)``; what cost adjustment posts for a
Standard-cost item. :mod:`prodcore.reports.costing` prints it as a table.

**D365 view** (:func:`d365_variances`): prodcore's own definition, since D365's
documentation names the variances but gives no formulas; it keeps the invariant
``Σ variances = actual cost − GoodQty × standard unit cost``. The item's standard calculation (:func:`standard_calculation`) has one line per
BOM component and per routing operation, each with a standard price, a variable quantity
per unit and a constant quantity per order (setup time, fixed-quantity components).
With ``GoodQty`` the order line's output:

* ``StdAllowedQty = VarQtyPerUnit × GoodQty + ConstQty``, ``StdAllowed = StdPrice ×
  StdAllowedQty``;
* per line used both in the standard and in the order: **quantity** ``= (ActQty −
  StdAllowedQty) × StdPrice`` and **price** ``= ActQty × (ActPrice − StdPrice)`` (= actual
  cost − ActQty × StdPrice);
* **substitution** ``= Σ actual of lines not in the standard − Σ StdAllowed of standard
  lines not used``;
* **lot size** ``= ConstCost − GoodQty × ConstCost / CostingLotSize`` with ``ConstCost =
  Σ StdPrice × ConstQty``: the constant cost not recovered because the good quantity
  differs from the costing lot size. Positive = unfavourable, like every variance here;
  the model this is taken from writes it with the opposite sign (``GoodQty × ConstCost / LotSize −
  ConstCost``, standard minus actual);
* **overhead** (the residual bucket the model needs): ``actual manufacturing overhead −
  GoodQty × standard manufacturing overhead per unit``; D365 would book it to its costing
  sheet's indirect costs;
* **rounding**: what Decimal division (28 significant digits) leaves, so that the sum is
  exact; far below a cent (tested).

Invariant: ``quantity + price + substitution + lot size + overhead + rounding = actual −
GoodQty × StdUnitCost``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

import attrs

from prodcore.costing.actual import MATERIAL_TYPES, CostLedger, OrderCost, actual_cost
from prodcore.costing.adjustment import posted_variances
from prodcore.costing.history import implemented_shares, implemented_standards
from prodcore.costing.shares import CostShares
from prodcore.ledger.model import ItemEntryType
from prodcore.masterdata import (
    CalculationFormula,
    CapacityType,
    CostingMethod,
    Replenishment,
    UnitCostCalculation,
)
from prodcore.masterdata.standards import StandardCalculation, StandardCostVersion, StandardLine
from prodcore.numbers import HUNDRED, ONE, ZERO, as_decimal, in_own_context, tuple_of
from prodcore.orders.explosion import MasterDataLookup, bom_unit_factor, explode_bom
from prodcore.orders.model import ProductionOrder
from prodcore.ports import UnitOfWork

__all__ = [
    "ActualLine",
    "CostBreakdown",
    "D365Variances",
    "LineVariance",
    "OrderCostViews",
    "StandardCalculation",
    "StandardLine",
    "actual_lines",
    "cost_breakdown",
    "d365_variances",
    "order_cost_views",
    "standard_calculation",
]


# --- BC view -----------------------------------------------------------------------------


@attrs.frozen
class CostBreakdown:
    """An order's standard, actual and variance per share (BC's view), all lines summed.
    ``output_quantity`` is the good output of the order's own item; ``lines`` counts the
    order lines (with make-to-order sub-assemblies) whose costs are summed."""

    order_id: str
    item_no: str
    output_quantity: Decimal = attrs.field(converter=as_decimal)
    final: bool
    standard: CostShares
    actual: CostShares
    lines: int = 1

    @property
    def variance(self) -> CostShares:
        return self.actual - self.standard


@in_own_context
def cost_breakdown(
    order: ProductionOrder,
    ledger: CostLedger,
    md: MasterDataLookup,
    *,
    standard: Mapping[str, CostShares],
    cost: OrderCost | None = None,
) -> CostBreakdown:
    """Standard (``round(OutputQty × share)`` per line and share, from ``standard``: each
    item's single-level shares per base unit), actual and variance of ``order``."""
    cost = cost or actual_cost(order, ledger, md)
    rounding = md.setup.amount_rounding
    std = CostShares()
    output = ZERO
    for line in cost.lines:
        shares = standard.get(line.item_no, CostShares())
        std = std + (shares * line.output_quantity).rounded(rounding)
        if line.item_no == order.item_no:  # the good output of the order's own item
            output += line.output_quantity
    return CostBreakdown(
        order.id, order.item_no, output, cost.final, std, cost.actual, lines=len(cost.lines)
    )


# --- D365 view ---------------------------------------------------------------------------


@in_own_context
def standard_calculation(item_no: str, md: MasterDataLookup) -> StandardCalculation:
    """The item's standard calculation from its BOM and routing (current master data).

    Material lines: item BOM lines (quantity per × (1 + BOM scrap %) × (1 + item scrap %),
    in base units of the component per base unit of the item, the BOM's quantities being
    per unit of its unit of measure; a fixed-quantity line is constant), priced at the component's standard
    cost (a produced Standard-cost item) or unit cost. Route lines: setup × concurrent
    capacities constant (if cost includes setup), run time ÷ routing lot size per unit
    (× (1 + item scrap %)), or one unit per unit on a units-based centre, priced at the
    centre's unit cost (direct + indirect + overhead rate). Phantom BOM lines are
    exploded into their components (quantities multiplied, scrap compounded). Not
    modelled: routing scrap (the D365 view compares like with like, so a difference to
    the rollup shows as a variance, never as an error).
    """
    item = md.item(item_no)
    scrap = ONE + item.scrap_percent / HUNDRED
    lines: list[StandardLine] = []
    if item.production_bom_no is not None:
        per_bom_unit = bom_unit_factor(item, md.bom(item.production_bom_no))
        for bl in explode_bom(item.production_bom_no, md):
            comp = md.item(bl.item_no)
            qty = bl.quantity_per * comp.qty_per_unit(bl.unit or comp.base_unit) / per_bom_unit
            produced_std = (
                comp.replenishment is Replenishment.PRODUCTION
                and comp.costing_method is CostingMethod.STANDARD
                and bool(comp.production_bom_no or comp.routing_no)
            )
            price = comp.standard_cost if produced_std else comp.unit_cost
            if bl.formula is CalculationFormula.FIXED_QUANTITY:
                lines.append(StandardLine("MATERIAL", comp.no, price, ZERO, qty))
            else:
                per = qty * (ONE + bl.scrap_percent / HUNDRED) * scrap
                lines.append(StandardLine("MATERIAL", comp.no, price, per))
    if item.routing_no is not None:
        for rl in md.routing(item.routing_no).active_lines():
            if rl.type is CapacityType.MACHINE_CENTER:
                mc = md.machine_center(rl.no)
                wc = md.work_center(mc.work_center_no)
                price = mc.unit_cost
            else:
                wc = md.work_center(rl.no)
                price = rl.unit_cost_per if wc.specific_unit_cost else wc.unit_cost
            key = f"{rl.operation_no}/{rl.no}"
            if wc.unit_cost_calculation is UnitCostCalculation.UNITS:
                lines.append(StandardLine("ROUTE", key, price, scrap))
                continue
            unit = wc.capacity_unit
            const = (
                rl.setup_time.in_units(unit) * rl.concurrent_capacities
                if md.setup.cost_includes_setup
                else ZERO
            )
            per = rl.run_time.in_units(unit) / rl.lot_size * scrap
            lines.append(StandardLine("ROUTE", key, price, per, const))
    return StandardCalculation(
        item.no,
        item.lot_size,
        tuple(lines),
        item.indirect_cost_percent,
        item.overhead_rate,
    )


@attrs.frozen
class ActualLine:
    """What an order line used of one standard-calculation key: quantity and cost."""

    kind: str
    key: str
    quantity: Decimal = attrs.field(converter=as_decimal)
    cost: Decimal = attrs.field(converter=as_decimal)


def actual_lines(
    order: ProductionOrder, ledger: CostLedger, line_no: int
) -> tuple[ActualLine, ...]:
    """The order line's consumption per component item and capacity per operation and
    centre (costed quantity and direct + indirect cost), from the ledgers."""
    items = {e.entry_no: e for e in ledger.item_entries(order_id=order.id)}
    caps = {e.entry_no: e for e in ledger.capacity_entries(order_id=order.id)}
    qty: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    cost: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for e in items.values():
        if e.entry_type is ItemEntryType.CONSUMPTION and e.order_line_no == line_no:
            qty[("MATERIAL", e.item_no)] -= e.quantity
    for c in caps.values():
        if c.order_line_no == line_no and c.stop_time == 0:
            qty[("ROUTE", f"{c.operation_no}/{c.no}")] += c.quantity
    for v in ledger.value_entries(order_id=order.id):
        if v.order_line_no != line_no:
            continue
        if v.item_entry_no is not None and v.item_entry_no in items and v.capacity_entry_no is None:
            ile = items[v.item_entry_no]
            if ile.entry_type is ItemEntryType.CONSUMPTION and v.entry_type in MATERIAL_TYPES:
                cost[("MATERIAL", ile.item_no)] -= v.cost_amount
        elif v.capacity_entry_no is not None and v.capacity_entry_no in caps:
            c = caps[v.capacity_entry_no]
            cost[("ROUTE", f"{c.operation_no}/{c.no}")] += v.cost_amount
    keys = sorted(set(qty) | set(cost))
    return tuple(ActualLine(kind, key, qty[(kind, key)], cost[(kind, key)]) for kind, key in keys)


@attrs.frozen
class LineVariance:
    """One line of the D365 analysis (standard and actual side, and its variances)."""

    kind: str
    key: str
    planned: bool
    used: bool
    allowed_quantity: Decimal
    allowed_cost: Decimal
    actual_quantity: Decimal
    actual_cost: Decimal
    quantity: Decimal
    price: Decimal
    substitution: Decimal


@attrs.frozen
class D365Variances:
    """D365's production variances of an order line (module docstring for the formulas)."""

    item_no: str
    good_quantity: Decimal
    standard_unit_cost: Decimal
    actual_cost: Decimal
    lines: tuple[LineVariance, ...] = attrs.field(validator=tuple_of(LineVariance))
    quantity: Decimal
    price: Decimal
    substitution: Decimal
    lot_size: Decimal
    overhead: Decimal
    rounding: Decimal

    @property
    def total(self) -> Decimal:
        return (
            self.quantity
            + self.price
            + self.substitution
            + self.lot_size
            + self.overhead
            + self.rounding
        )

    @property
    def expected_total(self) -> Decimal:
        """``actual − GoodQty × StdUnitCost``: what the variances add up to."""
        return self.actual_cost - self.good_quantity * self.standard_unit_cost


@in_own_context
def d365_variances(
    calc: StandardCalculation,
    actual: tuple[ActualLine, ...],
    good_quantity: Decimal,
    actual_overhead: Decimal,
) -> D365Variances:
    """The D365 analysis of one order line from its standard calculation, its actual lines
    and its actual manufacturing overhead (see the module docstring).

    Example in D365's terms (material 21 @ 5 for 20 allowed, 6.5 h @ 24 for 6 h
    allowed):

    >>> from decimal import Decimal as D
    >>> calc = StandardCalculation("FRAME", 10, (StandardLine("MATERIAL", "TUBE", 5, 2),
    ...     StandardLine("ROUTE", "10/WELD", 24, "0.5", 1)), indirect_percent=5, overhead_rate=1)
    >>> calc.unit_cost
    Decimal('26.62')
    >>> v = d365_variances(calc, (ActualLine("MATERIAL", "TUBE", 21, 105),
    ...     ActualLine("ROUTE", "10/WELD", "6.5", 156)), D(10), D("23.05"))
    >>> v.quantity, v.price, v.substitution, v.lot_size, v.overhead, v.total
    (Decimal('17.0'), Decimal('0.0'), Decimal('0'), Decimal('0'), Decimal('0.85'), Decimal('17.85'))
    """
    good = as_decimal(good_quantity)
    planned = {(ln.kind, ln.key): ln for ln in calc.lines}
    used = {(a.kind, a.key): a for a in actual if a.quantity or a.cost}
    rows: list[LineVariance] = []
    quantity = price = substitution = ZERO
    for key in [*planned, *(k for k in used if k not in planned)]:
        std = planned.get(key)
        act = used.get(key)
        allowed_qty = std.allowed_quantity(good) if std else ZERO
        allowed_cost = std.allowed_cost(good) if std else ZERO
        act_qty = act.quantity if act else ZERO
        act_cost = act.cost if act else ZERO
        q = p = s = ZERO
        if std is not None and act is not None:
            q = (act_qty - allowed_qty) * std.std_price
            p = act_cost - act_qty * std.std_price
        elif std is not None:
            s = -allowed_cost
        else:
            s = act_cost
        quantity += q
        price += p
        substitution += s
        rows.append(
            LineVariance(
                key[0],
                key[1],
                std is not None,
                act is not None,
                allowed_qty,
                allowed_cost,
                act_qty,
                act_cost,
                q,
                p,
                s,
            )
        )
    constant = calc.constant_cost
    lot_size = constant - good * constant / calc.costing_lot_size
    overhead = actual_overhead - good * calc.overhead_per_unit
    actual_total = sum((a.cost for a in actual), ZERO) + actual_overhead
    unit_cost = calc.unit_cost
    expected = actual_total - good * unit_cost
    rounding = expected - (quantity + price + substitution + lot_size + overhead)
    return D365Variances(
        calc.item_no,
        good,
        unit_cost,
        actual_total,
        tuple(rows),
        quantity,
        price,
        substitution,
        lot_size,
        overhead,
        rounding,
    )


@attrs.frozen
class OrderCostViews:
    """Both cost views of an order: BC's breakdown and, per order line, D365's analysis;
    ``currency`` is the setup's, for showing the amounts."""

    breakdown: CostBreakdown
    analyses: tuple[D365Variances, ...] = attrs.field(validator=tuple_of(D365Variances))
    currency: str = ""


@in_own_context
def order_cost_views(
    uow: UnitOfWork,
    order_id: str,
    *,
    standard: Mapping[str, CostShares] | None = None,
    d365: bool = True,
) -> OrderCostViews:
    """BC's view (standard, actual, variance per share) of an order and, with ``d365``,
    the D365 analysis of each line. Reads only.

    The standard is the order's frozen one once it is adjusted (actual − posted
    variances), else ``standard`` or the implemented standard in force at the order's
    output (:mod:`prodcore.costing.history`; the current rollup for an item never
    implemented). The D365 analysis prices the lines with the standard calculation
    stored with that implemented standard (else today's), so a rate raised since is a
    price variance.
    """
    with uow:
        order = uow.orders.get(order_id)
        md = uow.master_data
        ledger = uow.ledger
        cost = actual_cost(order, ledger, md)
        shares = dict(standard or {})
        item_nos = {line.item_no for line in order.lines}
        stored = implemented_standards(md, ledger, order.id, item_nos)
        if item_nos - set(shares):
            missing = item_nos - set(shares)
            shares.update(implemented_shares(md, ledger, order.id, missing, stored))
        breakdown = cost_breakdown(order, ledger, md, standard=shares, cost=cost)
        posted = posted_variances(ledger, order.id)
        if not posted.is_zero():
            breakdown = attrs.evolve(breakdown, standard=breakdown.actual - posted)
        analyses = tuple(
            d365_variances(
                _calculation(stored.get(line.item_no)) or standard_calculation(line.item_no, md),
                actual_lines(order, ledger, line.line_no),
                line.output_quantity,
                line.actual.manufacturing_overhead,
            )
            for line in (cost.lines if d365 else ())
        )
        return OrderCostViews(breakdown, analyses, md.setup.currency)


def _calculation(version: StandardCostVersion | None) -> StandardCalculation | None:
    return None if version is None else version.calculation
