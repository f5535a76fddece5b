"""Numbering a batch copies its entries with their real numbers without converting and
validating their fields again, and gives the same records a validated copy would."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from types import FrameType
from typing import Any

import attrs
import pytest

import prodcore.errors
import prodcore.numbers
from prodcore.ledger.model import ItemApplication, LedgerCounters, PostingBatch, number_batch
from prodcore.testing.contracts import sample_batch

_COUNTERS = LedgerCounters(posting=3, item=10, capacity=20, value=30, gl=40)


def _batch() -> PostingBatch:
    return attrs.evolve(
        sample_batch(),
        item_applications=(ItemApplication("STEEL", "MAIN", -1, 7, Decimal(2)),),
    )


def _evolved(batch: PostingBatch, counters: LedgerCounters) -> PostingBatch:
    """The reference: every entry renumbered through attrs.evolve (converters run)."""

    def real(no: int | None, last: int) -> int | None:
        return no if no is None or no > 0 else last - no

    def each(records: tuple[Any, ...], **lasts: int) -> tuple[Any, ...]:
        return tuple(
            attrs.evolve(r, **{n: real(getattr(r, n), last) for n, last in lasts.items()})
            for r in records
        )

    applications = batch.item_applications or ()
    return attrs.evolve(
        batch,
        posting_no=counters.posting + 1,
        item_entries=each(
            batch.item_entries,
            entry_no=counters.item,
            capacity_entry_no=counters.capacity,
            flushed_by_capacity_entry_no=counters.capacity,
        ),
        capacity_entries=each(batch.capacity_entries, entry_no=counters.capacity),
        value_entries=each(
            batch.value_entries,
            entry_no=counters.value,
            item_entry_no=counters.item,
            capacity_entry_no=counters.capacity,
        ),
        gl_entries=each(batch.gl_entries, entry_no=counters.gl, value_entry_no=counters.value),
        item_applications=each(
            applications, outbound_entry_no=counters.item, inbound_entry_no=counters.item
        ),
    )


def test_numbered_records_equal_validated_copies() -> None:
    batch = _batch()
    numbered, after = number_batch(batch, _COUNTERS)
    assert numbered == _evolved(batch, _COUNTERS)
    assert [type(e) for e in numbered.item_entries] == [type(e) for e in batch.item_entries]
    assert after == LedgerCounters(posting=4, item=11, capacity=21, value=31, gl=42)
    assert numbered.item_applications is not None
    assert (numbered.item_applications[0].outbound_entry_no, numbered.gl_entries[1].entry_no) == (
        11,
        42,
    )


def _conversions(action: Callable[[], object]) -> int:
    """How many Decimal fields ``action`` converts (calls of the fields' converter)."""
    code = getattr(prodcore.numbers.as_decimal, "converter").__code__  # noqa: B009
    count = 0

    def hook(frame: FrameType, event: str, _arg: object) -> None:
        nonlocal count
        count += event == "call" and frame.f_code is code

    sys.setprofile(hook)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def test_numbering_converts_no_decimal_again() -> None:
    batch = _batch()
    assert _conversions(lambda: number_batch(batch, _COUNTERS)) == 0
    # the counter does see a validated copy
    assert _conversions(lambda: attrs.evolve(batch.item_entries[0], entry_no=1)) > 0


def test_public_construction_still_refuses_floats_and_bools() -> None:
    entry = sample_batch().item_entries[0]
    wrongs: tuple[Any, ...] = (1.5, True, Decimal("NaN"))
    for wrong in wrongs:
        with pytest.raises(prodcore.errors.InvalidValueError):
            attrs.evolve(entry, quantity=wrong)
