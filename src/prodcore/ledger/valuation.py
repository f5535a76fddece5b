"""What an outbound item entry costs at posting, by costing method.

* **Standard**: the standard cost.
* **Average**: the average of what is in inventory: the item's inventory value (actual
  and expected cost of its item value entries) over the quantity on hand, all locations
  together (BC's average cost calculation type *Item*). Receipts 10 @ 5.00 and
  10 @ 7.00 hold 120.00 for 20 units: a consumption of 10 goes out at 6.00, −60.00 (not
  at the card's 5.00).
* **FIFO**: the cost of the inbound entries it will be applied to (the oldest open ones
  of its item and location, see :mod:`prodcore.ledger.application`), each at its own
  unit cost (its value entries over its quantity): after the same two receipts, 15 go
  out at 10 × 5.00 + 5 × 7.00 = 85.00.

What finds nothing to take from (nothing on hand, negative inventory) goes out at the
item card's unit cost. Outbound entries posted earlier in the same batch take their
units first; an inbound entry of the same batch counts at the card's cost.

>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.masterdata import CostingMethod, Item
>>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
>>> outbound_unit_cost(ledger, Item("A", base_unit="PCS", unit_cost=5,
...                                 costing_method=CostingMethod.AVERAGE), "", Decimal(2))
Decimal('5')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import attrs

from prodcore.ledger.application import decide_applications
from prodcore.ledger.model import (
    ItemEntryType,
    ItemLedgerEntry,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.posting import item_unit_cost
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import CostingMethod, Item
from prodcore.numbers import ZERO

__all__ = ["entry_value", "moves_inventory", "outbound_unit_cost"]

#: entries of the batch being built are numbered from here to be applied after the ledger's
_PENDING = 10**15
_ANY_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # a probe's date is never read


def outbound_unit_cost(
    ledger: LedgerReader,
    item: Item,
    location_code: str,
    quantity: Decimal,
    pending: Sequence[ItemLedgerEntry] = (),
) -> Decimal:
    """The unit cost (per base unit) ``quantity`` (> 0) of ``item`` going out of
    ``location_code`` is valued at; ``pending``: the entries of the same batch before it."""
    if item.costing_method is CostingMethod.AVERAGE:
        on_hand = ledger.on_hand(item.no)
        if on_hand > 0:
            return ledger.inventory_value(item.no) / on_hand
    elif item.costing_method is CostingMethod.FIFO and quantity > 0:
        return _fifo_cost(ledger, item, location_code, quantity, pending) / quantity
    return item_unit_cost(item)


def _fifo_cost(
    ledger: LedgerReader,
    item: Item,
    location_code: str,
    quantity: Decimal,
    pending: Sequence[ItemLedgerEntry],
) -> Decimal:
    same = [e for e in pending if (e.item_no, e.location_code) == (item.no, location_code)]
    probe = [attrs.evolve(e, entry_no=_PENDING + n) for n, e in enumerate(same)]
    probe.append(
        ItemLedgerEntry(
            _PENDING + len(same),
            ItemEntryType.NEGATIVE_ADJUSTMENT,
            item.no,
            -quantity,
            unit=item.base_unit,
            location_code=location_code,
            posted_at=_ANY_TIME,
        )
    )
    total = applied = ZERO
    for a in decide_applications(probe, ledger.open_entries):
        if a.outbound_entry_no == probe[-1].entry_no and a.inbound_entry_no < _PENDING:
            total += a.quantity * _unit_cost(ledger, a.inbound_entry_no)
            applied += a.quantity
    return total + (quantity - applied) * item_unit_cost(item)


def moves_inventory(v: ValueEntry) -> bool:
    """Whether the value entry changes the inventory value of its item entry: direct
    cost (actual or expected), a revaluation, a rounding of no order. An order's
    overhead, variance and rounding entries on its output move WIP against other
    accounts, not inventory (see :func:`prodcore.ledger.posting.gl_lines`).

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> v = ValueEntry(1, ValueEntryType.VARIANCE, ValueSource.ITEM, Decimal(5), Decimal(0),
    ...                currency="EUR", item_entry_no=3, order_id="PO-1", posted_at=at)
    >>> moves_inventory(v), moves_inventory(attrs.evolve(v, entry_type=ValueEntryType.DIRECT_COST))
    (False, True)
    """
    if v.source is not ValueSource.ITEM:
        return False
    if v.entry_type is ValueEntryType.ROUNDING:
        return v.order_id is None
    return v.entry_type in (ValueEntryType.DIRECT_COST, ValueEntryType.REVALUATION)


def entry_value(ledger: LedgerReader, entry_no: int) -> Decimal:
    """The inventory value of the item entry ``entry_no`` (actual and expected cost of
    its value entries that move inventory, see :func:`moves_inventory`)."""
    values = ledger.value_entries(source=ValueSource.ITEM, source_entry_no=entry_no)
    return sum((v.cost_amount for v in values if moves_inventory(v)), ZERO)


def _unit_cost(ledger: LedgerReader, entry_no: int) -> Decimal:
    """An inbound entry's cost per unit: its inventory value over its quantity."""
    return entry_value(ledger, entry_no) / ledger.item_entry(entry_no).quantity
