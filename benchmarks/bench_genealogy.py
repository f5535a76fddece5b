"""Benchmark of lot genealogy: traces through 5 levels with a large ledger present.

Builds ``--families`` five-level product chains (a raw lot consumed by a level-1 order
whose output lot is consumed by a level-2 order, ..., the level-5 order outputs 3 serial
numbers) plus untracked filler entries up to ``--entries`` item ledger entries (default
1 000 000), appended as batches through the ledger port. Then times, each in a fresh
unit of work as an application would ask:

* ``trace_backward`` from a finished serial number (5 levels down to the raw lot),
* ``trace_forward`` from a raw lot (5 levels up to the serials),
* ``lot_on_hand`` of a lot.

Each trace step is an indexed query (the entries of one lot, the entries of one order),
so a trace's time should not grow with the ledger. No assertion is made about time::

    python benchmarks/bench_genealogy.py            # 1 000 000 entries
    python benchmarks/bench_genealogy.py --tiny     # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import attrs

from prodcore.adapters import Store
from prodcore.ledger.genealogy import trace_backward, trace_forward
from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry, PostingBatch
from prodcore.ports import UnitOfWork

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
LEVELS = 5
SERIALS = 3


@attrs.define
class TraceFigure:
    name: str
    count: int
    seconds: float
    links: int

    @property
    def mean_ms(self) -> float:
        return self.seconds / max(self.count, 1) * 1e3


@attrs.define
class GenealogyResult:
    store: str
    entries: int
    build_seconds: float
    figures: list[TraceFigure]


def _entry(
    type_: ItemEntryType, item: str, qty: int, order: str = "", lot: str = "", serial: str = ""
) -> ItemLedgerEntry:
    return ItemLedgerEntry(
        0,
        type_,
        item,
        Decimal(qty),
        unit="PCS",
        order_id=order,
        order_line_no=10000 if order else 0,
        component_line_no=10000 if type_ is ItemEntryType.CONSUMPTION else None,
        lot_no=lot,
        serial_no=serial,
        posted_at=AT,
    )


def family(f: int) -> Iterator[ItemLedgerEntry]:
    """One five-level chain: raw lot R{f}, lots L{level}-{f}, serials S{f}-{n}."""
    yield _entry(ItemEntryType.POSITIVE_ADJUSTMENT, "I0", 2, lot=f"R{f}")
    for level in range(1, LEVELS + 1):
        order = f"F{f}-{level}"
        lot = f"R{f}" if level == 1 else f"L{level - 1}-{f}"
        yield _entry(
            ItemEntryType.CONSUMPTION, f"I{level - 1}", -2 if level == 1 else -1, order, lot
        )
        if level < LEVELS:
            yield _entry(ItemEntryType.OUTPUT, f"I{level}", 1, order, f"L{level}-{f}")
        else:
            for n in range(SERIALS):
                yield _entry(ItemEntryType.OUTPUT, f"I{level}", 1, order, serial=f"S{f}-{n}")


ENTRIES_PER_FAMILY = 1 + (LEVELS - 1) * 2 + 1 + SERIALS


def filler(rng: random.Random, count: int) -> Iterator[ItemLedgerEntry]:
    """Untracked consumption on many orders (the rest of a busy ledger)."""
    for _ in range(count):
        yield _entry(
            ItemEntryType.CONSUMPTION, f"X{rng.randrange(1000)}", -1, f"O{rng.randrange(10_000)}"
        )


def build(store: Store, entries: int, families: int, batch: int) -> tuple[int, float]:
    rng = random.Random(1)
    stream = [e for f in range(families) for e in family(f)]
    stream += filler(rng, max(entries - len(stream), 0))
    start = time.perf_counter()
    for at in range(0, len(stream), batch):
        chunk = tuple(
            attrs.evolve(e, entry_no=-(i + 1)) for i, e in enumerate(stream[at : at + batch])
        )
        with store() as uow:
            uow.ledger.append(
                PostingBatch.build(document_no="BULK", posted_at=AT, item_entries=chunk)
            )
            uow.commit()
    return len(stream), time.perf_counter() - start


def time_traces(store: Store, families: int, count: int) -> list[TraceFigure]:
    rng = random.Random(2)

    def backward(uow: UnitOfWork, f: int) -> int:
        return len(trace_backward(uow.ledger, f"I{LEVELS}", serial_no=f"S{f}-0"))

    def forward(uow: UnitOfWork, f: int) -> int:
        return len(trace_forward(uow.ledger, "I0", lot_no=f"R{f}"))

    def on_hand(uow: UnitOfWork, f: int) -> int:
        return int(uow.ledger.lot_on_hand("I2", f"L2-{f}"))

    kinds: list[tuple[str, Callable[[UnitOfWork, int], int]]] = [
        ("trace_backward(serial)", backward),
        ("trace_forward(raw lot)", forward),
        ("lot_on_hand(lot)", on_hand),
    ]
    figures = []
    for name, ask in kinds:
        links = 0
        start = time.perf_counter()
        for _ in range(count):
            with store() as uow:
                links += ask(uow, rng.randrange(families))
        figures.append(TraceFigure(name, count, time.perf_counter() - start, links // count))
    return figures


def run(
    store: Store, label: str, entries: int, families: int, batch: int, count: int
) -> GenealogyResult:
    built, seconds = build(store, entries, families, batch)
    return GenealogyResult(label, built, seconds, time_traces(store, families, count))


def print_result(r: GenealogyResult) -> None:
    print(f"\n{r.store}: {r.entries} item entries built in {r.build_seconds:.1f} s")
    print(f"  {'query':<24} {'count':>6} {'mean ms':>9} {'result':>6}")
    for q in r.figures:
        print(f"  {q.name:<24} {q.count:>6} {q.mean_ms:>9.3f} {q.links:>6}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=None, help="item entries (1 000 000)")
    parser.add_argument("--families", type=int, default=None, help="5-level chains (1 000)")
    parser.add_argument("--batch", type=int, default=10_000, help="entries per batch")
    parser.add_argument("--queries", type=int, default=None, help="traces per kind (200)")
    parser.add_argument("--tiny", action="store_true", help="small sizes (a smoke run)")
    _common.add_store_options(parser)
    args = parser.parse_args(argv)
    entries = args.entries if args.entries is not None else (3_000 if args.tiny else 1_000_000)
    families = args.families if args.families is not None else (20 if args.tiny else 1_000)
    count = args.queries if args.queries is not None else (20 if args.tiny else 200)
    print(
        f"genealogy: {entries} item entries, {families} five-level chains, {count} traces per kind"
    )
    results = []
    for name, store in _common.each_store(args.stores, args.pg, "genealogy.db"):
        result = run(store, name, entries, families, args.batch, count)
        print_result(result)
        results.append(result)
    global LAST_RESULTS
    LAST_RESULTS = results
    return 0


LAST_RESULTS: list[GenealogyResult] = []

if __name__ == "__main__":
    sys.exit(main())
