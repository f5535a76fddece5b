"""The one way in: every command type has a handler, ``handle`` and ``preview`` accept
each of them (a refusal is a ProdcoreError, never an AttributeError or TypeError), and a
caller's mistake is an InvalidValueError."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any, get_args

import pytest

from prodcore.adapters import open_store
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import HANDLERS, handle, preview, put_master_data
from prodcore.clock import FixedClock
from prodcore.commands import Command, PutMasterData, ScheduleOrder
from prodcore.costing import AdjustCost, ImplementStandardCost
from prodcore.costing.item_adjustment import AdjustItemCosts, CorrectInboundCost
from prodcore.errors import (
    ConcurrencyError,
    InvalidValueError,
    KeyTakenError,
    ProdcoreError,
)
from prodcore.ledger.model import IdempotencyRecord, PostingResult, ValueSource
from prodcore.masterdata import CapacityType, Item, QualityFailureAction
from prodcore.orders.execution import (
    AdjustInventory,
    AdjustmentLine,
    ByProductLine,
    CapacityLine,
    ConsumptionLine,
    OutputLine,
    PickComponents,
    PickLine,
    PostByProduct,
    PostCapacity,
    PostConsumption,
    PostOutput,
    PostProductionJournal,
    ReverseEntry,
)
from prodcore.orders.lifecycle import (
    AddComponent,
    CancelOrder,
    ChangeComponent,
    ChangeD365Status,
    ChangeOperation,
    ChangeOrder,
    ChangeOrderQuantity,
    ChangeStatus,
    CreateOrder,
    DeleteOrder,
    HoldOrder,
    RefreshOrder,
    ReleaseHold,
    RemoveComponent,
)
from prodcore.orders.model import D365Status, OrderStatus, QualityResult
from prodcore.orders.picking import ReturnLine, ReturnSurplus
from prodcore.orders.quality import RecordQualityResults, ResolveQualityOrder
from prodcore.orders.registering import RegisterJobEvent
from prodcore.orders.registration import JobEvent, JobEventType
from prodcore.orders.reverse_all import ReverseOrderPostings
from prodcore.orders.splitting import SplitOrder
from prodcore.orders.subcontracting import (
    CancelSubcontractRequest,
    ReceiveSubcontractedWork,
    RegisterSubcontractRequests,
    ShipToSubcontractor,
    SubcontractRequest,
    UndoSubcontractReceipt,
)
from tests.orders.conftest import DUE, T0, table_master_data

ONE = Decimal(1)

#: One instance of every command type, against a shop with the released order PO-1.
EXAMPLES: list[Any] = [
    CreateOrder("PO-2", "TABLE", ONE, due_date=DUE),
    RefreshOrder("PO-1"),
    ChangeOrder("PO-1", quantity=Decimal(3)),
    ChangeStatus("PO-1", OrderStatus.FINISHED),
    AddComponent("PO-1", 10000, "LEG", ONE),
    ChangeComponent("PO-1", 10000, 10000, scrap_percent=Decimal(3)),
    RemoveComponent("PO-1", 10000, 10000),
    ChangeOperation("PO-1", 10000, "10"),
    DeleteOrder("PO-1"),
    PostConsumption("k", (ConsumptionLine("PO-1", 10000, 20000, ONE),)),
    PostOutput("k", (OutputLine("PO-1", 10000, output_quantity=ONE),)),
    PostProductionJournal("k", "PO-1", 10000),
    PostCapacity("k", (CapacityLine(CapacityType.WORK_CENTER, "ASSEMBLY"),)),
    PickComponents("k", "PO-1", (PickLine(10000, 20000, ONE),)),
    ReverseEntry("k", ValueSource.ITEM, 1),
    AdjustInventory("k", (AdjustmentLine("TOP", ONE),)),
    PostByProduct("k", (ByProductLine("PO-1", 10000, "SCREW", ONE),)),
    RegisterSubcontractRequests(
        "k",
        (
            SubcontractRequest(
                "PO-1", 10000, "10", "ASSEMBLY", "V1", "TABLE", ONE, "PCS", ONE, ONE, DUE
            ),
        ),
    ),
    CancelSubcontractRequest("k", "PO-1", 10000, "10"),
    ReceiveSubcontractedWork("k", "PO-1", 10000, "10", ONE, ONE),
    UndoSubcontractReceipt("k", 1),
    ShipToSubcontractor("k", "PO-1", 10000, "10"),
    RecordQualityResults("k", "PO-1", "Q1", (QualityResult("T"),)),
    ResolveQualityOrder("k", "PO-1", "Q1", QualityFailureAction.SCRAP),
    AdjustCost("k", "PO-1"),
    ImplementStandardCost(),
    ScheduleOrder("PO-1"),
    PutMasterData((Item("NEW", base_unit="PCS"),)),
    ChangeOrderQuantity("PO-1", Decimal(3)),
    HoldOrder("PO-1", "machine down"),
    ReleaseHold("PO-1"),
    CancelOrder("PO-1"),
    ChangeD365Status("PO-1", D365Status.STARTED),
    SplitOrder("PO-1", "PO-3", ONE),
    ReverseOrderPostings("k", "PO-1"),
    ReturnSurplus("k", "PO-1", (ReturnLine(10000, 10000, 1, "S-01"),)),
    RegisterJobEvent("k", JobEvent("PO-1", 10000, "10", "ANNA", JobEventType.START, T0)),
    CorrectInboundCost("k", 1, ONE),
    AdjustItemCosts("k"),
]


def _shop() -> tuple[InMemoryStore, InMemoryUnitOfWork, FixedClock]:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    clock = FixedClock(T0)
    md = table_master_data()
    put_master_data(uow, [*md.items.values(), *md.boms.values(), *md.routings.values()])
    put_master_data(uow, md.work_centers.values())
    handle(uow, CreateOrder("PO-1", "TABLE", Decimal(2), due_date=DUE), clock=clock)
    handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
    return store, uow, clock


def _state(store: InMemoryStore) -> tuple[Any, ...]:
    return (
        dict(store.master),
        dict(store.orders),
        store.counters,
        dict(store.idempotency),
        store.ledger.on_hand("TOP"),
    )


def test_every_command_type_has_an_example_and_a_handler() -> None:
    types = set(get_args(Command))
    assert {type(c) for c in EXAMPLES} == types
    assert set(HANDLERS) == types


@pytest.mark.parametrize("command", EXAMPLES, ids=lambda c: type(c).__name__)
def test_preview_accepts_every_command_and_writes_nothing(command: Any) -> None:
    store, uow, clock = _shop()
    before = _state(store)
    # a refusal (this shop may not allow the command) is fine; a crash is not
    with contextlib.suppress(ProdcoreError):
        preview(uow, command, clock=clock)
    assert _state(store) == before


@pytest.mark.parametrize("command", EXAMPLES, ids=lambda c: type(c).__name__)
def test_handle_accepts_every_command_and_a_refusal_changes_nothing(command: Any) -> None:
    store, uow, clock = _shop()
    before = _state(store)
    try:
        handle(uow, command, clock=clock)
    except ProdcoreError:
        assert _state(store) == before


def test_a_new_item_put_through_handle_is_stored() -> None:
    _, uow, clock = _shop()
    assert handle(uow, PutMasterData((Item("NEW", base_unit="PCS"),)), clock=clock) is None
    with uow:
        assert uow.master_data.item("NEW").base_unit == "PCS"


def test_adjust_cost_through_handle_is_idempotent() -> None:
    store, uow, clock = _shop()
    output = OutputLine("PO-1", 10000, "20", output_quantity=ONE, finished=True)
    handle(uow, PostOutput("o", (output,)), clock=clock)
    handle(uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=clock)
    first = handle(uow, AdjustCost("adj", "PO-1"), clock=clock)
    assert first.command_type == "costing.adjust" and first.batch is not None
    counters = store.counters
    assert handle(uow, AdjustCost("adj", "PO-1"), clock=clock) == first
    assert store.counters == counters


@pytest.mark.parametrize("call", [handle, preview])
def test_a_store_or_its_factory_in_place_of_a_unit_of_work_is_an_invalid_value(
    call: Any,
) -> None:
    store, uow, clock = _shop()
    before = _state(store)
    command = CreateOrder("PO-9", "TABLE", ONE, due_date=DUE)
    with pytest.raises(InvalidValueError, match="not a unit of work"):
        call(store, command, clock=clock)
    with open_store("memory:") as factory, pytest.raises(InvalidValueError, match="uow"):
        call(factory, command, clock=clock)
    with pytest.raises(InvalidValueError, match="command"):
        call(uow, None, clock=clock)
    with pytest.raises(InvalidValueError, match="command"):
        call(uow, "CreateOrder", clock=clock)
    with pytest.raises(InvalidValueError, match="clock"):
        call(uow, command, clock=None)
    assert _state(store) == before


class _Racing(InMemoryUnitOfWork):
    """Fails its first ``failures`` commits with ``error`` (a concurrent writer won)."""

    def __init__(self, store: InMemoryStore, error: ProdcoreError, failures: int) -> None:
        super().__init__(store)
        self.error, self.failures, self.commits = error, failures, 0

    def commit(self) -> None:
        self.commits += 1
        if self.commits <= self.failures:
            self.rollback()
            raise self.error
        super().commit()


@pytest.mark.parametrize(
    "error",
    [
        KeyTakenError(key="k"),
        ConcurrencyError(kind="Order", key="PO-1", expected=2, actual=3),
    ],
)
def test_handle_retries_a_lost_race_then_gives_up(error: ProdcoreError) -> None:
    store, _, clock = _shop()
    command = AdjustInventory("k", (AdjustmentLine("TOP", ONE),))
    racing = _Racing(store, error, failures=2)
    with pytest.raises(type(error)):
        handle(racing, command, clock=clock, retries=1)
    assert racing.commits == 2 and store.ledger.on_hand("TOP") == 0
    racing = _Racing(store, error, failures=2)
    assert handle(racing, command, clock=clock, retries=2).batch is not None
    assert racing.commits == 3 and store.ledger.on_hand("TOP") == 1


def test_handle_refuses_negative_retries() -> None:
    _, uow, clock = _shop()
    with pytest.raises(InvalidValueError, match="retries"):
        handle(uow, ImplementStandardCost(), clock=clock, retries=-1)


@pytest.mark.parametrize("url", ["memory:", "sqlite:///:memory:"])
def test_stores_raise_key_taken_for_a_taken_idempotency_key(url: str) -> None:
    record = IdempotencyRecord("k", "hash", PostingResult("posting.output", None))
    with open_store(url) as factory:
        with factory() as uow:
            uow.ledger.remember(record)
            uow.commit()
        with factory() as uow, pytest.raises(KeyTakenError):
            uow.ledger.remember(record)
        first, second = factory(), factory()
        with first, second:  # both stage the key; the second commit finds it taken
            first.ledger.remember(IdempotencyRecord("k2", "h", record.result))
            second.ledger.remember(IdempotencyRecord("k2", "h", record.result))
            first.commit()
            with pytest.raises(KeyTakenError):
                second.commit()
