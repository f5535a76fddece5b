"""SQLite keeps the ledger counters in the versions row (migration 17): a posting,
which raises both the count of commits and the counters, writes one row, so one page,
for both. A store written before keeps its counters and numbers on from them; the
counters' table is a view of that row, which reads and writes as the table did."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from prodcore.adapters import open_store
from prodcore.adapters._schema import _sqlite_counters_in_versions
from prodcore.adapters.sqlite import SqliteStore, _SqliteTx
from prodcore.integrity import verify
from prodcore.testing.contracts import sample_batch, sample_order
from tests.persistence.test_keyed_tables import FIXTURES, _migrate

_COLUMNS = "posting, item, capacity, value, gl"


def _read(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def test_a_store_written_before_keeps_its_counters_and_numbers_on_from_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "store_v0_1_0.sqlite", path)
    _migrate(path, target=16)  # as the release before left it
    before = _read(path, f"SELECT {_COLUMNS} FROM prodcore_ledger_counters WHERE id = 1")
    assert before[0][0] > 0  # the fixture posted
    with SqliteStore(path) as store:
        assert 17 in store.applied_migrations
        report = verify(store)
        assert report.ok, report.problems
        with store() as uow:
            uow.orders.add(sample_order("PO-NEW"))
            uow.commit()
        with store() as uow:
            uow.orders.get("PO-NEW")
            batch = uow.ledger.append(sample_batch(order_id="PO-NEW", document_no="doc-17"))
            uow.commit()
    posting, item = before[0][:2]
    assert batch.posting_no == posting + 1
    assert batch.item_entries[0].entry_no == item + 1
    assert _read(
        path, "SELECT type FROM sqlite_master WHERE name = 'prodcore_ledger_counters'"
    ) == [("view",)]
    after = _read(path, f"SELECT {_COLUMNS} FROM prodcore_versions WHERE id = 1")
    assert after == _read(path, f"SELECT {_COLUMNS} FROM prodcore_ledger_counters")
    assert after[0][0] == posting + 1


def test_the_counters_view_writes_the_versions_row(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        with store() as uow:
            uow.orders.add(sample_order("PO-1"))
            uow.commit()
        with store() as uow:
            uow.orders.get("PO-1")
            uow.ledger.append(sample_batch())
            uow.commit()
    assert _read(path, "SELECT posting, item FROM prodcore_versions") == [(1, 1)]
    with closing(sqlite3.connect(path)) as conn:
        # what wrote the table (a script, a test that tampers) writes through the view
        conn.execute("UPDATE prodcore_ledger_counters SET item = item + 5 WHERE id = 1")
        conn.commit()
    assert _read(path, "SELECT posting, item FROM prodcore_versions") == [(1, 6)]
    with open_store(f"sqlite:///{path}") as store, store() as uow:
        uow.orders.get("PO-1")
        batch = uow.ledger.append(sample_batch(document_no="D2"))
        uow.commit()
    assert (batch.posting_no, batch.item_entries[0].entry_no) == (2, 7)


def test_the_migration_applied_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        with store() as uow:
            uow.orders.add(sample_order("PO-1"))
            uow.commit()
        with store() as uow:
            uow.orders.get("PO-1")
            uow.ledger.append(sample_batch())
            uow.commit()
    schema = _read(path, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    rows = _read(path, "SELECT * FROM prodcore_versions")
    with closing(sqlite3.connect(path)) as conn:
        _sqlite_counters_in_versions(_SqliteTx(conn))
        conn.commit()
    assert _read(path, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema
    assert _read(path, "SELECT * FROM prodcore_versions") == rows
