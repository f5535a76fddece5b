"""A batch appended to a unit of work goes into its staged ledger index when a query
needs it: appending and committing indexes nothing, and a query after an append sees
every batch appended before it."""

from __future__ import annotations

from decimal import Decimal

import attrs

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.testing.contracts import sample_batch


def test_append_and_commit_index_nothing_and_a_query_sees_every_append() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    with uow:
        uow.ledger.append(sample_batch())
        index = uow.ledger._index  # item application asked it for open entries before
        assert index is None or not index.batches  # nothing asked for the batch yet
        uow.commit()
        assert store.ledger.on_hand("STEEL") == Decimal(-2)
        first = uow.ledger.append(sample_batch())
        second = uow.ledger.append(attrs.evolve(sample_batch(), document_no="D-2"))
        assert uow.ledger.on_hand("STEEL") == Decimal(-6)  # committed and both staged
        assert set(uow.ledger.staged.batches) == {first.posting_no, second.posting_no}
        uow.commit()
    assert store.ledger.on_hand("STEEL") == Decimal(-6)
