"""What a SQLite file store's unit of work costs around its statements: it reads and
commits on one connection, the one the unit of work before it used (whose page cache
that commit left valid)."""

from __future__ import annotations

import gc
import sqlite3
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prodcore.adapters.sqlite import SqliteStore
from prodcore.testing.contracts import sample_batch, sample_order


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[tuple[SqliteStore, list[tuple[int, str]]]]:
    """A file store whose connections note (connection, statement) of each statement."""
    store = SqliteStore(tmp_path / "work.db")
    seen: list[tuple[int, str]] = []
    connect = store._connect

    def trace(conn: sqlite3.Connection, n: int) -> sqlite3.Connection:
        conn.set_trace_callback(lambda sql: seen.append((n, sql)))
        return conn

    for n, conn in enumerate(store._connections):  # (the one that created the schema)
        trace(conn, n)

    def traced_connect() -> sqlite3.Connection:
        return trace(connect(), len(store._connections))

    store._connect = traced_connect  # type: ignore[method-assign]
    yield store, seen
    store.close()


def _add_order(store: SqliteStore, order_id: str) -> None:
    with store() as uow:
        uow.orders.add(sample_order(order_id))
        uow.commit()


def test_units_of_work_read_and_commit_on_one_connection(
    traced: tuple[SqliteStore, list[tuple[int, str]]],
) -> None:
    store, seen = traced
    _add_order(store, "PO-1")
    for _ in range(3):
        with store() as uow:
            uow.orders.get("PO-1")  # a read, then the commit's numbering and checks
            uow.ledger.append(sample_batch("3", "4"))
            uow.commit()
    assert any("prodcore_orders" in sql and sql.startswith("SELECT") for _, sql in seen)
    assert any(sql == "COMMIT" for _, sql in seen)
    assert {conn for conn, _ in seen} == {0}  # reads and writes of every unit of work
    with store() as uow:
        assert [e.entry_no for e in uow.ledger.item_entries()] == [1, 2, 3]


def test_a_unit_of_work_left_open_keeps_its_connection_and_another_takes_a_new_one(
    traced: tuple[SqliteStore, list[tuple[int, str]]],
) -> None:
    store, seen = traced
    with store() as first:
        first.orders.add(sample_order("PO-1"))
        first.commit()
        assert first.orders.get("PO-1").id == "PO-1"  # read: the lease is taken again
        with store() as second:  # (nested: the first still holds its connection)
            second.orders.add(sample_order("PO-2"))
            second.commit()
        first.orders.add(sample_order("PO-3"))
        first.commit()
    assert {conn for conn, _ in seen} == {0, 1}
    with store() as uow:
        assert [uow.orders.get(i).id for i in ("PO-1", "PO-2", "PO-3")] == ["PO-1", "PO-2", "PO-3"]
        assert len(store._idle) == 1  # (the other one given back: both idle at the end)
    assert sorted(store._idle, key=id) == sorted(store._connections, key=id)


def test_a_unit_of_work_that_read_is_freed_without_the_cyclic_collector(
    traced: tuple[SqliteStore, list[tuple[int, str]]],
) -> None:
    store, _ = traced
    _add_order(store, "PO-1")
    gc.disable()  # (what it leaves behind stays until the end of the test)
    uow = store()
    with uow:
        assert uow.orders.get("PO-1").id == "PO-1"
        assert uow.ledger.item_entries() == []
        freed: list[weakref.ref[Any]] = [weakref.ref(uow.reads), weakref.ref(uow)]
    del uow
    alive = [ref() for ref in freed]
    gc.enable()
    assert alive == [None, None]
    assert len(store._idle) == len(store._connections)  # its connection given back
