"""Run every benchmark and print a summary table of the headline figures.

    .venv/bin/python benchmarks/run_all.py            # default sizes (several minutes)
    .venv/bin/python benchmarks/run_all.py --tiny     # smoke sizes (seconds)
    python scripts/pg_server.py -- .venv/bin/python benchmarks/run_all.py   # + PostgreSQL

The benchmarks, each also runnable alone:

* ``bench_flow.py``: the production flow (create, release, output, finish, adjust) on
  the in-memory store, a SQLite file and PostgreSQL (``PRODCORE_TEST_PG_DSN`` / ``--pg``),
* ``bench_rollup.py``: the standard cost rollup on random BOM graphs (10k, 100k, 1M items),
* ``bench_capacity.py``: calendars, scheduling and the load view (10k, 100k routing lines),
* ``bench_balances.py``: on-hand and WIP queries with 1M ledger entries present,
* ``limit.py``: prodcore's time over hand-written loops that define each store's limit,
* ``peer.py``: prodcore against Tryton 8.2 in the same rounds (only with ``--only peer``;
  ``peer.py --install`` installs the peer first),
* ``bench_scaling.py``: posting commands per second with 1, 2, 4 and 8 processes on
  unrelated and on shared orders (SQLite file, PostgreSQL), and conflicts per command,
* ``bench_journal.py``: one consumption journal of 1k and 10k lines, and their time ratio,
* ``bench_adjust.py``: item cost adjustment after a few receipts change in a month of 1M
  item entries (seconds and entries visited).

Each prints its own figures as it runs; the summary at the end repeats the headline
ones. No assertion is made about time.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import TextIO

HERE = Path(__file__).resolve().parent
Row = tuple[str, str, str, str]  # benchmark, case, figure, value
#: What runs without ``--only`` (peer runs only when named: it takes minutes).
DEFAULT = ("flow", "rollup", "capacity", "balances", "scaling", "journal", "adjust", "limit")


def load(name: str) -> ModuleType:
    """A benchmark script of this directory as a module."""
    spec = importlib.util.spec_from_file_location(f"prodcore_bench_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class _Tee(io.TextIOBase):
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.seen = io.StringIO()

    def write(self, text: str) -> int:
        self.out.write(text)
        self.seen.write(text)
        return len(text)

    def flush(self) -> None:
        self.out.flush()


@contextlib.contextmanager
def _captured() -> Iterator[_Tee]:
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        yield tee


def _banner(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}", flush=True)


def _ratio(rows: list[Row], bench: str, figures: list[tuple[str, float]]) -> None:
    for (case, seconds), (prev_case, prev) in zip(figures[1:], figures, strict=False):
        if prev > 0:
            rows.append((bench, f"{prev_case} -> {case}", "time ratio", f"{seconds / prev:.2f}"))


def run_flow(tiny: bool, pg: str | None, n: int | None, k: int | None) -> list[Row]:
    bench = load("bench_flow")
    argv = ["--tiny"] if tiny else []
    if n is not None:
        argv += ["-n", str(n)]
    if k is not None:
        argv += ["-k", str(k)]
    if pg:
        argv += ["--pg", pg]
    bench.main(argv)
    rows: list[Row] = []
    for r in bench.LAST_RESULTS:
        case = f"{r.store}, {r.orders} orders"
        s = bench.summary(r)
        rows += [
            ("flow", case, "total s (wall / CPU)", f"{r.seconds:.2f} / {r.cpu:.2f}"),
            ("flow", case, "orders/s", f"{s['orders_per_s']:,.0f}"),
            ("flow", case, "item entries/s (stock moves)", f"{s['item_entries_per_s']:,.0f}"),
            ("flow", case, "all entries/s", f"{s['entries_per_s']:,.0f}"),
        ]
        if r.peak_bytes is not None:
            per = r.peak_bytes / max(r.counts.total, 1) / 1024
            rows.append(("flow", case, "peak memory per entry", f"{per:.2f} KiB"))
        if not r.adjusted:
            rows.append(("flow", case, "cost adjustment", "not present"))
    return rows


def run_rollup(tiny: bool) -> list[Row]:
    bench = load("bench_rollup")
    with _captured() as tee:
        bench.main(["--tiny"] if tiny else [])
    figures: list[tuple[str, float]] = []
    for line in tee.seen.getvalue().splitlines():
        cols = line.split()
        if len(cols) > 3 and cols[0].isdigit():
            figures.append((f"{int(cols[0]):,} items", float(cols[3])))
    rows: list[Row] = [("rollup", case, "rollup s", f"{s:.3f}") for case, s in figures]
    _ratio(rows, "rollup", figures)
    return rows


def run_capacity(tiny: bool) -> list[Row]:
    bench = load("bench_capacity")
    with _captured() as tee:
        bench.main(["--tiny"] if tiny else [])
    figures: list[tuple[str, float]] = []
    size = ""
    for line in tee.seen.getvalue().splitlines():
        if line.split(" ", 1)[0].isdigit() and "routing lines" in line:
            size = f"{int(line.split()[0]):,} lines"
        found = re.match(r"\s+calendars \+ forward schedule \+ load view\s+([\d.]+) s", line)
        if found:
            figures.append((size, float(found.group(1))))
    rows: list[Row] = [
        ("capacity", case, "calendars + schedule + load s", f"{s:.3f}") for case, s in figures
    ]
    _ratio(rows, "capacity", figures)
    return rows


def run_balances(tiny: bool, pg: str | None) -> list[Row]:
    bench = load("bench_balances")
    bench.main((["--tiny"] if tiny else []) + (["--pg", pg] if pg else []))
    rows: list[Row] = []
    for r in bench.LAST_RESULTS:
        case = f"{r.store}, {r.entries:,} entries"
        rows.append(
            ("balances", case, "build entries/s", f"{r.entries / (r.build_seconds or 1e-9):,.0f}")
        )
        rows += [("balances", case, f"{q.name} us", f"{q.mean_us:.1f}") for q in r.queries]
    return rows


def run_scaling(tiny: bool, pg: str | None) -> list[Row]:
    bench = load("bench_scaling")
    bench.main((["--tiny"] if tiny else []) + (["--pg", pg] if pg else []))
    rows: list[Row] = []
    for r in bench.LAST_RESULTS:
        case = f"{r.store}, {r.mode}, {r.processes} processes"
        rows.append(("scaling", case, "accepted commands/s", f"{r.per_second:,.1f}"))
        rows.append(("scaling", case, "conflicts per command", f"{r.conflicts_per_accepted:.2f}"))
    return rows


def run_limit(tiny: bool) -> list[Row]:
    bench = load("limit")
    bench.main(["--tiny"] if tiny else [])
    return [
        ("limit", loop, "prodcore time / loop time", f"{ratio:,.1f}")
        for loop, ratio in bench.LAST_MEDIANS.items()
    ]


def run_peer(tiny: bool, pg: str | None) -> list[Row]:
    bench = load("peer")
    bench.main((["--tiny"] if tiny else []) + (["--pg", pg] if pg else []))
    return [
        ("peer", store, "peer s per move / prodcore s per move", f"{wall:,.0f} (CPU {cpu:,.0f})")
        for store, (wall, cpu) in bench.LAST_MEDIANS.items()
    ]


def run_journal(tiny: bool) -> list[Row]:
    bench = load("bench_journal")
    bench.main(["--tiny"] if tiny else [])
    figures = [(f"{lines:,} lines", seconds) for lines, seconds in bench.LAST_RESULTS]
    rows: list[Row] = [("journal", case, "post s", f"{s:.3f}") for case, s in figures]
    _ratio(rows, "journal", figures)
    return rows


def run_adjust(tiny: bool) -> list[Row]:
    bench = load("bench_adjust")
    bench.main(["--tiny"] if tiny else [])
    result = bench.LAST_RESULT
    case = f"memory, {result.entries:,} item entries"
    rows: list[Row] = [("adjust", case, "build s", f"{result.build_seconds:.1f}")]
    for run in result.runs:
        rows.append(("adjust", f"{case}, {run.name}", "s", f"{run.seconds:.3f}"))
        rows.append(("adjust", f"{case}, {run.name}", "entries visited", f"{run.visited:,}"))
    return rows


def print_summary(rows: list[Row], out: TextIO = sys.stdout) -> None:
    widths = [
        max(len(r[i]) for r in [("benchmark", "case", "figure", "value"), *rows]) for i in range(4)
    ]
    header = ("benchmark", "case", "figure", "value")
    print("\n" + "=" * 78, file=out)
    print("summary", file=out)
    print("=" * 78, file=out)
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line, file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row[:3], widths[:3], strict=True)]
        print("  ".join([*cells, row[3].rjust(widths[3])]), file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tiny", action="store_true", help="smoke sizes (seconds)")
    parser.add_argument("--pg", metavar="DSN", default=os.environ.get("PRODCORE_TEST_PG_DSN"))
    parser.add_argument(
        "--only",
        nargs="*",
        choices=(*DEFAULT, "peer"),
        help="run only these benchmarks (peer runs only when named: it takes minutes)",
    )
    parser.add_argument("-n", type=int, default=None, help="flow: top-level orders")
    parser.add_argument("-k", type=int, default=None, help="flow: sub-assemblies per item")
    args = parser.parse_args(argv)
    wanted = args.only or list(DEFAULT)
    runs: dict[str, Callable[[], list[Row]]] = {
        "flow": lambda: run_flow(args.tiny, args.pg, args.n, args.k),
        "rollup": lambda: run_rollup(args.tiny),
        "capacity": lambda: run_capacity(args.tiny),
        "balances": lambda: run_balances(args.tiny, args.pg),
        "scaling": lambda: run_scaling(args.tiny, args.pg),
        "limit": lambda: run_limit(args.tiny),
        "peer": lambda: run_peer(args.tiny, args.pg),
        "journal": lambda: run_journal(args.tiny),
        "adjust": lambda: run_adjust(args.tiny),
    }
    rows: list[Row] = []
    started = time.perf_counter()
    for name in wanted:
        _banner(f"{name}{' (tiny)' if args.tiny else ''}")
        rows += runs[name]()
    if not args.pg:
        rows.append(("(all)", "postgresql (no DSN given)", "", "skipped"))
    rows.append(("(all)", "", "wall time s", f"{time.perf_counter() - started:.1f}"))
    print_summary(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
