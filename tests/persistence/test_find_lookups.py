"""The non-raising lookups: ``uow.master_data.find(kind, no)`` and ``uow.orders.find(id)``
return None for what is not there and the record otherwise, on every store; an absence
read this way is a read like any other (a rival that creates the record first wins).
Refusals of commands on missing orders (and of a second CreateOrder) are tested with the
lifecycle (tests/orders/test_lifecycle.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from prodcore.adapters import Store, open_store
from prodcore.costing.history import stored_history
from prodcore.errors import ConcurrencyError, ConflictError, InvalidValueError, NotFoundError
from prodcore.masterdata import Item, Location, MasterData
from prodcore.masterdata.lookup import find_record
from prodcore.masterdata.standards import StandardCostHistory
from prodcore.orders.bins import location_of
from prodcore.orders.model import OrderStatus, ProductionOrder


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        url = "memory:"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/p.db"
    else:
        url = request.getfixturevalue("pg_dsn")
    with open_store(url, migrate=True if request.param == "postgresql" else None) as opened:
        yield opened


def _order(order_id: str = "PO-1") -> ProductionOrder:
    return ProductionOrder(
        order_id, OrderStatus.FIRM_PLANNED, "A", "1", due_date=dt.date(2026, 3, 9), version=1
    )


def test_master_data_find_is_none_for_a_missing_record_and_the_record_otherwise(
    store: Store,
) -> None:
    with store() as uow:
        uow.master_data.put(Item("A", base_unit="PCS"))
        assert uow.master_data.find(Item, "A") == Item("A", base_unit="PCS")  # staged
        uow.commit()
    with store() as uow:
        md = uow.master_data
        assert md.find(Item, "A") == md.item("A") == Item("A", base_unit="PCS")
        assert md.find(Item, "B") is None
        assert md.find(Location, "A") is None  # numbers are per kind
        assert md.find(StandardCostHistory, "A") is None
        assert md.find(Item, 7) is None  # type: ignore[arg-type]
        with pytest.raises(NotFoundError):  # the getters still raise
            md.item("B")
        with pytest.raises(InvalidValueError):
            md.find(ProductionOrder, "A")
        assert stored_history(md, "A") == StandardCostHistory("A")
        assert location_of(md, "MAIN") is None
        md.put(Location("MAIN"))
        assert location_of(md, "MAIN") == Location("MAIN")


def test_orders_find_is_none_for_a_missing_order_and_the_order_otherwise(store: Store) -> None:
    with store() as uow:
        assert uow.orders.find("PO-1") is None
        uow.orders.add(_order())
        assert uow.orders.find("PO-1") == _order()  # staged
        uow.commit()
    with store() as uow:
        assert uow.orders.find("PO-1") == uow.orders.get("PO-1") == _order()
        assert uow.orders.find(1) is None  # type: ignore[arg-type]
        uow.orders.delete("PO-1", expected_version=1)
        assert uow.orders.find("PO-1") is None
        with pytest.raises(NotFoundError):
            uow.orders.get("PO-1")


def test_an_absence_found_is_a_read_a_rival_commit_overtakes(store: Store) -> None:
    with store() as uow:
        assert uow.master_data.find(Location, "MAIN") is None
        with store() as rival:
            rival.master_data.put(Location("MAIN"))
            rival.commit()
        uow.master_data.put(Item("A", base_unit="PCS"))
        with pytest.raises((ConflictError, ConcurrencyError)):
            uow.commit()
    with store() as uow:
        assert uow.master_data.find(Item, "A") is None  # the refused commit wrote nothing


def test_find_record_reads_a_lookup_without_find_by_its_getter() -> None:
    md = MasterData.of(locations=[Location("MAIN")])
    assert find_record(md, Location, "MAIN", md.location) == Location("MAIN")
    assert find_record(md, Location, "ELSEWHERE", md.location) is None

    def broken(_no: str) -> Location:
        raise InvalidValueError(field="code", value=_no, reason="broken")

    with pytest.raises(InvalidValueError):  # only NotFoundError means absent
        find_record(md, Location, "MAIN", broken)


def test_a_unit_of_work_reads_a_record_once_and_keeps_its_first_answer(store: Store) -> None:
    with store() as seed:
        seed.master_data.put(Item("A", base_unit="PCS"))
        seed.commit()
    with store() as uow:
        first = uow.master_data.item("A")
        with store() as rival:
            rival.master_data.put(Item("A", base_unit="KG"))
            rival.commit()
        # the same answer within the unit of work (what its decisions were made on)...
        assert uow.master_data.find(Item, "A") is first
        assert uow.master_data.item("A").base_unit == "PCS"
        uow.master_data.put(Item("B", base_unit="PCS"))
        with pytest.raises((ConflictError, ConcurrencyError)):
            uow.commit()  # ...and that answer is checked at commit
    with store() as uow:
        assert uow.master_data.item("A").base_unit == "KG"
        assert uow.master_data.find(Item, "B") is None
