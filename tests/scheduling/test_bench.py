"""The capacity benchmark runs (smoke test; nothing is asserted about time)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_capacity.py"


def test_benchmark_tiny_run(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_capacity", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--tiny", "--finite"]) == 0
    out = capsys.readouterr().out
    assert "200 routing lines" in out
    assert "schedule forward, finite" in out
