"""Average pools kept by the stores: what one posting reads is noted like a balance
(a rival's receipt in the period refuses the commit), a run of commands in one unit of
work values as the same commands one by one, and verify rebuilds the kept pools from
the entries and reports one that differs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters import MemoryStoreFactory, Store
from prodcore.app import handle, handle_many
from prodcore.errors import ConcurrencyError
from prodcore.integrity import verify
from prodcore.ledger.average_periods import AveragePoolKey
from prodcore.ledger.valuation import entry_value
from prodcore.masterdata import AverageCostCalcType, AverageCostPeriod, ManufacturingSetup
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from tests.costing.test_average_cost_period import CLOCK, _post, _shop
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)

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
