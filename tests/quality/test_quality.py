"""Quality orders at operations: E15 sampling, results, blocking and dispositions."""

# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.commands import Command, LedgerCommand
from prodcore.errors import (
    InsufficientQuantityError,
    InvalidTransitionError,
    InvalidValueError,
    NotAllowedError,
    QualityBlockError,
)
from prodcore.ledger import EntryOrigin, ItemEntryType, PostingResult, ValueSource
from prodcore.masterdata import (
    CapacityType,
    Item,
    QualityCheck,
    QualityFailureAction,
    QualityTest,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration
from prodcore.orders.execution import OutputLine, PostOutput, ReverseEntry
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus, ProductionOrder, QualityOrderStatus, QualityResult
from prodcore.orders.quality import RecordQualityResults, ResolveQualityOrder
from prodcore.ports import MasterDataRecord
from prodcore.serialization import dumps, loads

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 9)
D = Decimal

DIAMETER = QualityTest("DIA", lower_limit="9.9", upper_limit="10.1", unit="MM")
VISUAL = QualityTest("VISUAL")


def records(
    *, op_checks: tuple[QualityCheck, ...] = (), item_checks: tuple[QualityCheck, ...] = ()
) -> list[MasterDataRecord]:
    """SHAFT (standard 20): 10 TURN (1.00 per minute, 2 min per unit), 20 GRIND (no cost)."""
    return [
        WorkCenter("LATHE", direct_unit_cost=1),
        WorkCenter("GRINDER"),
        Routing(
            "SHAFT-RTG",
            (
                RoutingLine(
                    "10",
                    CapacityType.WORK_CENTER,
                    "LATHE",
                    run_time=Duration(2),
                    quality_checks=op_checks,
                ),
                RoutingLine("20", CapacityType.WORK_CENTER, "GRINDER"),
            ),
        ),
        Item(
            "SHAFT",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            routing_no="SHAFT-RTG",
            standard_cost=20,
            quality_checks=item_checks,
        ),
    ]


class Shop:
    def __init__(self, recs: list[MasterDataRecord], qty: int = 100) -> None:
        self.store = InMemoryStore()
        self.uow = InMemoryUnitOfWork(self.store)
        self.clock = FixedClock(T0)
        put_master_data(self.uow, recs)
        handle(self.uow, CreateOrder("PO-1", "SHAFT", qty, due_date=DUE), clock=self.clock)
        handle(self.uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=self.clock)
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"K{self.keys}"

    def post(self, command: LedgerCommand) -> PostingResult:
        return handle(self.uow, command, clock=self.clock)

    def output(self, op: str, qty: int) -> PostingResult:
        line = OutputLine("PO-1", 10000, op, output_quantity=qty, run_time=Duration(2 * qty))
        return self.post(PostOutput(self.key(), (line,)))

    def record(self, no: str, *results: QualityResult, failed: int | None = None) -> PostingResult:
        return self.post(RecordQualityResults(self.key(), "PO-1", no, results, failed))

    def order(self) -> ProductionOrder:
        with self.uow:
            return self.uow.orders.get("PO-1")

    def finish(self) -> None:
        handle(self.uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=self.clock)

    def snapshot(self) -> tuple[object, ...]:
        s = self.store
        return (dict(s.orders), s.counters, dict(s.ledger.accounts), dict(s.idempotency))


def samples(order: ProductionOrder) -> list[tuple[Decimal, Decimal]]:
    return [(q.quantity, q.covered_quantity) for q in order.quality_orders]


# --- E15 ------------------------------------------------------------------------------------


def test_e15_ten_percent_per_updated_quantity() -> None:
    check = QualityCheck("RAF", (VISUAL,), sample_percent=10)
    shop = Shop(records(item_checks=(check,)))
    shop.output("10", 100)
    shop.output("20", 30)
    assert samples(shop.order()) == [(3, 30)]
    shop.output("20", 70)
    assert samples(shop.order()) == [(3, 30), (7, 70)]
    assert [q.no for q in shop.order().quality_orders] == ["Q1", "Q2"]


def test_e15_fixed_one_not_per_updated_quantity() -> None:
    check = QualityCheck("RAF", (VISUAL,), sample_quantity=1, per_updated_quantity=False)
    shop = Shop(records(item_checks=(check,)))
    shop.output("10", 100)
    result = shop.output("20", 30)
    assert samples(shop.order()) == [(1, 30), (1, 70)]  # 1 + 1 for the remaining
    assert "Quality order Q2 created: sample 1 of 70" in result.notes
    shop.output("20", 10)
    shop.output("20", 60)
    assert samples(shop.order()) == [(1, 30), (1, 70)]  # none later


# --- results, blocking, resolution ------------------------------------------------------------


def blocking_check(**kw: object) -> QualityCheck:
    return QualityCheck(
        "DIA-CHECK",
        (DIAMETER, VISUAL),
        sample_quantity=2,
        blocks_next_operations=True,
        **kw,  # type: ignore[arg-type]
    )


def test_failed_quality_order_blocks_finish_until_resolved() -> None:
    shop = Shop(records(op_checks=(blocking_check(),)), qty=10)
    shop.output("10", 10)
    (qo,) = shop.order().quality_orders
    assert (qo.no, qo.operation_no, qo.quantity, qo.status) == (
        "Q1",
        "10",
        2,
        QualityOrderStatus.OPEN,
    )
    before = shop.snapshot()
    # open: the next operation and finishing are blocked
    with pytest.raises(QualityBlockError, match=r"'Q1' \(OPEN\) blocks output at operation 20"):
        shop.output("20", 10)
    with pytest.raises(InvalidTransitionError, match="Quality order Q1 is OPEN"):
        shop.finish()
    assert shop.snapshot() == before
    # one result: still open; the second fails the diameter
    shop.record("Q1", QualityResult("VISUAL", passed=True))
    assert shop.order().quality_order("Q1").status is QualityOrderStatus.OPEN
    shop.record("Q1", QualityResult("DIA", value="10.3"), failed=3)
    qo = shop.order().quality_order("Q1")
    assert (qo.status, qo.failed_quantity) == (QualityOrderStatus.FAILED, 3)
    with pytest.raises(InvalidTransitionError, match="Quality order Q1 is FAILED"):
        shop.finish()
    with pytest.raises(NotAllowedError, match="is FAILED"):
        shop.record("Q1", QualityResult("DIA", value="10"))
    # resolved by scrapping the 3 failed units at operation 10, posted like output scrap
    result = shop.post(
        ResolveQualityOrder("RES", "PO-1", "Q1", QualityFailureAction.SCRAP, scrap_code="OVERSIZE")
    )
    assert result.batch is not None
    (cap,) = result.batch.capacity_entries
    assert (cap.operation_no, cap.quantity, cap.output_quantity, cap.scrap_quantity) == (
        "10",
        0,
        -3,
        3,
    )
    assert (cap.scrap_code, cap.origin) == ("OVERSIZE", EntryOrigin.QUALITY_SCRAP)
    assert not result.batch.value_entries and not result.batch.item_entries
    op = shop.order().line(10000).operation("10")
    assert (op.output_quantity, op.scrap_quantity) == (7, 3)
    qo = shop.order().quality_order("Q1")
    assert (qo.status, qo.disposition) == (QualityOrderStatus.RESOLVED, "SCRAP 3 code OVERSIZE")
    shop.output("20", 7)
    shop.finish()
    assert shop.order().status is OrderStatus.FINISHED
    # the quality scrap cannot be reversed like an output
    with pytest.raises(NotAllowedError, match="quality scrap cannot be reversed"):
        shop.post(ReverseEntry("REV", ValueSource.CAPACITY, cap.entry_no))


def test_passing_results_unblock() -> None:
    shop = Shop(records(op_checks=(blocking_check(),)), qty=10)
    shop.output("10", 10)
    result = shop.record(
        "Q1", QualityResult("DIA", value="10.1"), QualityResult("VISUAL", passed=True)
    )
    assert result.batch is None and "Quality order Q1 is PASSED" in result.notes
    shop.output("20", 10)
    shop.finish()
    assert shop.order().status is OrderStatus.FINISHED


def test_automatic_scrap_at_the_last_operation_takes_back_output_at_its_cost() -> None:
    check = QualityCheck(
        "FINAL",
        (DIAMETER,),
        sample_percent=10,
        on_failure=QualityFailureAction.SCRAP,
        scrap_code="QC",
    )
    shop = Shop(records(item_checks=(check,)), qty=10)
    shop.output("10", 10)
    out = shop.output("20", 10)
    assert out.batch is not None
    output_no = next(
        e.entry_no for e in out.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT
    )
    result = shop.record("Q1", QualityResult("DIA", value="9.5"), failed=4)
    assert result.batch is not None
    assert [(e.quantity, e.applies_to_entry_no) for e in result.batch.item_entries] == [
        (-4, output_no)
    ]
    assert [v.cost_amount_expected for v in result.batch.value_entries] == [D("-80.00")]
    line = shop.order().line(10000)
    assert (line.finished_quantity, line.scrap_quantity) == (6, 4)
    assert shop.order().quality_order("Q1").status is QualityOrderStatus.RESOLVED
    # the rest of the output can still be reversed, no more
    with pytest.raises(InsufficientQuantityError):
        shop.post(ReverseEntry("REV", ValueSource.ITEM, output_no, D(7)))
    shop.finish()


def test_rework_sends_the_units_back_and_accept_lets_them_pass() -> None:
    check = blocking_check(on_failure=QualityFailureAction.REWORK, rework_operation_no="10")
    shop = Shop(records(op_checks=(check,)), qty=10)
    shop.output("10", 10)
    result = shop.record(
        "Q1", QualityResult("DIA", value="11"), QualityResult("VISUAL", passed=False), failed=2
    )
    assert result.batch is None
    assert "2 PCS of SHAFT to rework at operation 10" in result.notes
    assert shop.order().quality_order("Q1").disposition == "REWORK 2 at 10"
    shop.output("10", 2)  # the rework is posted (and costed) at operation 10 again
    (_q1, q2) = shop.order().quality_orders
    assert q2.covered_quantity == 2
    shop.record(q2.no, QualityResult("DIA", value="10"), QualityResult("VISUAL", passed=True))
    assert shop.order().quality_order(q2.no).status is QualityOrderStatus.PASSED
    shop.output("20", 10)
    shop.finish()


def test_accepting_a_failure_resolves_it() -> None:
    shop = Shop(records(op_checks=(blocking_check(),)), qty=10)
    shop.output("10", 10)
    shop.record("Q1", QualityResult("DIA", value="11"), QualityResult("VISUAL", passed=True))
    result = shop.post(ResolveQualityOrder("ACCEPT", "PO-1", "Q1", QualityFailureAction.NONE))
    assert result.batch is None
    assert shop.order().quality_order("Q1").disposition == "ACCEPT 10"
    shop.output("20", 10)
    shop.finish()
    assert shop.order().status is OrderStatus.FINISHED


def test_refused_quality_commands_change_nothing() -> None:
    shop = Shop(records(op_checks=(blocking_check(),)), qty=10)
    shop.output("10", 10)
    before = shop.snapshot()
    with pytest.raises(InvalidValueError, match="needs a measured value"):
        shop.record("Q1", QualityResult("DIA", passed=True))
    with pytest.raises(InvalidValueError, match="failed_quantity"):
        shop.record("Q1", QualityResult("VISUAL", passed=False), failed=11)
    with pytest.raises(NotAllowedError, match="only a failed quality order"):
        shop.post(ResolveQualityOrder("R", "PO-1", "Q1", QualityFailureAction.NONE))
    assert shop.snapshot() == before
    shop.record("Q1", QualityResult("VISUAL", passed=False), QualityResult("DIA", value="10"))
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        shop.post(ResolveQualityOrder("R", "PO-1", "Q1", QualityFailureAction.SCRAP, D(11)))
    assert shop.snapshot() == before


def test_quality_commands_are_idempotent_and_travel_as_json() -> None:
    shop = Shop(records(op_checks=(blocking_check(),)), qty=10)
    shop.output("10", 10)
    command = RecordQualityResults(
        "Q", "PO-1", "Q1", (QualityResult("DIA", value="10"), QualityResult("VISUAL", passed=True))
    )
    first = shop.post(command)
    assert shop.post(command) == first
    resolve = ResolveQualityOrder("R", "PO-1", "Q1", QualityFailureAction.SCRAP, D(1), "X")
    for cmd in (command, resolve):
        assert loads(dumps(cmd), Command) == cmd


def test_check_definitions_are_validated() -> None:
    with pytest.raises(InvalidValueError, match="exactly one"):
        QualityCheck("C", (VISUAL,))
    with pytest.raises(InvalidValueError, match="rework needs"):
        QualityCheck("C", (VISUAL,), sample_quantity=1, on_failure=QualityFailureAction.REWORK)
    assert DIAMETER.accepts(D("9.9")) and not DIAMETER.accepts(D("10.11"))
