"""Standard cost rollup: worked examples (D3, D4, E8) and the individual rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from prodcore.costing import (
    CostShares,
    ItemCost,
    operation_cost_time,
    roll_up,
    single_level_cost,
    split_capacity_cost,
)
from prodcore.errors import BomCycleError, InvalidValueError, NotAllowedError, NotFoundError
from prodcore.masterdata import (
    BomLine,
    BomLineType,
    CalculationFormula,
    CapacityType,
    CostingMethod,
    Item,
    ItemUnitOfMeasure,
    MachineCenter,
    ManufacturingSetup,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    UnitCostCalculation,
    VersionStatus,
    WorkCenter,
)
from prodcore.numbers import Duration, Rounding, TimeUnit
from prodcore.reports import render_cost_breakdown

D = Decimal
HOUR = TimeUnit.HOUR
WC = CapacityType.WORK_CENTER


def produced(no: str, **kw: object) -> Item:
    return Item(no, base_unit="PCS", replenishment=Replenishment.PRODUCTION, **kw)  # type: ignore[arg-type]


def d4_master_data(**setup: object) -> MasterData:
    """D4: lot 10, setup 1 h + run 0.5 h/unit on WC (20/h, 10 %, 2), component 2 @ 5, 5 %, 1."""
    return MasterData.of(
        items=[
            produced(
                "P",
                lot_size=10,
                indirect_cost_percent=5,
                overhead_rate=1,
                production_bom_no="P-BOM",
                routing_no="P-RTG",
            ),
            Item("C", base_unit="PCS", unit_cost=5),
        ],
        boms=[ProductionBom("P-BOM", (BomLine("C", 2),))],
        routings=[
            Routing(
                "P-RTG",
                (
                    RoutingLine(
                        "10",
                        WC,
                        "WC1",
                        setup_time=Duration(1, HOUR),
                        run_time=Duration("0.5", HOUR),
                    ),
                ),
            )
        ],
        work_centers=[
            WorkCenter(
                "WC1",
                capacity_unit=HOUR,
                direct_unit_cost=20,
                indirect_cost_percent=10,
                overhead_rate=2,
            )
        ],
        setup=ManufacturingSetup(**setup),  # type: ignore[arg-type]
    )


class TestWorkedExamples:
    def test_d4_standard_cost(self) -> None:
        cost = roll_up(d4_master_data())["P"]
        assert cost.single_level == CostShares(
            material=D(10), capacity=D(12), capacity_overhead=D("2.4"),
            manufacturing_overhead=D("2.22"),
        )  # fmt: skip
        assert cost.standard_cost == D("26.62")
        # one level: rolled-up equals single-level except material (the component's cost)
        assert cost.rolled_up == cost.single_level
        assert cost.produced

    def test_d4_single_level_calculation(self) -> None:
        shares = single_level_cost("P", d4_master_data())
        assert shares.total == D("26.62")
        assert shares.manufacturing_overhead == D("2.22")

    def test_d4_without_setup_in_cost(self) -> None:
        # 5 h run only: cap 100/10 = 10, ovhd 4 × 5 / 10 = 2; mfg ovhd (100+100+20)×5% + 10
        cost = roll_up(d4_master_data(cost_includes_setup=False))["P"]
        assert cost.single_level.capacity == D(10)
        assert cost.single_level.capacity_overhead == D(2)
        assert cost.single_level.manufacturing_overhead == D("2.1")

    def test_e8_setup_spread_over_item_lot(self) -> None:
        # item lot size 10, setup 15 min, cost includes setup: 1.5 min per unit
        md = MasterData.of(
            items=[produced("P", lot_size=10, routing_no="R")],
            routings=[Routing("R", (RoutingLine("10", WC, "W", setup_time=Duration(15)),))],
            work_centers=[WorkCenter("W", direct_unit_cost=1)],
        )
        assert roll_up(md)["P"].single_level.capacity == D("1.5")
        assert operation_cost_time(mfg_quantity=D(10), setup_time=D(15), run_time=D(0)) / 10 == D(
            "1.5"
        )

    def test_e8_run_time_per_routing_lot_setup_not_divided(self) -> None:
        line = RoutingLine(
            "10", WC, "W", run_time=Duration(9, HOUR), setup_time=Duration(1, HOUR), lot_size=25000
        )
        md = MasterData.of(
            items=[produced("P", routing_no="R")],
            routings=[Routing("R", (line,))],
            work_centers=[WorkCenter("W", capacity_unit=HOUR, direct_unit_cost=1)],
        )
        # 9/25 000 h of run time per unit plus the whole 1 h setup (lot size 1)
        assert roll_up(md)["P"].single_level.capacity == D(9) / D(25000) + 1

    def test_d3_capacity_cost_split(self) -> None:
        split = split_capacity_cost(
            96, 4, overhead_rate=2, indirect_cost_percent=10, rounding=Rounding(D("0.01"))
        )
        assert (split.direct, split.indirect, split.total) == (D(80), D(16), D(96))

    def test_d3_split_of_a_reversal_is_negative(self) -> None:
        split = split_capacity_cost(
            -96, -4, overhead_rate=2, indirect_cost_percent=10, rounding=Rounding(D("0.01"))
        )
        assert (split.direct, split.indirect) == (D(-80), D(-16))

    def test_d5_standard_of_output_ten(self) -> None:
        # D5 compares actual with OutputQty × single-level shares = 266.20
        cost = roll_up(d4_master_data())["P"]
        assert (cost.single_level * 10).total == D("266.2")


class TestCapacityRules:
    def test_subcontracted_work_centre(self) -> None:
        md = MasterData.of(
            items=[produced("P", routing_no="R")],
            routings=[
                Routing(
                    "R",
                    (
                        RoutingLine("10", WC, "OWN", run_time=Duration(2)),
                        RoutingLine("20", WC, "SUB", run_time=Duration(1)),
                    ),
                )
            ],
            work_centers=[
                WorkCenter("OWN", direct_unit_cost=3),
                WorkCenter("SUB", direct_unit_cost=7, overhead_rate=1, subcontractor_no="V"),
            ],
        )
        shares = roll_up(md)["P"].single_level
        assert (shares.capacity, shares.subcontracted, shares.capacity_overhead) == (
            D(6),
            D(7),
            D(1),
        )

    def test_units_based_centre_counts_output_and_scrap(self) -> None:
        # 10 per lot, 10 % routing scrap, 2 fixed scrap: (10 × 1.1 + 2) × 4 = 52 per lot
        md = MasterData.of(
            items=[produced("P", lot_size=10, routing_no="R")],
            routings=[
                Routing(
                    "R",
                    (
                        RoutingLine(
                            "10",
                            WC,
                            "U",
                            setup_time=Duration(60),
                            scrap_factor_percent=10,
                            fixed_scrap_quantity=2,
                        ),
                    ),
                )
            ],
            work_centers=[
                WorkCenter("U", direct_unit_cost=4, unit_cost_calculation=UnitCostCalculation.UNITS)
            ],
        )
        assert roll_up(md)["P"].single_level.capacity == D("5.2")

    def test_concurrent_capacities_multiply_setup_only(self) -> None:
        line = RoutingLine(
            "10", WC, "W", setup_time=Duration(10), run_time=Duration(1), concurrent_capacities=3
        )
        md = MasterData.of(
            items=[produced("P", routing_no="R")],
            routings=[Routing("R", (line,))],
            work_centers=[WorkCenter("W", direct_unit_cost=1)],
        )
        assert roll_up(md)["P"].single_level.capacity == D(31)

    def test_routing_times_convert_to_the_centre_unit(self) -> None:
        line = RoutingLine("10", WC, "W", run_time=Duration(30, TimeUnit.MINUTE))
        md = MasterData.of(
            items=[produced("P", routing_no="R")],
            routings=[Routing("R", (line,))],
            work_centers=[WorkCenter("W", capacity_unit=HOUR, direct_unit_cost=10)],
        )
        assert roll_up(md)["P"].single_level.capacity == D(5)

    def test_machine_centre_uses_its_own_rates_and_time(self) -> None:
        line = RoutingLine("10", CapacityType.MACHINE_CENTER, "M1", run_time=Duration(2, HOUR))
        md = MasterData.of(
            items=[produced("P", routing_no="R")],
            routings=[Routing("R", (line,))],
            work_centers=[WorkCenter("W", capacity_unit=HOUR, direct_unit_cost=99)],
            machine_centers=[
                MachineCenter("M1", "W", direct_unit_cost=5, indirect_cost_percent=20)
            ],
        )
        shares = roll_up(md)["P"].single_level
        assert (shares.capacity, shares.capacity_overhead) == (D(10), D(2))

    def test_specific_unit_cost_takes_the_routing_line_cost(self) -> None:
        # unit cost per 24 on the routing line, indirect 10 %, overhead 2 ⇒ direct 20
        line = RoutingLine("10", WC, "W", run_time=Duration(1), unit_cost_per=24)
        md = MasterData.of(
            items=[produced("P", routing_no="R")],
            routings=[Routing("R", (line,))],
            work_centers=[
                WorkCenter(
                    "W",
                    direct_unit_cost=99,
                    indirect_cost_percent=10,
                    overhead_rate=2,
                    specific_unit_cost=True,
                )
            ],
        )
        shares = roll_up(md)["P"].single_level
        assert (shares.capacity, shares.capacity_overhead) == (D(20), D(4))


class TestMaterialRules:
    def _md(self, *lines: BomLine, item_scrap: int = 0, extra: tuple[Item, ...] = ()) -> MasterData:
        return MasterData.of(
            items=[
                produced("P", lot_size=10, scrap_percent=item_scrap, production_bom_no="B",
                         routing_no="R"),
                Item("C", base_unit="PCS", unit_cost=1,
                     units=(ItemUnitOfMeasure("BOX", qty_per_base=12),)),
                *extra,
            ],
            boms=[ProductionBom("B", lines)],
            routings=[Routing("R", (
                RoutingLine("10", WC, "W", scrap_factor_percent=10, routing_link_code="A"),
                RoutingLine("20", WC, "W", fixed_scrap_quantity=5, routing_link_code="B"),
            ))],
            work_centers=[WorkCenter("W")],
        )  # fmt: skip

    def test_bom_scrap(self) -> None:
        md = self._md(BomLine("C", 2, scrap_percent=10, routing_link_code="B"))
        # linked to op 20: 2 × (10 × 1.1 + 5) / 10 = 3.2
        assert roll_up(md)["P"].single_level.material == D("3.2")

    def test_unlinked_component_takes_the_first_operation_scrap(self) -> None:
        md = self._md(BomLine("C", 1))
        # first op: accum 10 %, fixed 5 × 1.1 = 5.5 ⇒ (10 × 1.1 + 5.5) / 10 = 1.65
        assert roll_up(md)["P"].single_level.material == D("1.65")

    def test_item_scrap_scales_the_lot(self) -> None:
        md = self._md(BomLine("C", 1, routing_link_code="B"), item_scrap=10)
        # MfgQty 11: (11 + 5) / 10
        assert roll_up(md)["P"].single_level.material == D("1.6")

    def test_fixed_quantity_is_per_lot(self) -> None:
        md = self._md(BomLine("C", 3, formula=CalculationFormula.FIXED_QUANTITY, scrap_percent=50))
        assert roll_up(md)["P"].single_level.material == D("0.3")

    def test_component_unit_converts_to_base(self) -> None:
        md = self._md(BomLine("C", 1, unit="BOX", routing_link_code="B"))
        assert roll_up(md)["P"].single_level.material == D("12") * 15 / 10

    def test_phantom_bom_rolls_into_the_parent(self) -> None:
        md = MasterData.of(
            items=[
                produced("P", production_bom_no="B"),
                Item("C", base_unit="PCS", unit_cost=2),
                Item("K", base_unit="PCS", unit_cost=3),
            ],
            boms=[
                ProductionBom("B", (BomLine("PH", 2, type=BomLineType.PRODUCTION_BOM),)),
                ProductionBom("PH", (BomLine("C", 1), BomLine("K", 2, scrap_percent=10))),
            ],
        )
        rollup = roll_up(md)
        # 2 × 2 + 2 × 2 × 3 × 1.1 = 17.2
        assert rollup["P"].standard_cost == D("17.2")
        assert set(rollup.dependents("K")) == {"P"}

    def test_multi_level_shares(self) -> None:
        md = attrs.evolve(
            d4_master_data(),
            items={
                **d4_master_data().items,
                "TOP": produced("TOP", production_bom_no="T-BOM", routing_no="P-RTG"),
            },
            boms={**d4_master_data().boms, "T-BOM": ProductionBom("T-BOM", (BomLine("P", 2),))},
        )
        rollup = roll_up(md)
        top = rollup["TOP"]
        # single level: material = 2 × 26.62; capacity of one unit on P-RTG: 1.5 h × 20
        assert top.single_level.material == D("53.24")
        assert top.single_level.capacity == D(30)
        # rolled up: material only from purchased parts, capacity from both levels
        assert top.rolled_up.material == D(20)
        assert top.rolled_up.capacity == D(30) + 2 * D(12)
        assert top.rolled_up.manufacturing_overhead == 2 * D("2.22")
        assert top.rolled_up.total == top.standard_cost
        assert rollup.topological_order().index("P") < rollup.topological_order().index("TOP")

    def test_purchased_item_costs_its_unit_cost(self) -> None:
        rollup = roll_up(d4_master_data())
        assert rollup["C"] == ItemCost(
            "C",
            produced=False,
            single_level=CostShares(material=D(5)),
            rolled_up=CostShares(material=D(5)),
        )

    def test_single_level_uses_current_component_costs(self) -> None:
        md = MasterData.of(
            items=[
                produced("TOP", production_bom_no="T"),
                produced("SUB", production_bom_no="S", standard_cost=7, unit_cost=9),
                produced("AVG", production_bom_no="S", unit_cost=4,
                         costing_method=CostingMethod.AVERAGE),
                Item("C", base_unit="PCS", unit_cost=1),
            ],
            boms=[ProductionBom("T", (BomLine("SUB"), BomLine("AVG"))),
                  ProductionBom("S", (BomLine("C"),))],
        )  # fmt: skip
        assert single_level_cost("TOP", md).material == D(11)
        assert single_level_cost("TOP", md, component_costs={"SUB": D(1)}).material == D(5)
        assert single_level_cost("C", md) == CostShares(material=D(1))


class TestRollupScope:
    def test_selected_items_and_their_components_only(self) -> None:
        md = attrs.evolve(
            d4_master_data(),
            items={**d4_master_data().items, "OTHER": Item("OTHER", base_unit="PCS")},
        )
        rollup = roll_up(md, ["P"])
        assert set(rollup) == {"P", "C"}
        assert "OTHER" not in rollup
        assert len(rollup) == 2
        assert rollup.standard_cost("P") == D("26.62")
        assert [c.item_no for c in rollup.items()] == ["C", "P"]


class TestBadInput:
    def test_unknown_component(self) -> None:
        md = MasterData.of(
            items=[produced("P", production_bom_no="B")],
            boms=[ProductionBom("B", (BomLine("GHOST"),))],
        )
        with pytest.raises(NotFoundError) as err:
            roll_up(md)
        assert err.value.key == "GHOST"
        with pytest.raises(NotFoundError):
            roll_up(md, ["P"])

    def test_unknown_item_lookups(self) -> None:
        rollup = roll_up(d4_master_data())
        with pytest.raises(NotFoundError):
            rollup["NOPE"]
        with pytest.raises(NotFoundError):
            rollup.standard_cost("NOPE")
        with pytest.raises(NotFoundError):
            single_level_cost("NOPE", d4_master_data())
        with pytest.raises(NotFoundError):
            roll_up(d4_master_data(), ["NOPE"])
        with pytest.raises(NotFoundError):
            rollup.update(d4_master_data(), items=["NOPE"])
        with pytest.raises(NotFoundError):
            rollup.update(d4_master_data(), work_centers=["NOPE"])

    def test_unknown_work_centre(self) -> None:
        md = MasterData.of(
            items=[produced("P", routing_no="R")],
            routings=[Routing("R", (RoutingLine("10", WC, "NOWHERE"),))],
        )
        with pytest.raises(NotFoundError) as err:
            roll_up(md)
        assert err.value.kind == "Work center"

    def test_negative_costs_are_refused(self) -> None:
        with pytest.raises(InvalidValueError):
            Item("C", base_unit="PCS", unit_cost=-1)
        with pytest.raises(InvalidValueError):
            WorkCenter("W", direct_unit_cost=-1)
        with pytest.raises(InvalidValueError) as err:
            single_level_cost("P", d4_master_data(), component_costs={"C": D(-1)})
        assert err.value.field == "cost of C"
        with pytest.raises(InvalidValueError):
            split_capacity_cost(
                96, 4, overhead_rate=-2, indirect_cost_percent=10, rounding=Rounding(D("0.01"))
            )
        with pytest.raises(InvalidValueError):
            split_capacity_cost(
                96, 4, overhead_rate=2, indirect_cost_percent=-1, rounding=Rounding(D("0.01"))
            )

    def test_a_routing_without_a_certified_version_is_refused_by_rule(self) -> None:
        line = RoutingLine("10", WC, "W", run_time=Duration(1))
        draft = Routing("R", (line,), status=VersionStatus.UNDER_DEVELOPMENT)
        with pytest.raises(NotAllowedError, match=r"routing R .*no certified version"):
            draft.active_lines(dt.date(2026, 1, 1))

    def test_specific_unit_cost_below_the_overhead_rate(self) -> None:
        line = RoutingLine("10", WC, "W", run_time=Duration(1), unit_cost_per=1)
        md = MasterData.of(
            items=[produced("P", routing_no="R")],
            routings=[Routing("R", (line,))],
            work_centers=[WorkCenter("W", overhead_rate=2, specific_unit_cost=True)],
        )
        with pytest.raises(NotAllowedError) as err:
            roll_up(md)
        assert "negative direct cost" in str(err.value)

    def test_floats_are_refused(self) -> None:
        with pytest.raises(InvalidValueError):
            CostShares(material=1.5)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError):
            split_capacity_cost(
                96.0,  # type: ignore[arg-type]
                4,
                overhead_rate=2,
                indirect_cost_percent=10,
                rounding=Rounding(D("0.01")),
            )

    def test_self_referencing_item(self) -> None:
        md = MasterData.of(
            items=[produced("P", production_bom_no="B")],
            boms=[ProductionBom("B", (BomLine("P"),))],
        )
        with pytest.raises(BomCycleError) as err:
            roll_up(md)
        assert err.value.cycle == ("P", "P")

    def test_phantom_cycle(self) -> None:
        md = MasterData.of(
            items=[produced("P", production_bom_no="B")],
            boms=[ProductionBom("B", (BomLine("B", type=BomLineType.PRODUCTION_BOM),))],
        )
        with pytest.raises(BomCycleError) as err:
            roll_up(md)
        assert err.value.cycle == ("B", "B")


class TestIncremental:
    def test_component_cost_change_reports_old_and_new(self) -> None:
        md = d4_master_data()
        rollup = roll_up(md)
        md2 = attrs.evolve(md, items={**md.items, "C": Item("C", base_unit="PCS", unit_cost=6)})
        update = rollup.update(md2, items=["C"])
        assert not update.full
        assert [c.item_no for c in update.changes] == ["C", "P"]
        change = update.changes[1]
        assert change.old == D("26.62")
        # material 12, mfg ovhd (120 + 120 + 24) × 5 % + 10 = 23.2 per lot
        assert change.new == D("28.72")
        old, new = update.detail("P")
        assert old == rollup["P"]
        assert new.single_level.material == D(12)
        assert update.rollup["P"] == roll_up(md2)["P"]
        assert rollup["P"].standard_cost == D("26.62")  # the old rollup is unchanged

    def test_work_centre_rate_change(self) -> None:
        md = d4_master_data()
        rollup = roll_up(md)
        wc = attrs.evolve(md.work_centers["WC1"], direct_unit_cost=D(30))
        md2 = attrs.evolve(md, work_centers={"WC1": wc})
        update = rollup.update(md2, work_centers=["WC1"])
        assert [c.item_no for c in update.changes] == ["P"]
        assert update.detail("P")[1].single_level.capacity == D(18)
        assert update.recomputed == 1

    def test_unchanged_cost_reports_nothing(self) -> None:
        md = d4_master_data()
        update = roll_up(md).update(md, items=["C"], work_centers=["WC1"])
        assert update.changes == ()

    def test_graph_change_falls_back_to_full_rollup(self) -> None:
        md = d4_master_data()
        rollup = roll_up(md)
        bom = ProductionBom("P-BOM", (BomLine("C", 2), BomLine("N", 1)))
        md2 = attrs.evolve(
            md,
            items={**md.items, "N": Item("N", base_unit="PCS", unit_cost=1)},
            boms={"P-BOM": bom},
        )
        update = rollup.update(md2, boms=["P-BOM"])
        assert update.full
        assert {c.item_no for c in update.changes} == {"N", "P"}
        assert next(c for c in update.changes if c.item_no == "N").old is None
        assert update.detail("N") == (None, update.rollup["N"])


class TestReport:
    def test_breakdown_table(self) -> None:
        table = render_cost_breakdown(roll_up(d4_master_data())["P"], currency="EUR")
        assert table.splitlines()[0] == "Standard cost of item P (per base unit, EUR)"
        assert table.splitlines()[-1].split() == ["Standard", "cost", "26.62", "26.62"]
        assert "Manufacturing overhead          2.22       2.22" in table

    def test_breakdown_rounding(self) -> None:
        cost = roll_up(d4_master_data())["P"]
        table = render_cost_breakdown(cost, rounding=Rounding(D("0.1")))
        assert table.splitlines()[0] == "Standard cost of item P (per base unit)"
        assert "2.2" in table


class TestIncrementalStructure:
    def test_routing_change_then_new_work_centre_rate(self) -> None:
        md = d4_master_data()
        rollup = roll_up(md)
        other = WorkCenter("WC2", capacity_unit=HOUR, direct_unit_cost=1)
        routing = Routing("P-RTG", (RoutingLine("10", WC, "WC2", run_time=Duration(1, HOUR)),))
        md2 = attrs.evolve(
            md, routings={"P-RTG": routing}, work_centers={**md.work_centers, "WC2": other}
        )
        step1 = rollup.update(md2, routings=["P-RTG"])
        assert not step1.full
        assert step1.rollup["P"].single_level.capacity == D(1)
        md3 = attrs.evolve(
            md2,
            work_centers={**md2.work_centers, "WC2": attrs.evolve(other, direct_unit_cost=D(2))},
        )
        step2 = step1.rollup.update(md3, work_centers=["WC2"])
        assert [c.item_no for c in step2.changes] == ["P"]
        assert step2.rollup["P"] == roll_up(md3)["P"]

    def test_new_item_rolls_everything_up(self) -> None:
        md = d4_master_data()
        md2 = attrs.evolve(md, items={**md.items, "NEW": Item("NEW", base_unit="PCS", unit_cost=3)})
        update = roll_up(md).update(md2, items=["NEW"])
        assert update.full
        assert [(c.item_no, c.old, c.new) for c in update.changes] == [("NEW", None, D(3))]

    def test_partial_rollup_stays_partial(self) -> None:
        md = attrs.evolve(
            d4_master_data(),
            items={**d4_master_data().items, "OTHER": Item("OTHER", base_unit="PCS")},
        )
        rollup = roll_up(md, ["P"])
        # an item outside the rollup changes nothing here
        assert rollup.update(md, items=["OTHER"]).changes == ()
        bom = ProductionBom("P-BOM", (BomLine("C", 3),))
        update = rollup.update(attrs.evolve(md, boms={"P-BOM": bom}), boms=["P-BOM"])
        assert not update.full  # same components, other quantity
        assert set(update.rollup) == {"P", "C"}
        bom2 = ProductionBom("P-BOM", (BomLine("OTHER", 1),))
        update2 = rollup.update(attrs.evolve(md, boms={"P-BOM": bom2}), boms=["P-BOM"])
        assert update2.full
        assert set(update2.rollup) == {"P", "OTHER"}
