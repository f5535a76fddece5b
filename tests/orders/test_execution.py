"""Execution postings against the worked examples (exact figures) and BC's rules."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import calculate_consumption_lines, handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import (
    AlreadyReversedError,
    IdempotencyConflictError,
    InsufficientQuantityError,
    InvalidTransitionError,
)
from prodcore.ledger import (
    AccountRole,
    ItemEntryType,
    PostingBatch,
    PostingResult,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.posting import capacity_cost
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.numbers import Duration, Rounding, TimeUnit
from prodcore.orders.execution import (
    CapacityLine,
    ConsumptionLine,
    OutputLine,
    PickComponents,
    PickLine,
    PostCapacity,
    PostConsumption,
    PostOutput,
    PostProductionJournal,
    ReverseEntry,
    explode_routing,
    production_journal,
)
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus, ProductionOrder, RoutingStatus
from prodcore.ports import MasterDataRecord

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 9)
F = FlushingMethod


class Shop:
    """A store with master data and a clock, and short-hands for commands."""

    def __init__(
        self, records: list[MasterDataRecord], setup: ManufacturingSetup | None = None
    ) -> None:
        self.store = InMemoryStore()
        self.uow = InMemoryUnitOfWork(self.store)
        self.clock = FixedClock(T0)
        put_master_data(self.uow, records, setup=setup or ManufacturingSetup())
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"K{self.keys}"

    def create(self, order_id: str, item: str, qty: int | str) -> ProductionOrder:
        out = handle(self.uow, CreateOrder(order_id, item, qty, due_date=DUE), clock=self.clock)
        assert out.order is not None
        return out.order

    def release(self, order_id: str) -> PostingBatch | None:
        return handle(
            self.uow, ChangeStatus(order_id, OrderStatus.RELEASED), clock=self.clock
        ).posting

    def finish(
        self, order_id: str, *, finish_without_output: bool = False
    ) -> tuple[PostingBatch | None, tuple[str, ...]]:
        command = ChangeStatus(
            order_id, OrderStatus.FINISHED, finish_without_output=finish_without_output
        )
        out = handle(self.uow, command, clock=self.clock)
        return out.posting, out.warnings

    def output(self, *lines: OutputLine) -> PostingResult:
        return handle(self.uow, PostOutput(self.key(), lines), clock=self.clock)

    def order(self, order_id: str) -> ProductionOrder:
        with self.uow:
            return self.uow.orders.get(order_id)

    def snapshot(self) -> tuple[object, ...]:
        s = self.store
        return (
            dict(s.orders),
            s.counters,
            dict(s.ledger.on_hand_total),
            dict(s.ledger.accounts),
            dict(s.idempotency),
        )


def consumed(batch: PostingBatch | None, item: str) -> Decimal:
    assert batch is not None
    return -sum(
        (
            e.quantity
            for e in batch.item_entries
            if e.item_no == item and e.entry_type is ItemEntryType.CONSUMPTION
        ),
        Decimal(0),
    )


def wc(no: str, **kw: object) -> WorkCenter:
    return WorkCenter(no, **kw)  # type: ignore[arg-type]


# --- E1 -------------------------------------------------------------------------------------


def e1_shop() -> Shop:
    return Shop(
        [
            WorkCenter("WC"),
            Item("WIRE", base_unit="KG", unit_cost=3, flushing_method=F.BACKWARD),
            Item(
                "CABLE",
                base_unit="M",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
                routing_no="R",
            ),
            ProductionBom("B", (BomLine("WIRE", "0.01", routing_link_code="L"),)),
            Routing(
                "R",
                (
                    RoutingLine("10", CapacityType.WORK_CENTER, "WC", routing_link_code="L"),
                    RoutingLine("20", CapacityType.WORK_CENTER, "WC"),
                ),
            ),
        ]
    )


def test_e1_backward_flush_follows_the_linked_operation_output() -> None:
    shop = e1_shop()
    order = shop.create("PO-1", "CABLE", 800)
    assert order.lines[0].components[0].expected_quantity == 8
    assert shop.release("PO-1") is None  # nothing forward
    result = shop.output(OutputLine("PO-1", 10000, "10", output_quantity=200))
    assert result.batch is not None
    (ile,) = result.batch.item_entries  # op 10 is not last: no output entry
    assert ile.entry_type is ItemEntryType.CONSUMPTION
    assert ile.quantity == Decimal("-2")
    assert ile.flushed_by_capacity_entry_no == result.batch.capacity_entries[0].entry_no
    comp = shop.order("PO-1").lines[0].components[0]
    assert comp.consumed_quantity == 2
    assert comp.remaining_quantity == 6


# --- D2 -------------------------------------------------------------------------------------


def d2_shop(**setup: object) -> Shop:
    return Shop(
        [
            Item("C", base_unit="PCS", unit_cost=2, flushing_method=F.BACKWARD),
            Item(
                "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B"
            ),
            ProductionBom("B", (BomLine("C", 4, scrap_percent=10),)),
        ],
        ManufacturingSetup(**setup),  # type: ignore[arg-type]
    )


def test_d2_backward_flush_at_finish_counts_scrap() -> None:
    shop = d2_shop()
    order = shop.create("PO-1", "P", 10)
    assert order.lines[0].components[0].expected_quantity == 44
    shop.release("PO-1")
    shop.output(OutputLine("PO-1", 10000, output_quantity=8, scrap_quantity=1, scrap_code="BENT"))
    batch, warnings = shop.finish("PO-1")
    assert consumed(batch, "C") == Decimal("39.6")
    assert warnings == (
        "Output is missing on line 10000: 2 PCS remaining.",
        "Consumption is missing for C (line 10000, component 10000): 4.40000 PCS remaining.",
    )
    done = shop.order("PO-1")
    assert done.status is OrderStatus.FINISHED
    with shop.uow:  # scrap posts no item entry: on hand = output only
        assert shop.uow.ledger.on_hand("P") == 8
        assert shop.uow.ledger.on_hand("C") == Decimal("-39.6")


def test_finished_order_is_read_only() -> None:
    shop = d2_shop()
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    shop.output(OutputLine("PO-1", 10000, output_quantity=10))
    shop.finish("PO-1")
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError):
        shop.output(OutputLine("PO-1", 10000, output_quantity=1))
    assert shop.snapshot() == before


def test_finish_refuses_consumption_without_output_unless_allowed() -> None:
    shop = d2_shop()
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    handle(shop.uow, PostConsumption("C1", (_cons("PO-1", 5),)), clock=shop.clock)
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError, match="no output"):
        shop.finish("PO-1")
    assert shop.snapshot() == before
    # the setup must allow it, and the command must ask for it
    with pytest.raises(InvalidTransitionError):
        shop.finish("PO-1", finish_without_output=True)
    allowed = d2_shop(finish_order_without_output=True)
    allowed.create("PO-1", "P", 10)
    allowed.release("PO-1")
    handle(allowed.uow, PostConsumption("C1", (_cons("PO-1", 5),)), clock=allowed.clock)
    _, warnings = allowed.finish("PO-1", finish_without_output=True)
    assert "Line 10000 is finished without output." in warnings


def _cons(order_id: str, qty: int | str, line: int = 10000, comp: int = 10000) -> ConsumptionLine:
    return ConsumptionLine(order_id, line, comp, qty)


# --- D3 -------------------------------------------------------------------------------------


def d3_shop(calc: UnitCostCalculation = UnitCostCalculation.TIME, **setup: object) -> Shop:
    return Shop(
        [
            WorkCenter(
                "WC",
                direct_unit_cost=20,
                indirect_cost_percent=10,
                overhead_rate=2,
                capacity_unit=TimeUnit.HOUR,
                unit_cost_calculation=calc,
            ),
            Item("P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
            Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "WC"),)),
        ],
        ManufacturingSetup(**setup),  # type: ignore[arg-type]
    )


def test_d3_capacity_cost_direct_80_indirect_16() -> None:
    shop = d3_shop()
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    result = shop.output(
        OutputLine(
            "PO-1",
            10000,
            "10",
            setup_time=Duration(60, TimeUnit.MINUTE),
            run_time=Duration(180, TimeUnit.MINUTE),
        )
    )
    assert result.batch is not None
    (cap,) = result.batch.capacity_entries
    assert (cap.quantity, cap.setup_time, cap.run_time, cap.time_unit) == (4, 1, 3, TimeUnit.HOUR)
    direct, indirect = result.batch.value_entries
    assert (direct.entry_type, direct.cost_amount_actual) == (ValueEntryType.DIRECT_COST, 80)
    assert (indirect.entry_type, indirect.cost_amount_actual) == (ValueEntryType.INDIRECT_COST, 16)
    lines = [(g.role, g.amount) for g in result.batch.gl_entries]
    assert lines == [
        (AccountRole.WIP, 80),
        (AccountRole.DIRECT_COST_APPLIED, -80),
        (AccountRole.WIP, 16),
        (AccountRole.OVERHEAD_APPLIED, -16),
    ]
    with shop.uow:
        assert shop.uow.ledger.wip("PO-1") == 96
    op = shop.order("PO-1").lines[0].operations[0]
    assert (op.posted_setup_time, op.posted_run_time, op.status) == (
        60,
        180,
        RoutingStatus.IN_PROGRESS,
    )


def test_d3_without_setup_in_cost_and_units_based() -> None:
    shop = d3_shop(cost_includes_setup=False)
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    r = shop.output(
        OutputLine(
            "PO-1",
            10000,
            "10",
            setup_time=Duration(1, TimeUnit.HOUR),
            run_time=Duration(3, TimeUnit.HOUR),
        )
    )
    assert r.batch is not None and r.batch.capacity_entries[0].quantity == 3
    units = d3_shop(UnitCostCalculation.UNITS)
    units.create("PO-1", "P", 10)
    units.release("PO-1")
    r = units.output(
        OutputLine("PO-1", 10000, "10", output_quantity=10, scrap_quantity=2, run_time=Duration(5))
    )
    assert r.batch is not None
    assert r.batch.capacity_entries[0].quantity == 12
    assert (
        sum(v.cost_amount_actual for v in r.batch.value_entries if v.source is ValueSource.CAPACITY)
        == 288
    )


def test_stop_time_is_a_separate_uncosted_entry() -> None:
    shop = d3_shop()
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    r = shop.output(
        OutputLine(
            "PO-1",
            10000,
            "10",
            run_time=Duration(1, TimeUnit.HOUR),
            stop_time=Duration(30),
            stop_code="JAM",
        )
    )
    assert r.batch is not None
    stop, run = r.batch.capacity_entries
    assert (stop.quantity, stop.stop_time, stop.stop_code) == (
        Decimal("0.5"),
        Decimal("0.5"),
        "JAM",
    )
    assert all(
        v.capacity_entry_no == run.entry_no
        for v in r.batch.value_entries
        if v.source is ValueSource.CAPACITY
    )


# --- D6: reversal ---------------------------------------------------------------------------


def d6_shop(**setup: object) -> Shop:
    return Shop(
        [
            WorkCenter("WC", direct_unit_cost=1, capacity_unit=TimeUnit.MINUTE),
            Item("C", base_unit="PCS", unit_cost=5, flushing_method=F.BACKWARD),
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
                routing_no="R",
                standard_cost=30,
            ),
            ProductionBom("B", (BomLine("C", 2, routing_link_code="L"),)),
            Routing(
                "R", (RoutingLine("10", CapacityType.WORK_CENTER, "WC", routing_link_code="L"),)
            ),
        ],
        ManufacturingSetup(**setup),  # type: ignore[arg-type]
    )


def _post_d6(shop: Shop) -> PostingResult:
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    return shop.output(
        OutputLine(
            "PO-1",
            10000,
            "10",
            output_quantity=10,
            scrap_quantity=1,
            setup_time=Duration(15),
            run_time=Duration(50),
            finished=True,
        )
    )


def test_d6_reversing_output_reverses_its_capacity_but_not_flushed_consumption() -> None:
    shop = d6_shop()
    posted = _post_d6(shop)
    assert posted.batch is not None
    output = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    assert output.quantity == 10
    out_value = next(v for v in posted.batch.value_entries if v.item_entry_no == output.entry_no)
    assert (out_value.cost_amount_expected, out_value.cost_amount_actual) == (300, 0)
    assert consumed(posted.batch, "C") == 22  # 2 × (10 + 1)
    assert shop.order("PO-1").lines[0].operations[0].status is RoutingStatus.FINISHED

    rev = handle(shop.uow, ReverseEntry("R1", ValueSource.ITEM, output.entry_no), clock=shop.clock)
    assert rev.batch is not None
    (rev_ile,) = rev.batch.item_entries
    assert (rev_ile.quantity, rev_ile.applies_to_entry_no) == (-10, output.entry_no)
    (rev_cap,) = rev.batch.capacity_entries
    cap = posted.batch.capacity_entries[0]
    assert rev_cap.applies_to_entry_no == cap.entry_no
    assert (
        rev_cap.setup_time,
        rev_cap.run_time,
        rev_cap.scrap_quantity,
        rev_cap.output_quantity,
    ) == (
        -15,
        -50,
        -1,
        -10,
    )
    order = shop.order("PO-1")
    line = order.lines[0]
    assert line.finished_quantity == 0
    assert line.operations[0].status is RoutingStatus.IN_PROGRESS
    assert (line.operations[0].output_quantity, line.operations[0].scrap_quantity) == (0, 0)
    assert line.components[0].consumed_quantity == 22  # decision 3: not silently reversed
    with shop.uow:
        # output and capacity net to zero: WIP keeps just the consumption
        assert shop.uow.ledger.wip("PO-1") == 110
        assert shop.uow.ledger.on_hand("P") == 0
    assert any("Reversed output entry" in n for n in rev.notes)
    with pytest.raises(AlreadyReversedError):
        handle(shop.uow, ReverseEntry("R2", ValueSource.ITEM, output.entry_no), clock=shop.clock)
    with pytest.raises(AlreadyReversedError):
        handle(shop.uow, ReverseEntry("R3", ValueSource.CAPACITY, cap.entry_no), clock=shop.clock)


def test_partial_reversal_up_to_what_remains_nets_to_zero() -> None:
    shop = d6_shop()
    posted = _post_d6(shop)
    assert posted.batch is not None
    output = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    handle(shop.uow, ReverseEntry("R1", ValueSource.ITEM, output.entry_no, 3), clock=shop.clock)
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        handle(shop.uow, ReverseEntry("R2", ValueSource.ITEM, output.entry_no, 8), clock=shop.clock)
    assert shop.snapshot() == before
    handle(shop.uow, ReverseEntry("R3", ValueSource.ITEM, output.entry_no, 7), clock=shop.clock)
    with shop.uow:
        ledger = shop.uow.ledger
        assert ledger.wip("PO-1") == 110
        cap_total = sum((c.run_time for c in ledger.capacity_entries(order_id="PO-1")), Decimal(0))
        assert cap_total == 0
        assert ledger.on_hand("P") == 0
        assert ledger.account_balance("2111") == 0  # inventory interim
    assert shop.order("PO-1").lines[0].finished_quantity == 0


def test_reversing_output_with_its_flushed_consumption() -> None:
    shop = d6_shop()
    posted = _post_d6(shop)
    assert posted.batch is not None
    output = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    rev = handle(
        shop.uow,
        ReverseEntry("R1", ValueSource.ITEM, output.entry_no, include_flushed_consumption=True),
        clock=shop.clock,
    )
    assert rev.batch is not None
    assert sorted(e.quantity for e in rev.batch.item_entries) == [-10, 22]
    assert any("Reversed consumption entry" in n for n in rev.notes)
    assert shop.order("PO-1").lines[0].components[0].consumed_quantity == 0
    with shop.uow:
        assert shop.uow.ledger.wip("PO-1") == 0
        assert shop.uow.ledger.on_hand("C") == 0


def test_reversing_consumption() -> None:
    shop = d2_shop()
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    r = handle(shop.uow, PostConsumption("C1", (_cons("PO-1", 5),)), clock=shop.clock)
    assert r.batch is not None
    entry = r.batch.item_entries[0].entry_no
    handle(shop.uow, ReverseEntry("R1", ValueSource.ITEM, entry, 2), clock=shop.clock)
    assert shop.order("PO-1").lines[0].components[0].consumed_quantity == 3
    with shop.uow:
        assert shop.uow.ledger.wip("PO-1") == 6
        assert shop.uow.ledger.on_hand("C") == -3


# --- idempotency and refusals ---------------------------------------------------------------


def test_idempotent_repeat_returns_the_first_result() -> None:
    shop = d2_shop()
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    cmd = PostConsumption("SAME", (_cons("PO-1", 5),))
    first = handle(shop.uow, cmd, clock=shop.clock)
    before = shop.snapshot()
    again = handle(shop.uow, cmd, clock=shop.clock)
    assert again == first
    assert shop.snapshot() == before
    with pytest.raises(IdempotencyConflictError):
        handle(shop.uow, PostConsumption("SAME", (_cons("PO-1", 6),)), clock=shop.clock)
    assert shop.snapshot() == before


def test_refused_posting_writes_nothing() -> None:
    shop = d2_shop(allow_negative_inventory=False)
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        handle(shop.uow, PostConsumption("C1", (_cons("PO-1", 5),)), clock=shop.clock)
    assert shop.snapshot() == before
    # the key was not used up by the refused command
    shop.output(OutputLine("PO-1", 10000, output_quantity=1))
    with shop.uow:
        assert shop.uow.ledger.idempotency("C1") is None


def test_posting_to_a_planned_order_is_refused() -> None:
    shop = d2_shop()
    shop.create("PO-1", "P", 10)
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError):
        shop.output(OutputLine("PO-1", 10000, output_quantity=1))
    assert shop.snapshot() == before


# --- E13: mixed flushing --------------------------------------------------------------------


def e13_shop() -> Shop:
    comps = {
        "SP-BOM1301": F.BACKWARD,
        "SP-BOM1302": F.BACKWARD,
        "SP-BOM1303": F.FORWARD,
        "SP-BOM1304": F.BACKWARD,
        "SP-BOM1305": F.FORWARD,
        "SP-BOM1306": F.MANUAL,
    }
    links = {"SP-BOM1302": "WIRING", "SP-BOM1303": "WIRING"}
    return Shop(
        [
            WorkCenter("BODY", direct_unit_cost=1, flushing_method=F.FORWARD),
            WorkCenter("ELECTRIC", direct_unit_cost=2),
            WorkCenter("PACKING", direct_unit_cost=1, flushing_method=F.BACKWARD),
            *(Item(no, base_unit="PCS", unit_cost=1, flushing_method=m) for no, m in comps.items()),
            Item(
                "SP-SCM1004",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="SP",
                routing_no="SP",
                unit_cost=100,
            ),
            ProductionBom(
                "SP", tuple(BomLine(no, 1, routing_link_code=links.get(no)) for no in comps)
            ),
            Routing(
                "SP",
                (
                    RoutingLine(
                        "10",
                        CapacityType.WORK_CENTER,
                        "BODY",
                        setup_time=Duration(10),
                        run_time=Duration(5),
                    ),
                    RoutingLine(
                        "20",
                        CapacityType.WORK_CENTER,
                        "ELECTRIC",
                        run_time=Duration(4),
                        routing_link_code="WIRING",
                    ),
                    RoutingLine("30", CapacityType.WORK_CENTER, "PACKING", run_time=Duration(2)),
                ),
            ),
        ]
    )


def test_e13_mixed_flushing_walkthrough() -> None:
    shop = e13_shop()
    shop.create("PO-1", "SP-SCM1004", 5)
    released = shop.release("PO-1")
    # release: unlinked forward component and the forward operation
    assert consumed(released, "SP-BOM1305") == 5
    assert released is not None
    assert {e.item_no for e in released.item_entries} == {"SP-BOM1305"}
    (body,) = released.capacity_entries
    assert (body.operation_no, body.output_quantity, body.setup_time, body.run_time) == (
        "10",
        5,
        10,
        25,
    )

    lines = calculate_consumption_lines(shop.uow, ["PO-1"])
    # manual component, and the linked forward one whose operation has not started
    assert {(ln.component_line_no, ln.quantity) for ln in lines} == {(60000, 5), (30000, 5)}
    manual = tuple(ln for ln in lines if ln.component_line_no == 60000)
    handle(shop.uow, PostConsumption("CALC", manual), clock=shop.clock)

    journal = explode_routing(shop.order("PO-1"), 10000)
    assert [j.operation_no for j in journal] == ["10", "20", "30"]
    wiring = OutputLine("PO-1", 10000, "20", output_quantity=3, run_time=Duration(10))
    r = shop.output(wiring)
    assert r.batch is not None
    assert consumed(r.batch, "SP-BOM1302") == 3  # backward, linked: actual output
    assert consumed(r.batch, "SP-BOM1303") == 5  # forward, linked: all at the start

    batch, warnings = shop.finish("PO-1")
    assert batch is not None
    (packing,) = batch.capacity_entries
    assert (packing.operation_no, packing.output_quantity) == ("30", 5)
    (out,) = [e for e in batch.item_entries if e.entry_type is ItemEntryType.OUTPUT]
    assert out.quantity == 5
    assert consumed(batch, "SP-BOM1301") == 5
    assert consumed(batch, "SP-BOM1304") == 5
    # SP-BOM1302 was flushed for 3 only: its missing consumption is a warning
    assert any("SP-BOM1302" in w for w in warnings)
    done = shop.order("PO-1")
    assert all(op.status is RoutingStatus.FINISHED for op in done.lines[0].operations)
    assert done.lines[0].finished_quantity == 5


# --- picks, capacity journal, production journal ----------------------------------------------


def pick_shop() -> Shop:
    return Shop(
        [
            Item("PF", base_unit="PCS", unit_cost=1, flushing_method=F.PICK_FORWARD),
            Item("PB", base_unit="PCS", unit_cost=1, flushing_method=F.PICK_BACKWARD),
            Item("PM", base_unit="PCS", unit_cost=1, flushing_method=F.PICK_MANUAL),
            Item(
                "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B"
            ),
            ProductionBom("B", (BomLine("PF", 1), BomLine("PB", 1), BomLine("PM", 1))),
        ]
    )


def test_pick_variants_consume_only_what_is_picked() -> None:
    shop = pick_shop()
    shop.create("PO-1", "P", 10)
    assert shop.release("PO-1") is None  # nothing picked yet
    r = handle(
        shop.uow,
        PickComponents(
            "P1",
            "PO-1",
            (PickLine(10000, 10000, 4), PickLine(10000, 20000, 6), PickLine(10000, 30000, 2)),
        ),
        clock=shop.clock,
    )
    assert consumed(r.batch, "PF") == 4  # forward: flushed from the bin at once
    with pytest.raises(InsufficientQuantityError):
        handle(shop.uow, PostConsumption("C1", (_cons("PO-1", 3, comp=30000),)), clock=shop.clock)
    handle(shop.uow, PostConsumption("C2", (_cons("PO-1", 2, comp=30000),)), clock=shop.clock)
    shop.output(OutputLine("PO-1", 10000, output_quantity=10))
    batch, _ = shop.finish("PO-1")
    assert consumed(batch, "PB") == 6  # backward needs 10, the bin holds 6
    comps = shop.order("PO-1").lines[0].components
    assert [c.consumed_quantity for c in comps] == [4, 6, 2]


def test_capacity_journal_posts_time_without_order() -> None:
    shop = d3_shop()
    r = handle(
        shop.uow,
        PostCapacity(
            "CAP1",
            (
                CapacityLine(
                    CapacityType.WORK_CENTER,
                    "WC",
                    run_time=Duration(2, TimeUnit.HOUR),
                    description="maintenance",
                ),
            ),
        ),
        clock=shop.clock,
    )
    assert r.batch is not None
    (entry,) = r.batch.capacity_entries
    assert (entry.order_id, entry.run_time, entry.description) == (None, 2, "maintenance")
    assert r.batch.value_entries == ()
    with shop.uow:
        assert shop.uow.ledger.capacity_used("WC", T0.date(), T0.date()) == 2


def test_production_journal_posts_consumption_and_output_together() -> None:
    shop = Shop(
        [
            WorkCenter("WC", direct_unit_cost=1),
            Item("M", base_unit="PCS", unit_cost=2),
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
                routing_no="R",
                unit_cost=10,
            ),
            ProductionBom("B", (BomLine("M", 3),)),
            Routing(
                "R",
                (
                    RoutingLine(
                        "10",
                        CapacityType.WORK_CENTER,
                        "WC",
                        setup_time=Duration(5),
                        run_time=Duration(1),
                    ),
                ),
            ),
        ]
    )
    shop.create("PO-1", "P", 4)
    shop.release("PO-1")
    preset = production_journal(shop.order("PO-1"), 10000, _md(shop))
    assert [c.quantity for c in preset.consumption] == [12]
    assert [(o.output_quantity, o.setup_time, o.run_time) for o in preset.output] == [
        (4, Duration(5), Duration(4))
    ]
    cmd = PostProductionJournal("PJ1", "PO-1", 10000, preset.consumption, preset.output)
    r = handle(shop.uow, cmd, clock=shop.clock)
    assert r.batch is not None
    with shop.uow:
        ledger = shop.uow.ledger
        # consumption 24 + capacity 9 − output 40
        assert ledger.wip("PO-1") == Decimal(24 + 9 - 40)
        assert ledger.on_hand("P") == 4
        assert ledger.consumed_quantity("PO-1", 10000, 10000) == 12
        assert ledger.output_quantity("PO-1", 10000) == 4


def _md(shop: Shop) -> MasterDataLookup:
    return shop.uow.master_data


def test_every_value_entry_balances_e10_style() -> None:
    shop = e13_shop()
    shop.create("PO-1", "SP-SCM1004", 5)
    shop.release("PO-1")
    shop.output(OutputLine("PO-1", 10000, "20", output_quantity=5, run_time=Duration(20)))
    shop.finish("PO-1")
    with shop.uow:
        ledger = shop.uow.ledger
        gl = ledger.gl_entries()
        assert sum(g.amount for g in gl) == 0
        for v in ledger.value_entries():
            assert sum(g.amount for g in gl if g.value_entry_no == v.entry_no) == 0
        values = ledger.value_entries(order_id="PO-1")
        absorbed = sum(v.cost_amount for v in values if v.source is ValueSource.CAPACITY) - sum(
            v.cost_amount for v in values if v.source is ValueSource.ITEM
        )
        assert ledger.wip("PO-1") == absorbed


# --- properties (hypothesis) -------------------------------------------------------------

amounts = st.decimals(min_value="0.01", max_value=50, places=2)
counts = st.integers(min_value=0, max_value=6)


def _accounts(shop: Shop) -> dict[str, Decimal]:
    return {k: v for k, v in shop.store.ledger.accounts.items() if v}


def _on_hand(shop: Shop) -> dict[str, Decimal]:
    return {k: v for k, v in shop.store.ledger.on_hand_total.items() if v}


@given(
    quantity=st.integers(min_value=1, max_value=50),
    output=st.integers(min_value=1, max_value=20),
    scrap=counts,
    run=st.decimals(min_value=0, max_value=100, places=2),
    setup=st.decimals(min_value=0, max_value=30, places=1),
)
def test_output_plus_its_full_reversal_nets_to_zero(
    quantity: int, output: int, scrap: int, run: Decimal, setup: Decimal
) -> None:
    shop = d6_shop()
    shop.create("PO-1", "P", quantity)
    shop.release("PO-1")
    before_accounts, before_stock = _accounts(shop), _on_hand(shop)
    before_order = shop.order("PO-1")
    posted = shop.output(
        OutputLine(
            "PO-1",
            10000,
            "10",
            output_quantity=output,
            scrap_quantity=scrap,
            run_time=Duration(run),
            setup_time=Duration(setup),
            finished=True,
        )
    )
    assert posted.batch is not None
    out = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    handle(
        shop.uow,
        ReverseEntry("REV", ValueSource.ITEM, out.entry_no, include_flushed_consumption=True),
        clock=shop.clock,
    )
    assert _accounts(shop) == before_accounts
    assert _on_hand(shop) == before_stock
    after = shop.order("PO-1").lines[0]
    assert after.finished_quantity == before_order.lines[0].finished_quantity
    assert after.components == before_order.lines[0].components
    op_before, op_after = before_order.lines[0].operations[0], after.operations[0]
    assert (op_after.output_quantity, op_after.scrap_quantity, op_after.posted_run_time) == (
        op_before.output_quantity,
        op_before.scrap_quantity,
        op_before.posted_run_time,
    )


@given(
    issues=st.lists(amounts, min_size=1, max_size=6),
    reversal_parts=st.lists(st.integers(min_value=1, max_value=4), max_size=6),
)
def test_consumed_equals_issued_less_reversed(
    issues: list[Decimal], reversal_parts: list[int]
) -> None:
    shop = d2_shop()
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    entries = []
    for n, qty in enumerate(issues):
        r = handle(
            shop.uow,
            PostConsumption(f"C{n}", (ConsumptionLine("PO-1", 10000, 10000, qty),)),
            clock=shop.clock,
        )
        assert r.batch is not None
        entries.append((r.batch.item_entries[0].entry_no, qty))
    reversed_total = Decimal(0)
    for n, (part, (entry_no, qty)) in enumerate(zip(reversal_parts, entries, strict=False)):
        share = (qty / part).quantize(Decimal("0.01"))
        if share <= 0:
            continue
        handle(shop.uow, ReverseEntry(f"R{n}", ValueSource.ITEM, entry_no, share), clock=shop.clock)
        reversed_total += share
        # more than what remains is refused and changes nothing
        before = shop.snapshot()
        with pytest.raises((InsufficientQuantityError, AlreadyReversedError)):
            handle(
                shop.uow,
                ReverseEntry(f"X{n}", ValueSource.ITEM, entry_no, qty - share + 1),
                clock=shop.clock,
            )
        assert shop.snapshot() == before
    comp = shop.order("PO-1").lines[0].components[0]
    assert comp.consumed_quantity == sum(issues) - reversed_total
    with shop.uow:
        assert shop.uow.ledger.consumed_quantity("PO-1", 10000, 10000) == comp.consumed_quantity
        assert sum(g.amount for g in shop.uow.ledger.gl_entries()) == 0


@given(
    outputs=st.lists(
        st.tuples(st.integers(min_value=1, max_value=6), counts), min_size=1, max_size=4
    ),
    quantity=st.integers(min_value=1, max_value=20),
)
def test_wip_of_a_finished_order_is_its_unabsorbed_cost(
    outputs: list[tuple[int, int]], quantity: int
) -> None:
    shop = d6_shop()
    shop.create("PO-1", "P", quantity)
    shop.release("PO-1")
    for out, scrap in outputs:
        shop.output(
            OutputLine(
                "PO-1", 10000, "10", output_quantity=out, scrap_quantity=scrap, run_time=Duration(3)
            )
        )
    shop.finish("PO-1")
    with shop.uow:
        ledger = shop.uow.ledger
        values = ledger.value_entries(order_id="PO-1")
        consumption = -sum(
            v.cost_amount for v in values if v.source is ValueSource.ITEM and v.valued_quantity < 0
        )
        capacity = sum(v.cost_amount for v in values if v.source is ValueSource.CAPACITY)
        output = sum(
            v.cost_amount for v in values if v.source is ValueSource.ITEM and v.valued_quantity > 0
        )
        assert ledger.wip("PO-1") == consumption + capacity - output
        total_output = sum(o for o, _ in outputs)
        assert output == total_output * 30  # expected cost at standard


@given(
    cap_qty=st.decimals(min_value=0, max_value=1000, places=3),
    direct=st.decimals(min_value=0, max_value=200, places=2),
    indirect=st.decimals(min_value=0, max_value=50, places=1),
    overhead=st.decimals(min_value=0, max_value=20, places=2),
)
def test_capacity_cost_split_adds_up(
    cap_qty: Decimal, direct: Decimal, indirect: Decimal, overhead: Decimal
) -> None:
    unit_cost = direct + direct * indirect / 100 + overhead
    rounding = Rounding(Decimal("0.01"))
    split = capacity_cost(
        cap_qty,
        unit_cost=unit_cost,
        indirect_percent=indirect,
        overhead_rate=overhead,
        rounding=rounding,
    )
    assert split.total == rounding.apply(cap_qty * unit_cost)
    assert split.total + split.residual == cap_qty * unit_cost
    assert split.indirect >= Decimal("-0.01")


# --- more rules -----------------------------------------------------------------------------


def test_reversing_a_capacity_entry_of_an_earlier_operation() -> None:
    shop = e1_shop()
    shop.create("PO-1", "CABLE", 800)
    shop.release("PO-1")
    r = shop.output(
        OutputLine("PO-1", 10000, "10", output_quantity=200, run_time=Duration(30), finished=True)
    )
    assert r.batch is not None
    cap = r.batch.capacity_entries[0]
    rev = handle(
        shop.uow, ReverseEntry("R1", ValueSource.CAPACITY, cap.entry_no, 50), clock=shop.clock
    )
    assert rev.batch is not None
    (rc,) = rev.batch.capacity_entries
    assert (rc.output_quantity, rc.run_time, rc.applied_quantity) == (-50, Decimal("-7.5"), 50)
    assert rev.batch.item_entries == ()  # flushed consumption stays (decision 3)
    op = shop.order("PO-1").lines[0].operations[0]
    assert (op.output_quantity, op.posted_run_time, op.status) == (
        150,
        Decimal("22.5"),
        RoutingStatus.IN_PROGRESS,
    )
    both = handle(
        shop.uow,
        ReverseEntry("R2", ValueSource.CAPACITY, cap.entry_no, include_flushed_consumption=True),
        clock=shop.clock,
    )
    assert both.batch is not None
    # the remaining 150 of 200: three quarters of the 2 kg flushed
    assert [e.quantity for e in both.batch.item_entries] == [Decimal("1.5")]
    assert shop.order("PO-1").lines[0].components[0].consumed_quantity == Decimal("0.5")


def test_returning_consumption_up_to_what_was_consumed() -> None:
    shop = d2_shop()
    shop.create("PO-1", "P", 10)
    shop.release("PO-1")
    handle(shop.uow, PostConsumption("C1", (_cons("PO-1", 5),)), clock=shop.clock)
    r = handle(shop.uow, PostConsumption("C2", (_cons("PO-1", -2),)), clock=shop.clock)
    assert r.batch is not None and r.batch.item_entries[0].quantity == 2
    assert shop.order("PO-1").lines[0].components[0].consumed_quantity == 3
    with pytest.raises(InsufficientQuantityError):
        handle(shop.uow, PostConsumption("C3", (_cons("PO-1", -4),)), clock=shop.clock)


def test_machine_centre_time_in_its_work_centre_unit_and_own_costs() -> None:
    from prodcore.masterdata import MachineCenter

    shop = Shop(
        [
            WorkCenter("WC", capacity_unit=TimeUnit.HOUR, direct_unit_cost=99),
            MachineCenter("MC", "WC", direct_unit_cost=30, indirect_cost_percent=20),
            Item("P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
            Routing("R", (RoutingLine("10", CapacityType.MACHINE_CENTER, "MC"),)),
        ]
    )
    shop.create("PO-1", "P", 1)
    shop.release("PO-1")
    r = shop.output(OutputLine("PO-1", 10000, "10", run_time=Duration(90)))
    assert r.batch is not None
    (cap,) = r.batch.capacity_entries
    assert (cap.type, cap.no, cap.work_center_no, cap.run_time) == (
        CapacityType.MACHINE_CENTER,
        "MC",
        "WC",
        Decimal("1.5"),
    )
    assert [v.cost_amount for v in r.batch.value_entries] == [45, 9]
    with shop.uow:
        day = T0.date()
        assert shop.uow.ledger.capacity_used("WC", day, day) == Decimal("1.5")
        assert shop.uow.ledger.capacity_used("MC", day, day) == Decimal("1.5")


def test_forward_last_operation_posts_output_at_release() -> None:
    shop = Shop(
        [
            WorkCenter("WC", direct_unit_cost=1, flushing_method=F.FORWARD),
            Item("C", base_unit="PCS", unit_cost=1, flushing_method=F.BACKWARD),
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
                routing_no="R",
                unit_cost=7,
            ),
            ProductionBom("B", (BomLine("C", 2, routing_link_code="L"),)),
            Routing(
                "R",
                (
                    RoutingLine(
                        "10",
                        CapacityType.WORK_CENTER,
                        "WC",
                        run_time=Duration(3),
                        routing_link_code="L",
                    ),
                ),
            ),
        ]
    )
    shop.create("PO-1", "P", 4)
    batch = shop.release("PO-1")
    assert batch is not None
    kinds = sorted((e.entry_type.value, e.item_no, e.quantity) for e in batch.item_entries)
    assert kinds == [("CONSUMPTION", "C", Decimal(-8)), ("OUTPUT", "P", Decimal(4))]
    order = shop.order("PO-1")
    assert order.has_postings
    assert order.lines[0].finished_quantity == 4
    _, warnings = shop.finish("PO-1")
    assert warnings == ()


def test_preview_of_a_release_writes_nothing() -> None:
    from prodcore.app import preview

    shop = e13_shop()
    shop.create("PO-1", "SP-SCM1004", 5)
    before = shop.snapshot()
    out = preview(shop.uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=shop.clock)
    assert out.posting is not None and len(out.posting.item_entries) == 1
    assert shop.snapshot() == before


component_specs = st.lists(
    st.tuples(
        st.decimals(min_value="0.001", max_value=5, places=3),  # quantity per
        st.decimals(min_value=0, max_value=25, places=1),  # scrap %
        st.sampled_from(list(F)),
        st.booleans(),  # linked to operation 10
    ),
    min_size=1,
    max_size=5,
)


@given(
    specs=component_specs,
    quantity=st.integers(min_value=1, max_value=30),
    outputs=st.lists(st.tuples(st.sampled_from(["10", "20"]), counts, counts), max_size=5),
    picks=st.lists(st.decimals(min_value=0, max_value=20, places=2), min_size=5, max_size=5),
    op_methods=st.tuples(st.sampled_from(list(F)[:3]), st.sampled_from(list(F)[:3])),
)
def test_random_orders_conserve_quantities_and_balance(
    specs: list[tuple[Decimal, Decimal, FlushingMethod, bool]],
    quantity: int,
    outputs: list[tuple[str, int, int]],
    picks: list[Decimal],
    op_methods: tuple[FlushingMethod, FlushingMethod],
) -> None:
    shop = Shop(
        [
            WorkCenter(
                "A",
                direct_unit_cost="0.7",
                indirect_cost_percent=15,
                overhead_rate="0.1",
                flushing_method=op_methods[0],
            ),
            WorkCenter(
                "B",
                direct_unit_cost="1.3",
                unit_cost_calculation=UnitCostCalculation.UNITS,
                flushing_method=op_methods[1],
            ),
            *(
                Item(f"C{n}", base_unit="PCS", unit_cost="1.37", flushing_method=m)
                for n, (_, _, m, _) in enumerate(specs)
            ),
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
                routing_no="R",
                standard_cost="9.99",
            ),
            ProductionBom(
                "B",
                tuple(
                    BomLine(f"C{n}", q, scrap_percent=s, routing_link_code="L" if linked else None)
                    for n, (q, s, _, linked) in enumerate(specs)
                ),
            ),
            Routing(
                "R",
                (
                    RoutingLine(
                        "10",
                        CapacityType.WORK_CENTER,
                        "A",
                        setup_time=Duration(5),
                        run_time=Duration("1.5"),
                        routing_link_code="L",
                    ),
                    RoutingLine("20", CapacityType.WORK_CENTER, "B", run_time=Duration(1)),
                ),
            ),
        ]
    )
    shop.create("PO-1", "P", quantity)
    shop.release("PO-1")
    handle(
        shop.uow,
        PickComponents(
            "PICK",
            "PO-1",
            tuple(PickLine(10000, (n + 1) * 10000, picks[n]) for n in range(len(specs))),
        ),
        clock=shop.clock,
    )
    for op, out, scrap in outputs:
        shop.output(
            OutputLine(
                "PO-1", 10000, op, output_quantity=out, scrap_quantity=scrap, run_time=Duration(2)
            )
        )
    try:
        shop.finish("PO-1")
    except InvalidTransitionError:
        order = shop.order("PO-1")
        assert order.status is OrderStatus.RELEASED and order.lines[0].finished_quantity == 0
    order = shop.order("PO-1")
    with shop.uow:
        ledger = shop.uow.ledger
        gl = ledger.gl_entries()
        assert sum(g.amount for g in gl) == 0
        for comp in order.lines[0].components:
            assert comp.consumed_quantity >= 0
            assert comp.remaining_quantity >= 0
            assert ledger.consumed_quantity("PO-1", 10000, comp.line_no) == comp.consumed_quantity
            if comp.flushing_method.needs_pick:
                assert comp.consumed_quantity <= comp.picked_quantity
        assert ledger.output_quantity("PO-1", 10000) == order.lines[0].finished_quantity
        values = ledger.value_entries(order_id="PO-1")
        absorbed = sum(v.cost_amount for v in values if v.source is ValueSource.CAPACITY) - sum(
            v.cost_amount for v in values if v.source is ValueSource.ITEM
        )
        assert ledger.wip("PO-1") == absorbed
