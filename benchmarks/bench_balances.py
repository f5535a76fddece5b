"""Benchmark of balance queries (on hand, WIP) with a large ledger present.

Builds ``--entries`` ledger entries (default 1 000 000) by appending batches directly
through the ledger port (:meth:`~prodcore.ports.LedgerRepository.append`), without the
order services: each posting is one consumption item entry, its value entry and the two
G/L lines (WIP debit, inventory credit), four entries, on 1 000 items, 10 000 orders and
three locations, ``--batch`` postings per batch and unit of work. Then times random
queries, each in a fresh unit of work as an application would ask them:

* ``on_hand(item)`` and ``on_hand(item, location)``,
* ``wip(order)``,
* ``item_entries(order_id=...)`` (a listing, about 25 entries per order at 1M).

Runs on the in-memory store and a SQLite file, and PostgreSQL when
``PRODCORE_TEST_PG_DSN`` or ``--pg DSN`` is given::

    python benchmarks/bench_balances.py            # 1 000 000 entries
    python benchmarks/bench_balances.py --tiny     # smoke run

The figures: time to build the ledger (entries/s), then per query kind the mean time
and queries/s. Balances are maintained on append, so a query's time should not grow
with the ledger. No assertion is made about time.
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
from pathlib import Path

import attrs

from prodcore.adapters import Store
from prodcore.ledger.model import (
    AccountRole,
    GLEntry,
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ports import UnitOfWork

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
ITEMS = 1_000
ORDERS = 10_000
LOCATIONS = ("MAIN", "EAST", "WEST")
ENTRIES_PER_POSTING = 4


@attrs.define
class QueryFigure:
    name: str
    count: int
    seconds: float
    cpu: float = 0.0

    @property
    def mean_us(self) -> float:
        return self.seconds / max(self.count, 1) * 1e6

    @property
    def cpu_us(self) -> float:
        return self.cpu / max(self.count, 1) * 1e6

    @property
    def per_s(self) -> float:
        return self.count / (self.seconds or 1e-9)


@attrs.define
class BalanceResult:
    store: str
    entries: int
    build_seconds: float
    queries: list[QueryFigure]


def _batch(rng: random.Random, postings: int, prefix: str) -> PostingBatch:
    items: list[ItemLedgerEntry] = []
    values: list[ValueEntry] = []
    gls: list[GLEntry] = []
    for p in range(1, postings + 1):
        order_id = f"{prefix}O{rng.randrange(ORDERS)}"
        qty = Decimal(rng.randint(1, 9))
        amount = qty * 2
        items.append(
            ItemLedgerEntry(
                -p,
                ItemEntryType.CONSUMPTION,
                f"{prefix}I{rng.randrange(ITEMS)}",
                -qty,
                unit="PCS",
                order_id=order_id,
                order_line_no=10000,
                component_line_no=10000,
                location_code=rng.choice(LOCATIONS),
                posted_at=AT,
            )
        )
        values.append(
            ValueEntry(
                -p,
                ValueEntryType.DIRECT_COST,
                ValueSource.ITEM,
                -amount,
                Decimal(0),
                currency="EUR",
                item_entry_no=-p,
                order_id=order_id,
                order_line_no=10000,
                posted_at=AT,
            )
        )
        for sign, account, role in (
            (1, "2140", AccountRole.WIP),
            (-1, "2110", AccountRole.INVENTORY),
        ):
            gls.append(
                GLEntry(
                    -(len(gls) + 1),
                    account=account,
                    role=role,
                    amount=amount * sign,
                    currency="EUR",
                    value_entry_no=-p,
                    order_id=order_id,
                    posted_at=AT,
                )
            )
    return PostingBatch.build(
        document_no=f"{prefix}BULK",
        posted_at=AT,
        item_entries=tuple(items),
        value_entries=tuple(values),
        gl_entries=tuple(gls),
    )


def build_ledger(store: Store, entries: int, batch: int, prefix: str, seed: int = 1) -> float:
    """Append about ``entries`` entries; the seconds it took."""
    rng = random.Random(seed)
    postings = max(entries // ENTRIES_PER_POSTING, 1)
    start = time.perf_counter()
    done = 0
    while done < postings:
        size = min(batch, postings - done)
        uow = store()
        with uow:
            uow.ledger.append(_batch(rng, size, prefix))
            uow.commit()
        done += size
    return time.perf_counter() - start


def time_queries(store: Store, count: int, prefix: str, seed: int = 2) -> list[QueryFigure]:
    rng = random.Random(seed)
    kinds: list[tuple[str, Callable[[UnitOfWork], object]]] = [
        ("on_hand(item)", lambda u: u.ledger.on_hand(f"{prefix}I{rng.randrange(ITEMS)}")),
        (
            "on_hand(item, loc)",
            lambda u: u.ledger.on_hand(f"{prefix}I{rng.randrange(ITEMS)}", rng.choice(LOCATIONS)),
        ),
        ("wip(order)", lambda u: u.ledger.wip(f"{prefix}O{rng.randrange(ORDERS)}")),
        (
            "item_entries(order)",
            lambda u: u.ledger.item_entries(order_id=f"{prefix}O{rng.randrange(ORDERS)}"),
        ),
    ]
    figures = []
    for name, ask in kinds:
        n = count if "entries" not in name else max(count // 10, 1)
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            uow = store()
            with uow:
                ask(uow)
        figures.append(QueryFigure(name, n, time.perf_counter() - start, time.process_time() - cpu))
    return figures


def run(store: Store, label: str, entries: int, batch: int, queries: int) -> BalanceResult:
    prefix = f"{random.Random().getrandbits(24):06x}-"
    gc.collect()
    build = build_ledger(store, entries, batch, prefix)
    figures = time_queries(store, queries, prefix)
    postings = max(entries // ENTRIES_PER_POSTING, 1)
    return BalanceResult(label, postings * ENTRIES_PER_POSTING, build, figures)


def print_result(r: BalanceResult) -> None:
    print(
        f"\n{r.store}: {r.entries} entries built in {r.build_seconds:.1f} s "
        f"({r.entries / (r.build_seconds or 1e-9):,.0f} entries/s)"
    )
    print(f"  {'query':<20} {'count':>7} {'mean us':>10} {'cpu us':>8} {'queries/s':>10}")
    for q in r.queries:
        print(f"  {q.name:<20} {q.count:>7} {q.mean_us:>10.1f} {q.cpu_us:>8.1f} {q.per_s:>10,.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=None, help="ledger entries (1 000 000)")
    parser.add_argument("--batch", type=int, default=2_500, help="postings per appended batch")
    parser.add_argument("--queries", type=int, default=None, help="queries per kind (10 000)")
    parser.add_argument("--tiny", action="store_true", help="small sizes (a smoke run)")
    _common.add_store_options(parser)
    args = parser.parse_args(argv)
    entries = args.entries if args.entries is not None else (4_000 if args.tiny else 1_000_000)
    queries = args.queries if args.queries is not None else (200 if args.tiny else 10_000)
    print(f"balances: {entries} ledger entries, {queries} queries per kind")
    results = []
    for name, store in _common.each_store(args.stores, args.pg, "balances.db"):
        result = run(store, name, entries, args.batch, queries)
        print_result(result)
        results.append(result)
    global LAST_RESULTS
    LAST_RESULTS = results
    return 0


LAST_RESULTS: list[BalanceResult] = []

if __name__ == "__main__":
    sys.exit(main())
