"""What is particular to the SQL stores: URLs, migrations, constraints, driver errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from prodcore.adapters import MemoryStoreFactory, open_store
from prodcore.adapters._sql import MIGRATIONS, SCHEMA_VERSION, SqlStore
from prodcore.adapters.sqlite import SqliteStore
from prodcore.errors import (
    ConflictError,
    InvalidValueError,
    NotFoundError,
    ProdcoreError,
    StoreError,
)
from prodcore.integrity import ledger_hash_chain, verify
from prodcore.ledger.model import IdempotencyRecord, PostingResult, ValueSource
from prodcore.masterdata import Item
from prodcore.testing.contracts import sample_batch, sample_order

# --- open_store ---------------------------------------------------------------------------


def test_memory_url_gives_a_memory_store() -> None:
    assert isinstance(open_store("memory:"), MemoryStoreFactory)


def test_sqlite_relative_and_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///rel.db?busy_timeout=2.5") as store:
        assert isinstance(store, SqliteStore)
        assert store.path == "rel.db" and store.busy_timeout == 2.5
    assert (tmp_path / "rel.db").exists()
    with open_store(f"sqlite:///{tmp_path}/abs.db") as store:
        assert isinstance(store, SqliteStore)
        assert store.path == f"{tmp_path}/abs.db"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "mysql://x/y",
        "sqlite:/x.db",
        "sqlite:///",
        "sqlite:///x.db?busy_timeout=soon",
        "orders.db",
    ],
)
def test_bad_urls_raise_invalid_value(url: str) -> None:
    with pytest.raises(InvalidValueError):
        open_store(url)


def test_open_store_refuses_a_non_string() -> None:
    with pytest.raises(InvalidValueError):
        open_store(42)  # type: ignore[arg-type]


# --- SQLite -------------------------------------------------------------------------------


def test_sqlite_data_survives_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    with open_store(url) as store, store() as uow:
        uow.orders.add(sample_order())
        uow.commit()
    with open_store(url) as store, store() as uow:
        assert uow.orders.get("PO-1") == sample_order()


def test_sqlite_runs_in_wal_mode_with_the_schema_recorded(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        assert isinstance(store, SqlStore)
        assert store.query("PRAGMA journal_mode") == [("wal",)]
        assert store.schema_version() == SCHEMA_VERSION
    # reopening migrates nothing twice
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        assert isinstance(store, SqlStore)
        rows = store.query("SELECT version FROM prodcore_schema_migrations ORDER BY version")
        assert [v for (v,) in rows] == [v for v, _, _ in MIGRATIONS]


def test_a_file_that_is_not_a_database_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{path}")


def test_a_closed_store_raises_store_error() -> None:
    store = open_store("sqlite:///:memory:")
    store.close()
    with pytest.raises(StoreError), store() as uow:
        uow.orders.get("PO-1")


def test_bad_expected_version_types_raise_invalid_value() -> None:
    with open_store("sqlite:///:memory:") as store, store() as uow:
        uow.orders.add(sample_order())
        uow.commit()
        for bad in ("1", 1.0, True, None):
            with pytest.raises(InvalidValueError):
                uow.orders.save(sample_order(version=2), expected_version=bad)  # type: ignore[arg-type]
            with pytest.raises(InvalidValueError):
                uow.orders.delete("PO-1", expected_version=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError):
            uow.orders.list(status="RELEASED")  # type: ignore[arg-type]
        with pytest.raises(NotFoundError):
            uow.ledger.item_entry("1")  # type: ignore[arg-type]


def _ledger_store(url: str) -> SqlStore:
    opened = open_store(url, migrate=True)
    assert isinstance(opened, SqlStore)
    with opened() as uow:
        uow.ledger.append(sample_batch())
        uow.ledger.remember(IdempotencyRecord("K", "h", PostingResult("X", None)))
        uow.commit()
    return opened


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE prodcore_item_entries SET doc = '{}'",
        "DELETE FROM prodcore_gl_entries",
        "DELETE FROM prodcore_ledger_batches",
        "UPDATE prodcore_idempotency SET command_hash = 'x'",
    ],
)
def test_sqlite_ledger_rows_cannot_be_changed(statement: str) -> None:
    with _ledger_store("sqlite:///:memory:") as store:
        with pytest.raises(ConflictError, match="append-only"), store.transaction() as tx:
            tx.execute(statement)
        assert verify(store).ok


def test_verify_reports_a_corrupt_document_and_a_wrong_balance(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with _ledger_store(f"sqlite:///{path}") as store, store() as uow:
        uow.orders.add(sample_order("A"))
        uow.orders.add(sample_order("B"))
        uow.master_data.put(Item("X", base_unit="PCS"))
        uow.commit()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE prodcore_orders SET doc = '{\"id\": 1}' WHERE id = 'A'")
        # a column above the document's version is a save that wrote only the columns;
        # below it, the row went back: reported
        conn.execute(
            "UPDATE prodcore_orders SET doc = json_set(doc, '$.version', 5) WHERE id = 'B'"
        )
        conn.execute("UPDATE prodcore_bal_on_hand SET qty = '99'")
    conn.close()
    with open_store(f"sqlite:///{path}") as reopened:
        report = verify(reopened)
    assert not report.ok
    text = str(report)
    assert "order A" in text.replace("orders:FIRM_PLANNED A", "order A")
    assert "version 5" in text
    assert "on hand balance" in text and "stored 99" in text


def test_verify_reports_a_tampered_ledger_row(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with _ledger_store(f"sqlite:///{path}") as store, store() as uow:
        uow.ledger.append(sample_batch("3", "4"))
        uow.commit()
    conn = sqlite3.connect(path)
    with conn:
        # someone with DBA rights bypasses the append-only trigger
        conn.execute("DROP TRIGGER prodcore_gl_entries_no_update")
        conn.execute("UPDATE prodcore_gl_entries SET doc = '[]' WHERE entry_no = 2")
    conn.close()
    with open_store(f"sqlite:///{path}") as reopened:
        report = verify(reopened)
    text = str(report)
    assert "ledger:gl 2: stored document does not load" in text
    assert "ledger batch 1: cannot be read" in text
    assert "ledger batch 2" not in text  # later batches are still checked


def test_verify_checks_the_ledger_hash_chain() -> None:
    with _ledger_store("sqlite:///:memory:") as store:
        first = verify(store)
        assert first.ledger_hash is not None
        with store() as uow:
            uow.ledger.append(sample_batch("5", "1"))
            uow.commit()
        assert verify(store, expected_hash=first.ledger_hash).ok
        assert not verify(store, expected_hash="0" * 64).ok
        with store() as uow:
            assert ledger_hash_chain([uow.ledger.batch(1)]) == first.ledger_hash


def test_verify_works_on_the_memory_store() -> None:
    with open_store("memory:") as store:
        with store() as uow:
            uow.orders.add(sample_order())
            uow.ledger.append(sample_batch())
            uow.ledger.append(sample_batch("1", "5", reverses=1))
            uow.commit()
        report = verify(store)
    assert report.ok, report.problems


def test_verify_finds_over_reversal() -> None:
    with open_store("memory:") as store:
        with store() as uow:
            uow.ledger.append(sample_batch("2", "1"))
            uow.ledger.append(sample_batch("2", "1", reverses=1))
            uow.ledger.append(sample_batch("1", "1", reverses=1))
            uow.ledger.append(sample_batch("1", "1", reverses=9))
            uow.commit()
        report = verify(store)
    assert [p.message for p in report.problems] == [
        "reverses more of item entry 1 than it holds",
        "reverses item entry 9, which does not precede it",
    ]


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_schema_is_created_by_upgrade_only(pg_dsn: str) -> None:
    from prodcore.adapters.postgres import schema_version, upgrade

    assert schema_version(pg_dsn) == 0
    with pytest.raises(StoreError, match="prodcore db upgrade"):
        open_store(pg_dsn)
    assert upgrade(pg_dsn) == [v for v, _, _ in MIGRATIONS]
    assert upgrade(pg_dsn) == []
    assert schema_version(pg_dsn) == SCHEMA_VERSION
    with open_store(pg_dsn) as store, store() as uow:
        assert uow.orders.list() == []


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE prodcore_item_entries SET doc = '{}'",
        "DELETE FROM prodcore_gl_entries",
        "TRUNCATE prodcore_value_entries CASCADE",
        "UPDATE prodcore_idempotency SET command_hash = 'x'",
    ],
)
def test_postgres_ledger_rows_cannot_be_changed(pg_dsn: str, statement: str) -> None:
    with _ledger_store(pg_dsn) as store:
        with pytest.raises(ConflictError, match="append-only"), store.transaction() as tx:
            tx.execute(statement)
        assert verify(store).ok


@pytest.mark.postgres
def test_postgres_refuses_nul_characters_with_a_typed_error(pg_dsn: str) -> None:
    with open_store(pg_dsn, migrate=True) as store:
        with store() as uow:
            with pytest.raises(InvalidValueError):
                uow.orders.add(sample_order("bad\x00id"))
            uow.orders.add(sample_order(description="nul \x00 inside a document is fine"))
            uow.commit()
        with store() as uow:
            with pytest.raises(ProdcoreError):
                uow.orders.get("bad\x00id")
            assert uow.orders.get("PO-1").description == "nul \x00 inside a document is fine"


@pytest.mark.postgres
def test_postgres_wrong_argument_types_raise_typed_errors(pg_dsn: str) -> None:
    with _ledger_store(pg_dsn) as store, store() as uow:
        with pytest.raises(InvalidValueError):
            uow.ledger.on_hand(123)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError):
            uow.ledger.consumed_quantity("PO-1", "x", 1)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError):
            uow.ledger.item_entries(order_id=7)  # type: ignore[arg-type]
        assert uow.ledger.value_entries(source=ValueSource.ITEM, source_entry_no=2**80) == []
        assert uow.ledger.output_quantity("PO-1", 2**40) == 0


@pytest.mark.postgres
def test_postgres_unreachable_server_raises_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        open_store(f"postgresql://nobody@/nodb?host={tmp_path}&connect_timeout=2")


def test_threads_share_a_sqlite_store(tmp_path: Path) -> None:
    import threading

    import attrs

    from prodcore.errors import ConcurrencyError

    conflicts: list[int] = []
    failures: list[BaseException] = []
    with open_store(f"sqlite:///{tmp_path}/t.db") as store:
        with store() as uow:
            uow.orders.add(sample_order(quantity=0))
            uow.commit()

        def bump() -> None:
            uow = store()
            try:
                for _ in range(10):
                    while True:
                        try:
                            with uow:
                                order = uow.orders.get("PO-1")
                                uow.orders.save(
                                    attrs.evolve(
                                        order,
                                        quantity=order.quantity + 1,
                                        version=order.version + 1,
                                    ),
                                    expected_version=order.version,
                                )
                                uow.commit()
                            break
                        except ConcurrencyError:
                            conflicts.append(1)
            except BaseException as err:  # pragma: no cover - reported below
                failures.append(err)

        threads = [threading.Thread(target=bump) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        with store() as uow:
            assert uow.orders.get("PO-1").quantity == 40
