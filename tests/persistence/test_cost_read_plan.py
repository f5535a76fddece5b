"""An order's cost reads (its output entries and their values, read together by cost
adjustment) are driven by the order's index on SQLite: without statistics its planner
took the index of the value entries' sources, a read of every value entry on an item
in the ledger, which grew with the whole ledger."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._sql import _COSTS_TOGETHER, _ON_ITEM, _OUTPUT_VALUES_FROM


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
