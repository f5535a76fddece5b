"""Sampling properties and persistence of definitions and quality orders as JSON."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prodcore.masterdata import QualityCheck, QualityFailureAction, QualityTest, Routing
from prodcore.orders.model import ProductionOrder, QualityResult
from prodcore.orders.quality import RecordQualityResults, sample_quantities
from prodcore.serialization import dumps, loads

from .test_quality import DIAMETER, Shop, blocking_check, records

VISUAL = QualityTest("VISUAL")


@given(
    reports=st.lists(st.integers(1, 50), min_size=1, max_size=6),
    percent=st.integers(1, 100),
)
def test_percent_samples_per_updated_quantity_add_up(reports: list[int], percent: int) -> None:
    check = QualityCheck("C", (VISUAL,), sample_percent=percent)
    total = sum(reports)
    samples = [
        s
        for n, qty in enumerate(reports)
        for s, _ in sample_quantities(check, Decimal(total), Decimal(qty), n == 0)
    ]
    assert sum(samples, Decimal(0)) == Decimal(total) * percent / 100


@given(
    reports=st.lists(st.integers(1, 50), min_size=1, max_size=6),
    fixed=st.integers(1, 5),
)
def test_not_per_updated_quantity_covers_the_line_once(reports: list[int], fixed: int) -> None:
    check = QualityCheck("C", (VISUAL,), sample_quantity=fixed, per_updated_quantity=False)
    line_qty = Decimal(sum(reports))
    created = [
        sq
        for n, qty in enumerate(reports)
        for sq in sample_quantities(check, line_qty, Decimal(qty), n == 0)
    ]
    assert sum((covered for _, covered in created), Decimal(0)) == line_qty
    assert all(s == min(fixed, covered) for s, covered in created)
    assert len(created) == (1 if reports[0] == line_qty else 2)


def test_definitions_and_quality_orders_travel_as_json() -> None:
    check = QualityCheck(
        "FINAL",
        (DIAMETER, VISUAL),
        sample_percent="12.5",
        on_failure=QualityFailureAction.SCRAP,
        scrap_code="QC",
    )
    (routing,) = [r for r in records(op_checks=(check,)) if isinstance(r, Routing)]
    assert loads(dumps(routing), Routing) == routing
    shop = Shop(records(op_checks=(blocking_check(),)), qty=10)
    shop.output("10", 10)
    shop.post(RecordQualityResults("Q", "PO-1", "Q1", (QualityResult("DIA", value="10.3"),)))
    order = shop.order()
    assert order.quality_orders[0].results == (QualityResult("DIA", value=Decimal("10.3")),)
    assert loads(dumps(order), ProductionOrder) == order
    # an order stored before quality orders existed still loads
    raw = loads(dumps(order), dict)
    raw.pop("quality_orders")
    for line in raw["lines"]:
        line.pop("quality_checks")
        for op in line["operations"]:
            for field in (
                "quality_checks",
                "subcontract_requested",
                "subcontract_received",
                "subcontract_cancelled",
            ):
                op.pop(field)
    old = loads(raw, ProductionOrder)
    assert old.quality_orders == () and old.lines[0].operations[0].subcontract_requested == 0
    assert isinstance(old.lines[0].operations[0].starting, dt.datetime | None)
