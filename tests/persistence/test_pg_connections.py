"""PostgreSQL: a unit of work takes one pool connection at its first read, reads and
commits on it and gives it back whenever it ends; statements whose result is not awaited
are queued in the write transaction, and a queued statement that fails still raises its
typed error and commits nothing."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from prodcore.adapters import open_store
from prodcore.adapters.postgres import PostgresStore
from prodcore.app import handle
from prodcore.clock import FixedClock
from prodcore.errors import ConcurrencyError, DuplicateError, KeyTakenError, StoreError
from prodcore.masterdata import Item
from prodcore.orders.lifecycle import CreateOrder
from prodcore.testing.contracts import sample_order

pytestmark = pytest.mark.postgres

_CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))


class _Checkouts:
    """Counts the pool connections a store hands out and gets back."""

    def __init__(self, store: PostgresStore) -> None:
        self.taken = self.returned = 0
        checkout, give_back = store.checkout, store.give_back

        def counted_checkout() -> Any:
            self.taken += 1
            return checkout()

        def counted_give_back(conn: Any) -> None:
            self.returned += 1
            give_back(conn)

        store.checkout = counted_checkout  # type: ignore[method-assign]
        store.give_back = counted_give_back  # type: ignore[method-assign]

    @property
    def held(self) -> int:
        return self.taken - self.returned


@pytest.fixture
def pg(pg_dsn: str) -> Iterator[PostgresStore]:
    with open_store(pg_dsn, migrate=True, max_size=2, timeout=2) as store:
        assert isinstance(store, PostgresStore)
        with store() as uow:
            uow.master_data.put(Item("FG", base_unit="PCS"))
            uow.commit()
        yield store


def test_a_command_reads_and_commits_on_one_connection(pg: PostgresStore) -> None:
    seen = _Checkouts(pg)
    handle(pg(), CreateOrder("PO-1", "FG", 5, due_date=dt.date(2026, 3, 31)), clock=_CLOCK)
    assert (seen.taken, seen.held) == (1, 0)
    with pg() as uow:
        assert uow.orders.get("PO-1").quantity == 5
        uow.master_data.item("FG")
        uow.orders.add(sample_order("PO-2"))
        assert seen.taken == 2  # reads and the write share the connection: one more
        uow.commit()
        assert seen.held == 0  # the commit gave it back
        uow.orders.get("PO-2")  # the unit of work goes on: a connection again
        assert seen.held == 1
    assert (seen.taken, seen.held) == (3, 0)


def test_the_connection_comes_back_on_every_exit(pg: PostgresStore) -> None:
    seen = _Checkouts(pg)
    with pg() as uow:  # rollback
        uow.orders.add(sample_order("PO-1"))
        uow.master_data.item("FG")
        uow.rollback()
        assert seen.held == 0
    with pytest.raises(RuntimeError), pg() as uow:  # an exception in the decision
        uow.master_data.item("FG")
        raise RuntimeError("the decision failed")
    assert seen.held == 0
    uow = pg()  # dropped without ending: given back when it is collected
    uow.master_data.item("FG")
    assert seen.held == 1
    del uow
    gc.collect()
    assert seen.held == 0
    with pg() as first, pg() as second:  # a refused commit
        first.orders.add(sample_order("PO-1"))
        second.orders.add(sample_order("PO-1"))
        first.commit()
        with pytest.raises(ConcurrencyError):
            second.commit()
        assert seen.held == 0
    assert seen.taken > 0 and seen.held == 0


def test_an_exhausted_pool_is_a_store_error_not_a_deadlock(pg_dsn: str) -> None:
    with open_store(pg_dsn, migrate=True, max_size=1, timeout=0.2) as store:
        assert isinstance(store, PostgresStore)
        with store() as holder, store() as waiter:
            assert holder.orders.list() == []  # holds the only connection
            with pytest.raises(StoreError, match="no database connection"):
                waiter.orders.list()
            holder.rollback()  # gives it back
            assert waiter.orders.list() == []


def test_a_failing_queued_statement_raises_its_error_and_commits_nothing(
    pg: PostgresStore,
) -> None:
    marks = "INSERT INTO prodcore_cost_marks (entry_no) VALUES (?)"
    with pytest.raises(DuplicateError), pg.transaction() as tx:
        tx.send(marks, (7,))
        tx.send(marks, (8,))
        tx.send(marks, (7,))  # the duplicate: queued, its error comes at the commit
        tx.send(marks, (9,))
    assert pg.query("SELECT entry_no FROM prodcore_cost_marks") == []
    with pg.transaction() as tx:  # the connection went back to the pool in order
        tx.send(marks, (7,))
    assert pg.query("SELECT entry_no FROM prodcore_cost_marks") == [(7,)]


@pytest.mark.parametrize("read_after", [False, True])
def test_a_queued_statement_that_changes_no_row_refuses_the_commit(
    pg: PostgresStore, read_after: bool
) -> None:
    """Refused whether the commit waits for its answer or a later read brought it."""
    with pytest.raises(KeyTakenError, match="'2'"), pg.transaction() as tx:
        tx.send("INSERT INTO prodcore_cost_marks (entry_no) VALUES (?)", (1,))
        tx.expect(
            "DELETE FROM prodcore_cost_marks WHERE entry_no = ?",
            (2,),
            lambda: KeyTakenError(kind="Mark", key=str(tx.query("SELECT 2")[0][0])),
        )
        if read_after:
            assert tx.query("SELECT 1") == [(1,)]
    assert pg.query("SELECT entry_no FROM prodcore_cost_marks") == []


def test_a_command_waits_for_the_server_a_few_times(pg: PostgresStore) -> None:
    before = pg.round_trips
    handle(pg(), CreateOrder("PO-1", "FG", 5, due_date=dt.date(2026, 3, 31)), clock=_CLOCK)
    # two reads while deciding, the locks with the checks of the reads, the order's
    # insert (checked in the server) with the commit (7 at 0c55e09, one wait per
    # statement; 5 at faf8b56, the check's answer awaited before the commit)
    assert pg.round_trips - before == 4
