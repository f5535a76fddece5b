"""What the SQLite and PostgreSQL stores share: the mapping of records to rows, the
committed reads and the unit of work's commit.

Records are stored as JSON documents written by :mod:`prodcore.serialization`, next to
the key columns that are queried (kind and number, order id, status, version). The SQL
is written once with ``?`` placeholders; a store translates it to its driver's style.
The schema and its migrations are in :mod:`prodcore.adapters._schema`.

A unit of work reads committed rows directly, stages its writes and notes what it read
(:mod:`prodcore.adapters._staging`). Its commit runs in one write transaction that holds
the store's commit lock (:meth:`SqlStore.begin_write`: SQLite's write lock), or, on a
store that sets numbers aside per batch (PostgreSQL, ``gapless_numbers`` False), the
locks of the unit of work's conflict keys (:meth:`SqlStore.lock_keys`): it reads every
noted value again, raises :class:`~prodcore.errors.ConcurrencyError` if one changed,
applies the staged writes (with ``UPDATE ... WHERE version = ?`` checks) and commits,
so a unit of work is entirely present or entirely absent and its decisions still hold
when it lands. The first ``append`` opens that transaction early, to number the
entries. With one commit lock, numbers follow commit order without gaps. With numbers
set aside, a poster waits before its last step for the posters that took numbers
before it (:meth:`SqlStore.wait_for`), then adds to the balances and commits: numbers
follow commit order, a unit of work rolled back after its ``append`` leaves a gap, and
unrelated postings write their rows side by side.

A unit of work reads and commits through its store's :class:`Lease` (PostgreSQL: one
pool connection from its first read to its end).
"""

from __future__ import annotations

import abc
import collections
import contextlib
import datetime as dt
import functools
import operator
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, Generic, Protocol, Self, TypeVar

import attrs

from prodcore.adapters._schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Tx,
    apply_migrations,
    insert_registrations,
    insert_who,
    moment_key,
)
from prodcore.adapters._sql_average import SqlAveragePools
from prodcore.adapters._sql_writes import (
    _KEYS_PER_QUERY,
    _add_balances,
    _dec,
    _insert_applications,
    _insert_batches,
    insert_statements,
)
from prodcore.adapters._staging import (
    Committed,
    ConflictKeys,
    NumberingGuard,
    Reads,
    StagingUnitOfWork,
    capacity_entry_matches,
    check_reads,
    conflict_keys,
    current_reads,
    numbering_busy,
    value_entry_matches,
)
from prodcore.calendars import CentreAbsences, ShopCalendar
from prodcore.costing.derived import DerivedMemo
from prodcore.errors import ConcurrencyError, KeyTakenError, ProdcoreError
from prodcore.ledger.average_periods import AveragePool, AveragePoolKey
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemApplication,
    ItemLedgerEntry,
    LedgerCounters,
    LotBalance,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueSource,
)
from prodcore.masterdata import (
    CapacityType,
    Item,
    Location,
    MachineCenter,
    ManufacturingSetup,
    ProductionBom,
    Routing,
    WorkCenter,
)
from prodcore.masterdata.standards import StandardCostHistory
from prodcore.numbers import EXACT_SUMS, ZERO, exact_sum
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.orders.registration import Registration, registration_order
from prodcore.ports import MasterDataRecord
from prodcore.records import revise
from prodcore.scheduling.schedule import Allocation
from prodcore.serialization import PartsEncoder, dumps, loads

__all__ = [
    "KINDS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SqlStore",
    "SqlUnitOfWork",
    "Tx",
    "WriteTx",
    "apply_migrations",
]

_T = TypeVar("_T")

#: Master data classes by the ``kind`` stored in their rows, and their readable names.
KINDS: dict[str, type] = {
    "Item": Item,
    "ProductionBom": ProductionBom,
    "Routing": Routing,
    "WorkCenter": WorkCenter,
    "MachineCenter": MachineCenter,
    "ShopCalendar": ShopCalendar,
    "Location": Location,
    "StandardCostHistory": StandardCostHistory,
    "CentreAbsences": CentreAbsences,
}
_KIND_OF: dict[type, str] = {cls: kind for kind, cls in KINDS.items()}
_ORDER = "Production order"
_COUNTERS = "SELECT posting, item, capacity, value, gl FROM prodcore_ledger_counters WHERE id = 1"
#: The counters and the versions together, read once the commit lock is held.
_COUNTERS_AND_VERSIONS = (
    "SELECT c.posting, c.item, c.capacity, c.value, c.gl, v.master, v.commits "
    "FROM prodcore_ledger_counters c JOIN prodcore_versions v ON v.id = c.id WHERE c.id = 1"
)


class WriteTx(Tx):
    """A write transaction holding the store's commit lock, ended by :meth:`commit` or
    :meth:`rollback` (calling them again does nothing).

    :meth:`send` and :meth:`expect` run statements whose result the caller does not
    wait for: a store may queue them and send them with the next statement that needs
    a result (PostgreSQL's pipeline mode), so the error of a queued statement is raised
    there, or at the latest by :meth:`commit`, which then commits nothing."""

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    def send(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run ``sql``, whose result is not needed."""
        self.execute(sql, params)

    def expect(self, sql: str, params: Sequence[Any], refuse: Callable[[], Exception]) -> None:
        """Run ``sql`` (an INSERT, UPDATE or DELETE), which must change exactly one row;
        else commit nothing and raise ``refuse()``, called while the transaction still
        holds its connection: it may read (here inside the transaction; a store that
        makes the check fail in the server calls it once the transaction is rolled
        back, so that the check's answer need not be awaited before the commit)."""
        if self.execute(sql, params) != 1:
            raise refuse()

    def insert_rows(
        self, table: str, columns: str, rows: Sequence[Sequence[Any]], conflict: str = ""
    ) -> None:
        """Insert ``rows`` into ``table`` with one statement whose text does not depend on
        their number (see :func:`~prodcore.adapters._sql_writes.insert_statements`:
        ``columns`` names each column with its SQL type, ``conflict`` is an ``ON
        CONFLICT`` clause, the table aliased ``b``); its result is not awaited. Here
        the one-row form, run per row."""
        if rows:
            self.execute_many(insert_statements(table, columns, conflict).rows, rows)

    def prefetch(self, reads: Callable[[Query], object]) -> None:
        """Announce the statements ``reads`` will run through :meth:`query` (it is called
        with a query function answering no rows, to learn them): a store may send them
        at once, and then answer the same statements, in the same order, from their
        results. Nothing is changed by announcing."""


class Lease:
    """A unit of work's hold on one of the store's connections: taken at its first
    read (or write transaction), used for all of them, given back by :meth:`release`
    when the unit of work ends. This one, for stores that need none, reads and writes
    through the store."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._store.query(sql, params)

    def begin_write(self) -> WriteTx:
        return self._store.begin_write()

    def release(self) -> None:
        """Give the connection back (rolling back a write transaction left open)."""


_C = TypeVar("_C")


class _Holding(Protocol[_C]):
    """A store whose units of work each hold one of its connections (:class:`HeldLease`)."""

    def checkout(self) -> _C: ...

    def give_back(self, conn: _C, /) -> None: ...

    def query(
        self, sql: str, params: Sequence[Any] = (), lease: Any = None
    ) -> list[tuple[Any, ...]]: ...

    def begin_write(self, lease: Any = None) -> WriteTx: ...


class HeldLease(Lease, Generic[_C]):
    """A connection of the store's (``_holder``, set by the subclass), taken with its
    ``checkout`` at the unit of work's first read and kept to its end, when it is given
    back (``give_back``): the unit of work's reads (the store's ``query`` with this
    lease) and its write transaction (``begin_write`` with this lease) run on it."""

    _holder: _Holding[_C]

    def __init__(self, store: SqlStore) -> None:
        super().__init__(store)
        self._conn: _C | None = None
        self._tx: WriteTx | None = None

    def connection(self) -> _C:
        conn = self._conn
        if conn is None:
            conn = self._conn = self._holder.checkout()
        return conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._holder.query(sql, params, self)

    def begin_write(self) -> WriteTx:
        self._tx = self._holder.begin_write(self)
        return self._tx

    def release(self) -> None:
        tx, self._tx = self._tx, None
        conn, self._conn = self._conn, None
        try:
            if tx is not None:
                tx.rollback()
        finally:
            if conn is not None:
                self._holder.give_back(conn)


class SqlStore(abc.ABC):
    """A database holding prodcore's tables; calling it opens a new unit of work.

    Subclasses supply reads (each sees the latest committed state), write transactions
    that hold the store's commit lock and the translation of driver errors into
    prodcore's errors.
    """

    #: The schema versions applied when this store was opened (empty: up to date).
    applied_migrations: tuple[int, ...] = ()
    #: Seconds a unit of work waits for its turn to number entries.
    lock_timeout: float = 30.0
    #: True: one unit of work numbers at a time, from its first append to its commit
    #: (numbers without gaps). False: numbers are set aside per batch (:meth:`allocate`)
    #: and units of work commit in their order; one rolled back leaves a gap.
    gapless_numbers: bool = True
    #: True: the database adds decimal texts as NUMERIC exactly (PostgreSQL). False: it
    #: adds them with the connection's ``prodcore_add`` function (SQLite).
    numeric_texts: bool = False

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read outside any write transaction."""

    @abc.abstractmethod
    def begin_write(self) -> WriteTx:
        """Open a write transaction that holds the store's commit lock: while it is
        open, no other write transaction of this store commits."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; units of work opened later fail."""

    def lease(self) -> Lease:
        """A unit of work's connection (see :class:`Lease`)."""
        return Lease(self)

    def allocate(
        self, tx: WriteTx, batch: PostingBatch, last_posting: int | None
    ) -> tuple[LedgerCounters, list[int]]:
        """(``gapless_numbers`` False) Set the numbers of ``batch`` aside in a short step
        and give the counters to number it after, with the tickets of the units of work
        that set numbers aside before and are still open. ``last_posting``: the posting
        number this unit of work set aside before (None for its first batch); if another
        unit of work took numbers since, raise ConcurrencyError (commit order would break).
        """
        raise NotImplementedError

    def lock_keys(
        self, tx: WriteTx, keys: ConflictKeys, reads: Callable[[Query], object] | None = None
    ) -> Sequence[Any] | None:
        """(``gapless_numbers`` False) Lock the conflict keys until ``tx`` ends, or raise
        ConcurrencyError, without holding any, if another transaction holds one in a
        conflicting way (see :func:`~prodcore.adapters._staging.conflict_keys`).
        ``reads``: the reads that follow, announced with the locks
        (:meth:`WriteTx.prefetch`). Returns the versions row (master data version,
        commits), read once the locks are held (None: no row)."""
        raise NotImplementedError

    def wait_for(self, tx: WriteTx, tickets: Sequence[int]) -> None:
        """(``gapless_numbers`` False) Wait until the units of work holding ``tickets``
        have ended."""
        raise NotImplementedError

    def transaction(self) -> _Transaction:
        """A write transaction as a block: committed if the block ends normally, else
        rolled back."""
        return _Transaction(self.begin_write())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _forget_decoded(self) -> None:
        """Drop the caches of decoded records: a closed store keeps none of them alive
        (and the cyclic collector need not scan them)."""
        for name in _DECODED_CACHES:
            self.__dict__.pop(name, None)

    @functools.cached_property
    def numbering(self) -> NumberingGuard:
        """This store object's turn to number entries (the database lock does the same
        between processes; this one makes a second poster of the same thread fail fast)."""
        return NumberingGuard(self.lock_timeout)

    @functools.cached_property
    def posters(self) -> dict[int, SqlUnitOfWork]:
        """(``gapless_numbers`` False) The unit of work of each thread that set numbers
        aside and is still open (a second one in the same thread would wait for it at
        commit: refused at once)."""
        return {}

    @functools.cached_property
    def decoded_master(self) -> _DecodedCache:
        """Master data records and setups decoded from their stored text, once."""
        return _DecodedCache(4_000_000)

    @functools.cached_property
    def master_cache(self) -> MasterCache:
        """The master data, setups and posting setup as of the latest master data version
        a unit of work of this store read (replaced when a later version is read)."""
        return MasterCache(-1)

    def master_cache_at(self, version: int) -> MasterCache:
        """The cache of master data version ``version``: the store's if it is that
        version's or older (then replaced), else a private one (a unit of work that read
        the version before a newer one was cached must not mix the two)."""
        cache = self.master_cache
        if cache.version == version:
            return cache
        if cache.version > version:
            return MasterCache(version)
        cache = self.master_cache = MasterCache(version)
        return cache

    @functools.cached_property
    def derived_memo(self) -> DerivedMemo:
        """Results derived from the master data, kept with the records they read
        (:func:`~prodcore.costing.derived.derived`)."""
        return DerivedMemo()

    @functools.cached_property
    def decoded_entries(self) -> EntryCache:
        """Ledger entries decoded once, by table and number (committed entries never
        change); also primed with each entry this store object commits."""
        return EntryCache(200_000)

    @functools.cached_property
    def average_pools(self) -> SqlAveragePools:
        """The average pools read so far, brought up to date at each read."""
        return SqlAveragePools()

    @functools.cached_property
    def decoded_orders(self) -> _DecodedCache:
        """Orders decoded from their stored text, once; also primed with each order
        written (orders round-trip exactly, so the order written equals its decoded text)."""
        return _DecodedCache(16_000_000)

    @functools.cached_property
    def encoded_orders(self) -> PartsEncoder:
        """The orders written, encoded from the texts of their parts that the order read
        (and written before) already had: a posting changes a few lines or operations,
        the rest are the same objects."""
        return PartsEncoder(4_000_000)

    def schema_version(self) -> int:
        """The highest migration applied (0 for an empty database)."""
        rows = self.query("SELECT MAX(version) FROM prodcore_schema_migrations")
        return int(rows[0][0] or 0)

    def documents(self) -> Iterator[tuple[str, str, int | None, str]]:
        """Every stored document as (area, key, version or posting number or None, raw JSON).

        For :func:`prodcore.integrity.verify`, which checks each one separately.
        """
        for (doc,) in self.query("SELECT doc FROM prodcore_setup"):
            yield "setup", "setup", None, doc
        for kind, no, doc in self.query(
            "SELECT kind, no, doc FROM prodcore_master_data ORDER BY kind, no"
        ):
            yield f"master_data:{kind}", no, None, doc
        for order_id, version, status, doc in self.query(
            "SELECT id, version, status, doc FROM prodcore_orders ORDER BY id"
        ):
            yield f"orders:{status}", order_id, version, _order_document(doc, int(version), status)
        for (doc,) in self.query("SELECT doc FROM prodcore_posting_setup"):
            yield "posting_setup", "posting_setup", None, doc
        for key, doc in self.query("SELECT key, doc FROM prodcore_idempotency ORDER BY key"):
            yield "idempotency", key, None, doc
        for posting_no, doc in self.query(
            "SELECT posting_no, doc FROM prodcore_ledger_batches ORDER BY posting_no"
        ):
            yield "ledger:batch", str(posting_no), posting_no, doc
        for table in ("item", "capacity", "value", "gl"):
            for entry_no, posting_no, doc in self.query(
                f"SELECT entry_no, posting_no, doc FROM prodcore_{table}_entries ORDER BY entry_no"
            ):
                yield f"ledger:{table}", str(entry_no), posting_no, doc


class _Transaction:
    def __init__(self, tx: WriteTx) -> None:
        self._tx = tx

    def __enter__(self) -> WriteTx:
        return self._tx

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            self._tx.commit()
        else:
            self._tx.rollback()


class _DecodedCache:
    """Decoded documents by their JSON text, for immutable records: the same stored text
    decodes once, however often it is read. Bounded by the characters of the texts held:
    when full, the oldest texts go first (an order's older versions, never read again;
    emptying it all made a third of the order reads miss in a long run). Each store has
    its own (no state shared between stores)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self.found: collections.OrderedDict[tuple[type, str], Any] = collections.OrderedDict()

    def get(self, doc: str, cls: type[_T]) -> _T:
        found = self.found.get((cls, doc))
        if found is None:
            found = loads(doc, cls)
            self.put(doc, cls, found)
        return found

    def put(self, doc: str, cls: type[_T], record: _T) -> None:
        if (cls, doc) in self.found:
            return
        self.found[(cls, doc)] = record
        self.chars += len(doc)
        while self.chars > self.max_chars:
            (_, old), _ = self.found.popitem(last=False)
            self.chars -= len(old)

    def order(self, doc: str, version: int, status: str) -> ProductionOrder:
        """The order of a row: its document decoded (once) with the row's ``version``
        and ``status`` columns, which are the order's (a save that changed only those
        wrote only the columns, so the document may hold older ones). The record kept
        for a document follows the row read last: a posting that raised the version
        costs a copy of one field, not a decoding."""
        key = (ProductionOrder, doc)
        found: ProductionOrder | None = self.found.get(key)
        if found is None:
            found = loads(doc, ProductionOrder)
            self.put(doc, ProductionOrder, found)
        if found.version != version or found.status != status:
            found = revise(found, version=version, status=OrderStatus(status))
            if key in self.found:  # (still held: its text is counted)
                self.found[key] = found
        return found


class EntryCache:
    """Committed ledger entries by table and entry number, at most ``max_entries`` (the
    least recently read go first). An entry is immutable once committed, so its number names it;
    entries are put only once their unit of work has committed (a number a rolled-back
    unit of work used may be used again)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.found: collections.OrderedDict[tuple[str, int], Any] = collections.OrderedDict()

    def decode(self, table: str, rows: Iterable[tuple[Any, ...]], cls: type[_T]) -> list[_T]:
        """The entries of ``rows`` (entry number, document), decoding only those not held."""
        found = self.found
        out: list[_T] = []
        for no, doc in rows:
            key = (table, no)
            entry = found.get(key)
            if entry is None:
                entry = loads(doc, cls)
                self.put(table, int(no), entry)
            else:
                found.move_to_end(key)  # the least recently read go first
            out.append(entry)
        return out

    def put(self, table: str, no: int, entry: object) -> None:
        self.found[(table, no)] = entry
        if len(self.found) > self.max_entries:
            self.found.popitem(last=False)

    def put_batches(self, batches: Iterable[PostingBatch]) -> None:
        for batch in batches:
            for table, entries in (
                ("prodcore_item_entries", batch.item_entries),
                ("prodcore_capacity_entries", batch.capacity_entries),
                ("prodcore_value_entries", batch.value_entries),
                # rows only: derived lines are no rows
                ("prodcore_gl_entries", () if batch.derives_gl else batch.gl_entries),
            ):
                for entry in entries:
                    self.put(table, entry.entry_no, entry)


Query = Callable[..., list[tuple[Any, ...]]]

_VERSIONS = "SELECT master, commits FROM prodcore_versions WHERE id = 1"
#: The reads that a master data version left unchanged still answer the same.
_MASTER_READS = frozenset(("record", "records", "setup", "posting_setup"))
#: The store object's caches (cached properties), dropped when it closes.
_DECODED_CACHES = (
    "decoded_master",
    "master_cache",
    "decoded_entries",
    "decoded_orders",
    "encoded_orders",
    "derived_memo",
    "average_pools",
)


@attrs.frozen
class _Versions:
    """The stored master data version and (stores that commit one at a time) the number
    of commits that wrote anything."""

    master: int
    commits: int


def _versions(row: Sequence[Any] | None) -> _Versions:
    return _Versions(int(row[0]), int(row[1])) if row else _Versions(0, 0)


class MasterCache:
    """Master data records (or their absence), lists and setups as of one master data
    version. Every write of master data, the manufacturing setup or the posting setup
    raises the version (a counter row written in the same transaction), so while the
    stored version is unchanged these answers are the committed ones, in this process
    or any other."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.found: dict[tuple[Any, ...], Any] = {}

    def get(self, key: tuple[Any, ...], read: Callable[[], _T]) -> _T:
        try:
            found: _T = self.found[key]
        except KeyError:
            found = self.found[key] = read()
        return found


class _Snapshot:
    """What a unit of work knows of the stored versions: read once, with (or before) its
    first read of committed state, and compared at commit."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self.versions: _Versions | None = None
        self._cache: MasterCache | None = None
        #: the ledger lists read, by query: read again, a list answers as it did first
        #: (the answer noted, and checked at commit)
        self.lists: dict[tuple[str, tuple[Any, ...]], list[Any]] = {}

    def note(self, versions: _Versions) -> None:
        if self.versions is None:
            self.versions = versions

    def read(self, query: Query) -> _Versions:
        if self.versions is None:
            rows = query(_VERSIONS)
            self.versions = _versions(rows[0] if rows else None)
        return self.versions

    def cache(self, query: Query) -> MasterCache:
        if self._cache is None:
            self._cache = self._store.master_cache_at(self.read(query).master)
        return self._cache


#: orders read ahead at most, in one statement
_ORDERS_AHEAD = 50

_ON_ITEM = ValueSource.ITEM.value

#: An order's cost reads (what cost adjustment asks for), by their tag in
#: :data:`_COSTS_TOGETHER`: each row is the tag and three columns.
_COST_READS = ("output_entries", "output_values", "order_cost_sums", "wip")
#: An order's output values (its value entries on items: on its output entries, or on
#: no entry), with the order, the source and the order. The order's index drives the
#: read: ``source || ''`` is no indexed column (without statistics, SQLite took the
#: index of the sources, and read every value entry on an item in the ledger: a cost
#: read that grew with the whole ledger).
_OUTPUT_VALUES_FROM = (
    "FROM prodcore_value_entries WHERE order_id = ? "
    "AND source || '' = ? AND (source_entry_no IS NULL OR source_entry_no IN "
    "(SELECT entry_no FROM prodcore_output_entries WHERE order_id = ?))"
)
_COSTS_TOGETHER = (
    "SELECT 0, e.entry_no, e.doc, NULL FROM prodcore_output_entries o "
    "JOIN prodcore_item_entries e ON e.entry_no = o.entry_no WHERE o.order_id = ? "
    f"UNION ALL SELECT 1, entry_no, doc, NULL {_OUTPUT_VALUES_FROM} "
    "UNION ALL SELECT 2, line_no, kind, qty FROM prodcore_bal_order_cost WHERE order_id = ? "
    "UNION ALL SELECT 3, NULL, qty, NULL FROM prodcore_bal_wip WHERE order_id = ?"
)


def _pairs(rows: list[tuple[Any, ...]] | None) -> list[tuple[Any, ...]] | None:
    """(entry number, document) of each of ``rows`` (a part of :data:`_COSTS_TOGETHER`)."""
    return None if rows is None else [row[:2] for row in rows]


class _Committed(Committed):
    """The committed rows, read with ``query`` (the store's, or a write transaction's
    for the check at commit)."""

    reads_together = True

    def __init__(self, store: SqlStore, query: Query, snapshot: _Snapshot | None = None) -> None:
        self._store = store
        self.derived_memo = store.derived_memo
        self._raw = query
        self._snapshot = snapshot
        #: orders announced (:meth:`read_ahead`), read with the next single-row read
        self._ahead: list[str] = []
        #: their rows (doc, version, status), or None for an order not stored; taken
        #: by :meth:`order`, once
        self._ahead_rows: dict[str, tuple[Any, ...] | None] = {}
        #: orders whose cost reads are announced (:meth:`read_ahead_costs`), and the
        #: rows read together for them, by read
        self._costs_ahead: set[str] = set()
        self._costs: dict[str, dict[str, list[tuple[Any, ...]]]] = {}

    def read_ahead(self, order_ids: Sequence[str]) -> None:
        if self._snapshot is not None:  # (a check at commit reads what it is asked)
            wanted = {*self._ahead, *(i for i in order_ids if i not in self._ahead_rows)}
            self._ahead = sorted(wanted)[:_ORDERS_AHEAD]

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        # a unit of work's reader reads the versions before its first other read (a
        # method, not a bound method kept as an attribute: that would be a reference
        # cycle, freed only by the cyclic collector)
        snapshot = self._snapshot
        if snapshot is not None:
            snapshot.read(self._raw)
        return self._raw(sql, params)

    def _row(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        """The one row ``sql`` selects (or None; its first column is never NULL); the
        first read of a unit of work reads the versions in the same statement, and so
        does a read after orders were announced, with those orders (a row each)."""
        snapshot, ahead = self._snapshot, self._ahead
        if snapshot is None or (snapshot.versions is not None and not ahead):
            rows = self._raw(sql, params)
            return rows[0] if rows else None
        orders = join = ""
        if ahead:
            self._ahead = []
            orders = ", a.id, a.doc, a.version, a.status"
            join = f" LEFT JOIN prodcore_orders a ON a.id IN ({', '.join('?' * len(ahead))})"
        rows = self._raw(
            f"SELECT v.master, v.commits, r.*{orders} FROM prodcore_versions v "
            f"LEFT JOIN ({sql}) r ON 1 = 1{join} WHERE v.id = 1",
            [*params, *ahead],
        )
        snapshot.note(_versions(rows[0][:2] if rows else None))  # (kept if noted before)
        if ahead:
            found: dict[str, tuple[Any, ...] | None] = dict.fromkeys(ahead)
            for row in rows:
                if row[-4] is not None:
                    found[row[-4]] = tuple(row[-3:])
            self._ahead_rows.update(found)
            rows = [row[:-4] for row in rows[:1]]
        return rows[0][2:] if rows and rows[0][2] is not None else None

    def _cached(self, key: tuple[Any, ...], read: Callable[[], _T]) -> _T:
        snapshot = self._snapshot
        return read() if snapshot is None else snapshot.cache(self._raw).get(key, read)

    def order(self, order_id: str) -> ProductionOrder | None:
        if order_id in self._ahead_rows:
            row = self._ahead_rows.pop(order_id)
        else:
            row = self._row(
                "SELECT doc, version, status FROM prodcore_orders WHERE id = ?", (order_id,)
            )
        return None if row is None else self._store.decoded_orders.order(*row)

    def order_version(self, order_id: str) -> int:
        rows = self._query("SELECT version FROM prodcore_orders WHERE id = ?", (order_id,))
        return int(rows[0][0]) if rows else 0

    def orders(self, status: OrderStatus | None) -> list[ProductionOrder]:
        sql = "SELECT id, doc, version, status FROM prodcore_orders"
        if status is None:
            rows = self._query(sql)
        else:
            rows = self._query(f"{sql} WHERE status = ?", (status.value,))
        decode = self._store.decoded_orders.order
        return [decode(*row) for _, *row in sorted(rows)]

    def allocations(self, order_id: str | None) -> tuple[Allocation, ...]:
        if order_id is None:
            rows = self._query("SELECT order_id, doc FROM prodcore_allocations")
        else:
            rows = self._query(
                "SELECT order_id, doc FROM prodcore_allocations WHERE order_id = ?", (order_id,)
            )
        return tuple(a for _, doc in sorted(rows) for a in loads(doc, tuple[Allocation, ...]))

    def registrations(self, worker: str, after: dt.datetime | None) -> list[Registration]:
        sql = "SELECT doc FROM prodcore_registrations WHERE worker = ?"
        params: tuple[str, ...] = (worker,)
        if after is not None:
            sql += " AND is_reversed = 0 AND (is_open = 1 OR last_moment > ?)"
            params = (worker, moment_key(after))
        found = (loads(doc, Registration) for (doc,) in self._query(sql, params))
        return sorted(found, key=registration_order)

    def record(self, kind: type, no: str) -> MasterDataRecord | None:
        return self._cached(("record", kind, no), lambda: self._record(kind, no))

    def _record(self, kind: type, no: str) -> MasterDataRecord | None:
        rows = self._query(
            "SELECT doc FROM prodcore_master_data WHERE kind = ? AND no = ?", (_KIND_OF[kind], no)
        )
        found: MasterDataRecord | None = (
            self._store.decoded_master.get(rows[0][0], kind) if rows else None
        )
        return found

    def records(self, kind: type) -> list[MasterDataRecord]:
        return list(self._cached(("records", kind), lambda: self._records(kind)))

    def _records(self, kind: type) -> list[MasterDataRecord]:
        rows = self._query(
            "SELECT no, doc FROM prodcore_master_data WHERE kind = ?", (_KIND_OF[kind],)
        )
        decode = self._store.decoded_master.get
        return [decode(doc, kind) for _, doc in sorted(rows)]

    def _single(self, table: str, cls: type[_T]) -> _T | None:
        return self._cached((table,), lambda: self._read_single(table, cls))

    def _read_single(self, table: str, cls: type[_T]) -> _T | None:
        rows = self._query(f"SELECT doc FROM {table} WHERE id = 1")
        return self._store.decoded_master.get(rows[0][0], cls) if rows else None

    def setup(self) -> ManufacturingSetup | None:
        return self._single("prodcore_setup", ManufacturingSetup)

    def posting_setup(self) -> PostingSetup | None:
        return self._single("prodcore_posting_setup", PostingSetup)

    def counters(self) -> LedgerCounters:
        rows = self._query(_COUNTERS)
        return LedgerCounters(*(int(v) for v in rows[0])) if rows else LedgerCounters()

    def batch(self, posting_no: int) -> PostingBatch | None:
        rows = self._query(
            "SELECT doc FROM prodcore_ledger_batches WHERE posting_no = ?", (posting_no,)
        )
        if not rows:
            return None
        header = loads(rows[0][0], PostingBatch)

        def part(table: str, cls: type[_T]) -> tuple[_T, ...]:
            found = self._query(
                f"SELECT doc FROM {table} WHERE posting_no = ? ORDER BY entry_no", (posting_no,)
            )
            return tuple(loads(doc, cls) for (doc,) in found)

        return attrs.evolve(
            header,
            item_entries=part("prodcore_item_entries", ItemLedgerEntry),
            capacity_entries=part("prodcore_capacity_entries", CapacityLedgerEntry),
            value_entries=part("prodcore_value_entries", ValueEntry),
            # a header with a setup: the lines derive from it (no rows)
            gl_entries=() if header.gl_setup is not None else part("prodcore_gl_entries", GLEntry),
        )

    def batch_nos(self, user: str | None, source: str | None) -> list[int]:
        if user is None and source is None:
            rows = self._query("SELECT posting_no FROM prodcore_ledger_batches ORDER BY posting_no")
        else:
            where = [(c, v) for c, v in (("user_name", user), ("source", source)) if v is not None]
            rows = self._query(
                "SELECT posting_no FROM prodcore_batch_who WHERE "
                + " AND ".join(f"{c} = ?" for c, _ in where)
                + " ORDER BY posting_no",
                [v for _, v in where],
            )
        return [int(no) for (no,) in rows]

    def entry(self, table: str, entry_no: int) -> Any:
        name, cls = _ENTRY_TABLES[table]
        rows = self._query(f"SELECT entry_no, doc FROM {name} WHERE entry_no = ?", (entry_no,))
        return self._store.decoded_entries.decode(name, rows, cls)[0] if rows else None

    # --- lists: the SQL filter, and the same filter on the rows (for count) -------------

    def _where(self, name: str, args: tuple[Any, ...]) -> tuple[str, str, list[Any]]:
        """The table, WHERE clause and parameters of the ledger list ``name``."""
        where: list[tuple[str, tuple[Any, ...]]] = []
        if name == "item_entries":
            order_id, item_no = args
            if order_id is not None:
                where.append(("order_id = ?", (order_id,)))
            if item_no is not None:
                # with an order, the order's index drives (an expression is no indexed
                # column: SQLite took the item's index, every entry of the item)
                column = "item_no" if order_id is None else "item_no || ''"
                where.append((f"{column} = ?", (item_no,)))
        elif name == "capacity_entries":
            order_id, centre_no = args
            if order_id is not None:
                where.append(("order_id = ?", (order_id,)))
                if centre_no is not None:
                    where.append(("work_center_no = ? OR no = ?", (centre_no, centre_no)))
            elif centre_no is not None:
                where.append(
                    (
                        "work_center_no = ? OR (type = ? AND no = ?)",
                        (centre_no, CapacityType.MACHINE_CENTER.value, centre_no),
                    )
                )
        elif name == "value_entries":
            order_id, source, source_entry_no = args
            if source is not None and source_entry_no is not None:
                where.append(
                    ("source = ? AND source_entry_no = ?", (source.value, source_entry_no))
                )
            if order_id is not None:
                where.append(("order_id = ?", (order_id,)))
        else:
            (order_id,) = args
            if order_id is not None:
                where.append(("order_id = ?", (order_id,)))
        clauses = " AND ".join(f"({clause})" for clause, _ in where) or "1 = 1"
        return _LIST_TABLES[name], clauses, [p for _, ps in where for p in ps]

    def _list(self, name: str, args: tuple[Any, ...], cls: type[_T]) -> list[_T]:
        def select() -> tuple[str, str, Sequence[Any]]:
            table, where, params = self._where(name, args)
            sql = f"SELECT entry_no, doc FROM {table} WHERE {where} ORDER BY entry_no"
            return table, sql, params

        return self._listed(name, args, select, cls)

    def _listed(
        self,
        name: str,
        args: tuple[Any, ...],
        select: Callable[[], tuple[str, str, Sequence[Any]]],
        cls: type[_T],
        ahead: list[tuple[Any, ...]] | None = None,
    ) -> list[_T]:
        """The entries of the list ``name`` that ``select`` (table, SQL, parameters)
        selects as (entry number, document) rows, once per unit of work (``ahead``: those
        rows, read already, in any order)."""
        lists = None if self._snapshot is None else self._snapshot.lists
        found: list[_T] | None = None if lists is None else lists.get((name, args))
        if found is None:
            table, sql, params = select()
            rows = sorted(ahead) if ahead is not None else self._query(sql, params)
            found = self._store.decoded_entries.decode(table, rows, cls)
            if lists is not None:
                lists[(name, args)] = found
        return list(found)

    def count(self, name: str, args: tuple[Any, ...]) -> int:
        if name in ("tracked_entries", "output_entries", "output_values"):  # joins
            return len(getattr(self, name)(*args))
        if name == "gl_entries":  # rows, and the lines batches derive
            return len(self.gl_entries(*args))
        table, where, params = self._where(name, args)
        return int(self._query(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)[0][0])

    def item_entries(self, order_id: str | None, item_no: str | None) -> list[ItemLedgerEntry]:
        return self._list("item_entries", (order_id, item_no), ItemLedgerEntry)

    def capacity_entries(
        self, order_id: str | None, centre_no: str | None
    ) -> list[CapacityLedgerEntry]:
        found = self._list("capacity_entries", (order_id, centre_no), CapacityLedgerEntry)
        return [e for e in found if capacity_entry_matches(e, order_id, centre_no)]

    def value_entries(
        self, order_id: str | None, source: ValueSource | None, source_entry_no: int | None
    ) -> list[ValueEntry]:
        found = self._list("value_entries", (order_id, source, source_entry_no), ValueEntry)
        return [e for e in found if value_entry_matches(e, order_id, source, source_entry_no)]

    def gl_entries(self, order_id: str | None) -> list[GLEntry]:
        stored = self._list("gl_entries", (order_id,), GLEntry)
        derived = self._derived_gl_entries(order_id)
        if not stored or not derived:
            return stored or derived
        return sorted([*stored, *derived], key=lambda g: g.entry_no)

    def _derived_gl_entries(self, order_id: str | None) -> list[GLEntry]:
        """The lines of the batches that derive them (their headers hold the posting
        setup, they have no rows): those with value entries of ``order_id``, or all.
        A line's number depends on the value entries before it in its batch, so each
        such batch's value entries are read whole."""
        postings, params = "SELECT posting_no FROM prodcore_value_entries", []
        if order_id is not None:
            postings, params = f"{postings} WHERE order_id = ?", [order_id]
        headers = [
            header
            for (doc,) in self._query(
                "SELECT doc FROM prodcore_ledger_batches "
                f"WHERE posting_no IN ({postings}) ORDER BY posting_no",
                params,
            )
            if (header := loads(doc, PostingBatch)).gl_setup is not None
        ]
        if not headers:
            return []
        rows = self._query(
            "SELECT posting_no, entry_no, doc FROM prodcore_value_entries "
            f"WHERE posting_no IN ({postings}) ORDER BY entry_no",
            params,
        )
        values = self._store.decoded_entries.decode(
            "prodcore_value_entries", [(no, doc) for _, no, doc in rows], ValueEntry
        )
        by_posting: dict[int, list[ValueEntry]] = collections.defaultdict(list)
        for (posting_no, _, _), value in zip(rows, values, strict=True):
            by_posting[int(posting_no)].append(value)
        return [
            g
            for header in headers
            for g in revise(header, value_entries=tuple(by_posting[header.posting_no])).gl_entries
            if order_id is None or g.order_id == order_id
        ]

    # --- balances: maintained rows --------------------------------------------------------

    def _balance(self, sql: str, params: Sequence[Any]) -> Decimal:
        return exact_sum(_dec(q) for (q,) in self._query(sql, params))

    def on_hand(self, item_no: str, location_code: str | None) -> Decimal:
        if location_code is None:
            return self._balance(
                "SELECT qty FROM prodcore_bal_on_hand WHERE item_no = ?", (item_no,)
            )
        return self._balance(
            "SELECT qty FROM prodcore_bal_on_hand WHERE item_no = ? AND location_code = ?",
            (item_no, location_code),
        )

    def on_hand_in_bin(self, item_no: str, location_code: str, bin_code: str) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_on_hand_bin "
            "WHERE item_no = ? AND location_code = ? AND bin_code = ?",
            (item_no, location_code, bin_code),
        )

    def lot_on_hand(
        self, item_no: str, lot_no: str, serial_no: str, location_code: str | None
    ) -> Decimal:
        sql = (
            "SELECT qty FROM prodcore_bal_lot_on_hand "
            "WHERE item_no = ? AND lot_no = ? AND serial_no = ?"
        )
        if location_code is None:
            return self._balance(sql, (item_no, lot_no, serial_no))
        return self._balance(
            sql + " AND location_code = ?", (item_no, lot_no, serial_no, location_code)
        )

    def lot_balances(self, item_no: str, location_code: str | None) -> list[LotBalance]:
        sql = (
            "SELECT location_code, lot_no, serial_no, qty FROM prodcore_bal_lot_on_hand "
            "WHERE item_no = ?"
        )
        params: tuple[str, ...] = (item_no,)
        if location_code is not None:
            sql, params = sql + " AND location_code = ?", (item_no, location_code)
        rows = sorted(self._query(sql, params))
        return [LotBalance(item_no, loc, lot, sn, _dec(q)) for loc, lot, sn, q in rows if _dec(q)]

    def tracked_entries(self, item_no: str, lot_no: str, serial_no: str) -> list[ItemLedgerEntry]:
        column, key = ("serial_no", serial_no) if serial_no else ("lot_no", lot_no)
        rows = self._query(
            "SELECT e.doc, t.lot_no FROM prodcore_item_tracking t JOIN prodcore_item_entries e "
            f"ON e.entry_no = t.entry_no WHERE t.item_no = ? AND t.{column} = ? "
            "ORDER BY t.entry_no",
            (item_no, key),
        )
        return [
            loads(doc, ItemLedgerEntry)
            for doc, lot in rows
            if not (serial_no and lot_no) or lot == lot_no
        ]

    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_consumed "
            "WHERE order_id = ? AND line_no = ? AND component_line_no = ?",
            (order_id, line_no, component_line_no),
        )

    def output_quantity(self, order_id: str, line_no: int) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_output WHERE order_id = ? AND line_no = ?",
            (order_id, line_no),
        )

    def read_ahead_costs(self, order_id: str) -> None:
        if self._snapshot is not None:  # (a check at commit reads what it is asked)
            self._costs_ahead.add(order_id)

    def _costs_of(self, order_id: str) -> dict[str, list[tuple[Any, ...]]]:
        """The rows of an order's cost reads announced by :meth:`read_ahead_costs`, by
        read (taken once each), read together at the first of them; else nothing."""
        if order_id in self._costs_ahead:
            self._costs_ahead.discard(order_id)
            rows = self._query(_COSTS_TOGETHER, (order_id, order_id, _ON_ITEM, *[order_id] * 3))
            parts: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _COST_READS}
            for part, *row in rows:
                parts[_COST_READS[int(part)]].append(tuple(row))
            self._costs[order_id] = parts
        return self._costs.get(order_id, {})

    def wip(self, order_id: str) -> Decimal:
        ahead = self._costs_of(order_id).pop("wip", None)
        if ahead is not None:
            return exact_sum(_dec(q) for _, q, _ in ahead)
        return self._balance("SELECT qty FROM prodcore_bal_wip WHERE order_id = ?", (order_id,))

    def output_entries(self, order_id: str) -> list[ItemLedgerEntry]:
        ahead = _pairs(self._costs_of(order_id).pop("output_entries", None))
        sql = (
            "SELECT e.entry_no, e.doc FROM prodcore_output_entries o "
            "JOIN prodcore_item_entries e ON e.entry_no = o.entry_no "
            "WHERE o.order_id = ? ORDER BY o.entry_no"
        )
        return self._listed(
            "output_entries",
            (order_id,),
            lambda: ("prodcore_item_entries", sql, (order_id,)),
            ItemLedgerEntry,
            ahead,
        )

    def output_values(self, order_id: str) -> list[ValueEntry]:
        ahead = _pairs(self._costs_of(order_id).pop("output_values", None))
        sql = f"SELECT entry_no, doc {_OUTPUT_VALUES_FROM} ORDER BY entry_no"
        params = (order_id, _ON_ITEM, order_id)
        return self._listed(
            "output_values",
            (order_id,),
            lambda: ("prodcore_value_entries", sql, params),
            ValueEntry,
            ahead,
        )

    def order_cost_sums(self, order_id: str) -> dict[tuple[int, str], Decimal]:
        rows = self._costs_of(order_id).pop("order_cost_sums", None)
        if rows is None:
            rows = self._query(
                "SELECT line_no, kind, qty FROM prodcore_bal_order_cost WHERE order_id = ?",
                (order_id,),
            )
        sums: dict[tuple[int, str], Decimal] = {}
        for line_no, kind, qty in rows:  # a sum's parts, one per commit that moved it
            key = (int(line_no), kind)
            sums[key] = EXACT_SUMS.add(sums.get(key, ZERO), _dec(qty))
        return {key: amount for key, amount in sums.items() if amount}

    def account_balance(self, account: str) -> Decimal:
        return self._balance("SELECT qty FROM prodcore_bal_account WHERE account = ?", (account,))

    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_reversed WHERE source = ? AND entry_no = ?",
            (source.value, entry_no),
        )

    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_capacity_day WHERE centre_no = ? AND day >= ? AND day <= ?",
            (centre_no, start.isoformat(), end.isoformat()),
        )

    def remaining_quantity(self, entry_no: int) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_remaining WHERE entry_no = ?", (entry_no,)
        )

    def inventory_value(self, item_no: str) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_item_value WHERE item_no = ?", (item_no,)
        )

    def average_unit_cost(self, key: AveragePoolKey, start: dt.date | None) -> Decimal | None:
        return self._store.average_pools.unit_cost(self._query, key, start)

    def average_pool(self, key: AveragePoolKey) -> tuple[AveragePool, object]:
        return self._store.average_pools.copy(self._query, key)

    def average_pool_mark(self, key: AveragePoolKey) -> object:
        return self._store.average_pools.mark(self._query, key)

    def open_entries(
        self, item_no: str, location_code: str, inbound: bool
    ) -> list[tuple[int, Decimal]]:
        rows = self._query(
            "SELECT entry_no, qty FROM prodcore_bal_remaining "
            "WHERE item_no = ? AND location_code = ? AND inbound = ? ORDER BY entry_no",
            (item_no, location_code, int(inbound)),
        )
        return [(int(no), _dec(qty)) for no, qty in rows]

    def open_entries_of(
        self, keys: Sequence[tuple[str, str, bool]]
    ) -> dict[tuple[str, str, bool], list[tuple[int, Decimal]]]:
        found: dict[tuple[str, str, bool], list[tuple[int, Decimal]]] = {key: [] for key in keys}
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = keys[start : start + _KEYS_PER_QUERY]
            rows = self._query(
                _open_entries_sql(len(chunk)),
                [
                    p
                    for item_no, location_code, inbound in chunk
                    for p in (item_no, location_code, int(inbound))
                ],
            )
            for item_no, location_code, inbound, no, qty in rows:
                found[(item_no, location_code, bool(inbound))].append((int(no), _dec(qty)))
        return found

    def item_applications(self, entry_no: int) -> list[ItemApplication]:
        rows = self._query(
            "SELECT item_no, location_code, outbound_entry_no, inbound_entry_no, qty "
            "FROM prodcore_item_applications WHERE outbound_entry_no = ? OR inbound_entry_no = ? "
            "ORDER BY outbound_entry_no, inbound_entry_no",
            (entry_no, entry_no),
        )
        return [ItemApplication(i, loc, int(o), int(n), _dec(q)) for i, loc, o, n, q in rows]

    def cost_marks(self) -> list[int]:
        rows = self._query("SELECT entry_no FROM prodcore_cost_marks ORDER BY entry_no")
        return [int(no) for (no,) in rows]

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        row = self._row("SELECT doc FROM prodcore_idempotency WHERE key = ?", (key,))
        return None if row is None else loads(row[0], IdempotencyRecord)


@functools.cache
def _open_entries_sql(pools: int) -> str:
    """The read of the open entries of ``pools`` pools (item, location, inbound): one
    text per number of pools, made once."""
    match = "(item_no = ? AND location_code = ? AND inbound = ?)"
    return (
        "SELECT item_no, location_code, inbound, entry_no, qty FROM prodcore_bal_remaining "
        f"WHERE {' OR '.join([match] * pools)} ORDER BY entry_no"
    )


_ENTRY_TABLES: dict[str, tuple[str, type]] = {
    "items": ("prodcore_item_entries", ItemLedgerEntry),
    "capacity": ("prodcore_capacity_entries", CapacityLedgerEntry),
    "values": ("prodcore_value_entries", ValueEntry),
}
_LIST_TABLES = {
    "item_entries": "prodcore_item_entries",
    "capacity_entries": "prodcore_capacity_entries",
    "value_entries": "prodcore_value_entries",
    "gl_entries": "prodcore_gl_entries",
}


class _ReadsOn:
    """Where a unit of work reads: through its write transaction once it holds one (a
    store may have a single connection), else through its lease. Its committed reader
    reads through this, not through the unit of work: nothing the unit of work holds
    refers back to it, so once ended and dropped it is freed by reference counting,
    not by the cyclic collector."""

    __slots__ = ("lease", "tx")

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self.tx: WriteTx | None = None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return (self.tx or self.lease).query(sql, params)


class SqlUnitOfWork(StagingUnitOfWork):
    """A unit of work over a :class:`SqlStore`; rolls back unless committed."""

    _snapshot: _Snapshot

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._lease = store.lease()
        self._on = _ReadsOn(self._lease)
        # a unit of work dropped without ending gives its connection back all the same
        weakref.finalize(self, self._lease.release)
        self._earlier: set[int] = set()  # tickets to wait for before the last step
        self._last_posting: int | None = None
        self._thread: int | None = None
        #: the versions read with the counters once the commit lock was held (nothing
        #: commits until this unit of work ends: still the stored ones at its commit),
        #: or with the conflict locks (read after them: as the checks that follow)
        self._locked_versions: _Versions | None = None
        #: the open entries read at commit with the checks (pools to write over)
        self._pools_read: dict[tuple[str, str, bool], list[tuple[int, Decimal]]] = {}

    @property
    def _tx(self) -> WriteTx | None:
        """The write transaction this unit of work holds (None: none)."""
        return self._on.tx

    @_tx.setter
    def _tx(self, tx: WriteTx | None) -> None:
        self._on.tx = tx

    def _committed(self) -> Committed:
        self._snapshot = _Snapshot(self.store)
        return _Committed(self.store, self._on.query, self._snapshot)

    def _reserve(self) -> LedgerCounters:
        self.store.numbering.acquire(self)
        try:
            self._tx = self._lease.begin_write()
            rows = self._tx.query(_COUNTERS_AND_VERSIONS)
            if not rows:
                return LedgerCounters()
            self._locked_versions = _versions(rows[0][5:])
            return LedgerCounters(*(int(v) for v in rows[0][:5]))
        except BaseException:
            self._release()
            raise

    def _allocator(self) -> Callable[[PostingBatch], LedgerCounters] | None:
        return None if self.store.gapless_numbers else self._allocate

    def _allocate(self, batch: PostingBatch) -> LedgerCounters:
        if self._thread is None:
            thread = threading.get_ident()
            if self.store.posters.setdefault(thread, self) is not self:
                raise numbering_busy("another unit of work of this thread is posting")
            self._thread = thread
        if self._tx is None:
            self._tx = self._lease.begin_write()
        counters, earlier = self.store.allocate(self._tx, batch, self._last_posting)
        self._last_posting = counters.posting + 1
        self._earlier.update(earlier)
        return counters

    def _release(self) -> None:
        tx, self._tx = self._tx, None
        self._locked_versions = None
        self._pools_read.clear()
        self._earlier.clear()
        self._last_posting = None
        if self._thread is not None:
            thread, self._thread = self._thread, None
            if self.store.posters.get(thread) is self:
                del self.store.posters[thread]
        try:
            if tx is not None:
                tx.rollback()
        finally:
            self._lease.release()
            self.store.numbering.release(self)

    def _apply(self) -> None:
        if self._tx is None:
            self._tx = self._lease.begin_write()
        tx = self._tx
        if self.store.gapless_numbers:
            tx.prefetch(self._announce_checks)
        else:  # the checks are sent with the locks: read once they are held
            keys = conflict_keys(self.reads, self._master, self._orders, self._ledger)
            row = self.store.lock_keys(tx, keys, self._announce_checks)
            self._locked_versions = _versions(row)
        self._check_reads(tx)
        self._flush_master(tx)
        self._flush_orders(tx)
        self._flush_allocations(tx)
        self._flush_ledger(tx)
        tx.commit()
        self.store.decoded_entries.put_batches(self._ledger.staged_batches)

    def _announce_checks(self, query: Query) -> None:
        """Run the statements of :meth:`_check_reads` with ``query`` (to prefetch them):
        the versions (unless they come with the conflict locks) and the reads checked
        whatever the versions say (the master data reads only if the master data
        changed: rare)."""
        if self._snapshot.versions is not None and self.store.gapless_numbers:
            query(_VERSIONS)
        written = self._orders.read_versions
        skip = _MASTER_READS.__contains__
        for _ in current_reads(
            self.reads,
            _Announced(self.store, query),
            skip=lambda key: skip(key[0]) or (key[0] == "order" and key[1] in written),
            pools=self._unread_pools(),
        ):
            pass

    def _unread_pools(self) -> list[tuple[str, str, bool]]:
        """The open-entry pools the commit writes over without having read them."""
        ledger = self._ledger
        return _unread_open_keys(ledger.staged, self.reads) if ledger.staged_batches else []

    def _check_reads(self, tx: WriteTx) -> None:
        """Check the noted reads, but not those known to hold: all of them if nothing was
        committed since they were made (a store that commits one at a time counts its
        commits), the master data reads if no master data was written since; nor the
        version of an order this unit of work writes (its ``UPDATE`` checks it). The
        open entries of the pools the commit writes over unread are read with those
        checked (:attr:`_pools_read`)."""
        seen = self._snapshot.versions
        written = self._orders.read_versions
        master_unchanged = False
        if seen is not None:
            now = self._locked_versions
            if now is None:
                rows = tx.query(_VERSIONS)
                now = _versions(rows[0] if rows else None)
            if self.store.gapless_numbers and now.commits == seen.commits:
                return
            master_unchanged = now.master == seen.master
        check_reads(
            self.reads,
            _Committed(self.store, tx.query),
            skip=lambda key: (
                (key[0] in _MASTER_READS and seen is not None and master_unchanged)
                or (key[0] == "order" and key[1] in written)
            ),
            pools=self._unread_pools(),
            found=self._pools_read,
        )

    def _flush_allocations(self, tx: WriteTx) -> None:
        for order_id, allocations in sorted(self._orders.staged_allocations.items()):
            if allocations:
                tx.send(
                    "INSERT INTO prodcore_allocations (order_id, doc) VALUES (?, ?) "
                    "ON CONFLICT (order_id) DO UPDATE SET doc = excluded.doc",
                    (order_id, dumps(allocations)),
                )
            else:
                tx.send("DELETE FROM prodcore_allocations WHERE order_id = ?", (order_id,))

    def _flush_master(self, tx: WriteTx) -> None:
        master = self._master
        if master.staged_setup is not None:
            tx.send(
                "INSERT INTO prodcore_setup (id, doc) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                (dumps(master.staged_setup),),
            )
        rows = sorted((_KIND_OF[kind], no, record) for (kind, no), record in master.staged.items())
        for kind_name, no, record in rows:
            tx.send(
                "INSERT INTO prodcore_master_data (kind, no, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, no) DO UPDATE SET doc = excluded.doc",
                (kind_name, no, dumps(record)),
            )

    def _flush_orders(self, tx: WriteTx) -> None:
        orders = self._orders
        decoded = self.store.decoded_orders
        encode = self.store.encoded_orders.dumps
        for order_id, read_version in sorted(orders.read_versions.items()):
            order = orders.staged[order_id]
            before = orders.read.get(order_id)
            refuse = functools.partial(_order_moved, tx, order_id, read_version)
            if order is None and read_version == 0:
                if tx.query("SELECT 1 FROM prodcore_orders WHERE id = ?", (order_id,)):
                    raise refuse()
            elif order is None:
                tx.expect(
                    "DELETE FROM prodcore_orders WHERE id = ? AND version = ?",
                    (order_id, read_version),
                    refuse,
                )
            elif read_version == 0:
                doc = encode(order)
                tx.expect(
                    "INSERT INTO prodcore_orders (id, status, version, doc) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO NOTHING",
                    (order_id, order.status.value, order.version, doc),
                    refuse,
                )
                decoded.put(doc, ProductionOrder, order)
            elif (
                before is not None
                and before.version == read_version
                and _same_document(before, order)
            ):  # the document stays: its columns are the order's (see _DecodedCache.order)
                tx.expect(*_order_update(before, order, read_version), refuse)
            else:
                doc = encode(order)
                tx.expect(*_order_update(before, order, read_version, doc), refuse)
                decoded.put(doc, ProductionOrder, order)
            # the per-worker index follows its order (the stored rows are those of the
            # version read, which the UPDATE checked)
            if (
                order is not None
                and before is not None
                and before.version == read_version
                and before.registrations == order.registrations
            ):
                continue
            if read_version:
                tx.send("DELETE FROM prodcore_registrations WHERE order_id = ?", (order_id,))
            if order is not None:
                insert_registrations(tx, order_id, order.registrations)

    def _flush_ledger(self, tx: WriteTx) -> None:
        ledger = self._ledger
        numbered = bool(ledger.staged_batches) and not self.store.gapless_numbers
        if numbered:  # numbers set aside per batch: rows side by side with other posters
            _insert_batches(tx, ledger.staged_batches)
            insert_who(tx, ledger.staged_batches)
            _add_applications(
                tx, ledger.staged_batches, ledger.staged, self.reads, self._pools_read
            )
            _add_marks(tx, ledger.staged)
        elif ledger.staged_batches:
            assert ledger.base_counters is not None and ledger.counters is not None
            # the numbering was reserved at the first append; the check is a safeguard
            changed = tx.execute(
                "UPDATE prodcore_ledger_counters "
                "SET posting = ?, item = ?, capacity = ?, value = ?, gl = ? "
                "WHERE id = 1 AND posting = ? AND item = ? AND capacity = ? AND value = ? "
                "AND gl = ?",
                (*_numbers(ledger.counters), *_numbers(ledger.base_counters)),
            )
            if changed != 1:
                actual = _Committed(self.store, tx.query).counters()
                raise ConcurrencyError(
                    kind="Ledger",
                    key="entries",
                    expected=ledger.base_counters.posting,
                    actual=actual.posting,
                )
            _insert_batches(tx, ledger.staged_batches)
            insert_who(tx, ledger.staged_batches)
            _add_balances(tx, ledger.staged, numeric=self.store.numeric_texts)
            _add_applications(
                tx, ledger.staged_batches, ledger.staged, self.reads, self._pools_read
            )
            _add_marks(tx, ledger.staged)
        for key, record in sorted(ledger.staged_keys.items()):
            tx.expect(
                "INSERT INTO prodcore_idempotency (key, command_hash, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                (key, record.command_hash, dumps(record)),
                functools.partial(KeyTakenError, kind="Idempotency key", key=key),
            )
        if ledger.staged_setup is not None:
            tx.send(
                "INSERT INTO prodcore_posting_setup (id, doc) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                (dumps(ledger.staged_setup),),
            )
        if numbered:
            self._last_step(tx)

    def _last_step(self, tx: WriteTx) -> None:
        """One poster at a time: every poster that took numbers before this one has
        ended and every later one waits for it, so the balance rows are added without a
        rival, the counters only grow and commits follow the numbers."""
        ledger = self._ledger
        assert ledger.counters is not None
        self.store.wait_for(tx, sorted(self._earlier))
        # the counters' row is there (an insert, so that it goes with the balances')
        tx.insert_rows(
            "prodcore_ledger_counters",
            "id int, posting int, item int, capacity int, value int, gl int",
            [(1, *_numbers(ledger.counters))],
            "ON CONFLICT (id) DO UPDATE SET posting = GREATEST(b.posting, excluded.posting), "
            "item = GREATEST(b.item, excluded.item), "
            "capacity = GREATEST(b.capacity, excluded.capacity), "
            "value = GREATEST(b.value, excluded.value), gl = GREATEST(b.gl, excluded.gl)",
        )
        _add_balances(tx, ledger.staged, numeric=self.store.numeric_texts)


def _numbers(counters: LedgerCounters) -> tuple[int, int, int, int, int]:
    """The counters as the columns of their row (``attrs.astuple`` walks every field
    generically: several times slower, at each posting)."""
    return counters.posting, counters.item, counters.capacity, counters.value, counters.gl


def _order_update(
    before: ProductionOrder | None, order: ProductionOrder, read_version: int, doc: str = ""
) -> tuple[str, tuple[Any, ...]]:
    """The UPDATE of an order's row read at ``read_version`` (``before``, when read):
    its version, its document when given, and its status only when it changed (SQLite
    rewrites the status index for any status SET, a page written at each commit)."""
    sets: list[str] = ["version = ?"]
    params: list[Any] = [order.version]
    if before is None or before.status is not order.status:
        sets.append("status = ?")
        params.append(order.status.value)
    if doc:
        sets.append("doc = ?")
        params.append(doc)
    sql = f"UPDATE prodcore_orders SET {', '.join(sets)} WHERE id = ? AND version = ?"
    return sql, (*params, order.id, read_version)


#: The fields of an order its document holds and no column of its row.
_DOCUMENT_FIELDS = operator.attrgetter(
    *(f.name for f in attrs.fields(ProductionOrder) if f.name not in ("version", "status"))
)


def _same_document(before: ProductionOrder, order: ProductionOrder) -> bool:
    """Whether ``order`` differs from ``before`` (as read) in its columns only: each
    other field is the same object (a save copies what it does not change; cheaper
    than comparing values, and never wrong when it says yes)."""
    return all(
        a is b for a, b in zip(_DOCUMENT_FIELDS(before), _DOCUMENT_FIELDS(order), strict=True)
    )


def _order_document(doc: str, version: int, status: str) -> str:
    """The document of an order row as its reads give it (the row's version and
    status over the stored document's older ones: see :meth:`_DecodedCache.order`);
    as stored when it does not load or does not hold an older version (what verify
    then compares with the columns)."""
    try:
        order = loads(doc, ProductionOrder)
        if order.version >= version:
            return doc
        return dumps(revise(order, version=version, status=OrderStatus(status)))
    except (ProdcoreError, KeyError, ValueError):
        return doc


def _order_moved(tx: Tx, order_id: str, read_version: int) -> ConcurrencyError:
    """The refusal of an order written over a version that is no longer the stored one."""
    rows = tx.query("SELECT version FROM prodcore_orders WHERE id = ?", (order_id,))
    return ConcurrencyError(
        kind=_ORDER, key=order_id, expected=read_version, actual=int(rows[0][0]) if rows else 0
    )


class _Announced(_Committed):
    """Committed reads run only to announce their statements (their answers are empty)."""

    def current(self, key: tuple[Any, ...]) -> object:
        # a count finds no row to read (announcing answers none): not used
        with contextlib.suppress(IndexError):
            return super().current(key)
        return None


def _unread_open_keys(staged: LedgerIndex, reads: Reads) -> list[tuple[str, str, bool]]:
    """The open-entry pools (item, location, inbound) whose rows ``staged`` changes and
    the unit of work did not read: :func:`_add_applications` reads them (in one
    statement, announced with the conflict locks)."""
    return [
        key
        for key, deltas in sorted(staged.open_by_key.items())
        if deltas and not isinstance(reads.seen.get(("open_entries", *key)), list)
    ]


def _add_applications(
    tx: WriteTx,
    batches: Sequence[PostingBatch],
    staged: LedgerIndex,
    reads: Reads,
    read_at_commit: dict[tuple[str, str, bool], list[tuple[int, Decimal]]],
) -> None:
    """Store the batches' item applications and the entries' remaining quantities (a row
    per open entry: a closed entry's row goes). The open entries the unit of work read
    are not read again (its reads are checked: they are the stored rows now), nor those
    ``read_at_commit`` (with the checks); of the other pools it writes over, the rows of
    the entries it changes are read here."""
    _insert_applications(tx, [a for b in batches for a in b.item_applications or ()])
    changed = [(key, deltas) for key, deltas in sorted(staged.open_by_key.items()) if deltas]
    unknown = [key for key in _unread_open_keys(staged, reads) if key not in read_at_commit]
    noted = _remaining_of(tx, unknown, staged.open_by_key) if unknown else {}
    noted.update(read_at_commit)
    for key, _ in changed:
        found = reads.seen.get(("open_entries", *key))
        if isinstance(found, list):
            noted[key] = found
    deletes: list[tuple[int]] = []
    written: list[tuple[int, str, str, int, str]] = []  # new rows and new quantities
    for (item_no, location_code, inbound), deltas in changed:
        stored = dict(noted[(item_no, location_code, inbound)])
        for no, delta in sorted(deltas.items()):
            left = stored.get(no, ZERO) + delta
            if left:
                written.append((no, item_no, location_code, int(inbound), str(left)))
            elif no in stored:
                deletes.append((no,))
    # a statement for the closed entries, one for the others (each row changes once)
    tx.execute_many("DELETE FROM prodcore_bal_remaining WHERE entry_no = ?", deletes)
    tx.insert_rows(
        "prodcore_bal_remaining",
        "entry_no int, item_no text, location_code text, inbound int, qty text",
        written,
        "ON CONFLICT (entry_no) DO UPDATE SET qty = excluded.qty",
    )


def _remaining_of(
    tx: WriteTx,
    keys: Sequence[tuple[str, str, bool]],
    open_by_key: dict[tuple[str, str, bool], dict[int, Decimal]],
) -> dict[tuple[str, str, bool], list[tuple[int, Decimal]]]:
    """The stored rows (entry number, remaining quantity) of the entries a commit changes
    in the pools ``keys``, by pool: read by entry number, a few rows, not the whole pools
    (which grow with their open entries; a commit adds only to the entries it names)."""
    pool_of = {no: key for key in keys for no in open_by_key[key]}
    found: dict[tuple[str, str, bool], list[tuple[int, Decimal]]] = {key: [] for key in keys}
    numbers = sorted(pool_of)
    for start in range(0, len(numbers), _KEYS_PER_QUERY):
        chunk = numbers[start : start + _KEYS_PER_QUERY]
        for no, qty in tx.query(_remaining_sql(len(chunk)), chunk):
            found[pool_of[int(no)]].append((int(no), _dec(qty)))
    return found


@functools.cache
def _remaining_sql(entries: int) -> str:
    """The read of the remaining quantities of ``entries`` entries, by number."""
    marks = ", ".join("?" * entries)
    return f"SELECT entry_no, qty FROM prodcore_bal_remaining WHERE entry_no IN ({marks})"


def _add_marks(tx: WriteTx, staged: LedgerIndex) -> None:
    """Keep a row per marked item entry (item cost adjustment's marks: a cleared one goes)."""
    marks = sorted(staged.marks.items())
    tx.insert_rows(
        "prodcore_cost_marks",
        "entry_no int",
        [(no,) for no, marked in marks if marked],
        "ON CONFLICT (entry_no) DO NOTHING",
    )
    tx.execute_many(
        "DELETE FROM prodcore_cost_marks WHERE entry_no = ?",
        [(no,) for no, marked in marks if not marked],
    )
