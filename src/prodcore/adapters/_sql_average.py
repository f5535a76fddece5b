"""The average pools of a SQL store's committed ledger, kept in the store object.

A pool (:class:`~prodcore.ledger.average_periods.AveragePool`) is built from the item's
entries the first time it is asked for, then brought up to date at each later read
from what was committed since: the item's entries and their value entries numbered
after the last ones it holds, in one statement (one snapshot). That is exact because
a store's entry numbers increase in commit order (SQLite commits one at a time;
PostgreSQL commits in the order of the numbers it set aside): an entry committed later
always has a higher number. What a reader holds is only ever committed rows, so a
rolled-back unit of work leaves nothing behind. A posting reads what is new, not the
item's ledger.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from prodcore.ledger.average_periods import AveragePool, AveragePoolKey
from prodcore.ledger.model import ItemLedgerEntry, ValueEntry, ValueSource
from prodcore.ledger.valuation import moves_inventory
from prodcore.serialization import loads

__all__ = ["SqlAveragePools"]

Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

#: The item's entries after one number and the value entries after another that value
#: them, in one statement: item entries first (kind 0), each kind by number.
_SINCE = (
    "SELECT 0, entry_no, doc FROM prodcore_item_entries WHERE item_no = ? AND entry_no > ? "
    "UNION ALL SELECT 1, v.entry_no, v.doc FROM prodcore_value_entries v "
    "JOIN prodcore_item_entries i ON i.entry_no = v.source_entry_no "
    "WHERE v.source = ? AND i.item_no = ? AND v.entry_no > ? ORDER BY 1, 2"
)


class _Kept:
    __slots__ = ("last_item", "last_value", "pool")

    def __init__(self, key: AveragePoolKey) -> None:
        self.pool = AveragePool(key)
        self.last_item = self.last_value = 0


class SqlAveragePools:
    """The pools asked for, each with the last item and value entry numbers it holds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # units of work of several threads share a store
        self._kept: dict[AveragePoolKey, _Kept] = {}

    def unit_cost(self, query: Query, key: AveragePoolKey, start: dt.date | None) -> Decimal | None:
        """The pool's average cost of the period starting ``start`` (see
        ``LedgerIndex.average_unit_cost``), the pool brought up to date with ``query``."""
        with self._lock:
            return self._up_to_date(key, query).pool.unit_cost(start)

    def copy(self, query: Query, key: AveragePoolKey) -> tuple[AveragePool, tuple[int, int]]:
        """A copy of the pool brought up to date with ``query`` (a unit of work adds its
        staged entries to it), with its :meth:`mark`."""
        with self._lock:
            kept = self._up_to_date(key, query)
            return kept.pool.copy(), (kept.last_item, kept.last_value)

    def mark(self, query: Query, key: AveragePoolKey) -> tuple[int, int]:
        """The last entry of the item and the last value entry of one that the pool,
        brought up to date with ``query``, holds: changed by any commit that adds to
        the pool (or to another pool of the item)."""
        with self._lock:
            kept = self._up_to_date(key, query)
            return kept.last_item, kept.last_value

    def _up_to_date(self, key: AveragePoolKey, query: Query) -> _Kept:
        kept = self._kept.get(key)
        if kept is None:
            kept = self._kept[key] = _Kept(key)
        self._catch_up(kept, query)
        return kept

    def pools(self, query: Query) -> list[AveragePool]:
        """The pools kept, each brought up to date with ``query``."""
        with self._lock:
            for kept in self._kept.values():
                self._catch_up(kept, query)
            return [kept.pool for kept in self._kept.values()]

    @staticmethod
    def _catch_up(kept: _Kept, query: Query) -> None:
        key = kept.pool.key
        rows = query(
            _SINCE,
            (key.item_no, kept.last_item, ValueSource.ITEM.value, key.item_no, kept.last_value),
        )
        for kind, no, doc in rows:
            if kind == 0:
                e = loads(doc, ItemLedgerEntry)
                if key.holds(e):
                    kept.pool.add(e, Decimal(0))  # its value entries follow
                kept.last_item = int(no)
            else:
                v = loads(doc, ValueEntry)
                if v.item_entry_no is not None and moves_inventory(v):
                    kept.pool.revalue(v.item_entry_no, v.cost_amount)
                kept.last_value = int(no)
