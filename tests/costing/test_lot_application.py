"""Lot-aware application: a lot's (or serial's) outbound entry is applied only to
inbound entries of the same lot (BC's rule), not to the oldest receipt; on every store.
Item cost adjustment then forwards a lot's cost change to that lot's consumers only."""

from __future__ import annotations

from decimal import Decimal

import attrs

from prodcore.adapters import Store
from prodcore.app import handle
from prodcore.costing.item_adjustment import AdjustItemCosts, CorrectInboundCost
from prodcore.ledger.model import ItemEntryType
from prodcore.ledger.valuation import entry_value
from prodcore.masterdata import CostingMethod, Item
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from prodcore.testing.shop import Shop
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)
from tests.tracking.conftest import consume, lots, make_shop, records


def _shop(store: Store) -> Shop:
    shop = make_shop(store())
    steel = next(r for r in records() if isinstance(r, Item) and r.no == "STEEL")
    shop.uow.master_data.put(attrs.evolve(steel, costing_method=CostingMethod.FIFO))
    shop.uow.commit()
    for lot, cost in (("L1", "2.00"), ("L2", "3.00")):
        line = AdjustmentLine("STEEL", 10, unit_cost=Decimal(cost), tracking=lots((lot, 10)))
        shop.post(AdjustInventory(shop.key(), (line,)))
    shop.create("PO-F", "FRAME", 5)
    shop.release("PO-F")
    return shop


def _run(shop: Shop, command: CorrectInboundCost | AdjustItemCosts) -> None:
    handle(shop.uow, command, clock=shop.clock)


def _consumption(shop: Shop) -> int:
    with shop.uow:
        (used,) = [
            e.entry_no
            for e in shop.uow.ledger.item_entries(item_no="STEEL")
            if e.entry_type is ItemEntryType.CONSUMPTION
        ]
        return used


def test_a_lot_is_applied_to_its_own_receipt_not_the_oldest(store: Store) -> None:
    shop = _shop(store)
    consume(shop, "PO-F", "STEEL", lots(("L2", 4)))
    used = _consumption(shop)
    with shop.uow:
        ledger = shop.uow.ledger
        apps = [(a.inbound_entry_no, a.quantity) for a in ledger.item_applications(used)]
        assert apps == [(2, Decimal(4))]
        assert (ledger.remaining_quantity(1), ledger.remaining_quantity(2)) == (
            Decimal(10),
            Decimal(6),
        )


def test_a_lots_cost_change_reaches_only_that_lots_consumption(store: Store) -> None:
    shop = _shop(store)
    consume(shop, "PO-F", "STEEL", lots(("L2", 4)))
    used = _consumption(shop)
    _run(shop, CorrectInboundCost(shop.key(), 1, Decimal(5)))  # lot L1: not consumed
    _run(shop, AdjustItemCosts(shop.key()))
    with shop.uow:
        assert entry_value(shop.uow.ledger, used) == Decimal("-12.00")  # 4 × 3.00
    _run(shop, CorrectInboundCost(shop.key(), 2, Decimal(4)))  # lot L2: 4 × 4.00
    _run(shop, AdjustItemCosts(shop.key()))
    with shop.uow:
        assert entry_value(shop.uow.ledger, used) == Decimal("-16.00")
