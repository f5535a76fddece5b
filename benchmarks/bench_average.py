"""Average cost with a period: N receipts and N outbound postings of one average-cost item
with the MONTH period, spread over a year, each its own command.

    .venv/bin/python benchmarks/bench_average.py                    # N = 200 and 400
    .venv/bin/python benchmarks/bench_average.py --base 0c55e09     # A/B against a commit
    .venv/bin/python benchmarks/bench_average.py --tiny             # smoke run

Each run is a fresh process; it prints the CPU seconds of the 2N commands. With
``--base``, each round runs the earlier commit's ``src`` (A) and the working tree's (B)
alternately, per size and store, and the figure is the median of the per-round ratios
A / B. Growth from N to 2N tells linear (about 2x) from quadratic (about 4x) work. No
assertion is made about time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from ab import export  # noqa: E402 (this directory on the path first)

#: One run in a fresh process: prints {"cpu": seconds} for the 2N commands.
_RUN = """
import datetime as dt, json, tempfile, time
from decimal import Decimal
from prodcore.adapters import open_store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.masterdata import AverageCostPeriod, CostingMethod, Item, ManufacturingSetup
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
n = {n}
url = "memory:" if {store!r} == "memory" else f"sqlite:///{{tempfile.mkdtemp()}}/avg.db"
clock = FixedClock(dt.datetime(2026, 12, 31, 18, tzinfo=dt.UTC))
with open_store(url) as store:
    setup = ManufacturingSetup(average_cost_period=AverageCostPeriod.MONTH)
    item = Item("A", base_unit="PCS", unit_cost=5, costing_method=CostingMethod.AVERAGE)
    put_master_data(store(), [item], setup=setup)
    start = time.process_time()
    for i in range(n):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i * 364 // n)
        receipt = AdjustmentLine("A", 2, "", unit_cost=Decimal(5 + i % 7))
        handle(store(), AdjustInventory(f"in-{{i}}", (receipt,), posting_date=day), clock=clock)
        out = AdjustmentLine("A", -1, "")
        handle(store(), AdjustInventory(f"out-{{i}}", (out,), posting_date=day), clock=clock)
    print(json.dumps({{"cpu": time.process_time() - start}}))
"""


def run_once(src: Path, store: str, n: int) -> float:
    """The CPU seconds of the 2N commands with prodcore imported from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", _RUN.format(n=n, store=store)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return float(json.loads(out.splitlines()[-1])["cpu"])


#: the figures of the last ``main`` run: (store, n) -> (A or None, B) CPU seconds
LAST_RESULTS: dict[tuple[str, int], tuple[float | None, float]] = {}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", help="an earlier commit to compare with (A)")
    parser.add_argument("--sizes", nargs="*", type=int, default=[200, 400], help="values of N")
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds (default 3)")
    parser.add_argument(
        "--stores", nargs="*", choices=("memory", "sqlite"), default=["memory", "sqlite"]
    )
    parser.add_argument("--tiny", action="store_true", help="smoke run (N = 5 and 10, 1 round)")
    args = parser.parse_args(argv)
    sizes, rounds = ([5, 10], 1) if args.tiny else (args.sizes, args.rounds)
    LAST_RESULTS.clear()
    with tempfile.TemporaryDirectory(prefix="prodcore-avg-") as tmp:
        old = export(args.base, Path(tmp)) if args.base else None
        new = ROOT / "src"
        print(
            f"average cost, MONTH period: N receipts + N outbound postings, {rounds} round(s), "
            f"{os.cpu_count()} cores" + (f", A = {args.base}, B = working tree" if old else "")
        )
        for store in args.stores:
            for n in sizes:
                pairs: list[tuple[float | None, float]] = []
                for r in range(rounds):
                    order = [new] if old is None else [old, new] if r % 2 == 0 else [new, old]
                    cpu = {src: run_once(src, store, n) for src in order}
                    pairs.append((cpu.get(old) if old else None, cpu[new]))
                b = statistics.median(p[1] for p in pairs)
                if old is None:
                    LAST_RESULTS[(store, n)] = (None, b)
                    print(f"  {store} N={n}: {b:.3f} s CPU")
                    continue
                a = statistics.median(p[0] for p in pairs if p[0] is not None)
                ratio = statistics.median(p[0] / p[1] for p in pairs if p[0] is not None)
                LAST_RESULTS[(store, n)] = (a, b)
                print(f"  {store} N={n}: A {a:.3f} s, B {b:.3f} s CPU, A / B = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
