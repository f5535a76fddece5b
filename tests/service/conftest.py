"""A real server on a loopback port over a :class:`~prodcore.testing.shop.Shop`'s
in-memory store, and an HTTP client for it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from prodcore.adapters.memory import InMemoryUnitOfWork
from prodcore.masterdata import BomLine, CostingMethod, Item, ProductionBom, Replenishment
from prodcore.service.http import Authenticator, create_app
from prodcore.service.server import background_server
from prodcore.testing.shop import Shop


def shelf_shop() -> Shop:
    """BOLT (bought, average cost) goes into SHELF (made with BOM B)."""
    return Shop(
        [
            Item("BOLT", base_unit="PCS", costing_method=CostingMethod.AVERAGE),
            ProductionBom("B", (BomLine("BOLT", Decimal(2)),)),
            Item(
                "SHELF",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
            ),
        ]
    )


@pytest.fixture
def shop() -> Shop:
    return shelf_shop()


def client_for(shop: Shop, authenticate: Authenticator | None = None) -> Iterator[httpx.Client]:
    app = create_app(
        lambda: InMemoryUnitOfWork(shop.store), clock=shop.clock, authenticate=authenticate
    )
    with background_server(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        yield client


@pytest.fixture
def client(shop: Shop) -> Iterator[httpx.Client]:
    yield from client_for(shop)
