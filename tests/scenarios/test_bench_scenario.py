"""The scenario loading benchmark runs at smoke sizes and prints both sizes and their ratio."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_scenario.py"


def test_bench_scenario_prints_sizes_and_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("test_bench_scenario_module", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.main(["--tiny"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["steps", "seconds", "time", "ratio", "size", "ratio"]
    assert lines[2].split()[0] == "1000" and lines[3].split()[0] == "4000"
    assert lines[3].split()[-1] == "4.0"
