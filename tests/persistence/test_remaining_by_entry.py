"""A commit that changes open entries of a pool its unit of work did not read reads the
stored rows of those entries only, by number, not the whole pool (which grows with
its open entries): what it stores is the same."""

from __future__ import annotations

from decimal import Decimal

from prodcore.adapters._sql import SqlStore
from prodcore.testing.contracts import sample_moves
from tests.persistence.counting import count_in_writes


def _pool_reads(seen: list[str]) -> list[str]:
    return [sql for sql in seen if "prodcore_bal_remaining" in sql]


def test_a_commit_reads_the_entries_it_changes_not_their_pools(sql_store: SqlStore) -> None:
    with sql_store() as uow:  # ten open receipts of A
        uow.ledger.append(sample_moves(*[("A", "1")] * 10))
        uow.commit()
    # (PostgreSQL reads the pool with its conflict checks, announced with its locks)
    counted = sql_store.gapless_numbers
    seen = count_in_writes(sql_store, "query") if counted else []
    with sql_store() as uow:  # two more, unread pool: only their numbers are looked up
        uow.ledger.append(sample_moves(("A", "2"), ("A", "3")))
        uow.commit()
    reads = _pool_reads(seen)
    if counted:
        # the open outbound entries the receipts would apply to (the unit of work's
        # read), then the rows of the two receipts: none (the inbound pool is not read)
        assert reads == [
            (
                "SELECT entry_no, qty FROM prodcore_bal_remaining "
                "WHERE item_no = ? AND location_code = ? AND inbound = ? ORDER BY entry_no"
            ),
            "SELECT entry_no, qty FROM prodcore_bal_remaining WHERE entry_no IN (?, ?)",
        ]
    with sql_store() as uow:
        assert [uow.ledger.remaining_quantity(n) for n in range(1, 13)] == [
            *[Decimal(1)] * 10,
            Decimal(2),
            Decimal(3),
        ]
        assert [no for no, _ in uow.ledger.open_entries("A", "", True)] == list(range(1, 13))


def test_an_outbound_commit_closes_and_keeps_the_right_rows(sql_store: SqlStore) -> None:
    with sql_store() as uow:
        uow.ledger.append(sample_moves(("A", "4"), ("A", "3"), ("B", "5")))
        uow.commit()
    with sql_store() as uow:  # takes 4 and 1 of 3 from A's receipts, 2 of B's
        uow.ledger.append(sample_moves(("A", "-5"), ("B", "-2")))
        uow.commit()
    with sql_store() as uow:
        assert [uow.ledger.remaining_quantity(n) for n in range(1, 6)] == [
            Decimal(q) for q in ("0", "2", "3", "0", "0")
        ]
        assert uow.ledger.open_entries("A", "", True) == [(2, Decimal(2))]
        assert uow.ledger.open_entries("A", "", False) == []
