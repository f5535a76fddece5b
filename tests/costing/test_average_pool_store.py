"""Average pools kept by the stores: what one posting reads is noted like a balance
(a rival's receipt in the period refuses the commit), a run of commands in one unit of
work values as the same commands one by one, and verify rebuilds the kept pools from
the entries and reports one that differs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodcore.adapters import MemoryStoreFactory, Store, open_store
from prodcore.adapters._sql import SqlStore
from prodcore.app import handle, handle_many
from prodcore.costing.item_adjustment import AdjustItemCosts
from prodcore.errors import ConcurrencyError
from prodcore.integrity import verify
from prodcore.ledger.average_periods import AveragePoolKey
from prodcore.ledger.valuation import average_pool, entry_value, period_averages
from prodcore.masterdata import AverageCostCalcType, AverageCostPeriod, ManufacturingSetup
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from tests.costing.test_average_cost_period import CLOCK, _post, _shop
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)
from tests.persistence.conftest import fresh_store

D = Decimal
MONTH = ManufacturingSetup(average_cost_period=AverageCostPeriod.MONTH)


def _adjust(key: str, qty: int, day: dt.date, cost: str | None = None) -> AdjustInventory:
    line = AdjustmentLine("A", qty, "", unit_cost=None if cost is None else D(cost))
    return AdjustInventory(key, (line,), posting_date=day)


def test_a_rivals_receipt_in_the_period_refuses_the_commit_of_what_read_its_average() -> None:
    store = MemoryStoreFactory()
    _shop(store, AverageCostPeriod.MONTH)
    _post(store, "in-1", 2, 10, "5.00")
    key = AveragePoolKey.of(MONTH, "A", "")
    march = dt.date(2026, 3, 1)
    with store() as uow:
        assert uow.ledger.average_unit_cost(key, march) == D(5)
        _post(store, "in-2", 3, 10, "7.00")  # committed meanwhile: March at 6.00
        uow.ledger.put_posting_setup(uow.ledger.posting_setup)
        with pytest.raises(ConcurrencyError):
            uow.commit()
    with store() as uow:
        assert uow.ledger.average_unit_cost(key, march) == D(6)


@pytest.mark.parametrize("calc", list(AverageCostCalcType))
def test_one_unit_of_work_values_a_run_as_the_same_commands_one_by_one(
    store: Store, calc: AverageCostCalcType
) -> None:
    days = [dt.date(2026, 3, 2), dt.date(2026, 3, 20), dt.date(2026, 4, 2), dt.date(2026, 3, 25)]
    commands = [
        _adjust("in-1", 10, days[0], "5.00"),
        _adjust("out-1", -3, days[0]),
        _adjust("in-2", 7, days[1], "8.00"),
        _adjust("out-2", -4, days[2]),
        _adjust("in-3", 3, days[3], "9.10"),  # back-dated into March
        _adjust("out-3", -5, days[2]),
    ]
    one_by_one = MemoryStoreFactory()
    _shop(one_by_one, AverageCostPeriod.MONTH, calc)
    for command in commands:
        handle(one_by_one(), command, clock=CLOCK)
    _shop(store, AverageCostPeriod.MONTH, calc)
    handle_many(store(), commands, clock=CLOCK)
    with store() as uow, one_by_one() as expected:
        got = [entry_value(uow.ledger, e.entry_no) for e in uow.ledger.item_entries()]
        want = [entry_value(expected.ledger, e.entry_no) for e in expected.ledger.item_entries()]
    assert got == want
    # out-2 in April starts from March's end: 17 in worth 106.00, out-1's 3 at March's
    # 6.2353 (-18.71): 14 worth 87.29, 4 out -> -24.94. The receipt back-dated into March
    # makes March 20 worth 133.30 (out-1: -20.00), April's start 17 worth 113.30: out-3's
    # 5 at 6.6647 -> -33.32
    assert got[3:] == [D("-24.94"), D("27.30"), D("-33.32")]


def test_verify_rebuilds_the_kept_pools_and_reports_one_that_differs() -> None:
    store = MemoryStoreFactory()
    _shop(store, AverageCostPeriod.MONTH)
    _post(store, "in-1", 2, 10, "5.00")
    _post(store, "out-1", 3, -4)
    _post(store, "out-2", 3, -2, month=4)
    report = verify(store)
    assert report.ok, report
    kept = store.store.ledger.average_pools["A"]
    assert len(kept) == 1
    pool = next(iter(kept.values()))
    pool.revalue(1, D("1.00"))  # a value change the entries do not show
    report = verify(store)
    assert [p.area for p in report.problems] == ["average pool"]
    assert "kept periods differ" in str(report)


_MOVES = st.lists(
    st.tuples(
        st.integers(-60, 59),  # days from March 1 (back-dated ones among them)
        st.integers(-12, 15).filter(bool),
        st.integers(100, 2000),  # a receipt's unit cost in cents
        st.sampled_from(["", "EAST"]),
        st.booleans(),  # run item cost adjustment after it
    ),
    max_size=14,
)


@pytest.mark.parametrize("kind", ["memory", "sqlite-memory"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    period=st.sampled_from(list(AverageCostPeriod)),
    calc=st.sampled_from(list(AverageCostCalcType)),
    moves=_MOVES,
)
def test_a_store_answers_the_average_of_the_whole_pool_valued_again(
    kind: str,
    period: AverageCostPeriod,
    calc: AverageCostCalcType,
    moves: list[tuple[int, int, int, str, bool]],
) -> None:
    """The store's kept pools (the memory store's index; a SQL store's pools brought up
    to date from what was committed since) answer, after every posting and cost
    adjustment run, what valuing the whole pool again answers."""
    setup = ManufacturingSetup(average_cost_period=period, average_cost_calc_type=calc)
    with fresh_store(kind) as store:
        _shop(store, period, calc)
        for n, (day, qty, cents, location, adjust) in enumerate(moves):
            when = dt.date(2026, 3, 1) + dt.timedelta(days=day)
            line = AdjustmentLine("A", qty, location, unit_cost=D(cents) / 100 if qty > 0 else None)
            handle(store(), AdjustInventory(f"m{n}", (line,), posting_date=when), clock=CLOCK)
            if adjust:
                handle(store(), AdjustItemCosts(f"a{n}"), clock=CLOCK)
            with store() as uow:
                entries = uow.ledger.item_entries(item_no="A")
                for probe in (when, dt.date(2026, 4, 30)):
                    for at in ("", "EAST"):
                        key = AveragePoolKey.of(setup, "A", at)
                        pool = average_pool(entries, setup, at)
                        if key.start(probe) is None:
                            worth = sum((entry_value(uow.ledger, e.entry_no) for e in pool), D(0))
                            quantity = sum((e.quantity for e in pool), D(0))
                            expected = worth / quantity if quantity > 0 else None
                        else:
                            run = period_averages(
                                pool,
                                partial(entry_value, uow.ledger),
                                setup,
                                setup.amount_rounding,
                            )
                            expected = run.unit_cost(key.start(probe))
                        assert uow.ledger.average_unit_cost(key, key.start(probe)) == expected


@pytest.mark.parametrize("n", [20, 60])
def test_a_sql_store_reads_only_what_was_committed_since_its_last_read(n: int) -> None:
    """Counts, not time: on SQLite, bringing a MONTH pool up to date after a receipt
    and an outbound posting reads the outbound entry and its value entry (posting it
    brought the pool up to date with the receipt), however many were posted before."""
    key = AveragePoolKey.of(MONTH, "A", "")
    with fresh_store("sqlite-memory") as store:
        assert isinstance(store, SqlStore)
        _shop(store, AverageCostPeriod.MONTH)
        read: list[int] = []

        def counting(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
            rows = store.query(sql, params)
            read.append(len(rows))
            return rows

        for i in range(n):
            day = 1 + i * 28 // n
            _post(store, f"in-{i}", day, 2, "5.00", month=1 + i % 4)
            _post(store, f"out-{i}", day, -1, month=1 + i % 4)
            store.average_pools.unit_cost(counting, key, dt.date(2026, 5, 1))
        assert read[1:] == [2] * (n - 1)


def test_verify_reports_a_sql_stores_pool_that_the_stored_entries_no_longer_make(
    tmp_path: Path,
) -> None:
    with open_store(f"sqlite:///{tmp_path / 'avg.db'}") as store:
        assert isinstance(store, SqlStore)
        _shop(store, AverageCostPeriod.MONTH)
        _post(store, "in-1", 2, 10, "5.00")
        _post(store, "out-1", 3, -4)
        _post(store, "out-2", 3, -2, month=4)
        assert verify(store).ok
        assert len(store.average_pools.pools(store.query)) == 1
        with store.transaction() as tx:  # the receipt's value rewritten behind the store
            tx.execute("DROP TRIGGER prodcore_value_entries_no_update")
            tx.execute(
                "UPDATE prodcore_value_entries SET doc = "
                'REPLACE(doc, \'"cost_amount_actual": "50.00"\', \'"cost_amount_actual": "60.00"\')'
                " WHERE entry_no = 1"
            )
        report = verify(store)
    assert "average pool ('A', None, 'MONTH'): kept periods differ" in str(report)
