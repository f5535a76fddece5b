"""The rows of a SQL commit: each table's rows in one statement whose text does not
depend on their number (SQLite: one ``executemany`` per table; PostgreSQL: one JSON
parameter per table, the inserts that follow each other in one statement), the stored
balances a SQLite commit adds to read in one statement, decimals kept to their last
digit, NULLs kept, and a refused commit writes nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._sql import SqlStore, WriteTx
from prodcore.errors import ConcurrencyError, DuplicateError
from prodcore.testing.contracts import sample_moves
from tests.persistence.conftest import fresh_store
from tests.persistence.counting import count_in_writes


@pytest.fixture(params=["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    dsn = request.getfixturevalue("pg_dsn") if request.param == "postgresql" else None
    with fresh_store(request.param, dsn) as opened:
        assert isinstance(opened, SqlStore)
        yield opened


def _count_inserts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables of each later ``insert_rows`` call of any write transaction."""
    tables: list[str] = []
    classes: list[Any] = [WriteTx]
    with contextlib.suppress(ImportError):  # psycopg installed: its store's own
        from prodcore.adapters.postgres import _PgWriteTx

        classes.append(_PgWriteTx)
    for cls in classes:
        run = cls.insert_rows

        def counted(self: WriteTx, table: str, *args: Any, _run: Any = run) -> None:
            tables.append(table)
            _run(self, table, *args)

        monkeypatch.setattr(cls, "insert_rows", counted)
    return tables


def test_each_table_of_a_commit_is_written_once_whatever_its_number_of_rows(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = _count_inserts(monkeypatch)
    with store() as uow:  # two batches of 2 and 5 entries, on 3 items
        uow.ledger.append(sample_moves(("A", "1"), ("B", "2")))
        uow.ledger.append(sample_moves(*((item, "1") for item in "ABCAB")))
        uow.commit()
    assert sorted(tables) == sorted(set(tables))  # each table once for both batches
    assert {
        "prodcore_ledger_batches",
        "prodcore_item_entries",
        "prodcore_bal_on_hand",
        "prodcore_bal_remaining",
    } <= set(tables)
    with store() as uow:
        assert [uow.ledger.on_hand(item) for item in "ABC"] == [3, 4, 1]
        assert len(uow.ledger.item_entries(item_no="A")) == 3


@pytest.mark.postgres
def test_postgresql_sends_the_inserts_that_follow_each_other_in_one_statement_of_one_text(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    sent: list[tuple[str, int]] = []
    execute, executemany = psycopg.Connection.execute, psycopg.Cursor.executemany

    def counted(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        sent.append((str(query), len(params or ())))
        return execute(self, query, params, **kwargs)

    def counted_many(self: Any, query: Any, rows: Any, **kwargs: Any) -> Any:
        sent.append(("many: " + str(query), len(rows)))
        return executemany(self, query, rows, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", counted)
    monkeypatch.setattr(psycopg.Cursor, "executemany", counted_many)
    # one connection: a pool that grows opens (and sets up) one in the background,
    # whose statements would be counted here
    with open_store(pg_dsn, migrate=True, max_size=1) as pg:
        assert isinstance(pg, SqlStore)
        texts = []
        for size in (1, 6):
            with pg() as uow:
                uow.ledger.append(sample_moves(*((f"I{n}", "1") for n in range(size))))
                del sent[:]
                before = getattr(pg, "round_trips", 0)
                uow.commit()
                waits = getattr(pg, "round_trips", 0) - before
            # the locks, the read of the open-entry pools it adds to, all its rows, COMMIT
            # (no earlier poster to wait for: the counters and balances go with the rows)
            assert [" ".join(s.split()[:3]) for s, _ in sent] == [
                "SELECT * FROM",
                "SELECT item_no, location_code,",
                "WITH w0 AS",
                "COMMIT",
            ]
            assert waits == 2
            text, params = sent[2]
            for table in (
                "prodcore_ledger_batches",
                "prodcore_item_entries",
                "prodcore_bal_remaining",
                "prodcore_ledger_counters",
                "prodcore_bal_on_hand",
                "prodcore_bal_on_hand_bin",
            ):
                assert f"INSERT INTO {table} AS b" in text
            texts.append((text, params))
        # the same text (prepared once) and as many parameters for 1 and 6 entries
        assert texts[0] == texts[1]


_EXTREMES = (
    "123456789012345.6789012345678",  # 28 digits, 15 of them before the point
    "-0.0000000000000000000000000001",
    "0.1000000000000000000000000000",  # trailing zeros kept in the entry
    "1E+5",
    "-9999999999999.99999999999999",  # twice: 28 digits, no rounding
)


def test_decimals_keep_their_exact_digits_and_nulls_stay_null(store: SqlStore) -> None:
    for round_ in range(2):  # the first adds to no row, the second to the stored ones
        with store() as uow:
            uow.ledger.append(sample_moves(*((f"X{n}", q) for n, q in enumerate(_EXTREMES))))
            uow.commit()
        with store() as uow:
            for n, q in enumerate(_EXTREMES):
                entries = uow.ledger.item_entries(item_no=f"X{n}")
                # the same digits and exponent as written (1E+5 stays 1E+5, 0.10...0 keeps
                # its zeros)
                exact = Decimal(q).as_tuple()
                assert [e.quantity.as_tuple() for e in entries] == [exact] * (round_ + 1)
                total = uow.ledger.on_hand(f"X{n}")
                assert total == Decimal(q) * (round_ + 1)
    with store() as uow:  # zero with an exponent: back to a zero on hand
        uow.ledger.append(sample_moves(("Z", "0.50"), ("Z", "-0.5")))
        uow.commit()
    with store() as uow:
        assert uow.ledger.on_hand("Z") == 0
    # a batch without an idempotency key, an entry applied to none: NULL, not text
    rows = store.query(
        "SELECT b.idempotency_key, e.applies_to_entry_no FROM prodcore_ledger_batches b "
        "JOIN prodcore_item_entries e ON e.posting_no = b.posting_no"
    )
    assert rows and set(rows) == {(None, None)}


def test_a_sqlite_commit_adds_to_the_stored_balances_in_the_database_reading_none(
    tmp_path: Path,
) -> None:
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        assert isinstance(store, SqlStore)
        with store() as uow:
            uow.ledger.append(sample_moves(("A", "123456789012345.12345"), ("B", "4")))
            uow.commit()
        reads = count_in_writes(store, "query")
        with store() as uow:  # adds to on hand of A and B (and their bins): unread
            uow.ledger.append(sample_moves(("A", "-0.00001"), ("B", "1.50"), ("C", "2")))
            uow.commit()
        # (the remaining quantities of open entries are read: to apply the outbound ones)
        added = ("on_hand", "item_value", "account", "wip")
        assert [sql for sql in reads if any(f"prodcore_bal_{t}" in sql for t in added)] == []
        # exact decimal sums, as the memory store adds (SQLite's own numbers are binary)
        assert store.query("SELECT item_no, qty FROM prodcore_bal_on_hand ORDER BY item_no") == [
            ("A", "123456789012345.12344"),
            ("B", "5.50"),
            ("C", "2"),
        ]
        with store() as uow:
            assert [uow.ledger.on_hand(i) for i in "ABC"] == [
                Decimal("123456789012345.12344"),
                Decimal("5.50"),
                2,
            ]
            assert uow.ledger.on_hand_in_bin("B", "", "") == Decimal("5.50")


def test_a_failing_insert_writes_nothing(store: SqlStore) -> None:
    tx = store.begin_write()
    with pytest.raises(DuplicateError):
        tx.insert_rows("prodcore_cost_marks", "entry_no int", [(1,), (2,)])
        tx.insert_rows("prodcore_cost_marks", "entry_no int", [(2,)])
        tx.commit()
    tx.rollback()
    assert store.query("SELECT entry_no FROM prodcore_cost_marks") == []


def test_a_rivals_change_still_refuses_the_commit_and_nothing_is_written(
    store: SqlStore,
) -> None:
    with store() as uow:
        uow.ledger.append(sample_moves(("A", "10")))
        uow.commit()
    with store() as uow:
        assert uow.ledger.on_hand("A") == 10
        with store() as rival:  # commits between this read and the commit below
            rival.ledger.append(sample_moves(("A", "-4")))
            rival.commit()
        uow.ledger.append(sample_moves(("A", "-10"), ("B", "5")))
        with pytest.raises(ConcurrencyError):
            uow.commit()
    with store() as uow:
        assert uow.ledger.on_hand("A") == 6
        assert uow.ledger.on_hand("B") == 0
        assert uow.ledger.item_entries(item_no="B") == []
