"""A/B: the production flow on an earlier commit and on the working tree, alternated.

    .venv/bin/python benchmarks/ab.py --base 5b15ea2            # N=20, K=5, 5 rounds
    .venv/bin/python benchmarks/ab.py --base HEAD~1 --stores memory --rounds 9
    .venv/bin/python scripts/pg_server.py -- .venv/bin/python benchmarks/ab.py \
        --base 0c55e09 --stores postgresql -n 10

The earlier commit's ``src`` is exported (``git archive``) to a temporary directory; each
round runs ``bench_flow.run_flow`` once on it and once on the working tree (in that order
on odd rounds, the other on even ones), each in a fresh process, and notes the process's
CPU seconds and wall seconds for the flow. The figures are the medians of the per-round
ratios old / new, so other work on the machine, which slows both runs of a round alike,
mostly cancels out. No assertion is made about time.

The ``postgresql`` store runs on the server ``PRODCORE_TEST_PG_DSN`` names, each run in a
fresh schema (dropped afterwards). It also counts the round trips per command (the times
the client waited for the server): the store's ``round_trips`` where it has one; an
earlier store, which waits once per statement, by counting its statements.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: One run of the flow in a fresh process: prints {"cpu": s, "wall": s, "trips": n or None}.
_RUN = """
import json, os, sys, tempfile, urllib.parse, uuid
sys.path.insert(0, {bench!r})
import bench_flow
from prodcore.adapters import open_store
kind, options, trips, schema = {store!r}, {{}}, None, None
if kind == "memory":
    url = "memory:"
elif kind == "sqlite":
    url = f"sqlite:///{{tempfile.mkdtemp()}}/ab.db"
else:
    import psycopg
    from prodcore.adapters import postgres
    dsn, schema = os.environ["PRODCORE_TEST_PG_DSN"], f"ab_{{uuid.uuid4().hex[:12]}}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {{schema}}")
    search_path = urllib.parse.quote(f"-c search_path={{schema}}")
    url = f"{{dsn}}{{'&' if '?' in dsn else '?'}}options={{search_path}}"
    options = {{"migrate": True}}
    if not hasattr(postgres.PostgresStore, "round_trips"):
        trips = [0]  # an earlier store waits for each statement
        for name in ("execute", "query", "execute_many"):
            def counted(self, sql, rows=(), _run=getattr(postgres._PgTx, name), _name=name):
                trips[0] += _name != "execute_many" or bool(rows)
                return _run(self, sql, rows)
            setattr(postgres._PgTx, name, counted)
try:
    with open_store(url, **options) as store:
        bench_flow.run_flow(store, 2, 2, "warm")
    with open_store(url, **options) as store:
        start = trips[0] if trips else getattr(store, "round_trips", 0)
        result = bench_flow.run_flow(store, {n}, {k}, kind)
        end = trips[0] if trips else getattr(store, "round_trips", 0)
    commands = sum(stage.commands for stage in result.stages)
    waits = (end - start) / commands if kind == "postgresql" else None
    print(json.dumps({{"cpu": result.cpu, "wall": result.seconds, "trips": waits}}))
finally:
    if schema is not None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {{schema}} CASCADE")
"""


def export(rev: str, into: Path) -> Path:
    """The ``src`` directory of ``rev``, written under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run_once(src: Path, store: str, n: int, k: int) -> dict[str, Any]:
    """The flow's CPU and wall seconds (and round trips per command on PostgreSQL) with
    prodcore imported from ``src``."""
    code = _RUN.format(bench=str(HERE), store=store, n=n, k=k)
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    ).stdout
    found: dict[str, Any] = json.loads(out.splitlines()[-1])
    return found


def _median(label: str, ratios: Sequence[float]) -> str:
    return (
        f"{label} A / B = {statistics.median(ratios):.2f} (median of "
        + ", ".join(f"{x:.2f}" for x in ratios)
        + ")"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the earlier commit (A)")
    parser.add_argument("-n", type=int, default=20, help="top-level orders (default 20)")
    parser.add_argument("-k", type=int, default=5, help="sub-assemblies per item (default 5)")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument(
        "--stores",
        nargs="*",
        choices=("memory", "sqlite", "postgresql"),
        default=["memory", "sqlite"],
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="prodcore-ab-") as tmp:
        old, new = export(args.base, Path(tmp)), ROOT / "src"
        print(
            f"A/B: {args.base} (A) against the working tree (B), N={args.n}, K={args.k}, "
            f"{args.rounds} rounds, {os.cpu_count()} cores"
        )
        for store in args.stores:
            cpu: list[float] = []
            wall: list[float] = []
            for r in range(args.rounds):
                order = (old, new) if r % 2 == 0 else (new, old)
                run = {src: run_once(src, store, args.n, args.k) for src in order}
                a, b = run[old], run[new]
                cpu.append(a["cpu"] / b["cpu"])
                wall.append(a["wall"] / b["wall"])
                trips = (
                    f", round trips per command A {a['trips']:.1f}, B {b['trips']:.1f}"
                    if a["trips"] is not None
                    else ""
                )
                print(
                    f"  {store} round {r + 1}: A {a['cpu']:.3f} s CPU {a['wall']:.3f} s wall, "
                    f"B {b['cpu']:.3f} s CPU {b['wall']:.3f} s wall{trips}"
                )
            print(f"{store}: {_median('CPU', cpu)}; {_median('wall', wall)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
