"""A unit of work that reads a ledger list again (cost adjustment reads an order's
entries several times) gets the first answer without a statement (PostgreSQL: without a
round trip); the commit still checks that answer against the stored rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._sql import SqlStore
from prodcore.errors import ConcurrencyError
from prodcore.testing.contracts import sample_batch
from tests.persistence.counting import count


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    url = f"sqlite:///{tmp_path}/p.db"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_dsn")
    with open_store(url, migrate=True) as opened:
        assert isinstance(opened, SqlStore)
        with opened() as uow:
            uow.ledger.append(sample_batch(order_id="PO-1"))
            uow.commit()
        yield opened


def test_a_list_read_again_is_not_read_again(store: SqlStore) -> None:
    seen: list[str] = []
    count(store, "query", seen)
    with store() as uow:
        first = uow.ledger.item_entries(order_id="PO-1")
        read = len(seen)
        assert uow.ledger.item_entries(order_id="PO-1") == first
        assert len(seen) == read
        assert uow.ledger.item_entries(order_id="PO-2") == []  # another list: read
        assert len(seen) == read + 1
    with store() as uow:  # a new unit of work reads afresh
        uow.ledger.item_entries(order_id="PO-1")
        assert seen[read + 1 :] == [seen[0], seen[1]]  # the versions, the list


def test_the_first_answer_is_kept_and_checked_at_commit(store: SqlStore) -> None:
    with store() as uow:
        assert len(uow.ledger.item_entries(order_id="PO-1")) == 1
        with store() as rival:
            rival.ledger.append(sample_batch(order_id="PO-1"))
            rival.commit()
        assert len(uow.ledger.item_entries(order_id="PO-1")) == 1
        uow.ledger.append(sample_batch(order_id="PO-3"))
        with pytest.raises(ConcurrencyError):
            uow.commit()
    with store() as uow:
        assert len(uow.ledger.item_entries(order_id="PO-1")) == 2
