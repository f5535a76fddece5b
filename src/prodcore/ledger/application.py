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

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from prodcore.ledger.model import ItemApplication, ItemLedgerEntry
from prodcore.numbers import ZERO

__all__ = ["Applier", "OpenEntries", "TrackedEntries", "decide_applications", "remaining_deltas"]

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
    applier = Applier(open_entries, tracked)
    for e in entries:
        applier.apply(e)
    return tuple(applier.found)


class _Pool:
    """The open entries of one item, location and direction: the remaining quantity by
    entry number, and the numbers oldest first (an entry joins after those open, its
    number being higher), so the oldest is found without sorting the pool per entry."""

    __slots__ = ("open", "order")

    def __init__(self, entries: Iterable[tuple[int, Decimal]]) -> None:
        self.open = {no: qty for no, qty in sorted(entries) if qty}
        self.order = deque(self.open)

    def add(self, no: int, qty: Decimal) -> None:
        self.open[no] = qty
        if self.order and no < self.order[-1]:  # numbered out of order: sort again
            self.order = deque(sorted(self.open))
        else:
            self.order.append(no)

    def oldest(self) -> Iterator[int]:
        """The open entries, oldest first (those taken before are dropped on the way)."""
        order = self.order
        while order and order[0] not in self.open:
            order.popleft()
        return (no for no in order if no in self.open)


class Applier:
    """Item application one entry at a time (:func:`decide_applications` is one run):
    the pools of open entries are kept between entries, so applying the k-th entry of a
    batch does not go over the k-1 before it; :meth:`would_take` answers what an
    outbound entry would take without applying it (what valuation asks).

    >>> import datetime as dt
    >>> from prodcore.ledger.model import ItemEntryType
    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> applier = Applier(lambda item, location, inbound: [(1, Decimal(10))] if inbound else [])
    >>> applier.apply(ItemLedgerEntry(2, ItemEntryType.CONSUMPTION, "A", Decimal(-4),
    ...                               unit="PCS", posted_at=at))
    >>> applier.would_take("A", "", Decimal(8))
    [(1, Decimal('6'))]
    """

    def __init__(self, open_entries: OpenEntries, tracked: TrackedEntries | None = None) -> None:
        self.open_entries = open_entries
        self.tracked = tracked
        #: the applications decided so far, in the order decided
        self.found: list[ItemApplication] = []
        self._state: dict[tuple[str, str, bool], _Pool] = {}
        # entries left open whose pool was not asked for: asked only if a later entry
        # applies to it (a store notes what was asked as read, a conflict for a rival)
        self._left_open: dict[tuple[str, str, bool], _Pool] = {}
        self._same: dict[tuple[str, str, str], set[int]] = {}

    def _same_tracking(self, e: ItemLedgerEntry) -> set[int] | None:
        """The entries of ``e``'s lot and serial (None: ``e`` is not tracked)."""
        if not (e.lot_no or e.serial_no) or self.tracked is None:
            return None
        key = (e.item_no, e.lot_no, e.serial_no)
        if key not in self._same:
            self._same[key] = {
                t.entry_no
                for t in self.tracked(*key)
                if (t.lot_no, t.serial_no) == (e.lot_no, e.serial_no)
            }
        return self._same[key]

    def _pool(self, key: tuple[str, str, bool]) -> _Pool:
        pool = self._state.get(key)
        if pool is None:
            pool = self._state[key] = _Pool(self.open_entries(*key))
            left_open = self._left_open.pop(key, None)
            if left_open is not None:
                for no, qty in left_open.open.items():
                    pool.add(no, qty)
        return pool

    def apply(self, e: ItemLedgerEntry, entry_no: int | None = None) -> None:
        """Apply ``e`` (numbered ``entry_no``, default its own; numbers grow)."""
        no = e.entry_no if entry_no is None else entry_no
        inbound = e.quantity > 0
        pool = self._pool((e.item_no, e.location_code, not inbound))  # the other direction
        left = abs(e.quantity)
        # a reversal's, or a return's (to the consumption it returns from, while open)
        fixed = (
            e.applies_to_entry_no if e.applies_to_entry_no is not None else e.applies_from_entry_no
        )
        if fixed is not None and fixed in pool.open:
            left = self._take(e, no, pool, fixed, left)
        allowed = self._same_tracking(e)
        if fixed is None or inbound:  # an output's reversal takes from its output only
            if allowed is None:
                order = pool.order
                while left and order:
                    oldest = order[0]
                    if oldest in pool.open:
                        left = self._take(e, no, pool, oldest, left)
                    if oldest not in pool.open:
                        order.popleft()
            else:
                for other in sorted(pool.open.keys() & allowed):
                    if not left:
                        break
                    left = self._take(e, no, pool, other, left)
        if allowed is not None:
            allowed.add(no)  # later entries of the batch may take from it
        if left:
            own = (e.item_no, e.location_code, inbound)
            mine = self._state.get(own) or self._left_open.get(own)
            if mine is None:
                mine = self._left_open[own] = _Pool(())
            mine.add(no, left if inbound else -left)

    def would_take(
        self, item_no: str, location_code: str, quantity: Decimal
    ) -> list[tuple[int, Decimal]]:
        """The (inbound entry, quantity) an untracked outbound entry of ``quantity``
        (> 0) of ``item_no`` at ``location_code`` would be applied to, oldest first;
        nothing is applied."""
        pool = self._pool((item_no, location_code, True))
        taken: list[tuple[int, Decimal]] = []
        left = quantity
        for no in pool.oldest():
            if not left:
                break
            qty = min(left, pool.open[no])
            taken.append((no, qty))
            left -= qty
        return taken

    def _take(self, e: ItemLedgerEntry, no: int, pool: _Pool, other: int, left: Decimal) -> Decimal:
        """Apply up to ``left`` of ``e`` (numbered ``no``) to the open entry ``other`` of
        the opposite direction; what is left of ``e``."""
        inbound = e.quantity > 0
        qty = min(left, abs(pool.open[other]))
        out, into = (other, no) if inbound else (no, other)
        self.found.append(ItemApplication(e.item_no, e.location_code, out, into, qty))
        pool.open[other] += qty if inbound else -qty
        if not pool.open[other]:
            del pool.open[other]
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
