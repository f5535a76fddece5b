"""``verify`` over a store it knows only through the ports (no counters, no raw rows)."""

from __future__ import annotations

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.integrity import verify
from prodcore.ports import UnitOfWork
from prodcore.testing.contracts import sample_batch


def test_a_ports_only_store_is_read_up_to_its_first_missing_batch() -> None:
    store = InMemoryStore()

    def factory() -> UnitOfWork:
        return InMemoryUnitOfWork(store)

    with factory() as uow:
        for _ in range(3):
            uow.ledger.append(sample_batch())
        uow.commit()
    report = verify(factory)
    assert report.ok, report.problems
    # three batches of an item, a capacity, a value entry and two G/L lines each
    assert report.checked == 3 * 6
