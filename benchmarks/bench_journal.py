"""Benchmark of posting one consumption journal with many lines: time must grow linearly.

Run ``python benchmarks/bench_journal.py`` for journals of 1k and 10k lines, or ``--tiny``
for a smoke run. Each journal consumes one unit of every component of an order line with
as many components as the journal has lines (what "Calculate Consumption" produces for a
large BOM), on the in-memory store. It prints the seconds to post each journal and the
ratio of the times next to the ratio of the sizes: linear posting keeps them close (a
journal that rebuilt its order line per journal line took 0.27 s and 14.6 s). Two more
cases, printed the same way: a journal whose lines all consume one FIFO item (each line
valued at the receipts it takes, ten units per receipt), and the reversal of all of the
first journal (``ReverseOrderPostings``). It asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

from prodcore.masterdata import (
    BomLine,
    CostingMethod,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
)
from prodcore.orders import AdjustInventory, AdjustmentLine
from prodcore.orders.journals import ConsumptionLine, PostConsumption
from prodcore.orders.reverse_all import ReverseOrderPostings
from prodcore.testing.shop import Shop

#: (lines, seconds) of the last run, for ``run_all.py``.
LAST_RESULTS: list[tuple[int, float]] = []


def _journal_shop(lines: int) -> tuple[Shop, PostConsumption]:
    """A released order whose line has ``lines`` components, and the journal consuming
    one unit of each."""
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
    return shop, journal


def _timed(shop: Shop, command: PostConsumption | ReverseOrderPostings, entries: int) -> float:
    """Seconds to post ``command``, which posts ``entries`` item entries."""
    started = time.perf_counter()
    batch = shop.post(command).batch
    elapsed = time.perf_counter() - started
    assert batch is not None and len(batch.item_entries) == entries
    return elapsed


def measure(lines: int) -> float:
    """Seconds to post a consumption journal of ``lines`` lines."""
    shop, journal = _journal_shop(lines)
    return _timed(shop, journal, lines)


def measure_fifo(lines: int) -> float:
    """Seconds to post a journal of ``lines`` lines of one FIFO component, taken from
    ``lines / 10`` receipts at different costs."""
    fifo = Item("F", base_unit="PCS", unit_cost=Decimal(1), costing_method=CostingMethod.FIFO)
    bom = ProductionBom("BOM", (BomLine("F", Decimal(lines)),))
    product = Item(
        "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="BOM"
    )
    shop = Shop([fifo, bom, product])
    receipts = tuple(
        AdjustmentLine("F", 10, unit_cost=Decimal(1) + Decimal(n % 7) / 100)
        for n in range(lines // 10)
    )
    shop.post(AdjustInventory(shop.key(), receipts))
    shop.create("PO-1", "P", 1)
    shop.release("PO-1")
    line = shop.order("PO-1").lines[0]
    comp = line.components[0]
    journal = PostConsumption(
        shop.key(),
        tuple(ConsumptionLine("PO-1", line.line_no, comp.line_no, 1) for _ in range(lines)),
    )
    return _timed(shop, journal, lines)


def measure_reversal(lines: int) -> float:
    """Seconds to reverse all of a posted consumption journal of ``lines`` lines."""
    shop, journal = _journal_shop(lines)
    shop.post(journal)
    return _timed(shop, ReverseOrderPostings(shop.key(), "PO-1"), lines)


def _table(title: str, sizes: Sequence[int], run: Callable[[int], float]) -> None:
    """Print the seconds of ``run`` for each size, with the ratios to the size before."""
    print(title)
    print(f"{'lines':>8}  {'seconds':>8}  {'time ratio':>10}  {'size ratio':>10}")
    previous: tuple[int, float] | None = None
    for lines in sizes:
        seconds = run(lines)
        ratios = ("", "")
        if previous is not None:
            ratios = (f"{seconds / previous[1]:.1f}", f"{lines / previous[0]:.1f}")
        print(f"{lines:>8}  {seconds:>8.3f}  {ratios[0]:>10}  {ratios[1]:>10}")
        previous = (lines, seconds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tiny", action="store_true", help="smoke sizes (100 and 1k lines)")
    args = parser.parse_args(argv)
    sizes = (100, 1_000) if args.tiny else (1_000, 10_000)
    measure(10)  # the first posting builds the converter's hooks
    LAST_RESULTS.clear()

    def journal(lines: int) -> float:
        seconds = measure(lines)
        LAST_RESULTS.append((lines, seconds))
        return seconds

    _table("Consumption journal (one order line, one journal line per component)", sizes, journal)
    _table("Consumption journal of one FIFO component (10 units per receipt)", sizes, measure_fifo)
    _table("Reversal of all of the first journal (ReverseOrderPostings)", sizes, measure_reversal)
    return 0


if __name__ == "__main__":
    sys.exit(main())
