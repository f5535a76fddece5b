"""The standard shares cost adjustment falls back to are rolled up once and kept with the
records the rollup read: they are the rollup of today's master data after any change of
those records, and a unit of work served from the kept result still notes its reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import put_master_data
from prodcore.costing import CostShares
from prodcore.costing import derived as derived_module
from prodcore.costing.adjustment import current_standard_shares, standard_shares
from prodcore.costing.derived import derived
from prodcore.errors import ConcurrencyError, NotFoundError
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    Item,
    MasterData,
    ProductionBom,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.ports import MasterDataRecord
from tests.costing.test_variance_views import d4_records


def _store(records: list[MasterDataRecord]) -> InMemoryStore:
    store = InMemoryStore()
    put_master_data(InMemoryUnitOfWork(store), records)
    return store


def _kept_and_fresh(store: InMemoryStore) -> tuple[dict[str, CostShares], dict[str, CostShares]]:
    with InMemoryUnitOfWork(store) as uow:
        kept = current_standard_shares(uow.master_data, ["FRAME"])
        fresh = standard_shares(MasterData.lazy(uow.master_data), ["FRAME"])
    return kept, fresh


def _routing_with(centre: str) -> MasterDataRecord:
    run = Duration("0.5", TimeUnit.HOUR)
    return Routing(
        "FRAME-RTG", (RoutingLine("10", CapacityType.WORK_CENTER, centre, run_time=run),)
    )


CHANGES: list[list[MasterDataRecord]] = [
    [Item("TUBE", base_unit="PCS", unit_cost=7)],  # a component's cost
    [WorkCenter("WELD", direct_unit_cost=30, overhead_rate=2)],  # a centre of the routing
    [ProductionBom("FRAME-BOM", (BomLine("TUBE", 2), BomLine("ROD", 1)))],  # another line
    [WorkCenter("CUT", direct_unit_cost=9), _routing_with("CUT")],  # another centre
]


@pytest.mark.parametrize("change", CHANGES, ids=["item", "centre", "bom", "routing"])
def test_after_a_change_of_a_record_it_read_the_result_is_rolled_up_again(
    change: list[MasterDataRecord],
) -> None:
    store = _store(d4_records())
    before, fresh = _kept_and_fresh(store)
    assert before == fresh and before["FRAME"].total > 0
    put_master_data(InMemoryUnitOfWork(store), change)
    after, fresh = _kept_and_fresh(store)
    assert after == fresh
    assert after != before


def test_a_record_it_found_missing_that_now_exists_counts_as_a_change() -> None:
    records = [r for r in d4_records() if r.no != "WELD"]
    store = _store(records)
    with InMemoryUnitOfWork(store) as uow, pytest.raises(NotFoundError):
        current_standard_shares(uow.master_data, ["FRAME"])
    put_master_data(InMemoryUnitOfWork(store), [WorkCenter("WELD", direct_unit_cost=1)])
    kept, fresh = _kept_and_fresh(store)
    assert kept == fresh


def test_an_unchanged_result_is_not_computed_again() -> None:
    store = _store(d4_records())
    calls: list[int] = []

    def compute(md: MasterData) -> Decimal:
        calls.append(1)
        return md.item("FRAME").standard_cost

    for _ in range(3):
        with InMemoryUnitOfWork(store) as uow:
            assert derived(uow.master_data, ("test", "FRAME"), compute) == Decimal("26.62")
    assert len(calls) == 1


def test_a_computation_that_lists_a_table_is_not_kept() -> None:
    store = _store(d4_records())
    calls: list[int] = []

    def count(md: MasterData) -> int:
        calls.append(1)
        return len(md.items)

    for _ in range(2):
        with InMemoryUnitOfWork(store) as uow:
            assert derived(uow.master_data, ("test", "count"), count) == 4
    assert len(calls) == 2


def test_a_kept_result_still_notes_the_reads_of_its_unit_of_work() -> None:
    store = _store(d4_records())
    _kept_and_fresh(store)  # kept
    uow = InMemoryUnitOfWork(store)
    with uow:
        current_standard_shares(uow.master_data, ["FRAME"])  # from the kept result
        put_master_data(InMemoryUnitOfWork(store), [Item("TUBE", base_unit="PCS", unit_cost=9)])
        uow.master_data.put(Item("OTHER", base_unit="PCS"))
        with pytest.raises(ConcurrencyError):
            uow.commit()


def test_results_are_kept_per_store_not_per_process() -> None:
    calls: list[str] = []

    def cost(md: MasterData) -> object:
        calls.append("computed")
        return md.item("FRAME").unit_cost

    first, second = _store(d4_records()), _store(d4_records())
    for store in (first, second, first, second):
        with InMemoryUnitOfWork(store) as uow:
            derived_module.derived(uow.master_data, ("cost", "FRAME"), cost)
    assert calls == ["computed", "computed"]  # once per store
    assert len(first.derived_memo) == len(second.derived_memo) == 1
