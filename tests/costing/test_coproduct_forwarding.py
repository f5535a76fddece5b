"""A cost change forwarded into an order with co-products is split over its output lines
by their cost shares (the order's own adjustment rule), with exact figures.

R bought 10 @ 5.00; PO-S makes 10 S (share 60 %) and 5 C (co-product, share 40 %) out
of 10 R: the order's 50.00 goes 30.00 to S and 20.00 to C. R's cost becomes 6.00: the
consumption goes −50 → −60 and the 10.00 more reach the outputs as +6.00 on S and
+4.00 on C; the order's WIP stays 0 and a second run posts nothing."""

from __future__ import annotations

from prodcore.adapters import Store
from prodcore.app import handle, put_master_data
from prodcore.costing.adjustment import AdjustCost
from prodcore.ledger.model import ItemEntryType, ValueEntryType
from prodcore.masterdata import CostingMethod, Item
from prodcore.orders.journals import ConsumptionLine, OutputLine, PostConsumption, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CoProductSpec, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.testing.shop import DUE
from tests.costing.chain import CLOCK, D, adjust, correct, items, receive, value, wip
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)


def _co_product_order(store: Store) -> tuple[int, int, int]:
    """The order above, adjusted; the receipt's and the two outputs' entry numbers."""
    put_master_data(
        store(),
        [*items(), Item("C", base_unit="PCS", unit_cost=1, costing_method=CostingMethod.FIFO)],
    )
    r = receive(store, "buy", "R", 10, "5.00")
    handle(
        store(),
        CreateOrder(
            "PO-S",
            "S",
            10,
            due_date=DUE,
            status=OrderStatus.RELEASED,
            co_products=(CoProductSpec("C", 5, 40),),
        ),
        clock=CLOCK,
    )
    handle(store(), PostConsumption("c", (ConsumptionLine("PO-S", 10000, 10000, 10),)), clock=CLOCK)
    made = handle(
        store(),
        PostOutput(
            "o",
            (
                OutputLine("PO-S", 10000, output_quantity=10),
                OutputLine("PO-S", 20000, output_quantity=5),
            ),
        ),
        clock=CLOCK,
    )
    assert made.batch is not None
    s, c = (e.entry_no for e in made.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    handle(store(), ChangeStatus("PO-S", OrderStatus.FINISHED), clock=CLOCK)
    handle(store(), AdjustCost("adj", "PO-S"), clock=CLOCK)
    return r, s, c


def test_a_forwarded_change_is_split_over_the_co_products_by_their_shares(
    store: Store,
) -> None:
    r, s, c = _co_product_order(store)
    assert (value(store, s), value(store, c)) == (D("30.00"), D("20.00"))
    correct(store, "R@6", r, "6.00")
    _, posted = adjust(store, "run-1")
    with store() as uow:
        (consumption,) = (
            e.entry_no
            for e in uow.ledger.item_entries(order_id="PO-S")
            if e.entry_type is ItemEntryType.CONSUMPTION
        )
    assert {v.item_entry_no: v.cost_amount for v in posted} == {
        consumption: D("-10.00"),
        s: D("6.00"),  # 60 % of the 10.00
        c: D("4.00"),  # 40 %
    }
    assert all(v.entry_type is ValueEntryType.DIRECT_COST for v in posted)
    assert (value(store, s), value(store, c)) == (D("36.00"), D("24.00"))
    assert wip(store, "PO-S") == 0
    assert adjust(store, "run-2")[1] == []
