"""The benchmarks run at smoke sizes (``--tiny``) and print their figures.

They measure; nothing here asserts anything about time.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"test_bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def no_pg(monkeypatch: pytest.MonkeyPatch) -> None:
    """Smoke runs on the in-memory store and SQLite, whatever the environment says."""
    monkeypatch.delenv("PRODCORE_TEST_PG_DSN", raising=False)


def test_flow_prints_every_stage_and_the_rates(
    no_pg: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load("bench_flow")
    assert bench.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    assert "N=5 top-level orders, K=3" in out
    for store in ("memory", "sqlite"):
        assert f"\n{store}: 20 orders" in out
    for stage in ("create", "release", "output", "finish"):
        assert f"\n  {stage} " in out
    assert "orders/s (whole flow per order)" in out
    assert "item ledger entries/s (consumption + output)" in out
    assert "all entries/s" in out
    assert "KiB per entry" in out
    results = {r.store: r for r in bench.LAST_RESULTS}
    assert set(results) == {"memory", "sqlite"}
    # the same flow posts the same entries on every store
    memory, sqlite = results["memory"].counts, results["sqlite"].counts
    assert (memory.item, memory.capacity) == (sqlite.item, sqlite.capacity)
    assert memory.value == sqlite.value and memory.gl == sqlite.gl
    # 15 sub-assembly orders: 1 forward, 1 linked backward, 1 backward at finish each;
    # 5 top-level orders flush 3 sub-assemblies each; 20 outputs
    assert memory.item == 15 * 3 + 5 * 3 + 20
    assert memory.capacity == 20 * 2


def test_flow_and_balances_run_on_postgresql(
    pg_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = load("bench_flow")
    assert flow.main(["--tiny", "--stores", "postgresql", "--pg", pg_dsn]) == 0
    (result,) = flow.LAST_RESULTS
    assert result.store == "postgresql"
    assert result.counts.item == 15 * 3 + 5 * 3 + 20
    balances = load("bench_balances")
    assert balances.main(["--tiny", "--stores", "postgresql", "--pg", pg_dsn]) == 0
    out = capsys.readouterr().out
    assert "\npostgresql: 20 orders" in out
    assert "postgresql: 4000 entries built" in out


def test_flow_says_when_cost_adjustment_is_absent(
    no_pg: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = load("bench_flow")
    monkeypatch.setattr(bench, "_adjust_function", lambda: None)
    assert bench.main(["--tiny", "--stores", "memory", "--no-memory"]) == 0
    out = capsys.readouterr().out
    assert "adjust_cost not present" in out


def test_balances_prints_build_rate_and_query_times(
    no_pg: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load("bench_balances")
    assert bench.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    assert "memory: 4000 entries built" in out
    assert "sqlite: 4000 entries built" in out
    for query in ("on_hand(item)", "on_hand(item, loc)", "wip(order)", "item_entries(order)"):
        assert out.count(f"  {query} ") == 2


def test_balances_are_those_of_the_appended_entries() -> None:
    bench = load("bench_balances")
    from prodcore.adapters import open_store

    with open_store("memory:") as store:
        bench.build_ledger(store, 400, 30, "T-")
        with store() as uow:
            entries = uow.ledger.item_entries()
            assert len(entries) == 100
            item = entries[0].item_no
            expected = sum(e.quantity for e in entries if e.item_no == item)
            assert uow.ledger.on_hand(item) == expected
            assert len(uow.ledger.gl_entries()) == 200


def test_run_all_prints_a_summary_of_every_benchmark(
    no_pg: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load("run_all")
    assert bench.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    summary = out[out.index("\nsummary\n") :]
    for name in ("flow", "rollup", "capacity", "balances", "scaling"):
        assert f"\n{name} " in summary
    assert "item entries/s (stock moves)" in summary
    assert "time ratio" in summary
    assert "postgresql (no DSN given)" in summary


def test_scaling_posts_every_command_and_counts_conflicts(
    no_pg: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load("bench_scaling")
    assert bench.main(["--tiny", "--processes", "1", "2", "--commands", "4"]) == 0
    out = capsys.readouterr().out
    assert "4 PostConsumption commands per process" in out
    results = {(r.mode, r.processes): r for r in bench.LAST_RESULTS}
    assert set(results) == {(m, p) for m in ("unrelated", "shared") for p in (1, 2)}
    assert all(r.store == "sqlite" and r.accepted == 4 * r.processes for r in results.values())
    # processes posting to unrelated orders never conflict
    assert results[("unrelated", 2)].conflicts == 0
    assert "sqlite unrelated 2 processes:" in out


def test_scaling_runs_on_postgresql(pg_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    bench = load("bench_scaling")
    argv = ["--tiny", "--stores", "postgresql", "--pg", pg_dsn, "--processes", "2"]
    assert bench.main(argv) == 0
    unrelated = [r for r in bench.LAST_RESULTS if r.mode == "unrelated"]
    assert [(r.store, r.accepted, r.conflicts) for r in unrelated] == [("postgresql", 10, 0)]
    assert "postgresql shared    2 processes:" in capsys.readouterr().out


def test_peer_runs_prodcores_side_and_says_when_the_peer_is_not_installed(
    no_pg: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load("peer")
    assert bench.main(["--tiny", "--venv", str(tmp_path / "no-peer"), "--stores", "memory"]) == 0
    out = capsys.readouterr().out
    assert "N=2 top-level orders, K=2, 18 stock moves per round, 2 rounds" in out
    assert f"{os.cpu_count()} cores" in out
    assert "peer: not installed in" in out and "skipping the peer part" in out
    assert "memory (peer: sqlite-memory)" in out
    assert "median" not in out  # no ratio without the peer


def test_limit_prints_prodcores_ratio_to_each_loop(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load("limit")
    assert bench.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    assert "physical limit: N=2, K=2, 1 rounds" in out
    for loop in (
        "memory / decimal",
        "memory / frozen",
        "memory / records",
        "sqlite / batched",
        "sqlite / per command",
        "sqlite / same writes, per command",
        "sqlite bulk (handle_many) / batched",
    ):
        assert loop in out


def test_run_all_summarizes_the_limit_ratios(
    no_pg: None, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load("run_all")
    assert bench.main(["--tiny", "--only", "limit"]) == 0
    summary = capsys.readouterr().out.split("\nsummary\n")[1]
    assert "sqlite bulk (handle_many) / batched" in summary
    assert "prodcore time / loop time" in summary
