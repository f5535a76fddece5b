"""The PostgreSQL store, for many processes and machines (psycopg 3 and psycopg_pool).

Install it with ``pip install prodcore[postgres]``. prodcore creates and upgrades its
own tables: run :func:`upgrade` (the ``prodcore db upgrade`` command) once per release,
or open the store with ``migrate=True``. A unit of work's writes are applied at commit
in one READ COMMITTED transaction. It first takes advisory locks on its conflict keys
(the orders, items, centres, accounts... it read or writes; see
:func:`prodcore.adapters._staging.conflict_keys`), without waiting: a key a rival
holds in a conflicting way refuses the commit with a ConcurrencyError (raised once
this unit of work has given its locks back and that rival has ended). Under those
locks it reads again what it decided on (a change refuses the commit) and writes its
rows, so units of work on unrelated orders commit side by side. The optimistic
version checks are ``UPDATE ... WHERE version = ?`` statements.

Entry numbers come from sequences: each ``append`` sets its batch's numbers aside in a
short step under a session advisory lock, in which the unit of work's first batch also
takes a ticket (an advisory lock held to its end) and notes the tickets still open,
taken before it. Before its last step (adding to the balance rows, raising the
counters, committing) a unit of work waits for those tickets: numbers increase in
commit order, and a unit of work rolled back after its ``append`` leaves a gap.

A unit of work takes one pool connection at its first read (a :class:`_PgLease`) and
reads and commits on it until it ends. The write transaction runs in pipeline mode:
statements whose result is not awaited are queued and sent with the next one that is,
so a command waits for the server a few times instead of once per statement.

psycopg is imported here only, and only when a PostgreSQL store is opened.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import hashlib
import json
import re
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from prodcore.adapters._schema import SCHEMA_VERSION, Tx, apply_migrations
from prodcore.adapters._sql import HeldLease, Lease, Query, SqlStore, WriteTx
from prodcore.adapters._sql_writes import insert_statements
from prodcore.adapters._staging import RECORD_KEYS, ConflictKeys
from prodcore.errors import (
    ConcurrencyError,
    ConflictError,
    DuplicateError,
    InvalidValueError,
    ProdcoreError,
    StoreError,
)
from prodcore.ledger.model import LedgerCounters, PostingBatch

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = ["PostgresStore", "schema_version", "upgrade"]

#: Serializes concurrent upgrades (``pg_advisory_xact_lock`` key, "prodcore" in ASCII).
_UPGRADE_LOCK = 0x70726F64636F7265
#: The short numbering step (a session ``pg_advisory_lock`` key, "prodnumb").
_NUMBERING_LOCK = 0x70726F646E756D62
#: Tickets are ``pg_advisory_xact_lock(_TICKETS, posting_no mod _TICKET_SPAN)``.
_TICKETS = 0x7469636B  # "tick"
_TICKET_SPAN = 2_000_000_000


#: Advisory lock classes of the keys of balances and lists read and written.
_READS = 0x72656164  # "read"
_WRITES = 0x77726974  # "writ"


def _key_id(key: tuple[Any, ...]) -> int:
    """A record's conflict key as an advisory lock id (a collision between two keys
    only makes them conflict)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _key_hash(key: tuple[Any, ...]) -> int:
    """A balance's or list's conflict key as a non-negative 31-bit advisory lock id."""
    return _key_id(key) & 0x7FFFFFFF


def _sql(statement: str) -> str:
    return statement.replace("?", "%s")


#: JSON text of rows (ints, texts and NULLs: the exact texts of the decimals pass as texts).
_rows_json = json.JSONEncoder(
    ensure_ascii=False, check_circular=False, separators=(",", ":")
).encode


@functools.lru_cache(maxsize=256)  # the lists of tables a commit writes in a row
def _together(inserts: tuple[str, ...]) -> str:
    """One statement running ``inserts`` (into distinct tables): the first ones as
    data-modifying ``WITH`` queries, which run to completion, the last as the main
    statement (foreign keys are checked at the statement's end). Its text depends on
    the tables only, so the driver prepares it once per such list."""
    *first, last = inserts
    with_ = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(first))
    return _sql(f"WITH {with_} {last}" if first else last)


def _translate(err: Exception) -> Exception:
    """A prodcore error for a driver error (the caller raises it ``from err``)."""
    import psycopg
    from psycopg import errors as pg
    from psycopg_pool import PoolTimeout

    if isinstance(err, pg.UniqueViolation):
        return DuplicateError(kind="Row", key=str(err).strip())
    if isinstance(err, pg.SerializationFailure | pg.DeadlockDetected | pg.LockNotAvailable):
        # which of the three (and the server's words) tells a retry apart from a bug
        return ConcurrencyError(
            kind="Transaction",
            key="commit",
            expected="-",
            actual=f"{type(err).__name__}: {str(err).strip()}",
        )
    if isinstance(err, pg.RaiseException | pg.IntegrityError | pg.InsufficientPrivilege):
        return ConflictError(message=f"The store refused the write: {str(err).strip()}")
    if isinstance(
        err,
        psycopg.DataError
        | pg.UndefinedFunction
        | pg.DatatypeMismatch
        | ValueError
        | TypeError
        | OverflowError,
    ):
        return InvalidValueError(field="value", value=str(err), reason="the store cannot hold it")
    if isinstance(err, PoolTimeout):
        return StoreError(reason=f"no database connection became free in time ({err})")
    return StoreError(reason=f"{type(err).__name__}: {str(err).strip()}")


def _driver_errors() -> tuple[type[Exception], ...]:
    import psycopg
    from psycopg_pool import PoolTimeout

    return (psycopg.Error, PoolTimeout, ValueError, TypeError, OverflowError)


class _PgTx(Tx):
    def __init__(self, conn: psycopg.Connection[Any], trips: _Trips | None = None) -> None:
        self._conn = conn
        self._errors = _driver_errors()
        self._trips = trips or _Trips()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._trips.add()
        try:
            return self._conn.execute(_sql(sql), params or None).rowcount
        except self._errors as err:
            raise _translate(err) from err

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._trips.add()
        try:
            return self._conn.execute(_sql(sql), params or None).fetchall()
        except self._errors as err:
            raise _translate(err) from err

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self._trips.add()
        try:
            with self._conn.cursor() as cursor:  # psycopg pipelines the rows
                cursor.executemany(_sql(sql), rows)
        except self._errors as err:
            raise _translate(err) from err


class _Trips:
    """The times a store waited for the server's answer (round trips), for benchmarks
    and tests, counted from every thread that uses the store (under a lock: ``+=`` on a
    shared attribute loses counts when threads switch inside it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self, waits: int = 1) -> None:
        with self._lock:
            self.count += waits


#: An ``expect`` statement as the server runs it: a statement that changes no row, or
#: several, fails there (casting a text to an integer), so that its answer need not be
#: awaited before the commit; the text names the check (its number in the transaction).
_CHECKED = (
    "WITH changed AS ({} RETURNING 1) SELECT CASE count(*) WHEN 1 THEN 1 "
    "ELSE ('prodcore check ' || ?::text || ' changed ' || count(*))::int END FROM changed"
)
_FAILED_CHECK = re.compile(r"prodcore check (\d+) changed")


class _PgWriteTx(_PgTx, WriteTx):
    """A transaction in pipeline mode: statements whose result is not awaited (``send``,
    ``expect``, ``execute_many``) are queued and go with the next one that is (a
    ``query``, or the commit). A queued statement that fails makes the server skip the
    rest up to the commit: its error is raised by that next statement (or the commit),
    and the transaction is rolled back. An ``expect`` check fails in the server too
    (:data:`_CHECKED`), so the commit waits once, for the checks and COMMIT together;
    a failed check raises its refusal, made once the transaction is rolled back."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        trips: _Trips,
        give_back: Callable[[psycopg.Connection[Any]], None] | None,
    ) -> None:
        super().__init__(conn, trips)
        self._open = True
        self._give_back = give_back  # None: the connection is a unit of work's lease
        self._pipeline = contextlib.ExitStack()
        self._refusals: list[Callable[[], Exception]] = []  # of the checks, by number
        self._ahead: collections.deque[tuple[str, list[Any], psycopg.Cursor[Any]]] = (
            collections.deque()
        )
        self._waited = False  # for an answer of the announced statements
        #: inserts not sent yet (statement, rows as JSON), sent together before the next
        #: statement; the tables they write into
        self._inserts: list[tuple[str, str]] = []
        self._inserted: set[str] = set()

    _pipe: psycopg.Pipeline

    def begin(self, lock_timeout: float, timeouts: _Timeouts) -> None:
        """Begin, with the connection's lock timeout set to ``lock_timeout`` (seconds)
        if ``timeouts`` says it is not that: a session setting, made outside the
        pipeline (a statement queued before BEGIN would join its transaction, and a
        rollback would undo it), once per connection instead of ``SET LOCAL`` per
        transaction."""
        wanted = max(1, round(lock_timeout * 1000))
        if timeouts.get(self._conn) != wanted:
            _PgTx(self._conn, self._trips).execute(f"SET lock_timeout = {wanted}")
            timeouts[self._conn] = wanted
        try:
            self._pipe = self._pipeline.enter_context(self._conn.pipeline())
        except self._errors as err:
            raise _translate(err) from err
        self.send("BEGIN")

    def _queue(self, sql: str, params: Sequence[Any]) -> psycopg.Cursor[Any]:
        if self._inserts:
            self._send_inserts()
        try:
            return self._conn.execute(_sql(sql), params or None)
        except self._errors as err:
            raise self._error(err) from err

    def _sync(self) -> None:
        self._trips.add()
        try:
            self._pipe.sync()
        except self._errors as err:
            raise self._error(err) from err

    def _error(self, err: Exception) -> Exception:
        """The prodcore error for a driver error: a failed check's refusal (made once
        the transaction is rolled back, before the connection goes back: it may read),
        else the translation."""
        found = _FAILED_CHECK.search(str(err))
        if found is None or int(found[1]) >= len(self._refusals):
            return _translate(err)
        refuse = self._refusals[int(found[1])]
        try:
            self._abort()
            return refuse()
        finally:
            self._end()

    def send(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._queue(sql, params)

    def expect(self, sql: str, params: Sequence[Any], refuse: Callable[[], Exception]) -> None:
        self._queue(_CHECKED.format(sql), [*params, len(self._refusals)])
        self._refusals.append(refuse)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = self._queue(sql, params)
        self._sync()
        return cursor.rowcount

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self._inserts:
            self._send_inserts()
        try:  # rides the pipeline: no sync
            self._conn.cursor().executemany(_sql(sql), rows)
        except self._errors as err:
            raise self._error(err) from err

    def insert_rows(
        self, table: str, columns: str, rows: Sequence[Sequence[Any]], conflict: str = ""
    ) -> None:
        """The ``rows`` as one JSON text, in one statement with the inserts into other
        tables that come right before and after it (:func:`_together`): the driver
        prepares its text once and adapts one parameter per table instead of binding
        each row (about 17 µs of client time for a statement of one row, as much as a
        row of ``executemany``, then 1.5 µs a row instead of 7)."""
        if not rows:
            return
        if table in self._inserted:  # a table once per statement
            self._send_inserts()
        self._inserted.add(table)
        self._inserts.append((insert_statements(table, columns, conflict).json, _rows_json(rows)))

    def _send_inserts(self) -> None:
        inserts, self._inserts = self._inserts, []
        self._inserted.clear()
        try:
            self._conn.execute(_together(tuple(sql for sql, _ in inserts)), [j for _, j in inserts])
        except self._errors as err:
            raise self._error(err) from err

    def prefetch(self, reads: Callable[[Query], object]) -> None:
        def announce(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
            self._ahead.append((sql, list(params), self._queue(sql, params)))
            return []

        reads(announce)
        self._waited = False

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        ahead = self._ahead
        if ahead and ahead[0][0] == sql and ahead[0][1] == list(params):
            cursor = ahead.popleft()[2]
            # the announced statements went together: their answers follow the first
            self._trips.add(0 if self._waited else 1)
            self._waited = True
        else:
            cursor = self._queue(sql, params)
            self._trips.add()
        try:
            return cursor.fetchall()
        except self._errors as err:
            raise self._error(err) from err

    def commit(self) -> None:
        if not self._open:
            return
        try:
            self.send("COMMIT")
            self._trips.add()
            try:
                self._pipeline.close()  # sends it all; raises what failed
            except self._errors as err:
                raise self._error(err) from err
        except BaseException:
            self.rollback()
            raise
        self._end()

    def rollback(self, wait_for: Sequence[int] = ()) -> None:
        """Roll back; with ``wait_for``, then wait for those tickets' units of work to end
        (on the same connection: a unit of work never holds two)."""
        if not self._open:
            return
        try:
            self._abort()
            if wait_for:
                _PgTx(self._conn, self._trips).query(
                    f"SELECT pg_advisory_xact_lock_shared({_TICKETS}, t) "
                    "FROM unnest(?::int[]) AS t",
                    (list(wait_for),),
                )
        finally:
            self._end()

    def _abort(self) -> None:
        """End the pipeline and roll the transaction back (the connection is kept)."""
        self._ahead.clear()
        self._inserts.clear()
        self._inserted.clear()
        with contextlib.suppress(*self._errors):  # a queued statement's error
            self._pipeline.close()
        # a numbering step that failed half-way leaves its session lock: unlock all
        with contextlib.suppress(ProdcoreError):
            _PgTx(self._conn, self._trips).execute("ROLLBACK; SELECT pg_advisory_unlock_all()")

    def _end(self) -> None:
        self._open = False
        self._refusals.clear()
        self._ahead.clear()
        give_back, self._give_back = self._give_back, None
        if give_back is not None:
            give_back(self._conn)


#: The lock timeout (milliseconds) set on each connection of a store.
_Timeouts = weakref.WeakKeyDictionary["psycopg.Connection[Any]", int]


class _PgLease(HeldLease["psycopg.Connection[Any]"]):
    """A pool connection, taken at the unit of work's first read and kept to its end."""

    def __init__(self, store: PostgresStore) -> None:
        super().__init__(store)
        self._holder = store


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _upgrade_on(conn: psycopg.Connection[Any]) -> list[int]:
    with conn.transaction():
        tx = _PgTx(conn)
        tx.query("SELECT pg_advisory_xact_lock(?)", (_UPGRADE_LOCK,))
        return apply_migrations(tx, dialect="postgresql", text_key='TEXT COLLATE "C"', now=_now)


def _connect(dsn: str) -> psycopg.Connection[Any]:
    import psycopg

    try:
        return psycopg.connect(dsn, autocommit=True)
    except (psycopg.Error, ValueError) as err:
        raise StoreError(reason=f"cannot connect to PostgreSQL: {str(err).strip()}") from err


def upgrade(dsn: str) -> list[int]:
    """Create or upgrade prodcore's tables in the database ``dsn``; the versions applied.

    Safe to run concurrently and repeatedly (an advisory lock serializes upgrades, and
    the ``prodcore_schema_migrations`` table records what was applied).
    """
    with _connect(dsn) as conn:
        return _upgrade_on(conn)


def schema_version(dsn: str) -> int:
    """The schema version of the database ``dsn`` (0 if prodcore never upgraded it)."""
    with _connect(dsn) as conn:
        rows = _PgTx(conn).query("SELECT to_regclass('prodcore_schema_migrations') IS NOT NULL")
        if not rows[0][0]:
            return 0
        return int(_PgTx(conn).query("SELECT MAX(version) FROM prodcore_schema_migrations")[0][0])


class PostgresStore(SqlStore):
    """A PostgreSQL database reached through a connection pool; calling it opens a
    unit of work.

    ``dsn`` is a libpq connection string or URL (``postgresql://user:pw@host/db``);
    the ``PG*`` environment variables fill in what it leaves out. With ``migrate`` the
    schema is upgraded on opening; otherwise an outdated schema is refused with a
    :class:`~prodcore.errors.StoreError` that says to run ``prodcore db upgrade``.
    """

    gapless_numbers = False
    numeric_texts = True

    def __init__(
        self,
        dsn: str,
        *,
        migrate: bool = False,
        min_size: int = 1,
        max_size: int = 4,
        timeout: float = 30.0,
    ) -> None:
        from psycopg_pool import ConnectionPool

        self.dsn = dsn
        self.lock_timeout = timeout
        if migrate:
            self.applied_migrations = tuple(upgrade(dsn))
        else:
            found = schema_version(dsn)
            if found < SCHEMA_VERSION:
                raise StoreError(
                    reason=f"the database schema is at version {found}, prodcore needs "
                    f"{SCHEMA_VERSION}; run `prodcore db upgrade` (prodcore.adapters.postgres.upgrade)"
                )
        self._trips = _Trips()
        self._timeouts: _Timeouts = weakref.WeakKeyDictionary()
        self._pool: ConnectionPool[Any] = ConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs={"autocommit": True},
            configure=self._configure,
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except _driver_errors() as err:
            self._pool.close()
            raise _translate(err) from err

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        """A new connection of the pool starts with the store's lock timeout, so a
        transaction's begin sets none (the pool opens connections in the background
        whenever it likes: set at begin, the first transaction on each one would wait
        once more than the others)."""
        wanted = max(1, round(self.lock_timeout * 1000))
        conn.execute(f"SET lock_timeout = {wanted}")
        self._timeouts[conn] = wanted

    @property
    def round_trips(self) -> int:
        """How often this store waited for the server's answer (statements outside a
        pipeline, syncs and reads inside one), in all threads together: a deterministic
        cost for benchmarks."""
        return self._trips.count

    def checkout(self) -> psycopg.Connection[Any]:
        """A connection of the pool (give it back with :meth:`give_back`); a
        :class:`~prodcore.errors.StoreError` if none became free within ``timeout``."""
        if self._pool.closed:
            raise StoreError(reason="the store is closed")
        try:
            conn: psycopg.Connection[Any] = self._pool.getconn()
            return conn
        except _driver_errors() as err:
            raise _translate(err) from err

    def give_back(self, conn: psycopg.Connection[Any]) -> None:
        self._pool.putconn(conn)

    def lease(self) -> Lease:
        return _PgLease(self)

    def query(
        self, sql: str, params: Sequence[Any] = (), lease: _PgLease | None = None
    ) -> list[tuple[Any, ...]]:
        """Rows of a read, in autocommit mode: on the ``lease``'s connection (a unit of
        work's), else on one taken from the pool for this statement."""
        if lease is not None:
            return _PgTx(lease.connection(), self._trips).query(sql, params)
        conn = self.checkout()
        try:
            return _PgTx(conn, self._trips).query(sql, params)
        finally:
            self.give_back(conn)

    def begin_write(self, lease: _PgLease | None = None) -> _PgWriteTx:
        """A write transaction on the ``lease``'s connection (kept by the lease when it
        ends), else on one taken from the pool (given back when it ends)."""
        if lease is None:
            tx = _PgWriteTx(self.checkout(), self._trips, self.give_back)
        else:
            tx = _PgWriteTx(lease.connection(), self._trips, None)
        try:
            tx.begin(self.lock_timeout, self._timeouts)
        except BaseException:
            tx.rollback()
            raise
        return tx

    def allocate(
        self, tx: WriteTx, batch: PostingBatch, last_posting: int | None
    ) -> tuple[LedgerCounters, list[int]]:
        sizes = (
            1,
            len(batch.item_entries),
            len(batch.capacity_entries),
            len(batch.value_entries),
            batch.gl_count,
        )
        found = tx.query(
            "SELECT prodcore_set_numbers_aside(?::bigint[], ?::bigint, ?::bigint, ?::int, ?::bigint)",
            (list(sizes), last_posting, _NUMBERING_LOCK, _TICKETS, _TICKET_SPAN),
        )[0][0]
        last, earlier = [int(n) for n in found[:5]], [int(t) for t in found[5:]]
        if last_posting is not None and last[0] != last_posting:
            raise ConcurrencyError(
                kind="Ledger", key="numbering", expected=last_posting, actual=last[0]
            )
        return LedgerCounters(*last), earlier

    def lock_keys(
        self, tx: WriteTx, keys: ConflictKeys, reads: Callable[[Query], object] | None = None
    ) -> Sequence[Any] | None:
        written = {_key_id(k) for k in keys.written if k[0] in RECORD_KEYS}
        read = {_key_id(k) for k in keys.read if k[0] in RECORD_KEYS} - written
        adds = [
            sorted({_key_hash(k) for k in found if k[0] not in RECORD_KEYS})
            for found in (keys.read, keys.written)
        ]
        sql = (
            "SELECT * FROM prodcore_lock_keys_versions"
            "(?::bigint[], ?::bigint[], ?::int[], ?::int[], ?, ?, ?)"
        )
        params = (sorted(written), sorted(read), *adds, _READS, _WRITES, _TICKETS)
        if reads is not None:  # sent together: one wait for the locks and the reads

            def announce(query: Query) -> None:
                query(sql, params)
                reads(query)

            tx.prefetch(announce)
        rivals, *versions = tx.query(sql, params)[0]
        if rivals is None:
            return None if versions[0] is None else versions
        # give everything back, then wait for the rivals in the way to end: deciding
        # again before their commit lands would only be refused again
        assert isinstance(tx, _PgWriteTx)
        tx.rollback(wait_for=[int(t) for t in rivals])
        raise ConcurrencyError(
            kind="Transaction",
            key="conflict keys",
            expected="free",
            actual="held by another commit",
        )

    def wait_for(self, tx: WriteTx, tickets: Sequence[int]) -> None:
        if tickets:
            tx.query(
                f"SELECT pg_advisory_xact_lock_shared({_TICKETS}, t) FROM unnest(?::int[]) AS t",
                (list(tickets),),
            )

    def close(self) -> None:
        self._pool.close()
        self._forget_decoded()

    def __repr__(self) -> str:
        return "PostgresStore(<dsn>)"
