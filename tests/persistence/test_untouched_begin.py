"""A memory unit of work that read and staged nothing keeps its empty repositories when
it begins again (at ``with``, and at the rollback after a commit), and begins afresh
after anything that leaves state: a read, a staged write, a numbered batch."""

from __future__ import annotations

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.errors import ConcurrencyError, ConflictError, NotFoundError
from prodcore.masterdata import Item
from prodcore.testing.contracts import sample_batch


def _parts(uow: InMemoryUnitOfWork) -> tuple[object, ...]:
    return (uow.reads, uow.master_data, uow.orders, uow.ledger)


def test_entering_an_untouched_unit_of_work_keeps_its_repositories() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    before = _parts(uow)
    with uow:
        assert all(a is b for a, b in zip(_parts(uow), before, strict=True))


@pytest.mark.parametrize("touch", ["read", "absent", "write", "append"])
def test_a_touched_unit_of_work_begins_afresh(touch: str) -> None:
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


def test_a_kept_unit_of_work_still_sees_commits_made_before_it_reads() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    with InMemoryUnitOfWork(store) as rival:
        rival.master_data.put(Item("A", base_unit="PCS"))
        rival.commit()
    with uow:  # kept: nothing read yet, so what it reads now is what is committed
        assert uow.master_data.item("A").base_unit == "PCS"
        uow.master_data.put(Item("B", base_unit="PCS"))
        uow.commit()
    with InMemoryUnitOfWork(store) as check:
        assert {i.no for i in check.master_data.items()} == {"A", "B"}


def test_a_read_overtaken_by_a_commit_is_still_refused() -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as seed:
        seed.master_data.put(Item("A", base_unit="PCS"))
        seed.commit()
    with InMemoryUnitOfWork(store) as uow:
        uow.commit()  # nothing staged: begins again, kept
        uow.master_data.item("A")
        with InMemoryUnitOfWork(store) as rival:
            rival.master_data.put(Item("A", base_unit="KG"))
            rival.commit()
        uow.master_data.put(Item("B", base_unit="PCS"))
        with pytest.raises((ConflictError, ConcurrencyError)):
            uow.commit()
    with InMemoryUnitOfWork(store) as check, pytest.raises(NotFoundError):
        check.master_data.item("B")
