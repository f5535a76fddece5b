"""Append-only ledgers: item, capacity, value and G/L entries, and their balances."""

from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    AccountRole,
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
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

__all__ = [
    "AccountRole",
    "CapacityLedgerEntry",
    "GLEntry",
    "IdempotencyRecord",
    "ItemEntryType",
    "ItemLedgerEntry",
    "LedgerCounters",
    "LedgerIndex",
    "PostingBatch",
    "PostingResult",
    "PostingSetup",
    "ValueEntry",
    "ValueEntryType",
    "ValueSource",
    "VarianceType",
    "number_batch",
]
