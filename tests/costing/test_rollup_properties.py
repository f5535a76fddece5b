"""Properties of the rollup on random acyclic BOM graphs.

* the rollup equals a naive recursive computation written straight from BC's formulas;
* an incremental update equals a full rollup of the changed master data, and reports
  exactly the items whose cost differs;
* a cycle is always detected, and the cycle named is a real one.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.costing import CostShares, ItemCost, roll_up
from prodcore.errors import BomCycleError
from prodcore.masterdata import (
    BomLine,
    BomLineType,
    CalculationFormula,
    CapacityType,
    Item,
    MachineCenter,
    ManufacturingSetup,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.numbers import Duration, Rounding, TimeUnit
from prodcore.orders.explosion import accumulate_routing_scrap, explode_bom

D = Decimal
R5 = Rounding(D("0.00001"))
_decimals = st.sampled_from


# ------------------------------------------------------------------ random master data


@st.composite
def master_data(draw: st.DrawFn, max_items: int = 14) -> MasterData:
    """Random acyclic graphs: item i uses only items (and phantom BOMs) with lower numbers."""
    n_wc = draw(st.integers(1, 3))
    work_centers = [
        WorkCenter(
            f"W{k}",
            capacity_unit=draw(st.sampled_from([TimeUnit.MINUTE, TimeUnit.HOUR])),
            direct_unit_cost=draw(_decimals([D(0), D(1), D("2.5"), D(20), D(45)])),
            indirect_cost_percent=draw(_decimals([D(0), D(5), D(10)])),
            overhead_rate=draw(_decimals([D(0), D(1), D("0.75")])),
            unit_cost_calculation=draw(st.sampled_from(list(UnitCostCalculation))),
            subcontractor_no=draw(st.sampled_from([None, None, "V"])),
        )
        for k in range(n_wc)
    ]
    machine_centers = [
        MachineCenter(
            f"M{k}",
            f"W{draw(st.integers(0, n_wc - 1))}",
            direct_unit_cost=draw(_decimals([D(0), D(3), D("7.5")])),
            indirect_cost_percent=draw(_decimals([D(0), D(20)])),
            overhead_rate=draw(_decimals([D(0), D(1)])),
        )
        for k in range(draw(st.integers(0, 2)))
    ]
    centres = [(CapacityType.WORK_CENTER, w.no) for w in work_centers] + [
        (CapacityType.MACHINE_CENTER, m.no) for m in machine_centers
    ]
    n = draw(st.integers(1, max_items))
    items: list[Item] = []
    boms: list[ProductionBom] = []
    routings: list[Routing] = []
    phantoms: list[tuple[int, str]] = []  # (items it may use: < bound, BOM no.)
    for i in range(n):
        kind = draw(st.sampled_from(["purchased", "produced", "produced", "phantom"]))
        if i == 0 or kind == "purchased":
            items.append(
                Item(
                    f"I{i}",
                    base_unit="PCS",
                    unit_cost=draw(_decimals([D(0), D(1), D("2.5"), D(5), D("7.25")])),
                )
            )
            continue
        lines = []
        for _ in range(draw(st.integers(0, 3))):
            use_phantom = bool(phantoms) and draw(st.booleans())
            if use_phantom:
                _bound, ph = draw(st.sampled_from(phantoms))
                lines.append(
                    BomLine(
                        ph,
                        draw(_decimals([D(1), D(2), D("0.5")])),
                        type=BomLineType.PRODUCTION_BOM,
                        scrap_percent=draw(_decimals([D(0), D(10)])),
                        routing_link_code=draw(st.sampled_from([None, "L1"])),
                    )
                )
            else:
                lines.append(
                    BomLine(
                        f"I{draw(st.integers(0, i - 1))}",
                        draw(_decimals([D(1), D(2), D("0.5"), D(3)])),
                        scrap_percent=draw(_decimals([D(0), D(10), D(5)])),
                        routing_link_code=draw(st.sampled_from([None, "L0", "L1", "L9"])),
                        formula=draw(
                            st.sampled_from(
                                [CalculationFormula.NONE] * 3 + [CalculationFormula.FIXED_QUANTITY]
                            )
                        ),
                    )
                )
        if kind == "phantom" and lines:
            ph = f"PH{i}"
            boms.append(ProductionBom(ph, tuple(lines)))
            phantoms.append((i, ph))
            items.append(Item(f"I{i}", base_unit="PCS", unit_cost=D(1)))
            continue
        ops = tuple(
            RoutingLine(
                str((k + 1) * 10),
                *draw(st.sampled_from(centres)),
                setup_time=Duration(draw(_decimals([D(0), D(15), D(60)])), TimeUnit.MINUTE),
                run_time=Duration(
                    draw(_decimals([D(0), D(1), D("2.5"), D(30)])),
                    draw(st.sampled_from([TimeUnit.MINUTE, TimeUnit.HOUR])),
                ),
                lot_size=draw(_decimals([D(1), D(2), D(4)])),
                concurrent_capacities=draw(_decimals([D(1), D(2)])),
                scrap_factor_percent=draw(_decimals([D(0), D(5), D(10)])),
                fixed_scrap_quantity=draw(_decimals([D(0), D(1), D(2)])),
                routing_link_code=f"L{k}",
            )
            for k in range(draw(st.integers(0, 3)))
        )
        has_bom = bool(lines)
        if has_bom:
            boms.append(ProductionBom(f"B{i}", tuple(lines)))
        if ops:
            routings.append(Routing(f"R{i}", ops))
        items.append(
            Item(
                f"I{i}",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                lot_size=draw(_decimals([D(1), D(2), D(3), D(10)])),
                scrap_percent=draw(_decimals([D(0), D(5)])),
                indirect_cost_percent=draw(_decimals([D(0), D(5)])),
                overhead_rate=draw(_decimals([D(0), D(1), D(2)])),
                production_bom_no=f"B{i}" if has_bom else None,
                routing_no=f"R{i}" if ops else None,
            )
        )
    return MasterData.of(
        items=items,
        boms=boms,
        routings=routings,
        work_centers=work_centers,
        machine_centers=machine_centers,
        setup=ManufacturingSetup(cost_includes_setup=draw(st.booleans())),
    )


# ------------------------------------------------------------------ naive reference


def naive_rollup(md: MasterData) -> dict[str, ItemCost]:
    """BC's formulas, recursively, one item at a time (memoised)."""
    memo: dict[str, ItemCost] = {}

    def cost(no: str) -> ItemCost:
        if no in memo:
            return memo[no]
        item = md.item(no)
        produced = item.replenishment is Replenishment.PRODUCTION and bool(
            item.production_bom_no or item.routing_no
        )
        if not produced:
            shares = CostShares(material=item.unit_cost)
            memo[no] = ItemCost(no, produced=False, single_level=shares, rolled_up=shares)
            return memo[no]
        lot = item.lot_size
        mfg = lot * (1 + item.scrap_percent / 100)
        ops = md.routing(item.routing_no).active_lines() if item.routing_no else ()
        accums = accumulate_routing_scrap(ops)
        cap = sub = ovhd = D(0)
        for line, (acc, fix) in zip(ops, accums, strict=True):
            if line.type is CapacityType.MACHINE_CENTER:
                mc = md.machine_center(line.no)
                wc = md.work_center(mc.work_center_no)
                direct, ind, rate = mc.direct_unit_cost, mc.indirect_cost_percent, mc.overhead_rate
                units = False
            else:
                wc = md.work_center(line.no)
                direct, ind, rate = wc.direct_unit_cost, wc.indirect_cost_percent, wc.overhead_rate
                units = wc.unit_cost_calculation is UnitCostCalculation.UNITS
            if units:
                time = mfg * (1 + acc) + fix
            else:
                run_per = line.run_time.in_units(wc.capacity_unit) / line.lot_size
                time = R5.apply(run_per * mfg) * (1 + acc) + R5.apply(run_per * fix)
                if md.setup.cost_includes_setup:
                    setup = line.setup_time.in_units(wc.capacity_unit)
                    time += R5.apply(setup * line.concurrent_capacities)
            if wc.subcontractor_no is not None:
                sub += direct * time
            else:
                cap += direct * time
            ovhd += (direct * ind / 100 + rate) * time
        mat = D(0)
        ru = [D(0)] * 5
        if item.production_bom_no:
            for comp in explode_bom(item.production_bom_no, md):
                if comp.formula is CalculationFormula.FIXED_QUANTITY:
                    qty = comp.quantity_per
                else:
                    linked = [
                        k
                        for k, op in enumerate(ops)
                        if op.routing_link_code == comp.routing_link_code
                    ]
                    k = linked[0] if comp.routing_link_code and linked else 0
                    acc, fix = accums[k] if ops else (D(0), D(0))
                    qty = comp.quantity_per * (
                        mfg * (1 + acc) * (1 + comp.scrap_percent / 100) + fix
                    )
                sub_cost = cost(comp.item_no)
                mat += qty * sub_cost.standard_cost
                for s, value in enumerate(sub_cost.rolled_up.as_tuple()):
                    ru[s] += qty * value
        mfg_ovhd = (mat + cap + sub + ovhd) * item.indirect_cost_percent / 100 + (
            item.overhead_rate * lot
        )
        single = CostShares(mat / lot, cap / lot, sub / lot, ovhd / lot, mfg_ovhd / lot).rounded(R5)
        rolled = CostShares(
            ru[0] / lot,
            (ru[1] + cap) / lot,
            (ru[2] + sub) / lot,
            (ru[3] + ovhd) / lot,
            (ru[4] + mfg_ovhd) / lot,
        ).rounded(R5)
        memo[no] = ItemCost(no, produced=True, single_level=single, rolled_up=rolled)
        return memo[no]

    return {no: cost(no) for no in md.items}


# ------------------------------------------------------------------ properties


@given(master_data())
def test_rollup_equals_naive_recursion(md: MasterData) -> None:
    rollup = roll_up(md)
    expected = naive_rollup(md)
    assert {no: rollup[no] for no in rollup} == expected
    for no, cost in expected.items():
        assert rollup.standard_cost(no) == cost.standard_cost
        if not cost.produced:
            assert cost.rolled_up == cost.single_level == CostShares(material=cost.standard_cost)


@given(master_data(), st.data())
def test_partial_rollup_agrees(md: MasterData, data: st.DataObject) -> None:
    root = data.draw(st.sampled_from(sorted(md.items)))
    partial = roll_up(md, [root])
    full = roll_up(md)
    assert root in partial
    for no in partial:
        assert partial[no] == full[no]
    order = partial.topological_order()
    for no in partial:
        for dep in partial.dependents(no):
            assert order.index(no) < order.index(dep)


@st.composite
def changed(draw: st.DrawFn) -> tuple[MasterData, MasterData, dict[str, list[str]]]:
    md = draw(master_data())
    items = dict(md.items)
    wcs = dict(md.work_centers)
    mcs = dict(md.machine_centers)
    named: dict[str, list[str]] = {"items": [], "work_centers": [], "machine_centers": []}
    for no in draw(st.lists(st.sampled_from(sorted(items)), max_size=3, unique=True)):
        item = items[no]
        if item.replenishment is Replenishment.PRODUCTION:
            items[no] = attrs.evolve(
                item,
                lot_size=draw(_decimals([D(1), D(4), D(5)])),
                indirect_cost_percent=draw(_decimals([D(0), D(7)])),
                overhead_rate=draw(_decimals([D(0), D(3)])),
                scrap_percent=draw(_decimals([D(0), D(10)])),
            )
        else:
            items[no] = attrs.evolve(item, unit_cost=draw(_decimals([D(0), D(3), D("9.99")])))
        named["items"].append(no)
    for no in draw(st.lists(st.sampled_from(sorted(wcs)), max_size=2, unique=True)):
        wcs[no] = attrs.evolve(
            wcs[no],
            direct_unit_cost=draw(_decimals([D(0), D(2), D(33)])),
            overhead_rate=draw(_decimals([D(0), D(4)])),
            indirect_cost_percent=draw(_decimals([D(0), D(15)])),
        )
        named["work_centers"].append(no)
    if mcs:
        for no in draw(st.lists(st.sampled_from(sorted(mcs)), max_size=1)):
            mcs[no] = attrs.evolve(mcs[no], direct_unit_cost=draw(_decimals([D(0), D(11)])))
            named["machine_centers"].append(no)
    new = attrs.evolve(md, items=items, work_centers=wcs, machine_centers=mcs)
    return md, new, named


@given(changed())
def test_incremental_equals_full_recomputation(
    case: tuple[MasterData, MasterData, dict[str, list[str]]],
) -> None:
    old_md, new_md, named = case
    before = roll_up(old_md)
    update = before.update(new_md, **named)
    full = roll_up(new_md)
    assert not update.full
    assert {no: update.rollup[no] for no in full} == {no: full[no] for no in full}
    expected_changes = {no for no in full if full[no] != before[no]}
    assert {c.item_no for c in update.changes} == expected_changes
    for change in update.changes:
        assert change.old == before.standard_cost(change.item_no)
        assert change.new == full.standard_cost(change.item_no)
        assert update.detail(change.item_no) == (before[change.item_no], full[change.item_no])
    # the old rollup is untouched
    assert {no: before[no] for no in before} == {no: roll_up(old_md)[no] for no in before}


@st.composite
def cyclic(draw: st.DrawFn) -> tuple[MasterData, tuple[str, ...]]:
    """An acyclic graph plus a cycle through k produced items (k = 1 is a self-reference)."""
    md = draw(master_data(max_items=8))
    k = draw(st.integers(1, 4))
    members = [f"Y{j}" for j in range(k)]
    targets = sorted(md.items)
    items = dict(md.items)
    boms = dict(md.boms)
    for j, no in enumerate(members):
        nxt = members[(j + 1) % k]
        extra = draw(st.lists(st.sampled_from(targets), max_size=2))
        lines = [BomLine(x) for x in extra]
        lines.insert(draw(st.integers(0, len(lines))), BomLine(nxt))
        boms[f"YB{j}"] = ProductionBom(f"YB{j}", tuple(lines))
        items[no] = Item(
            no, base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no=f"YB{j}"
        )
    # something acyclic may use the cycle too
    if draw(st.booleans()):
        boms["TOPB"] = ProductionBom("TOPB", (BomLine(members[0]),))
        items["TOP"] = Item(
            "TOP", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="TOPB"
        )
    return attrs.evolve(md, items=items, boms=boms), tuple(members)


@given(cyclic())
def test_cycles_are_detected_and_named(case: tuple[MasterData, tuple[str, ...]]) -> None:
    md, members = case
    with pytest.raises(BomCycleError) as err:
        roll_up(md)
    cycle = err.value.cycle
    assert cycle[0] == cycle[-1]
    assert set(cycle[:-1]) == set(members)
    assert len(cycle) == len(members) + 1
    for parent, component in itertools.pairwise(cycle):
        bom_no = md.item(parent).production_bom_no
        assert bom_no is not None
        assert component in {c.item_no for c in explode_bom(bom_no, md)}
    assert " -> ".join(cycle) in str(err.value)
