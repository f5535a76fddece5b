"""PostgreSQL: the exactly-one-row checks of a commit (the order's version, the
idempotency key not taken) fail inside the server, so the checks and COMMIT travel in
one sync: the commit waits once. A failed check still raises its own typed error with
its fields (the order moved: ConcurrencyError with the versions; the key taken:
KeyTakenError), and nothing is written."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._schema import Tx
from prodcore.adapters.postgres import PostgresStore
from prodcore.errors import ConcurrencyError, KeyTakenError
from prodcore.ledger.model import IdempotencyRecord, PostingResult
from prodcore.records import revise
from prodcore.testing.contracts import sample_batch, sample_order

pytestmark = pytest.mark.postgres

_MARKS = "INSERT INTO prodcore_cost_marks (entry_no) VALUES (?)"


@pytest.fixture
def pg(pg_dsn: str) -> Iterator[PostgresStore]:
    with open_store(pg_dsn, migrate=True, max_size=3, timeout=2) as store:
        assert isinstance(store, PostgresStore)
        with store() as uow:
            uow.orders.add(sample_order("PO-1"))
            uow.commit()
        yield store


def _marks(pg: PostgresStore) -> list[int]:
    return [int(no) for (no,) in pg.query("SELECT entry_no FROM prodcore_cost_marks")]


def test_the_checks_and_the_commit_wait_once(pg: PostgresStore) -> None:
    with pg.transaction() as tx:
        tx.send(_MARKS, (1,))
        before = pg.round_trips
        for _ in range(2):
            tx.expect(
                "UPDATE prodcore_cost_marks SET entry_no = entry_no WHERE entry_no = ?",
                (1,),
                lambda: KeyTakenError(kind="Mark", key="-"),
            )
    assert pg.round_trips - before == 1
    assert _marks(pg) == [1]


def _refusal(tx: Tx, no: int) -> KeyTakenError:
    """The refusal of check ``no``, which reads (the transaction is rolled back by then:
    it sees none of its rows)."""
    found = tx.query("SELECT entry_no FROM prodcore_cost_marks")
    return KeyTakenError(kind="Mark", key=f"{no}:{len(found)}")


@pytest.mark.parametrize("failing", [0, 1, 2])
def test_a_failed_check_raises_its_own_refusal_and_writes_nothing(
    pg: PostgresStore, failing: int
) -> None:
    with pytest.raises(KeyTakenError) as refused, pg.transaction() as tx:
        for no in range(3):
            tx.send(_MARKS, (10 + no,))
            tx.expect(
                "DELETE FROM prodcore_cost_marks WHERE entry_no = ?",
                (99 if no == failing else 10 + no,),
                functools.partial(_refusal, tx, no),
            )
    assert refused.value.key == f"{failing}:0"
    assert _marks(pg) == []


def test_a_failed_check_raises_at_the_next_read(pg: PostgresStore) -> None:
    with pytest.raises(KeyTakenError, match="gone"), pg.transaction() as tx:
        tx.expect(
            "DELETE FROM prodcore_cost_marks WHERE entry_no = ?",
            (5,),
            lambda: KeyTakenError(kind="Mark", key="gone"),
        )
        tx.query("SELECT 1")
    with pg.transaction() as tx:  # the connection went back in order
        tx.send(_MARKS, (5,))
    assert _marks(pg) == [5]


def test_an_order_moved_since_it_was_read_is_refused_with_its_versions(
    pg: PostgresStore,
) -> None:
    first, second = pg(), pg()
    with first, second:
        mine = first.orders.get("PO-1")
        theirs = second.orders.get("PO-1")
        first.orders.save(revise(mine, version=2, description="mine"), expected_version=1)
        second.orders.save(revise(theirs, version=2, description="theirs"), expected_version=1)
        second.ledger.append(sample_batch("5", "6"))  # one poster per thread: this one
        first.commit()
        with pytest.raises(ConcurrencyError) as refused:
            second.commit()
    assert (refused.value.kind, refused.value.key) == ("Production order", "PO-1")
    assert (refused.value.expected, refused.value.actual) == (1, 2)
    with pg() as uow:
        assert uow.orders.get("PO-1").description == "mine"
        assert uow.ledger.item_entries() == []


def test_a_key_taken_since_it_was_read_is_refused_with_the_key(pg: PostgresStore) -> None:
    result = PostingResult("posting.output", None)
    first, second = pg(), pg()
    with first, second:
        first.ledger.remember(IdempotencyRecord("K", "hash-a", result))
        second.orders.save(
            revise(second.orders.get("PO-1"), version=2, description="theirs"),
            expected_version=1,
        )
        second.ledger.remember(IdempotencyRecord("K", "hash-b", result))
        first.commit()
        with pytest.raises(KeyTakenError) as refused:
            second.commit()
    assert refused.value.key == "K"
    with pg() as uow:
        assert uow.orders.get("PO-1").version == 1  # nothing of the refused commit
        record = uow.ledger.idempotency("K")
        assert record is not None and record.command_hash == "hash-a"
