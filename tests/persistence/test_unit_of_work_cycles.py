"""A unit of work holds no reference cycle: dropped, it is freed at once by reference
counting, with its staged batches, instead of waiting for the cyclic collector."""

from __future__ import annotations

import gc
import weakref

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.testing.contracts import sample_batch


def test_a_dropped_unit_of_work_is_freed_without_the_cyclic_collector() -> None:
    store = InMemoryStore()
    gc.disable()
    try:
        uow = InMemoryUnitOfWork(store)
        with uow:
            uow.ledger.append(sample_batch())
            uow.commit()
            uow.ledger.append(sample_batch())  # staged, then rolled back at exit
        ledger = weakref.ref(uow.ledger)
        dropped = weakref.ref(uow)
        del uow
        assert dropped() is None and ledger() is None
    finally:
        gc.enable()
    assert store.ledger.on_hand("STEEL") == -2  # the committed batch only
