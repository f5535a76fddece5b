"""Inventory and WIP value at a date, from the value entries, and their G/L reconciliation.

Each value entry moves an amount into (or out of) three balances, by this rule (the
value entry side of the G/L posting rule, stated here independently so that the
reconciliation checks the G/L lines against it):

* **inventory** (actual cost) and **inventory interim** (expected cost): an item entry's
  direct cost, and its indirect cost when it belongs to no order, in its actual and
  expected part; a revaluation, and a rounding entry of no order, in full;
* **WIP of the order**: minus the item-side direct cost of an order's entry (consumption
  credits inventory, debits WIP; output the reverse), the capacity-side direct and
  indirect cost, plus the manufacturing overhead absorbed by cost adjustment, minus the
  variances and the rounding entry of adjustment and a WIP write-off.

:func:`stock_value` sums them up to a date per item (with the quantity on hand) and per
order; :func:`reconcile` compares them with the G/L balances of the Inventory, Inventory
(Interim) and WIP roles and returns the differences (none when the books agree).

>>> import datetime as dt
>>> from prodcore.ledger.model import ValueSource
>>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
>>> v = ValueEntry(1, ValueEntryType.DIRECT_COST, ValueSource.ITEM, Decimal(-50), Decimal(0),
...                currency="EUR", item_entry_no=3, item_no="LEG", order_id="PO-1", posted_at=at)
>>> inventory_amounts(v), wip_amount(v)
((Decimal('-50'), Decimal('0')), Decimal('50'))
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

import attrs

from prodcore.ledger.model import (
    AccountRole,
    GLEntry,
    ItemLedgerEntry,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.numbers import ZERO, as_decimal, tuple_of

__all__ = [
    "ItemValue",
    "OrderWip",
    "ReconciliationDifference",
    "StockValue",
    "inventory_amounts",
    "reconcile",
    "stock_value",
    "wip_amount",
]


def inventory_amounts(v: ValueEntry) -> tuple[Decimal, Decimal]:
    """What value entry ``v`` adds to inventory: (actual, expected)."""
    if v.source is not ValueSource.ITEM:
        return ZERO, ZERO
    of_order = v.order_id is not None
    if v.entry_type is ValueEntryType.DIRECT_COST or (
        v.entry_type is ValueEntryType.INDIRECT_COST and not of_order
    ):
        return v.cost_amount_actual, v.cost_amount_expected
    if v.entry_type is ValueEntryType.REVALUATION or (
        v.entry_type is ValueEntryType.ROUNDING and not of_order
    ):
        return v.cost_amount, ZERO
    return ZERO, ZERO


def wip_amount(v: ValueEntry) -> Decimal:
    """What value entry ``v`` adds to its order's WIP (zero for an entry of no order)."""
    if v.order_id is None or v.entry_type is ValueEntryType.REVALUATION:
        return ZERO
    if v.entry_type in (
        ValueEntryType.VARIANCE,
        ValueEntryType.WIP_WRITE_OFF,
    ) or (v.source is ValueSource.ITEM and v.entry_type is ValueEntryType.ROUNDING):
        return -v.cost_amount
    if v.source is ValueSource.ITEM:
        if v.entry_type is ValueEntryType.INDIRECT_COST:
            return v.cost_amount
        return -v.cost_amount
    return v.cost_amount


@attrs.frozen
class ItemValue:
    """An item's stock at a date: quantity on hand and its value (actual and expected)."""

    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal)
    actual: Decimal = attrs.field(converter=as_decimal)
    expected: Decimal = attrs.field(converter=as_decimal)

    @property
    def total(self) -> Decimal:
        return self.actual + self.expected


@attrs.frozen
class OrderWip:
    """A production order's work in process at a date."""

    order_id: str
    amount: Decimal = attrs.field(converter=as_decimal)


@attrs.frozen
class StockValue:
    """Inventory per item and WIP per order at the end of ``as_of`` (None: everything
    posted), non-zero rows only."""

    as_of: dt.date | None
    items: tuple[ItemValue, ...] = attrs.field(validator=tuple_of(ItemValue))
    orders: tuple[OrderWip, ...] = attrs.field(validator=tuple_of(OrderWip))

    @property
    def inventory(self) -> Decimal:
        """Total actual inventory value."""
        return sum((i.actual for i in self.items), ZERO)

    @property
    def interim(self) -> Decimal:
        """Total expected (not yet invoiced or adjusted) inventory value."""
        return sum((i.expected for i in self.items), ZERO)

    @property
    def wip(self) -> Decimal:
        return sum((o.amount for o in self.orders), ZERO)


def _through(day: dt.date | None, posted_at: dt.datetime) -> bool:
    return day is None or posted_at.date() <= day


def stock_value(
    item_entries: Iterable[ItemLedgerEntry],
    value_entries: Iterable[ValueEntry],
    as_of: dt.date | None,
) -> StockValue:
    """Quantity and value per item and WIP per order, of the entries posted up to and
    including ``as_of`` (None: all of them), in one pass over each list.

    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> from prodcore.ledger.model import ItemEntryType
    >>> e = ItemLedgerEntry(1, ItemEntryType.POSITIVE_ADJUSTMENT, "LEG", 10, unit="PCS",
    ...                     posted_at=at)
    >>> v = ValueEntry(1, ValueEntryType.DIRECT_COST, ValueSource.ITEM, 25, 0, currency="EUR",
    ...                item_entry_no=1, item_no="LEG", posted_at=at)
    >>> stock_value([e], [v], dt.date(2026, 3, 2)).items
    (ItemValue(item_no='LEG', quantity=Decimal('10'), actual=Decimal('25'), expected=Decimal('0')),)
    >>> stock_value([e], [v], dt.date(2026, 3, 1)).items
    ()
    """
    quantity: dict[str, Decimal] = defaultdict(Decimal)
    actual: dict[str, Decimal] = defaultdict(Decimal)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    wip: dict[str, Decimal] = defaultdict(Decimal)
    for e in item_entries:
        if _through(as_of, e.posted_at):
            quantity[e.item_no] += e.quantity
    for v in value_entries:
        if not _through(as_of, v.posted_at):
            continue
        a, x = inventory_amounts(v)
        if (a or x) and v.item_no is not None:
            actual[v.item_no] += a
            expected[v.item_no] += x
        if v.order_id is not None:
            wip[v.order_id] += wip_amount(v)
    items = tuple(
        ItemValue(no, quantity[no], actual[no], expected[no])
        for no in sorted(set(quantity) | set(actual) | set(expected))
        if quantity[no] or actual[no] or expected[no]
    )
    orders = tuple(OrderWip(o, wip[o]) for o in sorted(wip) if wip[o])
    return StockValue(as_of, items, orders)


@attrs.frozen
class ReconciliationDifference:
    """A balance on which the G/L and the value entries disagree: ``key`` is the role
    (``INVENTORY``, ``INVENTORY_INTERIM``, ``WIP``) or ``WIP:<order>``."""

    key: str
    gl: Decimal
    value_entries: Decimal

    @property
    def difference(self) -> Decimal:
        return self.gl - self.value_entries


def reconcile(
    value: StockValue, gl_entries: Iterable[GLEntry]
) -> tuple[ReconciliationDifference, ...]:
    """The differences between ``value`` (from the value entries) and the G/L lines posted
    up to its date on the Inventory, Inventory (Interim) and WIP roles, in total and per
    order's WIP; empty when the books agree.

    >>> reconcile(StockValue(dt.date(2026, 3, 2), (), ()), [])
    ()
    """
    gl: dict[str, Decimal] = defaultdict(Decimal)
    for g in gl_entries:
        if not _through(value.as_of, g.posted_at):
            continue
        if g.role in (AccountRole.INVENTORY, AccountRole.INVENTORY_INTERIM, AccountRole.WIP):
            gl[g.role.value] += g.amount
        if g.role is AccountRole.WIP and g.order_id is not None:
            gl[f"WIP:{g.order_id}"] += g.amount
    expected: dict[str, Decimal] = {
        AccountRole.INVENTORY.value: value.inventory,
        AccountRole.INVENTORY_INTERIM.value: value.interim,
        AccountRole.WIP.value: value.wip,
        **{f"WIP:{o.order_id}": o.amount for o in value.orders},
    }
    return tuple(
        ReconciliationDifference(key, gl[key], expected.get(key, ZERO))
        for key in sorted(set(gl) | set(expected))
        if gl[key] != expected.get(key, ZERO)
    )
