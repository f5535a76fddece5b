"""Properties of actual cost and cost adjustment over random orders and postings:
cost conservation, WIP exactly zero, idempotence, BC variances per share, the D365
invariant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import adjust_cost, handle
from prodcore.clock import FixedClock
from prodcore.costing import CostShares, roll_up
from prodcore.costing.actual import actual_cost, wip_at, wip_breakdown_at
from prodcore.costing.variance import actual_lines, d365_variances, standard_calculation
from prodcore.ledger import ItemEntryType, ValueEntryType, ValueSource, VarianceType
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    CostingMethod,
    Item,
    ManufacturingSetup,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.execution import (
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
    ReverseEntry,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.ports import MasterDataRecord, UnitOfWork

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
D = Decimal
ZERO = D(0)


def money(lo: str, hi: str, places: int = 2) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=D(lo), max_value=D(hi), places=places, allow_nan=False, allow_infinity=False
    )


@attrs.frozen
class Scenario:
    md: MasterData
    order_qty: int
    # (order line, component line, qty), negative: a return
    consumption: tuple[tuple[int, int, Decimal], ...]
    # (order line, output, scrap, setup min, run min)
    outputs: tuple[tuple[int, int, int, int, int], ...]
    make_to_order: bool = False  # a produced sub-assembly SUB on order line 20000
    reverse: int = 0  # reverse this much of the first output (with its capacity)
    reverse_in_two: bool = False  # in two reversals


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    costing = draw(st.sampled_from([CostingMethod.STANDARD, CostingMethod.AVERAGE]))
    sub = draw(st.booleans())
    centres = [
        WorkCenter(
            "WELD",
            capacity_unit=TimeUnit.HOUR,
            direct_unit_cost=draw(money("0", "80")),
            indirect_cost_percent=draw(money("0", "40", 1)),
            overhead_rate=draw(money("0", "5")),
        ),
        WorkCenter(
            "PAINT",
            capacity_unit=TimeUnit.MINUTE,
            direct_unit_cost=draw(money("0", "3", 3)),
            indirect_cost_percent=draw(money("0", "25", 1)),
            overhead_rate=draw(money("0", "0.2", 3)),
            subcontractor_no="V-1" if sub else None,
        ),
    ]
    routing = Routing(
        "R",
        (
            RoutingLine(
                "10",
                CapacityType.WORK_CENTER,
                "WELD",
                setup_time=Duration(draw(st.integers(0, 3)), TimeUnit.HOUR),
                run_time=Duration(draw(money("0", "2", 1)), TimeUnit.HOUR),
            ),
            RoutingLine(
                "20",
                CapacityType.WORK_CENTER,
                "PAINT",
                run_time=Duration(draw(st.integers(0, 30)), TimeUnit.MINUTE),
            ),
        ),
    )
    mto = draw(st.booleans())
    bom_lines = [
        BomLine("TUBE", draw(money("0", "4", 1))),
        BomLine("PAINT", draw(money("0", "1", 3))),
    ]
    boms = []
    extra: list[Item] = []
    if mto:
        bom_lines.append(BomLine("SUB", draw(st.sampled_from([D(1), D(2), D("0.5")]))))
        boms.append(ProductionBom("SB", (BomLine("TUBE", draw(money("0", "2", 1))),)))
        extra.append(
            Item(
                "SUB",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                costing_method=draw(
                    st.sampled_from([CostingMethod.STANDARD, CostingMethod.AVERAGE])
                ),
                indirect_cost_percent=draw(money("0", "10", 1)),
                overhead_rate=draw(money("0", "1")),
                production_bom_no="SB",
                routing_no="R",
            )
        )
    bom = ProductionBom("B", tuple(bom_lines))
    comps = [
        Item("TUBE", base_unit="PCS", unit_cost=draw(money("0", "50"))),
        Item("PAINT", base_unit="L", unit_cost=draw(money("0", "20", 3))),
    ]
    parent = Item(
        "P",
        base_unit="PCS",
        replenishment=Replenishment.PRODUCTION,
        costing_method=costing,
        lot_size=draw(st.integers(1, 20)),
        indirect_cost_percent=draw(money("0", "20", 1)),
        overhead_rate=draw(money("0", "3")),
        production_bom_no="B",
        routing_no="R",
    )
    md = MasterData.of(
        items=[parent, *comps, *extra], boms=[bom, *boms], routings=[routing], work_centers=centres
    )
    rollup = roll_up(md)
    produced = {
        no: attrs.evolve(
            md.items[no], standard_cost=rollup.standard_cost(no), unit_cost=rollup.standard_cost(no)
        )
        for no in ("P", "SUB")
        if no in md.items
    }
    md = attrs.evolve(md, items={**md.items, **produced})
    where = [(10000, 10000), (10000, 20000)]
    if mto:
        where += [(10000, 30000), (20000, 10000)]
    order_qty = draw(st.integers(1, 30))
    consumption = [
        (line, comp, qty)
        for (line, comp), qty in draw(
            st.lists(st.tuples(st.sampled_from(where), money("0", "60", 1)), max_size=5)
        )
    ]
    give_back = draw(st.booleans())
    if consumption and give_back:
        line, comp, qty = consumption[0]
        consumption.append((line, comp, -(qty * draw(st.sampled_from([D("0.5"), D(1)])))))
    outputs = draw(
        st.lists(
            st.tuples(
                st.sampled_from([10000, 20000] if mto else [10000]),
                st.integers(0, 20),
                st.integers(0, 2),
                st.integers(0, 120),
                st.integers(0, 600),
            ),
            min_size=1,
            max_size=4,
        )
    )
    reverse = draw(st.integers(0, outputs[0][1]))
    in_two = draw(st.booleans())
    return Scenario(
        md,
        order_qty,
        tuple(consumption),
        tuple(outputs),
        make_to_order=mto,
        reverse=reverse,
        reverse_in_two=in_two,
    )


def run(s: Scenario) -> tuple[InMemoryStore, InMemoryUnitOfWork, FixedClock]:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    return store, uow, run_on(s, uow)


def run_on(s: Scenario, uow: UnitOfWork) -> FixedClock:
    """The scenario's postings, up to the order finished, in ``uow`` (any store)."""
    clock = FixedClock(T0)
    with uow:
        uow.master_data.put_setup(ManufacturingSetup(finish_order_without_output=True))
        records: list[MasterDataRecord] = [
            *s.md.items.values(),
            *s.md.boms.values(),
            *s.md.routings.values(),
            *s.md.work_centers.values(),
        ]
        for record in records:
            uow.master_data.put(record)
        uow.commit()
    create = CreateOrder(
        "PO", "P", s.order_qty, due_date=dt.date(2026, 3, 9), make_to_order=s.make_to_order
    )
    handle(uow, create, clock=clock)
    handle(uow, ChangeStatus("PO", OrderStatus.RELEASED), clock=clock)
    for n, (line_no, comp, qty) in enumerate(s.consumption):
        clock.advance(dt.timedelta(minutes=10))
        cmd = PostConsumption(f"C{n}", (ConsumptionLine("PO", line_no, comp, qty),))
        handle(uow, cmd, clock=clock)
    for n, (line_no, out, scrap, setup, runtime) in enumerate(s.outputs):
        clock.advance(dt.timedelta(minutes=10))
        lines = tuple(
            OutputLine(
                "PO",
                line_no,
                op,
                output_quantity=out,
                scrap_quantity=scrap,
                setup_time=Duration(setup if op == "10" else 0, TimeUnit.MINUTE),
                run_time=Duration(runtime, TimeUnit.MINUTE),
            )
            for op in ("10", "20")
        )
        result = handle(uow, PostOutput(f"O{n}", lines), clock=clock)
        if n == 0 and s.reverse and result.batch is not None:
            (output,) = [
                e for e in result.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT
            ]
            with uow:  # only what is left of it in inventory can go back
                back = min(D(s.reverse), uow.ledger.remaining_quantity(output.entry_no))
            parts = [back // 2, back - back // 2] if s.reverse_in_two else [back]
            for k, part in enumerate(p for p in parts if p):
                reverse = ReverseEntry(f"R{k}", ValueSource.ITEM, output.entry_no, D(part))
                handle(uow, reverse, clock=clock)
    clock.advance(dt.timedelta(hours=1))
    handle(uow, ChangeStatus("PO", OrderStatus.FINISHED, finish_without_output=True), clock=clock)
    clock.advance(dt.timedelta(days=1))
    return clock


@given(scenarios())
def test_adjustment_conserves_cost_clears_wip_and_is_idempotent(s: Scenario) -> None:
    store, uow, clock = run(s)
    first = adjust_cost(uow, "PO", clock=clock, idempotency_key="A1")
    with uow:
        ledger = uow.ledger
        order = uow.orders.get("PO")
        cost = actual_cost(order, ledger, uow.master_data)
        assert ledger.wip("PO") == 0
        assert wip_at(ledger, "PO", clock.now()) == 0
        for g in ledger.gl_entries(order_id="PO"):
            at = g.posted_at
            assert wip_breakdown_at(ledger, "PO", at).total == wip_at(ledger, "PO", at)
        consumption = {
            e.entry_no
            for e in ledger.item_entries(order_id="PO")
            if e.entry_type is ItemEntryType.CONSUMPTION
        }
        values = ledger.value_entries(order_id="PO")
        # a fully reversed output nets to zero, adjustment included
        entries = ledger.item_entries(order_id="PO")
        for e in entries:
            group = [e, *(r for r in entries if r.applies_to_entry_no == e.entry_no)]
            if len(group) > 1 and sum((g.quantity for g in group), ZERO) == 0:
                nos = {g.entry_no for g in group}
                assert sum((v.cost_amount for v in values if v.item_entry_no in nos), ZERO) == 0
    # on the output entries (or on none, for an order without output)
    on_output = [
        v for v in values if v.source is ValueSource.ITEM and v.item_entry_no not in consumption
    ]
    output_value = sum(
        (v.cost_amount for v in on_output if v.entry_type is ValueEntryType.DIRECT_COST), ZERO
    )
    variances = sum(
        (v.cost_amount for v in on_output if v.entry_type is ValueEntryType.VARIANCE), ZERO
    )
    rounding = sum(
        (v.cost_amount for v in on_output if v.entry_type is ValueEntryType.ROUNDING), ZERO
    )
    # a line finished without output had its WIP written off at finishing; adjustment
    # leaves it alone, so its manufacturing overhead is never absorbed
    written_off = sum(
        (v.cost_amount for v in on_output if v.entry_type is ValueEntryType.WIP_WRITE_OFF), ZERO
    )
    off_lines = {v.order_line_no for v in on_output if v.entry_type is ValueEntryType.WIP_WRITE_OFF}
    absorbed = cost.total - sum(
        (c.actual.manufacturing_overhead for c in cost.lines if c.line_no in off_lines), ZERO
    )
    # cost conservation: what the order consumed and absorbed = output value + variances
    # (+ what was written off)
    assert output_value + variances + rounding + written_off == absorbed
    # nothing stays expected
    assert sum((v.cost_amount_expected for v in on_output), ZERO) == 0
    assert abs(rounding) <= D("0.03") * len(cost.lines)
    rollup = roll_up(s.md)
    for line in cost.lines:
        mine = [v for v in on_output if v.order_line_no == line.line_no]
        item = s.md.item(line.item_no)
        line_variances = [v for v in mine if v.entry_type is ValueEntryType.VARIANCE]
        if line.line_no in off_lines:
            assert not line_variances
            continue
        if line.output_quantity and item.costing_method is CostingMethod.AVERAGE:
            assert not line_variances
            value = sum(
                (v.cost_amount for v in mine if v.entry_type is ValueEntryType.DIRECT_COST), ZERO
            )
            assert value == line.total  # output revalued to actual
            continue
        shares = rollup[line.item_no].single_level if line.output_quantity else CostShares()
        std = (shares * line.output_quantity).rounded(s.md.setup.amount_rounding)
        expected = line.actual - std
        by_type = {
            t: sum((v.cost_amount for v in line_variances if v.variance_type is t), ZERO)
            for t in VarianceType
        }
        assert by_type[VarianceType.MATERIAL] == expected.material
        assert by_type[VarianceType.CAPACITY] == expected.capacity
        assert by_type[VarianceType.SUBCONTRACTED] == expected.subcontracted
        assert by_type[VarianceType.CAPACITY_OVERHEAD] == expected.capacity_overhead
        assert by_type[VarianceType.MANUFACTURING_OVERHEAD] == expected.manufacturing_overhead
    # adjusting twice posts nothing new
    before = (store.counters, dict(store.ledger.accounts))
    second = adjust_cost(uow, "PO", clock=clock, idempotency_key="A2")
    assert second.batch is None
    assert (store.counters, dict(store.ledger.accounts)) == before
    assert adjust_cost(uow, "PO", clock=clock, idempotency_key="A1") == first


@given(scenarios())
def test_d365_variances_add_up_to_actual_minus_standard(s: Scenario) -> None:
    _store, uow, _clock = run(s)
    with uow:
        order = uow.orders.get("PO")
        calc = standard_calculation("P", uow.master_data)
        lines = actual_lines(order, uow.ledger, 10000)
        cost = actual_cost(order, uow.ledger, uow.master_data)
    line = cost.lines[0]
    v = d365_variances(calc, lines, line.output_quantity, line.actual.manufacturing_overhead)
    assert v.actual_cost == line.total
    assert v.total == v.expected_total == line.total - line.output_quantity * calc.unit_cost
    assert abs(v.rounding) < D("1e-15")
    used = sum((ln.actual_cost - ln.allowed_cost for ln in v.lines if ln.planned and ln.used), ZERO)
    assert abs(v.quantity + v.price - used) < D("1e-20")  # times in hours: x/60 is inexact
