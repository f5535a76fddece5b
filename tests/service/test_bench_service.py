"""The service benchmark runs at smoke size and prints its figures (nothing is asserted
about time)."""

from __future__ import annotations

import pytest

from tests.test_benchmarks import load


def test_the_service_benchmark_prints_rates_and_percentiles(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PRODCORE_TEST_PG_DSN", raising=False)
    bench = load("bench_service")
    assert bench.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    for store in ("memory", "sqlite"):
        assert f"\n{store}: 20 requests from 2 clients" in out
    for line in ("all", "postings", "reads"):
        assert f"\n  {line} " in out
    assert "requests/s" in out and "p99" in out
    results = {r.store: r for r in bench.LAST_RESULTS}
    assert set(results) == {"memory", "sqlite"}
    kinds = [kind for kind, _ in results["sqlite"].latencies]
    assert sorted(set(kinds)) == sorted(bench.KINDS) and len(kinds) == 20
