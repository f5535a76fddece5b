"""Outbound cost sees the entries of its own batch before it (and only those): two
consumptions of a FIFO item in one journal take the two cost layers in turn, as two
negative adjustments in one command do."""

from __future__ import annotations

from decimal import Decimal

from prodcore.masterdata import BomLine, CostingMethod, Item, ProductionBom
from prodcore.orders import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    PostConsumption,
)
from prodcore.testing.shop import Shop


def _shop() -> Shop:
    shop = Shop(
        [
            Item("P", base_unit="PCS", production_bom_no="P-BOM"),
            Item("C", base_unit="PCS", unit_cost=Decimal(9), costing_method=CostingMethod.FIFO),
            ProductionBom("P-BOM", (BomLine("C", 2),)),
        ]
    )
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("C", 5, unit_cost=Decimal(1)),)))
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("C", 5, unit_cost=Decimal(2)),)))
    return shop


def test_two_consumptions_in_one_journal_take_the_layers_in_turn() -> None:
    shop = _shop()
    shop.create("PO-1", "P", 5)
    shop.release()
    comp = shop.order().lines[0].components[0].line_no
    lines = (ConsumptionLine("PO-1", 10000, comp, 5), ConsumptionLine("PO-1", 10000, comp, 5))
    result = shop.post(PostConsumption(shop.key(), lines))
    assert result.batch is not None
    costs = [v.cost_amount_actual for v in result.batch.value_entries]
    assert costs == [Decimal("-5.00"), Decimal("-10.00")]


def test_two_negative_adjustments_in_one_command_take_the_layers_in_turn() -> None:
    shop = _shop()
    lines = (AdjustmentLine("C", -5), AdjustmentLine("C", -5))
    result = shop.post(AdjustInventory(shop.key(), lines))
    assert result.batch is not None
    costs = [v.cost_amount_actual for v in result.batch.value_entries]
    assert costs == [Decimal("-5.00"), Decimal("-10.00")]
