"""The rollup benchmark runs (``--tiny``); it measures, it asserts nothing about time."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_rollup.py"


def test_benchmark_smoke_run(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_rollup", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--tiny"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["items", "edges"]
    assert [line.split()[0] for line in lines[1:]] == ["100", "1000"]


def test_generated_graphs_are_acyclic_and_roll_up() -> None:
    spec = importlib.util.spec_from_file_location("bench_rollup_gen", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from prodcore.costing import roll_up

    md = module.generate(500, seed=1)
    rollup = roll_up(md)
    assert len(rollup) == 500
    assert all(rollup.standard_cost(no) >= 0 for no in rollup)
