"""Benchmark of item cost adjustment (BC's Adjust Cost - Item Entries) on a large month.

Builds a month of ``--entries`` item ledger entries (default 1 000 000) in the
in-memory store by applying numbered batches to its ledger index (what a committed
append does, without a unit of work's per-batch checks): per FIFO item, blocks of
one receipt of 50 units followed by 50 negative adjustments of one unit each (each with
its value entry; no G/L lines, to keep the month in memory), applied by the store as
they are appended. A two-level production chain (raw material R bought, consumed into
sub-assembly S, consumed into finished item F, both orders finished and adjusted) is
posted through :func:`prodcore.app.handle`. A first run of item cost adjustment settles
the orders' own adjustments.

Then ``--changes`` receipts get a new cost (:class:`CorrectInboundCost`, R's receipt
among them) and item cost adjustment runs: it visits only the changed receipts, the
entries applied to them and the orders and outputs they reach. A second run posts
nothing. Printed: the build time, then per run the seconds, the entries visited, the
levels and the value entries posted::

    python benchmarks/bench_adjust.py              # 1 000 000 item entries
    python benchmarks/bench_adjust.py --tiny       # smoke run

No assertion is made about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from collections.abc import Sequence
from decimal import Decimal

import attrs

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing.item_adjustment import AdjustItemCosts, CorrectInboundCost
from prodcore.ledger.model import (
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    number_batch,
)
from prodcore.masterdata import CostingMethod, Item
from prodcore.ports import UnitOfWork
from prodcore.testing.chain import chain_records, produce, receive

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
CLOCK = FixedClock(dt.datetime(2026, 3, 31, 18, tzinfo=dt.UTC))
ITEMS = 1_000
BLOCK = 50  # units per receipt, each taken by one negative adjustment
BLOCKS_PER_BATCH = 20


@attrs.frozen
class Run:
    """One item cost adjustment run."""

    name: str
    seconds: float
    visited: int
    levels: int
    posted: int


@attrs.frozen
class Result:
    entries: int
    build_seconds: float
    runs: tuple[Run, ...]


LAST_RESULT: Result | None = None


def _block(item_no: str, day: int, cost: Decimal) -> tuple[list[ItemLedgerEntry], list[ValueEntry]]:
    """A receipt of BLOCK units at ``cost`` and BLOCK negative adjustments of one unit
    (local numbers from -1, to be renumbered by the caller)."""
    at = AT + dt.timedelta(days=day % 28)
    items = [
        ItemLedgerEntry(
            0, ItemEntryType.POSITIVE_ADJUSTMENT, item_no, BLOCK, unit="PCS", posted_at=at
        )
    ]
    values = [
        ValueEntry(
            0,
            ValueEntryType.DIRECT_COST,
            ValueSource.ITEM,
            cost * BLOCK,
            Decimal(0),
            currency="EUR",
            item_no=item_no,
            posted_at=at,
        )
    ]
    for _ in range(BLOCK):
        items.append(
            ItemLedgerEntry(
                0, ItemEntryType.NEGATIVE_ADJUSTMENT, item_no, -1, unit="PCS", posted_at=at
            )
        )
        values.append(
            ValueEntry(
                0,
                ValueEntryType.DIRECT_COST,
                ValueSource.ITEM,
                -cost,
                Decimal(0),
                currency="EUR",
                item_no=item_no,
                posted_at=at,
            )
        )
    return items, values


def build_month(store: InMemoryStore, entries: int) -> list[int]:
    """Append ``entries`` item entries (rounded down to whole blocks); the entry
    numbers of the receipts."""
    put_master_data(
        InMemoryUnitOfWork(store),
        [
            Item(f"I{n:04}", base_unit="PCS", unit_cost=1, costing_method=CostingMethod.FIFO)
            for n in range(ITEMS)
        ],
    )
    blocks = entries // (BLOCK + 1)
    receipts: list[int] = []
    done = 0
    while done < blocks:
        items: list[ItemLedgerEntry] = []
        values: list[ValueEntry] = []
        for n in range(done, min(done + BLOCKS_PER_BATCH, blocks)):
            block_items, block_values = _block(
                f"I{n % ITEMS:04}", n // ITEMS, Decimal(1 + n % 7) / 2
            )
            base = len(items)
            receipts.append(base)
            items.extend(
                attrs.evolve(e, entry_no=-(base + k + 1)) for k, e in enumerate(block_items)
            )
            values.extend(
                attrs.evolve(v, entry_no=-(len(values) + k + 1), item_entry_no=-(base + k + 1))
                for k, v in enumerate(block_values)
            )
        first = len(receipts) - (min(done + BLOCKS_PER_BATCH, blocks) - done)
        batch = PostingBatch.build(
            document_no=f"M{done}",
            posted_at=AT,
            item_entries=tuple(items),
            value_entries=tuple(values),
        )
        # what a committed append does in the memory store, without the unit of work's
        # per-batch storability check (a JSON round trip that would dominate the build)
        numbered, store.counters = number_batch(batch, store.counters)
        store.ledger.apply(numbered)
        start = numbered.item_entries[0].entry_no
        receipts[first:] = [start + local for local in receipts[first:]]
        done += BLOCKS_PER_BATCH
    return receipts


def build_chain(store: InMemoryStore) -> int:
    """R bought 10 @ 5.00 → S (10) → F (10), both orders finished and adjusted; R's
    receipt entry number."""

    def uow() -> UnitOfWork:
        return InMemoryUnitOfWork(store)

    put_master_data(uow(), chain_records())
    bought = receive(uow, "buy-R", "R", 10, "5.00", CLOCK)
    for order_id, item in (("PO-S", "S"), ("PO-F", "F")):
        produce(uow, order_id, item, 10, CLOCK, due=CLOCK.now().date())
    return bought


def timed_run(store: InMemoryStore, name: str) -> Run:
    started = time.perf_counter()
    result = handle(InMemoryUnitOfWork(store), AdjustItemCosts(name), clock=CLOCK)
    seconds = time.perf_counter() - started
    visited, levels, posted = (int(word) for word in result.notes[0].split() if word.isdigit())
    return Run(name, seconds, visited, levels, posted)


def main(argv: Sequence[str] | None = None) -> int:
    global LAST_RESULT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=1_000_000, help="item entries to build")
    parser.add_argument("--changes", type=int, default=5, help="receipts whose cost changes")
    parser.add_argument("--tiny", action="store_true", help="smoke run (5 100 entries)")
    args = parser.parse_args(argv)
    entries = 5_100 if args.tiny else args.entries
    store = InMemoryStore()
    gc.disable()  # the month is built once and kept: no garbage to collect meanwhile
    try:
        started = time.perf_counter()
        receipts = build_month(store, entries)
        chain_receipt = build_chain(store)
        build_seconds = time.perf_counter() - started
    finally:
        gc.enable()
    built = store.counters.item
    print(f"built {built:,} item entries in {build_seconds:.1f} s ({built / build_seconds:,.0f}/s)")
    runs = [timed_run(store, "settle")]
    step = max(len(receipts) // max(args.changes - 1, 1), 1)
    changed = [chain_receipt, *receipts[::step][: args.changes - 1]]
    for n, entry_no in enumerate(changed):
        handle(
            InMemoryUnitOfWork(store),
            CorrectInboundCost(f"fix-{n}", entry_no, Decimal("9.99")),
            clock=CLOCK,
        )
    runs.append(timed_run(store, f"after {len(changed)} changed receipts"))
    runs.append(timed_run(store, "again"))
    print(f"{'run':<28}{'seconds':>10}{'visited':>10}{'levels':>8}{'posted':>8}")
    for r in runs:
        print(f"{r.name:<28}{r.seconds:>10.3f}{r.visited:>10,}{r.levels:>8}{r.posted:>8}")
    LAST_RESULT = Result(built, build_seconds, tuple(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
