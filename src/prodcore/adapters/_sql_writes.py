"""The writes of a SQL unit of work's commit: its posting batches' rows, one statement
per ledger table, and the running balances it changes (added to the stored rows).

Rows go through :meth:`~prodcore.adapters._sql.WriteTx.insert_rows`: one statement per
table whose text does not depend on the number of rows (SQLite runs it per row with
``executemany``; PostgreSQL sends the rows as one JSON parameter and puts the inserts
that follow each other in one statement, see :func:`insert_statements`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    ItemApplication,
    ItemEntryType,
    PostingBatch,
    ValueSource,
)
from prodcore.numbers import ZERO
from prodcore.serialization import dumps, dumps_emptied

if TYPE_CHECKING:
    from prodcore.adapters._sql import WriteTx

#: balance rows read per statement (a bounded IN list)
_KEYS_PER_QUERY = 100


def _dec(text: str | None) -> Decimal:
    return Decimal(text) if text is not None else ZERO


@attrs.frozen
class InsertStatements:
    """The two forms of one table's insert: ``rows`` takes one row's parameters (run
    once per row), ``json`` all rows as one JSON array of arrays (PostgreSQL: one run
    whose text, unlike a multi-row ``VALUES``, does not change with the number of rows,
    so the driver prepares it once, and whose one parameter the client writes in C;
    the server types each value).

    >>> s = insert_statements("t", "no int, qty text", "ON CONFLICT (no) DO NOTHING")
    >>> s.rows
    'INSERT INTO t AS b (no, qty) VALUES (?, ?) ON CONFLICT (no) DO NOTHING'
    >>> s.json
    'INSERT INTO t AS b (no, qty) SELECT (r ->> 0)::int, r ->> 1 FROM json_array_elements(?::json) AS r ON CONFLICT (no) DO NOTHING'
    """

    rows: str
    json: str


@functools.cache
def insert_statements(table: str, columns: str, conflict: str = "") -> InsertStatements:
    """The insert of rows into ``table``: ``columns`` names each column with its SQL type
    (``"entry_no int, doc text"``: an ``int`` or a ``text``, what the JSON form reads),
    ``conflict`` is an ``ON CONFLICT`` clause or empty (the table aliased ``b`` in it)."""
    pairs = [column.split() for column in columns.split(",")]
    head = f"INSERT INTO {table} AS b ({', '.join(name for name, _ in pairs)})"
    tail = f" {conflict}" if conflict else ""
    marks = ", ".join("?" for _ in pairs)
    values = ", ".join(
        f"r ->> {i}" if kind == "text" else f"(r ->> {i})::{kind}"
        for i, (_, kind) in enumerate(pairs)
    )
    return InsertStatements(
        f"{head} VALUES ({marks}){tail}",
        f"{head} SELECT {values} FROM json_array_elements(?::json) AS r{tail}",
    )


#: A batch's fields its header row leaves empty: its entries have rows of their own (and
#: its G/L lines, derived from its value entries and setup, or rows of their own).
_HEADER_EMPTY = ("item_entries", "capacity_entries", "value_entries", "_gl_entries")


def _insert_batches(tx: WriteTx, batches: Sequence[PostingBatch]) -> None:
    """The rows of a commit's ``batches``: one insert per table for all of them."""
    headers = []
    items: list[tuple[Any, ...]] = []
    tracked: list[tuple[Any, ...]] = []
    outputs: list[tuple[Any, ...]] = []
    capacity: list[tuple[Any, ...]] = []
    values: list[tuple[Any, ...]] = []
    gl: list[tuple[Any, ...]] = []
    output, on_item = ItemEntryType.OUTPUT, ValueSource.ITEM
    for batch in batches:
        no = batch.posting_no
        headers.append((no, batch.idempotency_key, dumps_emptied(batch, _HEADER_EMPTY)))
        for i in batch.item_entries:
            items.append((i.entry_no, no, i.order_id, i.item_no, i.applies_to_entry_no, dumps(i)))
            if i.lot_no or i.serial_no:
                tracked.append((i.entry_no, i.item_no, i.lot_no, i.serial_no))
            if i.entry_type is output:
                outputs.append((i.entry_no, i.order_id))
        capacity.extend(
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
        )
        values.extend(
            (
                v.entry_no,
                no,
                v.order_id,
                v.source.value,
                v.item_entry_no if v.source is on_item else v.capacity_entry_no,
                dumps(v),
            )
            for v in batch.value_entries
        )
        if not batch.derives_gl:  # else its lines derive from its value entries and setup
            gl.extend((g.entry_no, no, g.order_id, g.account, dumps(g)) for g in batch.gl_entries)
    tx.insert_rows(
        "prodcore_ledger_batches", "posting_no int, idempotency_key text, doc text", headers
    )
    tx.insert_rows(
        "prodcore_item_entries",
        "entry_no int, posting_no int, order_id text, item_no text, applies_to_entry_no int, "
        "doc text",
        items,
    )
    tx.insert_rows(
        "prodcore_item_tracking", "entry_no int, item_no text, lot_no text, serial_no text", tracked
    )
    tx.insert_rows("prodcore_output_entries", "entry_no int, order_id text", outputs)
    tx.insert_rows(
        "prodcore_capacity_entries",
        "entry_no int, posting_no int, order_id text, type text, no text, work_center_no text, "
        "applies_to_entry_no int, doc text",
        capacity,
    )
    tx.insert_rows(
        "prodcore_value_entries",
        "entry_no int, posting_no int, order_id text, source text, source_entry_no int, doc text",
        values,
    )
    tx.insert_rows(
        "prodcore_gl_entries",
        "entry_no int, posting_no int, order_id text, account text, doc text",
        gl,
    )


def _insert_applications(tx: WriteTx, applications: Iterable[ItemApplication]) -> None:
    """The commit's item applications (the rows :func:`~prodcore.adapters._schema.insert_applications`
    writes for a migration), through :meth:`~prodcore.adapters._sql.WriteTx.insert_rows`."""
    tx.insert_rows(
        "prodcore_item_applications",
        "outbound_entry_no int, inbound_entry_no int, item_no text, location_code text, qty text",
        [
            (a.outbound_entry_no, a.inbound_entry_no, a.item_no, a.location_code, str(a.quantity))
            for a in applications
        ],
    )


class _Balance:
    """A running balance table: its key columns (with their SQL types), the staged deltas
    it holds and a staged key's column values; and the clause that adds a delta to the
    stored row in the database."""

    def __init__(
        self,
        table: str,
        columns: str,
        deltas: Callable[[LedgerIndex], dict[Any, Decimal]],
        key_of: Callable[[Any], tuple[Any, ...]] = tuple,
    ) -> None:
        self.table, self.deltas, self.key_of = table, deltas, key_of
        self.names = tuple(column.split()[0] for column in columns.split(","))
        self.columns = f"{columns}, qty text"
        conflict = f"ON CONFLICT ({', '.join(self.names)}) DO UPDATE SET qty = "
        #: PostgreSQL adds exactly as NUMERIC, back to text
        self.add_numeric = (
            f"{conflict}CAST(CAST(b.qty AS NUMERIC) + CAST(excluded.qty AS NUMERIC) AS TEXT)"
        )
        #: SQLite, whose numbers are binary, through the connection's function
        #: ``prodcore_add`` (Python Decimals, as the memory store adds)
        self.add_decimal = f"{conflict}prodcore_add(b.qty, excluded.qty)"


_BALANCES = (
    _Balance(
        "prodcore_bal_on_hand", "item_no text, location_code text", lambda s: s.on_hand_by_location
    ),
    _Balance(
        "prodcore_bal_consumed",
        "order_id text, line_no int, component_line_no int",
        lambda s: s.consumed,
    ),
    _Balance("prodcore_bal_output", "order_id text, line_no int", lambda s: s.output),
    _Balance(
        "prodcore_bal_on_hand_bin",
        "item_no text, location_code text, bin_code text",
        lambda s: s.bins.on_hand,
    ),
    _Balance(
        "prodcore_bal_lot_on_hand",
        "item_no text, location_code text, lot_no text, serial_no text",
        lambda s: s.lot_on_hand_by_location,
    ),
    _Balance("prodcore_bal_wip", "order_id text", lambda s: s.wip_by_order, lambda k: (k,)),
    _Balance("prodcore_bal_item_value", "item_no text", lambda s: s.item_value, lambda k: (k,)),
    _Balance("prodcore_bal_account", "account text", lambda s: s.accounts, lambda k: (k,)),
    _Balance(
        "prodcore_bal_reversed",
        "source text, entry_no int",
        lambda s: s.reversed,
        lambda k: (k[0].value, k[1]),
    ),
    _Balance(
        "prodcore_bal_capacity_day",
        "centre_no text, day text",
        lambda s: s.capacity_used_by_day,
        lambda k: (k[0], k[1].isoformat()),
    ),
)


def _add_balances(tx: WriteTx, staged: LedgerIndex, *, numeric: bool) -> None:
    """Add the staged balance deltas to the balance rows: one ``INSERT ... ON CONFLICT``
    per table that adds in the database, reading nothing; PostgreSQL adds as NUMERIC
    (``numeric``), SQLite through the connection's ``prodcore_add`` function."""
    _add_order_cost_parts(tx, staged)
    for balance in _BALANCES:
        deltas = balance.deltas(staged)
        if deltas:
            key_of = balance.key_of
            rows = sorted((*key_of(key), str(delta)) for key, delta in deltas.items())
            tx.insert_rows(
                balance.table,
                balance.columns,
                rows,
                balance.add_numeric if numeric else balance.add_decimal,
            )


def _add_order_cost_parts(tx: WriteTx, staged: LedgerIndex) -> None:
    """Add the commit's part of each order cost sum as a row of its own, under its first
    posting number: nothing stored is read to add them (a sum is its parts added up when
    read), and rival commits never write the same row."""
    if not staged.order_costs or not staged.batches:
        return
    first = min(staged.batches)
    tx.insert_rows(
        "prodcore_bal_order_cost",
        "order_id text, line_no int, kind text, posting_no int, qty text",
        [
            (*key, first, str(amount))
            for key, amount in sorted(staged.order_cost_rows().items())
            if amount
        ],
    )
