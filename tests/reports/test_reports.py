"""Reports at the edge: the one table renderer, and cost views given as data then rendered."""

from __future__ import annotations

from decimal import Decimal

from prodcore.costing import actual_cost, order_cost_views
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    Item,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration
from prodcore.orders.execution import ConsumptionLine, OutputLine, PostConsumption, PostOutput
from prodcore.reports import order_cost_report, render_d365_variances, render_order_cost, table
from prodcore.testing.shop import Shop


def test_table_aligns_columns_over_rows_and_footer() -> None:
    text = table(
        ["Item", "Qty"], [["BIKE", Decimal("10.50")]], align="lr", footer=[["Total", "1234.00"]]
    )
    assert text.splitlines() == [
        "Item       Qty",
        "-----  -------",
        "BIKE      10.5",
        "-----  -------",
        "Total  1234.00",
    ]


def test_table_without_rows_says_none() -> None:
    assert table(["Order"], [], title="Orders").splitlines() == [
        "Orders",
        "Order",
        "-----",
        "(none)",
    ]


def _finished_frame() -> Shop:
    shop = Shop(
        [
            WorkCenter("WELD", direct_unit_cost=Decimal("0.5")),
            Item("TUBE", base_unit="PCS", unit_cost=5),
            ProductionBom("FRAME-BOM", (BomLine("TUBE", 2),)),
            Routing(
                "R", (RoutingLine("10", CapacityType.WORK_CENTER, "WELD", run_time=Duration(6)),)
            ),
            Item(
                "FRAME",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="FRAME-BOM",
                routing_no="R",
                standard_cost=13,
            ),
        ]
    )
    shop.create("PO-1", "FRAME", 10)
    shop.release()
    shop.post(PostConsumption(shop.key(), (ConsumptionLine("PO-1", 10000, 10000, 21),)))
    line = OutputLine("PO-1", 10000, "10", output_quantity=10, run_time=Duration(60), finished=True)
    shop.post(PostOutput(shop.key(), (line,)))
    shop.finish()
    return shop


def test_order_cost_views_are_data_and_the_report_renders_them() -> None:
    shop = _finished_frame()
    views = order_cost_views(shop.uow, "PO-1")
    with shop.uow:
        cost = actual_cost(shop.uow.orders.get("PO-1"), shop.uow.ledger, shop.uow.master_data)
    assert views.breakdown.actual == cost.actual
    assert views.breakdown.actual.material == 105  # 21 tubes at 5
    assert [a.item_no for a in views.analyses] == ["FRAME"]
    assert order_cost_report(shop.uow, "PO-1") == "\n\n".join(
        [
            render_order_cost(views.breakdown, currency=views.currency),
            render_d365_variances(views.analyses[0]),
        ]
    )
    assert order_cost_views(shop.uow, "PO-1", d365=False).analyses == ()
