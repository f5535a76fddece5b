"""Exploding BOMs and routings into order lines, components and operations (pure).

The quantities follow Business Central:

* routing scrap accumulates from the last operation backwards:
  ``accum(op) = round((1 + accum(next)) × (1 + SF(op)/100), 5) − 1`` and
  ``fixed(op) = fixed(next) × (1 + SF(op)/100) + Fixed(op)``;
* an operation's input quantity is ``qty × (1 + accum) × (1 + line scrap) + fixed``;
* a component's expected quantity is
  ``Qper × (qty × (1 + line scrap) × (1 + accum) × (1 + comp scrap) + fixed)`` with the
  accumulation of its linked operation (unlinked: the first operation), rounded *up* to
  the rounding precision of the component's unit
  (:meth:`~prodcore.masterdata.Item.need_rounding`); a Fixed
  Quantity formula gives ``Qper`` regardless of the order;
* quantities per are per unit of the production BOM's unit of measure (the item's base
  unit when the BOM has none): a component's quantity per on the order is per base unit
  of the line, ``Qper ÷ (base units per BOM unit)``.

Phantom BOM lines are exploded into the parent, their quantity per multiplied in, their
scrap compounded and their routing link inherited by lines that have none.

Example (derived from BC's formulas): order 100, operations 10 → 20 → 30 with scrap factor
5 % / 0 / 10 % and fixed scrap 0 / 2 / 0, component (2 per) linked to operation 10:

>>> from prodcore.masterdata import *
>>> from prodcore.numbers import Duration
>>> md = MasterData.of(
...     items=[Item("P", base_unit="PCS", replenishment=Replenishment.PRODUCTION,
...                 production_bom_no="P-BOM", routing_no="P-RTG"),
...            Item("C", base_unit="KG")],
...     boms=[ProductionBom("P-BOM", (BomLine("C", 2, routing_link_code="L10"),))],
...     routings=[Routing("P-RTG", (
...         RoutingLine("10", CapacityType.WORK_CENTER, "WC", scrap_factor_percent=5, routing_link_code="L10"),
...         RoutingLine("20", CapacityType.WORK_CENTER, "WC", fixed_scrap_quantity=2),
...         RoutingLine("30", CapacityType.WORK_CENTER, "WC", scrap_factor_percent=10)))],
...     work_centers=[WorkCenter("WC")])
>>> (line,) = explode_order_lines("P", Decimal(100), md, due_date=None)
>>> [(op.operation_no, str(op.accumulated_scrap_factor), str(op.accumulated_fixed_scrap), str(op.input_quantity)) for op in line.operations]
[('10', '0.155', '2.1', '117.600'), ('20', '0.1', '2', '112.0'), ('30', '0.1', '0', '110.0')]
>>> line.components[0].expected_quantity
Decimal('235.20000')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Protocol

import attrs

from prodcore.errors import BomCycleError, NotFoundError
from prodcore.masterdata import (
    BomLine,
    BomLineType,
    CalculationFormula,
    CapacityType,
    Item,
    MachineCenter,
    ManufacturingSetup,
    NeedRounding,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    VersionStatus,
    WorkCenter,
)
from prodcore.numbers import HUNDRED, ONE, ZERO, Rounding, RoundingMode, in_own_context
from prodcore.orders.model import Component, Operation, OrderLine

__all__ = [
    "ExplodedComponent",
    "MasterDataLookup",
    "accumulate_routing_scrap",
    "bom_unit_factor",
    "component_expected_quantity",
    "explode_bom",
    "explode_order_lines",
    "find_bom_cycle",
    "find_phantom_cycle",
]

_FIVE_PLACES = Rounding(Decimal("0.00001"), RoundingMode.HALF_UP)


def bom_unit_factor(item: Item, bom: ProductionBom) -> Decimal:
    """How many base units of ``item`` one unit of its production BOM is: quantities per
    of the BOM are per this many base units (1 when the BOM has no unit of its own).

    >>> from prodcore.masterdata import ItemUnitOfMeasure
    >>> pack = Item("PACK", base_unit="PCS", units=(ItemUnitOfMeasure("BOX", qty_per_base=12),))
    >>> bom_unit_factor(pack, ProductionBom("B", (), unit="BOX"))
    Decimal('12')
    """
    return ONE if bom.unit is None else item.qty_per_unit(bom.unit)


class MasterDataLookup(Protocol):
    """What the pure functions need to read master data (``MasterData`` and repositories fit)."""

    @property
    def setup(self) -> ManufacturingSetup: ...
    def item(self, no: str) -> Item: ...
    def bom(self, no: str) -> ProductionBom: ...
    def routing(self, no: str) -> Routing: ...
    def work_center(self, no: str) -> WorkCenter: ...
    def machine_center(self, no: str) -> MachineCenter: ...


@attrs.frozen
class ExplodedComponent:
    """One leaf of a BOM after phantom explosion, per one unit of the parent."""

    item_no: str
    quantity_per: Decimal  # per parent unit, formula and phantom factors applied
    unit: str | None
    scrap_percent: Decimal  # compounded over phantom levels
    routing_link_code: str | None
    formula: CalculationFormula
    bom_path: tuple[str, ...]


@in_own_context
def explode_bom(
    bom_no: str, md: MasterDataLookup, at: dt.date | None = None
) -> tuple[ExplodedComponent, ...]:
    """Flatten a BOM into its item lines, exploding phantom (production BOM) lines.

    Raises :class:`BomCycleError` naming the cycle if a phantom refers back to itself.
    """
    return tuple(_explode(bom_no, md, at))


@attrs.frozen
class _PhantomLevel:
    """One BOM being exploded: its remaining lines and what its parents pass down."""

    lines: Iterator[BomLine]
    factor: Decimal
    scrap: Decimal
    link: str | None


def _explode(bom_no: str, md: MasterDataLookup, at: dt.date | None) -> Iterator[ExplodedComponent]:
    # An explicit stack, not recursion: a chain of thousands of phantoms must not
    # exhaust the interpreter stack. ``path`` runs parallel to the stack; ``on_path``
    # makes the cycle check O(1), and a component's path tuple is built only when the
    # stack has changed since the last one (so its cost follows the output, not depth²).
    path = [bom_no]
    on_path = {bom_no: 0}
    stack = [_PhantomLevel(iter(md.bom(bom_no).active_lines(at)), ONE, ZERO, None)]
    bom_path: tuple[str, ...] | None = None
    while stack:
        level = stack[-1]
        line = next(level.lines, None)
        if line is None:
            stack.pop()
            del on_path[path.pop()]
            bom_path = None
            continue
        qper = level.factor * line.effective_quantity_per
        combined_scrap = _compound(level.scrap, line.scrap_percent)
        link = line.routing_link_code or level.link
        if line.type is BomLineType.PRODUCTION_BOM:
            if line.no in on_path:
                raise BomCycleError(cycle=(*path[on_path[line.no] :], line.no))
            on_path[line.no] = len(path)
            path.append(line.no)
            stack.append(
                _PhantomLevel(iter(md.bom(line.no).active_lines(at)), qper, combined_scrap, link)
            )
            bom_path = None
        else:
            if bom_path is None:
                bom_path = tuple(path)
            yield ExplodedComponent(
                item_no=line.no,
                quantity_per=qper,
                unit=line.unit,
                scrap_percent=combined_scrap,
                routing_link_code=link,
                formula=line.formula,
                bom_path=bom_path,
            )


def _compound(a_percent: Decimal, b_percent: Decimal) -> Decimal:
    """Two scrap percentages applied one after the other, as one percentage."""
    if not a_percent:
        return b_percent
    if not b_percent:
        return a_percent
    return ((ONE + a_percent / HUNDRED) * (ONE + b_percent / HUNDRED) - ONE) * HUNDRED


def accumulate_routing_scrap(
    lines: tuple[RoutingLine, ...],
) -> tuple[tuple[Decimal, Decimal], ...]:
    """(accumulated scrap factor as a fraction, accumulated fixed scrap) per operation."""
    result: list[tuple[Decimal, Decimal]] = []
    accum, fixed = ZERO, ZERO
    for i, line in enumerate(reversed(lines)):
        factor = ONE + line.scrap_factor_percent / HUNDRED
        if i == 0:
            accum = line.scrap_factor_percent / HUNDRED
            fixed = line.fixed_scrap_quantity
        else:
            accum = _FIVE_PLACES.apply((ONE + accum) * factor) - ONE
            fixed = fixed * factor + line.fixed_scrap_quantity
        result.append((_normal(accum), _normal(fixed)))
    return tuple(reversed(result))


def _normal(value: Decimal) -> Decimal:
    """Drop trailing zeros so that equal numbers print alike (0.10 -> 0.1)."""
    return value.normalize() if value else ZERO


def component_expected_quantity(
    *,
    quantity_per: Decimal,
    line_quantity: Decimal,
    line_scrap_percent: Decimal,
    component_scrap_percent: Decimal,
    accumulated_scrap: Decimal,
    accumulated_fixed_scrap: Decimal,
    formula: CalculationFormula,
    rounding: NeedRounding,
) -> Decimal:
    """BC's expected quantity of a component (see the module docstring), rounded up.

    Example: 4 per, 10 % BOM scrap, order 10, no routing scrap gives 44; 0.13
    per of a whole-unit component for an order of 10 needs 1.3, rounded up to 2.

    >>> component_expected_quantity(quantity_per=Decimal(4), line_quantity=Decimal(10),
    ...     line_scrap_percent=ZERO, component_scrap_percent=Decimal(10), accumulated_scrap=ZERO,
    ...     accumulated_fixed_scrap=ZERO, formula=CalculationFormula.NONE,
    ...     rounding=NeedRounding(Decimal("0.00001")))
    Decimal('44.00000')
    >>> component_expected_quantity(quantity_per=Decimal("0.13"), line_quantity=Decimal(10),
    ...     line_scrap_percent=ZERO, component_scrap_percent=ZERO, accumulated_scrap=ZERO,
    ...     accumulated_fixed_scrap=ZERO, formula=CalculationFormula.NONE,
    ...     rounding=NeedRounding(Decimal(1)))
    Decimal('2')
    """
    if formula is CalculationFormula.FIXED_QUANTITY:
        return rounding.apply(quantity_per)
    need = (
        line_quantity
        * (ONE + line_scrap_percent / HUNDRED)
        * (ONE + accumulated_scrap)
        * (ONE + component_scrap_percent / HUNDRED)
        + accumulated_fixed_scrap
    )
    return rounding.apply(quantity_per * need)


def _operations(
    routing_lines: tuple[RoutingLine, ...],
    quantity: Decimal,
    line_scrap_percent: Decimal,
    md: MasterDataLookup,
) -> tuple[Operation, ...]:
    accums = accumulate_routing_scrap(routing_lines)
    ops: list[Operation] = []
    for i, (rl, (accum, fixed)) in enumerate(zip(routing_lines, accums, strict=True)):
        if rl.type is CapacityType.MACHINE_CENTER:
            centre: WorkCenter | MachineCenter = md.machine_center(rl.no)
            work_center_no = md.machine_center(rl.no).work_center_no
        else:
            centre = md.work_center(rl.no)
            work_center_no = rl.no
        input_qty = quantity * (ONE + accum) * (ONE + line_scrap_percent / HUNDRED) + fixed
        ops.append(
            Operation(
                operation_no=rl.operation_no,
                type=rl.type,
                no=rl.no,
                work_center_no=work_center_no,
                setup_time=rl.setup_time,
                run_time=rl.run_time,
                wait_time=rl.wait_time,
                move_time=rl.move_time,
                lot_size=rl.lot_size,
                concurrent_capacities=rl.concurrent_capacities,
                send_ahead_quantity=rl.send_ahead_quantity,
                scrap_factor_percent=rl.scrap_factor_percent,
                fixed_scrap_quantity=rl.fixed_scrap_quantity,
                routing_link_code=rl.routing_link_code,
                unit_cost_per=rl.unit_cost_per,
                flushing_method=rl.flushing_method or centre.flushing_method,
                accumulated_scrap_factor=accum,
                accumulated_fixed_scrap=fixed,
                input_quantity=input_qty,
                previous_operation_no=routing_lines[i - 1].operation_no if i > 0 else None,
                next_operation_no=(
                    routing_lines[i + 1].operation_no if i + 1 < len(routing_lines) else None
                ),
                quality_checks=rl.quality_checks,
                alternatives=rl.alternatives,
            )
        )
    return tuple(ops)


@in_own_context
def explode_order_lines(
    item_no: str,
    quantity: Decimal,
    md: MasterDataLookup,
    *,
    due_date: dt.date | None,
    at: dt.date | None = None,
    location_code: str = "",
    make_to_order: bool = False,
) -> tuple[OrderLine, ...]:
    """The lines of an order for ``quantity`` of ``item_no``, fully exploded.

    With ``make_to_order``, components that are themselves produced (replenishment
    PRODUCTION with a BOM) get lines of their own in the same order, recursively,
    as BC's multi-level orders do; their components are then consumed from that output.
    """
    lines: list[OrderLine] = []
    # Depth-first with an explicit stack (children pushed in reverse keep the recursive
    # order): thousands of make-to-order levels must not exhaust the interpreter stack.
    # A ``None`` entry marks the end of a line's subtree, taking it off the cycle path.
    path: list[str] = []
    on_path: dict[str, int] = {}
    stack: list[tuple[str, Decimal, int] | None] = [(item_no, quantity, 0)]
    while stack:
        entry = stack.pop()
        if entry is None:
            del on_path[path.pop()]
            continue
        no, qty, level = entry
        if no in on_path:
            raise BomCycleError(cycle=(*path[on_path[no] :], no))
        sub_lines = _add_line(no, qty, md, due_date, at, location_code, make_to_order, level, lines)
        on_path[no] = len(path)
        path.append(no)
        stack.append(None)
        stack.extend((sub, sub_qty, level + 1) for sub, sub_qty in reversed(sub_lines))
    return tuple(lines)


def _add_line(
    item_no: str,
    quantity: Decimal,
    md: MasterDataLookup,
    due_date: dt.date | None,
    at: dt.date | None,
    location_code: str,
    make_to_order: bool,
    level: int,
    lines: list[OrderLine],
) -> list[tuple[str, Decimal]]:
    """Append the line for ``item_no`` and return the make-to-order lines it needs."""
    item = md.item(item_no)
    routing_lines = md.routing(item.routing_no).active_lines(at) if item.routing_no else ()
    operations = _operations(routing_lines, quantity, item.scrap_percent, md)
    first = operations[0] if operations else None
    exploded: tuple[ExplodedComponent, ...] = ()
    per_bom_unit = ONE
    if item.production_bom_no:
        exploded = explode_bom(item.production_bom_no, md, at)
        per_bom_unit = bom_unit_factor(item, md.bom(item.production_bom_no))
    components: list[Component] = []
    sub_lines: list[tuple[str, Decimal]] = []
    for n, ex in enumerate(exploded, start=1):
        comp_item = md.item(ex.item_no)
        linked = (
            next((op for op in operations if op.routing_link_code == ex.routing_link_code), None)
            if ex.routing_link_code
            else None
        )
        basis = linked or first
        unit = ex.unit or comp_item.base_unit
        quantity_per = ex.quantity_per if per_bom_unit == 1 else ex.quantity_per / per_bom_unit
        expected = component_expected_quantity(
            quantity_per=quantity_per,
            line_quantity=quantity,
            line_scrap_percent=item.scrap_percent,
            component_scrap_percent=ex.scrap_percent,
            accumulated_scrap=basis.accumulated_scrap_factor if basis else ZERO,
            accumulated_fixed_scrap=basis.accumulated_fixed_scrap if basis else ZERO,
            formula=ex.formula,
            rounding=comp_item.need_rounding(unit),
        )
        components.append(
            Component(
                line_no=n * 10000,
                item_no=ex.item_no,
                unit=unit,
                quantity_per=quantity_per,
                expected_quantity=expected,
                flushing_method=comp_item.flushing_method,
                scrap_percent=ex.scrap_percent,
                routing_link_code=ex.routing_link_code if linked else None,
                formula=ex.formula,
                location_code=location_code,
                bom_path=ex.bom_path,
                due_date=due_date,
            )
        )
        if (
            make_to_order
            and comp_item.replenishment is Replenishment.PRODUCTION
            and comp_item.production_bom_no
        ):
            sub_lines.append((ex.item_no, comp_item.to_base(expected, unit)))
    lines.append(
        OrderLine(
            line_no=(len(lines) + 1) * 10000,
            item_no=item_no,
            quantity=quantity,
            unit=item.base_unit,
            scrap_percent=item.scrap_percent,
            bom_no=item.production_bom_no,
            routing_no=item.routing_no,
            components=tuple(components),
            operations=operations,
            unit_cost=item.unit_cost,
            due_date=due_date,
            planning_level=level,
            quality_checks=item.quality_checks,
        )
    )
    return sub_lines


def find_bom_cycle(md: MasterDataLookup, item_nos: Iterable[str]) -> tuple[str, ...] | None:
    """The first cycle in the item graph (item → its BOM's items, through phantoms), or None.

    An iterative depth-first search, linear in items plus BOM lines.

    >>> from prodcore.masterdata import *
    >>> md = MasterData.of(items=[Item("A", base_unit="PCS", production_bom_no="BA"),
    ...                           Item("B", base_unit="PCS", production_bom_no="BB")],
    ...                    boms=[ProductionBom("BA", (BomLine("B"),)), ProductionBom("BB", (BomLine("A"),))])
    >>> find_bom_cycle(md, ["A"])
    ('A', 'B', 'A')
    """
    return _first_cycle(item_nos, lambda no: _component_items(md, no))


def _first_cycle(
    roots: Iterable[str], children_of: Callable[[str], Iterator[str]]
) -> tuple[str, ...] | None:
    """The first cycle of the graph ``children_of`` reachable from ``roots``, or None:
    an iterative depth-first search (a deep graph must not exhaust the stack)."""
    done: set[str] = set()
    for root in roots:
        if root in done:
            continue
        on_path: dict[str, int] = {}
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = []
        pending: str | None = root
        while pending is not None or stack:
            if pending is not None:  # enter a node
                on_path[pending] = len(path)
                path.append(pending)
                stack.append((pending, children_of(pending)))
                pending = None
            no, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                del on_path[no]
                done.add(no)
            elif child in on_path:
                return (*path[on_path[child] :], child)
            elif child not in done:
                pending = child
    return None


def _component_items(md: MasterDataLookup, item_no: str) -> Iterator[str]:
    item = md.item(item_no)
    if item.production_bom_no:
        for comp in explode_bom(item.production_bom_no, md):
            yield comp.item_no


def find_phantom_cycle(md: MasterDataLookup, bom_nos: Iterable[str]) -> tuple[str, ...] | None:
    """The first cycle of production BOMs through phantom (production BOM) lines reachable
    from ``bom_nos``, or None; whether or not an item uses them. The lines of the
    certified header and of every certified version count (what an explosion may use;
    BC checks the structure when a BOM is certified); a BOM that does not exist closes
    no cycle. An iterative depth-first search, linear in BOMs plus lines.

    >>> from prodcore.masterdata import *
    >>> md = MasterData.of(boms=[
    ...     ProductionBom("PH-A", (BomLine("PH-B", type=BomLineType.PRODUCTION_BOM),)),
    ...     ProductionBom("PH-B", (BomLine("PH-A", type=BomLineType.PRODUCTION_BOM),))])
    >>> find_phantom_cycle(md, ["PH-A"])
    ('PH-A', 'PH-B', 'PH-A')
    """
    return _first_cycle(bom_nos, lambda no: _phantom_children(md, no))


def _phantom_children(md: MasterDataLookup, bom_no: str) -> Iterator[str]:
    try:
        bom = md.bom(bom_no)
    except NotFoundError:
        return
    certified = VersionStatus.CERTIFIED
    line_sets = [v.lines for v in bom.versions if v.status is certified]
    if bom.status is certified:
        line_sets.append(bom.lines)
    for lines in line_sets:
        for line in lines:
            if line.type is BomLineType.PRODUCTION_BOM:
                yield line.no
