from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import put_master_data
from prodcore.clock import FixedClock
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 9)


def table_master_data() -> MasterData:
    return MasterData.of(
        items=[
            Item(
                "TABLE",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="T-BOM",
                routing_no="T-RTG",
                unit_cost=50,
            ),
            Item("LEG", base_unit="PCS", unit_cost=5, flushing_method=FlushingMethod.BACKWARD),
            Item("TOP", base_unit="PCS", unit_cost=20),
            Item("SCREW", base_unit="PCS", unit_cost="0.1", rounding_precision=1),
        ],
        boms=[
            ProductionBom(
                "T-BOM",
                (
                    BomLine("LEG", 4),
                    BomLine("TOP", 1, routing_link_code="ASM"),
                    BomLine("SCREW", 16, scrap_percent=5),
                ),
            )
        ],
        routings=[
            Routing(
                "T-RTG",
                (
                    RoutingLine(
                        "10",
                        CapacityType.WORK_CENTER,
                        "SAW",
                        setup_time=Duration(20),
                        run_time=Duration(6),
                    ),
                    RoutingLine(
                        "20",
                        CapacityType.WORK_CENTER,
                        "BENCH",
                        run_time=Duration(15),
                        routing_link_code="ASM",
                    ),
                ),
            )
        ],
        work_centers=[
            WorkCenter("SAW", direct_unit_cost=1),
            WorkCenter("BENCH", direct_unit_cost=Decimal("0.5")),
        ],
    )


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def uow(store: InMemoryStore) -> InMemoryUnitOfWork:
    md = table_master_data()
    unit = InMemoryUnitOfWork(store)
    put_master_data(
        unit,
        [*md.items.values(), *md.boms.values(), *md.routings.values(), *md.work_centers.values()],
        setup=md.setup,
    )
    return unit


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)
