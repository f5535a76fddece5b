"""Scenario files as executable specifications: expectations, refusals, references,
master data steps, ``prodcore test`` and the pytest plugin."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.cli import main
from prodcore.errors import ScenarioError, ScenarioFileError
from prodcore.scenario import check_scenario, load_scenario, run_scenario

EXAMPLES = Path(str(resources.files("prodcore").joinpath("examples")))
BUNDLED = sorted(EXAMPLES.glob("*.json"))

ITEMS = [
    {"type": "masterdata.item", "no": "A", "base_unit": "PCS", "unit_cost": "2.00"},
    {"type": "masterdata.item", "no": "P", "base_unit": "PCS", "replenishment": "PRODUCTION",
     "production_bom_no": "P-BOM"},
    {"type": "masterdata.bom", "no": "P-BOM", "lines": [{"no": "A", "quantity_per": "2"}]},
]  # fmt: skip
OPEN = {"type": "posting.adjust_inventory", "idempotency_key": "open",
        "lines": [{"item_no": "A", "quantity": "100"}]}  # fmt: skip
CREATE = {"type": "order.create", "order_id": "PO-1", "item_no": "P", "quantity": "10",
          "due_date": "2026-01-09", "status": "RELEASED"}  # fmt: skip
CONSUME: dict[str, Any] = {"type": "posting.consumption", "idempotency_key": "c1", "lines": [
    {"order_id": "PO-1", "line_no": 10000, "component_line_no": 10000, "quantity": "20"}]}  # fmt: skip


def _scenario(*steps: dict[str, Any]) -> str:
    return json.dumps({"master_data": ITEMS, "steps": [OPEN, CREATE, *steps]}, indent=1)


def _check(*steps: dict[str, Any]) -> list[str]:
    found = check_scenario(load_scenario(_scenario(*steps)), _memory())
    return [f"step {f.step}: {f.message()}" for f in found]


def _memory() -> Any:
    store = InMemoryStore()
    return lambda: InMemoryUnitOfWork(store)


def _run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_the_bundled_scenarios_pass(store: str, tmp_path: Path) -> None:
    assert (
        len(BUNDLED) >= 6
    )  # the bicycle and costing, reversal, flushing, subcontracting, scheduling
    report = tmp_path / "junit.xml"
    code, text = _run_cli("test", *map(str, BUNDLED), "--store", store, "--junit-xml", str(report))
    assert code == 0, text
    assert text.count("PASS ") == len(BUNDLED) and f"{len(BUNDLED)} of {len(BUNDLED)}" in text
    suite = ElementTree.parse(report).getroot()
    assert suite.get("tests") == str(len(BUNDLED)) and suite.get("failures") == "0"


def test_a_wrong_expectation_fails_with_expected_vs_got_and_its_line(tmp_path: Path) -> None:
    original = (EXAMPLES / "reversal.scenario.json").read_text()
    wrong = original.replace('"consumed": {"PO-1/BOARD": "15", "PO-2/BOARD": "10"}',
                             '"consumed": {"PO-1/BOARD": "14", "PO-2/BOARD": "10"}')  # fmt: skip
    assert wrong != original
    path = tmp_path / "wrong.scenario.json"
    path.write_text(wrong)
    line = next(n for n, text in enumerate(wrong.splitlines(), 1) if '"rev-boards"' in text)
    report = tmp_path / "junit.xml"
    code, text = _run_cli("test", str(path), str(EXAMPLES / "flushing.scenario.json"),
                          "--store", "memory", "--junit-xml", str(report))  # fmt: skip
    assert code == 1
    assert f"FAIL (1 failed) {path}" in text and "1 of 2 scenario files passed" in text
    assert f"{path}:{line}: step 6 (line {line}): expected consumed.PO-1/BOARD = 14, got 15" in text
    failure = ElementTree.parse(report).getroot().find("testcase/failure")
    assert failure is not None and "expected consumed.PO-1/BOARD = 14, got 15" in (
        failure.text or ""
    )


def test_run_stops_at_a_failed_expectation() -> None:
    step = {**CONSUME, "expect": {"on_hand": {"A": "81"}}}
    store = InMemoryStore()
    with pytest.raises(ScenarioError, match=r"step 3 .*expected on_hand.A = 81, got 80"):
        run_scenario(load_scenario(_scenario(step)), lambda: InMemoryUnitOfWork(store))


def test_figures_of_every_section_and_tolerances() -> None:
    expect = {
        "orders": {"PO-1": {"status": "RELEASED", "quantity": "10", "lines.0.item_no": "P"}},
        "components": {"PO-1/A": {"consumed_quantity": "20.000", "expected_quantity": "20"},
                       "PO-1/10000/A": {"item_no": "A"}},
        "on_hand": {"A": "80", "A@": {"value": "80.4", "tolerance": "0.5"}},
        "consumed": {"PO-1/A": "20", "PO-1": "20"},
        "wip": {"PO-1": "40"},
        "accounts": {"2140": "40"},
        "ledger": [{"ledger": "item", "where": {"entry_type": "CONSUMPTION"}, "count": 1,
                    "sum": {"quantity": "-20"}, "entries": [{"item_no": "A", "order_id": "PO-1"}]},
                   {"ledger": "gl", "where": {"role": "WIP"}, "sum": {"amount": "40"}}],
        "costs": {"PO-1": {"actual.material": "40", "final": False}},
        "standard_cost": {"P": {"rolled_up.material": "4"}},
    }  # fmt: skip
    assert _check({**CONSUME, "expect": expect}) == []
    loose = {"tolerance": "1", "on_hand": {"A": "80.9"}, "wip": {"PO-1": "39.5"}}
    assert _check({**CONSUME, "expect": loose}) == []


def test_every_mismatch_is_listed() -> None:
    expect = {
        "orders": {"PO-1": {"status": "FINISHED", "colour": "red"}, "PO-9": {"status": "RELEASED"}},
        "components": {"PO-1/Z": {"item_no": "Z"}},
        "ledger": [{"ledger": "item", "where": {"entry_type": "CONSUMPTION"}, "entries": []}],
    }
    found = _check({**CONSUME, "expect": expect})
    assert found == [
        "step 3: orders.PO-1.status = FINISHED, got RELEASED",
        "step 3: orders.PO-1.colour = red, got no such field",
        "step 3: orders.PO-9 to exist, got no such order",
        "step 3: components.PO-1/Z to exist, got none match",
        "step 3: ledger[0].entries = 0 entries, got 1 entries",
    ]


def test_expect_error_checks_type_and_fields_and_the_run_goes_on() -> None:
    refused = {**CONSUME, "idempotency_key": "c2"}
    refused["lines"] = [{**CONSUME["lines"][0], "order_id": "PO-9"}]
    after = {"expect": {"on_hand": {"A": "100"}, "consumed": {"PO-1": "0"}}}
    expected = {"type": "NotFoundError", "kind": "Production order", "key": "PO-9"}
    assert _check({**refused, "expect_error": expected}, after) == []
    assert _check({**refused, "expect_error": {"type": "DomainError"}}, after) == [
        "step 3: error = DomainError, got NotFoundError: Production order 'PO-9' does not exist."
    ]
    assert _check({**refused, "expect_error": {**expected, "key": "PO-8"}}) == [
        "step 3: error.key = PO-8, got PO-9"
    ]
    assert _check({**CONSUME, "expect_error": expected}) == [
        "step 3: error = NotFoundError, got the step succeeded"
    ]


def test_references_name_entries_by_what_they_are() -> None:
    second = {**CONSUME, "idempotency_key": "c2"}
    reverse = {"type": "posting.reverse", "idempotency_key": "r1", "source": "ITEM"}
    last = {**reverse, "entry_no": {"last": {"entry_type": "CONSUMPTION", "order_id": "PO-1"}},
            "expect": {"ledger": [{"ledger": "item", "where": {"applies_to_entry_no": 3}, "count": 1}]}}  # fmt: skip
    assert _check(CONSUME, second, last) == []
    by_step = {**reverse, "entry_no": {"step": 3}, "quantity": "5",
               "expect": {"consumed": {"PO-1": "15"}}}  # fmt: skip
    assert _check(CONSUME, by_step) == []


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"step": 2}, "0 of the item entries of step 2 match"),
        ({"step": 3, "where": {"order_id": "PO-2"}}, "0 of the item entries of step 3 match"),
        ({"step": 9}, "not a step before step 4"),
        ({"last": {"order_id": "PO-2"}}, "no item entry matches"),
    ],
)
def test_a_wrong_reference_is_an_error_never_another_entry(
    ref: dict[str, Any], message: str
) -> None:
    step = {"type": "posting.reverse", "idempotency_key": "r1", "source": "ITEM", "entry_no": ref,
            "expect_error": {"type": "ProdcoreError"}}  # fmt: skip
    found = [str(f) for f in check_scenario(load_scenario(_scenario(CONSUME, step)), _memory())]
    assert len(found) == 1 and "expected step to succeed, got" in found[0] and message in found[0]


def test_a_malformed_reference_or_expectation_is_refused_on_loading() -> None:
    bad_ref = {
        "type": "posting.reverse",
        "idempotency_key": "r",
        "source": "ITEM",
        "entry_no": {"step": "3"},
    }
    with pytest.raises(ScenarioFileError, match="a reference is"):
        load_scenario(_scenario(bad_ref))
    with pytest.raises(ScenarioFileError, match="unknown expectation section 'orderz'"):
        load_scenario(_scenario({"expect": {"orderz": {}}}))
    with pytest.raises(ScenarioFileError, match='expect_error needs a "type"'):
        load_scenario(_scenario({**CONSUME, "expect_error": {}}))
    with pytest.raises(ScenarioFileError, match=r"masterdata\.change takes"):
        load_scenario(
            _scenario({"type": "masterdata.change", "record": "masterdata.itm", "no": "A"})
        )


def test_master_data_steps_change_and_block_between_commands() -> None:
    rise = {"type": "masterdata.change", "record": "masterdata.item", "no": "A",
            "set": {"unit_cost": "3.00"}, "expect": {"standard_cost": {"P": {"rolled_up.material": "6"}}}}  # fmt: skip
    block = {"type": "masterdata.block", "record": "Item", "no": "A"}
    refused = {**CONSUME, "expect_error": {"type": "BlockedError", "key": "A"}}
    assert _check(rise, block, refused) == []
    unknown = {"type": "masterdata.change", "record": "masterdata.item", "no": "Z", "set": {}}
    assert _check(unknown) == ["step 3: step to succeed, got Item 'Z' does not exist."]


def test_the_pytest_plugin_collects_scenario_files(tmp_path: Path) -> None:
    (tmp_path / "good.scenario.json").write_text(
        _scenario({**CONSUME, "expect": {"on_hand": {"A": "80"}}})
    )
    (tmp_path / "bad.scenario.json").write_text(
        _scenario({**CONSUME, "expect": {"on_hand": {"A": "1"}}})
    )
    (tmp_path / "other.json").write_text("{}")
    (tmp_path / "none.ini").write_text("[pytest]\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         "-c", str(tmp_path / "none.ini"), str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "expected on_hand.A = 1, got 80" in done.stdout


@pytest.mark.postgres
def test_the_same_golden_files_pass_on_postgresql(pg_base_dsn: str) -> None:
    if not pg_base_dsn.startswith(("postgresql://", "postgres://")):
        pytest.skip("prodcore test takes a postgresql:// URL")
    code, text = _run_cli("test", *map(str, BUNDLED), "--store", pg_base_dsn)
    assert code == 0, text
    assert text.count("PASS ") == len(BUNDLED)


def test_an_unknown_test_store_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_cli("test", str(BUNDLED[0]), "--store", "mysql://x")[0] == 2
    assert "memory, sqlite or a postgresql:// URL" in capsys.readouterr().err


def test_a_malformed_file_among_tests_is_reported_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.scenario.json"
    bad.write_text('{"steps": {}}')
    report = tmp_path / "junit.xml"
    code, text = _run_cli("test", str(bad), str(BUNDLED[0]), "--store", "memory",
                          "--junit-xml", str(report))  # fmt: skip
    assert code == 2
    assert f"ERROR {bad}: Malformed scenario file at steps" in text
    assert ElementTree.parse(report).getroot().get("errors") == "1"


TOML = """
scenario = "toml spec"
[[master_data]]
type = "masterdata.item"
no = "A"
base_unit = "PCS"

[[steps]]
type = "order.create"
order_id = "PO-1"
item_no = "A"
quantity = "3"
due_date = 2026-01-09
[steps.expect.orders.PO-1]
status = "FIRM_PLANNED"
quantity = "QTY"

[[steps]]
type = "order.change_status"
order_id = "PO-1"
to_status = "FINISHED"
[steps.expect_error]
type = "InvalidTransitionError"
"""


def test_toml_files_carry_expectations_and_pytest_collects_them(tmp_path: Path) -> None:
    spec = load_scenario(TOML.replace("QTY", "4"), format="toml")
    found = check_scenario(spec, _memory())
    assert [str(f) for f in found] == ["step 1 (line 8): expected orders.PO-1.quantity = 4, got 3"]
    assert check_scenario(load_scenario(TOML.replace("QTY", "3"), format="toml"), _memory()) == []
    (tmp_path / "spec.scenario.toml").write_text(TOML.replace("QTY", "3"))
    (tmp_path / "none.ini").write_text("[pytest]\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(tmp_path / "none.ini"), str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("expect", "reason"),
    [
        ({"orders": {"PO-1": "RELEASED"}}, "expect.orders.PO-1 must be an object of figures"),
        ({"wip": {"PO-1": ["1"]}}, "expect.wip.PO-1: a figure is"),
        ({"wip": {"PO-1": {"value": "1", "tol": "1"}}}, "a figure with a tolerance is"),
        ({"tolerance": "a lot"}, "a tolerance is a decimal number"),
        ({"ledger": [{"ledger": "item", "where": []}]}, "expect.ledger[0].where must be an object"),
        ({"ledger": [{"ledger": "item", "order": 1}]}, "unknown keys ['order']"),
        ({"ledger": [{"ledger": "item", "entries": {}}]}, "entries is a list"),
        ({"ledger": {}}, "expect.ledger is a list of queries"),
        ({"ledger": [{"ledger": "stock"}]}, 'needs "ledger"'),
        ({"load": {"from": "monday", "to": "2026-01-09"}}, '"from" and "to" are days'),
        ({"load": {"from": "2026-01-05", "to": "2026-01-09", "rows": []}}, "expect.load.rows maps"),
        ({"load": {"to": "2026-01-09"}}, 'expect.load needs "from" and "to"'),
        ({"on_hand": []}, "expect.on_hand must be an object"),
        ([], "expect must be an object of sections"),
    ],
)
def test_an_expectation_of_the_wrong_shape_is_refused_on_loading(expect: Any, reason: str) -> None:
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(_scenario({"expect": expect}))
    assert reason in str(info.value) and info.value.place == "steps[2]"
