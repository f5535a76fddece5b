"""The memory store checks a committing unit of work's reads only when something was
committed since it began: otherwise every committed value it read is still the same."""

from __future__ import annotations

import pytest

import prodcore.adapters.memory as memory
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.errors import ConcurrencyError, NotFoundError
from prodcore.masterdata import Item


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = getattr(memory, "check_reads")  # noqa: B009 (not exported; patched here)

    def counting(*args: object) -> None:
        calls.append(1)
        real(*args)

    monkeypatch.setattr(memory, "check_reads", counting)
    return calls


def _store() -> InMemoryStore:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        uow.master_data.put(Item("A", base_unit="PCS"))
        uow.commit()
    return store


def test_reads_are_checked_only_after_another_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store()
    checks = _counting(monkeypatch)
    with InMemoryUnitOfWork(store) as uow:
        uow.master_data.item("A")
        uow.master_data.put(Item("B", base_unit="PCS"))
        uow.commit()  # nothing committed since it began
        assert checks == []
        uow.master_data.item("A")  # a unit of work begins again at commit
        with InMemoryUnitOfWork(store) as other:
            other.master_data.put(Item("C", base_unit="PCS"))
            other.commit()
        uow.master_data.put(Item("D", base_unit="PCS"))
        uow.commit()  # C was committed since: the reads are checked (A is unchanged)
        assert checks == [1]


def test_a_change_committed_since_is_still_refused() -> None:
    store = _store()
    with InMemoryUnitOfWork(store) as uow:
        uow.master_data.item("A")
        with InMemoryUnitOfWork(store) as other:
            other.master_data.put(Item("A", base_unit="KG"))
            other.commit()
        uow.master_data.put(Item("B", base_unit="PCS"))
        with pytest.raises(ConcurrencyError):
            uow.commit()
    with InMemoryUnitOfWork(store) as uow, pytest.raises(NotFoundError):
        uow.master_data.item("B")


def test_an_order_put_outside_a_unit_of_work_counts_as_a_commit() -> None:
    store = _store()
    before = store.commits
    store.put_order("PO-X", None)
    assert store.commits == before + 1


def test_a_unit_of_work_begun_during_a_commit_has_its_reads_checked() -> None:
    """Reads take no lock: one that begins while another commit writes can see part of it,
    so the counter moves after the last write too and its reads are checked."""
    store = _store()
    during: list[InMemoryUnitOfWork] = []

    class Hooked(dict):  # type: ignore[type-arg]
        def __setitem__(self, key: object, value: object) -> None:
            if key == (Item, "Y") and not during:  # X is written, Y not yet
                reader = InMemoryUnitOfWork(store).__enter__()
                with pytest.raises(NotFoundError):
                    reader.master_data.item("Y")
                during.append(reader)
            super().__setitem__(key, value)

    store.master = Hooked(store.master)
    with InMemoryUnitOfWork(store) as writer:
        writer.master_data.put(Item("X", base_unit="PCS"))
        writer.master_data.put(Item("Y", base_unit="PCS"))
        writer.commit()
    reader = during[0]
    reader.master_data.put(Item("Z", base_unit="PCS"))  # decided on Y missing: stale
    with pytest.raises(ConcurrencyError):
        reader.commit()
    reader.__exit__(None, None, None)
