"""Standard cost rollup, single-level and multi-level, full and incremental (pure).

The formulas are Business Central's "Calculate Standard Cost" (``bc-d365.md`` §6):

* ``MfgQty = LotSize × (1 + ItemScrap% / 100)``;
* per operation, the cost time, in the capacity unit of the work centre:
  Time-based ``round(RunTime / RtgLotSize × MfgQty) × (1 + accum) +
  round(RunTime / RtgLotSize × fixedAccum) + round(Setup × ConcurrentCaps)`` (setup only
  if the setup's *cost includes setup*); Units-based ``MfgQty × (1 + accum) + fixedAccum``
  (times rounded to 0.00001, BC's time precision);
* capacity (or subcontracted, for a work centre with a subcontractor) ``+= Direct × CostTime``,
  capacity overhead ``+= (Direct × Indirect% / 100 + OverheadRate) × CostTime``;
* material ``= Σ component cost × component quantity`` with the quantity
  ``QtyPer × (MfgQty × (1 + accum) × (1 + BomScrap% / 100) + fixedAccum)`` (accumulated
  scrap of the linked operation, else of the first one; a Fixed Quantity line counts
  ``QtyPer`` once per lot); phantom BOMs are exploded into the parent;
* manufacturing overhead ``= (Mat + Cap + Sub + CapOvhd) × Item Indirect% / 100 +
  Item OverheadRate × LotSize``;
* every share divided by ``LotSize`` and rounded to the unit-amount precision of the setup
  (BC's ``RoundUnitAmt``); standard cost = Σ single-level shares;
* rolled-up share ``= round((Σ component rolled-up share × quantity + own single-level
  share for the lot) / LotSize)``; a purchased component's rolled-up material is its unit
  cost.

Purchased items (not replenished by production, or without BOM and routing) cost their
unit cost, as material.

Worked example D4 (derived): lot 10, one operation setup 1 h + run 0.5 h on a work
centre at 20/h with 10 % indirect and overhead rate 2, a component 2 per unit at 5, item
indirect 5 % and overhead rate 1:

>>> from prodcore.masterdata import *
>>> from prodcore.numbers import Duration, TimeUnit
>>> md = MasterData.of(
...     items=[Item("P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, lot_size=10,
...                 indirect_cost_percent=5, overhead_rate=1,
...                 production_bom_no="B", routing_no="R"),
...            Item("C", base_unit="PCS", unit_cost=5)],
...     boms=[ProductionBom("B", (BomLine("C", 2),))],
...     routings=[Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "WC",
...         setup_time=Duration(1, TimeUnit.HOUR), run_time=Duration("0.5", TimeUnit.HOUR)),))],
...     work_centers=[WorkCenter("WC", capacity_unit=TimeUnit.HOUR, direct_unit_cost=20,
...                              indirect_cost_percent=10, overhead_rate=2)])
>>> rollup = roll_up(md)
>>> p = rollup["P"]
>>> [str(v) for v in p.single_level.as_tuple()]
['10.00000', '12.00000', '0.00000', '2.40000', '2.22000']
>>> p.standard_cost
Decimal('26.62000')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal

import attrs

from prodcore.costing.shares import CostShares, ItemCost
from prodcore.errors import BomCycleError, InvalidValueError, NotFoundError
from prodcore.masterdata import (
    BomLineType,
    CalculationFormula,
    CapacityType,
    CostingMethod,
    Item,
    MasterData,
    Replenishment,
    RoutingLine,
    UnitCostCalculation,
)
from prodcore.numbers import HUNDRED, ONE, ZERO, Rounding, RoundingMode, to_decimal
from prodcore.orders.explosion import accumulate_routing_scrap, explode_bom

__all__ = [
    "CostChange",
    "RollupUpdate",
    "StandardCostRollup",
    "operation_cost_time",
    "roll_up",
    "single_level_cost",
]

_TIME_ROUNDING = Rounding(Decimal("0.00001"), RoundingMode.HALF_UP)  # BC's TimeRndPrecision


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

    Worked example E8: item lot size 10, setup 15 minutes, cost includes setup ⇒ 15 minutes
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


@attrs.frozen
class _BomEntry:
    """An exploded BOM line: the component and how its quantity per lot is formed."""

    item_no: str
    quantity_per: Decimal  # in the component's base unit
    scrap_factor: Decimal  # 1 + BOM scrap % / 100
    link: str | None
    fixed_quantity: bool


@attrs.frozen
class _Node:
    """One item reduced to numbers: the rollup's input."""

    produced: bool
    unit_cost: Decimal  # purchased: the cost; produced: unused
    lot: Decimal
    indirect: Decimal  # item indirect % / 100
    overhead_lot: Decimal  # item overhead rate × lot size
    capacity_lot: Decimal
    subcontracted_lot: Decimal
    capacity_overhead_lot: Decimal
    components: tuple[str, ...]
    quantities: tuple[Decimal, ...]  # per lot, base units
    boms: frozenset[str]  # the BOM and the phantom BOMs exploded into it
    routing_no: str | None
    centres: frozenset[tuple[CapacityType, str]]


class _Compiler:
    """Caches per routing, per (routing, MfgQty) and per BOM while compiling item nodes."""

    def __init__(self, md: MasterData, at: dt.date | None) -> None:
        self.md = md
        self.at = at
        self.cost_includes_setup = md.setup.cost_includes_setup
        self.routings: dict[str, _CompiledRouting] = {}
        self.routing_costs: dict[tuple[str, Decimal], tuple[Decimal, Decimal, Decimal]] = {}
        self.boms: dict[str, tuple[tuple[_BomEntry, ...], frozenset[str]]] = {}

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

    def routing_cost(self, routing_no: str, mfg_qty: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """(capacity, subcontracted, capacity overhead) for one lot of ``mfg_qty``."""
        key = (routing_no, mfg_qty)
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
            cost = (cap, sub, ovhd)
            self.routing_costs[key] = cost
        return cost

    # BOMs -------------------------------------------------------------------------
    def bom(self, bom_no: str) -> tuple[tuple[_BomEntry, ...], frozenset[str]]:
        """The exploded lines of a BOM and the numbers of the BOMs they come from."""
        compiled = self.boms.get(bom_no)
        if compiled is None:
            compiled = self._compile_bom(bom_no)
            self.boms[bom_no] = compiled
        return compiled

    def _compile_bom(self, bom_no: str) -> tuple[tuple[_BomEntry, ...], frozenset[str]]:
        md = self.md
        bom = md.bom(bom_no)
        entries: list[_BomEntry] = []
        bom_nos = {bom_no}
        if not bom.versions and all(line.type is BomLineType.ITEM for line in bom.lines):
            lines: Iterable[tuple[str, Decimal, str | None, Decimal, str | None, bool]] = (
                (
                    line.no,
                    line.effective_quantity_per,
                    line.unit,
                    line.scrap_percent,
                    line.routing_link_code,
                    line.formula is CalculationFormula.FIXED_QUANTITY,
                )
                for line in bom.active_lines(self.at)
            )
        else:  # phantoms or versions: let the explosion flatten them (and detect cycles)
            exploded = explode_bom(bom_no, md, self.at)
            for ex in exploded:
                bom_nos.update(ex.bom_path)
            lines = (
                (
                    ex.item_no,
                    ex.quantity_per,
                    ex.unit,
                    ex.scrap_percent,
                    ex.routing_link_code,
                    ex.formula is CalculationFormula.FIXED_QUANTITY,
                )
                for ex in exploded
            )
        for item_no, qper, unit, scrap, link, fixed in lines:
            if unit is not None:
                qper = md.item(item_no).to_base(qper, unit)
            entries.append(_BomEntry(item_no, qper, ONE + scrap / HUNDRED, link, fixed))
        return tuple(entries), frozenset(bom_nos)

    # items ------------------------------------------------------------------------
    def node(self, item: Item) -> _Node:
        if not _is_produced(item):
            return _Node(
                produced=False,
                unit_cost=item.unit_cost,
                lot=ONE,
                indirect=ZERO,
                overhead_lot=ZERO,
                capacity_lot=ZERO,
                subcontracted_lot=ZERO,
                capacity_overhead_lot=ZERO,
                components=(),
                quantities=(),
                boms=frozenset(),
                routing_no=None,
                centres=frozenset(),
            )
        lot = item.lot_size
        mfg_qty = lot * (ONE + item.scrap_percent / HUNDRED) if item.scrap_percent else lot
        if item.routing_no:
            routing = self.routing(item.routing_no)
            cap, sub, ovhd = self.routing_cost(item.routing_no, mfg_qty)
        else:
            routing = _NO_ROUTING
            cap = sub = ovhd = ZERO
        components: list[str] = []
        quantities: list[Decimal] = []
        bom_nos: frozenset[str] = frozenset()
        if item.production_bom_no:
            entries, bom_nos = self.bom(item.production_bom_no)
            for entry in entries:
                components.append(entry.item_no)
                if entry.fixed_quantity:
                    quantities.append(entry.quantity_per)
                    continue
                factor, fixed = routing.first_scrap
                if entry.link is not None:
                    factor, fixed = routing.scrap_by_link.get(entry.link, routing.first_scrap)
                need = mfg_qty * factor * entry.scrap_factor + fixed
                quantities.append(entry.quantity_per * need)
        return _Node(
            produced=True,
            unit_cost=ZERO,
            lot=lot,
            indirect=item.indirect_cost_percent / HUNDRED,
            overhead_lot=item.overhead_rate * lot,
            capacity_lot=cap,
            subcontracted_lot=sub,
            capacity_overhead_lot=ovhd,
            components=tuple(components),
            quantities=tuple(quantities),
            boms=bom_nos,
            routing_no=item.routing_no,
            centres=routing.centres,
        )


def _is_produced(item: Item) -> bool:
    return item.replenishment is Replenishment.PRODUCTION and bool(
        item.production_bom_no or item.routing_no
    )


def _unit_rounder(rounding: Rounding) -> Callable[[Decimal], Decimal]:
    if rounding.precision.as_tuple().digits == (1,) and rounding.mode is RoundingMode.HALF_UP:
        precision = rounding.precision

        def quantize(value: Decimal) -> Decimal:
            return value.quantize(precision, ROUND_HALF_UP)

        return quantize
    return rounding.apply


# --------------------------------------------------------------------------- results


@attrs.frozen
class CostChange:
    """An item whose cost changed: before (None if it was not rolled up) and after."""

    item_no: str
    old: ItemCost | None
    new: ItemCost

    @property
    def old_standard_cost(self) -> Decimal | None:
        return None if self.old is None else self.old.standard_cost

    @property
    def new_standard_cost(self) -> Decimal:
        return self.new.standard_cost


@attrs.frozen
class RollupUpdate:
    """The result of :meth:`StandardCostRollup.update`: the new rollup and what changed.

    ``recomputed`` counts the items whose cost was computed again; ``full`` tells whether
    the update had to roll everything up again (the BOM graph itself changed).
    """

    rollup: StandardCostRollup
    changes: tuple[CostChange, ...] = attrs.field(validator=attrs.validators.instance_of(tuple))
    recomputed: int
    full: bool


_Vector = list[Decimal]


class StandardCostRollup:
    """The standard cost of every item of a BOM graph, as BC's "All Levels" calculation.

    Built by :func:`roll_up`; immutable (:meth:`update` returns a new one). Indexable by
    item number, giving an :class:`~prodcore.costing.ItemCost`. Internally it keeps the
    graph as integer-indexed lists of Decimals so that a million items fit and roll up
    in linear time.
    """

    __slots__ = (
        "_at",
        "_comp_idx",
        "_dependents",
        "_index",
        "_names",
        "_nodes",
        "_order",
        "_pos",
        "_rc",
        "_rco",
        "_rm",
        "_rmo",
        "_round",
        "_rs",
        "_sc",
        "_sco",
        "_setup_key",
        "_sm",
        "_smo",
        "_ss",
        "_std",
    )

    _names: list[str]
    _index: dict[str, int]
    _nodes: list[_Node]
    _comp_idx: list[tuple[int, ...]]
    _dependents: list[list[int]]
    _order: list[int]
    _pos: list[int]
    _round: Callable[[Decimal], Decimal]
    _at: dt.date | None
    _setup_key: object
    _sm: _Vector
    _sc: _Vector
    _ss: _Vector
    _sco: _Vector
    _smo: _Vector
    _rm: _Vector
    _rc: _Vector
    _rs: _Vector
    _rco: _Vector
    _rmo: _Vector
    _std: _Vector

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, item_no: object) -> bool:
        return item_no in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __getitem__(self, item_no: str) -> ItemCost:
        return self._item_cost(self._idx(item_no))

    def __repr__(self) -> str:
        return f"<StandardCostRollup of {len(self)} items>"

    def _idx(self, item_no: str) -> int:
        try:
            return self._index[item_no]
        except KeyError:
            raise NotFoundError(kind="Item", key=item_no) from None

    def _item_cost(self, i: int) -> ItemCost:
        return ItemCost(
            self._names[i],
            produced=self._nodes[i].produced,
            single_level=CostShares(
                self._sm[i], self._sc[i], self._ss[i], self._sco[i], self._smo[i]
            ),
            rolled_up=CostShares(self._rm[i], self._rc[i], self._rs[i], self._rco[i], self._rmo[i]),
        )

    def standard_cost(self, item_no: str) -> Decimal:
        """The standard cost per base unit of ``item_no`` (Σ single-level shares)."""
        return self._std[self._idx(item_no)]

    def items(self) -> Iterator[ItemCost]:
        """Every item's cost, components before the items made of them."""
        for i in self._order:
            yield self._item_cost(i)

    def topological_order(self) -> tuple[str, ...]:
        """Item numbers, each after all of its components."""
        return tuple(self._names[i] for i in self._order)

    def dependents(self, item_no: str) -> tuple[str, ...]:
        """Items whose BOM (phantoms exploded) uses ``item_no`` directly."""
        return tuple(dict.fromkeys(self._names[p] for p in self._dependents[self._idx(item_no)]))

    # ---------------------------------------------------------------- computation
    def _compute(self, indices: Iterable[int]) -> None:
        """(Re)compute the items ``indices`` (in topological order) from their components."""
        nodes, comp_idx, rnd = self._nodes, self._comp_idx, self._round
        sm, sc, ss, sco, smo = self._sm, self._sc, self._ss, self._sco, self._smo
        rm, rc, rs, rco, rmo, std = self._rm, self._rc, self._rs, self._rco, self._rmo, self._std
        for i in indices:
            node = nodes[i]
            if not node.produced:
                cost = node.unit_cost
                sm[i] = rm[i] = std[i] = cost
                sc[i] = ss[i] = sco[i] = smo[i] = rc[i] = rs[i] = rco[i] = rmo[i] = ZERO
                continue
            mat = ru_mat = ru_cap = ru_sub = ru_co = ru_mo = ZERO
            for c, q in zip(comp_idx[i], node.quantities, strict=True):
                if nodes[c].produced:
                    mat += q * std[c]
                    ru_mat += q * rm[c]
                    ru_cap += q * rc[c]
                    ru_sub += q * rs[c]
                    ru_co += q * rco[c]
                    ru_mo += q * rmo[c]
                else:
                    amount = q * std[c]
                    mat += amount
                    ru_mat += amount
            lot = node.lot
            cap, sub, co = node.capacity_lot, node.subcontracted_lot, node.capacity_overhead_lot
            mo = (mat + cap + sub + co) * node.indirect + node.overhead_lot
            sm[i] = a = rnd(mat / lot)
            sc[i] = b = rnd(cap / lot)
            ss[i] = c_ = rnd(sub / lot)
            sco[i] = d = rnd(co / lot)
            smo[i] = e = rnd(mo / lot)
            std[i] = a + b + c_ + d + e
            rm[i] = rnd(ru_mat / lot)
            rc[i] = rnd((ru_cap + cap) / lot)
            rs[i] = rnd((ru_sub + sub) / lot)
            rco[i] = rnd((ru_co + co) / lot)
            rmo[i] = rnd((ru_mo + mo) / lot)

    def _vectors(self) -> tuple[_Vector, ...]:
        return (
            self._sm,
            self._sc,
            self._ss,
            self._sco,
            self._smo,
            self._rm,
            self._rc,
            self._rs,
            self._rco,
            self._rmo,
            self._std,
        )

    def update(
        self,
        md: MasterData,
        *,
        items: Iterable[str] = (),
        work_centers: Iterable[str] = (),
        machine_centers: Iterable[str] = (),
        routings: Iterable[str] = (),
        boms: Iterable[str] = (),
    ) -> RollupUpdate:
        """Roll up again after the named master data changed in ``md``, recomputing only
        the items that depend on the change, and report every item whose cost changed.

        ``items`` are items whose own fields changed (a purchased item's unit cost, an
        item's lot size, scrap, indirect %...); ``work_centers``, ``machine_centers``,
        ``routings`` and ``boms`` are changed records, whose users are recomputed. If a
        change alters the BOM graph itself (other components, an item becoming produced),
        everything is rolled up again (``full`` is then true).
        """
        if md.setup != self._setup_key:
            return self._full_update(md)
        items = tuple(items)
        for no in items:
            self._idx(no)
            md.item(no)
        work_centers, machine_centers = tuple(work_centers), tuple(machine_centers)
        routings, boms = tuple(routings), tuple(boms)
        for no in work_centers:
            md.work_center(no)
        for no in machine_centers:
            md.machine_center(no)
        centres = {(CapacityType.WORK_CENTER, no) for no in work_centers} | {
            (CapacityType.MACHINE_CENTER, no) for no in machine_centers
        }
        routing_set, bom_set = set(routings), set(boms)
        dirty: set[int] = {self._index[no] for no in items}
        if centres or routing_set or bom_set:
            for i, node in enumerate(self._nodes):
                if node.produced and (
                    (node.routing_no is not None and node.routing_no in routing_set)
                    or not bom_set.isdisjoint(node.boms)
                    or not centres.isdisjoint(node.centres)
                ):
                    dirty.add(i)
        compiler = _Compiler(md, self._at)
        new_nodes = list(self._nodes)
        for i in dirty:
            old = self._nodes[i]
            node = compiler.node(md.item(self._names[i]))
            if node.produced != old.produced or node.components != old.components:
                return self._full_update(md)
            new_nodes[i] = node
        new = self._copy(new_nodes)
        # everything that depends on a dirty item, in topological order
        affected = set(dirty)
        stack = list(dirty)
        dependents = self._dependents
        while stack:
            for p in dependents[stack.pop()]:
                if p not in affected:
                    affected.add(p)
                    stack.append(p)
        pos = self._pos
        order = sorted(affected, key=pos.__getitem__)
        new._compute(order)
        changes = tuple(
            CostChange(self._names[i], self._item_cost(i), new._item_cost(i))
            for i in order
            if any(
                old_v[i] != new_v[i]
                for old_v, new_v in zip(self._vectors(), new._vectors(), strict=True)
            )
        )
        return RollupUpdate(rollup=new, changes=changes, recomputed=len(order), full=False)

    def _copy(self, nodes: list[_Node]) -> StandardCostRollup:
        new = StandardCostRollup.__new__(StandardCostRollup)
        for name in self.__slots__:
            setattr(new, name, getattr(self, name))
        new._nodes = nodes
        for name in (
            "_sm",
            "_sc",
            "_ss",
            "_sco",
            "_smo",
            "_rm",
            "_rc",
            "_rs",
            "_rco",
            "_rmo",
            "_std",
        ):
            setattr(new, name, list(getattr(self, name)))
        return new

    def _full_update(self, md: MasterData) -> RollupUpdate:
        new = roll_up(md, at=self._at)
        changes: list[CostChange] = []
        for i in new._order:
            no = new._names[i]
            after = new._item_cost(i)
            j = self._index.get(no)
            before = None if j is None else self._item_cost(j)
            if before != after:
                changes.append(CostChange(no, before, after))
        return RollupUpdate(rollup=new, changes=tuple(changes), recomputed=len(new), full=True)


def roll_up(
    md: MasterData, item_nos: Iterable[str] | None = None, *, at: dt.date | None = None
) -> StandardCostRollup:
    """BC's multi-level ("All Levels") standard cost calculation.

    Rolls up every item of ``md`` (or only ``item_nos`` and everything they are made of),
    components first, in linear time (an iterative topological sort; no recursion).
    Raises :class:`~prodcore.errors.BomCycleError` naming a cycle if the BOMs form one,
    :class:`~prodcore.errors.NotFoundError` for a BOM line naming an unknown item.

    >>> from prodcore.masterdata import *
    >>> md = MasterData.of(items=[
    ...     Item("A", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="BA"),
    ...     Item("B", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="BB")],
    ...     boms=[ProductionBom("BA", (BomLine("B"),)), ProductionBom("BB", (BomLine("A"),))])
    >>> roll_up(md)
    Traceback (most recent call last):
    ...
    prodcore.errors.BomCycleError: The production BOMs form a cycle: A -> B -> A.
    """
    compiler = _Compiler(md, at)
    rollup = StandardCostRollup.__new__(StandardCostRollup)
    names: list[str] = []
    index: dict[str, int] = {}
    nodes: list[_Node] = []
    all_items = md.items
    if item_nos is None:
        for no, item in all_items.items():
            index[no] = len(names)
            names.append(no)
            nodes.append(compiler.node(item))
        for node in nodes:
            for comp in node.components:
                if comp not in index:
                    raise NotFoundError(kind="Item", key=comp)
    else:
        pending = list(item_nos)
        while pending:
            no = pending.pop()
            if no in index:
                continue
            node = compiler.node(md.item(no))
            index[no] = len(names)
            names.append(no)
            nodes.append(node)
            pending.extend(c for c in node.components if c not in index)
    n_items = len(names)
    comp_idx: list[tuple[int, ...]] = [
        tuple([index[c] for c in node.components]) if node.components else () for node in nodes
    ]
    dependents: list[list[int]] = [[] for _ in range(n_items)]
    pending_count = [0] * n_items
    for p, comps in enumerate(comp_idx):
        pending_count[p] = len(comps)
        for c in comps:
            dependents[c].append(p)
    order = [i for i in range(n_items) if not pending_count[i]]
    head = 0
    while head < len(order):
        i = order[head]
        head += 1
        for p in dependents[i]:
            pending_count[p] -= 1
            if not pending_count[p]:
                order.append(p)
    if len(order) < n_items:
        raise BomCycleError(cycle=_name_cycle(pending_count, comp_idx, names))
    pos = [0] * n_items
    for k, i in enumerate(order):
        pos[i] = k
    rollup._names = names
    rollup._index = index
    rollup._nodes = nodes
    rollup._comp_idx = comp_idx
    rollup._dependents = dependents
    rollup._order = order
    rollup._pos = pos
    rollup._round = _unit_rounder(md.setup.unit_amount_rounding)
    rollup._at = at
    rollup._setup_key = md.setup
    for name in ("_sm", "_sc", "_ss", "_sco", "_smo", "_rm", "_rc", "_rs", "_rco", "_rmo", "_std"):
        setattr(rollup, name, [ZERO] * n_items)
    rollup._compute(order)
    return rollup


def _name_cycle(
    pending_count: list[int], comp_idx: list[tuple[int, ...]], names: list[str]
) -> tuple[str, ...]:
    """A cycle among the items Kahn's algorithm could not order (each has an unordered
    component), walked from parent to component."""
    start = next(i for i, count in enumerate(pending_count) if count)
    seen: dict[int, int] = {}
    path: list[int] = []
    current = start
    while current not in seen:
        seen[current] = len(path)
        path.append(current)
        current = next(c for c in comp_idx[current] if pending_count[c])
    cycle = path[seen[current] :]
    return (*(names[i] for i in cycle), names[current])


def single_level_cost(
    item_no: str,
    md: MasterData,
    *,
    component_costs: Mapping[str, Decimal] | None = None,
    at: dt.date | None = None,
) -> CostShares:
    """BC's "Single Level" calculation: the item's single-level shares per base unit from
    its components' *current* costs.

    A component's cost is taken from ``component_costs`` if given there, else its
    standard cost if it is a produced item costed at Standard, else its unit cost.

    >>> from prodcore.masterdata import *
    >>> md = MasterData.of(items=[
    ...     Item("P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B",
    ...          overhead_rate=1),
    ...     Item("C", base_unit="PCS", unit_cost=5)], boms=[ProductionBom("B", (BomLine("C", 2),))])
    >>> single_level_cost("P", md).total
    Decimal('11.00000')
    >>> single_level_cost("P", md, component_costs={"C": Decimal(-1)})
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for cost of C: Decimal('-1') (must not be negative).
    """
    overrides = dict(component_costs or {})
    for no, value in overrides.items():
        cost = to_decimal(value, f"cost of {no}")
        if cost < 0:
            raise InvalidValueError(
                field=f"cost of {no}", value=cost, reason="must not be negative"
            )
        overrides[no] = cost
    item = md.item(item_no)
    node = _Compiler(md, at).node(item)
    rnd = _unit_rounder(md.setup.unit_amount_rounding)
    if not node.produced:
        return CostShares(material=node.unit_cost)
    mat = ZERO
    for comp_no, q in zip(node.components, node.quantities, strict=True):
        if comp_no in overrides:
            cost = overrides[comp_no]
        else:
            comp = md.item(comp_no)
            use_standard = _is_produced(comp) and comp.costing_method is CostingMethod.STANDARD
            cost = comp.standard_cost if use_standard else comp.unit_cost
        mat += q * cost
    lot = node.lot
    cap, sub, co = node.capacity_lot, node.subcontracted_lot, node.capacity_overhead_lot
    mo = (mat + cap + sub + co) * node.indirect + node.overhead_lot
    return CostShares(rnd(mat / lot), rnd(cap / lot), rnd(sub / lot), rnd(co / lot), rnd(mo / lot))
