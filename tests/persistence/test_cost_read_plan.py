"""Reads of one order's entries are driven by the order's index on SQLite: without
statistics its planner took the index of the value entries' sources (cost adjustment's
output values) or of the item (an order's entries of one item): a read of every such
entry in the ledger, which grew with the whole ledger."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._sql import (
    _COSTS_TOGETHER,
    _ON_ITEM,
    _OUTPUT_VALUES_FROM,
    SqlStore,
    _Committed,
)


def _plan(path: Path, sql: str, params: tuple[object, ...]) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return "; ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        (_COSTS_TOGETHER, ("PO-1", "PO-1", _ON_ITEM, "PO-1", "PO-1", "PO-1")),
        (
            f"SELECT entry_no, doc {_OUTPUT_VALUES_FROM} ORDER BY entry_no",
            ("PO-1", _ON_ITEM, "PO-1"),
        ),
    ],
)
def test_the_output_values_of_an_order_are_read_through_its_index(
    tmp_path: Path, sql: str, params: tuple[object, ...]
) -> None:
    path = tmp_path / "plan.sqlite"
    open_store(f"sqlite:///{path}").close()
    plan = _plan(path, sql, params)
    assert "prodcore_value_entries USING INDEX prodcore_value_entries_order" in plan
    assert "prodcore_value_entries_source" not in plan


def test_the_item_entries_of_an_order_and_item_are_read_through_the_orders_index(
    tmp_path: Path,
) -> None:
    path = tmp_path / "plan.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        assert isinstance(store, SqlStore)
        table, where, params = _Committed(store, store.query)._where("item_entries", ("PO", "I"))
        with store() as uow:
            assert uow.ledger.item_entries(order_id="PO", item_no="I") == []
    plan = _plan(path, f"SELECT entry_no, doc FROM {table} WHERE {where}", tuple(params))
    assert "USING INDEX prodcore_item_entries_order" in plan
