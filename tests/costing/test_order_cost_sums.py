"""An order's actual cost from the cost sums the ledger keeps per order line equals the
cost worked out from the order's entries (the oracle below), on every store; ``verify``
re-adds the sums from the entries and reports a stored sum that differs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings

from prodcore.adapters import MemoryStoreFactory, Store, open_store
from prodcore.adapters._sql import SqlStore
from prodcore.adapters._staging import StagedLedger
from prodcore.app import adjust_cost, put_master_data
from prodcore.costing import CostShares
from prodcore.costing.actual import OrderCost, actual_cost
from prodcore.integrity import verify
from prodcore.ledger import ItemEntryType, ValueEntryType, ValueSource
from prodcore.ledger.balances import MATERIAL_TYPES
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    CostingMethod,
    Item,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.model import ProductionOrder
from prodcore.ports import UnitOfWork
from prodcore.records import revise
from tests.costing import chain
from tests.costing.test_actual_properties import Scenario, run_on, scenarios
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)

ZERO = Decimal(0)


def cost_from_entries(order: ProductionOrder, uow: UnitOfWork) -> dict[int, tuple[object, ...]]:
    """The oracle: per order line, its direct cost shares and output quantity from the
    order's item, capacity and value entries, each value entry classified by the entry it
    values (the manufacturing overhead is a function of these two)."""
    ledger, md = uow.ledger, uow.master_data
    items = {e.entry_no: e for e in ledger.item_entries(order_id=order.id)}
    centres = {c.entry_no: c.work_center_no for c in ledger.capacity_entries(order_id=order.id)}
    shares: dict[int, dict[str, Decimal]] = {
        line.line_no: dict.fromkeys(("material", "cap", "sub", "ovhd", "output"), ZERO)
        for line in order.lines
    }
    for output in items.values():
        if output.entry_type is ItemEntryType.OUTPUT and output.order_line_no in shares:
            shares[output.order_line_no]["output"] += output.quantity
    for v in ledger.value_entries(order_id=order.id):
        line = shares.get(v.order_line_no or 0)
        if line is None:
            continue
        if v.source is ValueSource.ITEM:
            e = items.get(v.item_entry_no or 0)
            if (
                e is not None
                and e.entry_type is ItemEntryType.CONSUMPTION
                and v.entry_type in MATERIAL_TYPES
            ):
                line["material"] -= v.cost_amount
        elif v.capacity_entry_no in centres:
            if v.entry_type is ValueEntryType.INDIRECT_COST:
                line["ovhd"] += v.cost_amount
            elif v.entry_type is ValueEntryType.DIRECT_COST:
                sub = md.work_center(centres[v.capacity_entry_no]).is_subcontracted
                line["sub" if sub else "cap"] += v.cost_amount
    return {
        no: (CostShares(s["material"], s["cap"], s["sub"], s["ovhd"]), s["output"])
        for no, s in shares.items()
    }


def _from_sums(cost: OrderCost) -> dict[int, tuple[object, ...]]:
    """Per order line, the direct cost shares and output quantity of ``cost``."""
    return {
        line.line_no: (revise(line.actual, manufacturing_overhead=ZERO), line.output_quantity)
        for line in cost.lines
    }


def _check_against_entries(s: Scenario, factory: Store) -> None:
    uow = factory()
    clock = run_on(s, uow)
    with uow:
        order = uow.orders.get("PO")
        finished = actual_cost(order, uow.ledger, uow.master_data)
        assert _from_sums(finished) == cost_from_entries(order, uow)
    adjust_cost(uow, "PO", clock=clock, idempotency_key="A1")
    with uow:  # adjustment's entries (on output) are no cost: the sums do not move
        order = uow.orders.get("PO")
        assert actual_cost(order, uow.ledger, uow.master_data) == finished
        assert cost_from_entries(order, uow) == _from_sums(finished)
        outputs = [
            e
            for e in uow.ledger.item_entries(order_id="PO")
            if e.entry_type is ItemEntryType.OUTPUT
        ]
        assert uow.ledger.output_entries("PO") == outputs
        nos = {e.entry_no for e in outputs}
        assert uow.ledger.output_values("PO") == [
            v
            for v in uow.ledger.value_entries(order_id="PO")
            if v.source is ValueSource.ITEM and (v.item_entry_no is None or v.item_entry_no in nos)
        ]
    report = verify(factory)
    assert report.ok, report


@given(scenarios())
def test_the_cost_from_the_sums_is_the_cost_from_the_entries_in_memory(s: Scenario) -> None:
    with open_store("memory:") as factory:
        _check_against_entries(s, factory)


@settings(max_examples=25, deadline=None)
@given(scenarios())
def test_the_cost_from_the_sums_is_the_cost_from_the_entries_on_sqlite(s: Scenario) -> None:
    with open_store("sqlite:///:memory:") as factory:
        _check_against_entries(s, factory)


# --------------------------------------------------------------------------- tampering


@pytest.fixture(params=["memory", "sqlite"])
def posted(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An order with consumption, capacity on a subcontracted centre, output and a
    reversal, finished and adjusted."""
    url = "memory:" if request.param == "memory" else f"sqlite:///{tmp_path / 'sums.db'}"
    with open_store(url) as factory:
        uow = factory()
        clock = run_on(_SCENARIO, uow)
        adjust_cost(uow, "PO", clock=clock, idempotency_key="A1")
        assert verify(factory).ok
        yield factory


def _first_sum(factory: Store) -> tuple[tuple[int, str], Decimal]:
    with factory() as uow:
        return sorted(uow.ledger.order_cost_sums("PO").items())[0]


def _tamper(factory: Store, key: tuple[str, int, str], amount: Decimal) -> None:
    if isinstance(factory, MemoryStoreFactory):
        factory.store.ledger.order_costs[key[0]][key[1:]] = amount
        return
    assert isinstance(factory, SqlStore)
    with factory.transaction() as tx:  # a part that makes the sum ``amount``
        rows = tx.query(
            "SELECT qty FROM prodcore_bal_order_cost "
            "WHERE order_id = ? AND line_no = ? AND kind = ?",
            key,
        )
        part = amount - sum((Decimal(qty) for (qty,) in rows), ZERO)
        tx.execute(
            "INSERT INTO prodcore_bal_order_cost (order_id, line_no, kind, posting_no, qty) "
            "VALUES (?, ?, ?, -1, ?)",
            (*key, str(part)),
        )


def test_a_changed_cost_sum_is_reported(posted: Store) -> None:
    (line_no, kind), amount = _first_sum(posted)
    _tamper(posted, ("PO", line_no, kind), amount + 1)
    report = verify(posted)
    assert not report.ok
    expected = f"order cost balance ('PO', {line_no}, '{kind}'): stored {amount + 1}, "
    assert f"{expected}entries add up to {amount}" in str(report), report


def test_a_cost_sum_no_entry_accounts_for_is_reported(tmp_path: Path) -> None:
    # (a SQL store's rows: the memory store keeps no sum the entries do not make)
    with open_store(f"sqlite:///{tmp_path / 'ghost.db'}") as factory:
        run_on(_SCENARIO, factory())
        _tamper(factory, ("GHOST", 10000, "material"), Decimal(5))
        report = verify(factory)
    assert not report.ok
    assert "order cost balance ('GHOST', 10000, 'material'): stored 5, no entries" in str(report)


def test_an_upgraded_store_sums_the_cost_posted_before(tmp_path: Path) -> None:
    """A store written before the sums and the output index existed gets them from its
    entries on upgrade."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url) as factory:
        uow = factory()
        run_on(_SCENARIO, uow)
        with uow:
            expected = uow.ledger.order_cost_sums("PO"), uow.ledger.output_entries("PO")
        assert all(expected)
        assert isinstance(factory, SqlStore)
        with factory.transaction() as tx:  # as the release before wrote it
            tx.execute("DROP TABLE prodcore_bal_order_cost")
            tx.execute("DROP TABLE prodcore_output_entries")
            tx.execute("DELETE FROM prodcore_schema_migrations WHERE version >= 13")
    with open_store(url) as factory:
        with factory() as uow:
            assert (uow.ledger.order_cost_sums("PO"), uow.ledger.output_entries("PO")) == expected
        assert verify(factory).ok


def _scenario() -> Scenario:
    """One flow with every kind of sum: material (with a return), capacity on an own
    and a subcontracted centre, capacity overhead, and a reversed output."""
    centres = [
        WorkCenter(
            "WELD",
            capacity_unit=TimeUnit.HOUR,
            direct_unit_cost=Decimal(40),
            indirect_cost_percent=Decimal(10),
        ),
        WorkCenter(
            "PAINT",
            capacity_unit=TimeUnit.MINUTE,
            direct_unit_cost=Decimal("1.5"),
            overhead_rate=Decimal("0.1"),
            subcontractor_no="V-1",
        ),
    ]
    routing = Routing(
        "R",
        (
            RoutingLine(
                "10", CapacityType.WORK_CENTER, "WELD", run_time=Duration(1, TimeUnit.HOUR)
            ),
            RoutingLine(
                "20", CapacityType.WORK_CENTER, "PAINT", run_time=Duration(10, TimeUnit.MINUTE)
            ),
        ),
    )
    md = MasterData.of(
        items=[
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                costing_method=CostingMethod.AVERAGE,
                indirect_cost_percent=Decimal(5),
                overhead_rate=Decimal(1),
                production_bom_no="B",
                routing_no="R",
            ),
            Item("TUBE", base_unit="PCS", unit_cost=Decimal("12.50")),
            Item("PAINT", base_unit="L", unit_cost=Decimal("4.20")),
        ],
        boms=[ProductionBom("B", (BomLine("TUBE", 2), BomLine("PAINT", Decimal("0.5"))))],
        routings=[routing],
        work_centers=centres,
    )
    return Scenario(
        md,
        10,
        ((10000, 10000, Decimal(20)), (10000, 20000, Decimal(5)), (10000, 10000, Decimal(-2))),
        ((10000, 6, 1, 30, 120), (10000, 4, 0, 0, 60)),
        reverse=2,
    )


_SCENARIO = _scenario()


# --------------------------------------------------------------------------- reads


@pytest.mark.parametrize("url", ["memory:", "sqlite:///:memory:"])
def test_adjusting_an_order_reads_no_entry_list_of_it_but_its_output(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(url) as factory:
        uow = factory()
        clock = run_on(_SCENARIO, uow)
        lists: list[tuple[str, object]] = []
        for name in (
            "item_entries",
            "capacity_entries",
            "value_entries",
            "gl_entries",
            "output_entries",
            "output_values",
        ):
            monkeypatch.setattr(StagedLedger, name, _spy(name, lists))
        result = adjust_cost(uow, "PO", clock=clock, idempotency_key="A1")
        assert result.batch is not None
        assert sorted(set(lists)) == [("output_entries", "PO"), ("output_values", "PO")]
        monkeypatch.undo()
        assert verify(factory).ok


def _spy(name: str, calls: list[tuple[str, object]]) -> Callable[..., object]:
    read = getattr(StagedLedger, name)

    def spied(self: StagedLedger, *args: object, **kwargs: object) -> object:
        calls.append((name, kwargs.get("order_id", args[0] if args else None)))
        return read(self, *args, **kwargs)

    return spied


def test_an_output_index_row_that_differs_is_reported(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'index.db'}") as factory:
        run_on(_SCENARIO, factory())
        assert isinstance(factory, SqlStore)
        with factory.transaction() as tx:
            tx.execute("UPDATE prodcore_output_entries SET order_id = 'ELSEWHERE'")
        report = verify(factory)
    assert not report.ok
    assert "output entries PO: the store lists [], the entries make [" in str(report), report


def test_a_cost_forwarded_into_consumption_moves_the_sums(store: Store) -> None:
    """Item cost adjustment values committed consumption again (a later batch than the
    entries it values): the orders' material sums take the change, on every store."""
    put_master_data(store(), chain.items())
    receipt = chain.receive(store, "buy", "R", 10, "5.00")
    chain.produce(store, "PO-S", "S", 10)
    chain.produce(store, "PO-F", "F", 10)
    chain.adjust(store, "settle")
    chain.correct(store, "R@6", receipt, "6.00")
    chain.adjust(store, "run-1")
    with store() as uow:
        for order_id in ("PO-S", "PO-F"):
            order = uow.orders.get(order_id)
            cost = actual_cost(order, uow.ledger, uow.master_data)
            assert cost.actual.material == Decimal("60.00")
            assert _from_sums(cost) == cost_from_entries(order, uow)
    report = verify(store)
    assert report.ok, report.problems


def test_a_run_of_several_levels_is_remembered_by_the_batch_posted_under_its_key(
    store: Store,
) -> None:
    """Item cost adjustment posts a batch per level; the first carries the command's key,
    and the result, its idempotency record and a repeat of the command name that one."""
    put_master_data(store(), chain.items())
    receipt = chain.receive(store, "buy", "R", 10, "5.00")
    chain.produce(store, "PO-S", "S", 10)
    chain.produce(store, "PO-F", "F", 10)
    chain.adjust(store, "settle")
    chain.correct(store, "R@6", receipt, "6.00")
    first, _ = chain.adjust(store, "run-1")
    again, posted = chain.adjust(store, "run-1")
    assert not posted  # the repeat posts nothing
    assert first.batch is not None and first.batch.idempotency_key == "run-1"
    assert again.batch == first.batch
    with store() as uow:
        keyed = [b for b in uow.ledger.batches() if b.document_no == first.batch.document_no]
    assert len(keyed) > 1  # several levels
    assert [b.idempotency_key for b in keyed][-1] is None
