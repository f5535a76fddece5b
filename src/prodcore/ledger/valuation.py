"""What an outbound item entry costs at posting, by costing method.

* **Standard**: the standard cost.
* **Average**: the average of what is in inventory: the item's inventory value (actual
  and expected cost of its item value entries) over the quantity on hand, all locations
  together (BC's average cost calculation type *Item*). Receipts 10 @ 5.00 and
  10 @ 7.00 hold 120.00 for 20 units: a consumption of 10 goes out at 6.00, −60.00 (not
  at the card's 5.00). With the setup's calculation type *Item & Location & Variant*
  the pool is the item at the outbound entry's location; with an average cost period
  (:class:`~prodcore.masterdata.AverageCostPeriod` other than ``ENTRY``) the outbound
  entry takes its period's average (:func:`period_averages`): (value at the start of
  the period + inbound value in the period) / (quantity at the start + inbound
  quantity in the period), as far as the ledger knows it at posting (cost adjustment
  settles it). The store keeps these pools as entries arrive
  (:class:`~prodcore.ledger.average_periods.AveragePool`): a posting does not read the
  item's entries.
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
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import attrs

from prodcore.ledger.application import Applier
from prodcore.ledger.average_periods import AveragePoolKey, revalued
from prodcore.ledger.model import (
    ItemEntryType,
    ItemLedgerEntry,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.posting import item_unit_cost
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import (
    AverageCostCalcType,
    AverageCostPeriod,
    CostingMethod,
    Item,
    ManufacturingSetup,
)
from prodcore.masterdata.average_cost import period_start
from prodcore.numbers import ZERO, Rounding, exact_sum, in_own_context

__all__ = [
    "BatchCosts",
    "PeriodAverages",
    "average_pool",
    "entry_value",
    "moves_inventory",
    "outbound_unit_cost",
    "period_averages",
]

#: entries of the batch being built are numbered from here to be applied after the ledger's
_PENDING = 10**15


@in_own_context
def outbound_unit_cost(
    ledger: LedgerReader,
    item: Item,
    location_code: str,
    quantity: Decimal,
    pending: Sequence[ItemLedgerEntry] = (),
    *,
    setup: ManufacturingSetup | None = None,
    day: dt.date | None = None,
) -> Decimal:
    """The unit cost (per base unit) ``quantity`` (> 0) of ``item`` going out of
    ``location_code`` on ``day`` is valued at; ``pending``: the entries of the same
    batch before it; ``setup``: the average cost settings (default: a moving average
    per item). A batch valuing several entries keeps one :class:`BatchCosts` instead."""
    return BatchCosts(ledger, pending).unit_cost(item, location_code, quantity, setup, day)


class BatchCosts:
    """What the outbound entries of one batch are valued at, as the batch is built:
    ``pending`` is the batch's list of entries, which grows. Each entry of the batch is
    taken into account once (the item application of a FIFO item and location is kept
    from one outbound entry to the next, see :class:`~prodcore.ledger.application.Applier`),
    so valuing the k-th entry does not go over the k-1 before it: n lines of one FIFO
    item cost n, not n².

    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> from prodcore.masterdata import CostingMethod, Item
    >>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
    >>> item = Item("A", base_unit="PCS", unit_cost=5, costing_method=CostingMethod.FIFO)
    >>> BatchCosts(ledger, []).unit_cost(item, "", Decimal(2))  # none on hand: the card's
    Decimal('5')
    """

    def __init__(self, ledger: LedgerReader, pending: Sequence[ItemLedgerEntry]) -> None:
        self.ledger = ledger
        self.pending = pending
        self._fifo: Applier | None = None  # made at the first FIFO valuation
        self._seen = 0  # the entries of ``pending`` sorted (applied or waiting) so far
        # per item and location: the batch's entries there, waiting for the first FIFO
        # valuation there (those of other items are never applied: no pool read)
        self._waiting: dict[tuple[str, str], list[int]] = {}
        self._applied: set[tuple[str, str]] = set()
        self._unit_costs: dict[int, Decimal] = {}

    def unit_cost(
        self,
        item: Item,
        location_code: str,
        quantity: Decimal,
        setup: ManufacturingSetup | None = None,
        day: dt.date | None = None,
    ) -> Decimal:
        """As :func:`outbound_unit_cost`, the entries before it being ``pending``."""
        if item.costing_method is CostingMethod.AVERAGE:
            average = _average_at_posting(self.ledger, item.no, location_code, setup, day)
            if average is not None:
                return average
        elif item.costing_method is CostingMethod.FIFO and quantity > 0:
            return self._fifo_cost(item, location_code, quantity) / quantity
        return item_unit_cost(item)

    def _catch_up(self, key: tuple[str, str]) -> Applier:
        """Apply the batch's entries so far at ``key`` (an item and a location), each
        numbered after the ledger's in batch order; the application kept."""
        fifo = self._fifo
        if fifo is None:
            fifo = self._fifo = Applier(self.ledger.open_entries)
        pending = self.pending
        for n in range(self._seen, len(pending)):
            e = pending[n]
            at = (e.item_no, e.location_code)
            if at in self._applied:
                fifo.apply(e, _PENDING + n)
            else:
                self._waiting.setdefault(at, []).append(n)
        self._seen = len(pending)
        if key not in self._applied:
            self._applied.add(key)
            for n in self._waiting.pop(key, ()):
                fifo.apply(pending[n], _PENDING + n)
        return fifo

    def _fifo_cost(self, item: Item, location_code: str, quantity: Decimal) -> Decimal:
        """The cost of ``quantity`` at the inbound entries of the ledger it would be
        applied to, the rest (nothing open, or an inbound entry of the batch) at the
        card's cost."""
        fifo = self._catch_up((item.no, location_code))
        total = applied = ZERO
        for no, qty in fifo.would_take(item.no, location_code, quantity):
            if no < _PENDING:
                total += qty * self._unit_cost(no)
                applied += qty
        return total + (quantity - applied) * item_unit_cost(item)

    def _unit_cost(self, entry_no: int) -> Decimal:
        """An inbound entry's cost per unit: its inventory value over its quantity (read
        once: the ledger does not change while the batch is built)."""
        cost = self._unit_costs.get(entry_no)
        if cost is None:
            ledger = self.ledger
            cost = entry_value(ledger, entry_no) / ledger.item_entry(entry_no).quantity
            self._unit_costs[entry_no] = cost
        return cost


def _average_at_posting(
    ledger: LedgerReader,
    item_no: str,
    location_code: str,
    setup: ManufacturingSetup | None,
    day: dt.date | None,
) -> Decimal | None:
    """The average an outbound entry takes at posting (None: nothing in the pool)."""
    period = AverageCostPeriod.ENTRY if setup is None else setup.average_cost_period
    by_item = setup is None or setup.average_cost_calc_type is AverageCostCalcType.ITEM
    if period is AverageCostPeriod.ENTRY and by_item:
        on_hand = ledger.on_hand(item_no)
        return ledger.inventory_value(item_no) / on_hand if on_hand > 0 else None
    assert setup is not None
    key = AveragePoolKey.of(setup, item_no, location_code)
    start = None if day is None else key.start(day)
    assert start is not None or period is AverageCostPeriod.ENTRY
    return ledger.average_unit_cost(key, start)


@in_own_context
def average_pool(
    entries: Iterable[ItemLedgerEntry], setup: ManufacturingSetup, location_code: str | None
) -> list[ItemLedgerEntry]:
    """The entries of one average: those at ``location_code`` when the setup averages
    per location (all when ``location_code`` is None), without moves between bins (out
    and in at the same cost)."""
    per_location = setup.average_cost_calc_type is AverageCostCalcType.ITEM_LOCATION_VARIANT
    return [
        e
        for e in entries
        if e.entry_type is not ItemEntryType.TRANSFER
        and (location_code is None or not per_location or e.location_code == location_code)
    ]


@attrs.frozen
class PeriodAverages:
    """An average pool's periods: per period start, the quantity and value its outbound
    entries share (start of the period + inbound in it) and the state at its end; and
    each entry's new value (``exact``, ``target``: rounded; the entries valued
    elsewhere keep theirs)."""

    pools: dict[dt.date, tuple[Decimal, Decimal]]
    ends: list[tuple[dt.date, Decimal, Decimal]]
    values: dict[int, tuple[Decimal, Decimal]]

    @property
    def quantity(self) -> Decimal:
        return self.ends[-1][1] if self.ends else ZERO

    @property
    def worth(self) -> Decimal:
        return self.ends[-1][2] if self.ends else ZERO

    def unit_cost(self, start: dt.date | None) -> Decimal | None:
        """The average cost of the period starting ``start`` (one without entries: of
        what was on hand at its start); None when its pool holds nothing."""
        assert start is not None
        if start in self.pools:
            quantity, worth = self.pools[start]
        else:
            before = [end for end in self.ends if end[0] < start]
            quantity, worth = before[-1][1:] if before else (ZERO, ZERO)
        return worth / quantity if quantity > 0 else None


@in_own_context
def period_averages(
    entries: Sequence[ItemLedgerEntry],
    value: Callable[[int], Decimal],
    setup: ManufacturingSetup,
    rounding: Rounding,
) -> PeriodAverages:
    """Value one average pool's outbound entries period by period (BC's average cost
    period): every outbound entry of a period at (value at the start of the period +
    inbound value in the period) / (quantity at the start + inbound quantity in the
    period), rounded, the entry that empties the pool taking the rest exactly.
    ``value(entry_no)``: an entry's current value.

    Inbound entries (receipts, outputs, and output reversals: their orders value them)
    keep their value; a reversal of an outbound entry of the pool takes the unit cost
    of the entry it reverses and is not part of the average.

    >>> import datetime as dt
    >>> from prodcore.masterdata import AverageCostPeriod, ManufacturingSetup
    >>> def entry(no, qty, day):
    ...     kind = ItemEntryType.POSITIVE_ADJUSTMENT if qty > 0 else ItemEntryType.CONSUMPTION
    ...     return ItemLedgerEntry(no, kind, "A", Decimal(qty), unit="PCS",
    ...         posted_at=dt.datetime(2026, 3, day, tzinfo=dt.UTC))
    >>> worth = {1: Decimal(50), 3: Decimal(70)}  # 10 @ 5.00 on Mar 2, 10 @ 7.00 on Mar 3
    >>> setup = ManufacturingSetup(average_cost_period=AverageCostPeriod.MONTH)
    >>> run = period_averages([entry(1, 10, 2), entry(2, -5, 2), entry(3, 10, 3)],
    ...                       lambda no: worth.get(no, Decimal(-25)), setup, setup.amount_rounding)
    >>> run.values[2], run.unit_cost(dt.date(2026, 3, 1))  # the consumption at 120 / 20
    ((Decimal('-30'), Decimal('-30.00')), Decimal('6'))
    """
    period = setup.average_cost_period
    by_period: dict[dt.date, list[ItemLedgerEntry]] = {}
    for e in entries:
        start = period_start(e.posted_at.date(), period, setup.accounting_periods)
        assert start is not None  # a periodic setting
        by_period.setdefault(start, []).append(e)
    outbound = {e.entry_no: e for e in entries if revalued(e)}
    result = PeriodAverages({}, [], {})
    quantity = worth = ZERO
    for start in sorted(by_period):
        group = by_period[start]
        reversals = [e for e in group if e.quantity > 0 and e.applies_to_entry_no in outbound]
        reversing = {e.entry_no for e in reversals}
        for e in group:
            if not revalued(e) and e.entry_no not in reversing:
                current = value(e.entry_no)
                result.values[e.entry_no] = (current, current)
                quantity += e.quantity
                worth += current
        result.pools[start] = (quantity, worth)
        average = worth / quantity if quantity > 0 else None
        for e in group:
            if not revalued(e):
                continue
            if average is None:  # nothing to average: it keeps its value
                exact = target = value(e.entry_no)
            else:
                exact = average * e.quantity
                target = -worth if quantity + e.quantity == 0 else rounding.apply(exact)
            result.values[e.entry_no] = (exact, target)
            quantity += e.quantity
            worth += target
        for e in reversals:
            original = outbound[e.applies_to_entry_no]  # type: ignore[index]
            if original.entry_no in result.values:
                exact = result.values[original.entry_no][1] / original.quantity * e.quantity
                target = rounding.apply(exact)
            else:  # back-dated before what it reverses: as it is
                exact = target = value(e.entry_no)
            result.values[e.entry_no] = (exact, target)
            quantity += e.quantity
            worth += target
        result.ends.append((start, quantity, worth))
    return result


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
    if v.source is not _ITEM:
        return False
    entry_type = v.entry_type
    if entry_type is _ROUNDING:
        return v.order_id is None
    return entry_type is _DIRECT_COST or entry_type is _REVALUATION


# The members :func:`moves_inventory` reads for every value entry a store applies, bound
# to module names (Python 3.11 does not specialize an attribute read on a class).
_ITEM = ValueSource.ITEM
_ROUNDING = ValueEntryType.ROUNDING
_DIRECT_COST = ValueEntryType.DIRECT_COST
_REVALUATION = ValueEntryType.REVALUATION


def entry_value(ledger: LedgerReader, entry_no: int) -> Decimal:
    """The inventory value of the item entry ``entry_no`` (actual and expected cost of
    its value entries that move inventory, see :func:`moves_inventory`)."""
    values = ledger.value_entries(source=ValueSource.ITEM, source_entry_no=entry_no)
    return exact_sum(v.cost_amount for v in values if moves_inventory(v))
