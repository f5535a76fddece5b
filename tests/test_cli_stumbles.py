"""The command line's stumbles: missing stores, leftover temporary stores, --version, exit
codes, pipes, progress, colour and a --json that carries everything the tables show."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import prodcore
from prodcore import cli
from prodcore.cli import main
from prodcore.cli_json import SCHEMA_ID, SCHEMA_VERSION, run_output_schema


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out)
    return code, out.getvalue()


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the temporary stores of runs without --store go."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


# --- stores that do not exist ------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "--store"],
        ["load", "--from", "2026-03-09", "--to", "2026-03-14", "--store"],
    ],
)
def test_a_store_that_does_not_exist_is_an_error_and_is_not_created(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "typo.db"
    code, text = _run([*argv, str(typo)])
    assert code == 2 and text == ""
    assert "does not exist" in capsys.readouterr().err
    assert not typo.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_missing_store_message_names_the_path_and_the_commands_that_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["verify", "--store", str(tmp_path / "typo.db")])[0] == 2
    err = capsys.readouterr().err
    assert "typo.db' does not exist. Check the path: only run, demo and db upgrade" in err


def test_run_and_db_upgrade_still_create_stores(tmp_path: Path) -> None:
    assert _run(["db", "upgrade", "--store", str(tmp_path / "new.db")])[0] == 0
    assert (tmp_path / "new.db").exists()
    assert _run(["demo", "--store", str(tmp_path / "demo.db"), "--quiet"])[0] == 0
    code, text = _run(["verify", "--store", str(tmp_path / "demo.db")])
    assert code == 0 and text.startswith("OK:")


# --- the temporary store of a run without --store ----------------------------------------


def test_a_run_without_store_leaves_no_database_behind(temp_dir: Path) -> None:
    assert _run(["demo", "--summary"])[0] == 0
    assert list(temp_dir.iterdir()) == []


def test_keep_store_keeps_it_and_says_where(
    temp_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["demo", "--summary", "--keep-store"])[0] == 0
    (kept,) = temp_dir.iterdir()
    assert (kept / "prodcore.db").exists()
    assert f"store kept in {kept}" in capsys.readouterr().err
    assert _run(["verify", "--store", str(kept / "prodcore.db")])[0] == 0


def test_a_failed_run_removes_its_temporary_store_too(temp_dir: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(
        '{"scenario": "bad", "master_data": [{"type": "Item", "no": "A", "base_unit": "PCS"}],'
        ' "steps": [{"type": "ChangeStatus", "order_id": "PO-9", "to_status": "FINISHED"}]}'
    )
    assert _run(["run", str(scenario), "--quiet"])[0] == 1
    assert list(temp_dir.iterdir()) == []


# --- --version, --help, pipes --------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"prodcore {prodcore.__version__}"


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "exit status:" in out
    for code in ("0", "1", "2", "141"):
        assert f"\n  {code} " in out


class _ClosedPipe(io.StringIO):
    def write(self, _text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_stops_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transitions"], _ClosedPipe()) == 141
    assert capsys.readouterr().err == ""


def test_piping_into_head_exits_quietly(tmp_path: Path) -> None:
    # the reader goes away before the run prints anything
    proc = subprocess.Popen(
        [sys.executable, "-m", "prodcore", "demo", "--store", "memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert err == b""


# --- progress, quiet, summary, colour ------------------------------------------------------


def test_a_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_PROGRESS_DELAY", 0)
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert _run(["demo", "--store", "memory:", "--summary"])[0] == 0
    shown = err.getvalue()
    assert "/21 steps" in shown and shown.startswith("\r[")
    assert shown.endswith("\r")  # wiped before the report


@pytest.mark.parametrize("argv", [["--quiet"], []])
def test_no_progress_bar_when_quiet_or_not_on_a_terminal(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_PROGRESS_DELAY", 0)
    err = _Terminal() if argv else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    code, text = _run(["demo", "--store", "memory:", *argv])
    assert code == 0 and err.getvalue() == ""
    assert (text == "") == bool(argv)  # --quiet prints nothing but errors


def test_summary_mode_prints_a_few_lines() -> None:
    code, text = _run(["demo", "--store", "memory:", "--summary"])
    assert code == 0
    name = "Bicycle: 10 city bikes with made-to-order wheels"
    assert text.splitlines() == [
        f"Scenario: {name}: 21 steps, 12 postings, 1 warnings",
        "Orders: 2 (1 FINISHED, 1 FIRM_PLANNED)",
        "Ledgers: 25 item entries, 49 value entries",
    ]


def test_quiet_and_summary_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--quiet", "--summary"])
    assert exit_.value.code == 2


def test_colour_only_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = ["verify", "--store", str(tmp_path / "none.db")]
    _run(missing)
    assert "\033[" not in capsys.readouterr().err
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _run(missing)
    assert terminal.getvalue().startswith("\033[31merror:\033[0m ")
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _Terminal()
    monkeypatch.setattr(sys, "stderr", plain)
    _run(missing)
    assert plain.getvalue().startswith("error: ")


# --- --json: everything the tables show, under a versioned schema --------------------------


@pytest.fixture(scope="module")
def validator() -> Any:
    """The JSON Schema validator of the output's schema (the dev extra has jsonschema)."""
    jsonschema = pytest.importorskip("jsonschema", reason="the dev extra validates JSON")
    schema = run_output_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def demo_json() -> dict[str, Any]:
    code, text = _run(["demo", "--json", "--store", "memory:"])
    assert code == 0
    document: dict[str, Any] = json.loads(text)
    return document


def test_the_json_output_follows_its_shipped_schema(
    demo_json: dict[str, Any], validator: Any
) -> None:
    validator.validate(demo_json)
    assert (demo_json["schema"], demo_json["schema_version"]) == (SCHEMA_ID, SCHEMA_VERSION)


def test_the_schema_refuses_a_document_that_lacks_a_table(
    demo_json: dict[str, Any], validator: Any
) -> None:
    for key in ("on_hand", "cost_view", "load", "standard_costs", "order_costs"):
        partial = {k: v for k, v in demo_json.items() if k != key}
        assert not validator.is_valid(partial), key


def test_the_json_carries_what_the_tables_show(demo_json: dict[str, Any]) -> None:
    opening = [e for e in demo_json["item_ledger"] if e["entry_type"] == "POSITIVE_ADJUSTMENT"]
    assert len(opening) == 11 and all(e["order_id"] == "" for e in opening)  # opening stock
    assert {"item_no": "SPOKE", "location_code": "MAIN", "on_hand": "3065"} in demo_json["on_hand"]
    assert any(row["role"] == "INVENTORY" for row in demo_json["cost_view"])
    assert any(r["centre_no"] == "ROBOT-1" for r in demo_json["load"]["rows"])
    assert [c["item_no"] for c in demo_json["standard_costs"]] == ["BIKE", "WHEEL"]
    assert demo_json["standard_costs"][0]["single_level"]["total"] == "248.94856"
    (costs,) = demo_json["order_costs"]
    assert costs["order_id"] == "PO-1001" and costs["final"] is True
    assert Decimal(costs["variance"]["total"]).quantize(Decimal("0.01")) == Decimal("-97.67")
    assert [a["item_no"] for a in costs["d365"]] == ["BIKE", "WHEEL"]
    release = demo_json["steps"][5]
    assert release["posting_no"] == 2
    assert "Forward flush at release: 20 PCS of RIM (PO-1001)" in release["notes"]
    assert release["summary"].startswith("posting 2: 2 item, 0 capacity, 2 value entries; ")
    replay = demo_json["steps"][16]
    assert replay["summary"].startswith("replay of step 15")


def test_load_json_follows_the_load_part_of_the_schema(tmp_path: Path, validator: Any) -> None:
    db = tmp_path / "demo.db"
    assert _run(["demo", "--store", str(db), "--quiet"])[0] == 0
    code, text = _run(
        ["load", "--store", str(db), "--from", "2026-03-09", "--to", "2026-03-14", "--json"]
    )
    assert code == 0
    schema = run_output_schema()
    load_schema = {**schema["$defs"]["load"], "$defs": schema["$defs"]}
    type(validator)(load_schema).validate(json.loads(text))
