"""A frame shop: welding in house, painting at a subcontractor (operation 20, last)."""

from __future__ import annotations

from decimal import Decimal

from prodcore.ledger import PostingResult
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.numbers import Duration
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.orders.model import ProductionOrder
from prodcore.ports import MasterDataRecord
from prodcore.testing import shop as harness
from prodcore.testing.shop import DUE

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


class Shop(harness.Shop):
    """The shared harness on the frame shop's records, with its short-hands."""

    def __init__(self, records: list[MasterDataRecord] | None = None) -> None:
        super().__init__(records if records is not None else frame_records())

    def released(self, order_id: str = "PO-1", qty: int | str = 10) -> ProductionOrder:
        self.create(order_id, "FRAME", qty, due=DUE)
        out = self.release(order_id)
        assert out.order is not None
        return out.order

    def weld(self, qty: int, order_id: str = "PO-1") -> PostingResult:
        line = OutputLine(
            order_id, 10000, "10", output_quantity=qty, run_time=Duration(6 * qty), finished=True
        )
        return self.post(PostOutput(self.key(), (line,)))

    def accounts(self) -> dict[str, Decimal]:
        return dict(self.store.ledger.accounts)
