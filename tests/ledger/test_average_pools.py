"""Average pools kept as entries arrive (:class:`AveragePool` in :class:`LedgerIndex`)
give the same unit cost as valuing the item's whole pool again at each posting (the
function posting used before, kept here as the oracle), with back-dated entries,
reversals, value changes, every period setting and calculation type; and the work per
posting does not grow with the number of earlier postings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.ledger.average_periods import AveragePool, AveragePoolKey
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.valuation import average_pool, period_averages
from prodcore.masterdata import AverageCostCalcType, AverageCostPeriod, ManufacturingSetup
from prodcore.masterdata.average_cost import period_start
from prodcore.numbers import ZERO

D = Decimal
YEAR = 2026
ACCOUNTING = (dt.date(YEAR, 1, 1), dt.date(YEAR, 2, 14), dt.date(YEAR, 5, 3))


def _oracle(
    index: LedgerIndex, setup: ManufacturingSetup, item_no: str, location: str, day: dt.date
) -> Decimal | None:
    """The unit cost as posting computed it before: the whole pool valued again."""
    entries = [index.items[no] for no in index.items_by_item.get(item_no, ())]
    pool = average_pool(entries, setup, location)
    if setup.average_cost_period is AverageCostPeriod.ENTRY:
        quantity = sum((e.quantity for e in pool), ZERO)
        worth = sum((index.entry_value(e.entry_no) for e in pool), ZERO)
        return worth / quantity if quantity > 0 else None
    averages = period_averages(pool, index.entry_value, setup, setup.amount_rounding)
    return averages.unit_cost(period_start(day, setup.average_cost_period, ACCOUNTING))


class _Ledger:
    """A LedgerIndex fed one batch per step, numbering entries as a store does."""

    def __init__(self) -> None:
        self.index = LedgerIndex()
        self.posting = self.entry = self.value = 0

    def post(
        self,
        kind: ItemEntryType,
        quantity: int,
        day: dt.date,
        worth: Decimal | None,
        *,
        location: str = "MAIN",
        applies_to: int | None = None,
    ) -> int:
        at = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
        self.posting += 1
        self.entry += 1
        e = ItemLedgerEntry(
            self.entry,
            kind,
            "A",
            D(quantity),
            unit="PCS",
            location_code=location,
            posted_at=at,
            applies_to_entry_no=applies_to,
        )
        values = () if worth is None else (self._value(self.entry, worth, at),)
        self.index.apply(
            PostingBatch(
                self.posting, "D", at, item_entries=(e,), value_entries=values, item_applications=()
            )
        )
        return self.entry

    def revalue(self, entry_no: int, amount: Decimal, day: dt.date) -> None:
        at = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
        self.posting += 1
        batch = PostingBatch(
            self.posting, "D", at, value_entries=(self._value(entry_no, amount, at),)
        )
        self.index.apply(batch)

    def _value(self, entry_no: int, amount: Decimal, at: dt.datetime) -> ValueEntry:
        self.value += 1
        return ValueEntry(
            self.value,
            ValueEntryType.DIRECT_COST,
            ValueSource.ITEM,
            amount,
            ZERO,
            currency="EUR",
            item_entry_no=entry_no,
            item_no="A",
            posted_at=at,
        )


_SETUPS = st.builds(
    ManufacturingSetup,
    average_cost_period=st.sampled_from(list(AverageCostPeriod)),
    average_cost_calc_type=st.sampled_from(list(AverageCostCalcType)),
    accounting_periods=st.just(ACCOUNTING),
)
_DAYS = st.integers(0, 200).map(lambda n: dt.date(YEAR, 1, 1) + dt.timedelta(days=n))
_AMOUNTS = st.integers(-5000, 20000).map(lambda n: D(n) / 100)
_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["in", "in", "out", "out", "reverse", "revalue", "move", "unoutput"]),
        st.integers(1, 20),
        _DAYS,
        _AMOUNTS,
        st.sampled_from(["MAIN", "EAST"]),
        st.integers(0, 10**6),  # picks an earlier entry
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(setups=st.lists(_SETUPS, min_size=1, max_size=3), steps=_STEPS, probes=st.lists(_DAYS))
def test_kept_pools_give_the_unit_costs_of_the_whole_pool_valued_again(
    setups: list[ManufacturingSetup], steps: list[tuple[object, ...]], probes: list[dt.date]
) -> None:
    ledger = _Ledger()
    outbound: list[int] = []
    for kind, qty, day, amount, location, pick in steps:
        assert isinstance(qty, int) and isinstance(day, dt.date) and isinstance(pick, int)
        assert isinstance(amount, Decimal) and isinstance(location, str)
        if kind == "in":
            ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, qty, day, amount, location=location)
        elif kind == "out":
            no = ledger.post(ItemEntryType.CONSUMPTION, -qty, day, ZERO, location=location)
            outbound.append(no)
        elif kind == "reverse" and outbound:
            original = ledger.index.items[outbound[pick % len(outbound)]]
            ledger.post(
                original.entry_type,
                int(-original.quantity),
                day,
                amount,
                location=original.location_code,
                applies_to=original.entry_no,
            )
        elif kind == "revalue" and ledger.entry:
            ledger.revalue(pick % ledger.entry + 1, amount, day)
        elif kind == "move":
            ledger.post(ItemEntryType.TRANSFER, -qty, day, amount, location=location)
        elif kind == "unoutput":
            ledger.post(ItemEntryType.OUTPUT, -qty, day, -amount, location=location)
        for setup in setups:  # asked after every step: the pools are kept in between
            for location in ("MAIN", "EAST"):
                for probe in (day, *probes[:3]):
                    _check(ledger.index, setup, location, probe)


def _check(index: LedgerIndex, setup: ManufacturingSetup, location: str, day: dt.date) -> None:
    key = AveragePoolKey.of(setup, "A", location)
    expected = _oracle(index, setup, "A", location, day)
    assert index.average_unit_cost(key, key.start(day)) == expected


MONTH = ManufacturingSetup(average_cost_period=AverageCostPeriod.MONTH)


def _day(month: int, day: int) -> dt.date:
    return dt.date(YEAR, month, day)


def test_a_month_shares_its_average_and_the_next_month_starts_from_its_end() -> None:
    ledger = _Ledger()
    key = AveragePoolKey.of(MONTH, "A", "MAIN")
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 10, _day(3, 2), D("50.00"))
    ledger.post(ItemEntryType.CONSUMPTION, -3, _day(3, 5), ZERO)
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 10, _day(3, 9), D("70.00"))
    # March: (50 + 70) / 20 for every outbound entry of March, the earlier one too
    assert ledger.index.average_unit_cost(key, _day(3, 1)) == D(6)
    # April starts from March's end: 17 units worth 120 - 3 x 6 = 102
    assert ledger.index.average_unit_cost(key, _day(4, 1)) == D(6)
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 3, _day(4, 7), D("30.00"))
    assert ledger.index.average_unit_cost(key, _day(4, 1)) == D("6.6")
    # a back-dated receipt in March changes March's average and so April's start:
    # March (120 + 9) / 21, 3 out at 18.43 (rounded): 18 units worth 110.57 at its end
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 1, _day(3, 20), D("9.00"))
    assert ledger.index.average_unit_cost(key, _day(3, 1)) == D(129) / D(21)
    assert ledger.index.average_unit_cost(key, _day(4, 1)) == D("140.57") / D(21)


def test_the_entry_that_empties_a_period_takes_the_rest_and_a_value_change_moves_on() -> None:
    ledger = _Ledger()
    key = AveragePoolKey.of(MONTH, "A", "MAIN")
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 3, _day(3, 2), D("10.00"))
    ledger.post(ItemEntryType.CONSUMPTION, -1, _day(3, 3), ZERO)  # -3.33
    ledger.post(ItemEntryType.CONSUMPTION, -2, _day(3, 4), ZERO)  # the rest: -6.67
    assert ledger.index.average_unit_cost(key, _day(4, 1)) is None  # nothing left
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 4, _day(4, 2), D("20.00"))
    assert ledger.index.average_unit_cost(key, _day(4, 1)) == D(5)
    # a cost adjustment of March's receipt (+2.00) is shared out in March: nothing more
    # left at its end, April unchanged; of April's receipt (+2.00): April at 5.50
    ledger.revalue(1, D("2.00"), _day(4, 30))
    assert ledger.index.average_unit_cost(key, _day(3, 1)) == D(4)
    assert ledger.index.average_unit_cost(key, _day(4, 1)) == D(5)
    ledger.revalue(4, D("2.00"), _day(4, 30))
    assert ledger.index.average_unit_cost(key, _day(4, 1)) == D("5.5")


def test_per_location_pools_and_moves_between_bins_left_out() -> None:
    per_location = ManufacturingSetup(
        average_cost_period=AverageCostPeriod.ENTRY,
        average_cost_calc_type=AverageCostCalcType.ITEM_LOCATION_VARIANT,
    )
    ledger = _Ledger()
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 10, _day(3, 2), D("50.00"))
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 10, _day(3, 2), D("90.00"), location="EAST")
    ledger.post(ItemEntryType.TRANSFER, -4, _day(3, 3), D("-20.00"))
    main, east = (AveragePoolKey.of(per_location, "A", loc) for loc in ("MAIN", "EAST"))
    assert ledger.index.average_unit_cost(main, None) == D(5)
    assert ledger.index.average_unit_cost(east, None) == D(9)


@pytest.mark.parametrize("period", [AverageCostPeriod.MONTH, AverageCostPeriod.DAY])
@pytest.mark.parametrize("n", [100, 1000])
def test_the_entries_read_per_posting_do_not_grow_with_earlier_postings(
    period: AverageCostPeriod, n: int
) -> None:
    """Counts, not time: over N receipts and outbound postings spread over a year, a
    posting in the period of the one before reads no entry, and a period's outbound
    entries are read once, when a posting of a later period first needs its end: one
    read per outbound entry over the run, for N = 100 as for N = 1,000."""
    setup = ManufacturingSetup(average_cost_period=period)
    key = AveragePoolKey.of(setup, "A", "MAIN")
    ledger = _Ledger()
    pool = ledger.index.average_pool(key)
    previous = None
    for i in range(n):
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=i * 365 // n)
        ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 2, day, D("10.00"))
        before = pool.reads
        assert ledger.index.average_unit_cost(key, key.start(day)) == D(5)
        if key.start(day) == previous:
            assert pool.reads == before
        previous = key.start(day)
        ledger.post(ItemEntryType.CONSUMPTION, -1, day, ZERO)
    ledger.index.average_unit_cost(key, dt.date(YEAR + 1, 1, 1))
    assert pool.reads == n


def test_a_pool_built_from_entries_equals_the_kept_one() -> None:
    ledger = _Ledger()
    key = AveragePoolKey.of(MONTH, "A", "MAIN")
    kept = ledger.index.average_pool(key)
    ledger.post(ItemEntryType.POSITIVE_ADJUSTMENT, 10, _day(3, 2), D("50.00"))
    ledger.post(ItemEntryType.CONSUMPTION, -3, _day(4, 5), ZERO)
    entries = list(ledger.index.items.values())
    built = AveragePool.build(key, entries, ledger.index.entry_value)
    assert (
        built.ends()
        == kept.ends()
        == [
            (_day(3, 1), D(10), D(50)),
            (_day(4, 1), D(7), D(35)),
        ]
    )
