"""Benchmark of sequencing: orders × 5 operations over 50 work centres and a year,
sequenced finite by due date in one call (forward from the first working day).

    python benchmarks/bench_sequencing.py               # 1 000 and 10 000 orders, and the ratio
    python benchmarks/bench_sequencing.py 2000          # other sizes
    python benchmarks/bench_sequencing.py --tiny        # smoke run
    python benchmarks/bench_sequencing.py --bottleneck  # 2-operation orders, one bottleneck

Each operation runs 30 to 150 minutes on a random centre of a two-shift (06-22) Monday to
Friday calendar; due dates spread over the year. Prints the CPU time (of this process,
so a busy machine does not inflate it) per size, the orders per second, how many orders
are late, and the first -> last time ratio (10 for linear over 10 times the orders).
``--bottleneck`` sequences orders of a 10-minute operation on one centre and a 60-minute
one on another instead (1 000 and 4 000 orders): each second operation starts far
before the bottleneck's first free time. No assertion is made about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
from collections.abc import Sequence

from prodcore.app.scheduling import collector_paused
from prodcore.masterdata import CapacityType, MasterData, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.scheduling import ShopCalendar, WorkShift, build_calendars
from prodcore.scheduling.sequencing import sequence_orders

CENTRES = 50
OPS_PER_ORDER = 5
YEAR_START = dt.date(2026, 1, 5)
YEAR_END = dt.date(2027, 1, 4)


def _orders(count: int, rng: random.Random) -> list[ProductionOrder]:
    days = (YEAR_END - YEAR_START).days - 30
    orders = []
    for n in range(count):
        centres = [f"WC{rng.randrange(CENTRES)}" for _ in range(OPS_PER_ORDER)]
        ops = tuple(
            Operation(
                f"{10 * (k + 1)}",
                CapacityType.WORK_CENTER,
                centre,
                centre,
                run_time=Duration(rng.randrange(30, 151, 10)),
                input_quantity=1,
            )
            for k, centre in enumerate(centres)
        )
        due = YEAR_START + dt.timedelta(days=7 + rng.randrange(days))
        orders.append(
            ProductionOrder(
                f"PO{n:06d}",
                OrderStatus.RELEASED,
                "X",
                1,
                due_date=due,
                lines=(OrderLine(1, "X", 1, operations=ops),),
            )
        )
    return orders


def run(count: int, seed: int = 1) -> tuple[float, int, int]:
    """(seconds, late orders, unplaced orders) of sequencing ``count`` orders."""
    rng = random.Random(seed)
    shifts = tuple(WorkShift(day, dt.time(6), dt.time(22)) for day in range(5))
    shop = ShopCalendar("S", shifts=shifts)
    centres = [WorkCenter(f"WC{i}", calendar_code="S") for i in range(CENTRES)]
    md = MasterData.of(work_centers=centres)
    calendars = build_calendars(centres, [], [shop], YEAR_START, YEAR_END)
    orders = _orders(count, rng)
    start = dt.datetime.combine(YEAR_START, dt.time(6), dt.UTC)
    gc.collect()  # a collection owed for building the orders is not charged to the run
    began = time.process_time()
    with collector_paused():  # as the application runs it
        result = sequence_orders(orders, md, calendars, start=start, ending_time=dt.time(22))
    seconds = time.process_time() - began
    return seconds, len(result.late) - len(result.unplaced), len(result.unplaced)


def run_bottleneck(count: int) -> tuple[float, int, int]:
    """(seconds, late, unplaced) of ``count`` orders through a bottleneck: 10 minutes on A,
    then 60 minutes on B."""
    shifts = tuple(WorkShift(day, dt.time(6), dt.time(22)) for day in range(5))
    centres = [WorkCenter(no, calendar_code="S") for no in ("A", "B")]
    md = MasterData.of(work_centers=centres)
    calendars = build_calendars(centres, [], [ShopCalendar("S", shifts=shifts)], YEAR_START,
                                YEAR_START + dt.timedelta(days=3 * 365))  # fmt: skip
    orders = [
        ProductionOrder(
            f"PO{n:06d}", OrderStatus.RELEASED, "X", 1, due_date=YEAR_END,
            lines=(OrderLine(1, "X", 1, operations=(
                Operation("10", CapacityType.WORK_CENTER, "A", "A", run_time=Duration(10),
                          input_quantity=1),
                Operation("20", CapacityType.WORK_CENTER, "B", "B", run_time=Duration(60),
                          input_quantity=1),
            )),),
        )
        for n in range(count)
    ]  # fmt: skip
    start = dt.datetime.combine(YEAR_START, dt.time(6), dt.UTC)
    gc.collect()  # a collection owed for building the orders is not charged to the run
    began = time.process_time()
    with collector_paused():  # as the application runs it
        result = sequence_orders(orders, md, calendars, start=start, ending_time=dt.time(22))
    seconds = time.process_time() - began
    return seconds, len(result.late) - len(result.unplaced), len(result.unplaced)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("sizes", nargs="*", type=int)
    parser.add_argument("--tiny", action="store_true", help="a smoke run (100 and 1 000 orders)")
    parser.add_argument(
        "--bottleneck", action="store_true", help="2-operation orders through one bottleneck"
    )
    args = parser.parse_args(argv)
    if args.bottleneck:
        sizes = [100, 400] if args.tiny else (args.sizes or [1000, 4000])
    else:
        sizes = [100, 1000] if args.tiny else (args.sizes or [1000, 10000])
    shape = "2 ops, bottleneck" if args.bottleneck else f"{OPS_PER_ORDER} ops, {CENTRES} centres"
    timings = []
    for size in sizes:
        seconds, late, unplaced = (run_bottleneck if args.bottleneck else run)(size)
        timings.append(seconds)
        print(
            f"{size:>7} orders x {shape}: {seconds:8.2f} s "
            f"({size / seconds:,.0f} orders/s), {late} late, {unplaced} unplaced"
        )
    if len(sizes) >= 2:
        print(
            f"ratio {sizes[0]} -> {sizes[-1]}: {timings[-1] / timings[0]:.1f}x time "
            f"for {sizes[-1] / sizes[0]:.0f}x orders"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
