"""Variances: BC's five shares (breakdown table) and the D365 analysis view, driven through
real postings of worked examples D4/D5."""

# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import adjust_cost, handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing import CostShares, roll_up
from prodcore.costing.actual import actual_cost
from prodcore.costing.variance import (
    ActualLine,
    StandardCalculation,
    StandardLine,
    actual_lines,
    cost_breakdown,
    d365_variances,
    standard_calculation,
)
from prodcore.masterdata import (
    BomLine,
    CalculationFormula,
    Item,
    ManufacturingSetup,
    ProductionBom,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.execution import ConsumptionLine, OutputLine, PostConsumption, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.ports import MasterDataRecord
from prodcore.reports import order_cost_report, render_d365_variances, render_order_cost
from prodcore.testing.shop import master_data_of
from tests.costing.test_actual_cost import d4_records as actual_cost_d4_records

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
D = Decimal


def d4_records(extra_component: bool = False) -> list[MasterDataRecord]:
    """D4 (:func:`tests.costing.test_actual_cost.d4_records`) with ROD and JIG on the item
    list; with ``extra_component`` one JIG per order (a fixed quantity) in the BOM."""
    lines = [BomLine("TUBE", 2)]
    if extra_component:
        lines.append(BomLine("JIG", 1, formula=CalculationFormula.FIXED_QUANTITY))
    return [
        *(
            ProductionBom("FRAME-BOM", tuple(lines)) if isinstance(r, ProductionBom) else r
            for r in actual_cost_d4_records()
        ),
        Item("ROD", base_unit="PCS", unit_cost=6),
        Item("JIG", base_unit="PCS", unit_cost=8),
    ]


def run_order(
    records: list[MasterDataRecord],
    *,
    output: int = 10,
    consumed: str = "21",
    setup_h: str = "1.5",
    run_h: str = "5",
) -> tuple[InMemoryUnitOfWork, FixedClock]:
    uow = InMemoryUnitOfWork(InMemoryStore())
    clock = FixedClock(T0)
    put_master_data(uow, records, setup=ManufacturingSetup())
    handle(uow, CreateOrder("PO-1", "FRAME", 10, due_date=dt.date(2026, 3, 9)), clock=clock)
    handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
    handle(
        uow,
        PostConsumption("C1", (ConsumptionLine("PO-1", 10000, 10000, D(consumed)),)),
        clock=clock,
    )
    handle(
        uow,
        PostOutput(
            "O1",
            (
                OutputLine(
                    "PO-1",
                    10000,
                    "10",
                    output_quantity=output,
                    setup_time=Duration(D(setup_h), TimeUnit.HOUR),
                    run_time=Duration(D(run_h), TimeUnit.HOUR),
                    finished=True,
                ),
            ),
        ),
        clock=clock,
    )
    handle(uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=clock)
    return uow, clock


def test_d5_breakdown_table() -> None:
    uow, clock = run_order(d4_records())
    md = master_data_of(d4_records())
    standard = {"FRAME": roll_up(md)["FRAME"].single_level}
    with uow:
        order = uow.orders.get("PO-1")
        breakdown = cost_breakdown(order, uow.ledger, uow.master_data, standard=standard)
    assert breakdown.standard == CostShares("100.00", "120.00", "0.00", "24.00", "22.20")
    assert breakdown.variance == CostShares("5.00", "10.00", "0.00", "2.00", "0.85")
    table = render_order_cost(breakdown, currency="EUR")
    assert table.splitlines()[-1].split() == ["Total", "266.20", "284.05", "17.85"]
    # adjustment posts exactly the breakdown's variances
    result = adjust_cost(uow, "PO-1", clock=clock, idempotency_key="ADJ")
    assert result.batch is not None
    posted = sum(
        (v.cost_amount for v in result.batch.value_entries if v.variance_type is not None), D(0)
    )
    assert posted == breakdown.variance.total


def test_d4_standard_calculation_matches_the_rollup() -> None:
    records = d4_records()
    md = master_data_of(records)
    calc = standard_calculation("FRAME", md)
    assert calc.unit_cost == D("26.62") == roll_up(md).standard_cost("FRAME")
    assert calc.constant_cost == 24  # 1 h setup at 24


def test_d5_in_d365_terms_through_the_ledgers() -> None:
    records = d4_records()
    uow, _clock = run_order(records)
    with uow:
        order = uow.orders.get("PO-1")
        md = uow.master_data
        calc = standard_calculation("FRAME", md)
        lines = actual_lines(order, uow.ledger, 10000)
        cost = actual_cost(order, uow.ledger, md)
    assert lines == (
        ActualLine("MATERIAL", "TUBE", 21, 105),
        ActualLine("ROUTE", "10/WELD", D("6.5"), 156),
    )
    v = d365_variances(calc, lines, D(10), cost.lines[0].actual.manufacturing_overhead)
    assert (v.quantity, v.price, v.substitution, v.lot_size, v.overhead) == (
        17,
        0,
        0,
        0,
        D("0.85"),
    )
    assert v.rounding == 0
    assert v.total == v.expected_total == D("284.05") - 10 * D("26.62")
    text = render_d365_variances(v)
    assert "material TUBE" in text and text.splitlines()[-1].startswith("Lot size 0.00")


def test_lot_size_variance_when_good_quantity_is_below_the_costing_lot() -> None:
    uow, _clock = run_order(d4_records(), output=5, consumed="10", setup_h="1", run_h="2.5")
    with uow:
        order = uow.orders.get("PO-1")
        calc = standard_calculation("FRAME", uow.master_data)
        lines = actual_lines(order, uow.ledger, 10000)
        cost = actual_cost(order, uow.ledger, uow.master_data)
    v = d365_variances(calc, lines, D(5), cost.lines[0].actual.manufacturing_overhead)
    # all at standard, but the 1 h setup (24) is spread over 5 instead of 10 units
    assert (v.quantity, v.price, v.substitution) == (0, 0, 0)
    assert v.lot_size == 12  # 24 - 5 × 24 / 10
    assert v.total == v.expected_total


def test_substitution_and_price_variances() -> None:
    calc = StandardCalculation(
        "P",
        10,
        (StandardLine("MATERIAL", "A", 5, 2), StandardLine("MATERIAL", "B", 3, 1)),
    )
    actual = (ActualLine("MATERIAL", "A", 20, 110), ActualLine("MATERIAL", "C", 10, 40))
    v = d365_variances(calc, actual, D(10), D(0))
    # A: allowed 20 @ 5 = 100, actual 20 for 110 -> price 10; B (30 allowed) replaced by C (40)
    assert (v.quantity, v.price, v.substitution) == (0, 10, 10)
    assert v.total == v.expected_total == 150 - 10 * 13
    by_key = {ln.key: ln for ln in v.lines}
    assert by_key["B"].planned and not by_key["B"].used
    assert by_key["C"].used and not by_key["C"].planned


def test_fixed_quantity_component_is_a_constant_cost() -> None:
    records = d4_records(extra_component=True)
    md = master_data_of(records)
    calc = standard_calculation("FRAME", md)
    assert calc.constant_cost == 24 + 8
    # the rollup agrees with the standard calculation's unit cost
    assert calc.unit_cost == roll_up(md).standard_cost("FRAME")


def test_order_cost_report_before_and_after_adjustment() -> None:
    uow, clock = run_order(d4_records())
    before = order_cost_report(uow, "PO-1")
    adjust_cost(uow, "PO-1", clock=clock, idempotency_key="ADJ")
    after = order_cost_report(uow, "PO-1")
    assert before == after  # the frozen standard is the rollup's
    lines = after.splitlines()
    assert lines[0] == "Cost of order PO-1: 10 FRAME (EUR, actual cost final)"
    assert lines[9].split() == ["Total", "266.20", "284.05", "17.85"]
    assert lines[-1] == "Lot size 0.00, overhead 0.85, total 17.85 = actual 284.05 - 10 x 26.62"
    assert order_cost_report(uow, "PO-1", d365=False) == "\n".join(lines[:10])


def test_substitution_when_the_standard_bom_changed_after_the_order() -> None:
    uow, _clock = run_order(d4_records())
    with uow:
        # the standard now uses ROD (2 @ 6); the order used TUBE
        uow.master_data.put(ProductionBom("FRAME-BOM", (BomLine("ROD", 2),)))
        uow.commit()
    with uow:
        order = uow.orders.get("PO-1")
        calc = standard_calculation("FRAME", uow.master_data)
        lines = actual_lines(order, uow.ledger, 10000)
        cost = actual_cost(order, uow.ledger, uow.master_data)
    v = d365_variances(calc, lines, D(10), cost.lines[0].actual.manufacturing_overhead)
    assert v.substitution == 105 - 120  # TUBE used (105) instead of ROD allowed (20 @ 6)
    assert v.quantity == 12  # route: 6.5 h for 6 h allowed at 24
    assert v.total == v.expected_total
