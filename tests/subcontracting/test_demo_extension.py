"""The bundled bicycle demo's subcontracted, quality-checked clear coat (operation 25) runs
as a scenario and posts what it should."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.ledger import ValueSource
from prodcore.orders.model import OrderStatus, QualityOrderStatus
from prodcore.scenario import load_scenario, run_scenario


def extended_demo() -> dict[str, Any]:
    """The bundled demo, which now carries the subcontracted, quality-checked clear coat."""
    text = resources.files("prodcore.examples").joinpath("bicycle.json").read_text()
    demo: dict[str, Any] = json.loads(text)
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
