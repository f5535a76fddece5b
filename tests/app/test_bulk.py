"""``handle_many``: many commands decided in sequence in one unit of work and committed
once, all-or-nothing, on every store (memory, SQLite, PostgreSQL when a server is given)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from prodcore.adapters import Store
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, handle_many, put_master_data
from prodcore.clock import FixedClock
from prodcore.commands import Command
from prodcore.errors import (
    ConcurrencyError,
    IdempotencyConflictError,
    InvalidValueError,
    NotFoundError,
)
from prodcore.ledger.model import PostingResult
from prodcore.masterdata import ManufacturingSetup
from prodcore.orders.journals import ConsumptionLine, PostConsumption
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.ports import UnitOfWork
from tests.orders.conftest import DUE, T0, table_master_data
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)
from tests.persistence.conftest import snapshot

CLOCK = FixedClock(T0)


def _consume(key: str, order_id: str, quantity: int | str) -> PostConsumption:
    # component line 20000 is the TOP (the second BOM line)
    return PostConsumption(key, (ConsumptionLine(order_id, 10000, 20000, Decimal(quantity)),))


def _run(order_id: str) -> list[Command]:
    return [
        CreateOrder(order_id, "TABLE", 4, due_date=DUE),
        ChangeStatus(order_id, OrderStatus.RELEASED),
        _consume(f"{order_id}/C1", order_id, 1),
        _consume(f"{order_id}/C2", order_id, 2),
    ]


def _setup(uow: UnitOfWork, **setup: Any) -> None:
    md = table_master_data()
    put_master_data(
        uow,
        [*md.items.values(), *md.boms.values(), *md.routings.values(), *md.work_centers.values()],
        setup=ManufacturingSetup(**setup),
    )


def _state(store: Store) -> dict[str, Any]:
    with store() as uow:
        return snapshot(uow)


def test_a_run_writes_what_the_commands_one_by_one_write(store: Store) -> None:
    _setup(store())
    results = handle_many(store(), _run("PO-1") + _run("PO-2"), clock=CLOCK)
    reference = InMemoryUnitOfWork(InMemoryStore())
    _setup(reference)
    expected = [handle(reference, command, clock=CLOCK) for command in _run("PO-1") + _run("PO-2")]
    assert list(results) == expected
    with reference:
        assert _state(store) == snapshot(reference)


def test_a_refusal_rolls_the_whole_run_back_and_names_the_command(store: Store) -> None:
    _setup(store())
    handle_many(store(), _run("PO-1")[:2], clock=CLOCK)
    before = _state(store)
    run = [*_run("PO-2"), _consume("PO-1/C9", "PO-1", 1), _consume("PO-9/C1", "PO-9", 1)]
    with pytest.raises(NotFoundError) as refused:
        handle_many(store(), run, clock=CLOCK)
    note = (
        "handle_many: command 5 of 6 (PostConsumption, idempotency key 'PO-9/C1') "
        "was refused; nothing of the run was written"
    )
    assert refused.value.__notes__ == [note]
    assert _state(store) == before


def test_idempotency_holds_per_command_within_a_run_and_after_it(store: Store) -> None:
    _setup(store())
    first = _consume("K", "PO-1", 1)
    results = handle_many(store(), [*_run("PO-1")[:2], first, first], clock=CLOCK)
    assert isinstance(results[2], PostingResult) and results[2].batch is not None
    assert results[3] == results[2]
    after = _state(store)
    again = handle_many(store(), [first], clock=CLOCK)
    assert again == (results[2],)
    assert _state(store) == after
    with pytest.raises(IdempotencyConflictError):
        handle_many(store(), [_consume("K2", "PO-1", 1), _consume("K", "PO-1", 2)], clock=CLOCK)
    assert _state(store) == after


def test_an_empty_run_writes_nothing() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    assert handle_many(uow, [], clock=CLOCK) == ()


def test_a_callers_mistake_is_refused_before_anything_is_decided() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    _setup(uow)
    with pytest.raises(InvalidValueError):
        handle_many(uow, [*_run("PO-1"), "not a command"], clock=CLOCK)  # type: ignore[list-item]
    with pytest.raises(InvalidValueError):
        handle_many(uow, _run("PO-1"), clock=CLOCK, retries=-1)
    with uow, pytest.raises(NotFoundError):
        uow.orders.get("PO-1")


class _ConflictOnce:
    """A unit of work whose first ``conflicts`` commits meet a concurrent change."""

    def __init__(self, uow: InMemoryUnitOfWork, conflicts: int) -> None:
        self.uow = uow
        self.conflicts = conflicts

    def __getattr__(self, name: str) -> Any:
        return getattr(self.uow, name)

    def __enter__(self) -> _ConflictOnce:
        self.uow.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.uow.__exit__(*exc)

    def commit(self) -> None:
        if self.conflicts:
            self.conflicts -= 1
            self.uow.rollback()
            raise ConcurrencyError(kind="Order", key="PO-1", expected=1, actual=2)
        self.uow.commit()


def test_a_conflicting_commit_decides_the_whole_run_again_when_retries_allow() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    _setup(uow)
    with pytest.raises(ConcurrencyError):
        handle_many(_ConflictOnce(uow, 1), _run("PO-1"), clock=CLOCK)
    results = handle_many(_ConflictOnce(uow, 1), _run("PO-1"), clock=CLOCK, retries=1)
    assert len(results) == 4
    with uow:
        assert uow.orders.get("PO-1").status is OrderStatus.RELEASED


def test_who_posted_is_stamped_on_every_batch_of_the_run() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    _setup(uow)
    results = handle_many(uow, _run("PO-1"), clock=CLOCK, user="alice", source="import")
    postings = [r.batch for r in results if isinstance(r, PostingResult)]
    assert len(postings) == 2
    assert all(b is not None and (b.user, b.source) == ("alice", "import") for b in postings)
