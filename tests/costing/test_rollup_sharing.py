"""The rollup shares equal Decimals between items to save memory: equal values with
different exponents (1 and 1.0) must stay as given."""

from decimal import Decimal

from prodcore.costing import roll_up
from prodcore.masterdata import BomLine, Item, MasterData, ProductionBom, Replenishment


def test_equal_costs_with_other_exponents_stay_as_given() -> None:
    md = MasterData.of(
        items=[
            Item("A", base_unit="PCS", unit_cost=Decimal("1")),
            Item("B", base_unit="PCS", unit_cost=Decimal("1.0")),
            Item("C", base_unit="PCS", unit_cost=Decimal("1.00")),
            Item("D", base_unit="PCS", unit_cost=Decimal("1")),
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="BP",
            ),
        ],
        boms=[ProductionBom("BP", (BomLine("A", Decimal("2")), BomLine("B", Decimal("2.0"))))],
    )
    rollup = roll_up(md)
    assert [str(rollup.standard_cost(no)) for no in "ABCD"] == ["1", "1.0", "1.00", "1"]
    assert [str(rollup[no].rolled_up.material) for no in "ABCD"] == ["1", "1.0", "1.00", "1"]
    assert str(rollup["B"].single_level.material) == "1.0"
    assert rollup.standard_cost("P") == Decimal(4)
