"""What a SQL unit of work reads to commit: a posting on SQLite reads the ledger
counters and the stored versions in one statement; a run of commands that staged
entries of an average-cost item and then asks for its period average starts from a
copy of the store's kept pool (statements independent of the item's ledger), and values
as the same commands one by one; the PostgreSQL store's round-trip counter counts the
waits of every thread."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from prodcore.adapters import MemoryStoreFactory, Store, open_store
from prodcore.adapters._sql import SqlStore, _Committed
from prodcore.app import handle, handle_many
from prodcore.ledger.average_periods import AveragePoolKey
from prodcore.ledger.valuation import entry_value
from prodcore.masterdata import AverageCostPeriod, ManufacturingSetup
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from prodcore.testing.contracts import sample_batch, sample_order
from tests.costing.test_average_cost_period import CLOCK, _post, _shop
from tests.persistence.conftest import fresh_store
from tests.persistence.counting import count, count_in_writes


@pytest.fixture
def sqlite_store() -> Iterator[SqlStore]:
    with fresh_store("sqlite-file") as store:
        assert isinstance(store, SqlStore)
        yield store


def test_a_posting_reads_the_counters_and_the_versions_in_one_statement(
    sqlite_store: SqlStore,
) -> None:
    with sqlite_store() as uow:
        uow.orders.add(sample_order("PO-1"))
        uow.commit()
    in_commit = count_in_writes(sqlite_store, "query")
    with sqlite_store() as uow:
        uow.orders.get("PO-1")
        uow.ledger.append(sample_batch("3", "4"))
        uow.commit()
    counters_or_versions = [
        s for s in in_commit if "prodcore_versions" in s or "prodcore_ledger_counters" in s
    ]
    assert len(counters_or_versions) == 1
    assert "prodcore_versions" in counters_or_versions[0]
    assert "prodcore_ledger_counters" in counters_or_versions[0]
    with sqlite_store() as uow:
        assert [e.entry_no for e in uow.ledger.item_entries()] == [1]


def _moves(key: str, day: int) -> list[AdjustInventory]:
    """A receipt and two outbound postings of A in March, in one run."""
    lines = [("5", "7.30"), ("-3", None), ("-4", None)]
    return [
        AdjustInventory(
            f"{key}-{n}",
            (AdjustmentLine("A", qty, "", unit_cost=None if cost is None else Decimal(cost)),),
            posting_date=dt.date(2026, 3, day),
        )
        for n, (qty, cost) in enumerate(lines)
    ]


def _statements_of_a_run(store: Store, receipts: int) -> tuple[int, list[Decimal]]:
    """Commit ``receipts`` receipts of A one by one, then run :func:`_moves` in one unit
    of work: the statements the run's unit of work ran, and the values of every entry."""
    _shop(store, AverageCostPeriod.MONTH)
    for n in range(receipts):
        _post(store, f"in-{n}", 1 + n % 20, 2, f"{5 + n % 3}.00")
    seen: list[str] = []
    if isinstance(store, SqlStore):
        count(store, "query", seen)
        seen_in_writes = count_in_writes(store, "query")
    handle_many(store(), _moves("run", 25), clock=CLOCK)
    statements = len(seen) + (len(seen_in_writes) if isinstance(store, SqlStore) else 0)
    with store() as uow:
        values = [entry_value(uow.ledger, e.entry_no) for e in uow.ledger.item_entries()]
    return statements, values


@pytest.mark.parametrize("receipts", [4, 40])
def test_a_run_that_staged_entries_of_an_average_item_reads_no_entry_per_entry(
    tmp_path: Path, receipts: int
) -> None:
    with open_store(f"sqlite:///{tmp_path}/few.db") as few:
        statements_few, _ = _statements_of_a_run(few, 2)
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        statements, values = _statements_of_a_run(store, receipts)
    assert statements == statements_few  # not one more per committed entry
    expected_store = MemoryStoreFactory()
    _shop(expected_store, AverageCostPeriod.MONTH)
    for n in range(receipts):
        _post(expected_store, f"in-{n}", 1 + n % 20, 2, f"{5 + n % 3}.00")
    for command in _moves("run", 25):  # one by one
        handle(expected_store(), command, clock=CLOCK)
    with expected_store() as uow:
        expected = [entry_value(uow.ledger, e.entry_no) for e in uow.ledger.item_entries()]
    assert values == expected
    assert values[-2:] != [Decimal(0), Decimal(0)]  # the outbound entries were valued


def test_the_round_trip_counter_adds_one_thread_at_a_time() -> None:
    """Threads of one store add to its counter under a lock (``+=`` on a shared
    attribute may lose counts when threads switch inside it): an addition waits while
    another holds it, and none is lost."""
    pytest.importorskip("psycopg")
    from prodcore.adapters.postgres import _Trips

    trips = _Trips()
    with trips._lock:  # another thread in the middle of an addition
        waiting = threading.Thread(target=trips.add, args=(2,))
        waiting.start()
        waiting.join(0.05)
        assert waiting.is_alive() and trips.count == 0
    waiting.join()

    def add_many() -> None:
        for _ in range(1000):
            trips.add()

    threads = [threading.Thread(target=add_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert trips.count == 2 + 4 * 1000


def test_the_kept_pool_a_run_started_from_is_checked_at_commit(sqlite_store: SqlStore) -> None:
    """The run notes the mark of the committed pool it copied, checked at its commit:
    a receipt committed since changes it."""
    _shop(sqlite_store, AverageCostPeriod.MONTH)
    _post(sqlite_store, "in-1", 2, 10, "5.00")
    key = AveragePoolKey.of(
        ManufacturingSetup(average_cost_period=AverageCostPeriod.MONTH), "A", ""
    )
    uow = sqlite_store()
    noted: dict[object, object] = {}

    def noting_commit() -> None:  # what the run read, then nothing written
        noted.update(uow.reads.seen)
        raise RuntimeError("not committed")

    uow.commit = noting_commit  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        handle_many(uow, _moves("run", 25), clock=CLOCK)
    mark = noted[("average_pool_mark", key)]
    committed = _Committed(sqlite_store, sqlite_store.query)
    assert committed.current(("average_pool_mark", key)) == mark  # nothing committed since
    _post(sqlite_store, "in-2", 3, 10, "7.00")
    assert committed.current(("average_pool_mark", key)) != mark
