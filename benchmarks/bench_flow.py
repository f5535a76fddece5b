"""Benchmark of the production flow: orders created, released, output, finished, adjusted.

N top-level orders of an item whose BOM has K sub-assemblies; each sub-assembly has its
own BOM of K raw materials and a two-operation routing, and is made by its own
production order (so N x (K + 1) orders). Raw materials: the first is forward flushed
(at release), the second backward flushed with the output of operation 10 (routing
link), the rest backward flushed at finish; the sub-assemblies are backward flushed
into the top-level orders at finish. Every command runs through
:func:`prodcore.app.handle` in its own unit of work, as an application would.

Stages, timed separately (wall clock, one core):

* ``create``: CreateOrder (explosion of BOM and routing),
* ``release``: ChangeStatus RELEASED, with forward flushing,
* ``output``: PostOutput per operation with setup and run times (capacity entries,
  output entries on the last operation, backward flushing of linked components),
* ``finish``: ChangeStatus FINISHED, with backward flushing of the unlinked components,
* ``adjust``: :func:`prodcore.app.adjust_cost` per order (if present).

Runs on the in-memory store, a SQLite file and PostgreSQL (when ``PRODCORE_TEST_PG_DSN``
or ``--pg DSN`` is given)::

    python benchmarks/bench_flow.py               # N=200, K=5
    python benchmarks/bench_flow.py -n 1000 -k 3
    python benchmarks/bench_flow.py --tiny        # smoke run

Item entries (consumption and output, what an ERP calls stock moves) are counted apart
from capacity, value and G/L entries. Peak memory per entry comes from a second run
under tracemalloc, on the in-memory store only unless ``--memory-all`` (tracemalloc
sees Python allocations only: SQLite's and libpq's own are not counted, and it slows
the run about tenfold).
No assertion is made about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from prodcore.adapters import Store, open_store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.ledger.model import PostingBatch, PostingResult
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.ports import MasterDataRecord

STAGES = ("create", "release", "output", "finish", "adjust")
T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 31)
TOP_QTY = 10


@attrs.define
class Counts:
    """Entries posted: item (consumption, output), capacity, value, G/L."""

    item: int = 0
    capacity: int = 0
    value: int = 0
    gl: int = 0

    def add(self, batch: PostingBatch | None) -> None:
        if batch is None:
            return
        self.item += len(batch.item_entries)
        self.capacity += len(batch.capacity_entries)
        self.value += len(batch.value_entries)
        # counted without building lines a batch derives (the A/B base has no gl_count)
        count = getattr(batch, "gl_count", None)
        self.gl += len(batch.gl_entries) if count is None else count

    @property
    def total(self) -> int:
        return self.item + self.capacity + self.value + self.gl


@attrs.define
class Stage:
    name: str
    seconds: float = 0.0
    cpu: float = 0.0
    commands: int = 0
    counts: Counts = attrs.field(factory=Counts)


@attrs.define
class FlowResult:
    store: str
    orders: int
    stages: list[Stage]
    adjusted: bool
    peak_bytes: int | None = None

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stages)

    @property
    def cpu(self) -> float:
        return sum(s.cpu for s in self.stages)

    @property
    def counts(self) -> Counts:
        total = Counts()
        for s in self.stages:
            total.item += s.counts.item
            total.capacity += s.counts.capacity
            total.value += s.counts.value
            total.gl += s.counts.gl
        return total


def master_data(k: int, prefix: str) -> list[MasterDataRecord]:
    """The top item, its K sub-assemblies and their K raw materials each."""
    records: list[MasterDataRecord] = [
        WorkCenter(f"{prefix}WC{w}", direct_unit_cost=Decimal(w + 1), overhead_rate=1)
        for w in range(4)
    ]

    def routing(no: str, wc: int) -> Routing:
        return Routing(
            no,
            (
                RoutingLine(
                    "10",
                    CapacityType.WORK_CENTER,
                    f"{prefix}WC{wc % 4}",
                    setup_time=Duration(10, TimeUnit.MINUTE),
                    run_time=Duration(2, TimeUnit.MINUTE),
                    routing_link_code="L10",
                ),
                RoutingLine(
                    "20",
                    CapacityType.WORK_CENTER,
                    f"{prefix}WC{(wc + 1) % 4}",
                    run_time=Duration(3, TimeUnit.MINUTE),
                ),
            ),
        )

    top_lines = []
    for s in range(k):
        sub = f"{prefix}S{s}"
        lines = []
        for m in range(k):
            raw = f"{prefix}R{s}-{m}"
            method = FlushingMethod.FORWARD if m == 0 else FlushingMethod.BACKWARD
            records.append(
                Item(raw, base_unit="PCS", unit_cost=Decimal(m + 1), flushing_method=method)
            )
            lines.append(BomLine(raw, m % 3 + 1, routing_link_code="L10" if m == 1 else None))
        records += [
            ProductionBom(f"{sub}-BOM", tuple(lines)),
            routing(f"{sub}-RTG", s),
            Item(
                sub,
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no=f"{sub}-BOM",
                routing_no=f"{sub}-RTG",
                unit_cost=Decimal(20 + s),
                standard_cost=Decimal(20 + s),
                flushing_method=FlushingMethod.BACKWARD,
            ),
        ]
        top_lines.append(BomLine(sub, 1))
    records += [
        ProductionBom(f"{prefix}TOP-BOM", tuple(top_lines)),
        routing(f"{prefix}TOP-RTG", 2),
        Item(
            f"{prefix}TOP",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no=f"{prefix}TOP-BOM",
            routing_no=f"{prefix}TOP-RTG",
            unit_cost=Decimal(200),
            standard_cost=Decimal(200),
        ),
    ]
    return records


def _adjust_function() -> Callable[..., Any] | None:
    try:
        module = importlib.import_module("prodcore.app")
    except ImportError:
        return None
    fn = getattr(module, "adjust_cost", None)
    return fn if callable(fn) else None


def run_flow(store: Store, n: int, k: int, label: str, catalogue: int = 0) -> FlowResult:
    """Run the whole flow once on ``store``; every name carries a fresh prefix, so the
    same database may be used again."""
    prefix = f"B{uuid.uuid4().hex[:6]}-"
    clock = FixedClock(T0)
    put_master_data(store(), master_data(k, prefix))
    if catalogue:  # other items in the master data, not used by the flow
        put_master_data(
            store(),
            [Item(f"{prefix}X{i}", base_unit="PCS", unit_cost=1) for i in range(catalogue)],
        )
    # (order id, item, quantity): sub-assembly orders first, so their output is on hand
    # when the top-level orders flush it
    orders: list[tuple[str, str, int]] = []
    for i in range(n):
        orders += [(f"{prefix}{i}-S{s}", f"{prefix}S{s}", TOP_QTY) for s in range(k)]
    orders += [(f"{prefix}{i}-TOP", f"{prefix}TOP", TOP_QTY) for i in range(n)]
    stages = {name: Stage(name) for name in STAGES}

    def timed(stage: Stage, command: CreateOrder | ChangeStatus | PostOutput) -> None:
        start, cpu = time.perf_counter(), time.process_time()
        result = handle(store(), command, clock=clock)
        stage.seconds += time.perf_counter() - start
        stage.cpu += time.process_time() - cpu
        stage.commands += 1
        stage.counts.add(result.batch if isinstance(result, PostingResult) else result.posting)

    for order_id, item_no, qty in orders:
        timed(stages["create"], CreateOrder(order_id, item_no, qty, due_date=DUE))
    clock.advance(dt.timedelta(hours=1))
    for order_id, _, _ in orders:
        timed(stages["release"], ChangeStatus(order_id, OrderStatus.RELEASED))
    clock.advance(dt.timedelta(hours=1))
    for order_id, _, qty in orders:
        for op in ("10", "20"):
            line = OutputLine(
                order_id,
                10000,
                op,
                output_quantity=qty,
                setup_time=Duration(10 if op == "10" else 0, TimeUnit.MINUTE),
                run_time=Duration(2 * qty, TimeUnit.MINUTE),
                finished=True,
            )
            timed(stages["output"], PostOutput(f"{order_id}/out/{op}", (line,)))
    clock.advance(dt.timedelta(hours=1))
    for order_id, _, _ in orders:
        timed(stages["finish"], ChangeStatus(order_id, OrderStatus.FINISHED))
    adjust = _adjust_function()
    if adjust is not None:
        clock.advance(dt.timedelta(hours=1))
        stage = stages["adjust"]
        for order_id, _, _ in orders:
            start, cpu = time.perf_counter(), time.process_time()
            result = adjust(store(), order_id, clock=clock, idempotency_key=f"{order_id}/adjust")
            stage.seconds += time.perf_counter() - start
            stage.cpu += time.process_time() - cpu
            stage.commands += 1
            stage.counts.add(result.batch)
    return FlowResult(label, len(orders), list(stages.values()), adjust is not None)


def _measure_peak(
    open_: Callable[[], Store], n: int, k: int, label: str, catalogue: int = 0
) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        with open_() as store:
            run_flow(store, n, k, label, catalogue)
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


@contextmanager
def _sqlite_file() -> Iterator[Callable[[], Store]]:
    with tempfile.TemporaryDirectory(prefix="prodcore-bench-") as tmp:
        count = iter(range(1000))

        def open_() -> Store:
            return open_store(f"sqlite:///{Path(tmp) / f'flow{next(count)}.db'}")

        yield open_


def print_result(r: FlowResult) -> None:
    c = r.counts
    print(f"\n{r.store}: {r.orders} orders, {r.seconds:.2f} s wall, {r.cpu:.2f} s CPU")
    print(
        f"  {'stage':<8} {'s':>8} {'cpu s':>7} {'commands':>8} {'cmd/s':>8} {'item':>7} "
        f"{'capacity':>8} {'value':>7} {'G/L':>7} {'item/s':>8} {'all/s':>8}"
    )
    for s in r.stages:
        if s.commands == 0:
            print(f"  {s.name:<8} {'-':>8}  (prodcore.app.adjust_cost not found)")
            continue
        per = s.seconds or 1e-9
        print(
            f"  {s.name:<8} {s.seconds:>8.3f} {s.cpu:>7.3f} {s.commands:>8} {s.commands / per:>8.0f} "
            f"{s.counts.item:>7} {s.counts.capacity:>8} {s.counts.value:>7} {s.counts.gl:>7} "
            f"{s.counts.item / per:>8.0f} {s.counts.total / per:>8.0f}"
        )
    secs = r.seconds or 1e-9
    print(
        f"  {'total':<8} {r.seconds:>8.3f} {r.cpu:>7.3f} {sum(s.commands for s in r.stages):>8} "
        f"{sum(s.commands for s in r.stages) / secs:>8.0f} {c.item:>7} {c.capacity:>8} "
        f"{c.value:>7} {c.gl:>7} {c.item / secs:>8.0f} {c.total / secs:>8.0f}"
    )
    print(f"  orders/s (whole flow per order): {r.orders / secs:.0f}")
    print(f"  item ledger entries/s (consumption + output): {c.item / secs:.0f}")
    print(f"  all entries/s (item, capacity, value, G/L): {c.total / secs:.0f}")
    if r.peak_bytes is not None:
        print(
            f"  peak traced memory: {r.peak_bytes / 2**20:.1f} MiB, "
            f"{r.peak_bytes / max(c.total, 1) / 1024:.2f} KiB per entry"
        )


def summary(r: FlowResult) -> dict[str, float]:
    """Headline figures of one run (for run_all)."""
    secs = r.seconds or 1e-9
    c = r.counts
    return {
        "seconds": r.seconds,
        "orders_per_s": r.orders / secs,
        "item_entries_per_s": c.item / secs,
        "entries_per_s": c.total / secs,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=None, help="top-level orders (default 200)")
    parser.add_argument("-k", type=int, default=None, help="sub-assemblies per item (default 5)")
    parser.add_argument("--tiny", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument(
        "--catalogue",
        type=int,
        default=0,
        help="other items in the master data, unused by the flow (default 0)",
    )
    parser.add_argument("--pg", metavar="DSN", default=os.environ.get("PRODCORE_TEST_PG_DSN"))
    parser.add_argument(
        "--stores",
        nargs="*",
        choices=("memory", "sqlite", "postgresql"),
        default=["memory", "sqlite", "postgresql"],
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    parser.add_argument(
        "--memory-all",
        action="store_true",
        help="tracemalloc run on every store (default: the in-memory store only)",
    )
    args = parser.parse_args(argv)
    n = args.n if args.n is not None else (5 if args.tiny else 200)
    k = args.k if args.k is not None else (3 if args.tiny else 5)
    print(
        f"production flow: N={n} top-level orders, K={k} sub-assemblies of K raw materials "
        f"({n * (k + 1)} orders)"
    )
    if _adjust_function() is None:
        print("cost adjustment: prodcore.app.adjust_cost not present, not timed")
    results: list[FlowResult] = []
    with _sqlite_file() as sqlite_open:
        openers: dict[str, Callable[[], Store]] = {
            "memory": lambda: open_store("memory:"),
            "sqlite": sqlite_open,
        }
        if args.pg:
            pg = args.pg
            openers["postgresql"] = lambda: open_store(pg, migrate=True)
        elif "postgresql" in args.stores and argv is None:
            print("postgresql: skipped (no PRODCORE_TEST_PG_DSN, no --pg DSN)")
        for name in args.stores:
            if name not in openers:
                continue
            gc.collect()
            with openers[name]() as store:
                result = run_flow(store, n, k, name, args.catalogue)
            if not args.no_memory and (name == "memory" or args.memory_all):
                result.peak_bytes = _measure_peak(openers[name], n, k, name, args.catalogue)
            print_result(result)
            results.append(result)
    global LAST_RESULTS
    LAST_RESULTS = results
    return 0


LAST_RESULTS: list[FlowResult] = []

if __name__ == "__main__":
    sys.exit(main())
