"""The worked examples of the order operations, as scenario files run by ``prodcore run``."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from prodcore.cli import main

SCENARIOS = Path(__file__).parent / "scenarios"


def run(name: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main(["run", str(SCENARIOS / name), "--json", "--store", "memory:"], out)
    return code, json.loads(out.getvalue())


def orders(payload: dict[str, Any]) -> dict[str, Any]:
    return {o["id"]: o for o in payload["orders"]}


def expected(order: dict[str, Any]) -> dict[str, Decimal]:
    return {
        c["item_no"]: Decimal(c["expected_quantity"])
        for line in order["lines"]
        for c in line["components"]
    }


def test_split_40_of_100() -> None:
    code, payload = run("split.json")
    assert code == 0
    po1, po2 = orders(payload)["PO-1"], orders(payload)["PO-2"]
    assert (Decimal(po1["quantity"]), Decimal(po2["quantity"])) == (Decimal(60), Decimal(40))
    assert expected(po1) == {"LEG": 240, "TOP": 60}
    assert expected(po2) == {"LEG": 160, "TOP": 40}
    assert po2["origin_order_id"] == "PO-1"
    # nothing posted moved: PO-1 keeps its output and consumption, PO-2 has no entries
    assert Decimal(po1["lines"][0]["finished_quantity"]) == 10
    assert Decimal(po1["lines"][0]["components"][1]["consumed_quantity"]) == 10
    assert {e["order_id"] for e in payload["item_ledger"]} == {"PO-1"}


def test_finishing_95_of_100_with_backorders_creates_an_order_of_5() -> None:
    code, payload = run("backorder.json")
    assert code == 0
    po1, backorder = orders(payload)["PO-1"], orders(payload)["PO-1-BO"]
    assert (po1["status"], Decimal(po1["quantity"])) == ("FINISHED", Decimal(95))
    assert (backorder["status"], Decimal(backorder["quantity"])) == ("RELEASED", Decimal(5))
    assert backorder["origin_order_id"] == "PO-1"


def test_output_of_106_against_100_with_a_5_percent_tolerance_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, payload = run("tolerance.json")
    assert code == 1
    assert "at most 105" in capsys.readouterr().err
    assert Decimal(orders(payload)["PO-1"]["lines"][0]["finished_quantity"]) == 0
    assert payload["item_ledger"] == []


def test_reverse_all_leaves_every_balance_of_the_order_at_zero() -> None:
    code, payload = run("reverse_all.json")
    assert code == 0
    assert Decimal(payload["wip"]["PO-1"]) == 0
    per_item: defaultdict[str, Decimal] = defaultdict(Decimal)
    for entry in payload["item_ledger"]:
        if entry["order_id"] == "PO-1":  # the ledger also holds the opening stock
            per_item[entry["item_no"]] += Decimal(entry["quantity"])
    assert dict(per_item) == {"TOP": 0, "DESK": 0}
    line = orders(payload)["PO-1"]["lines"][0]
    assert Decimal(line["finished_quantity"]) == 0
    assert all(Decimal(c["consumed_quantity"]) == 0 for c in line["components"])
    assert all(Decimal(o["output_quantity"]) == 0 for o in line["operations"])
