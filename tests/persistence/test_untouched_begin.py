"""A staging unit of work makes its state (reads and staged repositories) at its first
use and drops it when it ends (``with`` entered, commit, rollback): a command that
enters, commits and leaves makes it once, and nothing read or staged outlives the unit
of work that did it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from prodcore.adapters import Store, open_store
from prodcore.adapters._staging import StagingUnitOfWork
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle
from prodcore.clock import FixedClock
from prodcore.errors import ConcurrencyError, ConflictError, NotFoundError
from prodcore.masterdata import Item
from prodcore.orders.lifecycle import CreateOrder
from prodcore.testing.contracts import sample_batch


def _parts(uow: InMemoryUnitOfWork) -> tuple[object, ...]:
    return (uow.reads, uow.master_data, uow.orders, uow.ledger)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = "memory:" if request.param == "memory" else f"sqlite:///{tmp_path}/s.db"
    with open_store(url) as opened:
        yield opened


def test_a_command_makes_its_unit_of_work_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store() as seed:
        seed.master_data.put(Item("A", base_unit="PCS"))
        seed.commit()
    made: list[object] = []
    start = StagingUnitOfWork._start

    def counting(uow: StagingUnitOfWork) -> object:
        made.append(uow)
        return start(uow)

    monkeypatch.setattr(StagingUnitOfWork, "_start", counting)
    clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
    # made, entered, read, staged, committed, left
    handle(store(), CreateOrder("PO-1", "A", 1, due_date=dt.date(2026, 3, 31)), clock=clock)
    assert len(made) == 1
    with store() as check:
        assert check.orders.get("PO-1").quantity == 1


def test_the_state_is_made_at_first_use_and_dropped_at_each_end() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    assert uow._work is None and not uow.has_writes  # nothing made yet
    with uow:
        assert uow._work is None
        first = _parts(uow)
        assert all(a is b for a, b in zip(_parts(uow), first, strict=True))  # one state
        uow.commit()  # nothing staged: ended all the same
        assert uow._work is None
        second = _parts(uow)
        assert not any(a is b for a, b in zip(second, first, strict=True))
    assert uow._work is None


@pytest.mark.parametrize("touch", ["read", "absent", "write", "append"])
def test_a_rollback_drops_what_was_read_and_staged(touch: str) -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as seed:
        seed.master_data.put(Item("A", base_unit="PCS"))
        seed.commit()
    uow = InMemoryUnitOfWork(store)
    with uow:
        before = _parts(uow)
        if touch == "read":
            uow.master_data.item("A")
        elif touch == "absent":
            with pytest.raises(NotFoundError):
                uow.master_data.item("B")
        elif touch == "write":
            uow.master_data.put(Item("B", base_unit="PCS"))
        else:
            uow.ledger.append(sample_batch())
        uow.rollback()
        after = _parts(uow)
        assert not any(a is b for a, b in zip(after, before, strict=True))
        assert not uow.reads.seen and not uow.has_writes
    # the rolled-back append gave the numbering back: another unit of work posts
    with InMemoryUnitOfWork(store) as other:
        other.ledger.append(sample_batch())
        other.commit()
    one = InMemoryStore()
    with InMemoryUnitOfWork(one) as only:
        only.ledger.append(sample_batch())
        only.commit()
    assert store.ledger.on_hand("STEEL") == one.ledger.on_hand("STEEL") != 0


def test_a_unit_of_work_sees_commits_made_before_it_reads() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    with InMemoryUnitOfWork(store) as rival:
        rival.master_data.put(Item("A", base_unit="PCS"))
        rival.commit()
    with uow:  # nothing read yet, so what it reads now is what is committed
        assert uow.master_data.item("A").base_unit == "PCS"
        uow.master_data.put(Item("B", base_unit="PCS"))
        uow.commit()
    with InMemoryUnitOfWork(store) as check:
        assert {i.no for i in check.master_data.items()} == {"A", "B"}


def test_a_read_overtaken_by_a_commit_is_still_refused(store: Store) -> None:
    with store() as seed:
        seed.master_data.put(Item("A", base_unit="PCS"))
        seed.commit()
    with store() as uow:
        uow.commit()  # nothing staged: ended, the next use starts again
        uow.master_data.item("A")
        with store() as rival:
            rival.master_data.put(Item("A", base_unit="KG"))
            rival.commit()
        uow.master_data.put(Item("B", base_unit="PCS"))
        with pytest.raises((ConflictError, ConcurrencyError)):
            uow.commit()
    with store() as check, pytest.raises(NotFoundError):
        check.master_data.item("B")
