"""Average cost period and calculation type (BC's Inventory Setup): every outbound entry
of an average-cost item in a period (per location with *Item & Location & Variant*) is
valued at (value at the start of the period + inbound value in it) / (quantity at the
start + inbound quantity in it), at posting as far as known and exactly after item cost
adjustment. Worked examples with exact figures per period and calculation type, and a
property over random postings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodcore.adapters import MemoryStoreFactory, Store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing.item_adjustment import AdjustItemCosts
from prodcore.errors import InvalidValueError
from prodcore.ledger.model import ItemLedgerEntry
from prodcore.ledger.valuation import entry_value
from prodcore.masterdata import (
    AverageCostCalcType,
    AverageCostPeriod,
    CostingMethod,
    Item,
    ManufacturingSetup,
)
from prodcore.masterdata.average_cost import period_start
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)

D = Decimal
CLOCK = FixedClock(dt.datetime(2026, 4, 30, 8, tzinfo=dt.UTC))
ITEM = AverageCostCalcType.ITEM
BY_LOCATION = AverageCostCalcType.ITEM_LOCATION_VARIANT


def _shop(store: Store, period: AverageCostPeriod, calc: AverageCostCalcType = ITEM) -> None:
    setup = ManufacturingSetup(average_cost_period=period, average_cost_calc_type=calc)
    item = Item("A", base_unit="PCS", unit_cost=5, costing_method=CostingMethod.AVERAGE)
    put_master_data(store(), [item], setup=setup)


def _post(
    store: Store,
    key: str,
    day: int,
    qty: int,
    cost: str | None = None,
    *,
    month: int = 3,
    location: str = "",
) -> int:
    """Post ``qty`` of A (a receipt at ``cost``, or an outbound) dated ``month``/``day``;
    its item entry number."""
    line = AdjustmentLine("A", qty, location, unit_cost=None if cost is None else D(cost))
    result = handle(
        store(), AdjustInventory(key, (line,), posting_date=dt.date(2026, month, day)), clock=CLOCK
    )
    assert result.batch is not None
    return result.batch.item_entries[0].entry_no


def _value(store: Store, entry_no: int) -> Decimal:
    with store() as uow:
        return entry_value(uow.ledger, entry_no)


def _adjust(store: Store, key: str) -> dict[int, Decimal]:
    """Run item cost adjustment; the change it posted per item entry."""
    with store() as uow:
        before = len(uow.ledger.value_entries())
    handle(store(), AdjustItemCosts(key), clock=CLOCK)
    changes: dict[int, Decimal] = defaultdict(Decimal)
    with store() as uow:
        for v in uow.ledger.value_entries()[before:]:
            assert v.item_entry_no is not None
            changes[v.item_entry_no] += v.cost_amount
    return dict(changes)


def test_month_every_outbound_entry_takes_the_months_average(store: Store) -> None:
    _shop(store, AverageCostPeriod.MONTH)
    _post(store, "in-1", 2, 10, "5.00")  # 50.00
    early = _post(store, "out-1", 3, -5)  # the month so far: 50 / 10
    assert _value(store, early) == D("-25.00")
    _post(store, "in-2", 20, 10, "8.00")  # 80.00
    late = _post(store, "out-2", 25, -10)  # (50 + 80) / 20 = 6.50
    assert _value(store, late) == D("-65.00")
    # April starts with 5 worth 130 - 97.50 = 32.50 (March settled as adjustment will)
    _post(store, "in-3", 2, 5, "9.00", month=4)  # 45.00
    april = _post(store, "out-3", 3, -5, month=4)  # (32.50 + 45) / 10 = 7.75
    assert _value(store, april) == D("-38.75")
    # adjustment brings the early one to the month's 6.50: -25 -> -32.50
    assert _adjust(store, "run-1") == {early: D("-7.50")}
    with store() as uow:
        assert (uow.ledger.on_hand("A"), uow.ledger.inventory_value("A")) == (D(5), D("38.75"))
        assert uow.master_data.item("A").unit_cost == D("7.75")
    assert _adjust(store, "run-2") == {}


def test_day_an_inbound_entry_later_the_same_day_counts() -> None:
    store = MemoryStoreFactory()
    _shop(store, AverageCostPeriod.DAY)
    _post(store, "in-1", 2, 10, "5.00")
    out = _post(store, "out-1", 3, -5)  # at posting: 50 / 10
    _post(store, "in-2", 3, 10, "8.00")  # the same day: (50 + 80) / 20 = 6.50
    assert _value(store, out) == D("-25.00")
    assert _adjust(store, "run-1") == {out: D("-7.50")}
    next_day = _post(store, "out-2", 4, -5)  # 15 worth 97.50 at the day's start
    assert _value(store, next_day) == D("-32.50")
    assert _adjust(store, "run-2") == {}


def test_entry_the_default_keeps_the_moving_average() -> None:
    store = MemoryStoreFactory()
    _shop(store, AverageCostPeriod.ENTRY)
    _post(store, "in-1", 2, 10, "5.00")
    out = _post(store, "out-1", 3, -5)
    _post(store, "in-2", 3, 10, "8.00")
    assert _value(store, out) == D("-25.00")
    assert _adjust(store, "run-1") == {}  # nothing is marked, nothing changes


@pytest.mark.parametrize(
    ("period", "calc", "at_posting", "after_west_receipt"),
    [
        # the item at both locations: (50 + 90) / 20 = 7, then (50 + 90 + 110) / 30
        (AverageCostPeriod.MONTH, ITEM, D("-28.00"), D("-5.33")),
        # EAST alone: 50 / 10 = 5, WEST's receipt changes nothing there
        (AverageCostPeriod.MONTH, BY_LOCATION, D("-20.00"), None),
        # no period: the moving average of the pool, a later receipt changes nothing
        (AverageCostPeriod.ENTRY, BY_LOCATION, D("-20.00"), None),
        (AverageCostPeriod.ENTRY, ITEM, D("-28.00"), None),
    ],
)
def test_calculation_type_pools_the_item_or_each_location(
    period: AverageCostPeriod,
    calc: AverageCostCalcType,
    at_posting: Decimal,
    after_west_receipt: Decimal | None,
) -> None:
    store = MemoryStoreFactory()
    _shop(store, period, calc)
    _post(store, "east", 2, 10, "5.00", location="EAST")
    _post(store, "west", 2, 10, "9.00", location="WEST")
    out = _post(store, "out", 5, -4, location="EAST")
    assert _value(store, out) == at_posting
    assert _adjust(store, "run-1") == {}
    _post(store, "west-2", 20, 10, "11.00", location="WEST")
    changes = _adjust(store, "run-2")
    if after_west_receipt is None:
        assert changes == {}
    else:  # 250 / 30 x 4 = 33.33: -28 -> -33.33
        assert changes == {out: after_west_receipt}
        assert _value(store, out) == D("-33.33")


def test_a_back_dated_receipt_moves_the_next_periods_too() -> None:
    store = MemoryStoreFactory()
    _shop(store, AverageCostPeriod.MONTH)
    _post(store, "in-1", 2, 10, "5.00")
    march = _post(store, "out-1", 20, -5)  # 5.00: -25
    april = _post(store, "out-2", 2, -5, month=4)  # 5 left worth 25: -25
    _post(store, "in-2", 10, 10, "8.00")  # back in March: (50 + 80) / 20 = 6.50
    assert _adjust(store, "run-1") == {march: D("-7.50"), april: D("-7.50")}
    # April: 15 worth 97.50 at its start, nothing received: 6.50 each
    assert (_value(store, march), _value(store, april)) == (D("-32.50"), D("-32.50"))


PERIODS = [AverageCostPeriod.DAY, AverageCostPeriod.WEEK, AverageCostPeriod.MONTH]


#: (day of March-April as 1..61, signed quantity, cost in cents, location)
POSTINGS = st.lists(
    st.tuples(
        st.integers(1, 61),
        st.integers(-8, 12).filter(bool),
        st.integers(100, 2000),
        st.sampled_from(["", "EAST"]),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    period=st.sampled_from(PERIODS),
    calc=st.sampled_from(list(AverageCostCalcType)),
    moves=POSTINGS,
)
def test_after_adjustment_every_outbound_entry_is_at_its_periods_average(
    period: AverageCostPeriod, calc: AverageCostCalcType, moves: list[tuple[int, int, int, str]]
) -> None:
    store = MemoryStoreFactory()
    _shop(store, period, calc)
    march_1 = dt.date(2026, 3, 1)
    for n, (day, qty, cents, location) in enumerate(moves):
        when = march_1 + dt.timedelta(days=day - 1)
        line = AdjustmentLine("A", qty, location, unit_cost=D(cents) / 100 if qty > 0 else None)
        handle(store(), AdjustInventory(f"m{n}", (line,), posting_date=when), clock=CLOCK)
    _adjust(store, "run-1")
    assert _adjust(store, "run-2") == {}  # a second run posts nothing
    with store() as uow:
        entries = uow.ledger.item_entries(item_no="A")
        value = {e.entry_no: entry_value(uow.ledger, e.entry_no) for e in entries}
        # conservation: what is on hand is worth the receipts less what went out
        assert uow.ledger.inventory_value("A") == sum(value.values(), D(0))
        residuals = {v.item_entry_no: v.rounding_residual for v in uow.ledger.value_entries()}
    # the oracle: per pool, period by period
    pools: dict[str, list[ItemLedgerEntry]] = defaultdict(list)
    for e in entries:
        pools[e.location_code if calc is BY_LOCATION else ""].append(e)
    for pool in pools.values():
        quantity = worth = D(0)
        starts = {e.entry_no: period_start(e.posted_at.date(), period) or march_1 for e in pool}
        for start in sorted(set(starts.values())):
            group = [e for e in pool if starts[e.entry_no] == start]
            for e in group:
                if e.quantity > 0:
                    quantity += e.quantity
                    worth += value[e.entry_no]
            out = [e for e in group if e.quantity < 0]
            if quantity > 0:
                average = worth / quantity
                for e in out:
                    # each at the average, to the cent (the last of a pool it empties
                    # takes the rest: at most half a cent per entry before it)
                    assert abs(value[e.entry_no] - average * e.quantity) <= D("0.005") * len(out)
                    assert e.entry_no in residuals
            quantity += sum((e.quantity for e in out), D(0))
            worth += sum((value[e.entry_no] for e in out), D(0))


@pytest.mark.parametrize(
    ("period", "accounting_periods", "adjusted"),
    [
        # March 3 and 9 are in different days and weeks: 50 / 10
        (AverageCostPeriod.DAY, (), D("-25.00")),
        (AverageCostPeriod.WEEK, (), D("-25.00")),
        # one month, quarter, year: (50 + 80) / 20 = 6.50
        (AverageCostPeriod.MONTH, (), D("-32.50")),
        (AverageCostPeriod.QUARTER, (), D("-32.50")),
        (AverageCostPeriod.YEAR, (), D("-32.50")),
        # accounting periods from the setup's starting dates
        (
            AverageCostPeriod.ACCOUNTING_PERIOD,
            (dt.date(2026, 3, 1), dt.date(2026, 3, 9)),
            D("-25.00"),
        ),
        (
            AverageCostPeriod.ACCOUNTING_PERIOD,
            (dt.date(2026, 3, 1), dt.date(2026, 3, 16)),
            D("-32.50"),
        ),
    ],
)
def test_each_period_type(
    period: AverageCostPeriod, accounting_periods: tuple[dt.date, ...], adjusted: Decimal
) -> None:
    store = MemoryStoreFactory()
    setup = ManufacturingSetup(average_cost_period=period, accounting_periods=accounting_periods)
    item = Item("A", base_unit="PCS", unit_cost=5, costing_method=CostingMethod.AVERAGE)
    put_master_data(store(), [item], setup=setup)
    _post(store, "in-1", 2, 10, "5.00")
    out = _post(store, "out", 3, -5)
    _post(store, "in-2", 9, 10, "8.00")
    _adjust(store, "run")
    assert _value(store, out) == adjusted


def test_accounting_periods_must_be_increasing_dates() -> None:
    with pytest.raises(InvalidValueError, match="accounting_periods"):
        ManufacturingSetup(accounting_periods=(dt.date(2026, 4, 1), dt.date(2026, 1, 1)))
    with pytest.raises(InvalidValueError, match="accounting_periods"):
        ManufacturingSetup(accounting_periods=("2026-01-01",))  # type: ignore[arg-type]
