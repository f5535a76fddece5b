"""Item application: which inbound entries each outbound item entry took its units from,
and the quantity each entry still has open (BC's item application entries and
*Remaining Quantity*).

Inbound entries (output, a by-product, a positive adjustment, a consumption's reversal)
add units; outbound entries (consumption, a negative adjustment, an output's reversal)
take them. An outbound entry is applied to the open inbound entries of its item and
location, oldest first (FIFO: an average-cost item is applied the same way, its cost is
the pool's); a **reversal has a fixed application**: an output's reversal takes its
units from the output it reverses, and nothing else. An outbound entry that finds
nothing open (negative inventory) stays open with a negative remaining quantity; the
next inbound entries are applied to it first (a consumption's reversal to the
consumption it reverses first).

A **tracked** entry (a lot or serial number) is applied only to entries of the same
item with the same lot and serial number (BC: a lot's consumption takes that lot's
receipts, whatever is older); an untracked entry takes any, oldest first.

The store decides the applications when it appends a batch (:func:`decide_applications`
over its open entries) and keeps the remaining quantity per entry as a running balance,
so neither is read by scanning the ledger.

>>> import datetime as dt
>>> from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry
>>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
>>> def entry(no, qty, applies_to=None):
...     kind = ItemEntryType.OUTPUT if qty > 0 else ItemEntryType.CONSUMPTION
...     return ItemLedgerEntry(no, kind, "A", qty, unit="PCS", posted_at=at,
...                            applies_to_entry_no=applies_to)
>>> open_ = {("A", "", True): [(1, Decimal(10)), (2, Decimal(10))]}
>>> def reader(item_no, location_code, inbound):
...     return open_.get((item_no, location_code, inbound), [])
>>> [(a.outbound_entry_no, a.inbound_entry_no, a.quantity)
...  for a in decide_applications([entry(3, -15)], reader)]
[(3, 1, Decimal('10')), (3, 2, Decimal('5'))]
>>> [(a.outbound_entry_no, a.inbound_entry_no, a.quantity)
...  for a in decide_applications([entry(3, -4, applies_to=2)], reader)]
[(3, 2, Decimal('4'))]

Entry 2 is lot L2: a consumption of lot L2 takes it, not the older entry 1:

>>> import attrs
>>> lot_2 = [attrs.evolve(entry(2, 10), lot_no="L2")]
>>> [(a.inbound_entry_no, a.quantity) for a in decide_applications(
...     [attrs.evolve(entry(3, -4), lot_no="L2")], reader, lambda item, lot, serial: lot_2)]
[(2, Decimal('4'))]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from prodcore.ledger.model import ItemApplication, ItemLedgerEntry
from prodcore.numbers import ZERO

__all__ = ["OpenEntries", "TrackedEntries", "decide_applications", "remaining_deltas"]

#: The open inbound (``True``: positive remaining quantity) or outbound (``False``:
#: negative) entries of an item at a location: (entry number, remaining quantity), in
#: entry order. Asked by direction, so an inbound entry reads only open outbound ones
#: (usually none), never the stock's receipts.
OpenEntries = Callable[[str, str, bool], Iterable[tuple[int, Decimal]]]

#: The entries (appended before) of an item with a lot number and a serial number (as
#: a ledger's ``tracked_entries`` finds them; the caller keeps those of the exact pair).
TrackedEntries = Callable[[str, str, str], Iterable[ItemLedgerEntry]]


def decide_applications(
    entries: Iterable[ItemLedgerEntry],
    open_entries: OpenEntries,
    tracked: TrackedEntries | None = None,
) -> tuple[ItemApplication, ...]:
    """The applications of ``entries`` (numbered, in entry order) against the entries
    ``open_entries`` returns and each other; a tracked entry only to the entries of its
    lot and serial (``tracked`` finds those appended before; without it, any)."""
    state: dict[tuple[str, str, bool], dict[int, Decimal]] = {}
    # entries left open whose pool was not asked for: asked only if a later entry
    # applies to it (a store notes what was asked as read, a conflict for a rival)
    left_open: dict[tuple[str, str, bool], dict[int, Decimal]] = {}
    same: dict[tuple[str, str, str], set[int]] = {}

    def same_tracking(e: ItemLedgerEntry) -> set[int] | None:
        """The entries of ``e``'s lot and serial (None: ``e`` is not tracked)."""
        if not (e.lot_no or e.serial_no) or tracked is None:
            return None
        key = (e.item_no, e.lot_no, e.serial_no)
        if key not in same:
            same[key] = {
                t.entry_no
                for t in tracked(*key)
                if (t.lot_no, t.serial_no) == (e.lot_no, e.serial_no)
            }
        return same[key]

    def pool_of(key: tuple[str, str, bool]) -> dict[int, Decimal]:
        if key not in state:
            state[key] = {no: qty for no, qty in open_entries(*key) if qty}
            state[key].update(left_open.pop(key, {}))
        return state[key]

    found: list[ItemApplication] = []
    for e in entries:
        inbound = e.quantity > 0
        pool = pool_of((e.item_no, e.location_code, not inbound))  # the other direction
        left = abs(e.quantity)
        # a reversal's, or a return's (to the consumption it returns from, while open)
        fixed = (
            e.applies_to_entry_no if e.applies_to_entry_no is not None else e.applies_from_entry_no
        )
        if fixed is not None and fixed in pool:
            left = _take(e, pool, fixed, left, found)
        allowed = same_tracking(e)
        if fixed is None or inbound:  # an output's reversal takes from its output only
            for no in sorted(pool):
                if not left:
                    break
                if allowed is None or no in allowed:
                    left = _take(e, pool, no, left, found)
        if allowed is not None:
            allowed.add(e.entry_no)  # later entries of the batch may take from it
        if left:
            own = (e.item_no, e.location_code, inbound)
            pool = state[own] if own in state else left_open.setdefault(own, {})
            pool[e.entry_no] = left if inbound else -left
    return tuple(found)


def _take(
    e: ItemLedgerEntry,
    pool: dict[int, Decimal],
    no: int,
    left: Decimal,
    found: list[ItemApplication],
) -> Decimal:
    """Apply up to ``left`` of ``e`` to the open entry ``no`` of the opposite direction;
    what is left of ``e``."""
    inbound = e.quantity > 0
    qty = min(left, abs(pool[no]))
    out, into = (no, e.entry_no) if inbound else (e.entry_no, no)
    found.append(ItemApplication(e.item_no, e.location_code, out, into, qty))
    pool[no] += qty if inbound else -qty
    if not pool[no]:
        del pool[no]
    return left - qty


def remaining_deltas(
    entries: Iterable[ItemLedgerEntry], applications: Iterable[ItemApplication]
) -> dict[int, Decimal]:
    """How entries and applications change each entry's remaining quantity.

    >>> import datetime as dt
    >>> from prodcore.ledger.model import ItemEntryType
    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> out = ItemLedgerEntry(2, ItemEntryType.CONSUMPTION, "A", -3, unit="PCS", posted_at=at)
    >>> remaining_deltas([out], [ItemApplication("A", "", 2, 1, Decimal(3))])
    {2: Decimal('0'), 1: Decimal('-3')}
    """
    deltas: dict[int, Decimal] = {}
    for e in entries:
        deltas[e.entry_no] = deltas.get(e.entry_no, ZERO) + e.quantity
    for a in applications:
        deltas[a.outbound_entry_no] = deltas.get(a.outbound_entry_no, ZERO) + a.quantity
        deltas[a.inbound_entry_no] = deltas.get(a.inbound_entry_no, ZERO) - a.quantity
    return deltas
