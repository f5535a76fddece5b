"""The SQL stores' schema: the migrations that create and upgrade it, and the triggers
that keep the ledgers append-only.

A migration is (version, description, statements) and is never changed once released:
a store written by an earlier release is upgraded by applying the migrations above its
recorded version, in order. A statement is common SQL or a mapping of SQL per dialect
(``"sqlite"``, ``"postgresql"``; a dialect left out skips the statement).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Statement", "Tx", "apply_migrations"]

Statement = str | Mapping[str, str]  # common SQL, or SQL per dialect ("sqlite", "postgresql")

_ENTRY_TABLES = (
    "prodcore_ledger_batches",
    "prodcore_item_entries",
    "prodcore_capacity_entries",
    "prodcore_value_entries",
    "prodcore_gl_entries",
    "prodcore_idempotency",
)


def _append_only(table: str) -> tuple[Statement, ...]:
    """Triggers that refuse UPDATE and DELETE (and TRUNCATE) on ``table``."""
    return (
        {
            "sqlite": f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            "postgresql": f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION prodcore_append_only()",
        },
        {
            "sqlite": f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            "postgresql": f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION prodcore_append_only()",
        },
    )


#: Schema migrations: (version, description, statements). ``{text_key}`` is the type of
#: sorted key columns (PostgreSQL compares them bytewise with ``COLLATE "C"``, as
#: Python and SQLite do). Decimals are stored as TEXT (their exact ``str``).
MIGRATIONS: tuple[tuple[int, str, tuple[Statement, ...]], ...] = (
    (
        1,
        "master data, setup and production orders",
        (
            """CREATE TABLE prodcore_master_data (
                kind {text_key} NOT NULL,
                no {text_key} NOT NULL,
                doc TEXT NOT NULL,
                PRIMARY KEY (kind, no)
            )""",
            """CREATE TABLE prodcore_setup (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                doc TEXT NOT NULL
            )""",
            """CREATE TABLE prodcore_orders (
                id {text_key} PRIMARY KEY,
                status TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version >= 1),
                doc TEXT NOT NULL
            )""",
            "CREATE INDEX prodcore_orders_status ON prodcore_orders (status, id)",
        ),
    ),
    (
        2,
        "append-only ledgers, running balances, idempotency keys",
        (
            """CREATE TABLE prodcore_ledger_counters (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                posting INTEGER NOT NULL, item INTEGER NOT NULL, capacity INTEGER NOT NULL,
                value INTEGER NOT NULL, gl INTEGER NOT NULL
            )""",
            "INSERT INTO prodcore_ledger_counters VALUES (1, 0, 0, 0, 0, 0)",
            """CREATE TABLE prodcore_posting_setup (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                doc TEXT NOT NULL
            )""",
            """CREATE TABLE prodcore_ledger_batches (
                posting_no INTEGER PRIMARY KEY,
                idempotency_key TEXT,
                doc TEXT NOT NULL
            )""",
            """CREATE TABLE prodcore_item_entries (
                entry_no INTEGER PRIMARY KEY,
                posting_no INTEGER NOT NULL REFERENCES prodcore_ledger_batches (posting_no),
                order_id TEXT NOT NULL,
                item_no TEXT NOT NULL,
                applies_to_entry_no INTEGER,
                doc TEXT NOT NULL
            )""",
            "CREATE INDEX prodcore_item_entries_order ON prodcore_item_entries (order_id, entry_no)",
            "CREATE INDEX prodcore_item_entries_item ON prodcore_item_entries (item_no, entry_no)",
            "CREATE INDEX prodcore_item_entries_posting ON prodcore_item_entries (posting_no)",
            """CREATE TABLE prodcore_capacity_entries (
                entry_no INTEGER PRIMARY KEY,
                posting_no INTEGER NOT NULL REFERENCES prodcore_ledger_batches (posting_no),
                order_id TEXT,
                type TEXT NOT NULL,
                no TEXT NOT NULL,
                work_center_no TEXT NOT NULL,
                applies_to_entry_no INTEGER,
                doc TEXT NOT NULL
            )""",
            "CREATE INDEX prodcore_capacity_entries_order ON prodcore_capacity_entries (order_id, entry_no)",
            "CREATE INDEX prodcore_capacity_entries_wc ON prodcore_capacity_entries (work_center_no, entry_no)",
            "CREATE INDEX prodcore_capacity_entries_no ON prodcore_capacity_entries (no, entry_no)",
            "CREATE INDEX prodcore_capacity_entries_posting ON prodcore_capacity_entries (posting_no)",
            """CREATE TABLE prodcore_value_entries (
                entry_no INTEGER PRIMARY KEY,
                posting_no INTEGER NOT NULL REFERENCES prodcore_ledger_batches (posting_no),
                order_id TEXT,
                source TEXT NOT NULL,
                source_entry_no INTEGER,
                doc TEXT NOT NULL
            )""",
            "CREATE INDEX prodcore_value_entries_order ON prodcore_value_entries (order_id, entry_no)",
            "CREATE INDEX prodcore_value_entries_source ON prodcore_value_entries (source, source_entry_no, entry_no)",
            "CREATE INDEX prodcore_value_entries_posting ON prodcore_value_entries (posting_no)",
            """CREATE TABLE prodcore_gl_entries (
                entry_no INTEGER PRIMARY KEY,
                posting_no INTEGER NOT NULL REFERENCES prodcore_ledger_batches (posting_no),
                order_id TEXT,
                account TEXT NOT NULL,
                doc TEXT NOT NULL
            )""",
            "CREATE INDEX prodcore_gl_entries_order ON prodcore_gl_entries (order_id, entry_no)",
            "CREATE INDEX prodcore_gl_entries_posting ON prodcore_gl_entries (posting_no)",
            """CREATE TABLE prodcore_idempotency (
                key TEXT PRIMARY KEY,
                command_hash TEXT NOT NULL,
                doc TEXT NOT NULL
            )""",
            # running balances, maintained in the appending transaction
            """CREATE TABLE prodcore_bal_on_hand (
                item_no TEXT NOT NULL, location_code TEXT NOT NULL, qty TEXT NOT NULL,
                PRIMARY KEY (item_no, location_code))""",
            """CREATE TABLE prodcore_bal_consumed (
                order_id TEXT NOT NULL, line_no INTEGER NOT NULL, component_line_no INTEGER NOT NULL,
                qty TEXT NOT NULL, PRIMARY KEY (order_id, line_no, component_line_no))""",
            """CREATE TABLE prodcore_bal_output (
                order_id TEXT NOT NULL, line_no INTEGER NOT NULL, qty TEXT NOT NULL,
                PRIMARY KEY (order_id, line_no))""",
            """CREATE TABLE prodcore_bal_wip (
                order_id TEXT PRIMARY KEY, qty TEXT NOT NULL)""",
            """CREATE TABLE prodcore_bal_account (
                account TEXT PRIMARY KEY, qty TEXT NOT NULL)""",
            """CREATE TABLE prodcore_bal_reversed (
                source TEXT NOT NULL, entry_no INTEGER NOT NULL, qty TEXT NOT NULL,
                PRIMARY KEY (source, entry_no))""",
            """CREATE TABLE prodcore_bal_capacity_day (
                centre_no TEXT NOT NULL, day TEXT NOT NULL, qty TEXT NOT NULL,
                PRIMARY KEY (centre_no, day))""",
            {
                "postgresql": "CREATE FUNCTION prodcore_append_only() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only', "
                "ERRCODE = 'restrict_violation'; END $$"
            },
            *(stmt for table in _ENTRY_TABLES for stmt in _append_only(table)),
        ),
    ),
    (
        3,
        "ledger seals: the hash chain over committed batches, in posting order",
        (
            """CREATE TABLE prodcore_ledger_seals (
                posting_no INTEGER PRIMARY KEY, link TEXT NOT NULL)""",
            *_append_only("prodcore_ledger_seals"),
        ),
    ),
)

SCHEMA_VERSION = max(version for version, _, _ in MIGRATIONS)


class Tx(abc.ABC):
    """One open write transaction of a store."""

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run ``sql``; the number of rows it changed."""

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql``; its rows."""

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``sql`` once per row of parameters, in order (a driver may send them all
        at once: one round trip instead of one per row)."""
        for params in rows:
            self.execute(sql, params)


def apply_migrations(
    tx: Tx, *, dialect: str, text_key: str, now: Callable[[], str], target: int = SCHEMA_VERSION
) -> list[int]:
    """Apply the migrations above the database's version (inside ``tx``); those applied."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS prodcore_schema_migrations ("
        "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    rows = tx.query("SELECT MAX(version) FROM prodcore_schema_migrations")
    current = int(rows[0][0] or 0)
    applied = []
    for version, description, statements in MIGRATIONS:
        if current < version <= target:
            for statement in statements:
                sql = statement if isinstance(statement, str) else statement.get(dialect)
                if sql is not None:
                    tx.execute(sql.replace("{text_key}", text_key))
            tx.execute(
                "INSERT INTO prodcore_schema_migrations (version, description, applied_at) "
                "VALUES (?, ?, ?)",
                (version, description, now()),
            )
            applied.append(version)
    return applied
