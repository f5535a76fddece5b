"""The SQL stores' stored versions. The master data cache is kept per store object and
valid while the stored master data version is unchanged: every write of master data, the
manufacturing setup or the posting setup raises that version, so another store object
(another process) writing master data is seen at once, and a decision that read a record
changed since is refused at commit, while a change to another record lets it commit. A
store that commits one at a time (SQLite) also counts its commits: when nothing was
committed since a unit of work's first read, its reads are not read again at commit."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._sql import SqlStore
from prodcore.errors import ConcurrencyError
from prodcore.ledger.model import PostingSetup
from prodcore.masterdata import Item, ManufacturingSetup, WorkCenter
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.serialization import dumps
from tests.persistence.counting import count, count_in_writes

Opener = Callable[[], contextlib.AbstractContextManager[SqlStore]]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens a store object on one database, as many times as asked (two processes)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/p.db"
    else:
        url = request.getfixturevalue("pg_dsn")

    @contextlib.contextmanager
    def open_() -> Iterator[SqlStore]:
        with open_store(url, migrate=True) as store:
            assert isinstance(store, SqlStore)
            yield store

    yield open_


def _counting(store: SqlStore) -> list[str]:
    """The statements ``store`` runs outside write transactions, from now on."""
    seen: list[str] = []
    count(store, "query", seen)
    return seen


def _put(store: SqlStore, *records: Any) -> None:
    with store() as uow:
        for record in records:
            uow.master_data.put(record)
        uow.commit()


def _cost(store: SqlStore, no: str) -> Decimal:
    with store() as uow:
        return uow.master_data.item(no).unit_cost


def test_a_unit_of_work_reads_cached_master_data_with_one_statement(opener: Opener) -> None:
    with opener() as store:
        _put(store, Item("A", base_unit="PCS", unit_cost=1), WorkCenter("WC"))
        with store() as uow:  # fills the cache
            uow.master_data.item("A")
            list(uow.master_data.items())
            assert uow.master_data.setup == ManufacturingSetup()
        seen = _counting(store)
        with store() as uow:
            assert uow.master_data.item("A").unit_cost == 1
            assert [i.no for i in uow.master_data.items()] == ["A"]
            assert uow.master_data.setup == ManufacturingSetup()
            with pytest.raises(LookupError):
                uow.master_data.item("MISSING")
            uow.master_data.work_center("WC")  # a miss: read once, then cached
        assert [s for s in seen if "prodcore_versions" in s] == [seen[0]]
        assert sum("prodcore_master_data" in s for s in seen) == 2
        seen.clear()
        with store() as uow:
            uow.master_data.work_center("WC")
            with pytest.raises(LookupError):
                uow.master_data.item("MISSING")
        assert len(seen) == 1


def test_another_store_object_writing_master_data_is_seen(opener: Opener) -> None:
    with opener() as first, opener() as second:
        _put(first, Item("A", base_unit="PCS", unit_cost=1))
        assert _cost(first, "A") == 1
        assert _cost(second, "A") == 1
        _put(second, Item("A", base_unit="PCS", unit_cost=2))
        assert _cost(first, "A") == 2
        with second() as uow:
            uow.master_data.put_setup(ManufacturingSetup(finish_order_without_output=True))
            uow.commit()
        with first() as uow:
            assert uow.master_data.setup.finish_order_without_output
        with second() as uow:
            uow.ledger.put_posting_setup(PostingSetup(inventory="9999"))
            uow.commit()
        with first() as uow:
            assert uow.ledger.posting_setup.inventory == "9999"


def test_every_master_data_and_setup_write_raises_the_version(opener: Opener) -> None:
    def version(store: SqlStore) -> int:
        return int(store.query("SELECT master FROM prodcore_versions")[0][0])

    with opener() as store:
        seen = [version(store)]
        _put(store, Item("A", base_unit="PCS"))
        seen.append(version(store))
        for write in ("setup", "posting setup"):
            with store() as uow:
                if write == "setup":
                    uow.master_data.put_setup(ManufacturingSetup())
                else:
                    uow.ledger.put_posting_setup(PostingSetup())
                uow.commit()
            seen.append(version(store))
        with store() as uow:
            uow.master_data.item("A")
            uow.orders.add(_order("PO-1"))
            uow.commit()  # no master data written: unchanged
        seen.append(version(store))
        assert seen[0] < seen[1] < seen[2] < seen[3] == seen[4]


def test_a_write_by_another_program_is_seen(tmp_path: Path) -> None:
    """Database triggers raise the versions whoever writes (an earlier release, a
    script): the cache is not used past such a write, and the reads are checked again."""
    path = tmp_path / "p.db"
    with open_store(f"sqlite:///{path}") as store:
        assert isinstance(store, SqlStore)
        _put(store, Item("A", base_unit="PCS", unit_cost=1))
        assert _cost(store, "A") == 1
        with contextlib.closing(sqlite3.connect(path)) as other, other:
            other.execute(
                "UPDATE prodcore_master_data SET doc = ? WHERE no = 'A'",
                (dumps(Item("A", base_unit="PCS", unit_cost=3)),),
            )
        assert _cost(store, "A") == 3
        with store() as uow:
            assert uow.orders.list() == []
            uow.master_data.put(Item("B", base_unit="PCS"))
            with contextlib.closing(sqlite3.connect(path)) as other, other:
                other.execute(
                    "INSERT INTO prodcore_orders (id, status, version, doc) VALUES (?, ?, 1, ?)",
                    ("PO-9", "PLANNED", dumps(_order("PO-9"))),
                )
            with pytest.raises(ConcurrencyError):
                uow.commit()


@pytest.mark.parametrize("changed", ["A", "B"])
def test_a_decision_holds_unless_the_record_it_read_changed(opener: Opener, changed: str) -> None:
    """The decision read A; a rival changes A (refused) or B (it commits)."""
    with opener() as first, opener() as second:
        _put(first, Item("A", base_unit="PCS", unit_cost=1), Item("B", base_unit="PCS"))
        with first() as uow:
            cost = uow.master_data.item("A").unit_cost
            _put(second, Item(changed, base_unit="PCS", unit_cost=7))
            uow.master_data.put(Item("C", base_unit="PCS", unit_cost=cost))
            if changed == "A":
                with pytest.raises(ConcurrencyError):
                    uow.commit()
            else:
                uow.commit()
        with first() as uow:
            assert uow.master_data.item(changed).unit_cost == 7
            if changed == "A":
                with pytest.raises(LookupError):
                    uow.master_data.item("C")
            else:
                assert uow.master_data.item("C").unit_cost == 1


def test_a_commit_elsewhere_makes_the_reads_checked_again(opener: Opener) -> None:
    with opener() as first, opener() as second:
        _put(first, Item("A", base_unit="PCS"))
        with first() as uow:
            assert uow.orders.list() == []
            uow.master_data.put(Item("B", base_unit="PCS"))
            with second() as rival:
                rival.orders.add(_order("PO-1"))
                rival.commit()
            with pytest.raises(ConcurrencyError):
                uow.commit()


def test_reads_are_not_read_again_when_nothing_was_committed_since(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        assert isinstance(store, SqlStore)
        _put(store, Item("A", base_unit="PCS"))
        in_commit = count_in_writes(store, "query")
        with store() as uow:
            uow.master_data.item("A")
            assert uow.orders.list() == []
            assert uow.ledger.on_hand("A") == 0
            uow.orders.add(_order("PO-1"))
            uow.commit()
        assert len(in_commit) == 1  # the versions, nothing else
        assert "prodcore_versions" in in_commit[0]


def _order(order_id: str) -> ProductionOrder:
    return ProductionOrder(
        order_id, OrderStatus.PLANNED, "A", Decimal(1), due_date=dt.date(2026, 3, 31), version=1
    )
