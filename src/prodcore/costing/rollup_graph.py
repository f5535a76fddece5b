"""The standard cost rollup's graph: master data compiled into integer-indexed rows
(routings, routing costs, phantom BOMs and BOM outputs cached per rollup)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

import attrs

from prodcore.errors import NotAllowedError, NotFoundError
from prodcore.masterdata import (
    BomLineType,
    BomOutputLine,
    CalculationFormula,
    CapacityType,
    Item,
    MasterData,
    OutputValuation,
    ProductionBom,
    Replenishment,
    RoutingLine,
    UnitCostCalculation,
    VersionStatus,
)
from prodcore.numbers import (
    ARITHMETIC,
    HUNDRED,
    ONE,
    ZERO,
    Rounding,
    RoundingMode,
    in_own_context,
)
from prodcore.orders.explosion import accumulate_routing_scrap, bom_unit_factor, explode_bom
from prodcore.orders.outputs import explode_outputs

_NONE = CalculationFormula.NONE
_FIXED = CalculationFormula.FIXED_QUANTITY
_TIME_ROUNDING = Rounding(Decimal("0.00001"), RoundingMode.HALF_UP)  # BC's TimeRndPrecision


@in_own_context
def operation_cost_time(
    *,
    mfg_quantity: Decimal,
    setup_time: Decimal,
    run_time: Decimal,
    lot_size: Decimal = ONE,
    accumulated_scrap: Decimal = ZERO,
    accumulated_fixed_scrap: Decimal = ZERO,
    concurrent_capacities: Decimal = ONE,
    unit_cost_calculation: UnitCostCalculation = UnitCostCalculation.TIME,
    cost_includes_setup: bool = True,
) -> Decimal:
    """BC's cost time of one routing line for ``mfg_quantity`` (times in capacity units).

    Example: item lot size 10, setup 15 minutes, cost includes setup ⇒ 15 minutes
    of cost time per lot, 1.5 per unit; a run time of 9 hours per routing lot of 25 000
    gives 9/25 000 hours per unit (setup is not divided by the routing lot size).

    >>> operation_cost_time(mfg_quantity=Decimal(10), setup_time=Decimal(15), run_time=ZERO)
    Decimal('15.00000')
    >>> operation_cost_time(mfg_quantity=ONE, setup_time=ZERO, run_time=Decimal(9),
    ...                     lot_size=Decimal(25000))
    Decimal('0.00036')
    """
    if unit_cost_calculation is UnitCostCalculation.UNITS:
        return mfg_quantity * (ONE + accumulated_scrap) + accumulated_fixed_scrap
    run_per = run_time / lot_size
    cost_time = _TIME_ROUNDING.apply(run_per * mfg_quantity) * (ONE + accumulated_scrap)
    if accumulated_fixed_scrap:
        cost_time += _TIME_ROUNDING.apply(run_per * accumulated_fixed_scrap)
    if cost_includes_setup and setup_time:
        cost_time += _TIME_ROUNDING.apply(setup_time * concurrent_capacities)
    return cost_time


# --------------------------------------------------------------------------- compilation


@attrs.frozen
class _RoutingOp:
    """One routing line reduced to what costing needs (amounts in capacity units)."""

    units: bool
    subcontracted: bool
    direct: Decimal
    overhead_per_time: Decimal  # direct × indirect% / 100 + overhead rate
    setup_part: Decimal  # round(setup × concurrent capacities), 0 unless cost incl. setup
    run_per: Decimal  # run time / routing lot size
    factor: Decimal  # 1 + accumulated scrap
    fixed: Decimal  # accumulated fixed scrap
    fixed_part: Decimal  # round(run_per × fixed)


@attrs.frozen
class _CompiledRouting:
    ops: tuple[_RoutingOp, ...]
    scrap_by_link: Mapping[str, tuple[Decimal, Decimal]]  # link code -> (factor, fixed)
    first_scrap: tuple[Decimal, Decimal]
    centres: frozenset[tuple[CapacityType, str]]


_NO_ROUTING = _CompiledRouting((), {}, (ONE, ZERO), frozenset())


# capacity, subcontracted, cap. overhead for the lot; the same per unit, rounded; their sum
_RoutingCost = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]
_PhantomEntry = tuple[
    str, Decimal, Decimal, str | None, bool
]  # item, qper, scrap factor, link, fixed
_EMPTY_ROUTING_COST: _RoutingCost = (ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)


_Row = tuple[
    bool,  # 0 produced
    Decimal,  # 1 unit cost (purchased items)
    Decimal,  # 2 lot size
    Decimal,  # 3 item indirect % / 100
    Decimal,  # 4 item overhead rate × lot size
    Decimal,  # 5 capacity for the lot
    Decimal,  # 6 subcontracted for the lot
    Decimal,  # 7 capacity overhead for the lot
    Decimal,  # 8 capacity per unit, rounded
    Decimal,  # 9 subcontracted per unit, rounded
    Decimal,  # 10 capacity overhead per unit, rounded
    tuple[int, ...],  # 11 components (graph indices)
    tuple[Decimal, ...],  # 12 component quantities per lot, base units
    str | None,  # 13 production BOM no.
    str | None,  # 14 routing no.
    Decimal,  # 15 capacity + subcontracted + capacity overhead for the lot
]
_LEAF_TAIL = (ONE, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, (), (), None, None, ZERO)


@attrs.frozen
class _Outputs:
    """What an item's BOM yields besides the item, for one lot (see ``docs/costing.md``,
    "BOM outputs"). By-products credited at standard are components of negative
    quantity instead (their standard comes from the graph)."""

    credit: Decimal  # by-products and scrap at a fixed price, for the lot
    main_share: Decimal  # the main item's cost share / 100
    co: tuple[tuple[int, Decimal, Decimal], ...]  # (item index, quantity for the lot, share / 100)


class _Graph:
    """The items of a rollup as integer-indexed rows of plain values (one tuple per item).

    Built once per :func:`roll_up` and never changed afterwards; an update copies the
    lists it changes.
    """

    __slots__ = ("boms", "derived", "index", "names", "outputs", "produced", "rows")

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.rows: list[_Row] = []
        self.produced: list[bool] = []
        self.boms: dict[int, frozenset[str]] = {}  # items whose BOM has phantoms or versions
        self.outputs: dict[int, _Outputs] = {}  # items whose BOM has priced outputs
        self.derived: dict[int, int] = {}  # co-product -> the item whose BOM yields it

    def copy_with(self, rows: Mapping[int, _Row], boms: Mapping[int, frozenset[str]]) -> _Graph:
        new = _Graph.__new__(_Graph)
        new.names, new.index = self.names, self.index
        new.rows, new.produced, new.boms = self.rows, self.produced, self.boms
        new.outputs, new.derived = self.outputs, self.derived
        if rows:
            new.rows = list(self.rows)
            new.produced = list(self.produced)
            new.boms = {i: b for i, b in self.boms.items() if i not in rows}
            new.boms.update(boms)
            for i, row in rows.items():
                new.rows[i] = row
                new.produced[i] = row[0]
        return new


class _Compiler:
    """Turns items into graph rows, caching routings, routing costs and phantom BOMs."""

    def __init__(self, md: MasterData, at: dt.date | None) -> None:
        self.md = md
        self.at = at
        self.cost_includes_setup = md.setup.cost_includes_setup
        self.round = _unit_rounder(md.setup.unit_amount_rounding)
        self.routings: dict[str, _CompiledRouting] = {}
        self.routing_costs: dict[tuple[str, Decimal, Decimal], _RoutingCost] = {}
        self.phantom_boms: dict[str, tuple[tuple[_PhantomEntry, ...], frozenset[str]]] = {}
        self.outputs: dict[str, _Outputs] = {}  # by item number
        self.outputs_of_boms: dict[str, tuple[BomOutputLine, ...]] = {}
        self.routing_yields: dict[str, Decimal] = {}
        # Equal values shared by the rows (a million items hold few distinct quantities and
        # rates). Keyed by the text, which differs for 1 and 1.0: both stay as given.
        self.decimals: dict[str, Decimal] = {}
        self.leaf_rows: dict[str, _Row] = {}  # purchased items' rows, by unit cost text

    def shared(self, value: Decimal) -> Decimal:
        """``value``, or an identical Decimal (same digits and exponent) seen before."""
        return self.decimals.setdefault(str(value), value)

    # routings -------------------------------------------------------------------
    def routing(self, routing_no: str) -> _CompiledRouting:
        compiled = self.routings.get(routing_no)
        if compiled is None:
            compiled = self._compile_routing(routing_no)
            self.routings[routing_no] = compiled
        return compiled

    def _compile_routing(self, routing_no: str) -> _CompiledRouting:
        lines = self.md.routing(routing_no).active_lines(self.at)
        if not lines:
            return _NO_ROUTING
        accums = accumulate_routing_scrap(lines)
        ops: list[_RoutingOp] = []
        by_link: dict[str, tuple[Decimal, Decimal]] = {}
        centres: set[tuple[CapacityType, str]] = set()
        for line, (accum, fixed) in zip(lines, accums, strict=True):
            ops.append(self._compile_op(line, ONE + accum, fixed))
            centres.add((line.type, line.no))
            if line.type is CapacityType.MACHINE_CENTER:
                centres.add(
                    (CapacityType.WORK_CENTER, self.md.machine_center(line.no).work_center_no)
                )
            if line.routing_link_code:
                by_link[line.routing_link_code] = (ONE + accum, fixed)
        first = (ONE + accums[0][0], accums[0][1])
        return _CompiledRouting(tuple(ops), by_link, first, frozenset(centres))

    def _compile_op(self, line: RoutingLine, factor: Decimal, fixed: Decimal) -> _RoutingOp:
        if line.type is CapacityType.MACHINE_CENTER:
            mc = self.md.machine_center(line.no)
            wc = self.md.work_center(mc.work_center_no)
            units = False  # BC: machine centres always cost by time
            direct, indirect, rate = mc.direct_unit_cost, mc.indirect_cost_percent, mc.overhead_rate
        else:
            wc = self.md.work_center(line.no)
            units = wc.unit_cost_calculation is UnitCostCalculation.UNITS
            indirect, rate = wc.indirect_cost_percent, wc.overhead_rate
            if wc.specific_unit_cost:
                direct = (line.unit_cost_per - rate) / (ONE + indirect / HUNDRED)
                if direct < 0:
                    raise NotAllowedError(
                        action=f"cost operation {line.operation_no} on {line.no} at its unit "
                        f"cost per {line.unit_cost_per}",
                        reason=f"it is less than the overhead rate {rate}: a negative direct cost",
                    )
            else:
                direct = wc.direct_unit_cost
        unit = wc.capacity_unit
        run_per = line.run_time.in_units(unit) / line.lot_size
        setup_part = ZERO
        if self.cost_includes_setup and not units:
            setup_part = _TIME_ROUNDING.apply(
                line.setup_time.in_units(unit) * line.concurrent_capacities
            )
        return _RoutingOp(
            units=units,
            subcontracted=wc.is_subcontracted,
            direct=direct,
            overhead_per_time=direct * indirect / HUNDRED + rate,
            setup_part=setup_part,
            run_per=run_per,
            factor=factor,
            fixed=fixed,
            fixed_part=_TIME_ROUNDING.apply(run_per * fixed) if fixed else ZERO,
        )

    def routing_cost(self, routing_no: str, mfg_qty: Decimal, lot: Decimal) -> _RoutingCost:
        """Capacity, subcontracted and capacity overhead for one lot of ``mfg_qty`` (lot
        size ``lot``), as amounts for the lot and as rounded amounts per unit."""
        key = (routing_no, mfg_qty, lot)
        cost = self.routing_costs.get(key)
        if cost is None:
            cap = sub = ovhd = ZERO
            for op in self.routing(routing_no).ops:
                if op.units:
                    time = mfg_qty * op.factor + op.fixed
                else:
                    time = (
                        _TIME_ROUNDING.apply(op.run_per * mfg_qty) * op.factor
                        + op.fixed_part
                        + op.setup_part
                    )
                if op.subcontracted:
                    sub += op.direct * time
                else:
                    cap += op.direct * time
                ovhd += op.overhead_per_time * time
            rnd = self.round
            cost = (
                cap,
                sub,
                ovhd,
                rnd(cap / lot),
                rnd(sub / lot),
                rnd(ovhd / lot),
                cap + sub + ovhd,
            )
            self.routing_costs[key] = cost
        return cost

    # BOMs -------------------------------------------------------------------------
    def phantom_bom(self, bom_no: str) -> tuple[tuple[_PhantomEntry, ...], frozenset[str]]:
        """A BOM with phantoms or versions, exploded (cycles raise), and the BOMs it uses."""
        compiled = self.phantom_boms.get(bom_no)
        if compiled is None:
            md = self.md
            entries: list[_PhantomEntry] = []
            bom_nos = {bom_no}
            for ex in explode_bom(bom_no, md, self.at):
                bom_nos.update(ex.bom_path)
                qper = ex.quantity_per
                if ex.unit is not None:
                    qper = md.item(ex.item_no).to_base(qper, ex.unit)
                entries.append(
                    (
                        ex.item_no,
                        qper,
                        ONE + ex.scrap_percent / HUNDRED,
                        ex.routing_link_code,
                        ex.formula is _FIXED,
                    )
                )
            compiled = (tuple(entries), frozenset(bom_nos))
            self.phantom_boms[bom_no] = compiled
        return compiled

    # items ------------------------------------------------------------------------
    def row(self, item: Item, index_of: Callable[[str], int]) -> tuple[_Row, frozenset[str] | None]:
        """The graph row of ``item`` (see ``_Row``) and, if its BOM has
        phantoms or versions, the BOMs it was exploded from."""
        routing_no = item.routing_no
        bom_no = item.production_bom_no
        if item.replenishment is not Replenishment.PRODUCTION or not (bom_no or routing_no):
            key = str(item.unit_cost)
            leaf = self.leaf_rows.get(key)
            if leaf is None:
                leaf = self.leaf_rows[key] = (False, item.unit_cost, *_LEAF_TAIL)
            return leaf, None
        lot = item.lot_size
        mfg_qty = lot * (ONE + item.scrap_percent / HUNDRED) if item.scrap_percent else lot
        if routing_no:
            routing = self.routings.get(routing_no) or self.routing(routing_no)
            routing_cost = self.routing_costs.get((routing_no, mfg_qty, lot)) or self.routing_cost(
                routing_no, mfg_qty, lot
            )
        else:
            routing = _NO_ROUTING
            routing_cost = _EMPTY_ROUTING_COST
        components: list[int] = []
        quantities: list[Decimal] = []
        used_boms: frozenset[str] | None = None
        bom: ProductionBom | None = None
        if bom_no:
            first = routing.first_scrap
            by_link = routing.scrap_by_link
            bom = self.md.boms.get(bom_no)
            if bom is None:
                raise NotFoundError(kind="Production BOM", key=bom_no)
            per_bom_unit = bom_unit_factor(item, bom)  # quantities per are per BOM unit
            simple = not bom.versions and bom.status is VersionStatus.CERTIFIED
            if simple:  # the usual case, inline: no phantoms, no versions
                for line in bom.lines:
                    if line.type is not BomLineType.ITEM:
                        simple = False
                        break
                    components.append(index_of(line.no))
                    formula = line.formula
                    qper = line.quantity_per if formula is _NONE else line.effective_quantity_per
                    if line.unit is not None:
                        qper = self.md.item(line.no).to_base(qper, line.unit)
                    if per_bom_unit != 1:
                        qper /= per_bom_unit
                    if formula is _FIXED:
                        quantities.append(qper)
                        continue
                    link = line.routing_link_code
                    factor, fixed = first if link is None else by_link.get(link, first)
                    need = mfg_qty * factor
                    if line.scrap_percent:
                        need *= ONE + line.scrap_percent / HUNDRED
                    quantities.append(self.shared(qper * (need + fixed)))
            if not simple:
                components.clear()
                quantities.clear()
                entries, used_boms = self.phantom_bom(bom_no)
                for comp_no, entry_qper, scrap_factor, link, fixed_quantity in entries:
                    components.append(index_of(comp_no))
                    qper = entry_qper if per_bom_unit == 1 else entry_qper / per_bom_unit
                    if fixed_quantity:
                        quantities.append(qper)
                        continue
                    factor, fixed = first if link is None else by_link.get(link, first)
                    quantities.append(self.shared(qper * (mfg_qty * factor * scrap_factor + fixed)))
        overhead_lot = self.shared(item.overhead_rate * lot)
        output_yield = self.routing_yield(routing_no) if routing_no else ONE
        outputs: Sequence[BomOutputLine] = ()
        if bom is not None and (bom.outputs or bom.process_loss_percent or used_boms):
            outputs = bom.outputs if used_boms is None else self.phantom_outputs(bom.no)
            output_yield *= bom.yield_factor
        if outputs or output_yield != ONE:
            lot, overhead_lot = self.outputs_of(
                item, bom, outputs, lot * output_yield, index_of, components, quantities
            )
            if routing_no:  # per unit of the expected output
                routing_cost = self.routing_cost(routing_no, mfg_qty, lot)
        cap, sub, co, sl_cap, sl_sub, sl_co, capacity = routing_cost
        row: _Row = (
            True,
            ZERO,
            lot,
            self.shared(item.indirect_cost_percent / HUNDRED),
            overhead_lot,
            cap,
            sub,
            co,
            sl_cap,
            sl_sub,
            sl_co,
            tuple(components),
            tuple(quantities),
            bom_no,
            routing_no,
            capacity,
        )
        return row, used_boms

    def outputs_of(
        self,
        item: Item,
        bom: ProductionBom | None,
        outputs: Sequence[BomOutputLine],
        out_lot: Decimal,
        index_of: Callable[[str], int],
        components: list[int],
        quantities: list[Decimal],
    ) -> tuple[Decimal, Decimal]:
        """The expected output of a lot (``out_lot``, after process loss) and the
        manufacturing overhead rate part for it (the co-products' own rates included, as
        their order lines carry them); by-products credited at standard join
        ``components`` with a negative quantity, the rest goes to ``self.outputs``."""
        overhead = item.overhead_rate * out_lot
        credit = ZERO
        co: list[tuple[int, Decimal, Decimal]] = []
        shares = iter(bom.co_product_shares() if bom is not None else ())
        for output in outputs:
            qty = output.quantity_per * out_lot
            if output.is_co_product:
                co.append((index_of(output.no), qty, next(shares) / HUNDRED))
                overhead += self.md.item(output.no).overhead_rate * qty
            elif output.valuation is OutputValuation.STANDARD_COST:
                components.append(index_of(output.no))
                quantities.append(-qty)
            elif output.valuation is OutputValuation.FIXED_PRICE:
                credit += output.price * qty
        if bom is not None and (co or credit):
            self.outputs[item.no] = _Outputs(credit, bom.main_share_percent / HUNDRED, tuple(co))
        return out_lot, overhead

    def routing_yield(self, routing_no: str) -> Decimal:
        found = self.routing_yields.get(routing_no)
        if found is None:
            found = self.routing_yields[routing_no] = self.md.routing(routing_no).yield_factor
        return found

    def phantom_outputs(self, bom_no: str) -> tuple[BomOutputLine, ...]:
        """The outputs of a BOM with phantoms or versions, its phantoms' included."""
        found = self.outputs_of_boms.get(bom_no)
        if found is None:
            found = self.outputs_of_boms[bom_no] = explode_outputs(bom_no, self.md, self.at)
        return found


def _link_co_products(g: _Graph, outputs: Mapping[str, _Outputs]) -> None:
    """Record the items' outputs in the graph and make each co-product a produced item
    whose only component is the item whose BOM yields it (so it comes after it; its
    costs are written when that item is computed)."""
    names = g.names
    for no, outs in outputs.items():
        m = g.index[no]
        g.outputs[m] = outs
        for c, _, _ in outs.co:
            if c in g.derived or g.rows[c][0]:
                other = names[g.derived[c]] if c in g.derived else "its own BOM or routing"
                raise NotAllowedError(
                    action=f"roll up {names[c]} as a co-product of {no}",
                    reason=f"its standard cost would also come from {other}",
                )
            g.derived[c] = m
            g.rows[c] = (True, ZERO, ONE, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO,
                         (m,), (ZERO,), None, None, ZERO)  # fmt: skip


def _unit_rounder(rounding: Rounding) -> Callable[[Decimal], Decimal]:
    if rounding.precision.as_tuple().digits == (1,):
        # A power of ten: quantize in a copy of ARITHMETIC (any in-range cost rounds without
        # exceeding it) whose rounding is the mode. A context's own quantize takes no
        # keywords: about 4 times faster than Decimal.quantize with keyword arguments.
        context = ARITHMETIC.copy()
        context.rounding = rounding.mode.value
        quantize, exp = context.quantize, rounding.precision

        def rnd(value: Decimal) -> Decimal:
            return quantize(value, exp)

        return rnd
    return rounding.apply
