"""The genealogy benchmark runs at smoke size and its traces find every level."""

from __future__ import annotations

import pytest

from tests.test_benchmarks import load


def test_genealogy_prints_trace_times(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PRODCORE_TEST_PG_DSN", raising=False)
    bench = load("bench_genealogy")
    assert bench.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    assert "trace_backward(serial)" in out and "trace_forward(raw lot)" in out
    for result in bench.LAST_RESULTS:
        figures = {f.name: f for f in result.figures}
        # back from a serial: one lot per level; forward from a raw lot: 4 lots + 3 serials
        assert figures["trace_backward(serial)"].links == bench.LEVELS
        assert figures["trace_forward(raw lot)"].links == bench.LEVELS - 1 + bench.SERIALS
