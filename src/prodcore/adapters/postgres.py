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

psycopg is imported here only, and only when a PostgreSQL store is opened.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from prodcore.adapters._schema import SCHEMA_VERSION, Tx, apply_migrations
from prodcore.adapters._sql import SqlStore, WriteTx
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


def _translate(err: Exception) -> Exception:
    """A prodcore error for a driver error (the caller raises it ``from err``)."""
    import psycopg
    from psycopg import errors as pg
    from psycopg_pool import PoolTimeout

    if isinstance(err, pg.UniqueViolation):
        return DuplicateError(kind="Row", key=str(err).strip())
    if isinstance(err, pg.SerializationFailure | pg.DeadlockDetected | pg.LockNotAvailable):
        return ConcurrencyError(kind="Transaction", key="commit", expected="-", actual="-")
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
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        self._errors = _driver_errors()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self._conn.execute(_sql(sql), params or None).rowcount
        except self._errors as err:
            raise _translate(err) from err

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(_sql(sql), params or None).fetchall()
        except self._errors as err:
            raise _translate(err) from err

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            with self._conn.cursor() as cursor:  # psycopg pipelines the rows
                cursor.executemany(_sql(sql), rows)
        except self._errors as err:
            raise _translate(err) from err


class _PgWriteTx(_PgTx, WriteTx):
    def __init__(self, conn: psycopg.Connection[Any], pool: ConnectionPool[Any]) -> None:
        super().__init__(conn)
        self._pool: ConnectionPool[Any] | None = pool

    def _finish(self, statement: str) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            # a numbering step that failed half-way leaves its session lock: unlock all
            self.execute(
                statement if statement == "COMMIT" else "ROLLBACK; SELECT pg_advisory_unlock_all()"
            )
        finally:
            pool.putconn(self._conn)

    def commit(self) -> None:
        self._finish("COMMIT")

    def rollback(self) -> None:
        with contextlib.suppress(ProdcoreError):
            self._finish("ROLLBACK")


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
        self._pool: ConnectionPool[Any] = ConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs={"autocommit": True},
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except _driver_errors() as err:
            self._pool.close()
            raise _translate(err) from err

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self._pool.closed:
            raise StoreError(reason="the store is closed")
        try:
            cm = self._pool.connection()
            conn = cm.__enter__()
        except _driver_errors() as err:
            raise _translate(err) from err
        try:
            yield conn
        except BaseException as exc:
            cm.__exit__(type(exc), exc, exc.__traceback__)
            raise
        cm.__exit__(None, None, None)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return _PgTx(conn).query(sql, params)

    def begin_write(self) -> WriteTx:
        if self._pool.closed:
            raise StoreError(reason="the store is closed")
        try:
            conn = self._pool.getconn()
        except _driver_errors() as err:
            raise _translate(err) from err
        tx = _PgWriteTx(conn, self._pool)
        try:
            timeout = max(1, round(self.lock_timeout * 1000))
            tx.execute(f"BEGIN; SET LOCAL lock_timeout = {timeout}")
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

    def lock_keys(self, tx: WriteTx, keys: ConflictKeys) -> None:
        written = {_key_id(k) for k in keys.written if k[0] in RECORD_KEYS}
        read = {_key_id(k) for k in keys.read if k[0] in RECORD_KEYS} - written
        adds = [
            sorted({_key_hash(k) for k in found if k[0] not in RECORD_KEYS})
            for found in (keys.read, keys.written)
        ]
        rivals = tx.query(
            "SELECT prodcore_lock_keys(?::bigint[], ?::bigint[], ?::int[], ?::int[], ?, ?, ?)",
            (sorted(written), sorted(read), *adds, _READS, _WRITES, _TICKETS),
        )[0][0]
        if rivals is None:
            return
        # give everything back, then wait for the rivals in the way to end: deciding
        # again before their commit lands would only be refused again
        tx.rollback()
        with self.transaction() as waiting:
            self.wait_for(waiting, [int(t) for t in rivals])
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
