"""The SQLite store: prodcore's embedded default, one file, stdlib :mod:`sqlite3` only.

The file runs in WAL mode, so readers never wait for the writer. A unit of work's
writes are applied at commit in one ``BEGIN IMMEDIATE`` transaction (several processes
on one machine queue for it, waiting up to ``busy_timeout`` seconds), with the
optimistic version checks done by the ``UPDATE`` statements themselves. The schema is
created and upgraded when the store is opened.

>>> from prodcore.masterdata import Item
>>> store = SqliteStore(":memory:")
>>> with store() as uow:
...     uow.master_data.put(Item("BOLT", base_unit="PCS"))
...     uow.commit()
>>> with store() as uow:
...     uow.master_data.item("BOLT").base_unit
'PCS'
>>> store.close()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from prodcore.adapters._sql import SqlStore, Tx, apply_migrations
from prodcore.errors import ConflictError, DuplicateError, InvalidValueError, StoreError

__all__ = ["SqliteStore"]


def _translate(err: Exception) -> Exception:
    """A prodcore error for a driver error (the caller raises it ``from err``)."""
    if isinstance(err, sqlite3.IntegrityError):
        if "UNIQUE" in str(err) or "PRIMARY KEY" in str(err):
            return DuplicateError(kind="Row", key=str(err))
        return ConflictError(message=f"The store refused the write: {err}")
    if isinstance(err, UnicodeError | OverflowError | sqlite3.InterfaceError):
        return InvalidValueError(field="value", value=str(err), reason="the store cannot hold it")
    if isinstance(err, sqlite3.OperationalError) and "locked" in str(err):
        return StoreError(reason=f"the database stayed locked by another writer ({err})")
    return StoreError(reason=f"{type(err).__name__}: {err}")


class _SqliteTx(Tx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self._conn.execute(sql, params).rowcount
        except (sqlite3.Error, UnicodeError, OverflowError) as err:
            raise _translate(err) from err

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except (sqlite3.Error, UnicodeError, OverflowError) as err:
            raise _translate(err) from err

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            self._conn.executemany(sql, rows)
        except (sqlite3.Error, UnicodeError, OverflowError) as err:
            raise _translate(err) from err


class SqliteStore(SqlStore):
    """A SQLite database file (or ``":memory:"``, private to this object).

    Calling the store opens a unit of work. Each thread gets its own connection; an
    in-memory database has one connection shared under a lock.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self.path = os.fspath(path)
        self.busy_timeout = busy_timeout
        self._memory = self.path == ":memory:"
        self._lock = threading.RLock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        try:
            with self.transaction() as tx:
                applied = apply_migrations(
                    tx,
                    dialect="sqlite",
                    text_key="TEXT",
                    now=lambda: dt.datetime.now(dt.UTC).isoformat(),
                )
        except BaseException:
            self.close()
            raise
        self.applied_migrations = tuple(applied)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,  # we issue BEGIN and COMMIT ourselves
                check_same_thread=False,  # per-thread use; close() may run anywhere
            )
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                if not self._memory:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
            except BaseException:
                conn.close()  # a file that is no database must not leave its connection open
                raise
        except sqlite3.Error as err:
            raise StoreError(reason=f"cannot open SQLite database {self.path!r}: {err}") from err
        return conn

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock if self._memory else contextlib.nullcontext():
            if self._closed:
                raise StoreError(reason="the store is closed")
            conn: sqlite3.Connection | None = (
                (self._connections[0] if self._connections else None)
                if self._memory
                else getattr(self._local, "conn", None)
            )
            if conn is None:
                conn = self._connect()
                with self._lock:
                    self._connections.append(conn)
                self._local.conn = conn
            yield conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return _SqliteTx(conn).query(sql, params)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._connection() as conn:
            tx = _SqliteTx(conn)
            tx.execute("BEGIN IMMEDIATE")
            try:
                yield tx
                tx.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"
