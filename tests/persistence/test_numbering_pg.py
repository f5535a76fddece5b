"""PostgreSQL: units of work on unrelated orders commit side by side, entry numbers are
unique and increase in commit order with gaps only where a unit of work rolled back,
and a conflict key held by a committing rival refuses a commit at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._sql import SqlStore, SqlUnitOfWork
from prodcore.adapters._staging import (
    RECORD_KEYS,
    ConflictKeys,
    StagingUnitOfWork,
    conflict_keys,
)
from prodcore.adapters.postgres import _TICKETS
from prodcore.errors import ConcurrencyError
from prodcore.integrity import seal_ledger, verify
from prodcore.testing.contracts import sample_batch, sample_order

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(pg_dsn: str) -> Iterator[SqlStore]:
    with open_store(pg_dsn, migrate=True, max_size=6) as store:
        assert isinstance(store, SqlStore)
        yield store


def _keys_of(order_id: str, item_no: str) -> ConflictKeys:
    """The conflict keys of a posting that read the stock of ``item_no`` and saved the
    order (staged in a memory store's unit of work: the keys depend on no store)."""
    with open_store("memory:") as store:
        uow = store()
        assert isinstance(uow, StagingUnitOfWork)
        uow.orders.add(sample_order(order_id))
        uow.commit()
        uow.ledger.on_hand(item_no)
        uow.orders.save(sample_order(order_id, version=2), expected_version=1)
        uow.ledger.append(sample_batch(order_id=order_id, item_no=item_no))
        return conflict_keys(uow.reads, uow.master_data, uow.orders, uow.ledger)


def _conflict(one: ConflictKeys, two: ConflictKeys) -> bool:
    def hits(a: ConflictKeys, b: ConflictKeys) -> bool:
        return bool(a.written & (b.read | {k for k in b.written if k[0] in RECORD_KEYS}))

    return hits(one, two) or hits(two, one)


def test_unrelated_postings_take_no_conflicting_key() -> None:
    a, b = _keys_of("PO-1", "C1"), _keys_of("PO-2", "C2")
    assert not _conflict(a, b)
    assert {("ledger",), ("a", "2140")} <= a.written & b.written  # writers only add
    assert _conflict(a, _keys_of("PO-1", "C3"))  # the same order
    assert _conflict(a, _keys_of("PO-3", "C1"))  # the same stock read and written


def _only(*written: tuple[object, ...]) -> ConflictKeys:
    """The keys of a rival that writes ``written`` and read nothing."""
    return ConflictKeys(read=frozenset(), written=frozenset(written))


def _post(uow: SqlUnitOfWork, order_id: str, item_no: str) -> int:
    """Decide on the stock of ``item_no`` and post one consumption for ``order_id``."""
    uow.ledger.on_hand(item_no)
    return uow.ledger.append(sample_batch(order_id=order_id, item_no=item_no)).posting_no


def test_two_unrelated_units_of_work_both_commit_without_waiting(pg: SqlStore) -> None:
    appended, go = threading.Event(), threading.Event()
    done: list[tuple[int, float]] = []

    def second() -> None:
        with pg() as two:
            no = _post(two, "PO-2", "C2")
            appended.set()
            go.wait(30)
            started = time.monotonic()
            two.commit()
            done.append((no, time.monotonic() - started))

    rival = threading.Thread(target=second)
    with pg() as one:
        first = _post(one, "PO-1", "C1")
        rival.start()
        assert appended.wait(30)  # both decided and numbered, neither committed
        started = time.monotonic()
        one.commit()
        waited = time.monotonic() - started
    go.set()
    rival.join(30)
    ((second_no, second_waited),) = done
    assert (first, second_no) == (1, 2)
    assert waited < 2 and second_waited < 2  # no lock timeout, no retry
    with pg() as uow:
        assert [e.order_id for e in uow.ledger.item_entries()] == ["PO-1", "PO-2"]


def test_a_held_conflict_key_refuses_the_commit_at_once(pg: SqlStore) -> None:
    with pg() as uow:
        uow.orders.add(sample_order("PO-1"))
        uow.orders.add(sample_order("PO-2"))
        uow.commit()
    holder = pg.begin_write()  # a rival committing a change of PO-1, stopped mid-commit
    try:
        pg.lock_keys(holder, _only(("order", "PO-1")))
        with pg() as uow:
            order = uow.orders.get("PO-1")
            uow.orders.save(sample_order("PO-1", version=2), expected_version=order.version)
            started = time.monotonic()
            with pytest.raises(ConcurrencyError):
                uow.commit()
            assert time.monotonic() - started < 2  # refused at once, not after waiting
        with pg() as uow:  # an unrelated order is not held up
            order = uow.orders.get("PO-2")
            uow.orders.save(sample_order("PO-2", version=2), expected_version=order.version)
            uow.commit()
    finally:
        holder.rollback()
    with pg() as uow:
        assert (uow.orders.get("PO-1").version, uow.orders.get("PO-2").version) == (1, 2)


def test_a_held_stock_key_refuses_a_posting_that_read_it(pg: SqlStore) -> None:
    holder = pg.begin_write()
    try:
        pg.lock_keys(holder, _only(("i", "C1")))  # a rival writing C1 is committing
        with pg() as uow:
            _post(uow, "PO-1", "C1")
            with pytest.raises(ConcurrencyError):
                uow.commit()
        with pg() as uow:
            _post(uow, "PO-2", "C2")
            uow.commit()
    finally:
        holder.rollback()
    with pg() as uow:
        assert [e.item_no for e in uow.ledger.item_entries()] == ["C2"]


def test_readers_exclude_writers_but_not_each_other_and_writers_only_add(
    pg: SqlStore,
) -> None:
    reader = pg.begin_write()  # a rival that read the stock of C1 is committing
    try:
        pg.lock_keys(reader, ConflictKeys(read=frozenset({("i", "C1")}), written=frozenset()))
        with pg() as uow:  # a blind posting of C1 would change what the rival read
            uow.ledger.append(sample_batch(item_no="C1"))
            with pytest.raises(ConcurrencyError):
                uow.commit()
        with pg() as uow:  # another reader of C1 posting elsewhere is not held up
            uow.ledger.on_hand("C1")
            uow.ledger.append(sample_batch(item_no="C2"))
            uow.commit()
    finally:
        reader.rollback()
    writer = pg.begin_write()  # a rival that only adds to C2 is committing
    try:
        pg.lock_keys(writer, _only(("i", "C2"), ("ledger",)))
        with pg() as uow:  # another blind posting of C2 adds too: no conflict
            uow.ledger.append(sample_batch(item_no="C2"))
            uow.commit()
    finally:
        writer.rollback()
    with pg() as uow:
        assert [e.item_no for e in uow.ledger.item_entries()] == ["C2", "C2"]


def _wait_for_waiting_tickets(pg: SqlStore, count: int) -> None:
    """Until ``count`` units of work wait for a posting ticket (an advisory lock not
    granted) in this test's database: the interleaving is then known, however slow the
    machine (a fixed sleep is not)."""
    deadline = time.monotonic() + 30
    while True:
        (waiting,) = pg.query(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            f"AND classid = {_TICKETS} "
            # this test's database only (the view spans all: parallel runs use several)
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )[0]
        if waiting >= count:
            assert waiting == count
            return
        assert time.monotonic() < deadline, f"{waiting} waiting, not {count}"
        time.sleep(0.01)


def test_a_later_number_commits_after_the_earlier_one(pg: SqlStore) -> None:
    done: list[int] = []
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with pg() as two:
                done.append(_post(two, "PO-2", "C2"))
                two.commit()
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    with pg() as one:
        first = _post(one, "PO-1", "C1")
        rival = threading.Thread(target=second)
        rival.start()
        _wait_for_waiting_tickets(pg, 1)  # its rows are written; it waits to commit
        assert rival.is_alive()
        with pg() as reader:  # nothing of the later posting is visible yet
            assert reader.ledger.item_entries() == []
        one.commit()
    rival.join(30)
    assert errors == [] and [first, *done] == [1, 2]
    with pg() as uow:
        found = [(e.entry_no, e.order_id) for e in uow.ledger.item_entries()]
        assert found == [(1, "PO-1"), (2, "PO-2")]
    assert verify(pg).ok


def test_a_rolled_back_posting_leaves_a_gap_that_verify_and_seals_accept(pg: SqlStore) -> None:
    with pg() as uow:
        assert uow.ledger.append(sample_batch(order_id="PO-1")).posting_no == 1
        uow.commit()
    with pg() as gone:
        assert gone.ledger.append(sample_batch(order_id="PO-9")).posting_no == 2
        gone.rollback()
    with pg() as uow:
        kept = uow.ledger.append(sample_batch(order_id="PO-2"))
        uow.commit()
    assert kept.posting_no == 3 and kept.item_entries[0].entry_no == 3
    report = verify(pg)
    assert report.ok, report.problems
    assert seal_ledger(pg) == 2  # both batches, across the gap
    with pg() as uow:
        # nothing reads numbers as counts: lists, balances and lookups see two postings
        assert [e.entry_no for e in uow.ledger.item_entries()] == [1, 3]
        assert uow.ledger.on_hand("STEEL") == Decimal("-4")
        assert uow.ledger.batch(3).posting_no == 3
        reversal = uow.ledger.append(sample_batch(order_id="PO-2", reverses=3))
        uow.commit()
    assert reversal.posting_no == 4
    assert verify(pg).ok and seal_ledger(pg) == 1


def test_a_gap_at_the_end_is_not_a_missing_batch_but_a_deleted_last_one_is(
    pg: SqlStore,
) -> None:
    with pg() as uow:
        uow.ledger.append(sample_batch())
        uow.commit()
    with pg() as gone:
        gone.ledger.append(sample_batch(order_id="PO-9"))
        gone.rollback()
    assert verify(pg).ok  # the counter says 1: number 2 was never committed
    with pg.transaction() as tx:
        for table in ("gl", "value", "capacity", "item"):
            tx.execute(f"ALTER TABLE prodcore_{table}_entries DISABLE TRIGGER USER")
            tx.execute(f"DELETE FROM prodcore_{table}_entries WHERE posting_no = 1")
        tx.execute("ALTER TABLE prodcore_ledger_batches DISABLE TRIGGER USER")
        tx.execute("DELETE FROM prodcore_ledger_batches WHERE posting_no = 1")
    report = verify(pg)
    assert [p.key for p in report.problems if p.message.startswith("is missing")] == ["1"]


def test_a_second_batch_after_a_rival_took_numbers_is_refused(pg: SqlStore) -> None:
    rival_no: list[int] = []

    def rival() -> None:
        with pg() as two:
            rival_no.append(two.ledger.append(sample_batch(order_id="PO-2")).posting_no)
            two.rollback()

    with pg() as one:
        one.ledger.append(sample_batch())
        thread = threading.Thread(target=rival)
        thread.start()
        thread.join(30)
        with pytest.raises(ConcurrencyError):
            one.ledger.append(sample_batch(document_no="D2"))
    assert rival_no == [2]


def test_numbers_are_unique_and_follow_commit_order_under_concurrent_posters(
    pg: SqlStore,
) -> None:
    """Four threads post to orders of their own, some units of work rolled back: every
    committed number is unique, the only gaps are the rolled-back numbers, and whenever
    a batch is visible every committed batch numbered below it is visible too."""
    committed: list[int] = []
    rolled_back: list[int] = []
    errors: list[BaseException] = []
    seen: list[set[int]] = []
    posting = threading.Event()
    posting.set()

    def poster(worker: int) -> None:
        try:
            for n in range(8):
                with pg() as uow:
                    no = _post(uow, f"PO-{worker}", f"C{worker}")
                    if n % 3 == 2:
                        uow.rollback()
                        rolled_back.append(no)
                    else:
                        uow.commit()
                        committed.append(no)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    def observer() -> None:
        while posting.is_set():
            rows = pg.query("SELECT posting_no FROM prodcore_ledger_batches")
            seen.append({int(n) for (n,) in rows})

    watching = threading.Thread(target=observer)
    watching.start()
    threads = [threading.Thread(target=poster, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    posting.clear()
    watching.join(10)
    assert errors == []
    assert sorted(committed + rolled_back) == list(range(1, 33))  # unique, gaps = rollbacks
    for snapshot in seen:  # commit order is number order
        assert {n for n in committed if n < max(snapshot, default=0)} <= snapshot
    with pg() as uow:
        assert [b.posting_no for b in map(uow.ledger.batch, sorted(committed))] == sorted(committed)
        assert len(uow.ledger.item_entries()) == len(committed)
    assert verify(pg).ok


def test_a_refused_commit_first_waits_for_the_rival_in_its_way(pg: SqlStore) -> None:
    """Refused at once would let the retry decide again before the rival's commit lands
    (and be refused again): the refused unit of work gives its locks back and waits for
    the rival to end before it raises."""
    events: list[str] = []
    rival_waits, loser_started = threading.Event(), threading.Event()

    def rival() -> None:  # commits C1 after the earliest poster (it waits for its ticket)
        with pg() as uow:
            _post(uow, "PO-2", "C1")
            rival_waits.set()
            uow.commit()

    def loser() -> None:  # read C1 too: in the rival's way
        with pg() as uow:
            _post(uow, "PO-3", "C1")
            loser_started.set()
            try:
                uow.commit()
            except ConcurrencyError:
                rows = pg.query(
                    "SELECT COUNT(*) FROM prodcore_item_entries WHERE order_id = 'PO-2'"
                )
                events.append(f"refused when the rival's rows were {rows[0][0]}")

    with pg() as earliest:
        _post(earliest, "PO-1", "C9")
        threads = [threading.Thread(target=rival), threading.Thread(target=loser)]
        threads[0].start()
        assert rival_waits.wait(30)
        _wait_for_waiting_tickets(pg, 1)  # the rival holds its keys, waits for this one
        threads[1].start()
        assert loser_started.wait(30)
        _wait_for_waiting_tickets(pg, 2)  # the loser, refused, waits for the rival
        assert threads[1].is_alive() and events == []  # not refused yet
        earliest.commit()
    for thread in threads:
        thread.join(30)
    assert events == ["refused when the rival's rows were 1"]
