"""Capacity entries carry their origin (documents stored without one load as ORDINARY),
and the one G/L rule table holds cost adjustment's two rows."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from prodcore.ledger import (
    AccountRole,
    CapacityLedgerEntry,
    EntryOrigin,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.posting import gl_lines, value_batch
from prodcore.masterdata import CapacityType
from prodcore.numbers import TimeUnit
from prodcore.serialization import dumps, loads

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)


def test_a_capacity_document_stored_without_origin_loads_as_ordinary() -> None:
    entry = CapacityLedgerEntry(
        7,
        CapacityType.WORK_CENTER,
        "WC",
        "WC",
        Decimal(2),
        time_unit=TimeUnit.HOUR,
        posted_at=T0,
        origin=EntryOrigin.SUBCONTRACT_RECEIPT,
    )
    doc = json.loads(dumps(entry))
    assert doc["origin"] == "SUBCONTRACT_RECEIPT"
    assert loads(doc, CapacityLedgerEntry) == entry
    del doc["origin"]
    assert loads(doc, CapacityLedgerEntry).origin is EntryOrigin.ORDINARY


def _value(entry_type: ValueEntryType, order_id: str | None) -> ValueEntry:
    return ValueEntry(
        -1,
        entry_type,
        ValueSource.ITEM,
        Decimal("3.00"),
        Decimal(0),
        currency="EUR",
        item_entry_no=4,
        order_id=order_id,
        posted_at=T0,
    )


@pytest.mark.parametrize(
    ("entry_type", "order_id", "debit", "credit"),
    [
        # cost adjustment: overhead absorbed by the order, rounding left on its WIP
        (ValueEntryType.INDIRECT_COST, "PO-1", AccountRole.WIP, AccountRole.OVERHEAD_APPLIED),
        (ValueEntryType.ROUNDING, "PO-1", AccountRole.INVENTORY_ADJUSTMENT, AccountRole.WIP),
        # of no order: inventory against Inventory Adjustment
        (
            ValueEntryType.INDIRECT_COST,
            None,
            AccountRole.INVENTORY,
            AccountRole.INVENTORY_ADJUSTMENT,
        ),
        (ValueEntryType.ROUNDING, None, AccountRole.INVENTORY, AccountRole.INVENTORY_ADJUSTMENT),
        (ValueEntryType.WIP_WRITE_OFF, "PO-1", AccountRole.INVENTORY_ADJUSTMENT, AccountRole.WIP),
    ],
)
def test_gl_rules(
    entry_type: ValueEntryType, order_id: str | None, debit: AccountRole, credit: AccountRole
) -> None:
    lines = gl_lines(_value(entry_type, order_id), PostingSetup(), -1)
    assert [(g.role, g.amount) for g in lines] == [
        (debit, Decimal("3.00")),
        (credit, -Decimal("3.00")),
    ]


def test_value_batch_carries_the_idempotency_key() -> None:
    batch = value_batch(
        [_value(ValueEntryType.ROUNDING, "PO-1")],
        PostingSetup(),
        document_no="PO-1/adjust",
        posted_at=T0,
        idempotency_key="adj-1",
    )
    assert batch.idempotency_key == "adj-1"
    assert [v.entry_no for v in batch.value_entries] == [-1]
