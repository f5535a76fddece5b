"""What the SQLite and PostgreSQL stores share: schema, mapping and the unit of work.

Records are stored as JSON documents written by :mod:`prodcore.serialization`, next to
the key columns that are queried (kind and number, order id, status, version). The SQL
is written once with ``?`` placeholders; a store translates it to its driver's style.

A unit of work reads committed rows directly and *stages* its writes. :meth:`commit`
opens one write transaction, applies every staged write with the optimistic checks done
by the database itself (``UPDATE ... WHERE version = ?``; no row changed means someone
else got there first, a :class:`~prodcore.errors.ConcurrencyError`) and commits, so a
unit of work is entirely present or entirely absent. This is the in-memory reference
adapter's behaviour, which the contract suite and the differential tests check.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Self, TypeVar

import attrs

from prodcore.adapters._base import READABLE_KINDS, MasterDataGetters, StagedUnitOfWork
from prodcore.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidValueError,
    KeyTakenError,
    NotFoundError,
)
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemLedgerEntry,
    LedgerCounters,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueSource,
    number_batch,
)
from prodcore.masterdata import (
    CapacityType,
    Item,
    MachineCenter,
    ManufacturingSetup,
    ProductionBom,
    Routing,
    WorkCenter,
)
from prodcore.numbers import ZERO
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRecord
from prodcore.scheduling.calendar import ShopCalendar
from prodcore.serialization import dumps, loads

__all__ = ["KINDS", "MIGRATIONS", "SqlStore", "SqlUnitOfWork", "Tx"]

_T = TypeVar("_T")

#: Master data classes by the ``kind`` stored in their rows, and their readable names.
KINDS: dict[str, type] = {
    "Item": Item,
    "ProductionBom": ProductionBom,
    "Routing": Routing,
    "WorkCenter": WorkCenter,
    "MachineCenter": MachineCenter,
    "ShopCalendar": ShopCalendar,
}
_KIND_OF: dict[type, str] = {cls: kind for kind, cls in KINDS.items()}
_ORDER = "Production order"

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


class SqlStore(abc.ABC):
    """A database holding prodcore's tables; calling it opens a new unit of work.

    Subclasses supply reads (each sees the latest committed state), write transactions
    and the translation of driver errors into prodcore's errors.
    """

    #: The schema versions applied when this store was opened (empty: up to date).
    applied_migrations: tuple[int, ...] = ()

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read outside any write transaction."""

    @abc.abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[Tx]:
        """A write transaction: committed if the block ends normally, else rolled back."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections; units of work opened later fail."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @functools.cached_property
    def decoded_master(self) -> _DecodedCache:
        """Master data records and setups decoded from their stored text, once."""
        return _DecodedCache(4_000_000)

    @functools.cached_property
    def decoded_orders(self) -> _DecodedCache:
        """Orders decoded from their stored text, once; also primed with each order
        written (orders round-trip exactly, so the order written equals its decoded text)."""
        return _DecodedCache(16_000_000)

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
            yield f"orders:{status}", order_id, version, doc
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


def require_str(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(field=field, value=value, reason="must be a str")
    return value


def require_version(field: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValueError(field=field, value=value, reason="must be an int")
    return value


class _DecodedCache:
    """Decoded documents by their JSON text, for immutable records: the same stored text
    decodes once, however often it is read. Bounded by the characters of the texts held
    (emptied when full). Each store has its own (no state shared between stores)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self.found: dict[tuple[type, str], Any] = {}

    def get(self, doc: str, cls: type[_T]) -> _T:
        found = self.found.get((cls, doc))
        if found is None:
            found = loads(doc, cls)
            self.put(doc, cls, found)
        return found

    def put(self, doc: str, cls: type[_T], record: _T) -> None:
        if self.chars + len(doc) > self.max_chars:
            self.found.clear()
            self.chars = 0
        self.found[(cls, doc)] = record
        self.chars += len(doc)


class _MasterData(MasterDataGetters):
    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self.staged: dict[tuple[str, str], MasterDataRecord] = {}
        self.staged_setup: ManufacturingSetup | None = None

    @property
    def setup(self) -> ManufacturingSetup:
        if self.staged_setup is not None:
            return self.staged_setup
        rows = self._store.query("SELECT doc FROM prodcore_setup WHERE id = 1")
        return (
            self._store.decoded_master.get(rows[0][0], ManufacturingSetup)
            if rows
            else ManufacturingSetup()
        )

    def put_setup(self, setup: ManufacturingSetup) -> None:
        if not isinstance(setup, ManufacturingSetup):
            raise InvalidValueError(field="setup", value=setup, reason="not a ManufacturingSetup")
        self.staged_setup = setup

    def put(self, record: MasterDataRecord) -> None:
        kind = _KIND_OF.get(type(record))
        if kind is None:
            raise InvalidValueError(field="record", value=record, reason="not a master data record")
        self.staged[(kind, record.no)] = record

    def _get(self, cls: type[_T], no: str) -> _T:
        kind = _KIND_OF[cls]
        if not isinstance(no, str):
            raise NotFoundError(kind=READABLE_KINDS[cls], key=no)
        staged = self.staged.get((kind, no))
        if staged is not None:
            return staged  # type: ignore[return-value]
        rows = self._store.query(
            "SELECT doc FROM prodcore_master_data WHERE kind = ? AND no = ?", (kind, no)
        )
        if not rows:
            raise NotFoundError(kind=READABLE_KINDS[cls], key=no)
        return self._store.decoded_master.get(rows[0][0], cls)

    def _all(self, cls: type[_T]) -> Iterator[_T]:
        kind = _KIND_OF[cls]
        rows = self._store.query("SELECT no, doc FROM prodcore_master_data WHERE kind = ?", (kind,))
        merged: dict[str, Any] = dict(rows)
        merged.update({no: rec for (k, no), rec in self.staged.items() if k == kind})
        for no in sorted(merged):
            value = merged[no]
            yield self._store.decoded_master.get(value, cls) if isinstance(value, str) else value

    def flush(self, tx: Tx) -> None:
        if self.staged_setup is not None:
            tx.execute(
                "INSERT INTO prodcore_setup (id, doc) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                (dumps(self.staged_setup),),
            )
        for (kind, no), record in sorted(self.staged.items(), key=lambda kv: kv[0]):
            tx.execute(
                "INSERT INTO prodcore_master_data (kind, no, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, no) DO UPDATE SET doc = excluded.doc",
                (kind, no, dumps(record)),
            )


class _Orders:
    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self.staged: dict[str, ProductionOrder | None] = {}  # None: deleted
        self.read_versions: dict[str, int] = {}  # stored version when first written (0: none)

    def _committed(self, order_id: str) -> ProductionOrder | None:
        rows = self._store.query("SELECT doc FROM prodcore_orders WHERE id = ?", (order_id,))
        return self._store.decoded_orders.get(rows[0][0], ProductionOrder) if rows else None

    def _current(self, order_id: str) -> ProductionOrder | None:
        if order_id in self.staged:
            return self.staged[order_id]
        return self._committed(order_id)

    def get(self, order_id: str) -> ProductionOrder:
        if not isinstance(order_id, str):
            raise NotFoundError(kind=_ORDER, key=order_id)
        order = self._current(order_id)
        if order is None:
            raise NotFoundError(kind=_ORDER, key=order_id)
        return order

    def add(self, order: ProductionOrder) -> None:
        if not isinstance(order, ProductionOrder):
            raise InvalidValueError(field="order", value=order, reason="not a ProductionOrder")
        if self._exists(order.id):
            raise DuplicateError(kind=_ORDER, key=order.id)
        if order.version != 1:
            raise InvalidValueError(
                field="version", value=order.version, reason="a new order has version 1"
            )
        self.read_versions.setdefault(order.id, 0)
        self.staged[order.id] = order

    def _exists(self, order_id: str) -> bool:
        if order_id in self.staged:
            return self.staged[order_id] is not None
        return bool(self._store.query("SELECT 1 FROM prodcore_orders WHERE id = ?", (order_id,)))

    def _current_version(self, order_id: str) -> int | None:
        """The order's version (None: no such order), without decoding its document."""
        if order_id in self.staged:
            staged = self.staged[order_id]
            return None if staged is None else staged.version
        rows = self._store.query("SELECT version FROM prodcore_orders WHERE id = ?", (order_id,))
        return int(rows[0][0]) if rows else None

    def _check(self, order_id: str, expected_version: int) -> None:
        version = self._current_version(order_id)
        if version is None:
            raise NotFoundError(kind=_ORDER, key=order_id)
        if version != expected_version:
            raise ConcurrencyError(
                kind=_ORDER, key=order_id, expected=expected_version, actual=version
            )
        self.read_versions.setdefault(order_id, expected_version)

    def save(self, order: ProductionOrder, *, expected_version: int) -> None:
        if not isinstance(order, ProductionOrder):
            raise InvalidValueError(field="order", value=order, reason="not a ProductionOrder")
        require_version("expected_version", expected_version)
        if order.version != expected_version + 1:
            raise InvalidValueError(
                field="version",
                value=order.version,
                reason=f"must be expected_version + 1 = {expected_version + 1}",
            )
        self._check(order.id, expected_version)
        self.staged[order.id] = order

    def delete(self, order_id: str, *, expected_version: int) -> None:
        if not isinstance(order_id, str):
            raise NotFoundError(kind=_ORDER, key=order_id)
        require_version("expected_version", expected_version)
        self._check(order_id, expected_version)
        self.staged[order_id] = None

    def list(self, *, status: OrderStatus | None = None) -> list[ProductionOrder]:
        if status is None:
            rows = self._store.query("SELECT id, doc FROM prodcore_orders")
        else:
            if not isinstance(status, OrderStatus):
                raise InvalidValueError(field="status", value=status, reason="not an OrderStatus")
            rows = self._store.query(
                "SELECT id, doc FROM prodcore_orders WHERE status = ?", (status.value,)
            )
        merged: dict[str, Any] = {
            order_id: doc for order_id, doc in rows if order_id not in self.staged
        }
        merged.update(
            (order_id, order)
            for order_id, order in self.staged.items()
            if order is not None and (status is None or order.status is status)
        )
        return [
            self._store.decoded_orders.get(value, ProductionOrder)
            if isinstance(value, str)
            else value
            for _, value in sorted(merged.items())
        ]

    def flush(self, tx: Tx) -> None:
        # in key order, so that two committing units of work never deadlock
        for order_id, read_version in sorted(self.read_versions.items()):
            order = self.staged[order_id]
            if order is None and read_version == 0:
                changed = (
                    0 if tx.query("SELECT 1 FROM prodcore_orders WHERE id = ?", (order_id,)) else 1
                )
            elif order is None:
                changed = tx.execute(
                    "DELETE FROM prodcore_orders WHERE id = ? AND version = ?",
                    (order_id, read_version),
                )
            elif read_version == 0:
                doc = dumps(order)
                changed = tx.execute(
                    "INSERT INTO prodcore_orders (id, status, version, doc) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO NOTHING",
                    (order_id, order.status.value, order.version, doc),
                )
                self._store.decoded_orders.put(doc, ProductionOrder, order)
            else:
                doc = dumps(order)
                changed = tx.execute(
                    "UPDATE prodcore_orders SET status = ?, version = ?, doc = ? "
                    "WHERE id = ? AND version = ?",
                    (order.status.value, order.version, doc, order_id, read_version),
                )
                self._store.decoded_orders.put(doc, ProductionOrder, order)
            if changed != 1:
                rows = tx.query("SELECT version FROM prodcore_orders WHERE id = ?", (order_id,))
                raise ConcurrencyError(
                    kind=_ORDER,
                    key=order_id,
                    expected=read_version,
                    actual=int(rows[0][0]) if rows else 0,
                )


_ITEM = "Item ledger entry"
_CAPACITY = "Capacity ledger entry"
_VALUE = "Value entry"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _dec(text: str | None) -> Decimal:
    return Decimal(text) if text is not None else ZERO


class _Ledger:
    """Staged batches over the committed ledger; queries see both.

    Entry numbers are handed out at :meth:`append` from the counters read at the first
    append of the unit of work; the commit moves the counters with
    ``UPDATE ... WHERE`` (all five equal to what was read), so two units of work that
    both posted conflict and the later one gets a ConcurrencyError (retry the command).
    That counter row also serializes the read-modify-write of the balance rows.
    """

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self.base_counters: LedgerCounters | None = None
        self.counters: LedgerCounters | None = None
        self.staged = LedgerIndex()
        self.staged_batches: list[PostingBatch] = []
        self.staged_keys: dict[str, IdempotencyRecord] = {}
        self.staged_setup: PostingSetup | None = None

    def _stored_counters(self, reader: Callable[..., list[tuple[Any, ...]]]) -> LedgerCounters:
        rows = reader(
            "SELECT posting, item, capacity, value, gl FROM prodcore_ledger_counters WHERE id = 1"
        )
        return LedgerCounters(*(int(v) for v in rows[0])) if rows else LedgerCounters()

    @property
    def posting_setup(self) -> PostingSetup:
        if self.staged_setup is not None:
            return self.staged_setup
        rows = self._store.query("SELECT doc FROM prodcore_posting_setup WHERE id = 1")
        return self._store.decoded_master.get(rows[0][0], PostingSetup) if rows else PostingSetup()

    def put_posting_setup(self, setup: PostingSetup) -> None:
        if not isinstance(setup, PostingSetup):
            raise InvalidValueError(field="setup", value=setup, reason="not a PostingSetup")
        self.staged_setup = setup

    def append(self, batch: PostingBatch) -> PostingBatch:
        if not isinstance(batch, PostingBatch):
            raise InvalidValueError(field="batch", value=batch, reason="not a PostingBatch")
        batch.check_balanced()
        if self.counters is None:
            self.base_counters = self.counters = self._stored_counters(self._store.query)
        numbered, self.counters = number_batch(batch, self.counters)
        self.staged.apply(numbered)
        self.staged_batches.append(numbered)
        return numbered

    # --- single records ---------------------------------------------------------------

    def _one(self, table: str, kind: str, no: int, cls: type[_T], staged: dict[int, Any]) -> _T:
        if not _is_int(no):
            raise NotFoundError(kind=kind, key=no)
        if no in staged:
            return staged[no]  # type: ignore[no-any-return]
        rows = self._store.query(f"SELECT doc FROM {table} WHERE entry_no = ?", (no,))
        if not rows:
            raise NotFoundError(kind=kind, key=no)
        return loads(rows[0][0], cls)

    def batch(self, posting_no: int) -> PostingBatch:
        if not _is_int(posting_no):
            raise NotFoundError(kind="Posting", key=posting_no)
        if posting_no in self.staged.batches:
            return self.staged.batches[posting_no]
        rows = self._store.query(
            "SELECT doc FROM prodcore_ledger_batches WHERE posting_no = ?", (posting_no,)
        )
        if not rows:
            raise NotFoundError(kind="Posting", key=posting_no)
        header = loads(rows[0][0], PostingBatch)

        def part(table: str, cls: type[_T]) -> tuple[_T, ...]:
            found = self._store.query(
                f"SELECT doc FROM {table} WHERE posting_no = ? ORDER BY entry_no", (posting_no,)
            )
            return tuple(loads(doc, cls) for (doc,) in found)

        return attrs.evolve(
            header,
            item_entries=part("prodcore_item_entries", ItemLedgerEntry),
            capacity_entries=part("prodcore_capacity_entries", CapacityLedgerEntry),
            value_entries=part("prodcore_value_entries", ValueEntry),
            gl_entries=part("prodcore_gl_entries", GLEntry),
        )

    def item_entry(self, entry_no: int) -> ItemLedgerEntry:
        return self._one(
            "prodcore_item_entries", _ITEM, entry_no, ItemLedgerEntry, self.staged.items
        )

    def capacity_entry(self, entry_no: int) -> CapacityLedgerEntry:
        return self._one(
            "prodcore_capacity_entries",
            _CAPACITY,
            entry_no,
            CapacityLedgerEntry,
            self.staged.capacity,
        )

    def value_entry(self, entry_no: int) -> ValueEntry:
        return self._one("prodcore_value_entries", _VALUE, entry_no, ValueEntry, self.staged.values)

    # --- lists --------------------------------------------------------------------------

    def _select(
        self,
        table: str,
        cls: type[_T],
        where: Sequence[tuple[str, Sequence[Any]]],
        staged: dict[int, Any],
        keep: Callable[[Any], bool],
    ) -> list[_T]:
        clauses = " AND ".join(f"({clause})" for clause, _ in where) or "1 = 1"
        params = [p for _, ps in where for p in ps]
        rows = self._store.query(
            f"SELECT doc FROM {table} WHERE {clauses} ORDER BY entry_no", params
        )
        found: list[_T] = [loads(doc, cls) for (doc,) in rows]
        found.extend(e for e in staged.values() if keep(e))
        return found

    def item_entries(
        self, *, order_id: str | None = None, item_no: str | None = None
    ) -> list[ItemLedgerEntry]:
        where = []
        if order_id is not None:
            where.append(("order_id = ?", (order_id,)))
        if item_no is not None:
            where.append(("item_no = ?", (item_no,)))
        return self._select(
            "prodcore_item_entries",
            ItemLedgerEntry,
            where,
            self.staged.items,
            lambda e: (
                (order_id is None or e.order_id == order_id)
                and (item_no is None or e.item_no == item_no)
            ),
        )

    def capacity_entries(
        self, *, order_id: str | None = None, centre_no: str | None = None
    ) -> list[CapacityLedgerEntry]:
        where: list[tuple[str, Sequence[Any]]] = []
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

        def keep(e: CapacityLedgerEntry) -> bool:
            if order_id is not None:
                return e.order_id == order_id and (
                    centre_no is None or centre_no in (e.no, e.work_center_no)
                )
            if centre_no is not None:
                return e.work_center_no == centre_no or (
                    e.type is CapacityType.MACHINE_CENTER and e.no == centre_no
                )
            return True

        return self._select(
            "prodcore_capacity_entries", CapacityLedgerEntry, where, self.staged.capacity, keep
        )

    def value_entries(
        self,
        *,
        order_id: str | None = None,
        source: ValueSource | None = None,
        source_entry_no: int | None = None,
    ) -> list[ValueEntry]:
        by_source = source is not None and source_entry_no is not None
        where: list[tuple[str, Sequence[Any]]] = []
        if by_source:
            assert source is not None
            where.append(
                ("source = ? AND source_entry_no = ?", (ValueSource(source).value, source_entry_no))
            )
        if order_id is not None:
            where.append(("order_id = ?", (order_id,)))

        def keep(e: ValueEntry) -> bool:
            if by_source:
                no = e.item_entry_no if e.source is ValueSource.ITEM else e.capacity_entry_no
                if e.source is not source or no != source_entry_no:
                    return False
            return order_id is None or e.order_id == order_id

        return self._select("prodcore_value_entries", ValueEntry, where, self.staged.values, keep)

    def gl_entries(self, *, order_id: str | None = None) -> list[GLEntry]:
        where = [("order_id = ?", (order_id,))] if order_id is not None else []
        return self._select(
            "prodcore_gl_entries",
            GLEntry,
            where,
            self.staged.gl,
            lambda e: order_id is None or e.order_id == order_id,
        )

    # --- balances -----------------------------------------------------------------------

    def _balance(self, sql: str, params: Sequence[Any]) -> Decimal:
        return sum((_dec(q) for (q,) in self._store.query(sql, params)), ZERO)

    def on_hand(self, item_no: str, location_code: str | None = None) -> Decimal:
        if location_code is None:
            stored = self._balance(
                "SELECT qty FROM prodcore_bal_on_hand WHERE item_no = ?", (item_no,)
            )
        else:
            stored = self._balance(
                "SELECT qty FROM prodcore_bal_on_hand WHERE item_no = ? AND location_code = ?",
                (item_no, location_code),
            )
        return stored + self.staged.on_hand(item_no, location_code)

    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_consumed "
            "WHERE order_id = ? AND line_no = ? AND component_line_no = ?",
            (order_id, line_no, component_line_no),
        ) + self.staged.consumed_quantity(order_id, line_no, component_line_no)

    def output_quantity(self, order_id: str, line_no: int) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_output WHERE order_id = ? AND line_no = ?",
            (order_id, line_no),
        ) + self.staged.output_quantity(order_id, line_no)

    def wip(self, order_id: str) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_wip WHERE order_id = ?", (order_id,)
        ) + self.staged.wip(order_id)

    def account_balance(self, account: str) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_account WHERE account = ?", (account,)
        ) + self.staged.account_balance(account)

    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_reversed WHERE source = ? AND entry_no = ?",
            (ValueSource(source).value, entry_no),
        ) + self.staged.reversed_quantity(source, entry_no)

    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal:
        return self._balance(
            "SELECT qty FROM prodcore_bal_capacity_day WHERE centre_no = ? AND day >= ? AND day <= ?",
            (centre_no, start.isoformat(), end.isoformat()),
        ) + self.staged.capacity_used(centre_no, start, end)

    # --- idempotency ----------------------------------------------------------------------

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        if not isinstance(key, str):
            raise InvalidValueError(field="idempotency key", value=key, reason="must be a str")
        if key in self.staged_keys:
            return self.staged_keys[key]
        rows = self._store.query("SELECT doc FROM prodcore_idempotency WHERE key = ?", (key,))
        return loads(rows[0][0], IdempotencyRecord) if rows else None

    def remember(self, record: IdempotencyRecord) -> None:
        if not isinstance(record, IdempotencyRecord):
            raise InvalidValueError(field="record", value=record, reason="not an IdempotencyRecord")
        if self.idempotency(record.key) is not None:
            raise KeyTakenError(key=record.key)
        self.staged_keys[record.key] = record

    # --- commit ---------------------------------------------------------------------------

    def flush(self, tx: Tx) -> None:
        if self.staged_batches:
            assert self.base_counters is not None and self.counters is not None
            base, new = self.base_counters, self.counters
            changed = tx.execute(
                "UPDATE prodcore_ledger_counters "
                "SET posting = ?, item = ?, capacity = ?, value = ?, gl = ? "
                "WHERE id = 1 AND posting = ? AND item = ? AND capacity = ? AND value = ? "
                "AND gl = ?",
                (*attrs.astuple(new), *attrs.astuple(base)),
            )
            if changed != 1:
                actual = self._stored_counters(tx.query)
                raise ConcurrencyError(
                    kind="Ledger", key="entries", expected=base.posting, actual=actual.posting
                )
            for batch in self.staged_batches:
                self._insert_batch(tx, batch)
            self._add_balances(tx)
        for key, record in sorted(self.staged_keys.items()):
            if not tx.execute(
                "INSERT INTO prodcore_idempotency (key, command_hash, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                (key, record.command_hash, dumps(record)),
            ):
                raise KeyTakenError(key=key)
        if self.staged_setup is not None:
            tx.execute(
                "INSERT INTO prodcore_posting_setup (id, doc) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                (dumps(self.staged_setup),),
            )

    @staticmethod
    def _insert_batch(tx: Tx, batch: PostingBatch) -> None:
        header = attrs.evolve(
            batch, item_entries=(), capacity_entries=(), value_entries=(), gl_entries=()
        )
        no = batch.posting_no
        tx.execute(
            "INSERT INTO prodcore_ledger_batches (posting_no, idempotency_key, doc) VALUES (?, ?, ?)",
            (no, batch.idempotency_key, dumps(header)),
        )
        tx.execute_many(
            "INSERT INTO prodcore_item_entries "
            "(entry_no, posting_no, order_id, item_no, applies_to_entry_no, doc) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (i.entry_no, no, i.order_id, i.item_no, i.applies_to_entry_no, dumps(i))
                for i in batch.item_entries
            ],
        )
        tx.execute_many(
            "INSERT INTO prodcore_capacity_entries (entry_no, posting_no, order_id, type, no, "
            "work_center_no, applies_to_entry_no, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.entry_no,
                    no,
                    c.order_id,
                    c.type.value,
                    c.no,
                    c.work_center_no,
                    c.applies_to_entry_no,
                    dumps(c),
                )
                for c in batch.capacity_entries
            ],
        )
        tx.execute_many(
            "INSERT INTO prodcore_value_entries "
            "(entry_no, posting_no, order_id, source, source_entry_no, doc) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    v.entry_no,
                    no,
                    v.order_id,
                    v.source.value,
                    v.item_entry_no if v.source is ValueSource.ITEM else v.capacity_entry_no,
                    dumps(v),
                )
                for v in batch.value_entries
            ],
        )
        tx.execute_many(
            "INSERT INTO prodcore_gl_entries (entry_no, posting_no, order_id, account, doc) "
            "VALUES (?, ?, ?, ?, ?)",
            [(g.entry_no, no, g.order_id, g.account, dumps(g)) for g in batch.gl_entries],
        )

    def _add_balances(self, tx: Tx) -> None:
        staged = self.staged
        tables: tuple[
            tuple[str, tuple[str, ...], dict[Any, Decimal], Callable[[Any], tuple[Any, ...]]], ...
        ] = (
            (
                "prodcore_bal_on_hand",
                ("item_no", "location_code"),
                staged.on_hand_by_location,
                tuple,
            ),
            (
                "prodcore_bal_consumed",
                ("order_id", "line_no", "component_line_no"),
                staged.consumed,
                tuple,
            ),
            ("prodcore_bal_output", ("order_id", "line_no"), staged.output, tuple),
            ("prodcore_bal_wip", ("order_id",), staged.wip_by_order, lambda k: (k,)),
            ("prodcore_bal_account", ("account",), staged.accounts, lambda k: (k,)),
            (
                "prodcore_bal_reversed",
                ("source", "entry_no"),
                staged.reversed,
                lambda k: (k[0].value, k[1]),
            ),
            (
                "prodcore_bal_capacity_day",
                ("centre_no", "day"),
                staged.capacity_used_by_day,
                lambda k: (k[0], k[1].isoformat()),
            ),
        )
        for table, columns, deltas, key_of in tables:
            if not deltas:
                continue
            match = " AND ".join(f"{c} = ?" for c in columns)
            keyed = [
                (tuple(key_of(key)), delta)
                for key, delta in sorted(deltas.items(), key=lambda kv: str(kv[0]))
            ]
            # the stored balances of all the keys, a few queries instead of one per key
            stored: dict[tuple[Any, ...], Decimal] = {}
            for start in range(0, len(keyed), _KEYS_PER_QUERY):
                chunk = keyed[start : start + _KEYS_PER_QUERY]
                rows = tx.query(
                    f"SELECT {', '.join(columns)}, qty FROM {table} "
                    f"WHERE {' OR '.join(f'({match})' for _ in chunk)}",
                    [p for params, _ in chunk for p in params],
                )
                for *key_cols, qty in rows:
                    stored[tuple(key_cols)] = _dec(qty)
            tx.execute_many(
                f"UPDATE {table} SET qty = ? WHERE {match}",
                [
                    (str(stored[params] + delta), *params)
                    for params, delta in keyed
                    if params in stored
                ],
            )
            tx.execute_many(
                f"INSERT INTO {table} ({', '.join(columns)}, qty) "
                f"VALUES ({', '.join('?' for _ in columns)}, ?)",
                [(*params, str(delta)) for params, delta in keyed if params not in stored],
            )


_KEYS_PER_QUERY = 100


class SqlUnitOfWork(StagedUnitOfWork):
    """A unit of work over a :class:`SqlStore`; rolls back unless committed."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._begin()

    def _begin(self) -> None:
        self._master = _MasterData(self.store)
        self._orders = _Orders(self.store)
        self._ledger = _Ledger(self.store)

    @property
    def ledger(self) -> _Ledger:
        return self._ledger

    @property
    def master_data(self) -> _MasterData:
        return self._master

    @property
    def orders(self) -> _Orders:
        return self._orders

    def commit(self) -> None:
        """Apply every staged write in one transaction, or none of them."""
        ledger = self._ledger
        if (
            self._master.staged
            or self._master.staged_setup
            or self._orders.staged
            or ledger.staged_batches
            or ledger.staged_keys
            or ledger.staged_setup
        ):
            # lock order (master data, orders, ledger counter) is the same for everyone
            with self.store.transaction() as tx:
                self._master.flush(tx)
                self._orders.flush(tx)
                ledger.flush(tx)
        self._begin()


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
