"""A/B: the production flow on an earlier commit and on the working tree, alternated.

    .venv/bin/python benchmarks/ab.py --base 5b15ea2            # N=20, K=5, 5 rounds
    .venv/bin/python benchmarks/ab.py --base HEAD~1 --stores memory --rounds 9

The earlier commit's ``src`` is exported (``git archive``) to a temporary directory; each
round runs ``bench_flow.run_flow`` once on it and once on the working tree (in that order
on odd rounds, the other on even ones), each in a fresh process, and notes the process's
CPU seconds for the flow. The figure is the median of the per-round ratios old / new, so
other work on the machine, which slows both runs of a round alike, mostly cancels out.
No assertion is made about time.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: One run of the flow in a fresh process: prints {"cpu": seconds}.
_RUN = """
import json, sys, tempfile
sys.path.insert(0, {bench!r})
import bench_flow
from prodcore.adapters import open_store
url = "memory:" if {store!r} == "memory" else f"sqlite:///{{tempfile.mkdtemp()}}/ab.db"
with open_store(url) as store:
    bench_flow.run_flow(store, 2, 2, "warm")
with open_store(url) as store:
    result = bench_flow.run_flow(store, {n}, {k}, {store!r})
print(json.dumps({{"cpu": result.cpu}}))
"""


def export(rev: str, into: Path) -> Path:
    """The ``src`` directory of ``rev``, written under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run_once(src: Path, store: str, n: int, k: int) -> float:
    """The flow's CPU seconds with prodcore imported from ``src``."""
    code = _RUN.format(bench=str(HERE), store=store, n=n, k=k)
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    ).stdout
    return float(json.loads(out.splitlines()[-1])["cpu"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the earlier commit (A)")
    parser.add_argument("-n", type=int, default=20, help="top-level orders (default 20)")
    parser.add_argument("-k", type=int, default=5, help="sub-assemblies per item (default 5)")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument(
        "--stores", nargs="*", choices=("memory", "sqlite"), default=["memory", "sqlite"]
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="prodcore-ab-") as tmp:
        old, new = export(args.base, Path(tmp)), ROOT / "src"
        print(
            f"A/B: {args.base} (A) against the working tree (B), N={args.n}, K={args.k}, "
            f"{args.rounds} rounds, {os.cpu_count()} cores"
        )
        for store in args.stores:
            ratios: list[float] = []
            for r in range(args.rounds):
                order = (old, new) if r % 2 == 0 else (new, old)
                cpu = {src: run_once(src, store, args.n, args.k) for src in order}
                ratios.append(cpu[old] / cpu[new])
                print(f"  {store} round {r + 1}: A {cpu[old]:.3f} s, B {cpu[new]:.3f} s CPU")
            print(
                f"{store}: A / B = {statistics.median(ratios):.2f} (median of "
                + ", ".join(f"{x:.2f}" for x in ratios)
                + ")"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
