"""Actual cost and cost adjustment of finished orders: D5 exactly, E11's expected → actual
mechanics, refusals, idempotency, WIP at a date."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from prodcore.adapters import open_store
from prodcore.adapters.memory import InMemoryUnitOfWork
from prodcore.app import adjust_cost, calculate_subcontract_requests, handle
from prodcore.costing import CostShares, roll_up
from prodcore.costing.actual import WipBreakdown, actual_cost, wip_at, wip_breakdown_at
from prodcore.costing.adjustment import allocate_by_quantity
from prodcore.errors import (
    ConcurrencyError,
    IdempotencyConflictError,
    InvalidTransitionError,
    NotFoundError,
)
from prodcore.integrity import verify
from prodcore.ledger import (
    AccountRole,
    PostingResult,
    ValueEntryType,
    ValueSource,
    VarianceType,
)
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    CostingMethod,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, Rounding, TimeUnit
from prodcore.orders.execution import ConsumptionLine, OutputLine, PostConsumption, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.orders.subcontracting import ReceiveSubcontractedWork, RegisterSubcontractRequests
from prodcore.ports import MasterDataRecord, UnitOfWork
from prodcore.testing.shop import Shop as HarnessShop
from prodcore.testing.shop import master_data_of

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
D = Decimal


def d4_records(
    costing: CostingMethod = CostingMethod.STANDARD, subcontractor: str | None = None
) -> list[MasterDataRecord]:
    """D4: lot 10, setup 1 h + run 0.5 h/unit on WC (20/h, 10 %, 2), 2 × TUBE @ 5, 5 %, 1."""
    return [
        Item(
            "FRAME",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            costing_method=costing,
            lot_size=10,
            indirect_cost_percent=5,
            overhead_rate=1,
            standard_cost=D("26.62"),
            unit_cost=D("26.62"),
            production_bom_no="FRAME-BOM",
            routing_no="FRAME-RTG",
        ),
        Item("TUBE", base_unit="PCS", unit_cost=5),
        ProductionBom("FRAME-BOM", (BomLine("TUBE", 2),)),
        Routing(
            "FRAME-RTG",
            (
                RoutingLine(
                    "10",
                    CapacityType.WORK_CENTER,
                    "WELD",
                    setup_time=Duration(1, TimeUnit.HOUR),
                    run_time=Duration("0.5", TimeUnit.HOUR),
                ),
            ),
        ),
        WorkCenter(
            "WELD",
            capacity_unit=TimeUnit.HOUR,
            direct_unit_cost=20,
            indirect_cost_percent=10,
            overhead_rate=2,
            subcontractor_no=subcontractor,
        ),
    ]


def variances_of(result: PostingResult) -> dict[VarianceType | None, Decimal]:
    """The actual cost of each variance an adjustment posted, by variance type."""
    assert result.batch is not None
    return {
        v.variance_type: v.cost_amount_actual
        for v in result.batch.value_entries
        if v.entry_type is ValueEntryType.VARIANCE
    }


class Shop(HarnessShop):
    """The harness's shop on the D4 records, with the D5 run and cost adjustment."""

    def __init__(self, records: list[MasterDataRecord], uow: UnitOfWork | None = None) -> None:
        super().__init__(records, setup=ManufacturingSetup(), uow=uow, at=T0)

    def run_d5(
        self, order_id: str = "PO-1", consumed: str = "21", setup_h: str = "1.5", run_h: str = "5"
    ) -> None:
        """Create, release, consume, post output with times, finish (no adjustment)."""
        self.create(order_id, "FRAME", 10)
        self.release(order_id)
        self.clock.advance(dt.timedelta(hours=1))
        handle(
            self.uow,
            PostConsumption(self.key(), (ConsumptionLine(order_id, 10000, 10000, D(consumed)),)),
            clock=self.clock,
        )
        self.clock.advance(dt.timedelta(hours=1))
        handle(
            self.uow,
            PostOutput(
                self.key(),
                (
                    OutputLine(
                        order_id,
                        10000,
                        "10",
                        output_quantity=10,
                        setup_time=Duration(D(setup_h), TimeUnit.HOUR),
                        run_time=Duration(D(run_h), TimeUnit.HOUR),
                        finished=True,
                    ),
                ),
            ),
            clock=self.clock,
        )
        self.clock.advance(dt.timedelta(hours=1))
        handle(self.uow, ChangeStatus(order_id, OrderStatus.FINISHED), clock=self.clock)
        self.clock.advance(dt.timedelta(days=1))

    def adjust(self, order_id: str = "PO-1", key: str | None = None) -> PostingResult:
        return adjust_cost(self.uow, order_id, clock=self.clock, idempotency_key=key or self.key())

    def wip(self, order_id: str = "PO-1") -> Decimal:
        with self.uow:
            return self.uow.ledger.wip(order_id)


def test_d5_actual_cost_and_variances_exactly() -> None:
    shop = Shop(d4_records())
    shop.run_d5()
    with shop.uow:
        order = shop.uow.orders.get("PO-1")
        cost = actual_cost(order, shop.uow.ledger, shop.uow.master_data)
    assert cost.final
    assert cost.actual == CostShares("105", "130", "0", "26", "23.05")
    assert cost.total == D("284.05")
    assert shop.wip() == 105 + 130 + 26 - D("266.20")  # output posted at standard (expected)

    result = shop.adjust()
    assert result.batch is not None
    variances = variances_of(result)
    assert variances == {
        VarianceType.MATERIAL: D("5.00"),
        VarianceType.CAPACITY: D("10.00"),
        VarianceType.CAPACITY_OVERHEAD: D("2.00"),
        VarianceType.MANUFACTURING_OVERHEAD: D("0.85"),
    }
    assert sum(variances.values()) == D("17.85")
    (overhead,) = [
        v for v in result.batch.value_entries if v.entry_type is ValueEntryType.INDIRECT_COST
    ]
    assert overhead.cost_amount_actual == D("23.05")
    # expected -> actual on the output (E11's mechanism): actual +266.20, expected -266.20
    (conversion,) = [
        v for v in result.batch.value_entries if v.entry_type is ValueEntryType.DIRECT_COST
    ]
    assert (conversion.cost_amount_actual, conversion.cost_amount_expected) == (
        D("266.20"),
        D("-266.20"),
    )
    assert not [v for v in result.batch.value_entries if v.entry_type is ValueEntryType.ROUNDING]
    conversion_lines = [
        (g.role, g.amount)
        for g in result.batch.gl_entries
        if g.value_entry_no == conversion.entry_no
    ]
    assert conversion_lines == [
        (AccountRole.INVENTORY, D("266.20")),
        (AccountRole.WIP, D("-266.20")),
        (AccountRole.INVENTORY_INTERIM, D("-266.20")),
        (AccountRole.WIP, D("266.20")),
    ]
    assert shop.wip() == 0
    setup = shop.store.posting_setup
    accounts = shop.store.ledger.accounts
    assert accounts[setup.inventory_interim] == 0
    assert accounts[setup.variance] == D("17.85")
    assert accounts[setup.overhead_applied] == -(D(26) + D("23.05"))
    with shop.uow:
        outputs = [e for e in shop.uow.ledger.item_entries(order_id="PO-1") if e.quantity > 0]
        (output,) = outputs
        on_output = shop.uow.ledger.value_entries(
            source=ValueSource.ITEM, source_entry_no=output.entry_no
        )
    output_value = sum(
        (v.cost_amount for v in on_output if v.entry_type is ValueEntryType.DIRECT_COST), D(0)
    )
    assert output_value == D("266.20")  # the output stays at standard


def test_variance_entries_go_to_their_variance_accounts() -> None:
    shop = Shop(d4_records())
    with shop.uow:
        shop.uow.ledger.put_posting_setup(
            attrs.evolve(
                shop.uow.ledger.posting_setup,
                variance_accounts=(("MATERIAL", "7801"), ("CAPACITY", "7802")),
            )
        )
        shop.uow.commit()
    shop.run_d5()
    shop.adjust()
    accounts = shop.store.ledger.accounts
    assert accounts["7801"] == D("5.00")
    assert accounts["7802"] == D("10.00")
    assert accounts["7893"] == D("2.85")  # the rest on the general variance account


def test_subcontracted_capacity_is_its_own_share() -> None:
    shop = Shop(d4_records(subcontractor="V-100"))
    shop.run_d5()
    with shop.uow:
        cost = actual_cost(shop.uow.orders.get("PO-1"), shop.uow.ledger, shop.uow.master_data)
    assert cost.actual == CostShares("105", "0", "130", "26", "23.05")
    result = shop.adjust()
    assert result.batch is not None
    # the standard (rolled up from the routing) is subcontracted too: 120 vs 130
    subcontracted = [
        v.cost_amount_actual
        for v in result.batch.value_entries
        if v.variance_type is VarianceType.SUBCONTRACTED
    ]
    assert subcontracted == [D("10.00")]
    assert shop.wip() == 0


def test_average_cost_item_takes_actual_cost() -> None:
    shop = Shop(d4_records(CostingMethod.AVERAGE))
    shop.run_d5()
    result = shop.adjust()
    assert result.batch is not None
    assert not [v for v in result.batch.value_entries if v.entry_type is ValueEntryType.VARIANCE]
    (conversion,) = [
        v for v in result.batch.value_entries if v.entry_type is ValueEntryType.DIRECT_COST
    ]
    # the output was expected at the unit cost 26.62; its actual is the order's 284.05
    assert (conversion.cost_amount_actual, conversion.cost_amount_expected) == (
        D("284.05"),
        D("-266.20"),
    )
    assert shop.wip() == 0
    setup = shop.store.posting_setup
    assert shop.store.ledger.accounts[setup.inventory] == D("284.05") - D("105")


def test_adjusting_twice_posts_nothing_new_and_the_same_key_returns_the_first_result() -> None:
    shop = Shop(d4_records())
    shop.run_d5()
    first = shop.adjust(key="ADJ-1")
    before = shop.snapshot()
    again = shop.adjust(key="ADJ-1")
    assert again == first
    assert shop.snapshot() == before
    other = shop.adjust(key="ADJ-2")
    assert other.batch is None
    assert shop.store.counters == before[1]
    assert shop.wip() == 0


def test_reusing_a_key_for_another_order_is_a_conflict() -> None:
    shop = Shop(d4_records())
    shop.run_d5("PO-1")
    shop.run_d5("PO-2")
    shop.adjust("PO-1", key="ADJ")
    before = shop.snapshot()
    with pytest.raises(IdempotencyConflictError):
        shop.adjust("PO-2", key="ADJ")
    assert shop.snapshot() == before


def test_adjusting_an_unfinished_order_is_refused_and_writes_nothing() -> None:
    shop = Shop(d4_records())
    shop.create("PO-1", "FRAME", 10)
    shop.release("PO-1")
    handle(
        shop.uow,
        PostConsumption("C1", (ConsumptionLine("PO-1", 10000, 10000, D(21)),)),
        clock=shop.clock,
    )
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError) as err:
        shop.adjust(key="ADJ-1")
    assert err.value.fields["status"] == "RELEASED"
    assert shop.snapshot() == before
    # while the order runs its cost is the expected actual cost
    with shop.uow:
        cost = actual_cost(shop.uow.orders.get("PO-1"), shop.uow.ledger, shop.uow.master_data)
    assert not cost.final
    assert cost.actual.material == 105


def test_wip_at_a_date_follows_the_postings() -> None:
    shop = Shop(d4_records())
    shop.run_d5()
    finished_at = shop.clock.now()
    shop.adjust()
    with shop.uow:
        ledger = shop.uow.ledger
        assert wip_at(ledger, "PO-1", T0) == 0
        assert wip_at(ledger, "PO-1", T0 + dt.timedelta(hours=1)) == 105
        assert wip_at(ledger, "PO-1", T0 + dt.timedelta(hours=2)) == D("-5.20")  # 105+156-266.2
        assert wip_at(ledger, "PO-1", finished_at - dt.timedelta(seconds=1)) == D("-5.20")
        assert wip_at(ledger, "PO-1", shop.clock.now()) == 0
        assert wip_at(ledger, "PO-1", T0.date()) == D("-5.20")
        assert wip_at(ledger, "PO-1", shop.clock.now().date()) == 0
        roles = {g.role for g in ledger.gl_entries(order_id="PO-1")}
        running = wip_breakdown_at(ledger, "PO-1", finished_at - dt.timedelta(seconds=1))
        assert running == WipBreakdown(material=105, capacity=130, overhead=26, output=D("-266.20"))
        done = wip_breakdown_at(ledger, "PO-1", shop.clock.now())
        assert done == WipBreakdown(
            material=105,
            capacity=130,
            overhead=D("49.05"),
            output=D("-266.20"),
            variance=D("-17.85"),
        )
        assert done.total == 0 and running.total == D("-5.20")
    assert AccountRole.WIP in roles


def test_allocate_by_quantity_adds_up() -> None:
    parts = allocate_by_quantity(D("100.00"), [D(1), D(2), D(-1), D(1)], Rounding(D("0.01")))
    assert sum(parts) == D("100.00")
    assert parts == (D("33.33"), D("66.67"), D("-33.33"), D("33.33"))


def test_adjustment_through_a_sqlite_store() -> None:
    with open_store("sqlite:///:memory:") as store:
        shop = Shop(d4_records(), store())
        shop.run_d5()
        first = shop.adjust(key="ADJ")
        assert first.batch is not None
        assert shop.wip() == 0
        assert shop.adjust(key="ADJ") == first  # the stored result, read back
        assert shop.adjust(key="ADJ-2").batch is None
        with shop.uow:
            variance = sum(
                (
                    v.cost_amount
                    for v in shop.uow.ledger.value_entries(order_id="PO-1")
                    if v.entry_type is ValueEntryType.VARIANCE
                ),
                D(0),
            )
        assert variance == D("17.85")
        report = verify(store)
        assert report.ok, str(report)


def test_make_to_order_lines_are_costed_and_adjusted_one_by_one() -> None:
    records: list[MasterDataRecord] = [r for r in d4_records() if not isinstance(r, ProductionBom)]
    records += [
        ProductionBom("FRAME-BOM", (BomLine("TUBE", 2), BomLine("SUB", 1))),
        ProductionBom("SUB-BOM", (BomLine("TUBE", 1),)),
        Item(
            "SUB",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="SUB-BOM",
            routing_no="FRAME-RTG",
        ),
    ]
    md = master_data_of(records)
    rollup = roll_up(md)
    records = [
        attrs.evolve(r, standard_cost=rollup.standard_cost(r.no))
        if isinstance(r, Item) and r.no in ("SUB", "FRAME")
        else r
        for r in records
    ]
    shop = Shop(records)
    order_cmd = CreateOrder("PO", "FRAME", 10, due_date=dt.date(2026, 3, 9), make_to_order=True)
    handle(shop.uow, order_cmd, clock=shop.clock)
    handle(shop.uow, ChangeStatus("PO", OrderStatus.RELEASED), clock=shop.clock)

    def consume(line: int, comp: int, qty: int) -> None:
        cmd = PostConsumption(shop.key(), (ConsumptionLine("PO", line, comp, D(qty)),))
        handle(shop.uow, cmd, clock=shop.clock)

    def output(line: int, hours: str) -> None:
        out = OutputLine(
            "PO",
            line,
            "10",
            output_quantity=10,
            run_time=Duration(D(hours), TimeUnit.HOUR),
            finished=True,
        )
        handle(shop.uow, PostOutput(shop.key(), (out,)), clock=shop.clock)

    consume(20000, 10000, 11)  # the sub-assembly: 11 tubes
    output(20000, "6")
    consume(10000, 10000, 20)
    consume(10000, 20000, 10)  # the sub-assemblies, at their standard cost
    output(10000, "6")
    handle(shop.uow, ChangeStatus("PO", OrderStatus.FINISHED), clock=shop.clock)
    with shop.uow:
        cost = actual_cost(shop.uow.orders.get("PO"), shop.uow.ledger, shop.uow.master_data)
    sub_std = rollup.standard_cost("SUB")
    assert cost.line(20000).actual.material == 55
    assert cost.line(10000).actual.material == 100 + shop_round(10 * sub_std)
    result = shop.adjust("PO")
    assert result.batch is not None
    assert shop.wip("PO") == 0
    by_line: dict[int, Decimal] = {}
    for v in result.batch.value_entries:
        if v.variance_type is VarianceType.MATERIAL:
            assert v.order_line_no is not None
            by_line[v.order_line_no] = v.cost_amount_actual
    assert by_line == {20000: D("5.00")}  # 11 tubes for 10; the frame line used its standard


def shop_round(amount: Decimal) -> Decimal:
    return Rounding(D("0.01")).apply(amount)


def test_subcontracting_receipt_is_subcontracted_cost() -> None:
    shop = Shop(d4_records(subcontractor="V-100"))
    shop.create("PO-1", "FRAME", 10)
    shop.release("PO-1")
    handle(
        shop.uow,
        PostConsumption("C1", (ConsumptionLine("PO-1", 10000, 10000, D(20)),)),
        clock=shop.clock,
    )
    requests = calculate_subcontract_requests(shop.uow, ["PO-1"])
    handle(shop.uow, RegisterSubcontractRequests("REQ", requests), clock=shop.clock)
    receipt = ReceiveSubcontractedWork("R1", "PO-1", 10000, "10", 10, 13, finished=True)
    handle(shop.uow, receipt, clock=shop.clock)
    handle(shop.uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=shop.clock)
    with shop.uow:
        cost = actual_cost(shop.uow.orders.get("PO-1"), shop.uow.ledger, shop.uow.master_data)
    assert (cost.actual.material, cost.actual.capacity, cost.actual.subcontracted) == (100, 0, 130)
    result = shop.adjust()
    assert result.batch is not None
    variances = variances_of(result)
    assert variances[VarianceType.SUBCONTRACTED] == D("10.00")  # 130 against 6 h × 20
    assert VarianceType.MATERIAL not in variances
    assert shop.wip() == 0


def test_the_standard_is_frozen_at_the_first_adjustment() -> None:
    shop = Shop(d4_records())
    shop.run_d5()
    shop.adjust(key="ADJ-1")
    with shop.uow:
        # dearer tubes (a new standard) and a new indirect % for the item
        frame = shop.uow.master_data.item("FRAME")
        shop.uow.master_data.put(attrs.evolve(frame, indirect_cost_percent=50))
        shop.uow.master_data.put(Item("TUBE", base_unit="PCS", unit_cost=7))
        shop.uow.commit()
    before = shop.snapshot()
    assert shop.adjust(key="ADJ-2").batch is None
    assert shop.snapshot()[1:3] == before[1:3]


class _InterleavingClock:
    """A clock that runs another adjustment of the same order the first time it is read."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.done = False

    def now(self) -> dt.datetime:
        if not self.done:
            self.done = True
            other = InMemoryUnitOfWork(self.shop.store)
            adjust_cost(other, "PO-1", clock=self.shop.clock, idempotency_key="OTHER")
        return self.shop.clock.now()


def test_concurrent_adjustments_of_one_order_post_once() -> None:
    shop = Shop(d4_records())
    shop.run_d5()
    try:
        mine = adjust_cost(shop.uow, "PO-1", clock=_InterleavingClock(shop), idempotency_key="MINE")
    except ConcurrencyError:
        pass  # a store with snapshot reads: the order's version conflicts
    else:
        assert mine.batch is None  # the memory store reads committed data: nothing left
    variances = [
        v
        for v in shop.store.ledger.values.values()
        if v.entry_type is ValueEntryType.VARIANCE and v.variance_type is VarianceType.MATERIAL
    ]
    assert [v.cost_amount_actual for v in variances] == [D("5.00")]  # posted once
    assert shop.wip() == 0


def test_order_cost_names_a_missing_line() -> None:
    shop = Shop(d4_records())
    shop.run_d5()
    with shop.uow:
        cost = actual_cost(shop.uow.orders.get("PO-1"), shop.uow.ledger, shop.uow.master_data)
    with pytest.raises(NotFoundError):
        cost.line(99999)


def test_an_unimplemented_standard_cost_is_warned_about_and_shows_as_rounding() -> None:
    records = [
        attrs.evolve(r, standard_cost=27) if isinstance(r, Item) and r.no == "FRAME" else r
        for r in d4_records()
    ]
    shop = Shop(records)
    shop.run_d5()
    result = shop.adjust()
    assert result.batch is not None
    (warning,) = result.warnings
    assert warning.startswith("Standard cost of FRAME on the item card (27)")
    (rounding,) = [v for v in result.batch.value_entries if v.entry_type is ValueEntryType.ROUNDING]
    assert rounding.cost_amount_actual == D("266.20") - 270  # output at 27, shares 26.62
    assert shop.wip() == 0
    assert shop.adjust().warnings == ()  # nothing posted, nothing to warn about
