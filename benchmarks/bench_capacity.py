"""Benchmark of capacity: calendars, needs, scheduling and the load view.

Builds 200 work centres (every fourth with two machine centres) on a two-shift shop
calendar for a year, then orders with five operations each (so ``lines`` routing lines
in all), and times each phase on one core::

    python benchmarks/bench_capacity.py                # 10 000 and 100 000 lines
    python benchmarks/bench_capacity.py 5000 --finite  # also finite capacity
    python benchmarks/bench_capacity.py --tiny         # smoke run
    python benchmarks/bench_capacity.py --gc-freeze    # orders frozen out of the GC

Prints one block of figures per size. No assertion is made about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from prodcore.masterdata import CapacityType, MachineCenter, MasterData, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.scheduling import (
    CapacityMode,
    Direction,
    Holiday,
    ShopCalendar,
    WorkShift,
    build_calendars,
    load_view,
    operation_need,
    schedule_orders,
)

T = TypeVar("T")

CENTRES = 200
OPS_PER_ORDER = 5
YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2027, 1, 1)


def _timed(label: str, fn: Callable[[], T], figures: list[tuple[str, float]]) -> T:
    # CPU time of this process (a busy shared machine does not inflate it), with no
    # garbage collection owed by an earlier phase charged to this one
    gc.collect()
    start = time.process_time()
    result = fn()
    figures.append((label, time.process_time() - start))
    return result


def _shop() -> ShopCalendar:
    shifts = tuple(
        WorkShift(day, start, end, code)
        for day in range(5)
        for start, end, code in (
            (dt.time(6), dt.time(14), "EARLY"),
            (dt.time(14), dt.time(22), "LATE"),
        )
    )
    holidays = (Holiday(dt.date(2026, 1, 1)), Holiday(dt.date(2026, 12, 25)))
    return ShopCalendar("TWO-SHIFT", shifts=shifts, holidays=holidays)


def _master_data() -> tuple[list[WorkCenter], list[MachineCenter]]:
    wcs = [
        WorkCenter(
            f"WC{i:03}",
            capacity=1 + i % 3,
            efficiency_percent=80 + i % 5 * 10,
            calendar_code="TWO-SHIFT",
        )
        for i in range(CENTRES)
    ]
    mcs = [
        MachineCenter(f"MC{i:03}-{j}", f"WC{i:03}", efficiency_percent=90)
        for i in range(0, CENTRES, 4)
        for j in range(2)
    ]
    return wcs, mcs


def _orders(
    lines: int, wcs: Sequence[WorkCenter], mcs: Sequence[MachineCenter], rng: random.Random
) -> tuple[list[ProductionOrder], dict[str, dt.datetime]]:
    orders: list[ProductionOrder] = []
    anchors: dict[str, dt.datetime] = {}
    n_orders = max(1, lines // OPS_PER_ORDER)
    for k in range(n_orders):
        ops = []
        for j in range(OPS_PER_ORDER):
            if rng.random() < 0.2:
                mc = rng.choice(mcs)
                ctype, no, wc_no = CapacityType.MACHINE_CENTER, mc.no, mc.work_center_no
            else:
                wc = rng.choice(wcs)
                ctype, no, wc_no = CapacityType.WORK_CENTER, wc.no, wc.no
            ops.append(
                Operation(
                    str(10 * (j + 1)),
                    ctype,
                    no,
                    wc_no,
                    setup_time=Duration(rng.randint(0, 60)),
                    run_time=Duration(Decimal(rng.randint(1, 40)) / 10),
                    input_quantity=rng.randint(1, 50),
                    wait_time=Duration(rng.choice((0, 0, 30))),
                )
            )
        order_id = f"PO{k:06}"
        orders.append(
            ProductionOrder(
                order_id,
                OrderStatus.RELEASED,
                "ITEM",
                1,
                due_date=YEAR_END,
                lines=(OrderLine(1, "ITEM", 1, operations=tuple(ops)),),
            )
        )
        day = YEAR_START + dt.timedelta(days=rng.randint(0, 330))
        anchors[order_id] = dt.datetime.combine(day, dt.time(6), dt.UTC)
    return orders, anchors


def run(
    lines: int, *, finite: bool = False, freeze: bool = False, seed: int = 7
) -> list[tuple[str, float]]:
    """Time each phase for ``lines`` routing lines; returns (label, seconds)."""
    rng = random.Random(seed)
    wcs, mcs = _master_data()
    md = MasterData.of(work_centers=wcs, machine_centers=mcs)
    shop = _shop()
    figures: list[tuple[str, float]] = []
    orders, anchors = _timed(
        "build orders (not part of capacity)", lambda: _orders(lines, wcs, mcs, rng), figures
    )
    if freeze:
        gc.collect()
        gc.freeze()  # the orders are long-lived: keep the collector from re-scanning them
    cals = _timed(
        "calendars (300 centres x 1 year)",
        lambda: build_calendars(wcs, mcs, [shop], YEAR_START, YEAR_END),
        figures,
    )
    _timed(
        "capacity needs",
        lambda: [operation_need(op, md) for o in orders for _, op in o.iter_operations()],
        figures,
    )
    result = _timed(
        "schedule forward, infinite",
        lambda: schedule_orders(orders, md, cals, anchors=anchors, update_operations=False),
        figures,
    )
    _timed(
        "  same, evolving every operation",
        lambda: schedule_orders(orders, md, cals, anchors=anchors),
        figures,
    )
    _timed(
        "schedule backward, infinite",
        lambda: schedule_orders(
            orders,
            md,
            cals,
            anchors={k: v + dt.timedelta(days=30) for k, v in anchors.items()},
            direction=Direction.BACKWARD,
            update_operations=False,
        ),
        figures,
    )
    view = _timed(
        "load view (daily, 1 year)",
        lambda: load_view(cals, result.allocations, start=YEAR_START, end=YEAR_END),
        figures,
    )
    if finite:
        _timed(
            "schedule forward, finite",
            lambda: schedule_orders(
                orders, md, cals, anchors=anchors, mode=CapacityMode.FINITE, update_operations=False
            ),
            figures,
        )
    if freeze:
        gc.unfreeze()
    figures.append((f"  ({len(result.allocations)} allocations, {len(view.rows)} load rows)", 0.0))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("sizes", nargs="*", type=int, help="routing lines (default 10000 100000)")
    parser.add_argument("--tiny", action="store_true", help="a smoke run with 200 lines")
    parser.add_argument("--finite", action="store_true", help="also time finite scheduling")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() the orders before timing"
    )
    args = parser.parse_args(argv)
    sizes = [200] if args.tiny else (args.sizes or [10_000, 100_000])
    for size in sizes:
        print(f"{size} routing lines, {CENTRES} work centres + {CENTRES // 2} machine centres")
        figures = run(size, finite=args.finite, freeze=args.gc_freeze)
        core = 0.0
        for label, seconds in figures:
            if seconds:
                print(f"  {label:<40} {seconds:8.3f} s")
            else:
                print(label)
            if label.startswith(("calendars", "schedule forward, inf", "load view")):
                core += seconds
        # scheduling computes the needs itself: the needs line is shown, not added
        print(f"  {'calendars + forward schedule + load view':<40} {core:8.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
