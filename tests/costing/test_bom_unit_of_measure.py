"""The standard cost rollup, the single-level and the standard calculation read quantities
per in the production BOM's unit: PACK
(base PCS, BOX = 12 PCS) from a BOM in BOX of 6 C per BOX, C at 2.00, costs 1.00 of
material per piece."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters import Store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing.rollup import roll_up, single_level_cost
from prodcore.costing.standard import ImplementStandardCost
from prodcore.costing.variance import standard_calculation
from prodcore.masterdata import (
    BomLine,
    BomLineType,
    Item,
    ItemUnitOfMeasure,
    MasterData,
    ProductionBom,
    Replenishment,
)
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)

D = Decimal
BOX = (ItemUnitOfMeasure("BOX", qty_per_base=12),)


def _md(*, phantom: bool = False) -> MasterData:
    lines = (BomLine("PH", type=BomLineType.PRODUCTION_BOM),) if phantom else (BomLine("C", 6),)
    return MasterData.of(
        items=[
            Item(
                "PACK",
                base_unit="PCS",
                units=BOX,
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="PACK-BOM",
            ),
            Item("C", base_unit="PCS", unit_cost=2),
        ],
        boms=[
            ProductionBom("PACK-BOM", lines, unit="BOX"),
            ProductionBom("PH", (BomLine("C", 6),)),
        ],
    )


@pytest.mark.parametrize("phantom", [False, True], ids=["plain", "through a phantom"])
def test_rolled_up_material_is_per_base_unit(phantom: bool) -> None:
    pack = roll_up(_md(phantom=phantom))["PACK"]
    assert pack.rolled_up.material == D(1)
    assert pack.single_level.material == D(1)
    assert pack.standard_cost == D(1)


def test_single_level_calculation_is_per_base_unit() -> None:
    assert single_level_cost("PACK", _md()).material == D(1)


def test_the_d365_standard_calculation_is_per_base_unit() -> None:
    calc = standard_calculation("PACK", _md())
    (material,) = calc.lines
    assert (material.key, material.var_qty_per_unit) == ("C", D("0.5"))
    assert calc.unit_cost == D(1)


def test_a_bom_in_the_base_unit_is_unchanged() -> None:
    md = _md()
    same = MasterData.of(
        items=md.items.values(),
        boms=[ProductionBom("PACK-BOM", (BomLine("C", 6),), unit="PCS")],
    )
    assert roll_up(same)["PACK"].standard_cost == D(12)


def test_implemented_standard_cost_is_1_per_piece_on_every_store(store: Store) -> None:
    md = _md()
    put_master_data(store(), [*md.items.values(), *md.boms.values()])
    clock = FixedClock(dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    (change,) = handle(store(), ImplementStandardCost(("PACK",)), clock=clock)
    assert (change.item_no, change.new) == ("PACK", D(1))
    with store() as uow:
        assert uow.master_data.item("PACK").standard_cost == D(1)
