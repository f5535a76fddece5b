"""Store fixtures: the PostgreSQL ones skip without a server, or fail when it is required.

``PRODCORE_TEST_PG_DSN`` names a server (``scripts/pg_server.py`` starts a throwaway one
and sets it); with ``PRODCORE_REQUIRE_PG=1`` a missing server fails the run instead.
Each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from prodcore.adapters import Store, open_store
from prodcore.adapters._sql import SqlStore
from prodcore.ports import UnitOfWork


def pg_url(dsn: str, schema: str) -> str:
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options={urllib.parse.quote(f'-c search_path={schema}')}"


@contextlib.contextmanager
def pg_schema(dsn: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield pg_url(dsn, schema)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextlib.contextmanager
def fresh_store(kind: str, pg_dsn: str | None = None) -> Iterator[Store]:
    """An empty store of ``kind``: memory, sqlite-memory, sqlite-file or postgresql."""
    if kind == "memory":
        with open_store("memory:") as store:
            yield store
    elif kind == "sqlite-memory":
        with open_store("sqlite:///:memory:") as store:
            yield store
    elif kind == "sqlite-file":
        with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/p.db") as store:
            yield store
    elif kind == "postgresql":
        assert pg_dsn is not None
        with pg_schema(pg_dsn) as url, open_store(url, migrate=True, max_size=2) as store:
            yield store
    else:  # pragma: no cover
        raise ValueError(kind)


def snapshot(uow: UnitOfWork) -> dict[str, Any]:
    """Everything readable through the ports, for comparing two stores."""
    ledger = uow.ledger
    items = ledger.item_entries()
    capacity = ledger.capacity_entries()
    values = ledger.value_entries()
    gl = ledger.gl_entries()
    batches = []
    n = 1
    while True:
        try:
            batches.append(ledger.batch(n))
        except LookupError:
            break
        n += 1
    orders = uow.orders.list()
    md = uow.master_data
    return {
        "orders": orders,
        "items": list(md.items()),
        "boms": list(md.boms()),
        "routings": list(md.routings()),
        "work_centers": list(md.work_centers()),
        "machine_centers": list(md.machine_centers()),
        "setup": md.setup,
        "batches": batches,
        "item_entries": items,
        "capacity_entries": capacity,
        "value_entries": values,
        "gl_entries": gl,
        "on_hand": {
            (e.item_no, e.location_code): ledger.on_hand(e.item_no, e.location_code) for e in items
        },
        "on_hand_total": {e.item_no: ledger.on_hand(e.item_no) for e in items},
        "consumed": {
            (e.order_id, e.order_line_no, e.component_line_no): ledger.consumed_quantity(
                e.order_id, e.order_line_no, e.component_line_no
            )
            for e in items
            if e.component_line_no is not None
        },
        "output": {
            (e.order_id, e.order_line_no): ledger.output_quantity(e.order_id, e.order_line_no)
            for e in items
        },
        "wip": {o: ledger.wip(o) for o in {g.order_id for g in gl if g.order_id}},
        "accounts": {g.account: ledger.account_balance(g.account) for g in gl},
    }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[SqlStore]:
    """An empty SQL store: a SQLite file, then PostgreSQL (a fresh schema) when a server
    is given."""
    url = (
        f"sqlite:///{tmp_path}/p.db"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_dsn")
    )
    with open_store(url, migrate=True) as opened:
        assert isinstance(opened, SqlStore)
        yield opened


@pytest.fixture
def store_of() -> Callable[..., contextlib.AbstractContextManager[Store]]:
    """``store_of(kind, dsn)``: a fresh, empty store of that kind (a context manager)."""
    return fresh_store


@pytest.fixture
def snapshot_of() -> Callable[[UnitOfWork], dict[str, Any]]:
    return snapshot


#: Figures of the concurrency and crash tests, shown in the terminal summary (whatever -s
#: says) and appended to $PRODCORE_FIGURES_LOG if set.
FIGURES: list[str] = []


def record_figure(line: str) -> None:
    FIGURES.append(line)
    log = os.environ.get("PRODCORE_FIGURES_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(line + "\n")


@pytest.fixture
def figure() -> Callable[[str], None]:
    return record_figure


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("prodcore store figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
