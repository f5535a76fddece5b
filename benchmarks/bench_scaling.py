"""Posting throughput with several processes: accepted posting commands per second, and
conflicts (ConcurrencyError, each retried) per accepted command.

Each process posts ``PostConsumption`` commands (one unit of a component, negative
inventory refused, so every decision reads the stock) through ``app.handle`` with
retries, either to orders, items and centres of its own (``unrelated``) or to the same
three orders and one component (``shared``). A fresh database per run: a SQLite file
and, when ``PRODCORE_TEST_PG_DSN`` or ``--pg DSN`` is given, a PostgreSQL schema::

    python benchmarks/bench_scaling.py                     # 1, 2, 4, 8 processes
    python benchmarks/bench_scaling.py --tiny              # smoke run (seconds)
    python scripts/pg_server.py -- .venv/bin/python benchmarks/bench_scaling.py

On SQLite commits take turns (the write lock, held from a posting's first append to its
commit); deciding runs in parallel. On PostgreSQL postings on unrelated orders write
their rows side by side and take turns only for their last step (balances, counters,
commit), so more processes post more per second while there are cores to run them.
``--rounds N --modes unrelated`` repeats the runs, for A/B pairs with another checkout
(``PYTHONPATH=<other>/src``) in the same time window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import multiprocessing
import os
import queue
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodcore.adapters import open_store
from prodcore.app import handle, put_master_data
from prodcore.app._forwarding import ForwardingUnitOfWork
from prodcore.clock import FixedClock
from prodcore.errors import ConcurrencyError, KeyTakenError
from prodcore.masterdata import BomLine, Item, ManufacturingSetup, ProductionBom
from prodcore.orders.execution import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    PostConsumption,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.ports import UnitOfWork

HERE = Path(__file__).resolve().parent
CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
SHARED_ORDERS = 3


@dataclass(frozen=True)
class Result:
    store: str
    mode: str  # "unrelated" or "shared"
    processes: int
    accepted: int
    conflicts: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.accepted / (self.seconds or 1e-9)

    @property
    def conflicts_per_accepted(self) -> float:
        return self.conflicts / (self.accepted or 1)


LAST_RESULTS: list[Result] = []


class _Counting(ForwardingUnitOfWork):
    """A unit of work that counts the commits refused by a concurrent change."""

    def __init__(self, inner: UnitOfWork) -> None:
        super().__init__(inner)
        self.conflicts = 0

    def commit(self) -> None:
        try:
            super().commit()
        except (ConcurrencyError, KeyTakenError):
            self.conflicts += 1
            raise


def _orders_of(worker: int, mode: str) -> list[str]:
    if mode == "shared":
        return [f"PO-S{n}" for n in range(SHARED_ORDERS)]
    return [f"PO-{worker}-{n}" for n in range(SHARED_ORDERS)]


def prepare(url: str, workers: int, mode: str, commands: int) -> None:
    """Items, stock and released orders for ``workers`` processes."""
    groups = ["S"] if mode == "shared" else [str(w) for w in range(workers)]
    with open_store(url, migrate=True) as store:
        put_master_data(
            store(),
            [
                record
                for g in groups
                for record in (
                    Item(f"C{g}", base_unit="PCS", unit_cost="1"),
                    Item(f"P{g}", base_unit="PCS", production_bom_no=f"B{g}"),
                    ProductionBom(f"B{g}", (BomLine(f"C{g}", 1),)),
                )
            ],
            setup=ManufacturingSetup(allow_negative_inventory=False),
        )
        for g in groups:
            line = AdjustmentLine(f"C{g}", commands * workers + 10)
            handle(store(), AdjustInventory(f"stock-{g}", (line,)), clock=CLOCK)
            orders = _orders_of(0, "shared") if g == "S" else _orders_of(int(g), "unrelated")
            for order_id in orders:
                due = dt.date(2026, 3, 9)
                handle(store(), CreateOrder(order_id, f"P{g}", 10**6, due_date=due), clock=CLOCK)
                handle(store(), ChangeStatus(order_id, OrderStatus.RELEASED), clock=CLOCK)


def worker(url: str, number: int, mode: str, commands: int, start: Any, results: Any) -> None:
    """Post ``commands`` consumptions (retrying conflicts) once every process is ready;
    put the accepted count, the conflicts and the wall-clock span on ``results``."""
    with open_store(url) as store:
        uow = _Counting(store())
        orders = _orders_of(number, mode)
        with uow:
            uow.orders.get(orders[0])  # connected and warm before the start
        start.wait()
        started = time.time()
        for n in range(commands):
            line = ConsumptionLine(orders[n % len(orders)], 10000, 10000, 1)
            handle(uow, PostConsumption(f"W{number}-{n}", (line,)), clock=CLOCK, retries=1000)
        ended = time.time()
    results.put({"accepted": commands, "conflicts": uow.conflicts, "start": started, "end": ended})


def run(label: str, url: str, processes: int, mode: str, commands: int) -> Result:
    prepare(url, processes, mode, commands)
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(processes), ctx.Queue()
    # a spawned process imports its target by module name: this file's own name, even
    # when it was loaded under another one (run_all.py, the tests)
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    target = importlib.import_module("bench_scaling").worker
    spawned = [
        ctx.Process(target=target, args=(url, w, mode, commands, start, results))
        for w in range(processes)
    ]
    for process in spawned:
        process.start()
    outs: list[dict[str, Any]] = []
    while len(outs) < processes:
        try:
            outs.append(results.get(timeout=1))
        except queue.Empty:
            if any(process.exitcode not in (None, 0) for process in spawned):
                start.abort()
                raise RuntimeError("a posting process failed (its error is above)") from None
    for process in spawned:
        process.join()
    seconds = max(o["end"] for o in outs) - min(o["start"] for o in outs)
    result = Result(
        label,
        mode,
        processes,
        sum(o["accepted"] for o in outs),
        sum(o["conflicts"] for o in outs),
        seconds,
    )
    print(
        f"{label} {mode:9} {processes} processes: {result.accepted:5} accepted in "
        f"{seconds:6.2f} s = {result.per_second:7.1f}/s; "
        f"conflicts per accepted command {result.conflicts_per_accepted:.2f}",
        flush=True,
    )
    return result


def _pg_schema_url(dsn: str) -> str:
    """A fresh schema of the database ``dsn``, as a URL whose connections use it."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options=-c%20search_path%3D{schema}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tiny", action="store_true", help="smoke sizes (seconds)")
    parser.add_argument("--pg", metavar="DSN", default=os.environ.get("PRODCORE_TEST_PG_DSN"))
    parser.add_argument("--stores", nargs="*", choices=("sqlite", "postgresql"))
    parser.add_argument("--processes", nargs="*", type=int)
    parser.add_argument("--commands", type=int, help="posting commands per process")
    parser.add_argument("--modes", nargs="*", choices=("unrelated", "shared"))
    parser.add_argument("--rounds", type=int, default=1, help="repeat each run (pairs A/B)")
    args = parser.parse_args(argv)
    processes = args.processes or ([1, 2] if args.tiny else [1, 2, 4, 8])
    commands = args.commands or (5 if args.tiny else 400)
    stores = args.stores or (["sqlite", "postgresql"] if args.pg else ["sqlite"])
    print(
        f"{commands} PostConsumption commands per process; {os.cpu_count()} cores; "
        f"processes {processes}",
        flush=True,
    )
    LAST_RESULTS.clear()
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            for store in stores:
                for mode in args.modes or ("unrelated", "shared"):
                    for p in processes:
                        if store == "sqlite":
                            url = f"sqlite:///{tmp}/{mode}-{p}-{n}.db"
                        else:
                            url = _pg_schema_url(args.pg)
                        LAST_RESULTS.append(run(store, url, p, mode, commands))
    return 0


if __name__ == "__main__":
    sys.exit(main())
