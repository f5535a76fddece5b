"""The scenario loader refuses malformed files as usage errors naming the place."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from prodcore.cli import main
from prodcore.errors import ScenarioFileError
from prodcore.scenario import load_scenario

ITEM = {"type": "masterdata.item", "no": "A", "base_unit": "PCS"}
CREATE = {
    "type": "order.create",
    "order_id": "PO-1",
    "item_no": "A",
    "quantity": "1",
    "due_date": "2026-01-09",
}


def _refused(text: str | bytes, fmt: str = "json") -> ScenarioFileError:
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(text, format=fmt)
    return info.value


def _doc(**parts: Any) -> str:
    return json.dumps({"master_data": [ITEM], "steps": [CREATE], **parts}, indent=1)


def test_a_duplicate_key_is_refused_with_its_step_and_line() -> None:
    text = '{"master_data": [],\n "steps": [\n {"type": "order.create", "quantity": "1", "quantity": "2"}]}'
    err = _refused(text)
    assert err.place == "steps[0]" and err.line == 3 and "'quantity' appears twice" in str(err)
    assert "'steps' appears twice" in str(_refused('{"steps": [], "steps": []}'))


def test_a_record_defined_twice_in_one_file_is_refused() -> None:
    err = _refused(_doc(master_data=[ITEM, {**ITEM, "base_unit": "KG"}]))
    assert err.place == "master_data[1]" and "defined twice (first in master_data[0])" in str(err)


def test_an_empty_id_is_refused() -> None:
    err = _refused(_doc(steps=[{**CREATE, "order_id": ""}]))
    assert err.place == "steps[0]" and "order_id is empty" in str(err)
    assert "no is empty" in str(_refused(_doc(master_data=[{**ITEM, "no": " "}])))


def test_the_clock_only_moves_forward() -> None:
    steps = [
        {**CREATE, "at": "2026-01-06T10:00:00+00:00"},
        {"type": "order.change_status", "order_id": "PO-1", "to_status": "RELEASED",
         "at": "2026-01-06T09:00:00+00:00"},
    ]  # fmt: skip
    err = _refused(_doc(start="2026-01-05T08:00:00+00:00", steps=steps))
    assert err.place == "steps[1].at" and "only moves forward" in str(err)
    before_start = [{**CREATE, "at": "2026-01-01T08:00:00+00:00"}]
    assert "before the scenario clock" in str(
        _refused(_doc(start="2026-01-05T08:00:00+00:00", steps=before_start))
    )


@pytest.mark.parametrize(
    ("text", "place", "reason"),
    [
        ('{"steps": {}}', "steps", "expected a list"),
        ('{"master_data": "A"}', "master_data", "expected a list"),
        ('{"steps": [3]}', "steps[0]", "expected an object"),
        ("[1]", "the file", "a JSON object"),
        ('{"steps": [' + "[" * 1000 + "]" * 1000 + "]}", "steps[0]", "nested deeper"),
        ('{"steps": [' + "[" * 70 + "]" * 70 + "]}", "steps[0]", "nested deeper"),
        ('{"steps": [{"type": "order.create", "quantity": ' + "9" * 5000 + "}]}", "steps[0]", "5000 digits"),
        ('{"steps": [] } x', "the file", "text after"),
    ],
)  # fmt: skip
def test_malformed_shapes_are_placed(text: str, place: str, reason: str) -> None:
    err = _refused(text)
    assert err.place == place and reason in str(err)


def test_non_utf8_is_refused_with_its_line() -> None:
    err = _refused(b'{"scenario": "x",\n "description": "caf\xe9"}')
    assert err.line == 2 and "not UTF-8" in str(err)


def test_toml_malformed_shapes() -> None:
    assert "nested deeper" in str(_refused("a = " + "[" * 1000 + "]" * 1000, "toml"))
    assert "expected a list" in str(_refused('steps = "x"', "toml"))


def test_an_unknown_step_type_says_what_was_expected_in_one_line() -> None:
    err = _refused(_doc(steps=[{"type": "order.creat", "order_id": "PO-1"}]))
    assert err.place == "steps[0].type"
    assert "unknown step type 'order.creat': expected a command wire tag" in str(err)
    assert "\n" not in str(err) and "RefreshOrder" not in str(err)


def test_a_bad_field_names_its_command_only() -> None:
    err = _refused(_doc(steps=[{**CREATE, "quantity": 1.5}]))
    assert "Invalid value for CreateOrder:" in str(err) and "RefreshOrder" not in str(err)


@pytest.mark.parametrize(
    "content",
    [b'{"steps": {}}', b"\xff\xfe", b'{"steps": [' + b"[" * 1000 + b"]" * 1000 + b"]}"],
)
def test_the_cli_exits_2_for_a_malformed_file(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert main(["run", str(path), "--store", "memory:"], io.StringIO()) == 2
    assert "Malformed scenario file at" in capsys.readouterr().err


def _steps_file(n: int) -> str:
    steps = ",\n".join(json.dumps({**CREATE, "order_id": f"PO-{i}"}, indent=1) for i in range(n))
    return '{"master_data": [' + json.dumps(ITEM) + '],\n"steps": [\n' + steps + "\n]}"


def test_parsing_does_the_same_work_per_step_however_many_steps_come_before() -> None:
    """The calls made per step (Python functions and builtins, counted by a profile
    hook: deterministic) do not grow with the steps before it: the line of each step
    comes from one scan of the text, not from a count up to it. Time is measured in
    ``benchmarks/bench_scenario.py``, not here."""

    def calls(n: int) -> int:
        text = _steps_file(n)
        count = 0

        def hook(frame: Any, event: str, arg: Any) -> None:
            nonlocal count
            if event in ("call", "c_call"):
                count += 1

        sys.setprofile(hook)
        try:
            scenario = load_scenario(text)
        finally:
            sys.setprofile(None)
        assert len(scenario.steps) == n and scenario.steps[-1].line > n
        return count

    load_scenario(_steps_file(10))  # the converter builds its hooks on first use
    small, large = calls(200), calls(800)
    per_step = (large - small) / 600
    assert calls(1600) - large == pytest.approx(per_step * 800, rel=0.01)
