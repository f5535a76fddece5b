"""The SQLite store: prodcore's embedded default, one file, stdlib :mod:`sqlite3` only.

The file runs in WAL mode, so readers never wait for the writer. A unit of work's
writes are applied at commit in one ``BEGIN IMMEDIATE`` transaction (several processes
on one machine queue for SQLite's write lock, waiting up to ``busy_timeout`` seconds):
inside it the values the unit of work read are read again (a change refuses the commit
with a ConcurrencyError), then the writes are applied, with the optimistic version
checks done by the ``UPDATE`` statements themselves. A unit of work that posts takes
that lock at its first ``append`` (to number the entries), after deciding. The schema
is created and upgraded when the store is opened.

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
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from prodcore.adapters._schema import apply_migrations
from prodcore.adapters._sql import HeldLease, Lease, SqlStore, WriteTx
from prodcore.errors import ConflictError, DuplicateError, InvalidValueError, StoreError
from prodcore.numbers import EXACT_SUMS

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


def _add_decimal_texts(stored: str, delta: str) -> str:
    """``prodcore_add``, a function of every connection: the sum of two decimal texts,
    as the memory store adds (a balance row's upsert adds its delta in the database,
    reading nothing; SQLite's own numbers are binary).

    >>> _add_decimal_texts("-10.00000", "2.5")
    '-7.50000'
    """
    return str(EXACT_SUMS.add(Decimal(stored), Decimal(delta)))


def _execute(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int:
    try:
        return conn.execute(sql, params).rowcount
    except (sqlite3.Error, UnicodeError, OverflowError) as err:
        raise _translate(err) from err


def _query(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    try:
        return conn.execute(sql, params).fetchall()
    except (sqlite3.Error, UnicodeError, OverflowError) as err:
        raise _translate(err) from err


class _SqliteTx(WriteTx):
    def __init__(
        self, conn: sqlite3.Connection, end: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        self._conn = conn
        self._end = end

    def _finish(self, statement: str) -> None:
        end, self._end = self._end, None
        if end is None:
            return
        try:
            if self._conn.in_transaction:
                _execute(self._conn, statement, ())
        finally:
            end(self._conn)

    def commit(self) -> None:
        try:
            self._finish("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            raise

    def rollback(self) -> None:
        if self._end is None:  # ended (a unit of work's end rolls back what it committed)
            return
        with contextlib.suppress(StoreError):
            self._finish("ROLLBACK")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _execute(self._conn, sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return _query(self._conn, sql, params)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            self._conn.executemany(sql, rows)
        except (sqlite3.Error, UnicodeError, OverflowError) as err:
            raise _translate(err) from err


def _kept(conn: sqlite3.Connection) -> None:
    """The end of a unit of work's write transaction: its connection stays with the
    unit of work's lease (which gives it back)."""


class _SqliteLease(HeldLease[sqlite3.Connection]):
    """A connection of a file store's, taken at the unit of work's first read and kept
    to its end: its reads and its write transaction run on it. The connections are
    reused one after the other, so a unit of work reads on the connection the previous
    one committed on, whose page cache that commit left valid (SQLite drops a
    connection's cache when another connection wrote: a connection for reads alone
    read every page again at each unit of work's first read)."""

    def __init__(self, store: SqliteStore) -> None:
        super().__init__(store)
        self._holder = store


class SqliteStore(SqlStore):
    """A SQLite database file (or ``":memory:"``, private to this object).

    Calling the store opens a unit of work. A unit of work of a file store reads and
    writes on a connection of its own, taken at its first read and given back at its
    end (:class:`_SqliteLease`); reads outside units of work use a connection per
    thread. An in-memory database has one connection, shared under a lock that a write
    transaction holds until it ends.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self.path = os.fspath(path)
        self.busy_timeout = self.lock_timeout = busy_timeout
        self._memory = self.path == ":memory:"
        self._lock = threading.RLock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._idle: list[sqlite3.Connection] = []  # for units of work (file only)
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
                conn.create_function("prodcore_add", 2, _add_decimal_texts, deterministic=True)
            except BaseException:
                conn.close()  # a file that is no database must not leave its connection open
                raise
        except sqlite3.Error as err:
            raise StoreError(reason=f"cannot open SQLite database {self.path!r}: {err}") from err
        return conn

    def _reader(self) -> sqlite3.Connection:
        """This thread's connection for reads (an in-memory database's one connection:
        the caller holds the lock). No context manager: this runs for every read."""
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
        return conn

    def query(
        self, sql: str, params: Sequence[Any] = (), lease: _SqliteLease | None = None
    ) -> list[tuple[Any, ...]]:
        """Rows of a read: on the ``lease``'s connection (a unit of work's), else on
        this thread's."""
        if lease is not None:
            return _query(lease.connection(), sql, params)
        if self._memory:
            with self._lock:
                return _query(self._reader(), sql, params)
        return _query(self._reader(), sql, params)

    def lease(self) -> Lease:
        return Lease(self) if self._memory else _SqliteLease(self)

    def checkout(self) -> sqlite3.Connection:
        """(A file store) A connection no unit of work holds: the one given back last,
        else a new one."""
        with self._lock:
            if self._closed:
                raise StoreError(reason="the store is closed")
            idle = self._idle.pop() if self._idle else None
        if idle is not None:
            return idle
        conn = self._connect()
        with self._lock:
            self._connections.append(conn)
        return conn

    def begin_write(self, lease: _SqliteLease | None = None) -> WriteTx:
        """A write transaction on the ``lease``'s connection (kept by the lease when it
        ends), else on one taken with :meth:`checkout` (given back when it ends)."""
        if lease is not None:
            tx = _SqliteTx(lease.connection(), _kept)
            tx.execute("BEGIN IMMEDIATE")
            return tx
        if self._memory:
            self._lock.acquire()  # held until the transaction ends
            try:
                tx = _SqliteTx(self._reader(), lambda _: self._lock.release())
                tx.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._lock.release()
                raise
            return tx
        conn = self.checkout()
        tx = _SqliteTx(conn, self.give_back)
        try:
            tx.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.give_back(conn)
            raise
        return tx

    def give_back(self, conn: sqlite3.Connection) -> None:
        """Return a connection taken with :meth:`checkout` (its transaction ended)."""
        with self._lock:
            if not self._closed:
                self._idle.append(conn)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            self._idle.clear()
        self._forget_decoded()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"
