"""The SQL stores' schema: the migrations that create and upgrade it, and the triggers
that keep the ledgers append-only.

A migration is (version, description, statements) and is never changed once released:
a store written by an earlier release is upgraded by applying the migrations above its
recorded version, in order. A statement is common SQL or a mapping of SQL per dialect
(``"sqlite"``, ``"postgresql"``; a dialect left out skips the statement).
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prodcore.ledger.model import ItemApplication, PostingBatch
    from prodcore.orders.registration import Registration

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Statement",
    "Tx",
    "apply_migrations",
    "insert_applications",
    "insert_registrations",
    "insert_who",
    "moment_key",
]

# common SQL, SQL or a Python step per dialect ("sqlite", "postgresql"), or a step in
# Python over the open transaction (a backfill)
Statement = str | Mapping[str, str | Callable[["Tx"], None]] | Callable[["Tx"], None]

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


def insert_applications(tx: Tx, applications: Iterable[ItemApplication]) -> None:
    """Store item applications (rows of ``prodcore_item_applications``)."""
    tx.execute_many(
        "INSERT INTO prodcore_item_applications "
        "(outbound_entry_no, inbound_entry_no, item_no, location_code, qty) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (a.outbound_entry_no, a.inbound_entry_no, a.item_no, a.location_code, str(a.quantity))
            for a in applications
        ],
    )


def _backfill_applications(tx: Tx) -> None:
    """Apply the item entries stored before applications existed, FIFO in entry order,
    and sum the inventory value per item of the value entries stored before."""
    # late imports: the schema module is below the domain
    from prodcore.ledger.application import decide_applications, remaining_deltas
    from prodcore.ledger.model import ItemLedgerEntry, ValueEntry, ValueSource
    from prodcore.serialization import loads

    rows = tx.query("SELECT doc FROM prodcore_item_entries ORDER BY entry_no")
    entries = [loads(doc, ItemLedgerEntry) for (doc,) in rows]
    applications = decide_applications(entries, lambda item_no, location_code, inbound: ())
    insert_applications(tx, applications)
    key = {e.entry_no: (e.item_no, e.location_code) for e in entries}
    tx.execute_many(
        "INSERT INTO prodcore_bal_remaining (entry_no, item_no, location_code, inbound, qty) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (no, *key[no], int(qty > 0), str(qty))
            for no, qty in sorted(remaining_deltas(entries, applications).items())
            if qty
        ],
    )
    values: dict[str, Decimal] = {}
    for (doc,) in tx.query("SELECT doc FROM prodcore_value_entries ORDER BY entry_no"):
        v = loads(doc, ValueEntry)
        if v.source is ValueSource.ITEM and v.item_no is not None:
            values[v.item_no] = values.get(v.item_no, Decimal(0)) + v.cost_amount
    tx.execute_many(
        "INSERT INTO prodcore_bal_item_value (item_no, qty) VALUES (?, ?)",
        sorted((item_no, str(value)) for item_no, value in values.items()),
    )


def _count_returns_as_taken_back(tx: Tx) -> None:
    """Add what each return applying from a consumption brought back to that
    consumption's ``prodcore_bal_reversed`` row (returns and reversals of an entry are
    counted together there; a store written before counted reversals only)."""
    from prodcore.ledger.model import ItemLedgerEntry, ValueSource
    from prodcore.serialization import loads  # late: the schema module is below the domain

    returned: dict[int, Decimal] = {}
    # the field is stored only when set
    for (doc,) in tx.query(
        "SELECT doc FROM prodcore_item_entries WHERE doc LIKE '%applies_from_entry_no%'"
    ):
        e = loads(doc, ItemLedgerEntry)
        if e.applies_from_entry_no is not None:
            no = e.applies_from_entry_no
            returned[no] = returned.get(no, Decimal(0)) + abs(e.quantity)
    source = ValueSource.ITEM.value
    for entry_no, qty in sorted(returned.items()):
        rows = tx.query(
            "SELECT qty FROM prodcore_bal_reversed WHERE source = ? AND entry_no = ?",
            (source, entry_no),
        )
        if rows:
            tx.execute(
                "UPDATE prodcore_bal_reversed SET qty = ? WHERE source = ? AND entry_no = ?",
                (str(Decimal(rows[0][0]) + qty), source, entry_no),
            )
        else:
            tx.execute(
                "INSERT INTO prodcore_bal_reversed (source, entry_no, qty) VALUES (?, ?, ?)",
                (source, entry_no, str(qty)),
            )


def _backfill_order_costs(tx: Tx) -> None:
    """Create the order cost sums and the index of output entries, and fill them from
    the entries stored before: the cost of the value entries per order line and kind
    (see :func:`prodcore.ledger.balances.order_cost_key`) and the output quantity, each
    output entry with its order. A sum is kept as parts, one per commit that moved it
    (added up when read). Run again, it fills them again (the tables are kept)."""
    # late imports: the schema module is below the domain
    from prodcore.ledger.balances import OUTPUT_QUANTITY, order_cost_key
    from prodcore.ledger.model import (
        CapacityLedgerEntry,
        ItemEntryType,
        ItemLedgerEntry,
        ValueEntry,
        ValueSource,
    )
    from prodcore.serialization import loads

    def entries(table: str, cls: type[Any]) -> dict[int, Any]:
        rows = tx.query(f"SELECT entry_no, doc FROM {table} WHERE order_id IS NOT NULL")
        return {int(no): loads(doc, cls) for no, doc in rows}

    items = entries("prodcore_item_entries", ItemLedgerEntry)
    capacity = entries("prodcore_capacity_entries", CapacityLedgerEntry)
    sums: dict[tuple[str, int, str], Decimal] = {}  # (order, line, kind)
    for e in items.values():
        if e.entry_type is ItemEntryType.OUTPUT:
            key = (e.order_id, e.order_line_no, OUTPUT_QUANTITY)
            sums[key] = sums.get(key, Decimal(0)) + e.quantity
    for (doc,) in tx.query(
        "SELECT doc FROM prodcore_value_entries WHERE order_id IS NOT NULL ORDER BY entry_no"
    ):
        v = loads(doc, ValueEntry)
        on_item = v.source is ValueSource.ITEM
        source = (items if on_item else capacity).get(
            (v.item_entry_no if on_item else v.capacity_entry_no) or 0
        )
        line_kind = order_cost_key(v, source)
        if line_kind is not None:
            key = (v.order_id or "", *line_kind)
            sums[key] = sums.get(key, Decimal(0)) + v.cost_amount
    tx.execute(
        """CREATE TABLE IF NOT EXISTS prodcore_bal_order_cost (
            order_id TEXT NOT NULL, line_no INTEGER NOT NULL, kind TEXT NOT NULL,
            posting_no INTEGER NOT NULL, qty TEXT NOT NULL,
            PRIMARY KEY (order_id, line_no, kind, posting_no))"""
    )
    tx.execute(
        """CREATE TABLE IF NOT EXISTS prodcore_output_entries (
            entry_no INTEGER PRIMARY KEY, order_id TEXT NOT NULL)"""
    )
    tx.execute(
        "CREATE INDEX IF NOT EXISTS prodcore_output_entries_order "
        "ON prodcore_output_entries (order_id, entry_no)"
    )
    tx.execute("DELETE FROM prodcore_output_entries")
    tx.execute_many(
        "INSERT INTO prodcore_output_entries (entry_no, order_id) VALUES (?, ?)",
        [
            (no, e.order_id)
            for no, e in sorted(items.items())
            if e.entry_type is ItemEntryType.OUTPUT
        ],
    )
    tx.execute("DELETE FROM prodcore_bal_order_cost")
    tx.execute_many(  # one part per sum, of no posting
        "INSERT INTO prodcore_bal_order_cost (order_id, line_no, kind, posting_no, qty) "
        "VALUES (?, ?, ?, 0, ?)",
        [(*key, str(amount)) for key, amount in sorted(sums.items()) if amount],
    )


#: SQLite tables with a key of text or of several columns and short rows: each is kept
#: in its key's b-tree alone (``WITHOUT ROWID``) instead of a rowid table plus an index
#: of the key, so a commit that adds to a balance changes one b-tree, not two (the flow
#: of ``benchmarks/bench_flow.py`` writes about a fifth fewer pages per commit).
_KEYED_TABLES = "prodcore_bal_%"
_KEYED_ALSO = ("prodcore_idempotency", "prodcore_item_applications")


def _sqlite_without_rowid(tx: Tx) -> None:
    """Rebuild each keyed table (see ``_KEYED_TABLES``) that still has a rowid: a new
    table of the same columns ``WITHOUT ROWID``, the rows copied, the old one dropped,
    the new one renamed, its indexes and triggers made again (SQLite's own recipe)."""
    tables = tx.query(
        "SELECT t.name, t.sql FROM sqlite_master t WHERE t.type = 'table' "
        "AND (t.name LIKE ? OR t.name IN (?, ?)) AND EXISTS (SELECT 1 FROM sqlite_master i "
        "WHERE i.type = 'index' AND i.tbl_name = t.name AND i.name LIKE 'sqlite_autoindex_%') "
        "ORDER BY t.name",
        (_KEYED_TABLES, *_KEYED_ALSO),
    )
    for name, sql in tables:
        again = [
            made
            for (made,) in tx.query(
                "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', "
                "'trigger') AND sql IS NOT NULL ORDER BY type, name",
                (name,),
            )
        ]
        head = f"CREATE TABLE {name} ("
        if not sql.startswith(head):
            raise ValueError(f"unexpected definition of {name}: {sql[:60]}")
        tx.execute(f"CREATE TABLE {name}_keyed ({sql[len(head) :]} WITHOUT ROWID")
        tx.execute(f"INSERT INTO {name}_keyed SELECT * FROM {name}")
        tx.execute(f"DROP TABLE {name}")
        tx.execute(f"ALTER TABLE {name}_keyed RENAME TO {name}")
        for made in again:
            tx.execute(made)


def moment_key(moment: dt.datetime) -> str:
    """A moment as a sortable text key (UTC, microseconds, one fixed width)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def insert_registrations(tx: Tx, order_id: str, registrations: Iterable[Registration]) -> None:
    """Store an order's job registrations in the per-worker index (rows of
    ``prodcore_registrations``, numbered in the order's sequence)."""
    from prodcore.serialization import dumps  # late: the schema module is below the domain

    tx.execute_many(
        "INSERT INTO prodcore_registrations "
        "(order_id, seq, worker, is_open, is_reversed, last_moment, doc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                order_id,
                seq,
                r.worker,
                int(r.is_open),
                int(r.is_reversed),
                moment_key(r.last_moment),
                dumps(r),
            )
            for seq, r in enumerate(registrations)
        ],
    )


def _backfill_registrations(tx: Tx) -> None:
    """Index the registrations stored on the orders before the index existed."""
    from prodcore.orders.model import ProductionOrder
    from prodcore.serialization import loads

    for order_id, doc in tx.query("SELECT id, doc FROM prodcore_orders ORDER BY id"):
        insert_registrations(tx, order_id, loads(doc, ProductionOrder).registrations)


def _backfill_who(tx: Tx) -> None:
    """Index who posted the batches stored before the index existed."""
    from prodcore.ledger.model import PostingBatch
    from prodcore.serialization import loads

    rows = tx.query("SELECT doc FROM prodcore_ledger_batches ORDER BY posting_no")
    insert_who(tx, [loads(doc, PostingBatch) for (doc,) in rows])


def insert_who(tx: Tx, batches: Iterable[PostingBatch]) -> None:
    """Store who posted ``batches`` and through what (rows of ``prodcore_batch_who``
    for the batches that say)."""
    tx.execute_many(
        "INSERT INTO prodcore_batch_who (posting_no, user_name, source) VALUES (?, ?, ?)",
        [
            (b.posting_no, b.user, b.source)
            for b in batches
            if b.user is not None or b.source is not None
        ],
    )


#: The PostgreSQL store's short numbering step, one round trip: under a session advisory
#: lock (``numbering``), the sequences' last values (posting, item, capacity, value, G/L)
#: are read and raised by ``sizes``; a unit of work's first batch (``last_posting``
#: NULL) also takes its ticket (``pg_advisory_xact_lock(tickets, posting mod span)``,
#: held to its end) and returns, after the five last values, the tickets still open
#: that were taken before it. If another unit of work took numbers since
#: ``last_posting``, nothing is raised (the caller refuses the batch).
_SET_NUMBERS_ASIDE = """CREATE FUNCTION prodcore_set_numbers_aside(
    sizes BIGINT[], last_posting BIGINT, numbering BIGINT, tickets INT, span BIGINT)
RETURNS BIGINT[] LANGUAGE plpgsql AS $$
DECLARE
    base BIGINT[];
    earlier BIGINT[] := '{}';
BEGIN
    PERFORM pg_advisory_lock(numbering);
    base := ARRAY[
        (SELECT last_value FROM prodcore_seq_posting), (SELECT last_value FROM prodcore_seq_item),
        (SELECT last_value FROM prodcore_seq_capacity), (SELECT last_value FROM prodcore_seq_value),
        (SELECT last_value FROM prodcore_seq_gl)];
    IF last_posting IS NULL OR base[1] = last_posting THEN
        PERFORM setval('prodcore_seq_posting', base[1] + sizes[1]),
            setval('prodcore_seq_item', base[2] + sizes[2]),
            setval('prodcore_seq_capacity', base[3] + sizes[3]),
            setval('prodcore_seq_value', base[4] + sizes[4]),
            setval('prodcore_seq_gl', base[5] + sizes[5]);
    END IF;
    IF last_posting IS NULL THEN
        PERFORM pg_advisory_xact_lock(tickets, ((base[1] + 1) % span)::INT);
        SELECT COALESCE(array_agg(objid::BIGINT), '{}') INTO earlier FROM pg_locks
            WHERE locktype = 'advisory' AND classid = tickets::OID AND objsubid = 2
            AND granted AND pid <> pg_backend_pid();
    END IF;
    PERFORM pg_advisory_unlock(numbering);
    RETURN base || earlier;
END $$"""

#: The PostgreSQL store's conflict locks at commit, one round trip, taken without
#: waiting (see ``prodcore.adapters._staging.conflict_keys``). Single records: an
#: exclusive lock per record written, a shared one per record read. Balances and lists:
#: a shared lock (``cls_read``, key) per key read and (``cls_write``, key) per key
#: written, then a probe that no rival holds a written key this one read or a read key
#: this one writes (an exclusive lock taken and given back at once; of two such commits
#: the one that probes second sees the first's lock, or both do and both are refused).
#: NULL if every lock was taken. A lock or probe can miss because a rival probes the
#: same key at that instant: ``pg_locks`` then tells whether a rival really holds one
#: (its tickets, ``tickets`` their class, are returned: ``{}`` if it holds none), else
#: the locks are taken again.
_LOCK_KEYS = """CREATE FUNCTION prodcore_lock_keys(
    exclusive BIGINT[], shared BIGINT[], reads INT[], writes INT[], cls_read INT,
    cls_write INT, tickets INT)
RETURNS BIGINT[] LANGUAGE plpgsql AS $$
DECLARE
    rivals INT[];
BEGIN
    FOR attempt IN 1..3 LOOP
        IF (SELECT COALESCE(bool_and(pg_try_advisory_xact_lock(k)), TRUE) FROM unnest(exclusive) k)
            AND (SELECT COALESCE(bool_and(pg_try_advisory_xact_lock_shared(k)), TRUE)
                FROM unnest(shared) k)
            AND (SELECT COALESCE(bool_and(pg_try_advisory_xact_lock_shared(cls_read, k)), TRUE)
                FROM unnest(reads) k)
            AND (SELECT COALESCE(bool_and(pg_try_advisory_xact_lock_shared(cls_write, k)), TRUE)
                FROM unnest(writes) k)
            AND (SELECT COALESCE(bool_and(CASE WHEN pg_try_advisory_lock(cls_write, k)
                THEN pg_advisory_unlock(cls_write, k) ELSE FALSE END), TRUE) FROM unnest(reads) k)
            AND (SELECT COALESCE(bool_and(CASE WHEN pg_try_advisory_lock(cls_read, k)
                THEN pg_advisory_unlock(cls_read, k) ELSE FALSE END), TRUE) FROM unnest(writes) k)
        THEN
            RETURN NULL;
        END IF;
        SELECT array_agg(DISTINCT pid) INTO rivals FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND mode = 'ShareLock'
            AND objsubid = 2 AND ((classid = cls_write::OID AND objid::BIGINT = ANY(reads::BIGINT[]))
                OR (classid = cls_read::OID AND objid::BIGINT = ANY(writes::BIGINT[])));
        SELECT array_agg(DISTINCT pid) || rivals INTO rivals FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND objsubid = 1
            AND ((classid::BIGINT << 32 | objid::BIGINT) = ANY(exclusive)
                OR (mode = 'ExclusiveLock' AND (classid::BIGINT << 32 | objid::BIGINT) = ANY(shared)));
        IF rivals IS NOT NULL THEN
            RETURN COALESCE((SELECT array_agg(objid::BIGINT) FROM pg_locks
                WHERE locktype = 'advisory' AND classid = tickets::OID AND objsubid = 2
                AND granted AND pid = ANY(rivals)), '{}');
        END IF;
    END LOOP;
    RETURN '{}';
END $$"""

#: The conflict locks with the versions row read once they are held (a statement of
#: the function, in READ COMMITTED, sees what committed before the locks were taken,
#: as a later statement would): ``rivals`` as ``prodcore_lock_keys`` returns them, the
#: versions NULL unless every lock was taken. (``OR REPLACE``: applied again after its
#: row in ``prodcore_schema_migrations`` was removed, it does not fail.)
_LOCK_KEYS_VERSIONS = """CREATE OR REPLACE FUNCTION prodcore_lock_keys_versions(
    exclusive BIGINT[], shared BIGINT[], reads INT[], writes INT[], cls_read INT,
    cls_write INT, tickets INT, OUT rivals BIGINT[], OUT master_version BIGINT,
    OUT commit_count BIGINT)
LANGUAGE plpgsql AS $$
BEGIN
    rivals := prodcore_lock_keys(exclusive, shared, reads, writes, cls_read, cls_write, tickets);
    IF rivals IS NULL THEN
        SELECT v.master, v.commits INTO master_version, commit_count
            FROM prodcore_versions v WHERE v.id = 1;
    END IF;
END $$"""


def _locks_of_this_database(function: str) -> str:
    """``function`` (its ``CREATE FUNCTION`` text) replaced by one whose reads of
    ``pg_locks`` see this database's locks only. The view spans the whole server, while
    an advisory lock belongs to one database: read unfiltered, a poster took another
    database's tickets (or rivals) for its own, and waited on the ticket of that number
    here, held by a later poster of its own database that waited for it (a deadlock)."""
    this = "database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    replaced = re.sub(r"FROM pg_locks(\s+)WHERE ", rf"FROM pg_locks\1WHERE {this} AND ", function)
    return replaced.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


#: Schema migrations: (version, description, statements). ``{text_key}`` is the type of
#: sorted key columns (PostgreSQL compares them bytewise with ``COLLATE "C"``, as
#: Python and SQLite do). Decimals are stored as TEXT (their exact ``str``).
def _version_triggers() -> Iterator[Statement]:
    """Triggers that keep the versions row true whoever writes (an earlier release, a
    script): a write of master data or a setup raises the master data version; on SQLite,
    which commits one transaction at a time, every write a unit of work may make raises
    the count of commits (PostgreSQL commits side by side and does not count them)."""
    master = ("prodcore_master_data", "prodcore_setup", "prodcore_posting_setup")
    others = ("prodcore_orders", "prodcore_allocations")
    appended = ("prodcore_ledger_batches", "prodcore_idempotency")  # append-only
    for table in (*master, *others, *appended):
        raise_master = "master = master + 1, " if table in master else ""
        for event in ("INSERT", "UPDATE", "DELETE") if table not in appended else ("INSERT",):
            yield {
                "sqlite": f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_counted AFTER {event} "
                f"ON {table} BEGIN UPDATE prodcore_versions SET {raise_master}"
                "commits = commits + 1 WHERE id = 1; END"
            }
    for table in master:
        yield {
            "postgresql": f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION prodcore_master_written()"
        }


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
        "on-hand per bin",
        (
            """CREATE TABLE prodcore_bal_on_hand_bin (
                item_no TEXT NOT NULL, location_code TEXT NOT NULL, bin_code TEXT NOT NULL,
                qty TEXT NOT NULL, PRIMARY KEY (item_no, location_code, bin_code))""",
            # everything posted before bins existed lies in no bin ("")
            """INSERT INTO prodcore_bal_on_hand_bin (item_no, location_code, bin_code, qty)
                SELECT item_no, location_code, '', qty FROM prodcore_bal_on_hand""",
        ),
    ),
    (
        4,
        "item tracking: on hand per lot / serial, tracked entries for genealogy",
        (
            """CREATE TABLE prodcore_bal_lot_on_hand (
                item_no TEXT NOT NULL, location_code TEXT NOT NULL, lot_no TEXT NOT NULL,
                serial_no TEXT NOT NULL, qty TEXT NOT NULL,
                PRIMARY KEY (item_no, lot_no, serial_no, location_code))""",
            """CREATE TABLE prodcore_item_tracking (
                entry_no INTEGER PRIMARY KEY REFERENCES prodcore_item_entries (entry_no),
                item_no TEXT NOT NULL, lot_no TEXT NOT NULL, serial_no TEXT NOT NULL
            )""",
            "CREATE INDEX prodcore_item_tracking_lot ON prodcore_item_tracking (item_no, lot_no, entry_no)",
            "CREATE INDEX prodcore_item_tracking_serial ON prodcore_item_tracking (item_no, serial_no, entry_no)",
            *_append_only("prodcore_item_tracking"),
        ),
    ),
    (
        5,
        "item application: applications, remaining quantity, inventory value per item",
        (
            """CREATE TABLE prodcore_item_applications (
                outbound_entry_no INTEGER NOT NULL, inbound_entry_no INTEGER NOT NULL,
                item_no TEXT NOT NULL, location_code TEXT NOT NULL, qty TEXT NOT NULL,
                PRIMARY KEY (outbound_entry_no, inbound_entry_no))""",
            (
                "CREATE INDEX prodcore_item_applications_inbound "
                "ON prodcore_item_applications (inbound_entry_no)"
            ),
            # open entries only: a closed entry's row is deleted
            """CREATE TABLE prodcore_bal_remaining (
                entry_no INTEGER PRIMARY KEY, item_no TEXT NOT NULL,
                location_code TEXT NOT NULL, inbound INTEGER NOT NULL, qty TEXT NOT NULL)""",
            (
                "CREATE INDEX prodcore_bal_remaining_open "
                "ON prodcore_bal_remaining (item_no, location_code, inbound, entry_no)"
            ),
            """CREATE TABLE prodcore_bal_item_value (
                item_no TEXT PRIMARY KEY, qty TEXT NOT NULL)""",
            *_append_only("prodcore_item_applications"),
            _backfill_applications,
        ),
    ),
    (
        6,
        "capacity allocations of scheduled orders",
        (
            """CREATE TABLE prodcore_allocations (
                order_id {text_key} PRIMARY KEY,
                doc TEXT NOT NULL
            )""",
        ),
    ),
    (
        7,
        "ledger seals: the hash chain over committed batches, in posting order",
        (
            """CREATE TABLE prodcore_ledger_seals (
                posting_no INTEGER PRIMARY KEY, link TEXT NOT NULL)""",
            *_append_only("prodcore_ledger_seals"),
        ),
    ),
    (
        8,
        "job registrations per worker; who posted each batch, and through what",
        (
            # an index kept with the orders: an order's rows are replaced when it is saved
            """CREATE TABLE prodcore_registrations (
                order_id {text_key} NOT NULL, seq INTEGER NOT NULL, worker {text_key} NOT NULL,
                is_open INTEGER NOT NULL, is_reversed INTEGER NOT NULL,
                last_moment TEXT NOT NULL, doc TEXT NOT NULL,
                PRIMARY KEY (order_id, seq))""",
            (
                "CREATE INDEX prodcore_registrations_worker "
                "ON prodcore_registrations (worker, is_open, last_moment)"
            ),
            _backfill_registrations,
            """CREATE TABLE prodcore_batch_who (
                posting_no INTEGER PRIMARY KEY REFERENCES prodcore_ledger_batches (posting_no),
                user_name TEXT, source TEXT)""",
            "CREATE INDEX prodcore_batch_who_user ON prodcore_batch_who (user_name, posting_no)",
            "CREATE INDEX prodcore_batch_who_source ON prodcore_batch_who (source, posting_no)",
            *_append_only("prodcore_batch_who"),
            _backfill_who,
        ),
    ),
    (
        9,
        "item cost adjustment: the item entries whose cost changed since it last ran",
        ("CREATE TABLE prodcore_cost_marks (entry_no INTEGER PRIMARY KEY)",),
    ),
    (
        10,
        "PostgreSQL: numbers set aside from sequences (gaps: rollbacks), conflict locks",
        (
            *(
                statement
                for name in ("posting", "item", "capacity", "value", "gl")
                for statement in (
                    {"postgresql": f"CREATE SEQUENCE prodcore_seq_{name} MINVALUE 0"},
                    {
                        "postgresql": f"SELECT setval('prodcore_seq_{name}', "
                        f"(SELECT {name} FROM prodcore_ledger_counters WHERE id = 1), true)"
                    },
                )
            ),
            {"postgresql": _SET_NUMBERS_ASIDE},
            {"postgresql": _LOCK_KEYS},
        ),
    ),
    (
        11,
        "versions: master data (raised by every master data or setup write), commits",
        (
            """CREATE TABLE prodcore_versions (
                id INTEGER PRIMARY KEY, master INTEGER NOT NULL, commits INTEGER NOT NULL)""",
            "INSERT INTO prodcore_versions (id, master, commits) VALUES (1, 0, 0)",
            {
                "postgresql": "CREATE FUNCTION prodcore_master_written() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "UPDATE prodcore_versions SET master = master + 1 WHERE id = 1; "
                "RETURN NULL; END $$"
            },
            *_version_triggers(),
        ),
    ),
    (
        12,
        "returns applying from a consumption count with its reversals in the reversed balance",
        (_count_returns_as_taken_back,),
    ),
    (
        13,
        "order cost sums per order line; the output entries of each order",
        (_backfill_order_costs,),
    ),
    (
        14,
        "PostgreSQL: the versions read with the conflict locks",
        ({"postgresql": _LOCK_KEYS_VERSIONS},),
    ),
    (
        15,
        "SQLite: balances, idempotency keys and item applications in their key's b-tree alone",
        ({"sqlite": _sqlite_without_rowid},),
    ),
    (
        16,
        "PostgreSQL: numbering and conflict locks read the locks of their own database only",
        (
            {"postgresql": _locks_of_this_database(_SET_NUMBERS_ASIDE)},
            {"postgresql": _locks_of_this_database(_LOCK_KEYS)},
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
                if callable(statement):
                    statement(tx)
                    continue
                sql = statement if isinstance(statement, str) else statement.get(dialect)
                if callable(sql):
                    sql(tx)
                elif sql is not None:
                    tx.execute(sql.replace("{text_key}", text_key))
            tx.execute(
                "INSERT INTO prodcore_schema_migrations (version, description, applied_at) "
                "VALUES (?, ?, ?)",
                (version, description, now()),
            )
            applied.append(version)
    return applied
