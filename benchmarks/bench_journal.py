"""Benchmark of posting one consumption journal with many lines: time must grow linearly.

Run ``python benchmarks/bench_journal.py`` for journals of 1k and 10k lines, or ``--tiny``
for a smoke run. Each journal consumes one unit of every component of an order line with
as many components as the journal has lines (what "Calculate Consumption" produces for a
large BOM), on the in-memory store. It prints the seconds to post each journal and the
ratio of the times next to the ratio of the sizes: linear posting keeps them close (a
journal that rebuilt its order line per journal line took 0.27 s and 14.6 s). It asserts
nothing about timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from decimal import Decimal

from prodcore.masterdata import BomLine, Item, ManufacturingSetup, ProductionBom, Replenishment
from prodcore.orders.journals import ConsumptionLine, PostConsumption
from prodcore.testing.shop import Shop

#: (lines, seconds) of the last run, for ``run_all.py``.
LAST_RESULTS: list[tuple[int, float]] = []


def measure(lines: int) -> float:
    """Seconds to post a consumption journal of ``lines`` lines."""
    components = [Item(f"C{n}", base_unit="PCS", unit_cost=Decimal(1)) for n in range(lines)]
    bom = ProductionBom("BOM", tuple(BomLine(c.no, Decimal(1)) for c in components))
    product = Item(
        "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="BOM"
    )
    shop = Shop(
        [*components, bom, product], setup=ManufacturingSetup(allow_negative_inventory=True)
    )
    shop.create("PO-1", "P", 1)
    shop.release("PO-1")
    line = shop.order("PO-1").lines[0]
    journal = PostConsumption(
        shop.key(),
        tuple(
            ConsumptionLine("PO-1", line.line_no, comp.line_no, Decimal(1))
            for comp in line.components
        ),
    )
    started = time.perf_counter()
    batch = shop.post(journal).batch
    elapsed = time.perf_counter() - started
    assert batch is not None and len(batch.item_entries) == lines
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tiny", action="store_true", help="smoke sizes (100 and 1k lines)")
    args = parser.parse_args(argv)
    sizes = (100, 1_000) if args.tiny else (1_000, 10_000)
    measure(10)  # the first posting builds the converter's hooks
    LAST_RESULTS.clear()
    print("Consumption journal (one order line, one journal line per component)")
    print(f"{'lines':>8}  {'seconds':>8}  {'time ratio':>10}  {'size ratio':>10}")
    previous: tuple[int, float] | None = None
    for lines in sizes:
        seconds = measure(lines)
        LAST_RESULTS.append((lines, seconds))
        ratios = ("", "")
        if previous is not None:
            ratios = (f"{seconds / previous[1]:.1f}", f"{lines / previous[0]:.1f}")
        print(f"{lines:>8}  {seconds:>8.3f}  {ratios[0]:>10}  {ratios[1]:>10}")
        previous = (lines, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
