"""The in-memory ledger: numbering, atomic append, balances, rollback, idempotency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.errors import ConcurrencyError, DuplicateError, NotFoundError, UnbalancedEntryError
from prodcore.ledger import (
    AccountRole,
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    PostingResult,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.masterdata import CapacityType
from prodcore.numbers import TimeUnit
from prodcore.serialization import make_converter, to_jsonable

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)


def consumption_batch(qty: str = "2", amount: str = "10") -> PostingBatch:
    ile = ItemLedgerEntry(
        -1,
        ItemEntryType.CONSUMPTION,
        "STEEL",
        Decimal(qty).copy_negate(),
        unit="KG",
        order_id="PO-1",
        order_line_no=10000,
        component_line_no=10000,
        location_code="MAIN",
        posted_at=AT,
    )
    cap = CapacityLedgerEntry(
        -1,
        CapacityType.MACHINE_CENTER,
        "MC-1",
        "WC-1",
        Decimal(3),
        time_unit=TimeUnit.HOUR,
        run_time=Decimal(3),
        order_id="PO-1",
        order_line_no=10000,
        operation_no="10",
        posted_at=AT,
    )
    value = ValueEntry(
        -1,
        ValueEntryType.DIRECT_COST,
        ValueSource.ITEM,
        Decimal(amount).copy_negate(),
        Decimal(0),
        currency="EUR",
        item_entry_no=-1,
        order_id="PO-1",
        order_line_no=10000,
        posted_at=AT,
    )
    gl = tuple(
        GLEntry(
            -n,
            account=account,
            role=role,
            amount=Decimal(sign + amount),
            currency="EUR",
            value_entry_no=-1,
            order_id="PO-1",
            posted_at=AT,
        )
        for n, (account, role, sign) in enumerate(
            [("2140", AccountRole.WIP, ""), ("2110", AccountRole.INVENTORY, "-")], start=1
        )
    )
    return PostingBatch.build(
        document_no="D1",
        posted_at=AT,
        item_entries=(ile,),
        capacity_entries=(cap,),
        value_entries=(value,),
        gl_entries=gl,
    )


def test_append_numbers_and_resolves_local_references() -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        first = uow.ledger.append(consumption_batch())
        second = uow.ledger.append(consumption_batch())
        uow.commit()
    assert (first.posting_no, second.posting_no) == (1, 2)
    assert second.item_entries[0].entry_no == 2
    assert second.value_entries[0].item_entry_no == 2
    assert [g.value_entry_no for g in second.gl_entries] == [2, 2]
    assert [g.entry_no for g in second.gl_entries] == [3, 4]


def test_balances_are_maintained_on_append() -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        uow.ledger.append(consumption_batch("2", "10"))
        uow.commit()
    with InMemoryUnitOfWork(store) as uow:
        uow.ledger.append(consumption_batch("1.5", "7.50"))
        # staged and committed add up inside the unit of work
        assert uow.ledger.on_hand("STEEL") == Decimal("-3.5")
        assert uow.ledger.on_hand("STEEL", "MAIN") == Decimal("-3.5")
        assert uow.ledger.on_hand("STEEL", "OTHER") == 0
        assert uow.ledger.consumed_quantity("PO-1", 10000, 10000) == Decimal("3.5")
        assert uow.ledger.wip("PO-1") == Decimal("17.50")
        assert uow.ledger.account_balance("2110") == Decimal("-17.50")
        day = AT.date()
        assert uow.ledger.capacity_used("WC-1", day, day) == 6
        assert uow.ledger.capacity_used("MC-1", day, day) == 6
        assert uow.ledger.capacity_used("WC-1", day + dt.timedelta(1), day + dt.timedelta(9)) == 0
        assert len(uow.ledger.item_entries(order_id="PO-1")) == 2
        assert len(uow.ledger.item_entries(item_no="STEEL")) == 2
        assert len(uow.ledger.capacity_entries(centre_no="MC-1")) == 2
        assert len(uow.ledger.value_entries(order_id="PO-1")) == 2
        assert len(uow.ledger.value_entries(source=ValueSource.ITEM, source_entry_no=2)) == 1
        assert len(uow.ledger.gl_entries(order_id="PO-1")) == 4
        # not committed: rolled back


def test_uncommitted_batch_is_rolled_back() -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        uow.ledger.append(consumption_batch())
    with InMemoryUnitOfWork(store) as uow:
        assert uow.ledger.item_entries() == []
        assert uow.ledger.on_hand("STEEL") == 0
        with pytest.raises(NotFoundError):
            uow.ledger.item_entry(1)


def test_unbalanced_batch_is_refused() -> None:
    batch = consumption_batch()
    with pytest.raises(UnbalancedEntryError):
        PostingBatch.build(document_no="X", posted_at=AT, gl_entries=batch.gl_entries[:1])


def test_stale_counters_raise_concurrency_error() -> None:
    store = InMemoryStore()
    one, two = InMemoryUnitOfWork(store), InMemoryUnitOfWork(store)
    with one, two:
        one.ledger.append(consumption_batch())
        two.ledger.append(consumption_batch())
        one.commit()
        with pytest.raises(ConcurrencyError):
            two.commit()
    with InMemoryUnitOfWork(store) as uow:
        assert len(uow.ledger.item_entries()) == 1


def test_idempotency_keys_are_unique() -> None:
    store = InMemoryStore()
    record = IdempotencyRecord("K1", "abc", PostingResult("PostOutput", None))
    with InMemoryUnitOfWork(store) as uow:
        uow.ledger.remember(record)
        with pytest.raises(DuplicateError):
            uow.ledger.remember(record)
        uow.commit()
    with InMemoryUnitOfWork(store) as uow:
        assert uow.ledger.idempotency("K1") == record
        assert uow.ledger.idempotency("K2") is None


def test_batches_round_trip_through_the_converter() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    batch = uow.ledger.append(consumption_batch())
    conv = make_converter()
    assert conv.structure(to_jsonable(batch), PostingBatch) == batch
    record = IdempotencyRecord("K", "h", PostingResult("PostOutput", batch, (("PO-1", 2),)))
    assert conv.structure(to_jsonable(record), IdempotencyRecord) == record
