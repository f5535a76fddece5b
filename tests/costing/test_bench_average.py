"""The average cost benchmark runs (``--tiny``) on the memory store and SQLite, alone and
A/B against the repository's ``HEAD``. It measures; it asserts nothing about time."""

from __future__ import annotations

import pytest

from tests.test_benchmarks import load


def test_the_benchmark_prints_a_figure_per_store_and_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench = load("bench_average")
    assert bench.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    assert "memory N=10:" in out and "sqlite N=5:" in out
    assert set(bench.LAST_RESULTS) == {(s, n) for s in ("memory", "sqlite") for n in (5, 10)}
    assert all(a is None and b > 0 for a, b in bench.LAST_RESULTS.values())


def test_with_a_base_it_prints_paired_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load("bench_average")
    assert bench.main(["--tiny", "--base", "HEAD", "--stores", "memory"]) == 0
    assert "A / B = " in capsys.readouterr().out
    assert all(a is not None and a > 0 for a, _ in bench.LAST_RESULTS.values())
