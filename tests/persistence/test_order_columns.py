"""A save that changes only an order's columns (its version, its status) writes only
those columns, not its document: the stored document keeps the values it was written
with, and every read of the order takes the version and status from the row. Cost
adjustment (a new version of an unchanged order) so writes no document; two saves over
one version still conflict on every store."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from prodcore.adapters import Store, open_store
from prodcore.adapters._sql import SqlStore
from prodcore.app import adjust_cost
from prodcore.errors import ConcurrencyError
from prodcore.integrity import verify
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.records import revise
from prodcore.serialization import loads
from prodcore.testing.contracts import sample_order
from tests.costing.test_actual_cost import Shop, d4_records
from tests.persistence.counting import count_in_writes

Opener = Callable[[], contextlib.AbstractContextManager[Store]]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens a store object on one database, as many times as asked (the memory store:
    the same object each time)."""
    if request.param == "memory":
        with open_store("memory:") as memory:

            @contextlib.contextmanager
            def same() -> Iterator[Store]:
                yield memory

            yield same
        return
    url = (
        f"sqlite:///{tmp_path}/p.db"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_dsn")
    )

    @contextlib.contextmanager
    def open_() -> Iterator[Store]:
        with open_store(url, migrate=True) as store:
            yield store

    yield open_


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        assert isinstance(store, SqlStore)
        with store() as uow:
            uow.orders.add(sample_order("PO-1"))
            uow.commit()
        yield store


def _order_writes(statements: list[str]) -> list[str]:
    return [s for s in statements if "prodcore_orders" in s and not s.startswith("SELECT")]


def _stored_doc(store: SqlStore, order_id: str) -> ProductionOrder:
    rows = store.query("SELECT doc FROM prodcore_orders WHERE id = ?", (order_id,))
    return loads(rows[0][0], ProductionOrder)


def test_a_status_change_alone_writes_the_status_and_version_columns(
    sqlite_store: SqlStore,
) -> None:
    written = count_in_writes(sqlite_store, "execute")
    with sqlite_store() as uow:
        order = uow.orders.get("PO-1")
        released = revise(order, status=OrderStatus.RELEASED, version=2)
        uow.orders.save(released, expected_version=1)
        uow.commit()
    assert _order_writes(written) == [
        "UPDATE prodcore_orders SET version = ?, status = ? WHERE id = ? AND version = ?"
    ]
    with sqlite_store() as uow:  # the status index follows
        assert uow.orders.list(status=OrderStatus.FIRM_PLANNED) == []
        assert uow.orders.list(status=OrderStatus.RELEASED) == [released]
        assert uow.orders.get("PO-1") == released


def test_a_new_version_of_an_unchanged_order_writes_its_columns_only(
    sqlite_store: SqlStore,
) -> None:
    written = count_in_writes(sqlite_store, "execute")
    with sqlite_store() as uow:
        order = uow.orders.get("PO-1")
        uow.orders.save(revise(order, version=2), expected_version=1)
        uow.commit()
    # its status is the same: not set (SQLite would rewrite the status index's page)
    assert _order_writes(written) == [
        "UPDATE prodcore_orders SET version = ? WHERE id = ? AND version = ?"
    ]
    assert _stored_doc(sqlite_store, "PO-1").version == 1  # the document as written
    expected = revise(order, version=2)
    with sqlite_store() as uow:  # every read path: the row's version over the document
        assert uow.orders.get("PO-1") == expected
        assert uow.orders.find("PO-1") == expected
        assert uow.orders.list() == [expected]
        assert uow.orders.list(status=OrderStatus.FIRM_PLANNED) == [expected]
    documents = {key: doc for area, key, _, doc in sqlite_store.documents() if "orders" in area}
    assert loads(documents["PO-1"], ProductionOrder) == expected
    assert verify(sqlite_store).ok


def test_a_status_change_alone_writes_the_columns_and_reads_back(sqlite_store: SqlStore) -> None:
    written = count_in_writes(sqlite_store, "execute")
    with sqlite_store() as uow:
        order = uow.orders.get("PO-1")
        changed = revise(order, version=2, status=OrderStatus.RELEASED)
        uow.orders.save(changed, expected_version=1)
        uow.commit()
    assert all("doc" not in s for s in _order_writes(written))
    with sqlite_store() as uow:
        assert uow.orders.list(status=OrderStatus.RELEASED) == [changed]
        assert uow.orders.list(status=OrderStatus.FIRM_PLANNED) == []
        assert uow.orders.get("PO-1") == changed


def test_a_changed_order_writes_its_document(sqlite_store: SqlStore) -> None:
    written = count_in_writes(sqlite_store, "execute")
    with sqlite_store() as uow:
        order = uow.orders.get("PO-1")
        # equal values, but not the objects read: written (the test is one of identity)
        renamed = revise(order, version=2, description="renamed")
        uow.orders.save(renamed, expected_version=1)
        uow.commit()
    assert ["doc = ?" in s for s in _order_writes(written)] == [True]
    assert _stored_doc(sqlite_store, "PO-1") == renamed
    # a column-only save after it: the document of version 2 under version 3
    with sqlite_store() as uow:
        uow.orders.save(revise(uow.orders.get("PO-1"), version=3), expected_version=2)
        uow.commit()
    with sqlite_store() as uow:
        assert uow.orders.get("PO-1") == revise(renamed, version=3)
    assert verify(sqlite_store).ok


def test_the_decoded_order_is_kept_across_column_only_saves(
    sqlite_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_store() as uow:
        uow.orders.get("PO-1")  # decoded once
    decoded: list[object] = []

    def counting_loads(doc: str, cls: type) -> object:
        decoded.append(cls)
        return loads(doc, cls)

    monkeypatch.setattr("prodcore.adapters._sql.loads", counting_loads)
    for version in range(1, 6):
        with sqlite_store() as uow:
            order = uow.orders.get("PO-1")
            assert order.version == version
            uow.orders.save(revise(order, version=version + 1), expected_version=version)
            uow.commit()
    with sqlite_store() as uow:
        assert uow.orders.get("PO-1").version == 6
    assert ProductionOrder not in decoded


def test_two_new_versions_of_one_order_conflict(opener: Opener) -> None:
    with opener() as store, store() as uow:
        uow.orders.add(sample_order("PO-1"))
        uow.commit()
    with opener() as first_store, opener() as second_store:
        first, second = first_store(), second_store()
        with first, second:
            mine = first.orders.get("PO-1")
            theirs = second.orders.get("PO-1")
            first.orders.save(revise(mine, version=2), expected_version=1)
            second.orders.save(revise(theirs, version=2), expected_version=1)
            first.commit()
            with pytest.raises(ConcurrencyError) as refused:
                second.commit()
    assert (refused.value.key, refused.value.expected, refused.value.actual) == ("PO-1", 1, 2)
    with opener() as store, store() as uow:
        assert uow.orders.get("PO-1") == revise(mine, version=2)


class _InterleavingClock:
    """A clock that runs another adjustment of the order (in another unit of work of
    the same store) the first time it is read."""

    def __init__(self, shop: Shop, store: Store) -> None:
        self.shop = shop
        self.store = store
        self.done = False

    def now(self) -> dt.datetime:
        if not self.done:
            self.done = True
            adjust_cost(self.store(), "PO-1", clock=self.shop.clock, idempotency_key="OTHER")
        return self.shop.clock.now()


def test_cost_adjustment_writes_no_document_and_a_rival_one_is_refused(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        assert isinstance(store, SqlStore)
        shop = Shop(d4_records(), store())
        shop.run_d5()
        before = shop.order()
        written = count_in_writes(store, "execute")
        # the rival adjusts between this adjustment's reads and its commit: this one
        # is refused (what it read changed), and writes nothing
        with pytest.raises(ConcurrencyError):
            adjust_cost(
                store(), "PO-1", clock=_InterleavingClock(shop, store), idempotency_key="MINE"
            )
        assert _order_writes(written) == [  # the rival's save
            "UPDATE prodcore_orders SET version = ? WHERE id = ? AND version = ?"
        ]
        assert shop.order() == revise(before, version=before.version + 1)
        assert shop.wip() == 0
        assert verify(store).ok
