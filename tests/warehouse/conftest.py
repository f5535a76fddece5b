"""A shop with a location of bins: storage S-01 and S-02, and the assembly centre's
To-Production bin ASSY-IN and From-Production bin ASSY-OUT."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prodcore.masterdata import (
    Bin,
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    Location,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from prodcore.ports import MasterDataRecord
from prodcore.testing.shop import Shop

MAIN = Location(
    "MAIN",
    bins=(Bin("S-01"), Bin("S-02"), Bin("ASSY-IN"), Bin("ASSY-OUT"), Bin("LINE")),
    to_production_bin_code="LINE",
)


def records() -> list[MasterDataRecord]:
    return [
        MAIN,
        WorkCenter("ASSY", to_production_bin_code="ASSY-IN", from_production_bin_code="ASSY-OUT"),
        Routing(
            "R",
            (
                RoutingLine(
                    "10",
                    CapacityType.WORK_CENTER,
                    "ASSY",
                    routing_link_code="L",
                    setup_time=Duration(15, TimeUnit.MINUTE),
                    run_time=Duration(2, TimeUnit.MINUTE),
                    description="Lace the wheel; true to 0.5 mm",
                ),
            ),
        ),
        Item(
            "COMP",
            base_unit="PCS",
            description="Spoke 2.0 mm",
            unit_cost=Decimal(2),
            flushing_method=FlushingMethod.PICK_BACKWARD,
        ),
        ProductionBom("B", (BomLine("COMP", 1, routing_link_code="L"),)),
        Item(
            "BIKE",
            base_unit="PCS",
            description="Front wheel",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="B",
            routing_no="R",
            unit_cost=Decimal(5),
        ),
    ]


def warehouse_shop(*, negative: bool = False) -> Shop:
    """The shop with 200 COMP (at 2.00) in S-01 and PO-1 for 100 BIKE released at MAIN."""
    shop = Shop(records(), setup=ManufacturingSetup(allow_negative_inventory=negative))
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("COMP", 200, "MAIN", bin_code="S-01"),)))
    shop.create("PO-1", "BIKE", 100, location_code="MAIN")
    shop.release("PO-1")
    return shop


@pytest.fixture
def shop() -> Shop:
    return warehouse_shop()
