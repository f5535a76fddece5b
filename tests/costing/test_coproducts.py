"""Co-products and by-products wired end to end: orders created with co-product lines
share their actual cost by cost shares at adjustment (exact figures on D5), by-products
post as negative consumption crediting WIP, refusals write nothing, and properties
(exact allocation, cost conservation, WIP 0)."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodcore.adapters import open_store
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle
from prodcore.commands import Command
from prodcore.costing import CostShares
from prodcore.costing.actual import LineCost, OrderCost, actual_cost
from prodcore.costing.allocation import (
    CoProduct,
    CoProductPlan,
    allocate_cost,
    allocate_line_costs,
    order_plan,
)
from prodcore.errors import (
    AlreadyReversedError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from prodcore.integrity import verify
from prodcore.ledger import (
    AccountRole,
    ItemEntryType,
    ValueEntryType,
    ValueSource,
    VarianceType,
)
from prodcore.masterdata import CostingMethod, Item
from prodcore.numbers import Duration, Rounding, TimeUnit
from prodcore.orders.execution import (
    BY_PRODUCT,
    ByProductLine,
    ConsumptionLine,
    OutputLine,
    PostByProduct,
    PostConsumption,
    PostOutput,
    ReverseEntry,
)
from prodcore.orders.lifecycle import (
    ChangeOrder,
    ChangeStatus,
    CoProductSpec,
    CreateOrder,
    RefreshOrder,
)
from prodcore.orders.model import OrderLine, OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRecord
from prodcore.scenario import load_scenario, run_scenario
from prodcore.serialization import dumps, loads
from tests.costing.test_actual_cost import Shop as D4Shop
from tests.costing.test_actual_cost import d4_records

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
D = Decimal
CENT = Rounding(D("0.01"))
DUE = dt.date(2026, 3, 9)


def records(
    frame: CostingMethod = CostingMethod.STANDARD,
    bracket: CostingMethod = CostingMethod.AVERAGE,
) -> list[MasterDataRecord]:
    """D4's FRAME (standard 26.62: 100 / 120 / 0 / 24 / 22.20 for 10) and TUBE, a
    co-product BRACKET (unit cost 3; as a standard item 3 of material) and a by-product
    SCRAP (unit cost 2.50)."""
    return [
        *d4_records(frame),
        Item("BRACKET", base_unit="PCS", costing_method=bracket, unit_cost=3, standard_cost=3),
        Item("SCRAP", base_unit="PCS", unit_cost=D("2.50")),
    ]


class Shop(D4Shop):
    """The D4 shop, with co-products, by-products and each line's output values."""

    def create_frame(self, *co: CoProductSpec, order_id: str = "PO-1") -> ProductionOrder:
        return self.create(order_id, "FRAME", 10, due=DUE, co_products=co)

    def run(
        self,
        *co: CoProductSpec,
        co_output: tuple[str, ...] = (),
        by_product: str | None = None,
        consumed: str = "21",
        setup_h: str = "1.5",
        run_h: str = "5",
        output: str = "10",
    ) -> None:
        """D5 (consume, 1.5 h setup + 5 h run, output 10) with co-products, their
        outputs, an optional by-product of SCRAP on the main line; finished."""
        self.create_frame(*co)
        self.release("PO-1")
        self.clock.advance(dt.timedelta(hours=1))
        handle(
            self.uow,
            PostConsumption(self.key(), (ConsumptionLine("PO-1", 10000, 10000, D(consumed)),)),
            clock=self.clock,
        )
        if by_product is not None:
            handle(
                self.uow,
                PostByProduct(self.key(), (ByProductLine("PO-1", 10000, "SCRAP", by_product),)),
                clock=self.clock,
            )
        self.clock.advance(dt.timedelta(hours=1))
        lines = [
            OutputLine(
                "PO-1",
                10000,
                "10",
                output_quantity=D(output),
                setup_time=Duration(D(setup_h), TimeUnit.HOUR),
                run_time=Duration(D(run_h), TimeUnit.HOUR),
                finished=True,
            ),
            *(
                OutputLine("PO-1", 20000 + 10000 * n, None, output_quantity=D(qty))
                for n, qty in enumerate(co_output)
                if D(qty)
            ),
        ]
        handle(self.uow, PostOutput(self.key(), tuple(lines)), clock=self.clock)
        self.clock.advance(dt.timedelta(hours=1))
        handle(self.uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=self.clock)
        self.clock.advance(dt.timedelta(days=1))

    def output_values(self) -> dict[int, Decimal]:
        """Each line's inventory value of its output (DIRECT_COST on output entries)."""
        with self.uow:
            items = {
                e.entry_no: e
                for e in self.uow.ledger.item_entries(order_id="PO-1")
                if e.entry_type is ItemEntryType.OUTPUT
            }
            values = self.uow.ledger.value_entries(order_id="PO-1")
        out: dict[int, Decimal] = {}
        for v in values:
            if v.entry_type is ValueEntryType.DIRECT_COST and v.item_entry_no in items:
                line_no = items[v.item_entry_no].order_line_no
                assert line_no is not None
                out[line_no] = out.get(line_no, D(0)) + v.cost_amount
        return out

    def adjusted(self, entry_type: ValueEntryType) -> dict[int, Decimal]:
        with self.uow:
            values = self.uow.ledger.value_entries(order_id="PO-1")
        out: dict[int, Decimal] = {}
        for v in values:
            if v.entry_type is entry_type and v.source is ValueSource.ITEM:
                assert v.order_line_no is not None
                out[v.order_line_no] = out.get(v.order_line_no, D(0)) + v.cost_amount
        return out


# --- creating orders with co-products -------------------------------------------------


def test_co_products_add_lines_and_the_main_line_takes_the_rest_of_the_shares() -> None:
    shop = Shop(records())
    order = shop.create_frame(CoProductSpec("BRACKET", 20, 30))
    main, bracket = order.lines
    assert (main.line_no, main.item_no, main.cost_share_percent, main.co_product) == (
        10000,
        "FRAME",
        70,
        False,
    )
    assert main.routing_no == "FRAME-RTG"
    assert (bracket.line_no, bracket.item_no, bracket.quantity) == (20000, "BRACKET", 20)
    assert (bracket.cost_share_percent, bracket.co_product) == (30, True)
    assert (bracket.bom_no, bracket.routing_no, bracket.components, bracket.operations) == (
        None,
        None,
        (),
        (),
    )
    plan = order_plan(order)
    assert plan == CoProductPlan(
        (CoProduct("FRAME", 70, quantity=10), CoProduct("BRACKET", 30, quantity=20))
    )
    # an order without co-products has no plan and lines without shares
    plain = shop.create_frame(order_id="PO-2")
    assert order_plan(plain) is None
    assert [line.cost_share_percent for line in plain.lines] == [None]


def test_change_and_refresh_keep_co_products_and_scale_their_quantities() -> None:
    shop = Shop(records())
    shop.create_frame(CoProductSpec("BRACKET", 20, 30))
    handle(shop.uow, ChangeOrder("PO-1", quantity=D(15)), clock=shop.clock)
    order = shop.order()
    assert [(ln.item_no, ln.quantity, ln.cost_share_percent) for ln in order.lines] == [
        ("FRAME", 15, 70),
        ("BRACKET", 30, 30),
    ]
    handle(shop.uow, RefreshOrder("PO-1"), clock=shop.clock)
    assert shop.order().lines == order.lines


@pytest.mark.parametrize(
    ("co", "field"),
    [
        ((CoProductSpec("BRACKET", 20, 60), CoProductSpec("SCRAP", 5, 41)), "cost_share_percent"),
        ((CoProductSpec("BRACKET", 20, 30), CoProductSpec("BRACKET", 5, 10)), "co_products"),
        ((CoProductSpec("FRAME", 20, 30),), "co_products"),
    ],
)
def test_bad_shares_are_refused_and_nothing_is_written(
    co: tuple[CoProductSpec, ...], field: str
) -> None:
    shop = Shop(records())
    before = shop.snapshot()
    with pytest.raises(InvalidValueError) as err:
        handle(
            shop.uow,
            CreateOrder("PO-1", "FRAME", 10, due_date=DUE, co_products=co),
            clock=shop.clock,
        )
    assert err.value.fields["field"] == field
    assert shop.snapshot() == before


def test_negative_or_over_100_shares_and_unknown_items_are_refused() -> None:
    with pytest.raises(InvalidValueError) as err:
        CoProductSpec("BRACKET", 20, -1)
    assert err.value.fields["field"] == "cost_share_percent"
    with pytest.raises(InvalidValueError):
        CoProductSpec("BRACKET", 20, 101)
    with pytest.raises(InvalidValueError):
        CoProductSpec("BRACKET", -2, 10)
    shop = Shop(records())
    before = shop.snapshot()
    with pytest.raises(NotFoundError):
        shop.create_frame(CoProductSpec("NOPE", 1, 10))
    with pytest.raises(InvalidValueError):
        handle(
            shop.uow,
            CreateOrder(
                "PO-1",
                "FRAME",
                10,
                due_date=DUE,
                make_to_order=True,
                co_products=(CoProductSpec("BRACKET", 20, 30),),
            ),
            clock=shop.clock,
        )
    assert shop.snapshot() == before


# --- co-products at cost adjustment: D5 shared 70 / 30 --------------------------------


def test_two_co_products_share_the_actual_cost_exactly_standard_main() -> None:
    """D5's 284.05 (105 / 130 / 0 / 26 / 23.05) shared 70 / 30, each share rounded, the
    rest to the largest share (FRAME): manufacturing overhead 16.135 + 6.915 rounds to
    16.14 + 6.92 = 23.06, so FRAME takes 16.13."""
    shop = Shop(records())
    shop.run(CoProductSpec("BRACKET", 20, 30), co_output=("20",))
    with shop.uow:
        order = shop.uow.orders.get("PO-1")
        cost = actual_cost(order, shop.uow.ledger, shop.uow.master_data)
    assert cost.total == D("284.05")
    plan = order_plan(order)
    assert plan is not None
    shared = allocate_line_costs(cost, plan, CENT)
    assert [line.actual for line in shared.lines] == [
        CostShares("73.50", "91.00", "0", "18.20", "16.13"),
        CostShares("31.50", "39.00", "0", "7.80", "6.92"),
    ]
    assert [line.total for line in shared.lines] == [D("198.83"), D("85.22")]

    result = shop.adjust()
    assert result.batch is not None
    # FRAME (standard) keeps 26.62 × 10; its variances are its part less its standard
    # (100 / 120 / 0 / 24 / 22.20)
    variances = {
        (v.order_line_no, v.variance_type): v.cost_amount
        for v in result.batch.value_entries
        if v.entry_type is ValueEntryType.VARIANCE
    }
    assert variances == {
        (10000, VarianceType.MATERIAL): D("-26.50"),
        (10000, VarianceType.CAPACITY): D("-29.00"),
        (10000, VarianceType.CAPACITY_OVERHEAD): D("-5.80"),
        (10000, VarianceType.MANUFACTURING_OVERHEAD): D("-6.07"),
    }
    assert sum(variances.values()) == D("198.83") - D("266.20")
    # BRACKET (average) takes its part: 85.22 for 20 (posted expected at 3: 60.00)
    assert shop.output_values() == {10000: D("266.20"), 20000: D("85.22")}
    assert shop.adjusted(ValueEntryType.INDIRECT_COST) == {10000: D("16.13"), 20000: D("6.92")}
    assert shop.adjusted(ValueEntryType.ROUNDING) == {}
    assert shop.wip() == 0
    accounts = shop.store.ledger.accounts
    setup = shop.store.posting_setup
    assert accounts[setup.inventory_interim] == 0
    assert accounts[setup.variance] == D("-67.37")
    assert accounts[setup.overhead_applied] == -(D(26) + D("23.05"))
    # adjusting again posts nothing
    assert shop.adjust().batch is None


def test_co_products_at_average_take_their_parts() -> None:
    shop = Shop(records(frame=CostingMethod.AVERAGE))
    shop.run(CoProductSpec("BRACKET", 20, 30), co_output=("20",))
    shop.adjust()
    assert shop.output_values() == {10000: D("198.83"), 20000: D("85.22")}
    assert shop.adjusted(ValueEntryType.VARIANCE) == {}
    assert shop.wip() == 0


def test_standard_co_product_keeps_standard_and_takes_its_variances() -> None:
    """BRACKET at standard 3 (all material): 20 × 3 = 60.00 stays; its variances are its
    part (31.50 / 39.00 / 0 / 7.80 / 6.92) less 60.00 of material."""
    shop = Shop(records(bracket=CostingMethod.STANDARD))
    shop.run(CoProductSpec("BRACKET", 20, 30), co_output=("20",))
    shop.adjust()
    assert shop.output_values() == {10000: D("266.20"), 20000: D("60.00")}
    with shop.uow:
        values = shop.uow.ledger.value_entries(order_id="PO-1")
    bracket = {
        v.variance_type: v.cost_amount
        for v in values
        if v.entry_type is ValueEntryType.VARIANCE and v.order_line_no == 20000
    }
    assert bracket == {
        VarianceType.MATERIAL: D("-28.50"),
        VarianceType.CAPACITY: D("39.00"),
        VarianceType.CAPACITY_OVERHEAD: D("7.80"),
        VarianceType.MANUFACTURING_OVERHEAD: D("6.92"),
    }
    assert shop.wip() == 0


def test_a_line_without_output_takes_its_part_as_variances() -> None:
    """FRAME (standard) posts no output, BRACKET does: finishing writes nothing off (the
    cost is shared). Without FRAME's output its overhead is 261 × 5 % = 13.05, total
    274.05; 70 / 30: 73.50 + 91 + 18.20 + 9.13 (9.135 + 3.915 round to 13.06) = 191.83
    for FRAME, as variances on no item entry; BRACKET's output takes 82.22."""
    shop = Shop(records())
    shop.run(CoProductSpec("BRACKET", 20, 30), co_output=("20",), output="0")
    assert shop.output_values() == {20000: D("60.00")}  # expected, at unit cost 3
    with shop.uow:
        values = shop.uow.ledger.value_entries(order_id="PO-1")
    assert not [v for v in values if v.entry_type is ValueEntryType.WIP_WRITE_OFF]
    shop.adjust()
    assert shop.output_values() == {20000: D("82.22")}
    assert shop.adjusted(ValueEntryType.VARIANCE) == {10000: D("191.83")}
    assert shop.adjusted(ValueEntryType.INDIRECT_COST) == {10000: D("9.13"), 20000: D("3.92")}
    assert shop.wip() == 0


def test_co_products_and_by_products_through_a_sqlite_store() -> None:
    with open_store("sqlite:///:memory:") as store:
        shop = Shop(records(frame=CostingMethod.AVERAGE), store())
        shop.run(CoProductSpec("BRACKET", 20, 30), co_output=("20",), by_product="4")
        order = shop.order()
        assert [(ln.cost_share_percent, ln.co_product) for ln in order.lines] == [
            (70, False),
            (30, True),
        ]
        assert shop.adjust().batch is not None
        assert shop.wip() == 0
        assert shop.output_values() == {10000: D("191.48"), 20000: D("82.07")}
        assert shop.adjust().batch is None
        report = verify(store)
        assert report.ok, str(report)


# --- by-products -------------------------------------------------------------------------


def test_by_product_credits_wip_and_lowers_the_main_cost() -> None:
    """4 SCRAP at 2.50 = 10.00 back into inventory: material 105 − 10 = 95, overhead
    (95 + 130 + 26) × 5 % + 10 = 22.55, total 273.55 instead of 284.05."""
    shop = Shop(records(frame=CostingMethod.AVERAGE))
    shop.run(by_product="4")
    with shop.uow:
        entries = shop.uow.ledger.item_entries(order_id="PO-1")
        (scrap,) = [e for e in entries if e.item_no == "SCRAP"]
        (value,) = shop.uow.ledger.value_entries(
            source=ValueSource.ITEM, source_entry_no=scrap.entry_no
        )
        gl = [
            (g.role, g.amount)
            for g in shop.uow.ledger.gl_entries(order_id="PO-1")
            if g.value_entry_no == value.entry_no
        ]
        order = shop.uow.orders.get("PO-1")
        cost = actual_cost(order, shop.uow.ledger, shop.uow.master_data)
    assert (scrap.entry_type, scrap.quantity, scrap.component_line_no, scrap.reason) == (
        ItemEntryType.CONSUMPTION,
        4,
        None,
        BY_PRODUCT,
    )
    assert (value.entry_type, value.cost_amount) == (ValueEntryType.DIRECT_COST, D("10.00"))
    assert gl == [(AccountRole.INVENTORY, D("10.00")), (AccountRole.WIP, D("-10.00"))]
    assert cost.actual == CostShares("95.00", "130.00", "0", "26.00", "22.55")
    assert cost.total == D("273.55")
    shop.adjust()
    assert shop.output_values() == {10000: D("273.55")}
    assert shop.wip() == 0


def test_by_product_with_standard_main_lowers_the_material_variance() -> None:
    shop = Shop(records())
    shop.run(by_product="4")
    result = shop.adjust()
    assert result.batch is not None
    variances = {
        v.variance_type: v.cost_amount
        for v in result.batch.value_entries
        if v.entry_type is ValueEntryType.VARIANCE
    }
    assert variances == {
        VarianceType.MATERIAL: D("-5.00"),
        VarianceType.CAPACITY: D("10.00"),
        VarianceType.CAPACITY_OVERHEAD: D("2.00"),
        VarianceType.MANUFACTURING_OVERHEAD: D("0.35"),
    }
    assert shop.wip() == 0


def test_by_product_and_co_products_together() -> None:
    """273.55 (95 / 130 / 0 / 26 / 22.55) shared 70 / 30: 66.50 / 91 / 18.20 / 15.79 →
    the overhead 15.785 + 6.765 rounds to 15.79 + 6.77 = 22.56, FRAME takes 15.78."""
    shop = Shop(records(frame=CostingMethod.AVERAGE))
    shop.run(CoProductSpec("BRACKET", 20, 30), co_output=("20",), by_product="4")
    shop.adjust()
    assert shop.output_values() == {10000: D("191.48"), 20000: D("82.07")}
    assert sum(shop.output_values().values()) == D("273.55")
    assert shop.wip() == 0


def test_by_product_refusals_and_reversal() -> None:
    with pytest.raises(InvalidValueError):
        ByProductLine("PO-1", 10000, "SCRAP", 0)
    with pytest.raises(InvalidValueError):
        ByProductLine("PO-1", 10000, "SCRAP", -1)
    shop = Shop(records())
    shop.create_frame()
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError):  # not released
        handle(
            shop.uow,
            PostByProduct("B1", (ByProductLine("PO-1", 10000, "SCRAP", 4),)),
            clock=shop.clock,
        )
    handle(shop.uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=shop.clock)
    before = shop.snapshot()
    with pytest.raises(NotFoundError):
        handle(
            shop.uow,
            PostByProduct("B1", (ByProductLine("PO-1", 90000, "SCRAP", 4),)),
            clock=shop.clock,
        )
    assert shop.snapshot() == before
    result = handle(
        shop.uow,
        PostByProduct("B1", (ByProductLine("PO-1", 10000, "SCRAP", 4, unit_cost=3),)),
        clock=shop.clock,
    )
    assert result.batch is not None
    (entry,) = result.batch.item_entries
    assert shop.order().has_postings
    assert shop.wip() == D("-12.00")
    # reversal takes it back (no component counter moves)
    handle(shop.uow, ReverseEntry("R1", ValueSource.ITEM, entry.entry_no), clock=shop.clock)
    assert shop.wip() == 0
    with pytest.raises(AlreadyReversedError):
        handle(
            shop.uow,
            ReverseEntry("R2", ValueSource.ITEM, entry.entry_no, quantity=1),
            clock=shop.clock,
        )


# --- scenario files ------------------------------------------------------------------------


def test_commands_round_trip_and_old_json_still_loads() -> None:
    create = CreateOrder(
        "PO-1", "FRAME", 10, due_date=DUE, co_products=(CoProductSpec("BRACKET", 20, 30),)
    )
    by_product = PostByProduct("B1", (ByProductLine("PO-1", 10000, "SCRAP", 4),))
    for command in (create, by_product):
        assert loads(dumps(command), Command) == command
    raw = json.loads(dumps(OrderLine(10000, "FRAME", 10)))
    del raw["cost_share_percent"], raw["co_product"]
    assert loads(raw, OrderLine) == OrderLine(10000, "FRAME", 10)


def test_a_scenario_file_runs_co_products_and_by_products() -> None:
    recs = [json.loads(dumps(r, None)) for r in records(frame=CostingMethod.AVERAGE)]
    for r, rec in zip(recs, records(frame=CostingMethod.AVERAGE), strict=True):
        r["type"] = type(rec).__name__
    steps = [
        {"type": "CreateOrder", "order_id": "PO-1", "item_no": "FRAME", "quantity": "10",
         "due_date": "2026-03-09",
         "co_products": [{"item_no": "BRACKET", "quantity": "20", "cost_share_percent": "30"}]},
        {"type": "ChangeStatus", "order_id": "PO-1", "to_status": "RELEASED"},
        {"type": "PostConsumption", "idempotency_key": "c", "lines": [
            {"order_id": "PO-1", "line_no": 10000, "component_line_no": 10000, "quantity": "21"}]},
        {"type": "PostByProduct", "idempotency_key": "b", "lines": [
            {"order_id": "PO-1", "line_no": 10000, "item_no": "SCRAP", "quantity": "4"}]},
        {"type": "PostOutput", "idempotency_key": "o", "lines": [
            {"order_id": "PO-1", "line_no": 10000, "operation_no": "10", "output_quantity": "10",
             "setup_time": {"amount": "1.5", "unit": "HOUR"},
             "run_time": {"amount": "5", "unit": "HOUR"}, "finished": True},
            {"order_id": "PO-1", "line_no": 20000, "output_quantity": "20"}]},
        {"type": "ChangeStatus", "order_id": "PO-1", "to_status": "FINISHED"},
        {"type": "AdjustCost", "idempotency_key": "a", "order_id": "PO-1"},
    ]  # fmt: skip
    text = json.dumps({"start": "2026-03-02T08:00:00+00:00", "master_data": recs, "steps": steps})
    store = InMemoryStore()
    run_scenario(load_scenario(text), lambda: InMemoryUnitOfWork(store))
    assert store.ledger.wip_by_order.get("PO-1", D(0)) == 0
    with InMemoryUnitOfWork(store) as uow:
        order = uow.orders.get("PO-1")
        values = uow.ledger.value_entries(order_id="PO-1")
        outputs = {
            e.entry_no: e.order_line_no
            for e in uow.ledger.item_entries(order_id="PO-1")
            if e.entry_type is ItemEntryType.OUTPUT
        }
    assert [line.item_no for line in order.lines] == ["FRAME", "BRACKET"]
    by_line: dict[int | None, Decimal] = {}
    for v in values:
        if v.entry_type is ValueEntryType.DIRECT_COST and v.item_entry_no in outputs:
            line_no = outputs[v.item_entry_no]
            by_line[line_no] = by_line.get(line_no, D(0)) + v.cost_amount
    assert by_line == {10000: D("191.48"), 20000: D("82.07")}


# --- properties ------------------------------------------------------------------------------


@st.composite
def share_lists(draw: st.DrawFn, max_products: int = 5) -> list[Decimal]:
    """Shares (two decimals) that add up to 100."""
    n = draw(st.integers(1, max_products))
    cuts = sorted(draw(st.lists(st.integers(0, 10000), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 10000]
    return [D(b - a) / 100 for a, b in itertools.pairwise(bounds)]


@given(
    total=st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False),
    shares=share_lists(),
)
def test_allocations_add_up_exactly(total: Decimal, shares: list[Decimal]) -> None:
    plan = CoProductPlan(tuple(CoProduct(f"P{i}", s) for i, s in enumerate(shares)))
    parts = allocate_cost(total, plan, CENT)
    assert sum((p.amount for p in parts), D(0)) == total
    for p in parts:
        assert p.amount == CENT.apply(p.amount)
        # each part is within a cent per product of its exact share
        assert abs(p.amount - total * p.cost_share_percent / 100) <= D("0.01") * len(shares)


money = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)


@given(
    lines=st.lists(st.tuples(money, money, money, money, money), min_size=1, max_size=3),
    shares=share_lists(),
)
def test_line_cost_allocation_adds_up_share_by_share(
    lines: list[tuple[Decimal, ...]], shares: list[Decimal]
) -> None:
    cost = OrderCost(
        "PO",
        True,
        tuple(
            LineCost(10000 * (n + 1), f"L{n}", 1, CostShares(*amounts))
            for n, amounts in enumerate(lines)
        ),
    )
    # one product per line: pad or cut the lines to the plan
    plan = CoProductPlan(tuple(CoProduct(f"P{i}", s) for i, s in enumerate(shares)))
    padded = tuple(
        cost.lines[i]
        if i < len(cost.lines)
        else LineCost(10000 * (i + 1), f"X{i}", 0, CostShares())
        for i in range(len(shares))
    )
    cost = OrderCost("PO", True, padded)
    shared = allocate_line_costs(cost, plan, CENT)
    assert shared.actual == cost.actual
    assert shared.total == cost.total
    assert [ln.line_no for ln in shared.lines] == [ln.line_no for ln in cost.lines]


methods = st.sampled_from([CostingMethod.STANDARD, CostingMethod.AVERAGE])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=methods,
    bracket=methods,
    shares=st.lists(st.integers(0, 50), min_size=1, max_size=2),
    co_qty=st.lists(st.integers(0, 30), min_size=2, max_size=2),
    consumed=st.integers(1, 40),
    setup_h=st.decimals(min_value=0, max_value=5, places=2),
    run_h=st.decimals(min_value=0, max_value=9, places=2),
    output=st.integers(1, 12),
    by_product=st.one_of(st.none(), st.integers(1, 9)),
)
def test_cost_is_conserved_with_co_products_and_wip_clears(
    frame: CostingMethod,
    bracket: CostingMethod,
    shares: list[int],
    co_qty: list[int],
    consumed: int,
    setup_h: Decimal,
    run_h: Decimal,
    output: int,
    by_product: int | None,
) -> None:
    """Σ output values + variances + rounding = the order's actual cost; WIP 0; each
    non-standard line's output is its allocated part."""
    recs = [*records(frame, bracket), Item("SHIM", base_unit="PCS", unit_cost=1)]
    shop = Shop(recs)
    items = ["BRACKET", "SHIM"]
    co = tuple(CoProductSpec(items[i], co_qty[i], s) for i, s in enumerate(shares))
    shop.run(
        *co,
        co_output=tuple(str(co_qty[i]) for i in range(len(shares))),
        by_product=None if by_product is None else str(by_product),
        consumed=str(consumed),
        setup_h=str(setup_h),
        run_h=str(run_h),
        output=str(output),
    )
    with shop.uow:
        order = shop.uow.orders.get("PO-1")
        cost = actual_cost(order, shop.uow.ledger, shop.uow.master_data)
        md = shop.uow.master_data
        plan = order_plan(order)
        assert plan is not None
        shared = allocate_line_costs(cost, plan, md.setup.amount_rounding)
        methods_of = {ln.line_no: md.item(ln.item_no).costing_method for ln in order.lines}
    assert shared.total == cost.total
    for name in ("material", "capacity", "capacity_overhead", "manufacturing_overhead"):
        assert sum((getattr(ln.actual, name) for ln in shared.lines), D(0)) == getattr(
            cost.actual, name
        )
    shop.adjust()
    assert shop.wip() == 0
    values = shop.output_values()
    variances = shop.adjusted(ValueEntryType.VARIANCE)
    rounding = shop.adjusted(ValueEntryType.ROUNDING)
    assert sum(values.values()) + sum(variances.values()) + sum(rounding.values()) == cost.total
    for line in shared.lines:
        if methods_of[line.line_no] is not CostingMethod.STANDARD and line.output_quantity:
            assert values[line.line_no] == line.total
    assert shop.adjust().batch is None
