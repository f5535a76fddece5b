"""A frame shop: welding in house, painting at a subcontractor (operation 20, last)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.commands import LedgerCommand
from prodcore.ledger import PostingResult
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
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.numbers import Duration
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRecord

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 9)
D = Decimal


def frame_records(
    *, paint_last: bool = True, paint_by_time: bool = False
) -> list[MasterDataRecord]:
    """FRAME (standard cost): TUBE 2 @5 (backward, unlinked), LABEL 1 @0.20 (backward,
    linked to painting), PRIMER 0.5 L @2 (manual, linked to painting: shipped).
    Routing: 10 WELD (0.50 per minute, 6 min per unit), 20 PAINT at subcontractor
    V-PAINT (units, 4.00 per unit) [, 30 PACK (no cost) when ``paint_last`` is False].
    ``paint_by_time``: the painter charges 0.80 per minute, 15 min setup + 3 min per unit."""
    setup, run = (Duration(15), Duration(3)) if paint_by_time else (Duration(0), Duration(0))
    ops = [
        RoutingLine("10", CapacityType.WORK_CENTER, "WELD", run_time=Duration(6)),
        RoutingLine(
            "20",
            CapacityType.WORK_CENTER,
            "PAINTER",
            routing_link_code="PNT",
            setup_time=setup,
            run_time=run,
        ),
    ]
    if not paint_last:
        ops.append(RoutingLine("30", CapacityType.WORK_CENTER, "PACK"))
    return [
        WorkCenter("WELD", direct_unit_cost=D("0.5")),
        WorkCenter(
            "PAINTER",
            direct_unit_cost=D("0.8") if paint_by_time else 4,
            unit_cost_calculation=(
                UnitCostCalculation.TIME if paint_by_time else UnitCostCalculation.UNITS
            ),
            subcontractor_no="V-PAINT",
        ),
        WorkCenter("PACK"),
        Item("TUBE", base_unit="PCS", unit_cost=5, flushing_method=FlushingMethod.BACKWARD),
        Item("LABEL", base_unit="PCS", unit_cost="0.2", flushing_method=FlushingMethod.BACKWARD),
        Item("PRIMER", base_unit="L", unit_cost=2),
        ProductionBom(
            "FRAME-BOM",
            (
                BomLine("TUBE", 2),
                BomLine("LABEL", 1, routing_link_code="PNT"),
                BomLine("PRIMER", "0.5", routing_link_code="PNT"),
            ),
        ),
        Routing("FRAME-RTG", tuple(ops)),
        Item(
            "FRAME",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="FRAME-BOM",
            routing_no="FRAME-RTG",
            standard_cost="18.20",
        ),
    ]


def master_data(records: list[MasterDataRecord]) -> MasterData:
    return MasterData.of(
        items=[r for r in records if isinstance(r, Item)],
        boms=[r for r in records if isinstance(r, ProductionBom)],
        routings=[r for r in records if isinstance(r, Routing)],
        work_centers=[r for r in records if isinstance(r, WorkCenter)],
    )


class Shop:
    def __init__(self, records: list[MasterDataRecord] | None = None) -> None:
        self.records = records if records is not None else frame_records()
        self.store = InMemoryStore()
        self.uow = InMemoryUnitOfWork(self.store)
        self.clock = FixedClock(T0)
        put_master_data(self.uow, self.records)
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"K{self.keys}"

    def released(self, order_id: str = "PO-1", qty: int | str = 10) -> ProductionOrder:
        handle(self.uow, CreateOrder(order_id, "FRAME", qty, due_date=DUE), clock=self.clock)
        out = handle(self.uow, ChangeStatus(order_id, OrderStatus.RELEASED), clock=self.clock)
        assert out.order is not None
        return out.order

    def post(self, command: LedgerCommand) -> PostingResult:
        return handle(self.uow, command, clock=self.clock)

    def weld(self, qty: int, order_id: str = "PO-1") -> PostingResult:
        line = OutputLine(
            order_id, 10000, "10", output_quantity=qty, run_time=Duration(6 * qty), finished=True
        )
        return self.post(PostOutput(self.key(), (line,)))

    def order(self, order_id: str = "PO-1") -> ProductionOrder:
        with self.uow:
            return self.uow.orders.get(order_id)

    def accounts(self) -> dict[str, Decimal]:
        return dict(self.store.ledger.accounts)

    def snapshot(self) -> tuple[object, ...]:
        s = self.store
        return (
            dict(s.orders),
            s.counters,
            dict(s.ledger.on_hand_total),
            dict(s.ledger.accounts),
            dict(s.idempotency),
        )
