"""Lot and serial genealogy, availability by lot and a FEFO suggestion.

The consumption and the output of one production order line belong together (the order
links them): whatever was consumed on the line went into whatever it output. A trace
backward starts from a lot / serial, finds the order lines that produced it and the lots
they consumed, then what produced those (a sub-assembly made by another order), level by
level; a trace forward goes the other way. Every step is an indexed store query (the
entries of one lot, the entries of one order), never a scan of the ledger, and the walk
is a loop with a queue (a deep product structure cannot exhaust the stack).

>>> import datetime as dt
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry, PostingBatch
>>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
>>> def entry(no, type_, item, qty, lot="", serial="", **kw):
...     return ItemLedgerEntry(no, type_, item, qty, unit="PCS", order_id="PO-1",
...                            order_line_no=10000, lot_no=lot, serial_no=serial,
...                            posted_at=at, **kw)
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> _ = uow.ledger.append(PostingBatch.build(document_no="D", posted_at=at, item_entries=(
...     entry(-1, ItemEntryType.POSITIVE_ADJUSTMENT, "FLOUR", 5, "L1"),
...     entry(-2, ItemEntryType.CONSUMPTION, "FLOUR", -2, "L1", component_line_no=10000),
...     entry(-3, ItemEntryType.OUTPUT, "CAKE", 1, serial="SN1"))))
>>> [(t.item_no, t.lot_no, t.quantity) for t in trace_backward(uow.ledger, "CAKE", serial_no="SN1")]
[('FLOUR', 'L1', Decimal('2'))]
>>> [(t.item_no, t.serial_no, t.on_hand) for t in trace_forward(uow.ledger, "FLOUR", lot_no="L1")]
[('CAKE', 'SN1', Decimal('1'))]
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal

import attrs

from prodcore.errors import InvalidValueError
from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry, LotBalance
from prodcore.ledger.reader import LedgerReader
from prodcore.numbers import ZERO

__all__ = [
    "LotAvailability",
    "TraceLink",
    "fefo",
    "lot_expiry",
    "trace_backward",
    "trace_forward",
]

_Key = tuple[str, str, str]  # item, lot, serial


@attrs.frozen
class TraceLink:
    """One link of a trace: on order ``order_id`` line ``order_line_no``, ``quantity``
    (base unit) of ``item_no`` lot ``lot_no`` / serial ``serial_no`` was consumed into
    (trace backward) or produced from (trace forward) ``via_item_no`` ``via_lot_no`` /
    ``via_serial_no``, ``level`` steps from the start. ``on_hand`` is what of the
    link's lot / serial is on hand now (every location)."""

    level: int
    order_id: str
    order_line_no: int
    item_no: str
    lot_no: str
    serial_no: str
    quantity: Decimal
    via_item_no: str
    via_lot_no: str
    via_serial_no: str
    on_hand: Decimal


def _produced(e: ItemLedgerEntry) -> bool:
    """Output, or a by-product (negative consumption of no component), and their reversals."""
    if e.entry_type is ItemEntryType.OUTPUT:
        return True
    by_product = e.entry_type is ItemEntryType.CONSUMPTION and e.component_line_no is None
    return by_product and e.order_id != ""


def _consumed(e: ItemLedgerEntry) -> bool:
    return e.entry_type is ItemEntryType.CONSUMPTION and e.component_line_no is not None


def _trace(
    ledger: LedgerReader,
    start: _Key,
    from_: Callable[[ItemLedgerEntry], bool],
    to: Callable[[ItemLedgerEntry], bool],
    sign: int,
) -> list[TraceLink]:
    item_no, lot_no, serial_no = start
    if not (lot_no or serial_no):
        raise InvalidValueError(field="trace", value=item_no, reason="name a lot or a serial")
    orders: dict[str, list[ItemLedgerEntry]] = {}
    seen_keys = {start}
    seen_lines: set[tuple[str, int]] = set()
    links: list[TraceLink] = []
    queue: deque[tuple[_Key, int]] = deque([(start, 1)])
    while queue:
        (item, lot, serial), level = queue.popleft()
        lines: dict[tuple[str, int], Decimal] = {}
        for e in ledger.tracked_entries(item, lot_no=lot, serial_no=serial):
            if from_(e) and e.order_id:
                key = (e.order_id, e.order_line_no)
                lines[key] = lines.get(key, ZERO) + e.quantity
        for (order_id, line_no), net in sorted(lines.items()):
            if net == 0 or (order_id, line_no) in seen_lines:
                continue
            seen_lines.add((order_id, line_no))
            if order_id not in orders:
                orders[order_id] = ledger.item_entries(order_id=order_id)
            moved: dict[_Key, Decimal] = {}
            for e in orders[order_id]:
                if e.order_line_no == line_no and to(e):
                    k = (e.item_no, e.lot_no, e.serial_no)
                    moved[k] = moved.get(k, ZERO) + sign * e.quantity
            for k, qty in sorted(moved.items()):
                if qty <= 0:
                    continue
                on_hand = ledger.lot_on_hand(*k) if (k[1] or k[2]) else ledger.on_hand(k[0])
                links.append(
                    TraceLink(level, order_id, line_no, *k, qty, item, lot, serial, on_hand)
                )
                if (k[1] or k[2]) and k not in seen_keys:
                    seen_keys.add(k)
                    queue.append((k, level + 1))
    return links


def trace_backward(
    ledger: LedgerReader, item_no: str, *, lot_no: str = "", serial_no: str = ""
) -> list[TraceLink]:
    """What went into lot ``lot_no`` / serial ``serial_no`` of ``item_no``: the lots
    (and untracked items) consumed by the order lines that produced it, through every
    level of sub-assemblies, level by level."""
    return _trace(ledger, (item_no, lot_no, serial_no), _produced, _consumed, -1)


def trace_forward(
    ledger: LedgerReader, item_no: str, *, lot_no: str = "", serial_no: str = ""
) -> list[TraceLink]:
    """Where lot ``lot_no`` / serial ``serial_no`` of ``item_no`` went: what the order
    lines that consumed it produced (output and by-products), through every level, with
    what of each is still on hand."""
    return _trace(ledger, (item_no, lot_no, serial_no), _consumed, _produced, 1)


@attrs.frozen
class LotAvailability:
    """A lot / serial on hand at a location, with its expiry date (None: none)."""

    balance: LotBalance
    expiry_date: dt.date | None


def fefo(
    ledger: LedgerReader,
    item_no: str,
    quantity: Decimal,
    *,
    location_code: str | None = None,
    on: dt.date | None = None,
) -> list[tuple[LotAvailability, Decimal]]:
    """A FEFO suggestion (first expired, first out) for taking ``quantity`` of
    ``item_no``: lots on hand by expiry date (lots without one last, then by lot and
    serial), skipping lots expired before ``on``, with the quantity to take of each. It
    may cover less than ``quantity`` (not enough on hand); the host may use or ignore it.

    >>> import datetime as dt
    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry, PostingBatch
    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> uow = InMemoryUnitOfWork(InMemoryStore())
    >>> _ = uow.ledger.append(PostingBatch.build(document_no="D", posted_at=at, item_entries=tuple(
    ...     ItemLedgerEntry(-n, ItemEntryType.POSITIVE_ADJUSTMENT, "MILK", 4, unit="L",
    ...                     lot_no=lot, expiry_date=dt.date(2026, 3, day), posted_at=at)
    ...     for n, lot, day in ((1, "L-A", 20), (2, "L-B", 10), (3, "L-OLD", 1)))))
    >>> [(a.balance.lot_no, q) for a, q in fefo(uow.ledger, "MILK", Decimal(6),
    ...                                         on=dt.date(2026, 3, 2))]
    [('L-B', Decimal('4')), ('L-A', Decimal('2'))]
    """
    available = [
        LotAvailability(b, lot_expiry(ledger, b.item_no, b.lot_no, b.serial_no))
        for b in ledger.lot_balances(item_no, location_code)
        if b.quantity > 0
    ]
    far = dt.date.max
    available.sort(key=lambda a: (a.expiry_date or far, a.balance.lot_no, a.balance.serial_no))
    suggestion: list[tuple[LotAvailability, Decimal]] = []
    rest = quantity
    for a in _fresh(available, on):
        if rest <= 0:
            break
        take = min(rest, a.balance.quantity)
        suggestion.append((a, take))
        rest -= take
    return suggestion


def _fresh(available: Iterable[LotAvailability], on: dt.date | None) -> Iterable[LotAvailability]:
    return (a for a in available if on is None or a.expiry_date is None or a.expiry_date >= on)


def lot_expiry(ledger: LedgerReader, item_no: str, lot_no: str, serial_no: str) -> dt.date | None:
    """The expiry date of a lot / serial: that of its first entry carrying one."""
    if not (lot_no or serial_no):
        return None
    for e in ledger.tracked_entries(item_no, lot_no=lot_no, serial_no=serial_no):
        if e.expiry_date is not None:
            return e.expiry_date
    return None
