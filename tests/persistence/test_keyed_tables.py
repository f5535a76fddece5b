"""SQLite keeps the balances, the idempotency keys and the item applications in their
key's b-tree alone (``WITHOUT ROWID``, migration 15): a store written before keeps its
rows, indexes and triggers, and the conversion applied again changes nothing."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._schema import _sqlite_without_rowid, apply_migrations
from prodcore.adapters.sqlite import _SqliteTx
from prodcore.integrity import verify

FIXTURES = Path(__file__).parent.parent / "fixtures"

_CONVERTED = (
    "prodcore_bal_account",
    "prodcore_bal_consumed",
    "prodcore_bal_on_hand",
    "prodcore_bal_wip",
    "prodcore_idempotency",
    "prodcore_item_applications",
)


def _tables(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))


def _contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with closing(sqlite3.connect(path)) as conn:
        return {
            name: sorted(conn.execute(f"SELECT * FROM {name}"), key=repr) for name in _CONVERTED
        }


def _objects(path: Path, kind: str) -> set[tuple[str, str]]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = ?", (kind,))
        return {(table, name) for table, name in rows if not name.startswith("sqlite_")}


def _migrate(path: Path, target: int | None = None) -> None:
    """Apply the migrations up to ``target`` (all: None) on the file at ``path``."""
    conn = sqlite3.connect(path)
    try:
        apply_migrations(
            _SqliteTx(conn),
            dialect="sqlite",
            text_key="TEXT",
            now=lambda: "2026-12-06T00:00:00+00:00",
            **({} if target is None else {"target": target}),
        )
        conn.commit()
    finally:
        conn.close()


def test_a_store_written_before_keeps_its_rows_indexes_and_triggers(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "store_v0_1_0.sqlite", path)
    _migrate(path, target=14)  # as the release before left it
    before = _contents(path)
    indexes, triggers = _objects(path, "index"), _objects(path, "trigger")
    assert any(rows for rows in before.values())
    with open_store(f"sqlite:///{path}") as store:
        report = verify(store)
    assert report.ok, report.problems
    tables = _tables(path)
    assert all(tables[name].endswith("WITHOUT ROWID") for name in _CONVERTED)
    assert not tables["prodcore_orders"].endswith("WITHOUT ROWID")  # long rows stay
    assert _contents(path) == before
    assert (_objects(path, "index"), _objects(path, "trigger")) == (indexes, triggers)
    with (
        closing(sqlite3.connect(path)) as conn,
        pytest.raises(sqlite3.DatabaseError, match="append"),
    ):
        conn.execute("UPDATE prodcore_item_applications SET qty = '0'")


def test_the_conversion_applied_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    open_store(f"sqlite:///{path}").close()
    tables = _tables(path)
    conn = sqlite3.connect(path)
    try:
        _sqlite_without_rowid(_SqliteTx(conn))
        conn.commit()
    finally:
        conn.close()
    assert _tables(path) == tables
