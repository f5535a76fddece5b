"""Item cost adjustment (BC's *Adjust Cost - Item Entries*): forward a receipt's cost
change along the item application chain, level by level, until nothing changes.

Where it starts: the store **marks** every item entry that a value entry of a later
batch values (a receipt's cost corrected with :class:`CorrectInboundCost`, an output
whose order cost was adjusted), every outbound entry that an inbound entry of a later
batch is applied to (it went below zero), every tracked outbound entry (valued at
posting before its lot was known, applied to its lot's receipts) and every move's
outbound entry (valued at the item card's cost), see
``LedgerRepository.cost_marks``. A run reads the
marks, forwards the changes and clears them (its batches list them in
``PostingBatch.cost_adjusted``; its own value entries mark nothing), so the next run
visits only what changed since, and a second run posts nothing.

One **level** takes the inbound entries whose value changed:

1. **Outbound entries** take the new cost, as new value entries (append-only, each on
   the entry it adjusts):

   * FIFO (and any method but Standard and Average): an outbound entry is worth its
     part of each inbound entry it is applied to. An inbound entry's value is shared
     over its applications and its remaining quantity by quantity, each part rounded
     and the last cent to the largest part (:func:`allocate_by_quantity`), so an
     inbound entry used up is forwarded exactly (BC's rounding entry). An outbound
     entry still open (negative inventory) waits until it is applied; an output's
     reversal is priced by its order's adjustment.
   * Average: the item's entries are revalued per pool (the item at every location,
     or per location with the setup's calculation type *Item & Location & Variant*):
     with the default ``ENTRY`` period in entry order at the moving average
     (inventory value over quantity on hand before each entry), else every outbound
     entry of an average cost period at that period's average (value at its start +
     inbound value in it, over the same quantities, see
     :func:`~prodcore.ledger.valuation.period_averages`); the entry that empties the
     stock takes the rest of the value exactly. The item card's unit cost becomes the
     average of what is on hand.
   * Standard: nothing moves (outbound entries stay at standard).

   A consumption's reversal follows the consumption it reverses (at its unit cost), a
   return applying from a consumption entry follows that consumption the same way; a
   move between bins passes what its outbound entry took out to its inbound entry.
2. **Orders**: a finished order whose consumption changed and whose cost was adjusted
   is adjusted again (:func:`~prodcore.costing.adjustment.adjustment_entries`, document
   ``<order>/forward``): a non-standard output takes the change (expected → actual, as
   at the order's adjustment), a standard-cost output stays at standard and the change
   is a material variance. An order not finished or not adjusted yet just holds the
   change in its WIP until its own adjustment.
3. The outputs whose value changed are the next level's inbound entries.

The run appends one or two batches per level (the outbound entries, then the orders'
outputs: the orders are adjusted from the ledger as it is after the first). A
cyclic chain (an item consumed into its own production) that would never stop
changing by a cent is cut after :data:`MAX_LEVELS` levels, with a warning.

A receipt of 4 @ 2.50, 3 taken out by a negative adjustment, then the receipt's cost
becomes 3.00: the adjustment takes its 3 parts of the new 12.00 (9.00):

>>> import datetime as dt
>>> from prodcore.adapters import MemoryStoreFactory
>>> from prodcore.app import handle, put_master_data
>>> from prodcore.clock import FixedClock
>>> from prodcore.orders.journals import AdjustInventory, AdjustmentLine
>>> store, clock = MemoryStoreFactory(), FixedClock(dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
>>> put_master_data(store(), [Item("A", base_unit="PCS", costing_method=CostingMethod.FIFO)])
>>> for key, qty in (("in", 4), ("out", -3)):
...     line = AdjustmentLine("A", qty, unit_cost=Decimal("2.50") if qty > 0 else None)
...     _ = handle(store(), AdjustInventory(key, (line,)), clock=clock)
>>> _ = handle(store(), CorrectInboundCost("fix", 1, Decimal(3)), clock=clock)
>>> with store() as uow:
...     run = adjust_item_entries(uow.ledger, MasterData.lazy(uow.master_data),
...                               uow.orders.get, at=clock.now(), document_no="ADJ")
...     uow.ledger.cost_marks()
[]
>>> [(v.item_entry_no, v.cost_amount_actual) for v in run.value_entries], run.visited
([(2, Decimal('-1.50'))], 2)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

import attrs

from prodcore.costing.adjustment import (
    adjust_document,
    adjustment_entries,
    allocate_by_quantity,
    forward_document,
    standard_shares,
)
from prodcore.errors import InvalidValueError, NotAllowedError
from prodcore.ledger.balances import applied_from
from prodcore.ledger.model import (
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.posting import value_batch
from prodcore.ledger.reader import LedgerReader
from prodcore.ledger.valuation import (
    average_pool,
    entry_value,
    moves_inventory,
    period_averages,
)
from prodcore.masterdata import AverageCostCalcType, CostingMethod, Item, MasterData
from prodcore.numbers import ZERO, Rounding, as_decimal
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import LedgerRepository

__all__ = [
    "MAX_LEVELS",
    "AdjustItemCosts",
    "CorrectInboundCost",
    "ItemAdjustmentRun",
    "adjust_item_entries",
    "average_card_costs",
    "inbound_correction",
]

#: Levels a run forwards at most (a cyclic chain could change by a cent forever).
MAX_LEVELS = 1000


@attrs.frozen
class CorrectInboundCost:
    """Give a receipt (a positive adjustment) a new unit cost per base unit: BC's
    purchase invoice at another cost than the receipt's, or a revaluation of one item
    ledger entry. Posts one ``DIRECT_COST`` value entry on the entry (the difference,
    G/L Inventory against Inventory Adjustment) and so marks it for
    :class:`AdjustItemCosts`, which forwards the change to what consumed it."""

    idempotency_key: str
    entry_no: int
    unit_cost: Decimal = attrs.field(converter=as_decimal)
    document_no: str = ""
    name = "correct inbound cost"


@attrs.frozen
class AdjustItemCosts:
    """Forward every cost change since the last run along the item application chain
    (BC's Adjust Cost - Item Entries, all items); see :mod:`prodcore.costing.item_adjustment`."""

    idempotency_key: str
    name = "adjust item costs"


def inbound_correction(
    ledger: LedgerReader,
    item: Callable[[str], Item],
    command: CorrectInboundCost,
    *,
    currency: str,
    rounding: Rounding,
    at: dt.datetime,
    document_no: str,
) -> tuple[ValueEntry, ...]:
    """The value entry that brings the receipt ``command.entry_no`` to
    ``quantity × unit_cost`` (rounded), or none if it is worth that already.

    Refused (:class:`~prodcore.errors.NotAllowedError`) for anything but a positive
    adjustment (an output's cost is its order's; an outbound entry's cost is forwarded)
    and for a Standard-cost item (its receipts stay at standard)."""
    if command.unit_cost < 0:
        raise InvalidValueError(field="unit_cost", value=command.unit_cost, reason="negative")
    entry = ledger.item_entry(command.entry_no)
    action = f"correct the cost of item entry {entry.entry_no}"
    if entry.entry_type is not ItemEntryType.POSITIVE_ADJUSTMENT:
        raise NotAllowedError(
            action=action, reason=f"it is a {entry.entry_type.value}, not a receipt"
        )
    if item(entry.item_no).costing_method is CostingMethod.STANDARD:
        raise NotAllowedError(
            action=action, reason=f"{entry.item_no} is a Standard-cost item (kept at standard)"
        )
    exact = entry.quantity * command.unit_cost
    target = rounding.apply(exact)
    delta = target - entry_value(ledger, entry.entry_no)
    if not delta:
        return ()
    return (
        ValueEntry(
            0,
            ValueEntryType.DIRECT_COST,
            ValueSource.ITEM,
            delta,
            ZERO,
            currency=currency,
            item_entry_no=entry.entry_no,
            item_no=entry.item_no,
            rounding_residual=exact - target,
            posted_at=at,
            document_no=document_no,
        ),
    )


@attrs.frozen
class ItemAdjustmentRun:
    """What a run did: the batches it appended, the item entries it visited, the levels
    it went through, the new unit cost of each average-cost item it revalued, and
    warnings (a chain cut at :data:`MAX_LEVELS`)."""

    batches: tuple[PostingBatch, ...]
    visited: int
    levels: int
    average_costs: tuple[tuple[str, Decimal], ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def value_entries(self) -> tuple[ValueEntry, ...]:
        return tuple(v for b in self.batches for v in b.value_entries)


class _Run:
    """One run's state: the ledger it appends to and what it counted."""

    def __init__(
        self,
        ledger: LedgerRepository,
        md: MasterData,
        order: Callable[[str], ProductionOrder],
        at: dt.datetime,
        document_no: str,
        idempotency_key: str | None,
    ) -> None:
        self.ledger = ledger
        self.md = md
        self.order = order
        self.at = at
        self.document_no = document_no
        self.key = idempotency_key
        self.rounding = md.setup.amount_rounding
        self.visited = 0
        self.batches: list[PostingBatch] = []
        self.averages: dict[str, Decimal] = {}
        # per level: each inbound entry's value shared over its applications
        self._parts: dict[int, dict[int, Decimal]] = {}
        # per order: its reversals and returns by the entry they take back from (the
        # run appends value entries only, so they hold for every level)
        self._taken_back: dict[str, dict[int, list[ItemLedgerEntry]]] = {}

    # --- posting -----------------------------------------------------------------------

    def append(self, values: list[ValueEntry], forwarded: Iterable[int]) -> None:
        """Append ``values`` as one batch that clears the marks of ``forwarded`` (and
        marks nothing itself); nothing when both are empty."""
        cleared = tuple(sorted(set(forwarded)))
        if not values and not cleared:
            return
        batch = value_batch(
            values,
            self.ledger.posting_setup,
            document_no=self.document_no,
            posted_at=self.at,
            idempotency_key=None if self.batches else self.key,
        )
        self.batches.append(self.ledger.append(attrs.evolve(batch, cost_adjusted=cleared)))

    def value(self, e: ItemLedgerEntry, delta: Decimal, exact: Decimal) -> ValueEntry:
        """The adjustment of ``e`` by ``delta`` (``exact``: its unrounded new value)."""
        return ValueEntry(
            0,
            ValueEntryType.DIRECT_COST,
            ValueSource.ITEM,
            delta,
            ZERO,
            currency=self.md.setup.currency,
            item_entry_no=e.entry_no,
            item_no=e.item_no,
            order_id=e.order_id or None,
            order_line_no=e.order_line_no if e.order_id else None,
            rounding_residual=exact - (entry_value(self.ledger, e.entry_no) + delta),
            posted_at=self.at,
            document_no=forward_document(e.order_id) if e.order_id else self.document_no,
        )

    # --- one level -----------------------------------------------------------------------

    def level(self, changed: list[int]) -> list[int]:
        """Forward the changes of the inbound entries ``changed``; the inbound entries
        whose value changed in turn."""
        self._parts = {}
        outbound: set[int] = set()
        averages: set[str] = set()
        for no in changed:
            e = self.ledger.item_entry(no)
            self.visited += 1
            method = self.md.item(e.item_no).costing_method
            if method is CostingMethod.STANDARD:
                continue
            if method is CostingMethod.AVERAGE:
                averages.add(e.item_no)
                continue
            if e.quantity < 0:  # marked: applied since, or tracked
                outbound.add(no)
                continue
            outbound.update(
                a.outbound_entry_no
                for a in self.ledger.item_applications(no)
                if a.inbound_entry_no == no
            )
        values: list[ValueEntry] = []
        follow: list[int] = []
        for no in sorted(outbound):
            self._fifo(self.ledger.item_entry(no), values, follow)
        for item_no in sorted(averages):
            self._average(item_no, values)
        self.append(values, changed)
        orders = sorted(
            {
                e.order_id
                for v in values
                if v.item_entry_no is not None
                and (e := self.ledger.item_entry(v.item_entry_no)).entry_type
                is ItemEntryType.CONSUMPTION
            }
        )
        forwarded = [v.item_entry_no for v in values if v.item_entry_no is not None]
        into = self._orders(orders)
        if into:
            self.append(into, forwarded)
        follow.extend(
            v.item_entry_no
            for v in into
            if v.item_entry_no is not None
            and moves_inventory(v)
            and self.ledger.item_entry(v.item_entry_no).quantity > 0
        )
        return sorted(set(follow))

    def _share(self, inbound_no: int, outbound_no: int) -> Decimal:
        """The part of the inbound entry's value its application to ``outbound_no``
        takes (its value shared by quantity over its applications and what remains)."""
        if inbound_no not in self._parts:
            apps = [
                a
                for a in self.ledger.item_applications(inbound_no)
                if a.inbound_entry_no == inbound_no
            ]
            quantities = [a.quantity for a in apps]
            quantities.append(self.ledger.remaining_quantity(inbound_no))
            parts = allocate_by_quantity(
                entry_value(self.ledger, inbound_no), quantities, self.rounding
            )
            self._parts[inbound_no] = {
                a.outbound_entry_no: part for a, part in zip(apps, parts, strict=False)
            }
        return self._parts[inbound_no].get(outbound_no, ZERO)

    def _fifo(self, e: ItemLedgerEntry, values: list[ValueEntry], follow: list[int]) -> None:
        """Revalue the outbound entry ``e`` at its parts of the inbound entries it is
        applied to; a consumption's reversal follows it."""
        self.visited += 1
        if e.entry_type is ItemEntryType.OUTPUT or self.ledger.remaining_quantity(e.entry_no):
            return  # an output's reversal: its order prices it; still open: wait
        target = -sum(
            (
                self._share(a.inbound_entry_no, e.entry_no)
                for a in self.ledger.item_applications(e.entry_no)
                if a.outbound_entry_no == e.entry_no
            ),
            ZERO,
        )
        delta = target - entry_value(self.ledger, e.entry_no)
        if not delta:
            return
        values.append(self.value(e, delta, target))
        if e.entry_type is ItemEntryType.TRANSFER:
            self._moved(e, target, values, follow)
        for r in self._followers(e):
            self.visited += 1
            exact = target / e.quantity * r.quantity
            change = self.rounding.apply(exact) - entry_value(self.ledger, r.entry_no)
            if change:
                values.append(self.value(r, change, exact))
                follow.append(r.entry_no)

    def _followers(self, e: ItemLedgerEntry) -> list[ItemLedgerEntry]:
        """The entries valued at the outbound entry ``e``'s unit cost: its reversals and
        the returns applying from it (a consumption's); the order's entries are read
        once, and only for an entry something took back from."""
        if not self.ledger.reversed_quantity(ValueSource.ITEM, e.entry_no):
            return []
        if e.order_id not in self._taken_back:
            by_entry = self._taken_back[e.order_id] = {}
            for r in self.ledger.item_entries(order_id=e.order_id):
                taken_from = applied_from(r)
                if taken_from is not None:
                    by_entry.setdefault(taken_from, []).append(r)
        return self._taken_back[e.order_id].get(e.entry_no, [])

    def _moved(
        self, out: ItemLedgerEntry, worth: Decimal, values: list[ValueEntry], follow: list[int]
    ) -> None:
        """A move's inbound entry (the entry after its outbound one) takes the value
        the outbound entry took out."""
        into = self.ledger.item_entry(out.entry_no + 1)
        if into.entry_type is not ItemEntryType.TRANSFER or into.quantity != -out.quantity:
            return
        self.visited += 1
        change = -worth - entry_value(self.ledger, into.entry_no)
        if change:
            values.append(self.value(into, change, -worth))
            follow.append(into.entry_no)

    def _average(self, item_no: str, values: list[ValueEntry]) -> None:
        """Revalue the average-cost item's entries, per pool (the item, or the item per
        location, by the setup's calculation type): at the moving average in entry
        order, or at each average cost period's average; keep the average of what is on
        hand for its card."""
        setup = self.md.setup
        pools: dict[str, list[ItemLedgerEntry]] = {}
        per_location = setup.average_cost_calc_type is AverageCostCalcType.ITEM_LOCATION_VARIANT
        for e in average_pool(self.ledger.item_entries(item_no=item_no), setup, None):
            pools.setdefault(e.location_code if per_location else "", []).append(e)
        on_hand = worth = ZERO
        for pool in pools.values():
            self.visited += len(pool)
            if setup.average_cost_period.is_periodic:
                run = period_averages(
                    pool, lambda no: entry_value(self.ledger, no), setup, self.rounding
                )
                for e in pool:
                    exact, target = run.values[e.entry_no]
                    current = entry_value(self.ledger, e.entry_no)
                    if target != current:
                        values.append(self.value(e, target - current, exact))
                quantity, value = run.quantity, run.worth
            else:
                quantity, value = self._moving(pool, values)
            on_hand += quantity
            worth += value
        if on_hand > 0 and worth >= 0:  # stock valued below zero keeps its card
            self.averages[item_no] = self.md.setup.unit_amount_rounding.apply(worth / on_hand)

    def _moving(
        self, pool: list[ItemLedgerEntry], values: list[ValueEntry]
    ) -> tuple[Decimal, Decimal]:
        """Revalue the pool's entries in entry order at the moving average; what is left
        on hand and its value."""
        on_hand = worth = ZERO
        new: dict[int, Decimal] = {}
        for e in pool:
            current = entry_value(self.ledger, e.entry_no)
            exact = target = current
            reversed_no = (
                e.applies_to_entry_no
                if e.applies_to_entry_no is not None
                else e.applies_from_entry_no
            )
            if e.quantity > 0 and reversed_no in new:
                # a consumption's reversal (or a return applying from a consumption): at
                # the unit cost of what it reverses
                original = self.ledger.item_entry(reversed_no)
                exact = new[reversed_no] / original.quantity * e.quantity
                target = self.rounding.apply(exact)
            elif e.quantity < 0 and e.entry_type is not ItemEntryType.OUTPUT and on_hand > 0:
                if on_hand + e.quantity == 0:
                    exact = target = -worth  # the last units take the rest exactly
                else:
                    exact = worth / on_hand * e.quantity
                    target = self.rounding.apply(exact)
            if target != current:
                values.append(self.value(e, target - current, exact))
            new[e.entry_no] = target
            on_hand += e.quantity
            worth += target
        return on_hand, worth

    def _orders(self, order_ids: list[str]) -> list[ValueEntry]:
        """The entries that adjust again each finished, adjusted order whose
        consumption changed (their output or variance takes the change)."""
        into: list[ValueEntry] = []
        for order_id in order_ids:
            order = self.order(order_id)
            if order.status is not OrderStatus.FINISHED:
                continue
            done = adjust_document(order_id)
            if not any(v.document_no == done for v in self.ledger.value_entries(order_id=order_id)):
                continue  # not adjusted yet: its adjustment will take the change
            at_standard = [
                line.item_no
                for line in order.lines
                if self.md.item(line.item_no).costing_method is CostingMethod.STANDARD
            ]
            self.visited += len(order.lines)
            into.extend(
                adjustment_entries(
                    order,
                    self.ledger,
                    self.md,
                    standard=standard_shares(self.md, at_standard) if at_standard else {},
                    wip=self.ledger.wip(order_id),
                    at=self.at,
                    document_no=forward_document(order_id),
                )
            )
        return into


def adjust_item_entries(
    ledger: LedgerRepository,
    md: MasterData,
    order: Callable[[str], ProductionOrder],
    *,
    at: dt.datetime,
    document_no: str,
    idempotency_key: str | None = None,
) -> ItemAdjustmentRun:
    """Forward every marked cost change along the application chain, level by level
    (a queue, no recursion), appending the adjustments to ``ledger`` (see the module
    docstring); ``order`` looks an order up. Visits only the marked entries and what
    their changes reach."""
    run = _Run(ledger, md, order, at, document_no, idempotency_key)
    changed = ledger.cost_marks()
    levels = 0
    warnings: tuple[str, ...] = ()
    while changed:
        if levels == MAX_LEVELS:
            warnings = (
                (
                    f"Item cost adjustment stopped after {MAX_LEVELS} levels; entries "
                    f"{', '.join(map(str, changed[:10]))} still change (a cyclic chain?)."
                ),
            )
            break
        levels += 1
        changed = run.level(changed)
    return ItemAdjustmentRun(
        tuple(run.batches),
        run.visited,
        levels,
        tuple(sorted(run.averages.items())),
        warnings,
    )


def average_card_costs(
    ledger: LedgerReader, md: MasterDataLookup, item_nos: Iterable[str]
) -> tuple[Item, ...]:
    """The cards of the average-cost items among ``item_nos`` whose unit cost is not the
    average of what is on hand (inventory value over quantity, rounded to the unit-amount
    precision), with that unit cost; an item with nothing on hand, or valued below zero
    (a by-product credit above the material cost, warned), keeps its card."""
    cards: list[Item] = []
    for no in sorted(set(item_nos)):
        item = md.item(no)
        if item.costing_method is not CostingMethod.AVERAGE:
            continue  # (its stock not read: nothing to decide)
        on_hand = ledger.on_hand(no)
        if on_hand <= 0:
            continue
        unit_cost = md.setup.unit_amount_rounding.apply(ledger.inventory_value(no) / on_hand)
        # a card's unit cost is never negative (BC's MinValue 0)
        if unit_cost >= 0 and unit_cost != item.unit_cost:
            cards.append(attrs.evolve(item, unit_cost=unit_cost))
    return tuple(cards)
