"""A SQL store reads the open entries a batch's item applications ask for in one
statement (one per item and location before), and answers them again as first read.

(No rival can post to those items in between: a SQL unit of work reads them after it
took its numbers, and units of work commit in the order of their numbers.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from prodcore.adapters._sql import SqlStore, _Committed
from prodcore.testing.contracts import sample_moves


@pytest.fixture
def store(sql_store: SqlStore) -> SqlStore:
    with sql_store() as uow:
        uow.ledger.append(sample_moves(("A", "10"), ("B", "4"), ("B", "3"), ("C", "2")))
        uow.commit()
    return sql_store


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The committed open-entry reads (one statement each) a store makes from now on."""
    reads: list[str] = []
    for name in ("open_entries", "open_entries_of"):
        run = getattr(_Committed, name)

        def counted(self: _Committed, *args: Any, _run: Any = run, _name: str = name) -> Any:
            reads.append(_name)
            return _run(self, *args)

        monkeypatch.setattr(_Committed, name, counted)
    return reads


def test_one_statement_reads_the_open_entries_of_every_item_of_a_batch(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _count_reads(monkeypatch)
    with store() as uow:
        uow.ledger.append(sample_moves(("A", "-4"), ("B", "-5"), ("C", "-2"), ("A", "-1")))
        assert reads == ["open_entries_of"]
        # asked again (another batch of the unit of work): answered as first read
        assert uow.ledger.open_entries("B", "", True) == [(3, Decimal(2))]
        assert reads == ["open_entries_of"]
        uow.commit()
    with store() as uow:
        assert [uow.ledger.remaining_quantity(n) for n in range(1, 9)] == [
            Decimal(q) for q in ("5", "0", "2", "0", "0", "0", "0", "0")
        ]
        applied = [
            (a.outbound_entry_no, a.inbound_entry_no, a.quantity)
            for n in (5, 6, 7, 8)
            for a in uow.ledger.item_applications(n)
        ]
    assert applied == [
        (5, 1, Decimal(4)),
        (6, 2, Decimal(4)),
        (6, 3, Decimal(1)),
        (7, 4, Decimal(2)),
        (8, 1, Decimal(1)),
    ]
