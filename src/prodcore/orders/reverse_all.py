"""Reverse all: every posting of an order reversed by one command (BC's *Reverse
Production Order Transactions* over the whole order).

What can be reversed is, as by :class:`~prodcore.orders.journals.ReverseEntry`, each at
its own posting date: consumption first (its units come back, so the output of a
sub-assembly line consumed by its parent line can leave again), then output and
by-products (with the capacity entries posted with the output), then the capacity
entries left (operations before the last, stop time). What cannot be reversed is left
and listed in the result's warnings, each with its reason:

* output (or a by-product) whose units have left inventory (on hand is less than what
  is left to reverse): consumed output;
* entries already reversed in full;
* returns applying from a consumption: that consumption is reversed net of them;
* entries of a subcontracting receipt (undo the receipt instead) and quality scraps.

Like every posting it is idempotent by key; a second Reverse all (another key) finds
everything reversed, lists it and posts nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import attrs

from prodcore.ledger.model import (
    CapacityLedgerEntry,
    EntryOrigin,
    ItemEntryType,
    ItemLedgerEntry,
    ValueSource,
)
from prodcore.ledger.reader import LedgerReader
from prodcore.orders.builder import Execution, PostingBuilder
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import ProductionOrder
from prodcore.orders.reversal import reverse_capacity, reverse_item

__all__ = ["ReverseOrderPostings", "decide_reverse_all"]


@attrs.frozen
class ReverseOrderPostings:
    """Reverse every posting of a released order that can be reversed; list the rest."""

    idempotency_key: str
    order_id: str
    document_no: str = ""
    name = "reverse all"


_ORIGIN_REASONS = {
    EntryOrigin.SUBCONTRACT_RECEIPT: "posted by a subcontracting receipt: undo the receipt",
    EntryOrigin.QUALITY_SCRAP: "a quality scrap cannot be reversed",
}


def decide_reverse_all(
    command: ReverseOrderPostings,
    get_order: Callable[[str], ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
) -> Execution:
    """What reversing all of the order posts; pure, a refusal (the order not released,
    on hold or cancelled) changes nothing."""
    b = PostingBuilder(md, ledger, get_order, at, command.document_no or command.idempotency_key)
    b.order(command.order_id, command=command.name)
    items = [
        e for e in ledger.item_entries(order_id=command.order_id) if e.applies_to_entry_no is None
    ]
    caps = {
        c.entry_no: c
        for c in ledger.capacity_entries(order_id=command.order_id)
        if c.applies_to_entry_no is None
    }
    left: list[str] = []
    with b.parts_together():  # each line rebuilt once, however many entries are reversed
        for entry in sorted(items, key=lambda e: (e.quantity > 0, e.entry_no)):
            why = _item_refusal(b, entry, caps)
            if why is None:
                reverse_item(b, entry.entry_no, None, False, command.name)
            else:
                left.append(f"Item ledger entry {entry.entry_no} is not reversed: {why}.")
        with_output = {e.capacity_entry_no for e in items}
        for cap in caps.values():
            if cap.entry_no in with_output:
                continue  # reversed (or listed) with its output entry
            why = _capacity_refusal(b, cap)
            if why is None:
                reverse_capacity(b, cap.entry_no, None, False, command.name)
            else:
                left.append(f"Capacity ledger entry {cap.entry_no} is not reversed: {why}.")
    b.warnings.extend(left)
    return b.result(command.idempotency_key)


def _item_refusal(
    b: PostingBuilder, entry: ItemLedgerEntry, caps: dict[int, CapacityLedgerEntry]
) -> str | None:
    """Why ``entry`` is not reversed, or None."""
    if entry.applies_from_entry_no is not None:
        return f"it is a return: entry {entry.applies_from_entry_no} is reversed net of it"
    remaining = abs(entry.quantity) - b.reversed(ValueSource.ITEM, entry.entry_no)
    if remaining <= 0:
        return "it is reversed already"
    cap = caps.get(entry.capacity_entry_no) if entry.capacity_entry_no is not None else None
    if cap is not None and cap.origin in _ORIGIN_REASONS:
        return _ORIGIN_REASONS[cap.origin]
    if entry.quantity > 0 and b.on_hand(entry.item_no, entry.location_code) < remaining:
        what = "output" if entry.entry_type is ItemEntryType.OUTPUT else "by-product"
        return f"its {what} has left inventory (consumed output)"
    return None


def _capacity_refusal(b: PostingBuilder, cap: CapacityLedgerEntry) -> str | None:
    if cap.origin in _ORIGIN_REASONS:
        return _ORIGIN_REASONS[cap.origin]
    total: Decimal = cap.output_quantity or Decimal(1)
    if total - b.reversed(ValueSource.CAPACITY, cap.entry_no) <= 0:
        return "it is reversed already"
    return None
