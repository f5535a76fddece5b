"""The journal benchmark runs at smoke sizes and prints both sizes with their ratio."""

from __future__ import annotations

import pytest

from tests.test_benchmarks import load


def test_journal_prints_both_sizes_and_their_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load("bench_journal")
    assert bench.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    assert [lines for lines, _ in bench.LAST_RESULTS] == [100, 1_000]
    assert "time ratio" in out and "10.0" in out  # the size ratio beside the time ratio


def test_run_all_summarises_the_journal(capsys: pytest.CaptureFixture[str]) -> None:
    run_all = load("run_all")
    rows = run_all.run_journal(tiny=True)
    assert [r[1] for r in rows] == ["100 lines", "1,000 lines", "100 lines -> 1,000 lines"]
