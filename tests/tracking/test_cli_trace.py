"""``prodcore trace --lot L`` (table and JSON) and the lot columns of the ledger report."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from prodcore.adapters import open_store
from prodcore.cli import main
from prodcore.reports import ledger_report
from tests.tracking.conftest import make_shop, worked_example


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = tmp_path / "lots.db"
    with open_store(f"sqlite:///{path}") as new_uow:
        worked_example(make_shop(new_uow()))
    return str(path)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_trace_a_lot_as_tables(store: str) -> None:
    code, text = run("trace", "--store", store, "--lot", "S2")
    assert code == 0
    assert "Backward from STEEL lot S2" in text and "Forward from STEEL lot S2" in text
    forward = text.split("Forward from STEEL lot S2")[1]
    assert all(serial in forward for serial in ("SN1", "SN2", "SN3"))


def test_trace_a_serial_as_json(store: str) -> None:
    code, text = run("trace", "--store", store, "--serial", "SN1", "--item", "BIKE", "--json")
    assert code == 0
    (trace,) = json.loads(text)
    assert trace["item_no"] == "BIKE" and trace["forward"] == []
    assert {(t["item_no"], t["lot_no"], t["quantity"]) for t in trace["backward"]} == {
        ("FRAME", "F1", "2"),
        ("FRAME", "F2", "1"),
        ("STEEL", "S1", "4"),
        ("STEEL", "S2", "2"),
    }
    assert trace["backward"][0]["level"] == 1


def test_an_unknown_lot_exits_1(store: str) -> None:
    code, text = run("trace", "--store", store, "--lot", "NOPE")
    assert code == 1 and "No item has that lot" in text


def test_trace_needs_a_lot_or_serial(store: str) -> None:
    code, _ = run("trace", "--store", store)
    assert code == 2


def test_ledger_report_has_lot_columns(store: str) -> None:
    with open_store(f"sqlite:///{store}") as new_uow, new_uow() as uow:
        text = ledger_report(uow.ledger, uow.orders.list())
    header = next(line for line in text.splitlines() if line.startswith("Entry") and "Lot" in line)
    assert "Serial" in header and "Expiry" in header
    assert "2026-12-31" in text and "SN3" in text
