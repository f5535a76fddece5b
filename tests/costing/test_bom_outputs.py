"""BOM outputs end to end: the standard cost rollup with co-products, by-products and
process loss, and orders created from such BOMs run exactly to standard (worked example
with every figure, properties over random BOMs)."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import adjust_cost, handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing import ImplementStandardCost, actual_cost, roll_up, single_level_cost
from prodcore.errors import BomCycleError, InvalidValueError, NotAllowedError
from prodcore.masterdata import (
    BomLine,
    BomLineType,
    BomOutputLine,
    CapacityType,
    CostAllocation,
    Item,
    LeadTime,
    MasterData,
    OutputKind,
    OutputValuation,
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
    PostByProduct,
    PostConsumption,
    PostOutput,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder, OrderCreated, decide
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.orders.output_lines import by_product_lines, co_product_output_lines, process_loss
from prodcore.orders.outputs import explode_outputs
from prodcore.ports import UnitOfWork
from prodcore.serialization import dumps, loads

D = Decimal
DUE = dt.date(2026, 3, 9)

BY = OutputKind.BY_PRODUCT
Record = Item | ProductionBom | Routing | WorkCenter


def _records(
    *,
    co_share: int = 40,
    co_per: str = "1",
    by_per: str = "0.5",
    by_valuation: OutputValuation = OutputValuation.STANDARD_COST,
    by_price: str = "0",
    raw_cost: int = 5,
    by_cost: int = 2,
    run_hours: str = "0.5",
    loss: int = 0,
    overhead_rate: int = 0,
) -> list[Record]:
    """1 main item P (lot 10) + 1 co-product CO + 1 by-product BY; RAW 2 per unit."""
    return [
        Item(
            "P",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            lot_size=10,
            overhead_rate=overhead_rate,
            production_bom_no="PB",
            routing_no="PR",
        ),
        Item("RAW", base_unit="KG", unit_cost=raw_cost, standard_cost=raw_cost),
        Item("CO", base_unit="PCS"),
        Item("BY", base_unit="KG", unit_cost=by_cost, standard_cost=by_cost),
        ProductionBom(
            "PB",
            (BomLine("RAW", 2),),
            process_loss_percent=loss,
            outputs=(
                BomOutputLine("CO", co_per, cost_share_percent=co_share),
                BomOutputLine("BY", by_per, kind=BY, valuation=by_valuation, price=by_price),
            ),
        ),
        Routing(
            "PR",
            (
                RoutingLine(
                    "10",
                    CapacityType.WORK_CENTER,
                    "WC",
                    run_time=Duration(run_hours, TimeUnit.HOUR),
                ),
            ),
        ),
        WorkCenter("WC", capacity_unit=TimeUnit.HOUR, direct_unit_cost=20),
    ]


def _md(records: list[Record]) -> MasterData:
    kinds: dict[type, str] = {
        Item: "items",
        ProductionBom: "boms",
        Routing: "routings",
        WorkCenter: "work_centers",
    }
    grouped: dict[str, list[Record]] = {name: [] for name in kinds.values()}
    for record in records:
        grouped[kinds[type(record)]].append(record)
    return MasterData.of(**grouped)  # type: ignore[arg-type]


def _run(
    records: list[Record], *, output: Decimal, run_hours: Decimal
) -> tuple[UnitOfWork, ProductionOrder, FixedClock]:
    """Implement the rollup, then run an order of 10 P exactly as the BOM says: RAW for
    the 10 put through, ``output`` of P with its by- and co-products."""
    uow = InMemoryUnitOfWork(InMemoryStore())
    clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
    put_master_data(uow, records)
    handle(uow, ImplementStandardCost(), clock=clock)
    handle(uow, CreateOrder("PO-1", "P", 10, due_date=DUE), clock=clock)
    handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
    with uow:
        order = uow.orders.get("PO-1")
        md = MasterData.snapshot(uow.master_data)
    handle(uow, PostConsumption("C1", (ConsumptionLine("PO-1", 10000, 10000, 20),)), clock=clock)
    by_products = by_product_lines(order, 10000, output, md)
    if by_products:
        handle(uow, PostByProduct("B1", by_products), clock=clock)
    main = OutputLine(
        "PO-1",
        10000,
        "10",
        output_quantity=output,
        run_time=Duration(run_hours, TimeUnit.HOUR),
        finished=True,
    )
    handle(
        uow,
        PostOutput("O1", (main, *co_product_output_lines(order, 10000, output, md))),
        clock=clock,
    )
    handle(uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=clock)
    with uow:
        order = uow.orders.get("PO-1")
    return uow, order, clock


def _bom(records: list[Record]) -> ProductionBom:
    bom = records[4]
    assert isinstance(bom, ProductionBom)
    return bom


# ------------------------------------------------------------------ worked example


def test_worked_example_rollup_shares_the_net_cost_60_40() -> None:
    # lot 10: RAW 20 × 5 = 100, by-product 5 BY credited at 2 = −10, capacity 5 h × 20
    # = 100: 190 for the lot; P 60 % = 114 over 10 = 11.40, CO 40 % = 76 over 10 = 7.60
    rollup = roll_up(_md(_records()))
    p, co = rollup["P"], rollup["CO"]
    assert p.single_level.as_tuple() == (D("5.4"), D(6), 0, 0, 0)
    assert co.single_level.as_tuple() == (D("3.6"), D(4), 0, 0, 0)
    assert rollup.standard_cost("P") == D("11.40000")
    assert rollup.standard_cost("CO") == D("7.60000")
    assert co.produced
    assert rollup.topological_order().index("CO") > rollup.topological_order().index("P")
    assert p.rolled_up.total == D("11.40000") and co.rolled_up.total == D("7.60000")


def test_single_level_cost_applies_the_outputs() -> None:
    md = _md(_records())
    assert single_level_cost("P", md) == roll_up(md)["P"].single_level
    fixed = _md(_records(by_valuation=OutputValuation.FIXED_PRICE, by_price="3"))
    assert single_level_cost("P", fixed).total == D("11.10000")


def test_worked_example_order_runs_exactly_to_standard() -> None:
    uow, order, clock = _run(_records(), output=D(10), run_hours=D(5))
    assert [(line.item_no, line.quantity, line.cost_share_percent) for line in order.lines] == [
        ("P", 10, 60),
        ("CO", 10, 40),
    ]
    with uow:
        cost = actual_cost(order, uow.ledger, uow.master_data)
        wip = uow.ledger.wip("PO-1")
        assert uow.master_data.item("P").standard_cost == D("11.40000")
        assert uow.master_data.item("CO").standard_cost == D("7.60000")
    # material 100 − 10 by-product credit, capacity 100; the output at standard
    # (114 + 76) has already taken all of it off WIP
    assert cost.actual.as_tuple() == (D(90), D(100), 0, 0, 0)
    assert wip == 0
    result = adjust_cost(uow, "PO-1", clock=clock, idempotency_key="ADJ")
    assert result.batch is not None
    entries = [
        (v.order_line_no, v.entry_type.value, v.cost_amount_actual, v.cost_amount_expected)
        for v in result.batch.value_entries
    ]
    assert entries == [
        (10000, "DIRECT_COST", D("114.00"), D("-114.00")),
        (20000, "DIRECT_COST", D("76.00"), D("-76.00")),
    ]  # no variance, no rounding: the standard is the actual cost
    with uow:
        assert uow.ledger.wip("PO-1") == 0
        (loss,) = process_loss(uow.orders.get("PO-1"), uow.master_data)
    assert (loss.expected_loss, loss.actual_loss, loss.excess) == (0, 0, 0)


def test_a_by_product_at_its_standard_joins_the_graph_and_updates_incrementally() -> None:
    md = _md(_records())
    rollup = roll_up(md)
    dearer = attrs.evolve(md, items={**md.items, "BY": Item("BY", base_unit="KG", unit_cost=4)})
    update = rollup.update(dearer, items=["BY"])
    # credit 5 × 4 = 20: 180 for the lot, P 108 / 10, CO 72 / 10
    assert [(c.item_no, c.new) for c in update.changes] == [
        ("BY", 4),
        ("P", D("10.80000")),
        ("CO", D("7.20000")),
    ]
    assert not update.full
    assert list(update.rollup.items()) == list(roll_up(dearer).items())


def test_updating_the_main_item_recomputes_its_co_products() -> None:
    md = _md(_records())
    rollup = roll_up(md)
    raw = Item("RAW", base_unit="KG", unit_cost=6, standard_cost=6)
    dearer = attrs.evolve(md, items={**md.items, "RAW": raw})
    update = rollup.update(dearer, items=["RAW"])
    assert not update.full
    assert update.rollup.standard_cost("CO") == D("8.40000")  # (210 × 40 %) / 10
    assert list(update.rollup.items()) == list(roll_up(dearer).items())
    # the co-product's own fields change its place in the graph: rolled up in full
    co = attrs.evolve(md.items["CO"], overhead_rate=1)
    changed = attrs.evolve(md, items={**md.items, "CO": co})
    update = rollup.update(changed, items=["CO"])
    assert update.full
    # its overhead rate is on its order line, so in the lot's cost: 190 + 10
    assert update.rollup.standard_cost("P") == D("12.00000")
    assert update.rollup.standard_cost("CO") == D("8.00000")


def test_rolling_up_the_main_item_alone_finds_its_co_products() -> None:
    rollup = roll_up(_md(_records()), ["P"])
    assert set(rollup) == {"P", "RAW", "BY", "CO"}
    assert rollup.standard_cost("CO") == D("7.60000")


@pytest.mark.parametrize(
    ("valuation", "price", "standard"),
    [
        (OutputValuation.FIXED_PRICE, "3", D("11.10000")),  # credit 15: 185 × 60 % / 10
        (OutputValuation.ZERO, "0", D("12.00000")),  # no credit: 200 × 60 % / 10
    ],
)
def test_by_product_value_basis(valuation: OutputValuation, price: str, standard: D) -> None:
    rollup = roll_up(_md(_records(by_valuation=valuation, by_price=price)))
    assert rollup.standard_cost("P") == standard
    assert "BY" not in roll_up(_md(_records(by_valuation=valuation, by_price=price)), ["P"])


def test_sales_value_allocation() -> None:
    records = _records()
    bom = attrs.evolve(
        _bom(records),
        cost_allocation=CostAllocation.SALES_VALUE,
        main_price=12,
        outputs=(
            BomOutputLine("CO", 2, price=4),
            BomOutputLine("BY", "0.5", kind=BY),
        ),
    )
    # values per unit of P: P 12, CO 2 × 4 = 8: shares 60 / 40; 190 × 40 % over 20 CO
    assert bom.co_product_shares() == (D("40.00000"),)
    rollup = roll_up(_md([*records[:4], bom, *records[5:]]))
    assert rollup.standard_cost("P") == D("11.40000")
    assert rollup.standard_cost("CO") == D("3.80000")


def test_process_loss_spreads_the_lot_over_the_expected_output() -> None:
    # 20 % loss: 10 put through yield 8 P (and 8 CO, 4 BY); credit 8, 192 for the lot
    rollup = roll_up(_md(_records(loss=20)))
    assert rollup.standard_cost("P") == D("14.40000")  # 192 × 60 % / 8
    assert rollup.standard_cost("CO") == D("9.60000")  # 192 × 40 % / 8
    uow, order, clock = _run(_records(loss=20), output=D(8), run_hours=D(5))
    result = adjust_cost(uow, "PO-1", clock=clock, idempotency_key="ADJ")
    assert result.batch is not None
    assert {v.entry_type.value for v in result.batch.value_entries} == {"DIRECT_COST"}
    with uow:
        assert uow.ledger.wip("PO-1") == 0
    (loss,) = process_loss(order, _md(_records(loss=20)))
    assert (loss.quantity, loss.expected_output, loss.actual_output) == (10, 8, 8)
    assert (loss.expected_loss, loss.actual_loss, loss.excess) == (2, 2, 0)


def test_a_larger_loss_than_planned_shows_as_a_quantity_and_as_variances() -> None:
    uow, order, clock = _run(_records(loss=20), output=D(6), run_hours=D(5))
    (loss,) = process_loss(order, _md(_records(loss=20)))
    assert (loss.expected_loss, loss.actual_loss, loss.excess) == (2, 4, 2)
    result = adjust_cost(uow, "PO-1", clock=clock, idempotency_key="ADJ")
    assert result.batch is not None
    variances = sum(
        (v.cost_amount_actual for v in result.batch.value_entries if v.variance_type), D(0)
    )
    # 6 P and 6 CO at standard: 6 × 14.40 + 6 × 9.60 = 144 of the 194 spent (credit 6)
    assert variances == D(50)
    with uow:
        assert uow.ledger.wip("PO-1") == 0


# ------------------------------------------------------------------ phantoms, refusals


def test_a_phantom_passes_its_by_products_to_the_parent() -> None:
    records = _records()
    sub = ProductionBom(
        "SUB", (BomLine("RAW", 1),), outputs=(BomOutputLine("BY", 1, kind=OutputKind.SCRAP),)
    )
    top = attrs.evolve(
        _bom(records),
        lines=(BomLine("SUB", 2, type=BomLineType.PRODUCTION_BOM),),
        outputs=(BomOutputLine("CO", 1, cost_share_percent=40),),
    )
    md = _md([*records[:4], top, sub, *records[5:]])
    assert [(o.no, o.kind, o.quantity_per) for o in explode_outputs("PB", md)] == [
        ("CO", OutputKind.CO_PRODUCT, 1),
        ("BY", OutputKind.SCRAP, 2),
    ]
    # RAW 2 × 10 × 5 = 100, scrap 2 × 10 × 2 = −40, capacity 100: 160 × 60 % / 10
    assert roll_up(md).standard_cost("P") == D("9.60000")


def test_a_co_product_on_a_phantom_is_refused() -> None:
    records = _records()
    sub = ProductionBom("SUB", (), outputs=(BomOutputLine("CO", 1, cost_share_percent=10),))
    top = attrs.evolve(
        _bom(records),
        lines=(BomLine("SUB", 1, type=BomLineType.PRODUCTION_BOM),),
        outputs=(),
    )
    md = _md([*records[:4], top, sub, *records[5:]])
    with pytest.raises(NotAllowedError, match="co-product's cost share"):
        explode_outputs("PB", md)


def test_a_phantom_cycle_in_outputs_is_refused() -> None:
    a = ProductionBom("A", (BomLine("B", type=BomLineType.PRODUCTION_BOM),))
    b = ProductionBom("B", (BomLine("A", type=BomLineType.PRODUCTION_BOM),))
    with pytest.raises(BomCycleError, match="A -> B -> A"):
        explode_outputs("A", MasterData.of(boms=[a, b]))


def test_a_co_product_yielded_twice_is_refused() -> None:
    records = _records()
    other = Item(
        "Q", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="PB"
    )
    with pytest.raises(NotAllowedError, match="CO as a co-product of"):
        roll_up(_md([*records, other]))
    own = Item("CO", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="PR")
    with pytest.raises(NotAllowedError, match="its own BOM or routing"):
        roll_up(_md([*records[:2], own, *records[3:]]))


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: ProductionBom("B", (), process_loss_percent=100), "process_loss_percent"),
        (
            lambda: ProductionBom(
                "B", (), outputs=(BomOutputLine("X", 1), BomOutputLine("X", 2, kind=BY))
            ),
            "outputs",
        ),
        (
            lambda: ProductionBom(
                "B",
                (),
                outputs=(
                    BomOutputLine("X", 1, cost_share_percent=70),
                    BomOutputLine("Y", 1, cost_share_percent=40),
                ),
            ),
            "cost_share_percent",
        ),
        (
            lambda: ProductionBom(
                "B",
                (),
                outputs=(BomOutputLine("X", 1),),
                cost_allocation=CostAllocation.SALES_VALUE,
            ),
            "main_price",
        ),
        (lambda: BomOutputLine("X", 0), "quantity_per"),
    ],
)
def test_malformed_outputs_are_refused(make: object, field: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        make()  # type: ignore[operator]
    assert info.value.field == field


def test_create_order_from_a_bom_with_co_products_refuses_made_to_order() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
    put_master_data(uow, _records())
    with pytest.raises(InvalidValueError, match="made to order"):
        handle(uow, CreateOrder("PO-1", "P", 10, due_date=DUE, make_to_order=True), clock=clock)
    with uow:
        assert uow.orders.list() == []


def test_co_product_quantities_follow_the_expected_output_and_round() -> None:
    # 20 % loss on 7: 5.6 expected; CO 1 per → 5.6; BY 0.5 per → 2.8
    uow = InMemoryUnitOfWork(InMemoryStore())
    clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
    records = _records(loss=20)
    records[2] = Item("CO", base_unit="PCS", rounding_precision=1)
    put_master_data(uow, records)
    handle(uow, CreateOrder("PO-1", "P", 7, due_date=DUE), clock=clock)
    with uow:
        order = uow.orders.get("PO-1")
        md = MasterData.snapshot(uow.master_data)
    assert [(line.item_no, line.quantity) for line in order.lines] == [("P", 7), ("CO", 6)]
    (by,) = by_product_lines(order, 10000, D("5.6"), md)
    assert (by.item_no, by.quantity, by.unit_cost) == ("BY", D("2.8"), None)
    (co,) = co_product_output_lines(order, 10000, D("5.6"), md)
    assert (co.line_no, co.output_quantity) == (20000, 6)


# ------------------------------------------------------------------ properties


@attrs.frozen
class _Case:
    """A random BOM of the shape of :func:`_records` (integer costs and shares)."""

    co_share: int
    co_per: str
    by_per: str
    by_valuation: OutputValuation
    raw_cost: int
    by_cost: int
    loss: int
    overhead_rate: int

    @property
    def out(self) -> D:
        return D(10) * (1 - D(self.loss) / 100)

    @property
    def credit(self) -> D:
        if self.by_valuation is OutputValuation.ZERO:
            return D(0)
        return D(self.by_per) * self.out * self.by_cost

    def records(self) -> list[Record]:
        return _records(
            **{name: getattr(self, name) for name in attrs.fields_dict(_Case)},
            by_price=str(self.by_cost),
        )


def _cases(
    shares: list[int], co_pers: list[str], losses: list[int], overhead_rates: list[int]
) -> st.SearchStrategy[_Case]:
    return st.builds(
        _Case,
        co_share=st.sampled_from(shares),
        co_per=st.sampled_from(co_pers),
        by_per=st.sampled_from(["0.5", "1", "2"]),
        by_valuation=st.sampled_from(list(OutputValuation)),
        raw_cost=st.integers(1, 50),
        by_cost=st.integers(0, 20),
        loss=st.sampled_from(losses),
        overhead_rate=st.sampled_from(overhead_rates),
    )


@settings(max_examples=40, deadline=None)
@given(_cases([0, 10, 30, 40, 50, 70, 90, 100], ["1", "2", "5", "0.5"], [0, 10, 20, 50], [0, 1, 3]))
def test_rollup_shares_inputs_less_credits_exactly(case: _Case) -> None:
    rollup = roll_up(_md(case.records()))
    out = case.out
    net = 20 * D(case.raw_cost) - case.credit + 100 + case.overhead_rate * out
    unit = D("0.00001")
    parts = {"P": net * (100 - case.co_share) / 100, "CO": net * case.co_share / 100}
    assert sum(parts.values()) == net  # shared exactly
    quantities = {"P": out, "CO": D(case.co_per) * out}
    for no, part in parts.items():
        cost = rollup[no]
        assert cost.single_level.total == rollup.standard_cost(no)
        # each share rounded alone: the standard is the part over the quantity to
        # within half a unit of the precision per share
        assert abs(rollup.standard_cost(no) - part / quantities[no]) <= 5 * unit / 2
        assert abs(cost.rolled_up.total - rollup.standard_cost(no)) <= 5 * unit


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases([0, 10, 40, 50, 90], ["1", "2", "5"], [0, 20, 50], [0]))
def test_an_order_run_to_standard_has_no_variance_and_leaves_no_wip(case: _Case) -> None:
    assume(case.credit < 20 * case.raw_cost + 100)  # a standard cost is not negative
    uow, order, clock = _run(case.records(), output=case.out, run_hours=D(5))
    result = adjust_cost(uow, "PO-1", clock=clock, idempotency_key="ADJ")
    assert result.batch is not None
    assert [v for v in result.batch.value_entries if v.entry_type.value != "DIRECT_COST"] == []
    with uow:
        assert uow.ledger.wip("PO-1") == 0
        cost = actual_cost(uow.orders.get("PO-1"), uow.ledger, uow.master_data)
        standards = {no: uow.master_data.item(no).standard_cost for no in ("P", "CO")}
    outputs = {line.item_no: line.finished_quantity for line in order.lines}
    at_standard = sum((standards[no] * outputs[no] for no in standards), D(0))
    assert at_standard == cost.actual.total


def test_changing_a_bom_s_shares_is_incremental_other_co_products_roll_up_again() -> None:
    md = _md(_records())
    rollup = roll_up(md)
    bom = _bom(_records())
    co, by = bom.outputs
    shares = attrs.evolve(bom, outputs=(attrs.evolve(co, cost_share_percent=50), by))
    update = rollup.update(attrs.evolve(md, boms={"PB": shares}), boms=["PB"])
    assert not update.full
    assert update.rollup.standard_cost("P") == update.rollup.standard_cost("CO") == D("9.5")
    other = attrs.evolve(bom, outputs=(BomOutputLine("RAW2", 1, cost_share_percent=40),))
    raw2 = Item("RAW2", base_unit="KG")
    changed = attrs.evolve(md, items={**md.items, "RAW2": raw2}, boms={"PB": other})
    update = rollup.update(changed, boms=["PB"])
    assert update.full
    assert update.rollup.standard_cost("RAW2") == D("8.00000")  # 200 × 40 % / 10


def test_a_bom_stored_before_outputs_existed_reads_with_no_outputs() -> None:
    stored = {"no": "B", "lines": [{"no": "C", "quantity_per": "2"}]}
    bom = loads(json.dumps(stored), ProductionBom)
    assert (bom.outputs, bom.process_loss_percent, bom.main_share_percent) == ((), 0, 100)
    item = loads(json.dumps({"no": "X", "base_unit": "PCS"}), Item)
    assert item.production_lead_time is None
    lead = Item("X", base_unit="PCS", production_lead_time=LeadTime(weeks=2))
    assert loads(dumps(lead), Item) == lead


def test_a_routing_states_process_loss_too_and_losses_combine() -> None:
    records = _records()
    routing = records[5]
    assert isinstance(routing, Routing)
    lossy = attrs.evolve(routing, process_loss_percent=20)
    md = _md([*records[:5], lossy, *records[6:]])
    # as a BOM loss of 20 %: 8 out of the lot of 10, credit 4 × 2 = 8, 192 for the lot
    assert roll_up(md).standard_cost("P") == roll_up(_md(_records(loss=20))).standard_cost("P")
    both = _md([*_records(loss=50)[:5], lossy, *records[6:]])
    # 10 × 0.5 × 0.8 = 4 out: credit 2 × 2 = 4, 196 for the lot, P 196 × 60 % / 4
    assert roll_up(both).standard_cost("P") == D("29.40000")
    (created,) = decide(
        None, CreateOrder("PO", "P", 10, due_date=DUE), both, dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    )
    assert isinstance(created, OrderCreated)
    assert [(line.item_no, line.quantity) for line in created.order.lines] == [("P", 10), ("CO", 4)]
    (loss,) = process_loss(created.order, both)
    assert (loss.loss_percent, loss.expected_output, loss.expected_loss) == (60, 4, 6)
    with pytest.raises(InvalidValueError, match="below 100"):
        attrs.evolve(routing, process_loss_percent=100)
