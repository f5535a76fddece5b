"""The SQL stores' decoded ledger entries: a committed entry is decoded once per store
object (entries never change once committed) and those a store object commits are held
without decoding; a number a rolled-back unit of work used is not held."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prodcore import serialization
from prodcore.adapters import open_store
from prodcore.adapters._sql import EntryCache, SqlStore
from prodcore.adapters.sqlite import SqliteStore
from prodcore.testing.contracts import sample_batch


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[type]]:
    """The classes the SQL stores decode documents of, from now on."""
    seen: list[type] = []
    loads = serialization.loads

    def counted(doc: str, cls: Any) -> Any:
        seen.append(cls)
        return loads(doc, cls)

    monkeypatch.setattr("prodcore.adapters._sql.loads", counted)
    yield seen


def test_entries_a_store_commits_are_read_without_decoding(
    tmp_path: Path, decodes: list[type]
) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    with open_store(url) as store:
        assert isinstance(store, SqlStore)
        with store() as uow:
            posted = uow.ledger.append(sample_batch(order_id="PO-1"))
            uow.commit()
        decodes.clear()
        with store() as uow:
            assert uow.ledger.value_entries(order_id="PO-1") == list(posted.value_entries)
            assert uow.ledger.item_entries(order_id="PO-1") == list(posted.item_entries)
            first = posted.value_entries[0]
            assert uow.ledger.value_entry(first.entry_no) == first
        assert decodes == []
    with open_store(url) as other:  # another process: decoded once, then held
        for _ in range(2):
            with other() as uow:
                assert uow.ledger.value_entries(order_id="PO-1") == list(posted.value_entries)
        assert len(decodes) == len(posted.value_entries)


def test_numbers_of_a_rolled_back_unit_of_work_are_not_held(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        with store() as uow:
            uow.ledger.append(sample_batch(qty=5, order_id="PO-1"))
            uow.rollback()
        with store() as uow:  # the same numbers, other entries
            posted = uow.ledger.append(sample_batch(qty=7, order_id="PO-2"))
            uow.commit()
        with store() as uow:
            assert uow.ledger.item_entries() == list(posted.item_entries)


def test_the_cache_holds_at_most_its_bound_newest_first() -> None:
    cache = EntryCache(max_entries=2)
    for no in (1, 2, 3):
        cache.put("t", no, str(no))
    assert list(cache.found) == [("t", 2), ("t", 3)]
    assert cache.decode("t", [(3, '"x"'), (4, '"4"')], str) == ["3", "4"]
    assert list(cache.found) == [("t", 3), ("t", 4)]


def test_the_least_recently_read_entry_goes_first() -> None:
    cache = EntryCache(2)
    cache.put("t", 1, "one")
    cache.put("t", 2, "two")
    assert cache.decode("t", [(1, "unused")], str) == ["one"]  # 1 read: 2 is the oldest
    cache.put("t", 3, "three")
    assert set(cache.found) == {("t", 1), ("t", 3)}


def test_closing_a_store_drops_what_it_decoded(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "closed.db")
    store.decoded_entries.put("prodcore_item_entries", 1, object())
    assert "decoded_entries" in store.__dict__
    store.close()
    assert "decoded_entries" not in store.__dict__
