"""Every status transition, allowed and refused; edit rules per status; state unchanged on refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, preview, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import (
    BomCycleError,
    ConcurrencyError,
    DuplicateError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
    ProdcoreError,
)
from prodcore.masterdata import BomLine, FlushingMethod, Item, ProductionBom, Replenishment
from prodcore.numbers import Duration
from prodcore.orders.lifecycle import (
    TRANSITIONS,
    AddComponent,
    ChangeComponent,
    ChangeOperation,
    ChangeOrder,
    ChangeStatus,
    CreateOrder,
    DeleteOrder,
    LifecycleCommand,
    RefreshOrder,
    RemoveComponent,
)
from prodcore.orders.model import OrderStatus, ProductionOrder

S = OrderStatus
DUE = dt.date(2026, 3, 9)


def _by_rank(pair: tuple[OrderStatus, OrderStatus]) -> tuple[int, int]:
    return (pair[0].rank, pair[1].rank)


ALLOWED = sorted(TRANSITIONS, key=_by_rank)
ALL_PAIRS = [(a, b) for a in S for b in S]


def _create(
    uow: InMemoryUnitOfWork, clock: FixedClock, status: OrderStatus, order_id: str = "PO-1"
) -> ProductionOrder:
    out = handle(uow, CreateOrder(order_id, "TABLE", 10, due_date=DUE, status=status), clock=clock)
    assert out.order is not None
    return out.order


def _reach(uow: InMemoryUnitOfWork, clock: FixedClock, status: OrderStatus) -> ProductionOrder:
    if status is S.FINISHED:
        _create(uow, clock, S.RELEASED)
        order = handle(uow, ChangeStatus("PO-1", S.FINISHED), clock=clock).order
        assert order is not None
        return order
    return _create(uow, clock, status)


def _snapshot(store: InMemoryStore) -> dict[str, ProductionOrder]:
    return dict(store.orders)


@pytest.mark.parametrize(("src", "dst"), ALLOWED)
def test_allowed_transition(
    uow: InMemoryUnitOfWork, clock: FixedClock, src: OrderStatus, dst: OrderStatus
) -> None:
    before = _reach(uow, clock, src)
    clock.advance(dt.timedelta(hours=1))
    after = handle(uow, ChangeStatus("PO-1", dst, reason="why not"), clock=clock).order
    assert after is not None
    assert after.status is dst
    assert after.version == before.version + 1
    assert after.history[-1].from_status is src and after.history[-1].to_status is dst
    assert after.history[-1].at == clock.now() and after.history[-1].reason == "why not"
    assert after.id == before.id  # one identity for the whole life


@pytest.mark.parametrize(("src", "dst"), [p for p in ALL_PAIRS if p not in TRANSITIONS])
def test_refused_transition_names_order_status_and_command_and_changes_nothing(
    store: InMemoryStore,
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    src: OrderStatus,
    dst: OrderStatus,
) -> None:
    _reach(uow, clock, src)
    before = _snapshot(store)
    with pytest.raises(InvalidTransitionError) as info:
        handle(uow, ChangeStatus("PO-1", dst), clock=clock)
    err = info.value
    assert (err.order_id, err.status, err.command) == (
        "PO-1",
        src.value,
        f"change status to {dst.value}",
    )
    assert "PO-1" in str(err) and src.value in str(err)
    assert _snapshot(store) == before


def test_statuses_only_move_forward() -> None:
    assert all(a.rank < b.rank for a, b in TRANSITIONS)
    assert not any(b is S.PLANNED for _, b in TRANSITIONS)  # planned orders come from planning


EDITS: list[LifecycleCommand] = [
    RefreshOrder("PO-1"),
    ChangeOrder("PO-1", quantity=Decimal(12)),
    ChangeOrder("PO-1", due_date=dt.date(2026, 4, 1)),
    AddComponent("PO-1", 10000, "SCREW", Decimal(2)),
    ChangeComponent("PO-1", 10000, 10000, quantity_per=Decimal(5)),
    RemoveComponent("PO-1", 10000, 20000),
    ChangeOperation("PO-1", 10000, "10", run_time=Duration(7)),
    DeleteOrder("PO-1"),
]


@pytest.mark.parametrize("status", [S.SIMULATED, S.PLANNED, S.FIRM_PLANNED, S.RELEASED])
@pytest.mark.parametrize("command", EDITS, ids=lambda c: f"{c.name}")
def test_edits_allowed_before_finish(
    uow: InMemoryUnitOfWork, clock: FixedClock, status: OrderStatus, command: LifecycleCommand
) -> None:
    before = _reach(uow, clock, status)
    out = handle(uow, command, clock=clock)
    if isinstance(command, DeleteOrder):
        assert out.order is None
        with pytest.raises(NotFoundError):
            handle(uow, RefreshOrder("PO-1"), clock=clock)
    else:
        assert out.order is not None and out.order.version == before.version + 1


@pytest.mark.parametrize("command", EDITS, ids=lambda c: f"{c.name}")
def test_finished_order_is_read_only(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, command: LifecycleCommand
) -> None:
    _reach(uow, clock, S.FINISHED)
    before = _snapshot(store)
    with pytest.raises(InvalidTransitionError) as info:
        handle(uow, command, clock=clock)
    assert info.value.status == "FINISHED"
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    "command",
    [RefreshOrder("PO-1"), ChangeOrder("PO-1", quantity=Decimal(1)), DeleteOrder("PO-1")],
    ids=lambda c: c.name,
)
def test_released_order_with_postings_refuses_structural_changes(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, command: LifecycleCommand
) -> None:
    order = _create(uow, clock, S.RELEASED)
    with uow:  # simulate a posting having happened
        uow.orders.save(attrs.evolve(order, has_postings=True, version=2), expected_version=1)
        uow.commit()
    before = _snapshot(store)
    with pytest.raises(InvalidTransitionError, match="Entries are posted to it"):
        handle(uow, command, clock=clock)
    assert _snapshot(store) == before


def test_component_with_consumption_cannot_be_removed(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    order = _create(uow, clock, S.RELEASED)
    line = order.lines[0]
    consumed = attrs.evolve(line.components[0], consumed_quantity=Decimal(1))
    with uow:
        uow.orders.save(
            attrs.evolve(
                order.replace_line(attrs.evolve(line, components=(consumed, *line.components[1:]))),
                version=2,
            ),
            expected_version=1,
        )
        uow.commit()
    with pytest.raises(InvalidTransitionError, match="consumption posted"):
        handle(uow, RemoveComponent("PO-1", 10000, 10000), clock=clock)


def test_create_explodes_components_and_operations(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    order = _create(uow, clock, S.FIRM_PLANNED)
    (line,) = order.lines
    assert {c.item_no: c.expected_quantity for c in line.components} == {
        "LEG": 40,
        "TOP": 10,
        "SCREW": 168,
    }
    assert [op.operation_no for op in line.operations] == ["10", "20"]
    assert line.component(10000).flushing_method is FlushingMethod.BACKWARD
    assert order.history[0].from_status is None and order.history[0].to_status is S.FIRM_PLANNED


def test_change_quantity_re_explodes(uow: InMemoryUnitOfWork, clock: FixedClock) -> None:
    _create(uow, clock, S.PLANNED)
    order = handle(uow, ChangeOrder("PO-1", quantity=Decimal(5)), clock=clock).order
    assert order is not None
    assert order.quantity == 5 and order.lines[0].component(10000).expected_quantity == 20


def test_component_edits_recalculate_expected_quantity(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    _create(uow, clock, S.FIRM_PLANNED)
    order = handle(
        uow,
        ChangeComponent("PO-1", 10000, 10000, quantity_per=Decimal(3), scrap_percent=Decimal(10)),
        clock=clock,
    ).order
    assert order is not None and order.lines[0].component(10000).expected_quantity == 33
    order = handle(
        uow,
        AddComponent("PO-1", 10000, "SCREW", Decimal(2), scrap_percent=Decimal(50)),
        clock=clock,
    ).order
    assert order is not None
    added = order.lines[0].components[-1]
    assert (added.line_no, added.expected_quantity) == (40000, Decimal(30))


def test_preview_decides_without_writing(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    _create(uow, clock, S.FIRM_PLANNED)
    before = _snapshot(store)
    out = preview(uow, ChangeStatus("PO-1", S.RELEASED), clock=clock)
    assert out.order is not None and out.order.status is S.RELEASED
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (CreateOrder("PO-1", "TABLE", 1, due_date=DUE), DuplicateError),
        (CreateOrder("PO-2", "NOPE", 1, due_date=DUE), NotFoundError),
        (CreateOrder("PO-3", "TABLE", 1, due_date=DUE, status=S.FINISHED), InvalidValueError),
        (ChangeStatus("PO-9", S.RELEASED), NotFoundError),
        (ChangeComponent("PO-1", 10000, 99, quantity_per=Decimal(1)), NotFoundError),
        (AddComponent("PO-1", 55, "LEG", Decimal(1)), NotFoundError),
        (AddComponent("PO-1", 10000, "LEG", Decimal(1), unit="BOX"), NotFoundError),
        (ChangeOperation("PO-1", 10000, "99"), NotFoundError),
    ],
    ids=lambda v: getattr(v, "name", getattr(v, "__name__", "")),
)
def test_bad_commands_raise_typed_errors_and_change_nothing(
    store: InMemoryStore,
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    command: LifecycleCommand,
    error: type[ProdcoreError],
) -> None:
    _create(uow, clock, S.FIRM_PLANNED)
    before = _snapshot(store)
    with pytest.raises(error):
        handle(uow, command, clock=clock)
    assert _snapshot(store) == before


def test_bad_values_are_refused_when_commands_are_built() -> None:
    with pytest.raises(InvalidValueError):
        CreateOrder("PO-1", "TABLE", -1, due_date=DUE)
    with pytest.raises(InvalidValueError):
        AddComponent("PO-1", 1, "X", 1.5)  # type: ignore[arg-type]


def test_stale_unit_of_work_gets_concurrency_error(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    _create(uow, clock, S.FIRM_PLANNED)
    slow = InMemoryUnitOfWork(store)
    with slow:
        order = slow.orders.get("PO-1")
        handle(
            InMemoryUnitOfWork(store), ChangeStatus("PO-1", S.RELEASED), clock=clock
        )  # someone else wins
        with pytest.raises(ConcurrencyError):  # at save (like UPDATE ... WHERE version) or commit
            slow.orders.save(attrs.evolve(order, description="late", version=2), expected_version=1)
            slow.commit()
    assert store.orders["PO-1"].status is S.RELEASED and store.orders["PO-1"].description != "late"


def test_master_data_with_a_cycle_is_refused_whole(
    store: InMemoryStore, uow: InMemoryUnitOfWork
) -> None:
    before = dict(store.master)
    with pytest.raises(BomCycleError) as info:
        put_master_data(
            uow,
            [
                Item(
                    "A",
                    base_unit="PCS",
                    replenishment=Replenishment.PRODUCTION,
                    production_bom_no="BA",
                ),
                Item(
                    "B",
                    base_unit="PCS",
                    replenishment=Replenishment.PRODUCTION,
                    production_bom_no="BB",
                ),
                ProductionBom("BA", (BomLine("B"),)),
                ProductionBom("BB", (BomLine("A"),)),
            ],
        )
    assert set(info.value.cycle) == {"A", "B"}
    assert store.master == before
