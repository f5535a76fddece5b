"""Flushing a tracked component is held to its tracking setup at every moment: a flush
at release (forward) or at finish (backward) of a component whose setup requires lots on
production postings is refused with a TrackingError naming the item, and changes nothing;
with tracking not required on production postings the flush posts untracked."""

from __future__ import annotations

import attrs
import pytest

from prodcore.errors import TrackingError
from prodcore.masterdata import FlushingMethod, Item, ItemTracking, ManufacturingSetup
from prodcore.orders.model import OrderStatus
from prodcore.ports import MasterDataRecord
from prodcore.testing.shop import Shop

from .conftest import lots, output, receive, records


def flushing_shop(method: FlushingMethod, tracking: ItemTracking) -> Shop:
    """STEEL (lots S1, S2 of 4) flushed by ``method`` with ``tracking``; PO-F1 planned
    for 2 FRAME (2 STEEL each)."""
    recs: list[MasterDataRecord] = [
        attrs.evolve(r, flushing_method=method, tracking=tracking)
        if isinstance(r, Item) and r.no == "STEEL"
        else r
        for r in records()
    ]
    shop = Shop(recs, setup=ManufacturingSetup(allow_negative_inventory=False))
    receive(shop, "STEEL", lots(("S1", 4), ("S2", 4)))
    shop.create("PO-F1", "FRAME", 2)
    return shop


REQUIRED = ItemTracking(lot=True, expiry_required=True)


def test_a_forward_flush_at_release_of_a_lot_tracked_component_is_refused() -> None:
    shop = flushing_shop(FlushingMethod.FORWARD, REQUIRED)
    before = shop.snapshot()
    with pytest.raises(TrackingError, match="a lot number is required") as refused:
        shop.release("PO-F1")
    assert refused.value.item_no == "STEEL"
    assert shop.snapshot() == before
    assert shop.order("PO-F1").status is OrderStatus.FIRM_PLANNED


def test_a_backward_flush_at_finish_of_a_lot_tracked_component_is_refused() -> None:
    shop = flushing_shop(FlushingMethod.BACKWARD, REQUIRED)
    shop.release("PO-F1")
    output(shop, "PO-F1", lots(("F1", 2)))
    before = shop.snapshot()
    with pytest.raises(TrackingError, match="STEEL"):
        shop.finish("PO-F1")
    assert shop.snapshot() == before
    assert shop.order("PO-F1").status is OrderStatus.RELEASED


def test_a_flush_posts_untracked_where_production_tracking_is_not_required() -> None:
    shop = flushing_shop(FlushingMethod.FORWARD, ItemTracking(lot=True, production_required=False))
    shop.release("PO-F1")
    assert shop.order("PO-F1").lines[0].components[0].consumed_quantity == 4
