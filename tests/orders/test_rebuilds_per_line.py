"""Reversing and picking put an order line's components and operations once per line:
the line and order rebuilds of a reversal or a pick do not grow with the entries it
reverses or the components it picks (one more component revised per entry)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from prodcore.ledger.model import ValueEntryType, ValueSource
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration
from prodcore.orders import (
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
    decide_posting,
)
from prodcore.orders.builder import Execution
from prodcore.orders.finishing import flush_at_finish
from prodcore.orders.journals import PickComponents, PickLine, ReverseEntry
from prodcore.orders.model import Component, OrderLine, ProductionOrder
from prodcore.orders.reverse_all import ReverseOrderPostings, decide_reverse_all
from prodcore.testing.shop import Shop
from tests.orders.test_keeps_identity import _counting_revisions

REBUILT = (OrderLine.__name__, ProductionOrder.__name__)


def _shop(n: int, flushing: FlushingMethod) -> Shop:
    """P made of n components C0.. (``flushing``, linked to operation 10) on one line."""
    comps = [f"C{i}" for i in range(n)]
    shop = Shop(
        [
            WorkCenter("WC", direct_unit_cost=Decimal(1)),
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="BOM",
                routing_no="RTG",
            ),
            *(
                Item(no, base_unit="PCS", unit_cost=Decimal(1), flushing_method=flushing)
                for no in comps
            ),
            ProductionBom("BOM", tuple(BomLine(no, 1, routing_link_code="ASM") for no in comps)),
            Routing(
                "RTG",
                (
                    RoutingLine(
                        "10",
                        CapacityType.WORK_CENTER,
                        "WC",
                        run_time=Duration(1),
                        routing_link_code="ASM",
                    ),
                ),
            ),
        ],
        setup=ManufacturingSetup(allow_negative_inventory=True),
    )
    shop.create("PO-1", "P", 2)
    shop.release()
    return shop


def _decided(shop: Shop, decide: str) -> tuple[Counter[str], Execution]:
    """The revisions the decision ``decide`` makes on the shop's PO-1, and the decision."""
    order = shop.order()
    with shop.uow:
        md, ledger, at = shop.uow.master_data, shop.uow.ledger, shop.clock.now()
        with _counting_revisions() as counts:
            if decide == "reverse all":
                execution = decide_reverse_all(
                    ReverseOrderPostings(shop.key(), "PO-1"), lambda _id: order, md, ledger, at
                )
            elif decide == "reverse output":
                (output,) = (e for e in ledger.item_entries(order_id="PO-1") if e.quantity > 0)
                command = ReverseEntry(
                    shop.key(), ValueSource.ITEM, output.entry_no, include_flushed_consumption=True
                )
                execution = decide_posting(command, lambda _id: order, md, ledger, at)
            else:
                line = order.lines[0]
                picks = tuple(PickLine(line.line_no, c.line_no, 1) for c in line.components)
                pick = PickComponents(shop.key(), "PO-1", picks)
                execution = decide_posting(pick, lambda _id: order, md, ledger, at)
    return counts, execution


def _consumed(n: int) -> Shop:
    shop = _shop(n, FlushingMethod.MANUAL)
    line = shop.order().lines[0]
    journal = tuple(ConsumptionLine("PO-1", line.line_no, c.line_no, 1) for c in line.components)
    shop.post(PostConsumption(shop.key(), journal))
    return shop


def _flushed(n: int) -> Shop:
    shop = _shop(n, FlushingMethod.BACKWARD)
    line = shop.order().lines[0]
    shop.post(PostOutput(shop.key(), (OutputLine("PO-1", line.line_no, "10", output_quantity=2),)))
    return shop


def _assert_same_rebuilds(few: Counter[str], many: Counter[str], more: int) -> None:
    for name in REBUILT:
        assert many[name] == few[name], name
    assert many[Component.__name__] == few[Component.__name__] + more


def test_reversing_all_of_an_order_rebuilds_its_line_once() -> None:
    (few, done), (many, _) = (
        _decided(_consumed(2), "reverse all"),
        _decided(_consumed(7), "reverse all"),
    )
    _assert_same_rebuilds(few, many, 5)
    (after,) = done.orders
    assert [c.consumed_quantity for c in after.lines[0].components] == [0, 0]
    assert len(done.batch.item_entries) == 2


def test_reversing_an_output_with_what_it_flushed_rebuilds_the_line_the_same_times() -> None:
    (few, done), (many, _) = (
        _decided(_flushed(2), "reverse output"),
        _decided(_flushed(7), "reverse output"),
    )
    _assert_same_rebuilds(few, many, 5)
    (after,) = done.orders
    line = after.lines[0]
    assert [c.consumed_quantity for c in line.components] == [0, 0]
    assert line.finished_quantity == 0 and line.operations[0].output_quantity == 0


def test_picking_n_components_rebuilds_the_line_once() -> None:
    (few, done), (many, _) = (
        _decided(_shop(2, FlushingMethod.MANUAL), "pick"),
        _decided(_shop(7, FlushingMethod.MANUAL), "pick"),
    )
    _assert_same_rebuilds(few, many, 5)
    (after,) = done.orders
    assert [c.picked_quantity for c in after.lines[0].components] == [1, 1]


def _lines_consumed(n: int) -> Shop:
    """PO-1 made to order: P of n sub-assemblies S0.. (a line each), every line having
    consumed one R, none having output."""
    subs = [f"S{i}" for i in range(n)]
    shop = Shop(
        [
            Item(
                "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="P"
            ),
            *(
                Item(
                    s,
                    base_unit="PCS",
                    replenishment=Replenishment.PRODUCTION,
                    production_bom_no="S",
                )
                for s in subs
            ),
            Item("R", base_unit="PCS", unit_cost=Decimal(1), flushing_method=FlushingMethod.MANUAL),
            ProductionBom("P", (BomLine("R", 1), *(BomLine(s, 1) for s in subs))),
            ProductionBom("S", (BomLine("R", 1),)),
        ],
        setup=ManufacturingSetup(allow_negative_inventory=True, finish_order_without_output=True),
    )
    shop.create("PO-1", "P", 1, make_to_order=True)
    shop.release()
    journal = tuple(
        ConsumptionLine("PO-1", line.line_no, line.components[0].line_no, 1)
        for line in shop.order().lines
    )
    shop.post(PostConsumption(shop.key(), journal))
    return shop


def _finish_reads(n: int) -> tuple[Counter[str], Execution]:
    """The order lists the finish of ``_lines_consumed(n)`` without output reads."""
    shop = _lines_consumed(n)
    order = shop.order()
    reads: Counter[str] = Counter()
    with shop.uow:
        ledger = shop.uow.ledger

        class Counted:
            def __getattr__(self, name: str) -> Any:
                if name.endswith("_entries"):
                    reads[name] += 1
                return getattr(ledger, name)

        execution = flush_at_finish(
            order,
            shop.uow.master_data,
            Counted(),
            shop.clock.now(),
            "F",
            finish_without_output=True,
        )
    return reads, execution


def test_finishing_n_lines_without_output_reads_the_order_once() -> None:
    (few, _), (many, done) = _finish_reads(1), _finish_reads(5)
    assert many == few and many["value_entries"] == 1
    write_offs = [
        v for v in done.batch.value_entries if v.entry_type is ValueEntryType.WIP_WRITE_OFF
    ]
    assert sorted(v.order_line_no or 0 for v in write_offs) == sorted(
        line.line_no for line in done.orders[0].lines
    )
    assert all(v.cost_amount == Decimal(1) for v in write_offs)  # one R each
