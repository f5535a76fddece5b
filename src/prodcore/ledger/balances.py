"""Running balances and indexes over appended batches, updated on append (never a rescan).

:class:`LedgerIndex` is what the in-memory store keeps; a SQL store answers the same
questions with indexed sums or maintained balance rows. Applying a batch touches only
the keys of its own entries.

>>> import datetime as dt
>>> from prodcore.ledger.model import *
>>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
>>> e = ItemLedgerEntry(1, ItemEntryType.OUTPUT, "A", 5, unit="PCS", order_id="PO",
...                     order_line_no=10000, location_code="MAIN", posted_at=at)
>>> index = LedgerIndex()
>>> index.apply(PostingBatch(1, "D", at, item_entries=(e,)))
>>> index.on_hand("A"), index.on_hand("A", "MAIN"), index.output_quantity("PO", 10000)
(Decimal('5'), Decimal('5'), Decimal('5'))
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal, localcontext
from types import MappingProxyType

import attrs

from prodcore.ledger.application import decide_applications, remaining_deltas
from prodcore.ledger.average_periods import AveragePool, AveragePoolKey
from prodcore.ledger.model import (
    AccountRole,
    CapacityLedgerEntry,
    GLEntry,
    ItemApplication,
    ItemEntryType,
    ItemLedgerEntry,
    LotBalance,
    PostingBatch,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.valuation import moves_inventory
from prodcore.masterdata import CapacityType
from prodcore.numbers import EXACT_SUMS, ZERO, exact_sum

__all__ = [
    "CAPACITY_OVERHEAD",
    "DIRECT_CAPACITY",
    "MATERIAL",
    "MATERIAL_TYPES",
    "OUTPUT_QUANTITY",
    "BinBalances",
    "LedgerIndex",
    "applied_from",
    "empty_read_only_index",
    "order_cost_key",
]

MATERIAL_TYPES = frozenset(
    {ValueEntryType.DIRECT_COST, ValueEntryType.INDIRECT_COST, ValueEntryType.REVALUATION}
)
"""Value entry types on consumption that are material cost (revaluation included)."""

#: The kinds of an order line's cost sums (see :func:`order_cost_key`): the cost of its
#: consumption, the indirect cost of its capacity, (this prefix and the work centre) the
#: direct cost of its capacity on one work centre, and its net output quantity
MATERIAL = "material"
CAPACITY_OVERHEAD = "capacity_overhead"
DIRECT_CAPACITY = "direct:"
OUTPUT_QUANTITY = "output_quantity"


def order_cost_key(
    v: ValueEntry, source: ItemLedgerEntry | CapacityLedgerEntry | None
) -> tuple[int, str] | None:
    """The (order line, kind) of the cost sum of ``v``'s order that the value entry adds
    its cost to, None if it adds to none: what an order line's actual cost is made of
    (:func:`prodcore.costing.actual.actual_cost`). Consumption of the order valued as
    material (:data:`MATERIAL_TYPES`), the indirect cost of the order's capacity, and its
    direct cost per work centre (whether that centre is subcontracted is master data,
    looked up when the cost is read). ``source``: the entry ``v`` values (None: unknown).

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> from prodcore.numbers import TimeUnit
    >>> c = CapacityLedgerEntry(1, CapacityType.WORK_CENTER, "WELD", "WELD", 2,
    ...                         time_unit=TimeUnit.HOUR, order_id="PO", posted_at=at)
    >>> v = ValueEntry(1, ValueEntryType.DIRECT_COST, ValueSource.CAPACITY, 30, 0, currency="EUR",
    ...                capacity_entry_no=1, order_id="PO", order_line_no=10000, posted_at=at)
    >>> order_cost_key(v, c), order_cost_key(v, None)
    ((10000, 'direct:WELD'), None)
    """
    line_no = v.order_line_no
    if source is None or line_no is None or source.order_id != v.order_id:
        return None
    if isinstance(source, ItemLedgerEntry):
        consumed = source.entry_type is _CONSUMPTION
        return (line_no, MATERIAL) if consumed and v.entry_type in MATERIAL_TYPES else None
    if v.entry_type is _INDIRECT_COST:
        return (line_no, CAPACITY_OVERHEAD)
    if v.entry_type is _DIRECT_COST:
        return (line_no, DIRECT_CAPACITY + source.work_center_no)
    return None


# The members the balances read for every entry applied, bound to module names: Python
# 3.11 does not specialize an attribute read on a class (each was a lookup through it).
_CONSUMPTION = ItemEntryType.CONSUMPTION
_OUTPUT = ItemEntryType.OUTPUT
_TRANSFER = ItemEntryType.TRANSFER
_INDIRECT_COST = ValueEntryType.INDIRECT_COST
_DIRECT_COST = ValueEntryType.DIRECT_COST
_ITEM = ValueSource.ITEM
_WIP = AccountRole.WIP
_MACHINE_CENTER = CapacityType.MACHINE_CENTER


def applied_from(e: ItemLedgerEntry) -> int | None:
    """The item entry that ``e`` takes back part of: the entry it reverses, or the
    consumption a return applies from (BC applies both to that entry, so together they
    take back at most its quantity; :meth:`LedgerIndex.reversed_quantity` adds them up).

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> back = ItemLedgerEntry(9, ItemEntryType.CONSUMPTION, "A", 2, unit="PCS",
    ...                        posted_at=at, applies_from_entry_no=4)
    >>> applied_from(back), applied_from(attrs.evolve(back, applies_from_entry_no=None))
    (4, None)
    """
    return e.applies_to_entry_no if e.applies_to_entry_no is not None else e.applies_from_entry_no


def _unknown(entry_no: int) -> None:
    return None


class BinBalances:
    """On-hand per item, location and bin, kept apart from the other balances.

    >>> import datetime as dt
    >>> import attrs
    >>> from prodcore.ledger.model import ItemLedgerEntry, ItemEntryType, PostingBatch
    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> out = ItemLedgerEntry(1, ItemEntryType.TRANSFER, "A", -4, unit="PCS",
    ...                       location_code="MAIN", bin_code="S-01", posted_at=at)
    >>> into = attrs.evolve(out, entry_no=2, quantity=4, bin_code="TO-PROD")
    >>> bins = BinBalances()
    >>> bins.apply(PostingBatch(1, "D", at, item_entries=(out, into)))
    >>> bins.on_hand_in_bin("A", "MAIN", "S-01"), bins.on_hand_in_bin("A", "MAIN", "TO-PROD")
    (Decimal('-4'), Decimal('4'))
    """

    def __init__(self) -> None:
        self.on_hand: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)

    def apply(self, batch: PostingBatch) -> None:
        with localcontext(EXACT_SUMS):
            for e in batch.item_entries:
                self.on_hand[(e.item_no, e.location_code, e.bin_code)] += e.quantity

    def on_hand_in_bin(self, item_no: str, location_code: str, bin_code: str) -> Decimal:
        return self.on_hand.get((item_no, location_code, bin_code), ZERO)


class LedgerIndex:
    """Entries by number, per-order/item/centre indexes and running balances."""

    def __init__(self) -> None:
        self.batches: dict[int, PostingBatch] = {}
        self.items: dict[int, ItemLedgerEntry] = {}
        self.capacity: dict[int, CapacityLedgerEntry] = {}
        self.values: dict[int, ValueEntry] = {}
        self.items_by_order: dict[str, list[int]] = defaultdict(list)
        self.items_by_item: dict[str, list[int]] = defaultdict(list)
        self.capacity_by_order: dict[str, list[int]] = defaultdict(list)
        self.capacity_by_centre: dict[str, list[int]] = defaultdict(list)
        self.values_by_order: dict[str, list[int]] = defaultdict(list)
        self.values_by_source: dict[tuple[ValueSource, int], list[int]] = defaultdict(list)
        #: the batches (posting numbers, in order) with G/L lines of each order: the
        #: lines themselves are the batches' own, derived when read
        self.gl_batches_by_order: dict[str, list[int]] = defaultdict(list)
        self.on_hand_by_location: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.on_hand_total: dict[str, Decimal] = defaultdict(Decimal)
        self.consumed: dict[tuple[str, int, int], Decimal] = defaultdict(Decimal)
        self.output: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        self.wip_by_order: dict[str, Decimal] = defaultdict(Decimal)
        self.accounts: dict[str, Decimal] = defaultdict(Decimal)
        self.reversed: dict[tuple[ValueSource, int], Decimal] = defaultdict(Decimal)
        self.capacity_used_by_day: dict[tuple[str, dt.date], Decimal] = defaultdict(Decimal)
        self.bins = BinBalances()
        # item tracking: on hand per (item, location, lot, serial) and per (item, lot,
        # serial); tracked entries per (item, lot) and (item, serial) for genealogy
        self.lot_on_hand_by_location: dict[tuple[str, str, str, str], Decimal] = defaultdict(
            Decimal
        )
        self.lot_on_hand_total: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
        self.items_by_lot: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.items_by_serial: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.lot_keys_by_item: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        # item application: the applications of each entry (outbound and inbound), and
        # the remaining quantity of each open entry, also per item and location
        self.applications: dict[int, list[ItemApplication]] = defaultdict(list)
        self.remaining: dict[int, Decimal] = {}
        self.open_by_key: dict[tuple[str, str, bool], dict[int, Decimal]] = defaultdict(dict)
        #: inventory value per item: its item value entries' cost (actual + expected)
        self.item_value: dict[str, Decimal] = defaultdict(Decimal)
        #: item entries whose cost changed after they were posted (True) or whose change
        #: item cost adjustment forwarded (False), by entry number
        self.marks: dict[int, bool] = {}
        #: the average pools asked for, kept as entries arrive, per item; the items whose
        #: entries' values changed (None: of an entry not in this index, item unnamed)
        self.average_pools: dict[str, dict[AveragePoolKey, AveragePool]] = defaultdict(dict)
        self.revalued_items: set[str | None] = set()
        #: per order, its lines' cost sums by (order line, kind) (see
        #: :func:`order_cost_key`): actual cost reads them instead of the order's entries
        self.order_costs: dict[str, dict[tuple[int, str], Decimal]] = defaultdict(
            lambda: defaultdict(Decimal)
        )
        #: per order, its output entries, and its item value entries on them or on no
        #: item entry (what cost adjustment settles one by one), by entry number
        self.outputs_by_order: dict[str, list[int]] = defaultdict(list)
        self.output_values_by_order: dict[str, list[int]] = defaultdict(list)
        #: where the entries that value entries of this index value are looked up when
        #: they are not in it (a staged index: the committed ones)
        self.outside_items: Callable[[int], ItemLedgerEntry | None] = _unknown
        self.outside_capacity: Callable[[int], CapacityLedgerEntry | None] = _unknown

    def apply(self, batch: PostingBatch) -> None:
        """Add a numbered batch to the indexes and balances. A batch stored before item
        applications existed is applied FIFO against this index's open entries (a full
        index: the store's committed one)."""
        with localcontext(EXACT_SUMS):  # balances keep every digit
            if batch.item_applications is None:
                batch = attrs.evolve(
                    batch,
                    item_applications=decide_applications(
                        batch.item_entries, self.open_entries, self._tracked
                    ),
                )
            self.batches[batch.posting_no] = batch
            applications = batch.item_applications or ()
            if batch.item_entries or applications:
                self._apply_applications(batch.item_entries, applications)
                self._apply_items(batch.item_entries)
            if batch.capacity_entries:
                self._apply_capacity(batch.capacity_entries)
            if batch.value_entries:
                self._apply_values(batch.value_entries)
            self._apply_marks(batch)
            postings = batch.gl_postings
            if postings:
                self._apply_gl(postings, batch.posting_no)

    def _apply_items(self, entries: tuple[ItemLedgerEntry, ...]) -> None:
        items, by_order, by_item = self.items, self.items_by_order, self.items_by_item
        on_hand, total, in_bin = self.on_hand_by_location, self.on_hand_total, self.bins.on_hand
        pools = self.average_pools
        for e in entries:
            no, item_no, location, quantity = e.entry_no, e.item_no, e.location_code, e.quantity
            items[no] = e
            by_order[e.order_id].append(no)
            by_item[item_no].append(no)
            on_hand[(item_no, location)] += quantity
            total[item_no] += quantity
            in_bin[(item_no, location, e.bin_code)] += quantity
            kind = e.entry_type
            if kind is _CONSUMPTION:
                if e.component_line_no is not None:
                    self.consumed[(e.order_id, e.order_line_no, e.component_line_no)] -= quantity
            elif kind is _OUTPUT:
                self.output[(e.order_id, e.order_line_no)] += quantity
                self.outputs_by_order[e.order_id].append(no)
                self.order_costs[e.order_id][(e.order_line_no, OUTPUT_QUANTITY)] += quantity
            taken_from = applied_from(e)
            if taken_from is not None:
                self.reversed[(ValueSource.ITEM, taken_from)] += abs(quantity)
            if e.lot_no or e.serial_no:
                self._apply_tracking(e)
            for pool in pools[item_no].values() if item_no in pools else ():
                if pool.key.holds(e):
                    pool.add(e, ZERO)  # its value entries follow

    def _apply_capacity(self, entries: tuple[CapacityLedgerEntry, ...]) -> None:
        for c in entries:
            self.capacity[c.entry_no] = c
            if c.order_id is not None:
                self.capacity_by_order[c.order_id].append(c.entry_no)
            centres = {c.work_center_no}
            if c.type is _MACHINE_CENTER:
                centres.add(c.no)
            day = c.posted_at.date()
            for centre in centres:
                self.capacity_by_centre[centre].append(c.entry_no)
                self.capacity_used_by_day[(centre, day)] += c.used_time
            if c.applies_to_entry_no is not None:
                self.reversed[(ValueSource.CAPACITY, c.applies_to_entry_no)] += c.applied_quantity

    def _apply_values(self, entries: tuple[ValueEntry, ...]) -> None:
        values, by_order, by_source = self.values, self.values_by_order, self.values_by_source
        for v in entries:
            no, order_id, source = v.entry_no, v.order_id, v.source
            values[no] = v
            if order_id is not None:
                by_order[order_id].append(no)
            source_no = v.item_entry_no if source is _ITEM else v.capacity_entry_no
            if source_no is not None:
                by_source[(source, source_no)].append(no)
            if moves_inventory(v):  # (of an item entry: worked out once)
                amount = v.cost_amount
                if v.item_no is not None:
                    self.item_value[v.item_no] += amount
                if source_no is not None:
                    self._revalue(v, source_no, amount)
            if order_id is not None:
                self._apply_order_value(v, order_id)

    def _apply_gl(
        self, postings: tuple[tuple[AccountRole, str, Decimal, str | None], ...], posting_no: int
    ) -> None:
        accounts, by_order, wip = self.accounts, self.gl_batches_by_order, self.wip_by_order
        for role, account, amount, order_id in postings:
            accounts[account] += amount
            if order_id is not None:
                batches = by_order[order_id]
                if not batches or batches[-1] != posting_no:
                    batches.append(posting_no)
                if role is _WIP:
                    wip[order_id] += amount

    def _apply_order_value(self, v: ValueEntry, order_id: str) -> None:
        """Add an order's value entry to the order's cost sums, and to its output values
        if it is an item value entry on one of the order's output entries or on none."""
        source: ItemLedgerEntry | CapacityLedgerEntry | None = None
        if v.source is _ITEM:
            no = v.item_entry_no
            if no is None:
                self.output_values_by_order[order_id].append(v.entry_no)
                return  # (values no entry: no cost of the order's)
            source = self.items.get(no) or self.outside_items(no)
            if source is not None and source.entry_type is _OUTPUT and source.order_id == order_id:
                self.output_values_by_order[order_id].append(v.entry_no)
                return  # (output is no cost of the order's)
        elif v.capacity_entry_no is not None:
            no = v.capacity_entry_no
            source = self.capacity.get(no) or self.outside_capacity(no)
        key = order_cost_key(v, source)
        if key is not None:
            self.order_costs[order_id][key] += v.cost_amount

    def output_entries(self, order_id: str) -> list[ItemLedgerEntry]:
        """The order's output entries (reversals included), in entry order."""
        return [self.items[no] for no in self.outputs_by_order.get(order_id, ())]

    def output_values(self, order_id: str) -> list[ValueEntry]:
        """The order's item value entries on its output entries or on no item entry, in
        entry order."""
        return [self.values[no] for no in self.output_values_by_order.get(order_id, ())]

    def gl_entries(self, order_id: str | None = None) -> list[GLEntry]:
        """The G/L lines, all or those of ``order_id``, in entry-number order."""
        if order_id is None:
            return [g for b in self.batches.values() for g in b.gl_entries]
        batches = (self.batches[no] for no in self.gl_batches_by_order.get(order_id, ()))
        return [g for b in batches for g in b.gl_entries if g.order_id == order_id]

    def _revalue(self, v: ValueEntry, entry_no: int, amount: Decimal) -> None:
        """Pass an item value entry that moves inventory (``amount``, on the item entry
        ``entry_no``) on to the item's pools."""
        e = self.items.get(entry_no)
        item_no = e.item_no if e is not None else v.item_no
        self.revalued_items.add(item_no)
        pools = self.average_pools
        for pool in pools[item_no].values() if item_no in pools else ():
            pool.revalue(entry_no, amount)

    def _tracked(self, item_no: str, lot_no: str, serial_no: str) -> list[ItemLedgerEntry]:
        return [self.items[n] for n in self.tracked_entry_nos(item_no, lot_no, serial_no)]

    def _apply_marks(self, batch: PostingBatch) -> None:
        """Mark the item entries whose cost item cost adjustment must look at again
        (BC's entries not adjusted): each entry a value entry of a later batch values,
        an outbound entry of an earlier batch applied now (it went below zero), a
        tracked outbound entry (valued at posting before its lot was known), a move's
        outbound entry (valued at the item card's cost), the entries the batch asks
        for (``cost_marked``). Item cost
        adjustment's own batch clears the marks it forwarded and marks nothing."""
        marks = self.marks
        if not batch.cost_adjusted:
            # one pass over each kind of entry the batch holds, no set built (a batch
            # usually values only its own entries: nothing to mark)
            entries = batch.item_entries
            own = {e.entry_no for e in entries}
            for v in batch.value_entries:
                no = v.item_entry_no
                if no is not None and no not in own and v.source is _ITEM:
                    marks[no] = True
            for a in batch.item_applications or ():
                if a.outbound_entry_no not in own:
                    marks[a.outbound_entry_no] = True
            for e in entries:
                if e.quantity < 0 and (e.lot_no or e.serial_no or e.entry_type is _TRANSFER):
                    marks[e.entry_no] = True
            for no in batch.cost_marked:
                marks[no] = True
        for no in batch.cost_adjusted:
            marks[no] = False

    def _apply_tracking(self, e: ItemLedgerEntry) -> None:
        key = (e.item_no, e.location_code, e.lot_no, e.serial_no)
        self.lot_on_hand_by_location[key] += e.quantity
        self.lot_keys_by_item[e.item_no].add(key[1:])
        self.lot_on_hand_total[(e.item_no, e.lot_no, e.serial_no)] += e.quantity
        if e.lot_no:
            self.items_by_lot[(e.item_no, e.lot_no)].append(e.entry_no)
        if e.serial_no:
            self.items_by_serial[(e.item_no, e.serial_no)].append(e.entry_no)

    def _apply_applications(
        self, entries: tuple[ItemLedgerEntry, ...], applications: tuple[ItemApplication, ...]
    ) -> None:
        # (item, location, inbound): an entry's direction is its quantity's sign
        keys = {e.entry_no: (e.item_no, e.location_code, e.quantity > 0) for e in entries}
        for a in applications:
            self.applications[a.outbound_entry_no].append(a)
            self.applications[a.inbound_entry_no].append(a)
            keys[a.inbound_entry_no] = (a.item_no, a.location_code, True)
            keys[a.outbound_entry_no] = (a.item_no, a.location_code, False)
        for no, delta in remaining_deltas(entries, applications).items():
            pool = self.open_by_key[keys[no]]
            left = pool.get(no, ZERO) + delta
            if left:
                pool[no] = self.remaining[no] = left
            else:  # closed (or, staged, unchanged): not kept
                pool.pop(no, None)
                self.remaining.pop(no, None)

    # queries over this index alone (the memory adapter adds staged and committed)

    def on_hand(self, item_no: str, location_code: str | None = None) -> Decimal:
        if location_code is None:
            return self.on_hand_total.get(item_no, ZERO)
        return self.on_hand_by_location.get((item_no, location_code), ZERO)

    def on_hand_in_bin(self, item_no: str, location_code: str, bin_code: str) -> Decimal:
        return self.bins.on_hand_in_bin(item_no, location_code, bin_code)

    def lot_on_hand(
        self, item_no: str, lot_no: str, serial_no: str = "", location_code: str | None = None
    ) -> Decimal:
        """On hand of one lot / serial (``lot_no`` and ``serial_no`` as posted together)."""
        if location_code is None:
            return self.lot_on_hand_total.get((item_no, lot_no, serial_no), ZERO)
        return self.lot_on_hand_by_location.get((item_no, location_code, lot_no, serial_no), ZERO)

    def lot_balances(self, item_no: str, location_code: str | None = None) -> list[LotBalance]:
        """The lots / serials of ``item_no`` with a quantity, by location, lot, serial."""
        return [
            LotBalance(item_no, loc, lot, serial, qty)
            for loc, lot, serial in sorted(self.lot_keys_by_item.get(item_no, ()))
            if location_code is None or loc == location_code
            if (qty := self.lot_on_hand_by_location[(item_no, loc, lot, serial)])
        ]

    def tracked_entry_nos(self, item_no: str, lot_no: str, serial_no: str) -> list[int]:
        """The numbers of the entries of ``item_no`` with serial ``serial_no`` (when given,
        and lot ``lot_no`` if that is given too) or else with lot ``lot_no``."""
        if serial_no:
            nos = self.items_by_serial.get((item_no, serial_no), [])
            return [n for n in nos if not lot_no or self.items[n].lot_no == lot_no]
        return list(self.items_by_lot.get((item_no, lot_no), []))

    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal:
        return self.consumed.get((order_id, line_no, component_line_no), ZERO)

    def output_quantity(self, order_id: str, line_no: int) -> Decimal:
        return self.output.get((order_id, line_no), ZERO)

    def wip(self, order_id: str) -> Decimal:
        return self.wip_by_order.get(order_id, ZERO)

    def account_balance(self, account: str) -> Decimal:
        return self.accounts.get(account, ZERO)

    def order_cost_sums(self, order_id: str) -> dict[tuple[int, str], Decimal]:
        """The order's cost sums by (order line, kind), those not zero (see
        :func:`order_cost_key`)."""
        return {key: amount for key, amount in self.order_costs.get(order_id, {}).items() if amount}

    def order_cost_rows(self) -> dict[tuple[str, int, str], Decimal]:
        """Every cost sum by (order, order line, kind), as a SQL store keeps its rows."""
        return {
            (order_id, *key): amount
            for order_id, sums in self.order_costs.items()
            for key, amount in sums.items()
        }

    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal:
        """What reversals (and, of a consumption, returns) took back of the entry."""
        return self.reversed.get((source, entry_no), ZERO)

    def remaining_quantity(self, entry_no: int) -> Decimal:
        return self.remaining.get(entry_no, ZERO)

    def inventory_value(self, item_no: str) -> Decimal:
        return self.item_value.get(item_no, ZERO)

    def average_unit_cost(self, key: AveragePoolKey, start: dt.date | None) -> Decimal | None:
        """The average cost of the pool ``key`` in the period starting ``start`` (None:
        the moving average), None if the pool holds nothing (see
        :class:`~prodcore.ledger.average_periods.AveragePool`); the pool is built from
        this index's entries when first asked for, then kept on append."""
        return self.average_pool(key).unit_cost(start)

    def average_pool(self, key: AveragePoolKey) -> AveragePool:
        pools = self.average_pools[key.item_no]
        pool = pools.get(key)
        if pool is None:
            entries = (self.items[no] for no in self.items_by_item.get(key.item_no, ()))
            pool = pools[key] = AveragePool.build(key, entries, self.entry_value)
        return pool

    def entry_value(self, entry_no: int) -> Decimal:
        """The inventory value of the item entry ``entry_no`` (its value entries that
        move inventory)."""
        found = (
            self.values[no] for no in self.values_by_source.get((ValueSource.ITEM, entry_no), ())
        )
        return exact_sum(v.cost_amount for v in found if moves_inventory(v))

    def open_entries(
        self, item_no: str, location_code: str, inbound: bool
    ) -> list[tuple[int, Decimal]]:
        return sorted(self.open_by_key.get((item_no, location_code, inbound), {}).items())

    def cost_marks(self) -> list[int]:
        """The item entries whose cost changed since item cost adjustment last
        forwarded it, in entry order."""
        return sorted(no for no, marked in self.marks.items() if marked)

    def item_applications(self, entry_no: int) -> list[ItemApplication]:
        found = self.applications.get(entry_no, ())
        return sorted(found, key=lambda a: (a.outbound_entry_no, a.inbound_entry_no))

    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal:
        """Setup + run time posted on ``centre_no`` (a work centre includes its machine
        centres) from ``start`` to ``end`` inclusive, in the centre's capacity unit."""
        days = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
        return exact_sum(self.capacity_used_by_day.get((centre_no, day), ZERO) for day in days)


def empty_read_only_index() -> LedgerIndex:
    """An index nothing was applied to, whose tables refuse writes: what a unit of work
    that staged nothing answers its queries from (each answers zero, or nothing),
    shared by all of them without one able to leave anything in it for another.

    >>> index = empty_read_only_index()
    >>> index.on_hand("A"), index.open_entries("A", "", True), index.order_cost_sums("PO")
    (Decimal('0'), [], {})
    >>> index.accounts["2140"] = Decimal(1)
    Traceback (most recent call last):
    ...
    TypeError: 'mappingproxy' object does not support item assignment
    """
    index = LedgerIndex()
    for owner in (index, index.bins):
        for name, table in vars(owner).items():
            if isinstance(table, dict):
                setattr(owner, name, MappingProxyType({}))
            elif isinstance(table, set):
                setattr(owner, name, frozenset())
    return index
