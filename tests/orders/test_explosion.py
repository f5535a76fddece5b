"""Explosion against the worked examples of the domain notes (D1, D2, E2) and BC's rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given

from prodcore.errors import BomCycleError, InvalidValueError, NotAllowedError, NotFoundError
from prodcore.masterdata import (
    BomLine,
    BomLineType,
    BomVersion,
    CalculationFormula,
    CapacityType,
    FlushingMethod,
    Item,
    MachineCenter,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    VersionStatus,
    WorkCenter,
)
from prodcore.orders.explosion import explode_bom, explode_order_lines, find_bom_cycle
from prodcore.testing.strategies import master_data

WC = CapacityType.WORK_CENTER


def _produced(no: str, bom: str | None, routing: str | None = None, scrap_percent: int = 0) -> Item:
    return Item(
        no,
        base_unit="PCS",
        replenishment=Replenishment.PRODUCTION,
        production_bom_no=bom,
        routing_no=routing,
        scrap_percent=scrap_percent,
    )


def test_d1_routing_scrap_accumulates_backwards_into_component_need() -> None:
    md = MasterData.of(
        items=[_produced("P", "P-BOM", "P-RTG"), Item("C", base_unit="KG")],
        boms=[ProductionBom("P-BOM", (BomLine("C", 2, routing_link_code="L10"),))],
        routings=[
            Routing(
                "P-RTG",
                (
                    RoutingLine("30", WC, "WC", scrap_factor_percent=10),
                    RoutingLine("10", WC, "WC", scrap_factor_percent=5, routing_link_code="L10"),
                    RoutingLine("20", WC, "WC", fixed_scrap_quantity=2),
                ),
            )
        ],
        work_centers=[WorkCenter("WC")],
    )
    (line,) = explode_order_lines("P", Decimal(100), md, due_date=None)
    ops = {op.operation_no: op for op in line.operations}
    assert [op.operation_no for op in line.operations] == ["10", "20", "30"]  # sorted serially
    assert (ops["30"].accumulated_scrap_factor, ops["30"].accumulated_fixed_scrap) == (
        Decimal("0.10"),
        Decimal(0),
    )
    assert (ops["20"].accumulated_scrap_factor, ops["20"].accumulated_fixed_scrap) == (
        Decimal("0.10"),
        Decimal(2),
    )
    assert (ops["10"].accumulated_scrap_factor, ops["10"].accumulated_fixed_scrap) == (
        Decimal("0.155"),
        Decimal("2.1"),
    )
    assert [ops[n].input_quantity for n in ("10", "20", "30")] == [Decimal("117.6"), 112, 110]
    assert line.components[0].expected_quantity == Decimal("235.2")
    assert ops["10"].next_operation_no == "20" and ops["30"].next_operation_no is None
    assert ops["10"].previous_operation_no is None and ops["30"].previous_operation_no == "20"


def test_d2_bom_line_scrap_raises_expected_quantity() -> None:
    md = MasterData.of(
        items=[_produced("P", "B"), Item("C", base_unit="PCS")],
        boms=[ProductionBom("B", (BomLine("C", 4, scrap_percent=10),))],
    )
    (line,) = explode_order_lines("P", Decimal(10), md, due_date=None)
    assert line.components[0].expected_quantity == Decimal(44)


def test_e2_length_times_width_formula() -> None:
    md = MasterData.of(
        items=[_produced("P", "B"), Item("SHEET", base_unit="M2")],
        boms=[
            ProductionBom(
                "B",
                (
                    BomLine(
                        "SHEET",
                        70,
                        formula=CalculationFormula.LENGTH_WIDTH,
                        length="0.20",
                        width="0.15",
                    ),
                ),
            )
        ],
    )
    (line,) = explode_order_lines("P", Decimal(1), md, due_date=None)
    assert line.components[0].quantity_per == Decimal("2.1")
    assert line.components[0].expected_quantity == Decimal("2.1")


def test_fixed_quantity_ignores_order_quantity_and_scrap() -> None:
    md = MasterData.of(
        items=[_produced("P", "B"), Item("JIG", base_unit="PCS")],
        boms=[
            ProductionBom(
                "B",
                (BomLine("JIG", 3, scrap_percent=50, formula=CalculationFormula.FIXED_QUANTITY),),
            )
        ],
    )
    (line,) = explode_order_lines("P", Decimal(500), md, due_date=None)
    assert line.components[0].expected_quantity == 3


def test_item_scrap_and_rounding_precision() -> None:
    md = MasterData.of(
        items=[
            _produced("P", "B", scrap_percent=10),
            Item("C", base_unit="PCS", rounding_precision=1),
        ],
        boms=[ProductionBom("B", (BomLine("C", "1.5"),))],
    )
    (line,) = explode_order_lines("P", Decimal(7), md, due_date=None)
    # 1.5 × 7 × 1.1 = 11.55, rounded to whole pieces
    assert line.components[0].expected_quantity == 12


def test_nested_phantoms_multiply_compound_scrap_and_inherit_links() -> None:
    md = MasterData.of(
        items=[_produced("P", "TOP", "R"), Item("X", base_unit="PCS"), Item("Y", base_unit="PCS")],
        boms=[
            ProductionBom(
                "TOP",
                (
                    BomLine(
                        "PH1",
                        2,
                        type=BomLineType.PRODUCTION_BOM,
                        scrap_percent=10,
                        routing_link_code="A",
                    ),
                ),
            ),
            ProductionBom(
                "PH1",
                (
                    BomLine("PH2", 3, type=BomLineType.PRODUCTION_BOM),
                    BomLine("X", 1, routing_link_code="B"),
                ),
            ),
            ProductionBom("PH2", (BomLine("Y", 5, scrap_percent=10),)),
        ],
        routings=[
            Routing(
                "R",
                (
                    RoutingLine("10", WC, "WC", routing_link_code="A"),
                    RoutingLine("20", WC, "WC", routing_link_code="B"),
                ),
            )
        ],
        work_centers=[WorkCenter("WC")],
    )
    exploded = {e.item_no: e for e in explode_bom("TOP", md)}
    assert exploded["Y"].quantity_per == 30
    assert exploded["Y"].scrap_percent == Decimal("21.00")  # 1.1 × 1.1 − 1
    assert exploded["Y"].routing_link_code == "A"  # inherited from the phantom line
    assert exploded["X"].routing_link_code == "B"  # its own link wins
    assert exploded["Y"].bom_path == ("TOP", "PH1", "PH2")
    (line,) = explode_order_lines("P", Decimal(1), md, due_date=None)
    assert {c.item_no: c.expected_quantity for c in line.components} == {
        "Y": Decimal("36.3"),
        "X": Decimal("2.2"),
    }


def test_phantom_cycle_is_refused_and_named() -> None:
    md = MasterData.of(
        items=[_produced("P", "A")],
        boms=[
            ProductionBom("A", (BomLine("B", 1, type=BomLineType.PRODUCTION_BOM),)),
            ProductionBom("B", (BomLine("A", 1, type=BomLineType.PRODUCTION_BOM),)),
        ],
    )
    with pytest.raises(BomCycleError) as info:
        explode_order_lines("P", Decimal(1), md, due_date=None)
    assert info.value.cycle == ("A", "B", "A")
    assert "A -> B -> A" in str(info.value)


def test_item_cycle_through_subassemblies_is_found() -> None:
    md = MasterData.of(
        items=[
            _produced("A", "BA"),
            _produced("B", "BB"),
            _produced("C", "BC"),
            Item("D", base_unit="PCS"),
        ],
        boms=[
            ProductionBom("BA", (BomLine("B"), BomLine("D"))),
            ProductionBom("BB", (BomLine("C"),)),
            ProductionBom("BC", (BomLine("A"),)),
        ],
    )
    assert find_bom_cycle(md, ["D", "A"]) == ("A", "B", "C", "A")
    with pytest.raises(BomCycleError):
        explode_order_lines("A", Decimal(1), md, due_date=None, make_to_order=True)


@given(master_data())
def test_random_acyclic_master_data_has_no_cycle_and_explodes(md: MasterData) -> None:
    assert find_bom_cycle(md, list(md.items)) is None
    for item in md.items.values():
        for line in explode_order_lines(item.no, Decimal(3), md, due_date=None, make_to_order=True):
            assert all(c.expected_quantity >= 0 for c in line.components)
            assert all(op.input_quantity >= line.quantity for op in line.operations)


def test_bom_versions_pick_the_latest_certified_valid_at_the_date() -> None:
    v1 = BomVersion("V1", (BomLine("X", 1),), starting_date=dt.date(2026, 1, 1))
    v2 = BomVersion("V2", (BomLine("X", 2),), starting_date=dt.date(2026, 6, 1))
    draft = BomVersion(
        "V3", (BomLine("X", 9),), status=VersionStatus.NEW, starting_date=dt.date(2026, 7, 1)
    )
    bom = ProductionBom("B", (BomLine("X", 5),), versions=(v1, v2, draft))
    assert bom.active_lines(dt.date(2025, 12, 31))[0].quantity_per == 5  # header lines
    assert bom.active_lines(dt.date(2026, 3, 1))[0].quantity_per == 1
    assert bom.active_lines(dt.date(2026, 8, 1))[0].quantity_per == 2
    closed = ProductionBom("C", (BomLine("X", 1),), status=VersionStatus.UNDER_DEVELOPMENT)
    with pytest.raises(NotAllowedError, match="no certified version"):
        closed.active_lines(dt.date(2026, 1, 1))


def test_make_to_order_adds_lines_for_produced_components() -> None:
    md = MasterData.of(
        items=[
            _produced("BIKE", "BB", "RB"),
            _produced("WHEEL", "BW"),
            Item("SPOKE", base_unit="PCS", flushing_method=FlushingMethod.BACKWARD),
        ],
        boms=[
            ProductionBom("BB", (BomLine("WHEEL", 2),)),
            ProductionBom("BW", (BomLine("SPOKE", 36),)),
        ],
        routings=[Routing("RB", (RoutingLine("10", CapacityType.MACHINE_CENTER, "M1"),))],
        work_centers=[WorkCenter("WC")],
        machine_centers=[MachineCenter("M1", "WC")],
    )
    lines = explode_order_lines("BIKE", Decimal(5), md, due_date=None, make_to_order=True)
    assert [(ln.item_no, ln.quantity, ln.planning_level) for ln in lines] == [
        ("BIKE", Decimal(5), 0),
        ("WHEEL", Decimal(10), 1),
    ]
    assert lines[1].components[0].expected_quantity == 360
    assert lines[1].components[0].flushing_method is FlushingMethod.BACKWARD
    assert (
        lines[0].operations[0].work_center_no == "WC"
    )  # a machine centre belongs to its work centre
    assert len(explode_order_lines("BIKE", Decimal(5), md, due_date=None)) == 1


def test_unknown_references_raise_not_found() -> None:
    md = MasterData.of(items=[_produced("P", "MISSING")])
    with pytest.raises(NotFoundError, match="Production BOM 'MISSING'"):
        explode_order_lines("P", Decimal(1), md, due_date=None)


def test_routing_refuses_repeated_operations_and_links() -> None:
    with pytest.raises(InvalidValueError):
        Routing("R", (RoutingLine("10", WC, "W"), RoutingLine("10", WC, "W")))
    with pytest.raises(InvalidValueError):
        Routing(
            "R",
            (
                RoutingLine("10", WC, "W", routing_link_code="A"),
                RoutingLine("20", WC, "W", routing_link_code="A"),
            ),
        )
