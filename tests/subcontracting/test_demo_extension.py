"""The bundled bicycle demo with a subcontracted, quality-checked clear coat (operation 25),
as proposed for the demo: the changes below run as a scenario and post what they should."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.ledger import ValueSource
from prodcore.orders.model import OrderStatus, QualityOrderStatus
from prodcore.scenario import load_scenario, run_scenario

COATING = {
    "type": "WorkCenter",
    "no": "COATING",
    "name": "Clear coat (subcontractor V-2000)",
    "direct_unit_cost": "6.50",
    "unit_cost_calculation": "UNITS",
    "subcontractor_no": "V-2000",
}
OPERATION_25 = {
    "operation_no": "25",
    "type": "WORK_CENTER",
    "no": "COATING",
    "description": "Clear coat (subcontracted)",
    "quality_checks": [
        {
            "code": "COAT",
            "tests": [
                {"code": "THICKNESS", "lower_limit": "60", "upper_limit": "90", "unit": "UM"}
            ],
            "sample_quantity": "2",
            "blocks_next_operations": True,
        }
    ],
}
STEPS = [
    {
        "type": "RegisterSubcontractRequests",
        "idempotency_key": "coating-request",
        "document_no": "SUB-1",
        "at": "2026-03-03T15:30:00+00:00",
        "requests": [
            {
                "order_id": "PO-1001",
                "line_no": 10000,
                "operation_no": "25",
                "work_center_no": "COATING",
                "subcontractor_no": "V-2000",
                "item_no": "BIKE",
                "quantity": "10",
                "unit": "PCS",
                "direct_unit_cost": "6.50",
                "expected_cost": "65.00",
                "due_date": "2026-03-06",
                "location_code": "MAIN",
            }
        ],
    },
    {
        "type": "ReceiveSubcontractedWork",
        "idempotency_key": "coating-receipt",
        "document_no": "RCPT-1",
        "at": "2026-03-04T06:30:00+00:00",
        "order_id": "PO-1001",
        "line_no": 10000,
        "operation_no": "25",
        "quantity": "10",
        "unit_cost": "6.80",
        "finished": True,
        "receipt_no": "RCPT-1",
    },
    {
        "type": "RecordQualityResults",
        "idempotency_key": "coating-check",
        "document_no": "QC-1",
        "at": "2026-03-04T06:45:00+00:00",
        "order_id": "PO-1001",
        "quality_order_no": "Q1",
        "results": [{"test_code": "THICKNESS", "value": "72"}],
    },
]


def extended_demo() -> dict[str, Any]:
    text = resources.files("prodcore.examples").joinpath("bicycle.json").read_text()
    demo: dict[str, Any] = json.loads(text)
    md = demo["master_data"]
    at = next(i for i, r in enumerate(md) if r.get("no") == "PAINTING")
    md.insert(at + 1, COATING)
    routing = next(r for r in md if r.get("no") == "BIKE-RTG")
    after = next(i for i, ln in enumerate(routing["lines"]) if ln["operation_no"] == "20")
    routing["lines"].insert(after + 1, OPERATION_25)
    steps = demo["steps"]
    painting = next(i for i, s in enumerate(steps) if s.get("idempotency_key") == "painting")
    steps[painting + 1 : painting + 1] = STEPS
    for step in steps:
        if step.get("idempotency_key") == "assembly-typo":
            step["entry_no"] = 5  # the receipt's capacity entry comes before assembly's
    return demo


def test_the_extended_demo_runs_and_posts_the_coating_at_its_purchase_price() -> None:
    store = InMemoryStore()
    run_scenario(load_scenario(json.dumps(extended_demo())), lambda: InMemoryUnitOfWork(store))
    uow = InMemoryUnitOfWork(store)
    with uow:
        order = uow.orders.get("PO-1001")
        (receipt,) = [
            c for c in uow.ledger.capacity_entries(order_id="PO-1001") if c.no == "COATING"
        ]
        values = uow.ledger.value_entries(
            source=ValueSource.CAPACITY, source_entry_no=receipt.entry_no
        )
    assert order.status is OrderStatus.FINISHED
    assert receipt.entry_no == 4 and receipt.output_quantity == 10
    assert [v.cost_amount_actual for v in values] == [Decimal("68.00")]
    (q1,) = order.quality_orders
    assert (q1.operation_no, q1.quantity, q1.status) == (
        "25",
        Decimal(2),
        QualityOrderStatus.PASSED,
    )
    assert store.ledger.accounts["7890"] == Decimal("-711.25")  # 643.25 in the demo + 68.00
