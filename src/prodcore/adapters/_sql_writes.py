"""The writes of a SQL unit of work's commit: a posting batch's rows, one statement per
ledger table, and the running balances it changes (added to the stored rows)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from prodcore.adapters._schema import (
    Tx,
)
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    ItemEntryType,
    PostingBatch,
    ValueSource,
)
from prodcore.numbers import ZERO
from prodcore.serialization import dumps

#: balance rows read per statement (a bounded IN list)
_KEYS_PER_QUERY = 100


def _dec(text: str | None) -> Decimal:
    return Decimal(text) if text is not None else ZERO


def _insert_batch(tx: Tx, batch: PostingBatch) -> None:
    header = attrs.evolve(
        batch, item_entries=(), capacity_entries=(), value_entries=(), gl_entries=()
    )
    no = batch.posting_no
    tx.execute_many(  # no result awaited (a pipelining store queues it)
        "INSERT INTO prodcore_ledger_batches (posting_no, idempotency_key, doc) VALUES (?, ?, ?)",
        [(no, batch.idempotency_key, dumps(header))],
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
        "INSERT INTO prodcore_item_tracking (entry_no, item_no, lot_no, serial_no) "
        "VALUES (?, ?, ?, ?)",
        [
            (i.entry_no, i.item_no, i.lot_no, i.serial_no)
            for i in batch.item_entries
            if i.lot_no or i.serial_no
        ],
    )
    tx.execute_many(
        "INSERT INTO prodcore_output_entries (entry_no, order_id) VALUES (?, ?)",
        [
            (i.entry_no, i.order_id)
            for i in batch.item_entries
            if i.entry_type is ItemEntryType.OUTPUT
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
    if batch.derives_gl:
        return  # its lines derive from its value entries and the setup in its header
    tx.execute_many(
        "INSERT INTO prodcore_gl_entries (entry_no, posting_no, order_id, account, doc) "
        "VALUES (?, ?, ?, ?, ?)",
        [(g.entry_no, no, g.order_id, g.account, dumps(g)) for g in batch.gl_entries],
    )


def _add_balances(
    tx: Tx,
    staged: LedgerIndex,
    *,
    upsert: bool = False,
    known: Mapping[tuple[Any, ...], object] | None = None,
) -> None:
    """Add the staged balance deltas to the balance rows: with ``upsert``, one
    ``INSERT ... ON CONFLICT`` per table that adds in the database (PostgreSQL: fewer
    round trips in its one-at-a-time last step); else one per table that writes the new
    totals, from the stored balances read in a few queries, except those in ``known``
    (the unit of work's noted reads, checked at commit: the stored balances now)."""
    tables: tuple[
        tuple[
            str,
            tuple[str, ...],
            dict[Any, Decimal],
            Callable[[Any], tuple[Any, ...]],
            Callable[[Any], tuple[Any, ...]],
        ],
        ...,
    ] = (
        (
            "prodcore_bal_on_hand",
            ("item_no", "location_code"),
            staged.on_hand_by_location,
            tuple,
            lambda k: ("on_hand", *k),
        ),
        (
            "prodcore_bal_consumed",
            ("order_id", "line_no", "component_line_no"),
            staged.consumed,
            tuple,
            lambda k: ("consumed_quantity", *k),
        ),
        (
            "prodcore_bal_output",
            ("order_id", "line_no"),
            staged.output,
            tuple,
            lambda k: ("output_quantity", *k),
        ),
        (
            "prodcore_bal_on_hand_bin",
            ("item_no", "location_code", "bin_code"),
            staged.bins.on_hand,
            tuple,
            lambda k: ("on_hand_in_bin", *k),
        ),
        (
            "prodcore_bal_lot_on_hand",
            ("item_no", "location_code", "lot_no", "serial_no"),
            staged.lot_on_hand_by_location,
            tuple,
            lambda k: ("lot_on_hand", k[0], k[2], k[3], k[1]),
        ),
        ("prodcore_bal_wip", ("order_id",), staged.wip_by_order, lambda k: (k,), _read("wip")),
        (
            "prodcore_bal_item_value",
            ("item_no",),
            staged.item_value,
            lambda k: (k,),
            _read("inventory_value"),
        ),
        (
            "prodcore_bal_account",
            ("account",),
            staged.accounts,
            lambda k: (k,),
            _read("account_balance"),
        ),
        (
            "prodcore_bal_reversed",
            ("source", "entry_no"),
            staged.reversed,
            lambda k: (k[0].value, k[1]),
            lambda k: ("reversed_quantity", *k),
        ),
        (
            "prodcore_bal_capacity_day",
            ("centre_no", "day"),
            staged.capacity_used_by_day,
            lambda k: (k[0], k[1].isoformat()),
            lambda k: ("capacity_day", *k),  # read by ranges of days: never known
        ),
    )
    _add_order_cost_parts(tx, staged)
    for table, columns, deltas, key_of, read_key in tables:
        if not deltas:
            continue
        keyed = [
            (tuple(key_of(key)), delta, read_key(key))
            for key, delta in sorted(deltas.items(), key=lambda kv: str(kv[0]))
        ]
        names, marks = ", ".join(columns), ", ".join("?" for _ in columns)
        if upsert:
            tx.execute_many(
                f"INSERT INTO {table} AS b ({names}, qty) VALUES ({marks}, ?) "
                f"ON CONFLICT ({names}) DO UPDATE "
                "SET qty = CAST(CAST(b.qty AS NUMERIC) + CAST(excluded.qty AS NUMERIC) AS TEXT)",
                [(*params, str(delta)) for params, delta, _ in keyed],
            )
            continue
        stored: dict[tuple[Any, ...], Decimal] = {}
        unknown = []
        for params, _, noted_key in keyed:
            noted = known.get(noted_key) if known is not None else None
            if isinstance(noted, Decimal):
                stored[params] = noted
            else:
                unknown.append(params)
        match = " AND ".join(f"{c} = ?" for c in columns)
        # the other stored balances, a few queries instead of one per key
        for start in range(0, len(unknown), _KEYS_PER_QUERY):
            chunk = unknown[start : start + _KEYS_PER_QUERY]
            rows = tx.query(
                f"SELECT {names}, qty FROM {table} "
                f"WHERE {' OR '.join(f'({match})' for _ in chunk)}",
                [p for params in chunk for p in params],
            )
            for *key_cols, qty in rows:
                stored[tuple(key_cols)] = _dec(qty)
        tx.execute_many(
            f"INSERT INTO {table} ({names}, qty) VALUES ({marks}, ?) "
            f"ON CONFLICT ({names}) DO UPDATE SET qty = excluded.qty",
            [(*params, str(stored.get(params, ZERO) + delta)) for params, delta, _ in keyed],
        )


def _add_order_cost_parts(tx: Tx, staged: LedgerIndex) -> None:
    """Add the commit's part of each order cost sum as a row of its own, under its first
    posting number: nothing stored is read to add them (a sum is its parts added up when
    read), and rival commits never write the same row."""
    if not staged.order_costs or not staged.batches:
        return
    first = min(staged.batches)
    tx.execute_many(
        "INSERT INTO prodcore_bal_order_cost (order_id, line_no, kind, posting_no, qty) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (*key, first, str(amount))
            for key, amount in sorted(staged.order_cost_rows().items())
            if amount
        ],
    )


def _read(name: str) -> Callable[[Any], tuple[Any, ...]]:
    """The noted read of a balance by one key."""
    return lambda key: (name, key)
