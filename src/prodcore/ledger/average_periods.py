"""Average cost pools kept as entries arrive, so that an outbound posting reads its
period's average in O(log n) amortized instead of revaluing the item's whole ledger.

An average pool is the item (calculation type *Item*) or the item at one location
(*Item & Location & Variant*), without moves between bins. With an average cost period,
every outbound entry of a period is valued at (value at the start of the period +
inbound value in the period) / (quantity at the start + inbound quantity in the
period), rounded, the entry that empties the pool taking the rest exactly (see
:func:`prodcore.ledger.valuation.period_averages`, which values a whole pool at once).

:class:`AveragePool` keeps, per period, the inbound quantity and value (running sums)
and the period's outbound entries and reversals; the state at each period's end is
computed once, when a posting of a later period first needs it, and computed again from
the earliest period a back-dated entry or a value change touches.

>>> import datetime as dt
>>> from decimal import Decimal
>>> from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry
>>> from prodcore.masterdata import AverageCostPeriod, ManufacturingSetup
>>> setup = ManufacturingSetup(average_cost_period=AverageCostPeriod.MONTH)
>>> pool = AveragePool(AveragePoolKey.of(setup, "A", "MAIN"))
>>> def entry(no, qty, month):
...     kind = ItemEntryType.POSITIVE_ADJUSTMENT if qty > 0 else ItemEntryType.CONSUMPTION
...     return ItemLedgerEntry(no, kind, "A", Decimal(qty), unit="PCS",
...                            posted_at=dt.datetime(2026, month, 2, tzinfo=dt.UTC))
>>> pool.add(entry(1, 10, 3), Decimal(50))   # March: 10 @ 5.00
>>> pool.add(entry(2, -3, 3), Decimal(0))    # 3 out in March
>>> pool.add(entry(3, 10, 3), Decimal(70))   # March: 10 @ 7.00
>>> pool.unit_cost(dt.date(2026, 3, 1)), pool.unit_cost(dt.date(2026, 4, 1))
(Decimal('6'), Decimal('6.00'))
>>> pool.add(entry(4, 3, 4), Decimal(30))    # April: 3 @ 10.00 on 17 @ 102.00
>>> pool.unit_cost(dt.date(2026, 4, 1))
Decimal('6.60')
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

import attrs

from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry
from prodcore.masterdata import AverageCostCalcType, AverageCostPeriod, ManufacturingSetup
from prodcore.masterdata.average_cost import period_start
from prodcore.numbers import ZERO, Rounding

__all__ = ["AveragePool", "AveragePoolKey", "revalued"]

_INBOUND, _OUTBOUND, _REVERSAL = 0, 1, 2


@attrs.frozen
class AveragePoolKey:
    """Which average an outbound entry takes: the item, the location (None: every
    location together) and the period settings of the setup.

    >>> from prodcore.masterdata import AverageCostCalcType, ManufacturingSetup
    >>> AveragePoolKey.of(ManufacturingSetup(), "A", "MAIN").location_code is None
    True
    >>> per_location = ManufacturingSetup(
    ...     average_cost_calc_type=AverageCostCalcType.ITEM_LOCATION_VARIANT)
    >>> AveragePoolKey.of(per_location, "A", "MAIN").location_code
    'MAIN'
    """

    item_no: str
    location_code: str | None
    period: AverageCostPeriod
    accounting_periods: tuple[dt.date, ...]
    rounding: Rounding

    @classmethod
    def of(cls, setup: ManufacturingSetup, item_no: str, location_code: str) -> AveragePoolKey:
        per_location = setup.average_cost_calc_type is AverageCostCalcType.ITEM_LOCATION_VARIANT
        return cls(
            item_no,
            location_code if per_location else None,
            setup.average_cost_period,
            setup.accounting_periods,
            setup.amount_rounding,
        )

    def holds(self, e: ItemLedgerEntry) -> bool:
        """Whether ``e`` is part of this pool (a move between bins never is)."""
        return (
            e.item_no == self.item_no
            and e.entry_type is not ItemEntryType.TRANSFER
            and (self.location_code is None or e.location_code == self.location_code)
        )

    def start(self, day: dt.date) -> dt.date | None:
        """The start of the period ``day`` falls in (None: no periods)."""
        return period_start(day, self.period, self.accounting_periods)


def revalued(e: ItemLedgerEntry) -> bool:
    """An outbound entry the average values (an output's reversal is its order's)."""
    return e.quantity < 0 and e.entry_type is not ItemEntryType.OUTPUT


class _Period:
    """One period of a pool: its inbound sums, its outbound entries and reversals."""

    __slots__ = ("in_quantity", "in_worth", "outbound", "reversals")

    def __init__(self) -> None:
        self.in_quantity = self.in_worth = ZERO
        self.outbound: list[ItemLedgerEntry] = []
        self.reversals: list[ItemLedgerEntry] = []

    def copy(self) -> _Period:
        new = _Period()
        new.in_quantity, new.in_worth = self.in_quantity, self.in_worth
        new.outbound, new.reversals = list(self.outbound), list(self.reversals)
        return new


class AveragePool:
    """One average pool's running state (see the module documentation). Entries are
    added in entry-number order; ``reads`` counts the entries period ends were
    computed from (a deterministic measure of the work done)."""

    def __init__(self, key: AveragePoolKey) -> None:
        self.key = key
        self.quantity = self.worth = ZERO  # the whole pool, at the entries' values
        self.reads = 0
        self._starts: list[dt.date] = []  # sorted
        self._periods: dict[dt.date, _Period] = {}
        self._ends: list[tuple[Decimal, Decimal]] = []  # of _starts[:len(_ends)]
        self._entries: dict[int, tuple[ItemLedgerEntry, dt.date | None, int]] = {}
        self._values: dict[int, Decimal] = {}
        self._targets: dict[int, Decimal] = {}  # outbound entries' values by the average

    @classmethod
    def build(
        cls,
        key: AveragePoolKey,
        entries: Iterable[ItemLedgerEntry],
        value: Callable[[int], Decimal],
    ) -> AveragePool:
        """The pool of ``key`` from the item's entries (in entry order) and ``value``,
        an entry's current value."""
        pool = cls(key)
        for e in entries:
            if key.holds(e):
                pool.add(e, value(e.entry_no))
        return pool

    def copy(self) -> AveragePool:
        """An independent copy (what is added to one is not added to the other), made
        of copies of the containers, not of the entries."""
        new = AveragePool(self.key)
        new.quantity, new.worth, new.reads = self.quantity, self.worth, self.reads
        new._starts = list(self._starts)
        new._periods = {start: period.copy() for start, period in self._periods.items()}
        new._ends = list(self._ends)
        new._entries = dict(self._entries)
        new._values = dict(self._values)
        new._targets = dict(self._targets)
        return new

    def add(self, e: ItemLedgerEntry, value: Decimal) -> None:
        """Add the pool's entry ``e`` valued ``value`` so far."""
        self.quantity += e.quantity
        self.worth += value
        self._values[e.entry_no] = value
        start = self.key.start(e.posted_at.date())
        if revalued(e):
            kind = _OUTBOUND
        elif e.quantity > 0 and self._kind(e.applies_to_entry_no) == _OUTBOUND:
            kind = _REVERSAL
        else:
            kind = _INBOUND
        self._entries[e.entry_no] = (e, start, kind)
        if start is None:
            return
        period = self._periods.get(start)
        if period is None:
            period = self._periods[start] = _Period()
            bisect.insort(self._starts, start)
        if kind == _OUTBOUND:
            period.outbound.append(e)
        elif kind == _REVERSAL:
            period.reversals.append(e)
        else:
            period.in_quantity += e.quantity
            period.in_worth += value
        self._touch(start)

    def revalue(self, entry_no: int, amount: Decimal) -> None:
        """A value entry of ``amount`` on the pool's entry ``entry_no`` (others: ignored)."""
        found = self._entries.get(entry_no)
        if found is None:
            return
        _, start, kind = found
        self._values[entry_no] += amount
        self.worth += amount
        if start is not None:
            if kind == _INBOUND:
                self._periods[start].in_worth += amount
            self._touch(start)

    def unit_cost(self, start: dt.date | None) -> Decimal | None:
        """The average cost of the period starting ``start`` (None: of the whole pool,
        the moving average); None when its pool holds nothing."""
        if start is None:
            quantity, worth = self.quantity, self.worth
        else:
            at = bisect.bisect_left(self._starts, start)
            quantity, worth = self._end(at - 1)
            period = self._periods.get(start)
            if period is not None:
                quantity += period.in_quantity
                worth += period.in_worth
        return worth / quantity if quantity > 0 else None

    def ends(self) -> list[tuple[dt.date, Decimal, Decimal]]:
        """Every period's start and the quantity and value at its end."""
        self._end(len(self._starts) - 1)
        return [(start, *end) for start, end in zip(self._starts, self._ends, strict=True)]

    def _kind(self, entry_no: int | None) -> int | None:
        found = self._entries.get(entry_no) if entry_no is not None else None
        return found[2] if found is not None else None

    def _touch(self, start: dt.date) -> None:
        """Forget the ends from the period starting ``start`` on."""
        del self._ends[bisect.bisect_left(self._starts, start) :]

    def _end(self, at: int) -> tuple[Decimal, Decimal]:
        """The quantity and value at the end of period number ``at`` (-1: none yet),
        computing the ends not known up to it."""
        while len(self._ends) <= at:
            known = len(self._ends)
            before = self._ends[-1] if known else (ZERO, ZERO)
            self._ends.append(self._close(self._starts[known], *before))
        return self._ends[at] if at >= 0 else (ZERO, ZERO)

    def _close(self, start: dt.date, quantity: Decimal, worth: Decimal) -> tuple[Decimal, Decimal]:
        period = self._periods[start]
        self.reads += len(period.outbound) + len(period.reversals)
        quantity += period.in_quantity
        worth += period.in_worth
        average = worth / quantity if quantity > 0 else None
        rounding = self.key.rounding
        for e in period.outbound:
            if average is None:  # nothing to average: it keeps its value
                target = self._values[e.entry_no]
            elif quantity + e.quantity == 0:
                target = -worth
            else:
                target = rounding.apply(average * e.quantity)
            self._targets[e.entry_no] = target
            quantity += e.quantity
            worth += target
        for e in period.reversals:
            original, original_start, _ = self._entries[e.applies_to_entry_no]  # type: ignore[index]
            assert original_start is not None
            if original_start <= start:
                target = rounding.apply(
                    self._targets[original.entry_no] / original.quantity * e.quantity
                )
            else:  # back-dated before what it reverses: as it is
                target = self._values[e.entry_no]
            quantity += e.quantity
            worth += target
        return quantity, worth
