"""A unit of work begins again at enter, commit and rollback; the staged ledger index is
built again only when something was appended to it."""

from __future__ import annotations

from decimal import Decimal

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.testing.contracts import sample_batch


def test_an_untouched_index_serves_again_and_a_used_one_never() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    with uow:
        first = uow.ledger.staged
        assert uow.ledger.on_hand("STEEL") == 0  # a query leaves the index untouched
        uow.commit()  # nothing staged
        assert uow.ledger.staged is first
        uow.ledger.append(sample_batch())
        uow.rollback()
        assert uow.ledger.staged is not first
        assert not uow.ledger.staged.batches
        assert uow.ledger.on_hand("STEEL") == 0
        uow.ledger.append(sample_batch())
        uow.commit()
        assert not uow.ledger.staged.batches
        assert uow.ledger.on_hand("STEEL") == Decimal(-2)  # counted once: committed only
