"""A shop with a table made of legs on a saw operation, and an allowed posting window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.masterdata import (
    BomLine,
    CapacityType,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.ports import UnitOfWork
from prodcore.testing.shop import Shop

#: the allowed posting window of the shop's setup (the clock is 2026-03-02)
OPEN_FROM = dt.date(2026, 2, 1)
OPEN_TO = dt.date(2026, 3, 31)


def make_shop(uow: UnitOfWork | None = None) -> Shop:
    shop = Shop(
        [
            WorkCenter("SAW", capacity_unit=TimeUnit.MINUTE, direct_unit_cost=Decimal(1)),
            WorkCenter("PAINT", capacity_unit=TimeUnit.MINUTE, direct_unit_cost=Decimal(2)),
            Routing(
                "R",
                (
                    RoutingLine(
                        "10", CapacityType.WORK_CENTER, "SAW", run_time=Duration(5, TimeUnit.MINUTE)
                    ),
                    RoutingLine("20", CapacityType.WORK_CENTER, "PAINT"),
                ),
            ),
            Item("LEG", base_unit="PCS", unit_cost=Decimal(3)),
            ProductionBom("B", (BomLine("LEG", 4),)),
            Item(
                "TABLE",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                routing_no="R",
                production_bom_no="B",
            ),
        ],
        setup=ManufacturingSetup(allow_posting_from=OPEN_FROM, allow_posting_to=OPEN_TO),
        uow=uow,
    )
    shop.create("PO-1", "TABLE", 10)
    shop.release("PO-1")
    return shop


@pytest.fixture
def shop() -> Shop:
    return make_shop()
