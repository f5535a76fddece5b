"""``prodcore valuation``: the demo store's stock and WIP at a date, reconciled."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

from prodcore.cli import main


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, out), out.getvalue()


def test_valuation_of_the_demo_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert _run(["demo", "--store", str(db)])[0] == 0
    code, text = _run(["valuation", "--store", str(db), "--as-of", "2026-12-31"])
    assert code == 0, text
    assert "Inventory value at 2026-12-31" in text and "Reconciled" in text
    code, text = _run(["valuation", "--store", str(db), "--as-of", "2026-12-31", "--json"])
    report = json.loads(text)
    assert code == 0 and report["reconciled"] and report["differences"] == []
    items = {row["item_no"]: row for row in report["items"]}
    assert sum(Decimal(row["actual"]) for row in items.values()) == Decimal(
        report["totals"]["inventory"]
    )
    # before anything was posted there is nothing
    code, text = _run(["valuation", "--store", str(db), "--as-of", "2020-01-01", "--json"])
    assert code == 0 and json.loads(text)["items"] == []
