"""Implementing a standard: the stored version and the revaluation of stock on hand (pure).

:func:`standard_version` is what *Implement* stores for an item (see
:mod:`prodcore.masterdata.standards`): its single-level shares and standard calculation,
effective from the implementation's posting date. :func:`revaluation_entries` revalues
the stock on hand at the new standard as Business Central's revaluation journal does:
one ``REVALUATION`` value entry per open inbound item entry, for its remaining quantity,

``amount = round(new × remaining) − round(value per unit × remaining)``

where the value per unit is the entry's inventory value (its direct and indirect cost and
earlier revaluations) over its quantity. The G/L lines debit Inventory and credit
Inventory Adjustment (a decrease the other way round). Implementing the same standard
again finds every entry at its target and posts nothing.

>>> import datetime as dt
>>> from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry
>>> at = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
>>> out = ItemLedgerEntry(7, ItemEntryType.OUTPUT, "FRAME", 10, unit="PCS", posted_at=at)
>>> [(v.item_entry_no, v.cost_amount) for v in revaluation_entries(
...     "FRAME", [(out, Decimal(4), Decimal("266.20"))], Decimal("29.62"),
...     at=at, currency="EUR", rounding=Rounding(Decimal("0.01")), document_no="STD/FRAME")]
[(7, Decimal('12.00'))]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from prodcore.costing.shares import ItemCost
from prodcore.costing.variance import standard_calculation
from prodcore.errors import NotAllowedError
from prodcore.ledger.model import ItemLedgerEntry, ValueEntry, ValueEntryType, ValueSource
from prodcore.ledger.reader import LedgerReader
from prodcore.ledger.stock_value import inventory_amounts
from prodcore.masterdata import ManufacturingSetup
from prodcore.masterdata.standards import StandardCostVersion
from prodcore.numbers import Rounding
from prodcore.orders.explosion import MasterDataLookup

__all__ = ["revaluation_entries", "standard_version", "stock_revaluation"]


def standard_version(cost: ItemCost, md: MasterDataLookup, day: dt.date) -> StandardCostVersion:
    """What *Implement* stores for ``cost`` (a rollup's item cost), effective ``day``: its
    single-level shares and, for a produced item, its standard calculation (the D365
    view's lines and prices at implementation)."""
    shares = cost.single_level
    return StandardCostVersion(
        day,
        shares=shares,
        calculation=standard_calculation(cost.item_no, md) if cost.produced else None,
    )


def revaluation_entries(
    item_no: str,
    open_inbound: Iterable[tuple[ItemLedgerEntry, Decimal, Decimal]],
    new_unit_cost: Decimal,
    *,
    at: dt.datetime,
    currency: str,
    rounding: Rounding,
    document_no: str,
) -> tuple[ValueEntry, ...]:
    """The revaluation value entries (local number 0) of ``item_no``'s open inbound entries
    ``(entry, remaining quantity, inventory value)`` at ``new_unit_cost`` (see the module
    docstring); an entry already at its target gets none."""
    values = []
    for entry, remaining, value in open_inbound:
        current = rounding.apply(value * remaining / entry.quantity)
        amount = rounding.apply(new_unit_cost * remaining) - current
        if amount:
            values.append(
                ValueEntry(
                    0,
                    ValueEntryType.REVALUATION,
                    ValueSource.ITEM,
                    amount,
                    Decimal(0),
                    currency=currency,
                    valued_quantity=remaining,
                    item_entry_no=entry.entry_no,
                    item_no=item_no,
                    posted_at=at,
                    document_no=document_no,
                )
            )
    return tuple(values)


def stock_revaluation(
    ledger: LedgerReader,
    item_no: str,
    new_unit_cost: Decimal,
    at: dt.datetime,
    setup: ManufacturingSetup,
) -> tuple[ValueEntry, ...]:
    """The revaluation entries of ``item_no``'s stock on hand at ``new_unit_cost``, read
    from ``ledger`` (its open inbound entries at every location, with their inventory
    value). Refused with :class:`~prodcore.errors.NotAllowedError` while the item is below
    zero somewhere: an open outbound entry has no cost to revalue."""
    locations = sorted({e.location_code for e in ledger.item_entries(item_no=item_no)})
    if any(ledger.open_entries(item_no, loc, False) for loc in locations):
        raise NotAllowedError(
            action=f"implement the standard cost of {item_no}",
            reason="its inventory is negative at a location; post the missing receipts first",
        )
    open_inbound = [
        (ledger.item_entry(no), remaining, _inventory_value(ledger, no))
        for loc in locations
        for no, remaining in ledger.open_entries(item_no, loc, True)
    ]
    return revaluation_entries(
        item_no,
        open_inbound,
        new_unit_cost,
        at=at,
        currency=setup.currency,
        rounding=setup.amount_rounding,
        document_no=f"STD/{item_no}",
    )


def _inventory_value(ledger: LedgerReader, entry_no: int) -> Decimal:
    values = ledger.value_entries(source=ValueSource.ITEM, source_entry_no=entry_no)
    return sum((sum(inventory_amounts(v), Decimal(0)) for v in values), Decimal(0))
