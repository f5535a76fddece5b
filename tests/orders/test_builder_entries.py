"""The builder's entry factories build each entry once, with its local number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.ledger.model import ItemEntryType
from prodcore.masterdata import CapacityType, Item, MasterData, WorkCenter
from prodcore.numbers import TimeUnit
from prodcore.orders.builder import PostingBuilder


def test_factories_build_each_entry_once_with_its_number(monkeypatch: pytest.MonkeyPatch) -> None:
    md = MasterData.of(
        items=[Item("BOLT", base_unit="PCS", unit_cost=Decimal(2))],
        work_centers=[WorkCenter("WC", direct_unit_cost=Decimal(1))],
    )
    ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
    at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    b = PostingBuilder(md, ledger, lambda order_id: None, at, "ADJ-1")  # type: ignore[arg-type,return-value]
    evolved: list[Any] = []
    evolve = attrs.evolve

    def counting(record: Any, **changes: Any) -> Any:
        evolved.append(record)
        return evolve(record, **changes)

    monkeypatch.setattr(attrs, "evolve", counting)
    refs = [
        b.item_entry(ItemEntryType.POSITIVE_ADJUSTMENT, "BOLT", Decimal(5), unit="PCS"),
        b.item_entry(ItemEntryType.NEGATIVE_ADJUSTMENT, "BOLT", Decimal(-1), unit="PCS"),
        b.capacity_entry(CapacityType.WORK_CENTER, "WC", "WC", Decimal(1), time_unit=TimeUnit.HOUR),
    ]
    assert refs == [-1, -2, -1]
    assert [e.entry_no for e in b.items] == [-1, -2]
    assert [e.entry_no for e in b.caps] == [-1]
    assert evolved == []
    # an entry built elsewhere with another number still gets the next local one
    again = b.add_item_entry(attrs.evolve(b.items[0], entry_no=0))
    assert (again, b.items[-1].entry_no) == (-3, -3)
