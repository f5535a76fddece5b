"""Benchmark of the standard cost rollup on random acyclic BOM graphs.

Run ``python benchmarks/bench_rollup.py`` for 10k, 100k and 1M items, or ``--tiny`` for a
smoke run. It prints the wall and CPU time of the full rollup per size, the CPU time per
item, the ratio of CPU times between consecutive sizes (linear growth gives a ratio close
to the size ratio; CPU time is what other processes on the machine disturb least) and
the time of incremental updates after a random purchased item's cost changed (the first
one also builds the reverse-dependency index) with the number of items whose cost
changed in the second. It asserts nothing about timing.

Memory is the process's resident size (Linux): ``md MiB`` grew while the master data was
generated, ``rollup MiB`` while the rollup was built (what it keeps and what it freed but
the allocator still holds), ``peak MiB`` is the process's peak. Run one size per process
(``--sizes 1000000``) for exact figures: memory freed by a smaller size is reused by the
next. ``--gc-freeze`` calls ``gc.freeze()`` after generating the master data, as an
application that loads its master data once may do, so that the collector no longer
scans it while the rollup allocates.

``--split`` adds two columns, timed before the rollup in the same process: ``rows s``,
the CPU time of compiling every item's graph row alone (the first part of the rollup),
and ``floor s``, the CPU time of the least any compilation does: read every item, its
BOM and its lines, look each component up by number and keep each produced item's
components and quantities per as tuples. What the rows take beyond the floor is what a
cheaper compilation could still save. They run after the master data is generated, so
``md MiB`` then also counts what they left to the allocator: take memory figures from
runs without ``--split``.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import sys
import time
from collections.abc import Sequence
from decimal import Decimal

import attrs

from prodcore.costing import roll_up
from prodcore.costing.rollup_graph import _Compiler  # the rollup's first part, timed alone
from prodcore.masterdata import (
    BomLine,
    BomOutputLine,
    CapacityType,
    Item,
    MasterData,
    OutputKind,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit

_QTY_PER = tuple(Decimal(q) for q in ("1", "2", "0.5", "0.25", "3", "4"))
_LOTS = tuple(Decimal(q) for q in ("1", "2", "5", "10", "25", "100"))
_SCRAP = tuple(Decimal(q) for q in ("0", "0", "2", "5"))
_COSTS = tuple(Decimal(q) for q in ("0.5", "1.25", "3", "7.5", "12", "40"))
_CO_PRODUCT = "co-product"


def generate(n: int, seed: int) -> MasterData:
    """A random acyclic graph of ``n`` items: about 40 % purchased, the rest produced from
    1 to 4 earlier items, on 200 shared routings over 20 work centres. One produced item
    in 20 has BOM outputs: a co-product of its own (the next item, 30 % of the cost), a
    by-product credited at the standard of a purchased item and 5 % process loss."""
    rng = random.Random(seed)
    work_centers = [
        WorkCenter(
            f"WC{k}",
            capacity_unit=rng.choice((TimeUnit.MINUTE, TimeUnit.HOUR)),
            direct_unit_cost=Decimal(rng.randint(1, 60)),
            indirect_cost_percent=Decimal(rng.choice((0, 5, 10))),
            overhead_rate=Decimal(rng.randint(0, 3)),
            unit_cost_calculation=(
                UnitCostCalculation.UNITS if k % 7 == 6 else UnitCostCalculation.TIME
            ),
            subcontractor_no="V1" if k % 10 == 9 else None,
        )
        for k in range(20)
    ]
    routings = []
    for r in range(200):
        ops = tuple(
            RoutingLine(
                str((op + 1) * 10),
                CapacityType.WORK_CENTER,
                f"WC{rng.randrange(20)}",
                setup_time=Duration(rng.randint(0, 60), TimeUnit.MINUTE),
                run_time=Duration(rng.randint(1, 30), TimeUnit.MINUTE),
                scrap_factor_percent=rng.choice(_SCRAP),
                routing_link_code=f"L{op}",
            )
            for op in range(rng.randint(1, 3))
        )
        routings.append(Routing(f"R{r}", ops))
    items: list[Item] = []
    boms: list[ProductionBom] = []
    purchased_template = Item("X", base_unit="PCS")
    produced_template = Item("X", base_unit="PCS", replenishment=Replenishment.PRODUCTION)
    purchased: list[str] = []
    co_product = None
    for i in range(n):
        no = f"I{i}"
        if no == co_product:
            items.append(attrs.evolve(purchased_template, no=no, description=_CO_PRODUCT))
            continue
        if i < 10 or rng.random() < 0.4:
            items.append(attrs.evolve(purchased_template, no=no, unit_cost=rng.choice(_COSTS)))
            purchased.append(no)
            continue
        lines = tuple(
            BomLine(
                f"I{rng.randrange(i)}",
                rng.choice(_QTY_PER),
                scrap_percent=rng.choice(_SCRAP),
                routing_link_code=rng.choice((None, "L0", "L1")),
            )
            for _ in range(rng.randint(1, 4))
        )
        bom = ProductionBom(f"B{i}", lines)
        if i % 20 == 0 and i + 1 < n:
            co_product = f"I{i + 1}"
            by_product = rng.choice(purchased)
            bom = attrs.evolve(
                bom,
                process_loss_percent=Decimal(5),
                outputs=(
                    BomOutputLine(co_product, "0.5", cost_share_percent=30),
                    BomOutputLine(by_product, "0.01", kind=OutputKind.BY_PRODUCT),
                ),
            )
        boms.append(bom)
        items.append(
            attrs.evolve(
                produced_template,
                no=no,
                lot_size=rng.choice(_LOTS),
                scrap_percent=rng.choice(_SCRAP),
                indirect_cost_percent=Decimal(rng.choice((0, 3, 5))),
                overhead_rate=rng.choice(_COSTS),
                production_bom_no=f"B{i}",
                routing_no=f"R{rng.randrange(200)}",
            )
        )
    return MasterData.of(items=items, boms=boms, routings=routings, work_centers=work_centers)


def _rss_mib() -> float:
    """The resident size now (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _peak_mib()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _rows_cpu(md: MasterData) -> float:
    """CPU seconds to compile every item's graph row, the rows kept as the rollup keeps them."""
    index = {no: i for i, no in enumerate(md.items)}
    row, lookup = _Compiler(md, None).row, index.__getitem__
    c0 = time.process_time()
    rows = [row(item, lookup) for item in md.items.values()]
    took = time.process_time() - c0
    del rows
    return took


def _floor_cpu(md: MasterData) -> float:
    """CPU seconds of the least a compilation does (see the module's docstring)."""
    index = {no: i for i, no in enumerate(md.items)}
    lookup, boms = index.__getitem__, md.boms
    c0 = time.process_time()
    kept: list[tuple[tuple[int, ...], tuple[Decimal, ...]] | None] = []
    for item in md.items.values():
        if item.production_bom_no is None:
            kept.append(None)
            continue
        lines = boms[item.production_bom_no].lines
        kept.append(
            (
                tuple([lookup(line.no) for line in lines]),
                tuple([line.quantity_per for line in lines]),
            )
        )
    took = time.process_time() - c0
    del kept
    return took


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tiny", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--sizes", type=int, nargs="*", help="item counts to run")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() the master data")
    parser.add_argument(
        "--split", action="store_true", help="also time the graph rows alone and their floor"
    )
    args = parser.parse_args(argv)
    sizes: list[int] = args.sizes or ([100, 1_000] if args.tiny else [10_000, 100_000, 1_000_000])
    print(
        f"{'items':>9}  {'edges':>9}  {'generate s':>10}  {'rollup s':>9}  {'cpu s':>7}  {'us/item':>8}  "
        f"{'ratio':>6}  {'update1 ms':>10}  {'update2 ms':>10}  {'changed':>7}  "
        f"{'md MiB':>7}  {'rollup MiB':>10}  {'peak MiB':>8}"
        + (f"  {'rows s':>7}  {'floor s':>7}" if args.split else "")
    )
    previous: float | None = None
    for n in sizes:
        m0 = _rss_mib()
        t0 = time.perf_counter()
        md = generate(n, args.seed)
        gc.collect()
        if args.gc_freeze:
            gc.freeze()
        split = f"  {_rows_cpu(md):>7.3f}  {_floor_cpu(md):>7.3f}" if args.split else ""
        gc.collect()
        m1 = _rss_mib()
        t1 = time.perf_counter()
        c1 = time.process_time()
        rollup = roll_up(md)
        cpu = time.process_time() - c1
        t2 = time.perf_counter()
        gc.collect()
        m2 = _rss_mib()
        edges = sum(len(b.lines) for b in md.boms.values())
        # incremental: purchased items get new costs, one at a time; the first update also
        # builds the reverse-dependency index, the second shows the steady state
        rng = random.Random(n)
        leaves = [
            i
            for i in md.items.values()
            if i.replenishment is Replenishment.PURCHASE and i.description != _CO_PRODUCT
        ]  # a co-product's own change rolls everything up again
        current, update_ms, changed = rollup, [], 0
        for _ in range(2):
            leaf = rng.choice(leaves)
            md = attrs.evolve(
                md, items={**md.items, leaf.no: attrs.evolve(leaf, unit_cost=leaf.unit_cost + 1)}
            )
            t3 = time.perf_counter()
            update = current.update(md, items=[leaf.no])
            update_ms.append((time.perf_counter() - t3) * 1e3)
            current, changed = update.rollup, len(update.changes)
        took = t2 - t1
        ratio = f"{cpu / previous:6.2f}" if previous else f"{'-':>6}"
        print(
            f"{n:>9}  {edges:>9}  {t1 - t0:>10.2f}  {took:>9.3f}  {cpu:>7.3f}  {cpu / n * 1e6:>8.2f}  "
            f"{ratio}  {update_ms[0]:>10.1f}  {update_ms[1]:>10.1f}  {changed:>7}  "
            f"{m1 - m0:>7.0f}  {m2 - m1:>10.0f}  {_peak_mib():>8.0f}{split}"
        )
        del md, rollup, current, update
        if args.gc_freeze:
            gc.unfreeze()
        previous = cpu
    return 0


if __name__ == "__main__":
    sys.exit(main())
