"""Numbering decides the applications of a batch that has none, from its numbered item
entries, in the one copy of the batch it makes; applications a batch holds are
renumbered, not decided again."""

from __future__ import annotations

from decimal import Decimal

import attrs

from prodcore.ledger.model import (
    ItemApplication,
    ItemLedgerEntry,
    LedgerCounters,
    PostingBatch,
    number_batch,
)
from prodcore.testing.contracts import sample_batch

_COUNTERS = LedgerCounters(posting=3, item=10, capacity=20, value=30, gl=40)


def test_a_batch_without_applications_gets_the_ones_decided_on_its_numbered_entries() -> None:
    batch = sample_batch()
    assert batch.item_applications is None and batch.item_entries
    seen: list[tuple[ItemLedgerEntry, ...]] = []

    def decide(entries: tuple[ItemLedgerEntry, ...]) -> tuple[ItemApplication, ...]:
        seen.append(entries)
        first = entries[0]
        return (ItemApplication(first.item_no, first.location_code, first.entry_no, 7, 1),)

    numbered, _ = number_batch(batch, _COUNTERS, decide)
    assert seen == [numbered.item_entries]  # decided once, on the numbered entries
    assert numbered.item_entries[0].entry_no == _COUNTERS.item + 1
    assert numbered.item_applications == (
        ItemApplication(
            batch.item_entries[0].item_no,
            batch.item_entries[0].location_code,
            _COUNTERS.item + 1,
            7,
            Decimal(1),
        ),
    )
    without, _ = number_batch(batch, _COUNTERS)
    assert without.item_applications is None
    assert attrs.evolve(numbered, item_applications=None) == without


def test_applications_a_batch_holds_are_renumbered_not_decided() -> None:
    given = (ItemApplication("STEEL", "MAIN", -1, 7, Decimal(2)),)
    batch: PostingBatch = attrs.evolve(sample_batch(), item_applications=given)

    def decide(entries: tuple[ItemLedgerEntry, ...]) -> tuple[ItemApplication, ...]:
        raise AssertionError("decided again")

    numbered, _ = number_batch(batch, _COUNTERS, decide)
    assert numbered.item_applications == (
        ItemApplication("STEEL", "MAIN", _COUNTERS.item + 1, 7, Decimal(2)),
    )
