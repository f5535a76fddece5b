"""Workers for the multi-process tests of the stores (importable by spawned processes).

``bump_worker`` changes shared orders and posts to the ledger in the same unit of work,
retrying on :class:`~prodcore.errors.ConcurrencyError`; ``batch_writer`` commits large
units of work until it is killed. Not public API.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import attrs

from prodcore.errors import ConcurrencyError, ProdcoreError

__all__ = ["batch_writer", "bump_worker"]


def bump_worker(url: str, worker: int, order_ids: list[str], rounds: int) -> dict[str, Any]:
    """``rounds`` times: add one to an order's quantity and post one unit for it.

    Returns what was accepted per order, attempts, conflicts, and any other error
    (which the test treats as a failure).
    """
    from prodcore.adapters import open_store
    from prodcore.testing.contracts import sample_batch

    accepted: dict[str, int] = dict.fromkeys(order_ids, 0)
    attempts = conflicts = 0
    unexpected: list[str] = []
    with (
        open_store(url, busy_timeout=60.0)
        if url.startswith("sqlite")
        else open_store(url, max_size=1) as store
    ):
        uow = store()
        for n in range(rounds):
            order_id = order_ids[(worker + n) % len(order_ids)]
            while True:
                attempts += 1
                try:
                    with uow:
                        order = uow.orders.get(order_id)
                        changed = attrs.evolve(
                            order, quantity=order.quantity + 1, version=order.version + 1
                        )
                        uow.orders.save(changed, expected_version=order.version)
                        uow.ledger.append(
                            sample_batch(1, 1, order_id=order_id, document_no=f"W{worker}-{n}")
                        )
                        uow.commit()
                    accepted[order_id] += 1
                    break
                except ConcurrencyError:
                    conflicts += 1
                except ProdcoreError as err:
                    unexpected.append(f"{type(err).__name__}: {err}")
                    break
    return {
        "worker": worker,
        "accepted": accepted,
        "attempts": attempts,
        "conflicts": conflicts,
        "unexpected": unexpected,
    }


def batch_writer(url: str, entries: int, start: int, marker: str) -> None:
    """Commit units of work of one new order plus one batch of ``entries`` postings
    until killed. Order ``K-n`` and the batch with document ``K-n`` belong together.

    The file ``marker`` says ``in`` while a write transaction is open (after its first
    statement) and ``out`` otherwise, so the killer can aim at an open transaction."""
    from prodcore.adapters import open_store
    from prodcore.adapters._sql import SqlStore, WriteTx
    from prodcore.ledger.model import PostingBatch
    from prodcore.testing.contracts import sample_batch, sample_order

    def mark(state: str) -> None:
        with open(marker, "w", encoding="ascii") as f:
            f.write(state)

    with open_store(url) as store:
        assert isinstance(store, SqlStore)
        plain = store.begin_write

        def traced(*lease: Any) -> WriteTx:
            tx = plain(*lease)
            tx.execute("UPDATE prodcore_ledger_counters SET gl = gl WHERE id = 1")
            mark("in")
            return tx

        store.begin_write = traced  # type: ignore[method-assign]
        uow = store()
        n = start
        while True:
            doc = f"K-{n}"
            parts = [sample_batch(1, Decimal("0.01"), order_id=doc, document_no=doc)] * entries
            batch = PostingBatch.build(
                document_no=doc,
                posted_at=parts[0].posted_at,
                item_entries=tuple(
                    attrs.evolve(p.item_entries[0], entry_no=-(i + 1)) for i, p in enumerate(parts)
                ),
                value_entries=tuple(
                    attrs.evolve(p.value_entries[0], entry_no=-(i + 1), item_entry_no=-(i + 1))
                    for i, p in enumerate(parts)
                ),
                gl_entries=tuple(
                    attrs.evolve(g, entry_no=-(2 * i + k + 1), value_entry_no=-(i + 1))
                    for i, p in enumerate(parts)
                    for k, g in enumerate(p.gl_entries)
                ),
            )
            with uow:
                uow.orders.add(sample_order(doc))
                uow.ledger.append(batch)
                uow.commit()
            mark("out")
            n += 1
            time.sleep(0)
