"""Standard cost rollup, single-level and multi-level, full and incremental (pure).

The formulas are Business Central's "Calculate Standard Cost":

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
  ``QtyPer`` once per lot); ``QtyPer`` is per unit of the BOM's unit of measure, so it is
  divided by the base units one BOM unit holds (a BOM in BOX of 12 with 6 C per BOX needs
  0.5 C per piece); phantom BOMs are exploded into the parent;
* manufacturing overhead ``= (Mat + Cap + Sub + CapOvhd) × Item Indirect% / 100 +
  Item OverheadRate × LotSize``;
* every share divided by ``LotSize`` and rounded to the unit-amount precision of the setup
  (BC's ``RoundUnitAmt``); standard cost = Σ single-level shares;
* rolled-up share ``= round((Σ component rolled-up share × quantity + own single-level
  share for the lot) / LotSize)``; a purchased component's rolled-up material is its unit
  cost.

Purchased items (not replenished by production, or without BOM and routing) cost their
unit cost, as material.

Example (derived from BC's formulas, not printed in BC's documentation): lot 10, one operation setup 1 h + run 0.5 h on a work
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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal

import attrs

from prodcore.costing.rollup_graph import (
    _Compiler,
    _Graph,
    _link_co_products,
    _Outputs,
    _Row,
    operation_cost_time,
)
from prodcore.costing.shares import CostShares, ItemCost
from prodcore.errors import BomCycleError, ByProductCreditError, InvalidValueError, NotFoundError
from prodcore.masterdata import (
    CapacityType,
    CostingMethod,
    ManufacturingSetup,
    MasterData,
    Replenishment,
)
from prodcore.masterdata.standards import ByProductCredit
from prodcore.numbers import (
    ZERO,
    in_own_context,
    to_decimal,
    tuple_of,
)

__all__ = [
    "CostChange",
    "RollupUpdate",
    "StandardCostRollup",
    "by_product_credit_check",
    "operation_cost_time",
    "roll_up",
    "single_level_cost",
]


# --------------------------------------------------------------------------- results


@attrs.frozen
class CostChange:
    """An item whose cost changed: its standard cost before (None if it was not rolled
    up before) and after. The shares are in :attr:`RollupUpdate.previous` and
    :attr:`RollupUpdate.rollup` (see :meth:`RollupUpdate.detail`)."""

    item_no: str
    old: Decimal | None
    new: Decimal


@attrs.frozen
class RollupUpdate:
    """The result of :meth:`StandardCostRollup.update`: the new rollup and what changed.

    ``changes`` lists the items whose cost (standard cost or any single-level or
    rolled-up share) changed, components first; ``recomputed`` counts the items computed
    again; ``full`` tells whether everything had to be rolled up again (because the BOM
    graph itself changed).
    """

    previous: StandardCostRollup
    rollup: StandardCostRollup
    changes: tuple[CostChange, ...] = attrs.field(validator=tuple_of(CostChange))
    recomputed: int
    full: bool

    def detail(self, item_no: str) -> tuple[ItemCost | None, ItemCost]:
        """The item's cost before (None if it was not rolled up) and after the update."""
        after = self.rollup[item_no]
        return self.previous.get(item_no), after


_Vector = list[Decimal]
_RESULT_COLUMNS = ("_sm", "_sc", "_ss", "_sco", "_smo", "_up")
# per item: (standard cost, rolled-up material, capacity, subcontracted, cap. ovhd, mfg. ovhd)
_Up = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]
_ZEROS4 = (ZERO, ZERO, ZERO, ZERO)


class StandardCostRollup:
    """The standard cost of every item of a BOM graph, as BC's "All Levels" calculation.

    Built by :func:`roll_up`; immutable (:meth:`update` returns a new one). Indexable by
    item number, giving an :class:`~prodcore.costing.ItemCost`. Internally it keeps the
    graph as integer-indexed columns of Decimals so that a million items fit and roll up
    in linear time.
    """

    __slots__ = (
        "_at",
        "_graph",
        "_index_cache",
        "_order",
        "_roots",
        "_round",
        "_routing_centres",
        "_sc",
        "_sco",
        "_setup",
        "_sm",
        "_smo",
        "_ss",
        "_up",
    )

    _at: dt.date | None
    _roots: tuple[str, ...] | None  # the items asked for, None: all items of the snapshot
    _graph: _Graph
    _order: list[int]
    _index_cache: list[_ReverseIndex]  # empty until the first update needs it
    _round: Callable[[Decimal], Decimal]
    _routing_centres: Mapping[str, frozenset[tuple[CapacityType, str]]]
    _setup: ManufacturingSetup
    _sm: _Vector
    _sc: _Vector
    _ss: _Vector
    _sco: _Vector
    _smo: _Vector
    _up: list[_Up]  # what the items above need of an item, in one tuple

    def __len__(self) -> int:
        return len(self._graph.names)

    def __contains__(self, item_no: object) -> bool:
        return item_no in self._graph.index

    def __iter__(self) -> Iterator[str]:
        return iter(self._graph.names)

    def __getitem__(self, item_no: str) -> ItemCost:
        return self._item_cost(self._idx(item_no))

    def __repr__(self) -> str:
        return f"<StandardCostRollup of {len(self)} items>"

    def _idx(self, item_no: str) -> int:
        try:
            return self._graph.index[item_no]
        except KeyError:
            raise NotFoundError(kind="Item", key=item_no) from None

    def _item_cost(self, i: int) -> ItemCost:
        return ItemCost(
            self._graph.names[i],
            produced=self._graph.produced[i],
            single_level=CostShares(
                self._sm[i], self._sc[i], self._ss[i], self._sco[i], self._smo[i]
            ),
            rolled_up=CostShares(*self._up[i][1:]),
        )

    @property
    def warnings(self) -> tuple[str, ...]:
        """One warning per produced item whose by-product credits exceed its material
        cost (a negative single-level material share), components first; a setup that
        refuses them (``ByProductCredit.REFUSE``) never builds such a rollup."""
        return tuple(_credit_message(no, m, _ROLLUP) for no, m in self._negative_material())

    def _negative_material(
        self, among: Iterable[int] | None = None
    ) -> Iterator[tuple[str, Decimal]]:
        names, produced, sm = self._graph.names, self._graph.produced, self._sm
        for i in self._order if among is None else among:
            if produced[i] and sm[i] < 0:
                yield names[i], sm[i]

    def get(self, item_no: str) -> ItemCost | None:
        """The item's cost, or None if the item is not in this rollup."""
        i = self._graph.index.get(item_no)
        return None if i is None else self._item_cost(i)

    def standard_cost(self, item_no: str) -> Decimal:
        """The standard cost per base unit of ``item_no`` (Σ single-level shares)."""
        return self._up[self._idx(item_no)][0]

    def items(self) -> Iterator[ItemCost]:
        """Every item's cost, components before the items made of them."""
        for i in self._order:
            yield self._item_cost(i)

    def topological_order(self) -> tuple[str, ...]:
        """Item numbers, each after all of its components."""
        names = self._graph.names
        return tuple(names[i] for i in self._order)

    def dependents(self, item_no: str) -> tuple[str, ...]:
        """Items whose BOM (phantoms exploded) uses ``item_no`` directly."""
        i = self._idx(item_no)
        names = self._graph.names
        return tuple(dict.fromkeys(names[p] for p in self._reverse_index().dependents(i)))

    def _reverse_index(self) -> _ReverseIndex:
        if not self._index_cache:  # built once, then shared with the updates' results
            components = [row[11] for row in self._graph.rows]
            self._index_cache.append(_ReverseIndex(components, self._order))
        return self._index_cache[0]

    # ---------------------------------------------------------------- computation
    def _compute(self, indices: Iterable[int]) -> None:
        """(Re)compute the items ``indices`` (in topological order) from their components."""
        g, rnd = self._graph, self._round
        rows, produced = g.rows, g.produced
        sm, sc, ss, sco, smo = self._sm, self._sc, self._ss, self._sco, self._smo
        up = self._up
        outputs, derived = g.outputs, g.derived
        # purchased items with one unit cost object (rows are shared) share one tuple; the
        # rows keep those objects alive for the whole loop, so their ids are stable keys
        leaf_ups: dict[int, _Up] = {}
        for i in indices:
            if derived and i in derived:
                continue  # written with the item whose BOM yields it
            (is_produced, unit_cost, lot, indirect, overhead_lot, cap, sub, co,
             b, c_, d, components, quantities, _, _, capacity) = rows[i]  # fmt: skip
            if not is_produced:
                sm[i] = unit_cost
                sc[i] = ss[i] = sco[i] = smo[i] = ZERO
                leaf_up = leaf_ups.get(id(unit_cost))
                if leaf_up is None:
                    leaf_up = leaf_ups[id(unit_cost)] = (unit_cost, unit_cost, *_ZEROS4)
                up[i] = leaf_up
                continue
            mat = ru_mat = ru_cap = ru_sub = ru_co = ru_mo = ZERO
            deep = False  # a produced component: the rolled-up material differs from mat
            for c, q in zip(components, quantities, strict=False):  # equal lengths
                if produced[c]:
                    deep = True
                    c_std, c_mat, c_cap, c_sub, c_co, c_mo = up[c]
                    mat += q * c_std
                    ru_mat += q * c_mat
                    ru_cap += q * c_cap
                    if c_sub:  # mostly zero: most work is not subcontracted
                        ru_sub += q * c_sub
                    ru_co += q * c_co
                    ru_mo += q * c_mo
                else:
                    amount = q * up[c][0]
                    mat += amount
                    ru_mat += amount
            if outputs and i in outputs:
                ru = (ru_mat, ru_cap, ru_sub, ru_co, ru_mo)
                self._share_outputs(i, outputs[i], mat, ru, rows[i])
                continue
            mo = (mat + capacity) * indirect + overhead_lot if indirect else overhead_lot
            sm[i] = a = rnd(mat / lot)
            sc[i] = b
            ss[i] = c_
            sco[i] = d
            smo[i] = e = rnd(mo / lot)
            up[i] = (
                a + b + c_ + d + e,
                rnd(ru_mat / lot) if deep else a,  # else the same sums: share the Decimal
                rnd((ru_cap + cap) / lot) if ru_cap else b,
                rnd((ru_sub + sub) / lot) if ru_sub else c_,
                rnd((ru_co + co) / lot) if ru_co else d,
                rnd((ru_mo + mo) / lot) if ru_mo else e,
            )

    def _share_outputs(
        self,
        i: int,
        outs: _Outputs,
        mat: Decimal,
        ru: tuple[Decimal, Decimal, Decimal, Decimal, Decimal],
        row: _Row,
    ) -> None:
        """An item whose BOM has outputs: its lot cost net of fixed-price credits, shared
        exactly (each share × cost share / 100, no rounding) between the item and its
        co-products, each part then divided by that product's quantity for the lot."""
        lot, indirect, overhead_lot, cap, sub, co, capacity = (
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            row[15],
        )
        mat -= outs.credit
        mo = (mat + capacity) * indirect + overhead_lot
        single = (mat, cap, sub, co, mo)
        ru_mat, ru_cap, ru_sub, ru_co, ru_mo = ru
        rolled = (ru_mat - outs.credit, ru_cap + cap, ru_sub + sub, ru_co + co, ru_mo + mo)
        self._put_part(i, single, rolled, outs.main_share, lot)
        for c, quantity, share in outs.co:
            self._put_part(c, single, rolled, share, quantity)

    def _put_part(
        self,
        i: int,
        single: Sequence[Decimal],
        rolled: Sequence[Decimal],
        share: Decimal,
        quantity: Decimal,
    ) -> None:
        rnd = self._round
        a, b, c, d, e = (rnd(amount * share / quantity) for amount in single)
        self._sm[i], self._sc[i], self._ss[i], self._sco[i], self._smo[i] = a, b, c, d, e
        ru_mat, ru_cap, ru_sub, ru_co, ru_mo = (rnd(x * share / quantity) for x in rolled)
        self._up[i] = (a + b + c + d + e, ru_mat, ru_cap, ru_sub, ru_co, ru_mo)

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
        change alters the BOM graph itself (other components, an item becoming produced)
        or the setup changed, everything is rolled up again (``full`` is then true).
        """
        g = self._graph
        items = tuple(items)
        for no in items:
            md.item(no)  # unknown: NotFoundError
        if self._roots is None and any(no not in g.index for no in items):
            return self._full_update(md)  # a new item
        items = tuple(no for no in items if no in g.index)  # others are not used here
        work_centers, machine_centers = tuple(work_centers), tuple(machine_centers)
        for no in work_centers:
            md.work_center(no)
        for no in machine_centers:
            md.machine_center(no)
        routing_set, bom_set = set(routings), set(boms)
        for no in routing_set:
            md.routing(no)
        for no in bom_set:
            md.bom(no)
        if md.setup != self._setup:
            return self._full_update(md)
        centres = {(CapacityType.WORK_CENTER, no) for no in work_centers} | {
            (CapacityType.MACHINE_CENTER, no) for no in machine_centers
        }
        routing_set.update(
            no for no, used in self._routing_centres.items() if not centres.isdisjoint(used)
        )
        dirty: set[int] = {g.index[no] for no in items}
        if routing_set:
            dirty.update(
                i for i, row in enumerate(g.rows) if row[14] is not None and row[14] in routing_set
            )
        if bom_set:
            dirty.update(
                i for i, row in enumerate(g.rows) if row[13] is not None and row[13] in bom_set
            )
            dirty.update(i for i, used in g.boms.items() if not bom_set.isdisjoint(used))
        compiler = _Compiler(md, self._at)
        rows: dict[int, _Row] = {}
        new_boms: dict[int, frozenset[str]] = {}

        def index_of(no: str) -> int:
            i = g.index.get(no)
            if i is None:
                md.item(no)  # unknown: NotFoundError
                raise _GraphChangedError
            return i

        try:
            for i in dirty:
                row, used = compiler.row(md.item(g.names[i]), index_of)
                if row[0] != g.produced[i] or row[11] != g.rows[i][11]:
                    raise _GraphChangedError
                rows[i] = row
                if used is not None:
                    new_boms[i] = used
            graph = _with_outputs(g, g.copy_with(rows, new_boms), rows, compiler.outputs)
        except _GraphChangedError:
            return self._full_update(md)
        new = self._copy(graph)
        if compiler.routings:
            new._routing_centres = {
                **self._routing_centres,
                **{no: r.centres for no, r in compiler.routings.items()},
            }
        # everything that depends on a dirty item, in topological order
        seen = bytearray(len(g.names))
        stack = list(dirty)
        for i in stack:
            seen[i] = 1
        affected = list(stack)
        reverse = self._reverse_index()
        start, flat = reverse.start, reverse.flat
        while stack:
            i = stack.pop()
            for p in flat[start[i] : start[i + 1]]:
                if not seen[p]:
                    seen[p] = 1
                    stack.append(p)
                    affected.append(p)
        affected.sort(key=reverse.pos.__getitem__)
        new._compute(affected)
        pairs = [(getattr(self, name), getattr(new, name)) for name in _RESULT_COLUMNS]
        old_up, new_up, names = self._up, new._up, g.names
        changes: list[CostChange] = []
        for i in affected:
            for old_column, new_column in pairs:
                if old_column[i] != new_column[i]:
                    changes.append(CostChange(names[i], old_up[i][0], new_up[i][0]))
                    break
        _refuse_negative_material(new, affected)  # the others were checked before
        return RollupUpdate(
            previous=self, rollup=new, changes=tuple(changes), recomputed=len(affected), full=False
        )

    def _copy(self, graph: _Graph) -> StandardCostRollup:
        new = StandardCostRollup.__new__(StandardCostRollup)
        for name in self.__slots__:
            setattr(new, name, getattr(self, name))
        new._graph = graph
        for name in _RESULT_COLUMNS:
            setattr(new, name, list(getattr(self, name)))
        return new

    def _full_update(self, md: MasterData) -> RollupUpdate:
        new = roll_up(md, self._roots, at=self._at)
        index = self._graph.index
        pairs = [(getattr(self, name), getattr(new, name)) for name in _RESULT_COLUMNS]
        changes: list[CostChange] = []
        for i in new._order:
            no = new._graph.names[i]
            j = index.get(no)
            if j is None:
                changes.append(CostChange(no, None, new._up[i][0]))
            elif self._graph.produced[j] != new._graph.produced[i] or any(
                old_column[j] != new_column[i] for old_column, new_column in pairs
            ):
                changes.append(CostChange(no, self._up[j][0], new._up[i][0]))
        return RollupUpdate(
            previous=self, rollup=new, changes=tuple(changes), recomputed=len(new), full=True
        )


class _GraphChangedError(Exception):
    """Internal: an update changes the BOM graph; roll everything up again."""


def _co_indices(outs: _Outputs | None) -> tuple[int, ...]:
    return tuple(c for c, _, _ in outs.co) if outs else ()


def _with_outputs(
    old: _Graph, new: _Graph, rows: Mapping[int, _Row], outputs: Mapping[str, _Outputs]
) -> _Graph:
    """``new`` with the recompiled items' outputs; other co-products than before change
    the graph (raises :class:`_GraphChangedError`)."""
    if not (old.outputs or outputs):
        return new
    changed = {i: outputs.get(old.names[i]) for i in rows}
    if any(_co_indices(old.outputs.get(i)) != _co_indices(o) for i, o in changed.items()):
        raise _GraphChangedError
    new.outputs = {i: o for i, o in old.outputs.items() if i not in changed}
    new.outputs.update({i: o for i, o in changed.items() if o is not None})
    return new


@in_own_context
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
    g = _Graph()
    names, index = g.names, g.index
    all_items = md.items
    if item_nos is None:
        names.extend(all_items)
        index.update(zip(names, range(len(names)), strict=True))
        rows = g.rows
        compile_row = compiler.row
        lookup = index.__getitem__  # a C call; an unknown component raises KeyError
        try:
            for i, item in enumerate(all_items.values()):
                row, used = compile_row(item, lookup)
                rows.append(row)
                if used is not None:
                    g.boms[i] = used
        except KeyError as exc:
            key = exc.args[0] if exc.args else None
            if isinstance(key, str) and key not in index:
                raise NotFoundError(kind="Item", key=key) from None
            raise  # pragma: no cover - not from the index
    else:

        def index_of(no: str) -> int:
            i = index.get(no)
            if i is None:
                md.item(no)  # unknown: NotFoundError
                i = index[no] = len(names)
                names.append(no)
            return i

        roots = tuple(item_nos)
        for no in roots:
            index_of(no)
        i = 0
        while i < len(names):  # names grows while components are discovered
            row, used = compiler.row(md.item(names[i]), index_of)
            g.rows.append(row)
            if used is not None:
                g.boms[i] = used
            i += 1
    if compiler.outputs:
        _link_co_products(g, compiler.outputs)
    n_items = len(names)
    g.produced = [row[0] for row in g.rows]
    components = [row[11] for row in g.rows]
    order = _topological_order(components, names)
    rollup = StandardCostRollup.__new__(StandardCostRollup)
    rollup._at = at
    rollup._roots = None if item_nos is None else roots
    rollup._graph = g
    rollup._order = order
    rollup._index_cache = []
    rollup._round = compiler.round
    rollup._routing_centres = {no: r.centres for no, r in compiler.routings.items()}
    rollup._setup = md.setup
    rollup._sm, rollup._sc, rollup._ss = [ZERO] * n_items, [ZERO] * n_items, [ZERO] * n_items
    rollup._sco, rollup._smo = [ZERO] * n_items, [ZERO] * n_items
    rollup._up = [(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)] * n_items
    rollup._compute(order)
    _refuse_negative_material(rollup)
    return rollup


_ROLLUP = "standard cost rollup"


def _credit_message(item_no: str, material: Decimal, where: str) -> str:
    return (
        f"By-product credit exceeds the material cost of {item_no} ({where}): net material "
        f"{material}, its output is valued below its other costs."
    )


def by_product_credit_check(
    item_no: str, material: Decimal, setup: ManufacturingSetup, where: str
) -> tuple[str, ...]:
    """The by-product credit rule for one cost: a ``material`` cost below zero (the
    by-product credits exceed what the components cost) raises a
    :class:`~prodcore.errors.ByProductCreditError` when the setup refuses it, else it is
    one warning; nothing otherwise.

    >>> by_product_credit_check("OIL", Decimal("-1.5"), ManufacturingSetup(), "order PO-1")
    ('By-product credit exceeds the material cost of OIL (order PO-1): net material -1.5, its output is valued below its other costs.',)
    >>> by_product_credit_check("OIL", Decimal(0), ManufacturingSetup(), "order PO-1")
    ()
    """
    if material >= 0:
        return ()
    if setup.by_product_credit is ByProductCredit.REFUSE:
        raise ByProductCreditError(item_no=item_no, material=material, where=where)
    return (_credit_message(item_no, material, where),)


def _refuse_negative_material(
    rollup: StandardCostRollup, among: Iterable[int] | None = None
) -> None:
    if rollup._setup.by_product_credit is ByProductCredit.REFUSE:
        for no, material in rollup._negative_material(among):
            by_product_credit_check(no, material, rollup._setup, _ROLLUP)


def _topological_order(components: Sequence[tuple[int, ...]], names: Sequence[str]) -> list[int]:
    """Item indices, every item after its components: an iterative depth-first search
    (post-order), linear in items plus BOM lines. A cycle raises, named parent to component."""
    state = bytearray(len(components))  # 0 unseen, 1 on the current path, 2 done
    order: list[int] = []
    append = order.append
    for root, root_components in enumerate(components):
        if state[root]:
            continue
        if not root_components:
            state[root] = 2
            append(root)
            continue
        state[root] = 1
        stack = [(root, iter(root_components))]
        while stack:
            node, pending = stack[-1]
            for c in pending:
                seen = state[c]
                if not seen:
                    grand = components[c]
                    if not grand:  # a leaf: done at once
                        state[c] = 2
                        append(c)
                        continue
                    state[c] = 1
                    stack.append((c, iter(grand)))
                    break
                if seen == 1:
                    path = [n for n, _ in stack]
                    cycle = path[path.index(c) :]
                    raise BomCycleError(cycle=(*(names[i] for i in cycle), names[c]))
            else:
                stack.pop()
                state[node] = 2
                append(node)
    return order


class _ReverseIndex:
    """Who uses whom, built on the first incremental update and shared by its results:
    the dependents of item c are ``flat[start[c]:start[c + 1]]``; ``pos`` is each item's
    place in the topological order."""

    __slots__ = ("flat", "pos", "start")

    def __init__(self, components: Sequence[tuple[int, ...]], order: Sequence[int]) -> None:
        n_items = len(components)
        start = [0] * (n_items + 1)
        for comps in components:
            for c in comps:
                start[c + 1] += 1
        for k in range(n_items):
            start[k + 1] += start[k]
        fill = start[:-1]
        flat = [0] * start[n_items]
        for p, comps in enumerate(components):
            for c in comps:
                flat[fill[c]] = p
                fill[c] += 1
        pos = [0] * n_items
        for k, i in enumerate(order):
            pos[i] = k
        self.start, self.flat, self.pos = start, flat, pos

    def dependents(self, i: int) -> list[int]:
        return self.flat[self.start[i] : self.start[i + 1]]


@in_own_context
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
    compiler = _Compiler(md, at)
    names: list[str] = []

    def index_of(no: str) -> int:
        names.append(no)
        return len(names) - 1

    row, _ = compiler.row(item, index_of)
    produced, unit_cost, lot, indirect, overhead_lot, cap, sub, co, sl_cap, sl_sub, sl_co = row[:11]
    if not produced:
        return CostShares(material=unit_cost)
    rnd = compiler.round
    mat = ZERO
    for c, q in zip(row[11], row[12], strict=True):
        comp_no = names[c]  # co-products are named too, but no components
        if comp_no in overrides:
            cost = overrides[comp_no]
        else:
            comp = md.item(comp_no)
            use_standard = (
                comp.replenishment is Replenishment.PRODUCTION
                and bool(comp.production_bom_no or comp.routing_no)
                and comp.costing_method is CostingMethod.STANDARD
            )
            cost = comp.standard_cost if use_standard else comp.unit_cost
        mat += q * cost
    outs = compiler.outputs.get(item_no)
    if outs is not None:  # the BOM's outputs: credits off material, the main item's share
        mat -= outs.credit
        mo = (mat + cap + sub + co) * indirect + overhead_lot
        share = outs.main_share
        return CostShares(*(rnd(a * share / lot) for a in (mat, cap, sub, co, mo)))
    mo = (mat + cap + sub + co) * indirect + overhead_lot
    return CostShares(rnd(mat / lot), sl_cap, sl_sub, sl_co, rnd(mo / lot))
