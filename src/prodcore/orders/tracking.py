"""Item tracking on postings: lots and serial numbers split a journal line, stamp the
entries it posts, and the tracking rules check the whole batch before it is appended.

A line that names several lots or serials (:class:`~prodcore.orders.journals.TrackingLine`)
is posted as one line per lot / serial (:func:`split`), each stamping its entries
(:func:`stamped`); :func:`check_tracking` then refuses, with a
:class:`~prodcore.errors.TrackingError` naming item, lot / serial and quantity:

- a tracked item's entry without the lot or serial its setup requires;
- a serial number moving a quantity other than 1, or posted inbound while on hand;
- an inbound lot without the expiry date its setup requires;
- taking more of a lot / serial than is on hand at the location (even where negative
  inventory is allowed: an outbound lot applies to stock of that lot, as in BC);
  reversing output whose lot was consumed further on is that case;
- consuming an expired lot (unless the item's setup allows it).

A reversal keeps its original's lot, serial and expiry.

>>> import datetime as dt
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.masterdata import Item, ItemTracking, MasterData
>>> from prodcore.orders.execution import decide_posting
>>> from prodcore.orders.journals import AdjustInventory, AdjustmentLine, TrackingLine
>>> md = MasterData.of(items=[Item("FLOUR", base_unit="KG", tracking=ItemTracking(lot=True))])
>>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
>>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
>>> lots = (TrackingLine("L1", quantity=3), TrackingLine("L2", quantity=2))
>>> command = AdjustInventory("k-1", (AdjustmentLine("FLOUR", 5, tracking=lots),))
>>> batch = decide_posting(command, lambda order_id: None, md, ledger, at).batch
>>> [(e.lot_no, e.quantity) for e in batch.item_entries]
[('L1', Decimal('3')), ('L2', Decimal('2'))]
>>> decide_posting(AdjustInventory("k-2", (AdjustmentLine("FLOUR", 5),)),
...                lambda order_id: None, md, ledger, at)
Traceback (most recent call last):
...
prodcore.errors.TrackingError: Item FLOUR lot '' serial '' quantity 5: a lot number is required.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from prodcore.errors import InvalidValueError, TrackingError
from prodcore.ledger.genealogy import lot_expiry
from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry
from prodcore.masterdata import ItemTracking
from prodcore.numbers import ZERO, Duration
from prodcore.orders.builder import PostingBuilder
from prodcore.orders.journals import (
    AdjustmentLine,
    ByProductLine,
    ConsumptionLine,
    OutputLine,
    TrackingLine,
)
from prodcore.records import revise

__all__ = ["TrackedLine", "check_tracking", "split", "stamped"]

TrackedLine = ConsumptionLine | OutputLine | AdjustmentLine | ByProductLine
_L = TypeVar("_L", ConsumptionLine, OutputLine, AdjustmentLine, ByProductLine)


def _quantity_field(line: TrackedLine) -> str:
    return "output_quantity" if isinstance(line, OutputLine) else "quantity"


def split(lines: Iterable[_L]) -> Iterator[_L]:
    """Each line as one line per lot / serial it names (a remainder no lot covers stays
    an untracked line); lines without tracking pass unchanged. An output line's times
    and scrap go with its first part and ``finished`` with its last.

    >>> parts = list(split([ConsumptionLine("PO", 10000, 10000, 5,
    ...     tracking=(TrackingLine("L1", quantity=3), TrackingLine("L2", quantity=2)))]))
    >>> [(p.quantity, p.tracking[0].lot_no) for p in parts]
    [(Decimal('3'), 'L1'), (Decimal('2'), 'L2')]
    """
    for line in lines:
        if not line.tracking:
            yield line
            continue
        name = _quantity_field(line)
        total: Decimal = getattr(line, name)
        sign = -1 if total < 0 else 1
        rest = abs(total) - sum((t.quantity for t in line.tracking), ZERO)
        if rest < 0:
            raise InvalidValueError(
                field="tracking", value=line.tracking, reason=f"adds up to more than {total}"
            )
        parts: list[tuple[Decimal, tuple[TrackingLine, ...]]] = [
            (sign * t.quantity, (t,)) for t in line.tracking
        ]
        if rest:
            parts.append((sign * rest, ()))
        for i, (qty, tracking) in enumerate(parts):
            changes: dict[str, Any] = {name: qty, "tracking": tracking}
            if isinstance(line, OutputLine):
                if i > 0:
                    changes.update(
                        setup_time=Duration.zero(),
                        run_time=Duration.zero(),
                        stop_time=Duration.zero(),
                        scrap_quantity=ZERO,
                    )
                changes["finished"] = line.finished and i == len(parts) - 1
            yield revise(line, **changes)


@contextlib.contextmanager
def stamped(b: PostingBuilder, line: TrackedLine) -> Iterator[None]:
    """Stamp the lot / serial of a (split) line on the entries posting it adds: the
    output entry of an output line (not the consumption it flushes), every entry of the
    other lines. An outbound entry takes its lot's expiry date."""
    start = len(b.items)
    yield
    if not line.tracking:
        return
    (t,) = line.tracking
    for i in range(start, len(b.items)):
        e = b.items[i]
        if isinstance(line, OutputLine) and e.entry_type is not ItemEntryType.OUTPUT:
            continue
        expiry = t.expiry_date
        if e.quantity < 0:  # an outbound movement takes its lot's expiry, whatever it says
            expiry = lot_expiry(b.ledger, e.item_no, t.lot_no, t.serial_no) or expiry
        b.items[i] = revise(e, lot_no=t.lot_no, serial_no=t.serial_no, expiry_date=expiry)


def _refuse(e: ItemLedgerEntry, reason: str) -> TrackingError:
    return TrackingError(
        item_no=e.item_no,
        lot_no=e.lot_no,
        serial_no=e.serial_no,
        quantity=abs(e.quantity),
        reason=reason,
    )


def _required(tracking: ItemTracking, e: ItemLedgerEntry) -> bool:
    if e.applies_to_entry_no is not None:
        return False  # a reversal follows its original, tracked or not
    if e.entry_type.is_adjustment:
        return tracking.inbound_required if e.quantity > 0 else tracking.outbound_required
    return tracking.production_required


def _check_setup(tracking: ItemTracking | None, e: ItemLedgerEntry) -> None:
    if tracking is None or not tracking.tracked:
        if e.lot_no or e.serial_no:
            raise _refuse(e, "the item is not tracked")
        return
    if e.lot_no and not tracking.lot:
        raise _refuse(e, "the item is not lot tracked")
    if e.serial_no and not tracking.serial:
        raise _refuse(e, "the item is not serial tracked")
    if _required(tracking, e):
        if tracking.lot and not e.lot_no:
            raise _refuse(e, "a lot number is required")
        if tracking.serial and not e.serial_no:
            raise _refuse(e, "a serial number is required")
    if e.serial_no and abs(e.quantity) != 1:
        raise _refuse(e, "a serial number moves a quantity of exactly 1")
    inbound_new = e.quantity > 0 and e.applies_to_entry_no is None
    if inbound_new and tracking.expiry_required and e.lot_no and e.expiry_date is None:
        raise _refuse(e, "an expiry date is required")


def check_tracking(b: PostingBuilder) -> None:
    """Refuse the batch ``b`` has built if an entry breaks a tracking rule (see the
    module); entries are checked in order against the ledger plus the batch so far."""
    delta: dict[tuple[str, str, str, str], Decimal] = {}
    serial_delta: dict[tuple[str, str], Decimal] = {}
    for e in b.items:
        tracking = b.item(e.item_no).tracking
        _check_setup(tracking, e)
        if not (e.lot_no or e.serial_no):
            continue
        assert tracking is not None  # _check_setup refused tracking on an untracked item
        key = (e.item_no, e.location_code, e.lot_no, e.serial_no)
        if e.quantity < 0:
            on_hand = b.ledger.lot_on_hand(e.item_no, e.lot_no, e.serial_no, e.location_code)
            on_hand += delta.get(key, ZERO)
            if -e.quantity > on_hand:
                reason = f"only {on_hand} on hand at {e.location_code or 'no location'}"
                if e.applies_to_entry_no is not None and e.entry_type is ItemEntryType.OUTPUT:
                    reason += " (the output was consumed further on)"
                raise _refuse(e, reason)
            consumed = e.entry_type is ItemEntryType.CONSUMPTION and e.applies_to_entry_no is None
            expired = e.expiry_date is not None and e.expiry_date < b.at.date()
            if consumed and expired and not tracking.allow_expired:
                raise _refuse(e, f"the lot expired on {e.expiry_date}")
        elif e.serial_no:
            entries = b.ledger.tracked_entries(e.item_no, serial_no=e.serial_no)
            held = sum((s.quantity for s in entries), ZERO)
            if held + serial_delta.get((e.item_no, e.serial_no), ZERO) > 0:
                raise _refuse(e, "the serial number is already on hand")
        delta[key] = delta.get(key, ZERO) + e.quantity
        if e.serial_no:
            skey = (e.item_no, e.serial_no)
            serial_delta[skey] = serial_delta.get(skey, ZERO) + e.quantity
