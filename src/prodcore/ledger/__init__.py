"""Append-only ledgers: item, capacity, value and G/L entries, and their balances."""

from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    AccountRole,
    CapacityLedgerEntry,
    EntryOrigin,
    GLEntry,
    IdempotencyRecord,
    ItemApplication,
    ItemEntryType,
    ItemLedgerEntry,
    LedgerCounters,
    PostingBatch,
    PostingResult,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    VarianceType,
    number_batch,
)
from prodcore.ledger.reader import LedgerReader

__all__ = [
    "AccountRole",
    "CapacityLedgerEntry",
    "EntryOrigin",
    "GLEntry",
    "IdempotencyRecord",
    "ItemApplication",
    "ItemEntryType",
    "ItemLedgerEntry",
    "LedgerCounters",
    "LedgerIndex",
    "LedgerReader",
    "PostingBatch",
    "PostingResult",
    "PostingSetup",
    "ValueEntry",
    "ValueEntryType",
    "ValueSource",
    "VarianceType",
    "number_batch",
]
