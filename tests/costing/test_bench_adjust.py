"""The item cost adjustment benchmark runs (``--tiny``): a run after a few changed
receipts visits only what they reach, and a second run visits and posts nothing. It
measures; it asserts nothing about time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_adjust.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_adjust_smoke", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_run_visits_only_what_the_changed_receipts_reach(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench = _load()
    assert bench.main(["--tiny", "--changes", "3"]) == 0
    result = bench.LAST_RESULT
    settle, changed, again = result.runs
    assert result.entries > 5_000
    assert settle.posted == 0  # the orders' own adjustments: nothing to forward
    # R's receipt reaches its consumption, S's order and output, F's; two blocks of
    # one receipt and 50 adjustments each take the rest
    assert changed.visited < 2 * 51 + 20
    assert changed.posted == 2 * 50 + 4
    assert changed.levels == 3
    assert (again.visited, again.posted) == (0, 0)
    assert "after 3 changed receipts" in capsys.readouterr().out
