"""What an outbound item entry costs at posting, by costing method.

A standard-cost item goes out at its standard cost; an **average-cost** item at the
average of what is in inventory: its inventory value (actual and expected cost of its
item value entries) over the quantity on hand, all locations together (BC's average cost
calculation type *Item*). Receipts 10 @ 5.00 and 10 @ 7.00 hold 120.00 for 20 units: a
consumption of 10 goes out at 6.00, −60.00 (not at the card's 5.00). With nothing (or
less than nothing) on hand there is no average: the item card's unit cost is used.

>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.masterdata import CostingMethod, Item
>>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
>>> outbound_unit_cost(ledger, Item("A", base_unit="PCS", unit_cost=5,
...                                 costing_method=CostingMethod.AVERAGE))
Decimal('5')
"""

from __future__ import annotations

from decimal import Decimal

from prodcore.ledger.posting import item_unit_cost
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import CostingMethod, Item

__all__ = ["outbound_unit_cost"]


def outbound_unit_cost(ledger: LedgerReader, item: Item) -> Decimal:
    """The unit cost (per base unit) an outbound entry of ``item`` is valued at."""
    if item.costing_method is CostingMethod.AVERAGE:
        on_hand = ledger.on_hand(item.no)
        if on_hand > 0:
            return ledger.inventory_value(item.no) / on_hand
    return item_unit_cost(item)
