"""PostgreSQL: a commit sends fewer statements. The lock timeout is set once per
connection (not ``SET LOCAL`` per transaction); the versions row comes with the conflict
locks (one call, read once the locks are held); the noted open-entries reads are checked
again in one statement; the remaining-quantity rows are written with one statement for
the closed entries and one for the others. A rival's change to a read checked again
still refuses the commit, with the same error, and nothing is written."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from prodcore.adapters import open_store
from prodcore.adapters.postgres import PostgresStore
from prodcore.app import handle
from prodcore.clock import FixedClock
from prodcore.errors import ConcurrencyError
from prodcore.masterdata import Item
from prodcore.orders.lifecycle import CreateOrder
from prodcore.testing.contracts import sample_moves, sample_order

_AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(pg_dsn: str) -> Iterator[PostgresStore]:
    """One connection (what a transaction sets on it is seen by the next), with open
    inbound entries 1 (A 10), 2 (B 4), 3 (B 3) and 4 (C 2)."""
    with open_store(pg_dsn, migrate=True, min_size=1, max_size=1, timeout=2) as store:
        assert isinstance(store, PostgresStore)
        with store() as uow:
            uow.master_data.put(Item("FG", base_unit="PCS"))
            uow.ledger.append(sample_moves(("A", "10"), ("B", "4"), ("B", "3"), ("C", "2")))
            uow.commit()
        yield store


def _sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement sent from now on (an ``executemany`` once, marked ``many:``)."""
    sent: list[str] = []
    execute, executemany = psycopg.Connection.execute, psycopg.Cursor.executemany

    def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(" ".join(str(query).split()))
        return execute(self, query, *args, **kwargs)

    def counted_many(self: Any, query: Any, rows: Any, **kwargs: Any) -> Any:
        sent.append("many: " + " ".join(str(query).split()))
        return executemany(self, query, rows, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", counted)
    monkeypatch.setattr(psycopg.Cursor, "executemany", counted_many)
    return sent


def _first_words(sent: list[str]) -> list[str]:
    return [" ".join(s.split()[:3]) for s in sent]


def _remaining(pg: PostgresStore) -> list[tuple[int, str]]:
    rows = pg.query("SELECT entry_no, qty FROM prodcore_bal_remaining ORDER BY entry_no")
    return [(int(no), str(qty)) for no, qty in rows]


def test_a_commit_sends_begin_the_locks_with_the_versions_the_checks_and_commit(
    pg: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pg() as uow:
        for item_no in ("A", "B", "C"):
            uow.ledger.open_entries(item_no, "", True)
        uow.master_data.item("FG")
        uow.orders.add(sample_order("PO-9"))
        sent = _sent(monkeypatch)
        before = pg.round_trips
        uow.commit()
    assert _first_words(sent) == [
        "BEGIN",  # no SET LOCAL lock_timeout: the connection has it
        "SELECT * FROM",  # the locks, and the versions read once they are held
        "SELECT item_no, location_code,",  # the three open-entries reads, checked again
        "WITH changed AS",  # the order's insert, checked in the server
        "COMMIT",
    ]
    assert "prodcore_lock_keys_versions" in sent[1]
    assert sent[2].count("item_no = %s AND location_code = %s AND inbound = %s") == 3
    assert pg.round_trips - before == 2  # the locks with the checks; the commit
    with pg() as uow:
        assert uow.orders.get("PO-9").id == "PO-9"


def test_a_command_sends_one_statement_fewer_per_transaction(
    pg: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _sent(monkeypatch)
    before = pg.round_trips
    clock = FixedClock(_AT)
    handle(pg(), CreateOrder("PO-1", "FG", 5, due_date=dt.date(2026, 3, 31)), clock=clock)
    # the order read with the versions, the item, BEGIN, the locks with the versions,
    # the order's insert (checked in the server), COMMIT (8 at 7289582: SET LOCAL
    # lock_timeout after BEGIN, the versions read again after the locks)
    assert _first_words(sent) == [
        "SELECT v.master, v.commits,",
        "SELECT doc FROM",
        "BEGIN",
        "SELECT * FROM",
        "WITH changed AS",
        "COMMIT",
    ]
    assert pg.round_trips - before == 4


def test_the_lock_timeout_is_set_on_a_connection_only_when_it_differs(
    pg: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _sent(monkeypatch)

    def timeout_in_a_transaction() -> str:
        with pg.transaction() as tx:
            return str(tx.query("SHOW lock_timeout")[0][0])

    assert timeout_in_a_transaction() == "2s"  # set by the fixture's transaction
    assert not [s for s in sent if "lock_timeout =" in s]
    pg.lock_timeout = 5
    with pytest.raises(KeyError), pg.transaction():
        raise KeyError("rolled back")  # the session setting, made before BEGIN, stays
    assert timeout_in_a_transaction() == "5s"
    assert [s for s in sent if "lock_timeout =" in s] == ["SET lock_timeout = 5000"]


def test_a_connection_the_pool_opens_starts_with_the_stores_lock_timeout(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool opens connections when it likes (in the background too): each starts
    with the store's lock timeout, so no transaction on it waits for a SET first."""
    with open_store(pg_dsn, migrate=True, min_size=1, max_size=3, timeout=3) as store:
        assert isinstance(store, PostgresStore)
        held = [store.checkout() for _ in range(3)]  # two more than the pool had
        for conn in held:
            store.give_back(conn)
        sent = _sent(monkeypatch)
        with contextlib.ExitStack() as transactions:  # open at once: three connections
            timeouts = [
                transactions.enter_context(store.transaction()).query("SHOW lock_timeout")
                for _ in range(3)
            ]
        assert timeouts == [[("3s",)]] * 3
        assert not [s for s in sent if "lock_timeout =" in s]


def test_a_rival_changing_one_open_entries_read_refuses_the_commit(
    pg: PostgresStore, pg_dsn: str
) -> None:
    """The rival (another thread, another store) posts to B between the read and the
    commit."""
    read, rival_done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def rival() -> None:
        try:
            read.wait(5)
            with open_store(pg_dsn) as other, other() as uow:
                uow.ledger.append(sample_moves(("B", "-1")))
                uow.commit()
        except BaseException as err:  # pragma: no cover - reported below
            failures.append(err)
        finally:
            rival_done.set()

    thread = threading.Thread(target=rival)
    thread.start()
    with pg() as uow:
        noted = [uow.ledger.open_entries(i, "", True) for i in ("A", "B", "C")]
        uow.orders.add(sample_order("PO-9"))
        read.set()
        assert rival_done.wait(5)
        with pytest.raises(ConcurrencyError) as refused:
            uow.commit()
    thread.join()
    assert not failures
    assert noted[1] == [(2, Decimal(4)), (3, Decimal(3))]
    error = refused.value
    assert (error.kind, error.key, error.expected, error.actual) == (
        "Read",
        ("open_entries", "B", "", True),
        "list",
        "list",
    )
    assert pg.query("SELECT id FROM prodcore_orders") == []  # nothing written
    assert _remaining(pg) == [(1, "10"), (2, "3"), (3, "3"), (4, "2")]


def test_the_remaining_rows_are_written_with_one_statement_per_kind_of_change_and_no_wait(
    pg: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pg() as uow:
        # B -5 closes entry 2 and leaves 2 of entry 3, C -2 closes entry 4, A +1 opens
        uow.ledger.append(sample_moves(("B", "-5"), ("C", "-2"), ("A", "1")))
        sent = _sent(monkeypatch)
        before = pg.round_trips
        uow.commit()
    # the locks, the checks and the read of A's inbound pool (not read while deciding:
    # its rows are read to be written over) go together; then the commit (3 before)
    assert pg.round_trips - before == 2
    # one statement reads the three pools read while deciding and A's inbound one
    (pools,) = [s for s in sent if s.startswith("SELECT") and "prodcore_bal_remaining" in s]
    assert pools.count("item_no = %s AND location_code = %s AND inbound = %s") == 4
    writes = [s for s in sent if "bal_remaining" in s and not s.startswith("SELECT")]
    # the closed entries' rows deleted; the others' written in one statement, with the
    # commit's other inserts that follow it
    assert len(writes) == 2 and writes[0].startswith("many: DELETE FROM prodcore_bal_remaining")
    assert "INSERT INTO prodcore_bal_remaining" in writes[1]
    assert "ON CONFLICT (entry_no) DO UPDATE" in writes[1]
    assert _remaining(pg) == [(1, "10"), (3, "2"), (7, "1")]
