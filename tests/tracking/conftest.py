"""A two-level product for tracking tests: BIKE (serial tracked) is made of FRAME (lot
tracked, made by its own orders of STEEL, lot tracked with expiry) and BOLT (untracked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import attrs
import pytest

from prodcore.masterdata import (
    BomLine,
    Item,
    ItemTracking,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
)
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
    TrackingLine,
)
from prodcore.ports import MasterDataRecord, UnitOfWork
from prodcore.testing.shop import Shop

LOT = ItemTracking(lot=True)
SERIAL = ItemTracking(serial=True)
EXPIRING = ItemTracking(lot=True, expiry_required=True)
EXPIRY = dt.date(2026, 12, 31)


def records() -> list[MasterDataRecord]:
    return [
        Item("STEEL", base_unit="KG", unit_cost=2, tracking=EXPIRING),
        Item("BOLT", base_unit="PCS", unit_cost="0.1"),
        ProductionBom("FRAME-BOM", (BomLine("STEEL", 2),)),
        Item(
            "FRAME",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="FRAME-BOM",
            tracking=LOT,
        ),
        ProductionBom("BIKE-BOM", (BomLine("FRAME", 1), BomLine("BOLT", 4))),
        Item(
            "BIKE",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="BIKE-BOM",
            tracking=SERIAL,
        ),
    ]


def make_shop(uow: UnitOfWork | None = None) -> Shop:
    setup = ManufacturingSetup(allow_negative_inventory=False)
    return Shop(records(), setup=setup, uow=uow)


@pytest.fixture
def shop() -> Shop:
    return make_shop()


def lots(*pairs: tuple[str, int | str | Decimal], serial: bool = False) -> tuple[TrackingLine, ...]:
    """Tracking lines: (lot, quantity) pairs, or (serial, quantity) with ``serial``."""
    if serial:
        return tuple(TrackingLine(serial_no=no, quantity=q) for no, q in pairs)
    return tuple(TrackingLine(no, quantity=q, expiry_date=EXPIRY) for no, q in pairs)


def receive(shop: Shop, item_no: str, tracking: Iterable[TrackingLine]) -> None:
    tracking = tuple(tracking)
    total = sum((t.quantity for t in tracking), Decimal(0))
    line = AdjustmentLine(item_no, total, tracking=tracking)
    shop.post(AdjustInventory(shop.key(), (line,)))


def consume(shop: Shop, order_id: str, item_no: str, tracking: Iterable[TrackingLine]) -> None:
    tracking = tuple(tracking)
    total = sum((t.quantity for t in tracking), Decimal(0))
    line = ConsumptionLine.for_item(shop.order(order_id), item_no, total)
    shop.post(PostConsumption(shop.key(), (attrs.evolve(line, tracking=tracking),)))


def output(shop: Shop, order_id: str, tracking: Iterable[TrackingLine]) -> None:
    tracking = tuple(tracking)
    total = sum((t.quantity for t in tracking), Decimal(0))
    line = OutputLine(order_id, 10000, output_quantity=total, tracking=tracking)
    shop.post(PostOutput(shop.key(), (line,)))


def worked_example(shop: Shop) -> None:
    """STEEL lots S1 (4) and S2 (4); PO-F1 makes FRAME lot F1 (2) of S1, PO-F2 makes
    FRAME lot F2 (1) of S2; PO-B makes BIKE serials SN1..SN3 of F1 (2) and F2 (1)."""
    receive(shop, "STEEL", lots(("S1", 4), ("S2", 4)))
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("BOLT", 100),)))  # untracked
    for order_id, item, qty in (("PO-F1", "FRAME", 2), ("PO-F2", "FRAME", 1), ("PO-B", "BIKE", 3)):
        shop.create(order_id, item, qty)
        shop.release(order_id)
    consume(shop, "PO-F1", "STEEL", lots(("S1", 4)))
    output(shop, "PO-F1", lots(("F1", 2)))
    consume(shop, "PO-F2", "STEEL", lots(("S2", 2)))
    output(shop, "PO-F2", lots(("F2", 1)))
    consume(shop, "PO-B", "FRAME", lots(("F1", 2), ("F2", 1)))
    output(shop, "PO-B", lots(("SN1", 1), ("SN2", 1), ("SN3", 1), serial=True))
