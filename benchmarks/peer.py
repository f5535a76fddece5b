"""prodcore against its peer, Tryton 8.2 with its production module, in the same rounds.

    .venv/bin/python benchmarks/peer.py --install            # make the peer's venv (once)
    .venv/bin/python benchmarks/peer.py                      # N=20, K=5, 5 rounds
    .venv/bin/python benchmarks/peer.py --tiny               # smoke sizes
    python scripts/pg_server.py -- .venv/bin/python benchmarks/peer.py --stores postgresql

Both run the same workload: N top-level orders for an item whose BOM has K
sub-assemblies, each made by its own order from K raw materials, so N x (K + 1) x (K + 1)
stock moves (prodcore's item entries: consumption and output). prodcore runs
``bench_flow.run_flow`` (create, release, output per operation, finish, cost
adjustment: one command per unit of work). Tryton runs each production through its
buttons (create from the BOM, wait, assign, run, done), one transaction per click as its
dispatcher would, in its own interpreter (``peer_tryton.py``), with no network or client
in between.

Each round runs both flows back to back (after one warm-up round, not counted) on fresh databases, the order alternating from
round to round, so both see the same load on the machine. The figure is the ratio of
seconds per stock move, peer over prodcore, computed per round; the script prints each
round's and their median, per store, with the machine's core count. Stores are paired
with the peer's backends: prodcore's in-memory store with Tryton on an in-memory SQLite
database, a SQLite file with a SQLite file, PostgreSQL with PostgreSQL (the same server).

``--install`` makes a throwaway virtual environment (``--venv``, default
``$TMPDIR/prodcore-peer-venv``) and installs ``trytond`` 8.2 (with its PostgreSQL
extra), ``trytond_production`` 8.2 and ``psycopg[binary]`` into it with pip. Without that
environment the peer part is skipped with a message and only prodcore's side runs. No
assertion is made about time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from prodcore.adapters import Store, open_store

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_flow  # noqa: E402  (a script of this directory)

DEFAULT_VENV = Path(tempfile.gettempdir()) / "prodcore-peer-venv"
PEER_PACKAGES = (
    "trytond[postgresql]>=8.2,<8.3",
    "trytond_production>=8.2,<8.3",
    "psycopg[binary]",
)
#: prodcore's store -> the peer's backend on the same kind of storage
BACKENDS = {"memory": "sqlite-memory", "sqlite": "sqlite", "postgresql": "postgresql"}


def install(venv: Path) -> Path:
    """Make ``venv`` and install the peer into it; its interpreter."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    return python


def peer_python(venv: Path) -> Path | None:
    """The peer's interpreter, when the peer is installed in ``venv``."""
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    found = subprocess.run(
        [str(python), "-c", "import trytond.modules.production"], capture_output=True
    )
    return python if found.returncode == 0 else None


class Peer:
    """The peer's flow in its own process: set up once, then one round per request."""

    def __init__(self, python: Path, backend: str, n: int, k: int, dsn: str | None) -> None:
        command = [str(python), str(HERE / "peer_tryton.py"), "--backend", backend]
        command += ["-n", str(n), "-k", str(k), "--cache", str(python.parent.parent / "dbcache")]
        env = dict(os.environ)
        if dsn:
            command += ["--dsn", dsn]
            # the peer's database cache runs pg_dump and pg_restore, which read the server
            # from these variables, not from a host given in the DSN's query
            query = parse_qs(urlsplit(dsn).query)
            env.update(
                {f"PG{key.upper()}": query[key][0] for key in ("host", "port") if key in query}
            )
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        if self._line() != "ready":
            raise RuntimeError(f"the peer did not start ({backend})")

    def _line(self) -> str:
        out: IO[str] | None = self.process.stdout
        assert out is not None
        return out.readline().strip()

    def round(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        line = self._line()
        if not line:
            raise RuntimeError("the peer stopped")
        figures: dict[str, Any] = json.loads(line)
        return figures

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=120)


def prodcore_round(open_: Callable[[], Store], n: int, k: int, store: str) -> dict[str, Any]:
    """prodcore's flow once, on a fresh store: seconds, CPU and stock moves."""
    gc.collect()
    with open_() as opened:
        result = bench_flow.run_flow(opened, n, k, store)
    return {"seconds": result.seconds, "cpu": result.cpu, "moves": result.counts.item}


@contextmanager
def openers(pg: str | None) -> Iterator[dict[str, Callable[[], Store]]]:
    """A fresh store of each kind per call."""
    with tempfile.TemporaryDirectory(prefix="prodcore-peer-") as tmp:
        count = iter(range(10**6))
        found: dict[str, Callable[[], Store]] = {
            "memory": lambda: open_store("memory:"),
            "sqlite": lambda: open_store(f"sqlite:///{Path(tmp) / f'flow{next(count)}.db'}"),
        }
        if pg:
            found["postgresql"] = lambda: open_store(pg, migrate=True)
        yield found


def per_move(figures: dict[str, Any], key: str) -> float:
    return float(figures[key]) / max(int(figures["moves"]), 1)


def compare(
    store: str,
    open_: Callable[[], Store],
    peer: Peer | None,
    rounds: int,
    n: int,
    k: int,
) -> tuple[list[float], list[float]]:
    """``rounds`` paired rounds on ``store``; the per-round ratios of wall and of CPU time
    (empty without a peer)."""
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    print(f"\n{store} (peer: {BACKENDS[store]})")
    print(
        f"  {'round':>5} {'prodcore moves/s':>16} {'cpu':>8} {'peer moves/s':>13} {'cpu':>8} "
        f"{'ratio':>7} {'cpu ratio':>9}"
    )
    for r in range(rounds + 1):  # round 0 warms both up (converters, caches) and is not counted
        ours: dict[str, Any]
        theirs: dict[str, Any] | None = None
        if peer is not None and r % 2:  # alternate who goes first
            theirs = peer.round()
        ours = prodcore_round(open_, n, k, store)
        if peer is not None and theirs is None:
            theirs = peer.round()
        line = (
            f"  {r or 'warm':>5} {1 / per_move(ours, 'seconds'):>16.0f} "
            f"{1 / per_move(ours, 'cpu'):>8.0f}"
        )
        if theirs is not None:
            ratio = per_move(theirs, "seconds") / per_move(ours, "seconds")
            cpu_ratio = per_move(theirs, "cpu") / per_move(ours, "cpu")
            if r:
                ratios.append(ratio)
                cpu_ratios.append(cpu_ratio)
            line += (
                f" {1 / per_move(theirs, 'seconds'):>13.1f} {1 / per_move(theirs, 'cpu'):>8.1f}"
                f" {ratio:>7.0f} {cpu_ratio:>9.0f}"
            )
        print(line, flush=True)
    if ratios:
        print(
            f"  median of per-round ratios (peer s per move / prodcore s per move): "
            f"{statistics.median(ratios):.0f}x wall, {statistics.median(cpu_ratios):.0f}x CPU"
        )
    return ratios, cpu_ratios


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--install", action="store_true", help="install the peer first")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="the peer's venv")
    parser.add_argument("-n", type=int, default=None, help="top-level orders (default 20)")
    parser.add_argument("-k", type=int, default=None, help="sub-assemblies per item (default 5)")
    parser.add_argument("--rounds", type=int, default=None, help="paired rounds (default 5)")
    parser.add_argument("--tiny", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--pg", metavar="DSN", default=os.environ.get("PRODCORE_TEST_PG_DSN"))
    parser.add_argument("--stores", nargs="*", choices=tuple(BACKENDS), default=list(BACKENDS))
    args = parser.parse_args(argv)
    n = args.n if args.n is not None else (2 if args.tiny else 20)
    k = args.k if args.k is not None else (2 if args.tiny else 5)
    rounds = args.rounds if args.rounds is not None else (2 if args.tiny else 5)
    python = install(args.venv) if args.install else peer_python(args.venv)
    print(
        f"prodcore against Tryton 8.2 (production): N={n} top-level orders, K={k}, "
        f"{n * (k + 1) * (k + 1)} stock moves per round, {rounds} rounds, "
        f"{os.cpu_count()} cores"
    )
    if python is None:
        print(
            f"peer: not installed in {args.venv}; skipping the peer part "
            "(run benchmarks/peer.py --install to install it)"
        )
    medians: dict[str, tuple[float, float]] = {}
    with openers(args.pg) as found:
        for store in args.stores:
            if store not in found:
                print(f"\n{store}: skipped (no PRODCORE_TEST_PG_DSN, no --pg DSN)")
                continue
            started = time.perf_counter()
            peer = (
                Peer(python, BACKENDS[store], n, k, args.pg if store == "postgresql" else None)
                if python is not None
                else None
            )
            if peer is not None:
                print(f"\n{store}: peer ready in {time.perf_counter() - started:.0f} s")
            try:
                ratios, cpu_ratios = compare(store, found[store], peer, rounds, n, k)
            finally:
                if peer is not None:
                    peer.close()
            if ratios:
                medians[store] = (statistics.median(ratios), statistics.median(cpu_ratios))
    LAST_MEDIANS.clear()
    LAST_MEDIANS.update(medians)
    if medians:
        print(f"\nsame-run ratios, median of {rounds} rounds, {os.cpu_count()} cores:")
        for store, (ratio, cpu_ratio) in medians.items():
            print(
                f"  {store:<10} prodcore posts {ratio:.0f}x the peer's stock moves per second "
                f"({cpu_ratio:.0f}x per CPU second)"
            )
    return 0


#: The median ratios of the last run (wall, CPU), by store (for run_all).
LAST_MEDIANS: dict[str, tuple[float, float]] = {}

if __name__ == "__main__":
    sys.exit(main())
