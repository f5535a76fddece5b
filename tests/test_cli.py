"""The prodcore command: demo, run, exit codes, JSON output."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from prodcore.cli import main
from prodcore.orders.model import ProductionOrder
from prodcore.serialization import loads


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out)
    return code, out.getvalue()


def test_demo_prints_tables() -> None:
    code, text = _run(["demo", "--store", "memory:"])
    assert code == 0
    assert "Production orders" in text and "PO-1001" in text and "FINISHED" in text
    assert "FRAME-KIT" in text  # the phantom's components are shown with their origin
    assert "replay of step" in text  # the repeated idempotency key posted nothing
    assert "Reversed capacity entry" in text
    assert "Load chart" in text and "MC ROBOT-1" in text
    assert "Cost of order PO-1001: 10 BIKE" in text and "Standard cost of BIKE" in text
    wip = re.search(r"PO-1001 +(\S+)\n", text.split("Work in process")[1])
    assert wip is not None and wip.group(1) == "0"  # finished and adjusted: WIP is zero


def test_demo_json_parses_back_through_the_converter() -> None:
    code, text = _run(["demo", "--json", "--store", "memory:"])
    assert code == 0
    payload = json.loads(text)
    orders: list[ProductionOrder] = [loads(o, ProductionOrder) for o in payload["orders"]]
    assert orders[0].id == "PO-1001"
    assert [(o.id, len(o.lines)) for o in orders] == [("PO-1001", 2), ("PO-1002", 2)]


def test_failing_step_exits_1_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(
        '{"scenario": "bad", "master_data": [{"type": "Item", "no": "A", "base_unit": "PCS"}],\n'
        ' "steps": [\n'
        '  {"type": "CreateOrder", "order_id": "PO-1", "item_no": "A", "quantity": "1", "due_date": "2026-01-09"},\n'
        '  {"type": "ChangeStatus", "order_id": "PO-1", "to_status": "FINISHED"}\n'
        " ]}\n"
    )
    code, text = _run(["run", str(scenario), "--store", "memory:"])
    assert code == 1
    err = capsys.readouterr().err
    assert "step 2 (ChangeStatus, line 4)" in err and "FIRM_PLANNED" in err
    assert "FIRM_PLANNED" in text  # the state printed is the state before the failed step


def test_a_scenario_by_wire_tags_runs_and_its_json_carries_the_tags(tmp_path: Path) -> None:
    scenario = tmp_path / "tags.json"
    scenario.write_text(
        json.dumps(
            {
                "scenario": "tags",
                "master_data": [{"type": "masterdata.item", "no": "A", "base_unit": "PCS"}],
                "steps": [
                    {
                        "type": "order.create",
                        "order_id": "PO-1",
                        "item_no": "A",
                        "quantity": "1",
                        "due_date": "2026-01-09",
                    },
                    {"type": "ChangeStatus", "order_id": "PO-1", "to_status": "RELEASED"},
                ],
            }
        )
    )
    code, text = _run(["run", str(scenario), "--json", "--store", "memory:"])
    assert code == 0
    payload = json.loads(text)
    assert [s["command"]["type"] for s in payload["steps"]] == [
        "order.create",
        "order.change_status",
    ]
    assert payload["orders"][0]["status"] == "RELEASED"


def test_malformed_file_is_a_usage_error_naming_the_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(
        '{"steps": [\n {"type": "CreateOrder", "order_id": "X", "quantity": 1.5} ]}'
    )
    assert _run(["run", str(scenario)])[0] == 2
    assert "at steps[0] (line 2)" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    assert _run(["run", str(tmp_path / "none.json")])[0] == 2


def test_transitions_table() -> None:
    code, text = _run(["transitions"])
    assert code == 0 and re.search(r"RELEASED +FINISHED", text)


def test_load_command_on_the_demo_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert _run(["demo", "--store", str(db)])[0] == 0
    code, text = _run(
        [
            "load",
            "--store",
            str(db),
            "--from",
            "2026-03-09",
            "--to",
            "2026-03-14",
            "--period",
            "week",
        ]
    )
    assert code == 0
    assert re.search(r"MC ROBOT-1 +2026-03-09", text) and "overloaded period(s)" in text
    code, text = _run(
        ["load", "--store", str(db), "--from", "2026-03-09", "--to", "2026-03-14", "--json"]
    )
    rows = json.loads(text)["rows"]
    assert {r["centre_no"] for r in rows} >= {"ASSEMBLY", "ROBOT-1"}
    assert sum(Decimal(r["allocated"]) for r in rows if r["centre_no"] == "ROBOT-1") > 0


def test_verify_and_db_upgrade_commands(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert _run(["demo", "--store", str(db)])[0] == 0
    code, text = _run(["verify", "--store", str(db)])
    assert code == 0 and text.startswith("OK:")
    code, text = _run(["db", "upgrade", "--store", str(db)])
    assert code == 0 and "none (up to date)" in text


TOML_SCENARIO = """\
scenario = "stools"
start = 2026-03-02T08:00:00Z

[[master_data]]
type = "Item"
no = "STOOL"
base_unit = "PCS"
replenishment = "PRODUCTION"
production_bom_no = "B"

[[master_data]]
type = "Item"
no = "LEG"
base_unit = "PCS"
unit_cost = "2.50"

[[master_data]]
type = "ProductionBom"
no = "B"
lines = [{no = "LEG", quantity_per = "3"}]

[[steps]]
type = "CreateOrder"
order_id = "PO-1"
item_no = "STOOL"
quantity = "4"
due_date = 2026-03-06

[[steps]]
type = "ChangeStatus"
order_id = "PO-1"
to_status = "FINISHED"
"""


def test_toml_scenarios_run_and_report_the_failing_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "stools.toml"
    scenario.write_text(TOML_SCENARIO.replace('to_status = "FINISHED"', 'to_status = "RELEASED"'))
    code, text = _run(["run", str(scenario), "--store", "memory:"])
    assert code == 0 and "RELEASED" in text and re.search(r"LEG +3 +12", text)
    scenario.write_text(TOML_SCENARIO)
    assert _run(["run", str(scenario), "--store", "memory:"])[0] == 1
    assert "step 2 (ChangeStatus, line 29)" in capsys.readouterr().err
    scenario.write_text(TOML_SCENARIO.replace('quantity = "4"', "quantity = 4.5"))
    assert _run(["run", str(scenario), "--store", "memory:"])[0] == 2  # malformed: usage
    assert "floats are not accepted" in capsys.readouterr().err


def test_run_json_carries_on_hand_standard_costs_and_step_results() -> None:
    code, text = _run(["demo", "--json", "--store", "memory:"])
    assert code == 0
    payload = json.loads(text)
    on_hand = {(r["item_no"], r["location_code"]): r["on_hand"] for r in payload["on_hand"]}
    assert Decimal(on_hand[("BIKE", "MAIN")]) == 10 and Decimal(
        on_hand[("TUBE", "MAIN")]
    ) == Decimal("122.15")
    standard = {c["item_no"]: c["rolled_up"] for c in payload["standard_costs"]}
    assert set(standard) == {"BIKE", "WHEEL"}
    assert set(standard["BIKE"]) >= {"material", "capacity", "subcontracted"}
    steps = payload["steps"]
    assert steps[1]["result"]["batch"]["posting_no"] == 1  # the opening stock
    assert steps[2]["result"]["order"]["id"] == "PO-1001"
