"""Many processes against one store: no lost update, typed conflicts, atomic crashes."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from prodcore.adapters import Store, open_store
from prodcore.adapters._sql_stress import batch_writer, bump_worker
from prodcore.integrity import verify
from prodcore.testing.contracts import sample_order

WORKERS = 8
ROUNDS = 15
ORDERS = ["PO-A", "PO-B", "PO-C"]


def _hammer(url: str, store: Store, label: str, figure: Callable[[str], None]) -> None:
    with store() as uow:
        for order_id in ORDERS:
            uow.orders.add(sample_order(order_id, quantity=0))
        uow.commit()
    ctx = multiprocessing.get_context("spawn")
    started = time.monotonic()
    with ctx.Pool(WORKERS) as pool:
        results: list[dict[str, Any]] = pool.starmap(
            bump_worker, [(url, w, ORDERS, ROUNDS) for w in range(WORKERS)], chunksize=1
        )
    elapsed = time.monotonic() - started
    attempts = sum(r["attempts"] for r in results)
    conflicts = sum(r["conflicts"] for r in results)
    line = (
        f"{label}: {WORKERS} processes x {ROUNDS} commands on {len(ORDERS)} orders: "
        f"{attempts} attempts, {conflicts} ConcurrencyErrors (all retried), "
        f"{attempts - conflicts} accepted, {elapsed:.1f}s"
    )
    figure(line)
    assert [u for r in results for u in r["unexpected"]] == [], line
    accepted = {o: sum(r["accepted"][o] for r in results) for o in ORDERS}
    assert sum(accepted.values()) == WORKERS * ROUNDS, line
    with store() as uow:
        for order_id in ORDERS:
            order = uow.orders.get(order_id)
            # every accepted command is there exactly once: no lost update
            assert order.quantity == accepted[order_id], line
            assert order.version == 1 + accepted[order_id], line
            assert len(uow.ledger.item_entries(order_id=order_id)) == accepted[order_id], line
            assert uow.ledger.wip(order_id) == accepted[order_id], line
        assert uow.ledger.on_hand("STEEL") == -WORKERS * ROUNDS
    report = verify(store)
    assert report.ok, report.problems


@pytest.mark.slow
def test_sqlite_file_processes_lose_no_update(
    tmp_path: Path, figure: Callable[[str], None]
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with open_store(url) as store:
        _hammer(url, store, "SQLite file (WAL)", figure)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_processes_lose_no_update(pg_dsn: str, figure: Callable[[str], None]) -> None:
    with open_store(pg_dsn, migrate=True) as store:
        _hammer(pg_dsn, store, "PostgreSQL", figure)


def _kill_mid_batch(
    url: str, tmp: Path, label: str, figure: Callable[[str], None], rounds: int = 3
) -> None:
    ctx = multiprocessing.get_context("spawn")
    entries = 300
    kills = []
    inside = 0
    marker = tmp / f"marker-{label.replace(' ', '_')}"
    # Keep killing until at least one kill landed inside an open write transaction (under
    # CPU load a kill can miss it), at most 8 rounds.
    attempt = 0
    while attempt < rounds or (inside == 0 and attempt < 8):
        marker.write_text("out")
        proc = ctx.Process(target=batch_writer, args=(url, entries, attempt * 100_000, str(marker)))
        proc.start()
        with open_store(url) as probe:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with probe() as uow:
                    if len(uow.orders.list()) >= 2 * (attempt + 1):
                        break
                time.sleep(0.02)
        # aim at an open write transaction: the writer marks it (after its first write)
        deadline = time.monotonic() + 30
        while marker.read_text() != "in" and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(0.002)
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        state = marker.read_text()
        inside += state == "in"
        proc.join(10)
        kills.append(proc.exitcode)
        attempt += 1
    with open_store(url) as store, store() as uow:
        orders = uow.orders.list()
        docs = {e.document_no for e in uow.ledger.item_entries()}
        per_doc: dict[str, int] = {}
        for e in uow.ledger.item_entries():
            per_doc[e.document_no] = per_doc.get(e.document_no, 0) + 1
        # every unit of work is entirely present or entirely absent
        assert {o.id for o in orders} == docs
        assert set(per_doc.values()) == {entries}
        assert uow.ledger.on_hand("STEEL") == -entries * len(orders)
        assert uow.ledger.account_balance("2110") == Decimal("-0.01") * entries * len(orders)
        report = verify(store)
    figure(
        f"{label}: SIGKILLed a writer of {entries}-entry units of work {attempt} times "
        f"({inside} of them inside an open write transaction; exit codes {kills}); after "
        f"restart {len(orders)} complete units, none partial; verify: "
        f"{len(report.problems)} problems over {report.checked} records"
    )
    assert report.ok, report.problems
    assert inside >= 1, "no kill landed inside a transaction"


@pytest.mark.slow
def test_sqlite_survives_a_sigkill_mid_batch(tmp_path: Path, figure: Callable[[str], None]) -> None:
    _kill_mid_batch(f"sqlite:///{tmp_path / 'crash.db'}", tmp_path, "SQLite file", figure)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_survives_a_sigkill_mid_batch(
    pg_dsn: str, tmp_path: Path, figure: Callable[[str], None]
) -> None:
    with contextlib.closing(open_store(pg_dsn, migrate=True)):
        pass
    _kill_mid_batch(pg_dsn, tmp_path, "PostgreSQL", figure, rounds=2)
