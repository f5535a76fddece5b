"""A unit of work that staged no batch answers its ledger queries from committed state
and one shared empty index that refuses writes: no index is built for it, and nothing
one unit of work does is left there for another."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal

import pytest

from prodcore.adapters._staging import _NOTHING_STAGED
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.ledger import balances
from prodcore.ledger.balances import LedgerIndex
from prodcore.testing.contracts import sample_batch


def _contents(index: LedgerIndex) -> list[object]:
    """Its tables (the mappings and sets it keeps)."""
    return [
        table
        for owner in (index, index.bins)
        for table in vars(owner).values()
        if isinstance(table, Mapping | AbstractSet)
    ]


def test_queries_before_an_append_build_no_index(monkeypatch: pytest.MonkeyPatch) -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as seed:
        seed.ledger.append(sample_batch())
        seed.commit()
    built: list[LedgerIndex] = []
    init = LedgerIndex.__init__

    def counting(index: LedgerIndex) -> None:
        built.append(index)
        init(index)

    monkeypatch.setattr(balances.LedgerIndex, "__init__", counting)
    with InMemoryUnitOfWork(store) as uow:
        assert uow.ledger.on_hand("STEEL") == Decimal(-2)
        assert uow.ledger.item_entries(item_no="STEEL")
        assert uow.ledger.staged is _NOTHING_STAGED
        assert not built
        uow.ledger.append(sample_batch())  # now staged: an index of its own
        assert uow.ledger.on_hand("STEEL") == Decimal(-4)
        assert len(built) == 1 and uow.ledger.staged is built[0]
    with InMemoryUnitOfWork(store) as after:  # the rolled-back batch is nowhere
        assert after.ledger.on_hand("STEEL") == Decimal(-2)
        assert after.ledger.staged is _NOTHING_STAGED


def test_the_shared_index_stays_empty_and_refuses_writes() -> None:
    empty = LedgerIndex()
    assert all(not table for table in _contents(_NOTHING_STAGED))
    assert len(_contents(_NOTHING_STAGED)) == len(_contents(empty))
    with pytest.raises(TypeError):
        _NOTHING_STAGED.apply(sample_batch())
    with pytest.raises(TypeError):
        _NOTHING_STAGED.marks[1] = True
    with pytest.raises(AttributeError):
        _NOTHING_STAGED.revalued_items.add("A")
    assert all(not table for table in _contents(_NOTHING_STAGED))
