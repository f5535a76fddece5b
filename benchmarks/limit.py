"""The physical limit of each store, as hand-written loops, and prodcore's ratio to them.

    .venv/bin/python benchmarks/limit.py              # N=20, K=5, 3 rounds
    .venv/bin/python benchmarks/limit.py --tiny       # smoke sizes

prodcore's production flow (``bench_flow.run_flow``) posts a known set of batches. The
loops below do only what any implementation of that flow must do with the same
entries, written by hand, with nothing of prodcore in the timed part:

* **memory, Decimal**: the same Decimal arithmetic (each entry's quantity times its
  cost, rounded to cents) and one tuple appended per entry;
* **memory, frozen**: one frozen attrs record of the entry's fields per entry (no
  converters, no validators), appended;
* **memory, records**: the entries' own classes built again from their fields (their
  converters and validators run), appended;
* **SQLite, batched**: the same JSON rows (``serialization.dumps`` of every entry)
  inserted into a SQLite file with ``executemany``, one commit in all;
* **SQLite, per command**: the same rows, one transaction and commit per batch, as one
  command per unit of work must;
* **SQLite, same writes**: every write prodcore's own commits sent in a run of the flow
  (the statements and their parameters: orders, idempotency records, batches, entries,
  balances, counters), replayed into a fresh file with prodcore's schema, one
  transaction per unit of work as prodcore committed them, reading nothing. The rows
  are those of another run of the same flow (its names differ), recorded beforehand;
  the gap to this loop is what prodcore does in Python, and the gap from this loop to
  the one above is what its schema and its stored balances cost in SQLite.

A batch's G/L lines derived from its value entries (every batch the flow posts) are not
among the entries: prodcore neither builds nor stores them when posting, so the loops
leave them out too.

Then the flow's bulk posting: the output postings of the flow (one ``PostOutput`` per
operation) sent through ``app.handle_many`` in runs of ``--bulk-size`` commands on a
SQLite file, against the batched inserts of the rows they wrote.

After a warm-up round, not counted, each round runs prodcore and the loops back to back;
the figure is prodcore's time over the loop's, per round, and their median. All times
are the process's CPU times, so other work on the machine does not count (SQLite runs in
the process, in WAL mode with ``synchronous = NORMAL`` as prodcore's store sets it, so
a commit does not wait for the disk). Each loop counts its best of three runs. The loops are the floor: prodcore also reads
orders and master data, decides, checks reads and keeps balances. No assertion is made
about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import attrs

from prodcore.adapters import Store, open_store
from prodcore.adapters.sqlite import _add_decimal_texts, _SqliteTx
from prodcore.app import handle, handle_many, put_master_data
from prodcore.clock import FixedClock
from prodcore.ledger.model import PostingBatch
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.serialization import dumps

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_flow  # noqa: E402  (a script of this directory)

CENT = Decimal("0.01")
Entry = Any  # an item, capacity, value or G/L entry


@attrs.frozen
class _Frozen:
    """One plain frozen record per entry: the floor of building records."""

    kind: str
    no: int
    fields: tuple[object, ...]


def batches_of(store: Store) -> list[PostingBatch]:
    """Every batch the store holds, in posting order."""
    found: list[PostingBatch] = []
    with store() as uow:
        while True:
            try:
                found.append(uow.ledger.batch(len(found) + 1))
            except LookupError:
                return found


def entries_of(batch: PostingBatch) -> list[Entry]:
    """The records the batch holds: G/L lines only where they are given, not where they
    derive from the value entries (prodcore neither builds nor stores those, so the
    loops do not either)."""
    given = () if batch.derives_gl else batch.gl_entries
    return [*batch.item_entries, *batch.capacity_entries, *batch.value_entries, *given]


def _decimals(entry: Entry) -> tuple[Decimal, Decimal]:
    """Two Decimal fields of the entry to multiply (quantity and cost or amount)."""
    values = [v for v in attrs.astuple(entry, recurse=False) if isinstance(v, Decimal)]
    values += [Decimal(1), Decimal(1)]
    return values[0], values[1]


def _best(loop: Callable[[], object], clock: Callable[[], float] = time.process_time) -> float:
    """The best of three runs of ``loop``: the floor, whatever else the machine does."""
    times = []
    for _ in range(3):
        start = clock()
        loop()
        times.append(clock() - start)
    return min(times)


def memory_loops(batches: list[PostingBatch]) -> dict[str, float]:
    """CPU seconds of each in-memory loop over the batches' entries (best of three)."""
    entries = [e for b in batches for e in entries_of(b)]
    pairs = [(e.entry_no, *_decimals(e)) for e in entries]
    fields = [(type(e), attrs.asdict(e, recurse=False)) for e in entries]
    plain = [(type(e).__name__, e.entry_no, attrs.astuple(e, recurse=False)) for e in entries]

    def decimal() -> list[tuple[int, Decimal, Decimal]]:
        ledger: list[tuple[int, Decimal, Decimal]] = []
        for no, quantity, cost in pairs:
            ledger.append((no, quantity, (quantity * cost).quantize(CENT, ROUND_HALF_UP)))
        return ledger

    return {
        "decimal": _best(decimal),
        "frozen": _best(lambda: [_Frozen(kind, no, values) for kind, no, values in plain]),
        "records": _best(lambda: [cls(**values) for cls, values in fields]),
    }


def _rows(batch: PostingBatch) -> list[tuple[int, str, int, str]]:
    return [(batch.posting_no, type(e).__name__, e.entry_no, dumps(e)) for e in entries_of(batch)]


def _sqlite(path: Path) -> sqlite3.Connection:
    """A SQLite file set up as prodcore's store sets it up (WAL, synchronous NORMAL)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE entries (posting_no INTEGER, kind TEXT, entry_no INTEGER, doc TEXT, "
        "PRIMARY KEY (kind, entry_no))"
    )
    return conn


def sqlite_batched(batches: list[PostingBatch], path: Path) -> float:
    """CPU seconds to insert every batch's JSON rows at once, one commit."""
    conn = _sqlite(path)
    start = time.process_time()
    rows = [row for batch in batches for row in _rows(batch)]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    seconds = time.process_time() - start
    conn.close()
    return seconds


def sqlite_per_command(batches: list[PostingBatch], path: Path) -> float:
    """CPU seconds to insert each batch's JSON rows in its own transaction."""
    conn = _sqlite(path)
    start = time.process_time()
    for batch in batches:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?)", _rows(batch))
        conn.execute("COMMIT")
    seconds = time.process_time() - start
    conn.close()
    return seconds


#: One write transaction of prodcore's: its statements, each with its parameters (one
#: row) or its rows (``executemany``), in order; BEGIN and COMMIT are left out.
Transaction = list[tuple[str, Any, bool]]


def recorded_writes(open_: Callable[[], Store], n: int, k: int) -> tuple[list[Transaction], int]:
    """Run the flow once on a store from ``open_`` and record every write transaction
    it commits, with the number of them the master data took before the first command
    (they are replayed, not timed). The recording is a benchmark's patch of the
    transaction class, undone before returning."""
    done: list[Transaction] = []
    setup = [0]
    current: dict[int, Transaction] = {}
    plain_execute, plain_many, plain_commit, plain_rollback = (
        _SqliteTx.execute,
        _SqliteTx.execute_many,
        _SqliteTx.commit,
        _SqliteTx.rollback,
    )

    def execute(tx: _SqliteTx, sql: str, params: Any = ()) -> int:
        if not sql.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            current.setdefault(id(tx), []).append((sql, tuple(params), False))
        return plain_execute(tx, sql, params)

    def execute_many(tx: _SqliteTx, sql: str, rows: Any) -> None:
        if rows:
            current.setdefault(id(tx), []).append((sql, [tuple(r) for r in rows], True))
        plain_many(tx, sql, rows)

    def commit(tx: _SqliteTx) -> None:
        plain_commit(tx)
        done.append(current.pop(id(tx), []))

    def rollback(tx: _SqliteTx) -> None:
        current.pop(id(tx), None)
        plain_rollback(tx)

    def put(*args: Any, **kwargs: Any) -> None:
        put_master_data(*args, **kwargs)
        setup[0] = len(done)

    with (
        mock.patch.object(_SqliteTx, "execute", execute),
        mock.patch.object(_SqliteTx, "execute_many", execute_many),
        mock.patch.object(_SqliteTx, "commit", commit),
        mock.patch.object(_SqliteTx, "rollback", rollback),
        mock.patch.object(bench_flow, "put_master_data", put),
        open_() as store,
    ):
        del done[:]  # the schema's migrations: the replay's store has them already
        bench_flow.run_flow(store, n, k, "recorded")
    return [t for t in done if t], setup[0]


def sqlite_same_writes(transactions: list[Transaction], setup: int, path: Path) -> float:
    """CPU seconds to replay the recorded write transactions after the first ``setup``
    (which are replayed first, untimed) into a fresh store file, one commit each."""
    # prodcore's schema, tables, indexes and triggers, nothing else
    open_store(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    # the balance rows' upserts add decimal texts with it, as the store's connections do
    conn.create_function("prodcore_add", 2, _add_decimal_texts, deterministic=True)

    def replay(part: list[Transaction]) -> None:
        for statements in part:
            conn.execute("BEGIN IMMEDIATE")
            for sql, params, many in statements:
                if many:
                    conn.executemany(sql, params)
                else:
                    conn.execute(sql, params)
            conn.execute("COMMIT")

    replay(transactions[:setup])
    start = time.process_time()
    replay(transactions[setup:])
    seconds = time.process_time() - start
    conn.close()
    return seconds


def bulk_outputs(store: Store, n: int, k: int, size: int) -> tuple[float, int]:
    """The flow's orders created and released one command at a time, then their output
    postings through ``handle_many`` in runs of ``size``: the CPU seconds of the postings and
    the first posting number they wrote."""
    prefix = "BULK-"
    clock = FixedClock(bench_flow.T0)
    put_master_data(store(), bench_flow.master_data(k, prefix))
    orders = [f"{prefix}{i}-S{s}" for i in range(n) for s in range(k)]
    items = [f"{prefix}S{s}" for _ in range(n) for s in range(k)]
    for order_id, item_no in zip(orders, items, strict=True):
        handle(store(), CreateOrder(order_id, item_no, 10, due_date=bench_flow.DUE), clock=clock)
        handle(store(), ChangeStatus(order_id, OrderStatus.RELEASED), clock=clock)
    first = len(batches_of(store)) + 1
    commands = [
        PostOutput(
            f"{order_id}/out/{op}",
            (OutputLine(order_id, 10000, op, output_quantity=10, finished=True),),
        )
        for order_id in orders
        for op in ("10", "20")
    ]
    clock.advance(dt.timedelta(hours=1))
    start = time.process_time()
    for at in range(0, len(commands), size):
        handle_many(store(), commands[at : at + size], clock=clock)
    return time.process_time() - start, first


def _median(name: str, ratios: list[float]) -> str:
    return f"  {name:<34} {statistics.median(ratios):>8.1f}x   rounds: " + ", ".join(
        f"{r:.1f}" for r in ratios
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=None, help="top-level orders (default 20)")
    parser.add_argument("-k", type=int, default=None, help="sub-assemblies per item (default 5)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3)")
    parser.add_argument("--bulk-size", type=int, default=100, help="commands per handle_many")
    parser.add_argument("--tiny", action="store_true", help="small sizes (a smoke run)")
    args = parser.parse_args(argv)
    n = args.n if args.n is not None else (2 if args.tiny else 20)
    k = args.k if args.k is not None else (2 if args.tiny else 5)
    rounds = args.rounds if args.rounds is not None else (1 if args.tiny else 3)
    print(f"physical limit: N={n}, K={k}, {rounds} rounds, {os.cpu_count()} cores")
    ratios: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="prodcore-limit-") as tmp:
        files = (Path(tmp) / f"f{i}.db" for i in range(10**6))

        def sqlite_store() -> Store:
            return open_store(f"sqlite:///{next(files)}")

        openers: dict[str, Callable[[], Store]] = {
            "memory": lambda: open_store("memory:"),
            "sqlite": sqlite_store,
        }
        for r in range(rounds + 1):  # round 0 warms up (converters, caches), not counted
            for name, open_ in openers.items():
                gc.collect()
                with open_() as store:
                    flow = bench_flow.run_flow(store, n, k, name)
                    batches = batches_of(store)
                entries = sum(len(entries_of(b)) for b in batches)
                [_rows(b) for b in batches]  # the JSON converters built before timing
                print(
                    f"round {r or 'warm'} {name}: prodcore {flow.cpu:.3f} s CPU for {len(batches)} "
                    f"batches, {entries} entries"
                )
                if name == "memory":
                    loops = memory_loops(batches)
                    for loop, seconds in loops.items():
                        print(f"  loop {loop:<8} {seconds:.4f} s CPU")
                        if r:
                            ratios.setdefault(f"memory / {loop}", []).append(flow.cpu / seconds)
                else:
                    if r == 0:
                        recorded, setup = recorded_writes(sqlite_store, n, k)
                    for loop, run in (
                        ("batched", sqlite_batched),
                        ("per command", sqlite_per_command),
                    ):
                        seconds = run(batches, next(files))
                        print(f"  loop {loop:<11} {seconds:.4f} s CPU")
                        if r:
                            ratios.setdefault(f"sqlite / {loop}", []).append(flow.cpu / seconds)
                    seconds = min(
                        sqlite_same_writes(recorded, setup, next(files)) for _ in range(3)
                    )
                    print(
                        f"  loop same writes {seconds:.4f} s CPU "
                        f"({sum(map(len, recorded[setup:]))} statements)"
                    )
                    if r:
                        ratios.setdefault("sqlite / same writes, per command", []).append(
                            flow.cpu / seconds
                        )
            gc.collect()  # as before the flows: no collection left over from them
            with sqlite_store() as store:
                seconds, first = bulk_outputs(store, n, k, args.bulk_size)
                posted = batches_of(store)[first - 1 :]
            floor = min(sqlite_batched(posted, next(files)) for _ in range(3))
            print(
                f"round {r or 'warm'} bulk: handle_many of {len(posted)} output postings in runs of "
                f"{args.bulk_size}: {seconds:.3f} s CPU; batched inserts of their rows {floor:.4f} s"
            )
            if r:
                ratios.setdefault("sqlite bulk (handle_many) / batched", []).append(seconds / floor)
    print(f"\nprodcore's time over the limit's, median of {rounds} rounds, {os.cpu_count()} cores:")
    for name, found in ratios.items():
        print(_median(name, found))
    LAST_MEDIANS.clear()
    LAST_MEDIANS.update({name: statistics.median(found) for name, found in ratios.items()})
    return 0


#: The medians of the last run, by loop (for run_all).
LAST_MEDIANS: dict[str, float] = {}


if __name__ == "__main__":
    sys.exit(main())
