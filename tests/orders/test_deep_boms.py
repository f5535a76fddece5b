"""BOMs thousands of levels deep: explosion, standard cost rollup and cycle search are
iterative, so depth is bounded by memory, not by the interpreter's recursion limit."""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest

from prodcore.costing import roll_up
from prodcore.errors import BomCycleError
from prodcore.masterdata import (
    BomLine,
    BomLineType,
    Item,
    MasterData,
    ProductionBom,
    Replenishment,
)
from prodcore.orders.explosion import explode_bom, explode_order_lines, find_bom_cycle

DEPTH = 5_000


def _item_chain(depth: int) -> MasterData:
    """I0 is made of I1, ..., I(depth-1) of the purchased leaf I(depth) costing 2."""
    items = [
        Item(
            f"I{n}",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no=f"B{n}",
        )
        for n in range(depth)
    ]
    items.append(Item(f"I{depth}", base_unit="PCS", unit_cost="2"))
    boms = [ProductionBom(f"B{n}", (BomLine(f"I{n + 1}"),)) for n in range(depth)]
    return MasterData.of(items=items, boms=boms)


def test_the_chain_is_deeper_than_the_recursion_limit() -> None:
    assert sys.getrecursionlimit() < DEPTH


def test_a_5000_level_make_to_order_explosion_gets_every_level() -> None:
    md = _item_chain(DEPTH)
    lines = explode_order_lines("I0", Decimal(3), md, due_date=None, make_to_order=True)
    assert len(lines) == DEPTH
    assert [line.item_no for line in lines[:3]] == ["I0", "I1", "I2"]
    assert lines[-1].planning_level == DEPTH - 1
    assert lines[-1].components[0].item_no == f"I{DEPTH}"
    assert all(line.quantity == 3 for line in lines)


def test_a_5000_level_rollup_costs_the_top_item() -> None:
    costs = roll_up(_item_chain(DEPTH))
    assert costs.standard_cost("I0") == Decimal(2)
    assert len(costs.topological_order()) == DEPTH + 1


def test_a_5000_level_cycle_is_found_and_named() -> None:
    md = _item_chain(DEPTH)
    assert find_bom_cycle(md, ["I0"]) is None
    leaf = f"I{DEPTH}"
    cyclic = MasterData.of(
        items=[
            *(item for no, item in md.items.items() if no != leaf),
            Item(
                leaf,
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="BX",
            ),
        ],
        boms=[*md.boms.values(), ProductionBom("BX", (BomLine("I0"),))],
    )
    cycle = find_bom_cycle(cyclic, ["I0"])
    assert cycle is not None
    assert (cycle[0], cycle[-1], len(cycle)) == ("I0", "I0", DEPTH + 2)


def test_a_5000_level_phantom_chain_multiplies_the_quantities_per() -> None:
    # P0 holds 2 of phantom P1, ..., P(depth-1) holds 1 of the item LEAF.
    boms = [
        ProductionBom(
            f"P{n}", (BomLine(f"P{n + 1}", 2 if n == 0 else 1, type=BomLineType.PRODUCTION_BOM),)
        )
        for n in range(DEPTH - 1)
    ]
    boms.append(ProductionBom(f"P{DEPTH - 1}", (BomLine("LEAF", 3),)))
    md = MasterData.of(
        items=[
            Item("LEAF", base_unit="PCS", unit_cost="5"),
            Item(
                "TOP",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="P0",
            ),
        ],
        boms=boms,
    )
    assert roll_up(md).standard_cost("TOP") == Decimal(30)
    (component,) = explode_bom("P0", md)
    assert component.quantity_per == 6
    assert len(component.bom_path) == DEPTH
    assert component.bom_path[-1] == f"P{DEPTH - 1}"


def test_a_5000_level_phantom_cycle_is_named_in_full() -> None:
    boms = [
        ProductionBom(f"P{n}", (BomLine(f"P{(n + 1) % DEPTH}", type=BomLineType.PRODUCTION_BOM),))
        for n in range(DEPTH)
    ]
    md = MasterData.of(items=[], boms=boms)
    with pytest.raises(BomCycleError) as info:
        explode_bom("P0", md)
    cycle = info.value.cycle
    assert (cycle[0], cycle[-1], len(cycle)) == ("P0", "P0", DEPTH + 1)
