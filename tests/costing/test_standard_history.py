"""Implemented standards are stored with a date; variances and the D365 view are measured
against the one in force at the output; implementing with stock on hand revalues it.

Figures from worked examples D4/D5: FRAME, lot 10, 2 TUBE @ 5, welding 1 h setup +
0.5 h/unit on WELD (direct 20, indirect 10 %, overhead rate 2: 24/h), item indirect 5 %,
overhead rate 1: standard 26.62 = 10 + 12 + 0 + 2.40 + 2.22.

Raising WELD's direct cost to 25 (29.50/h) after implementing, and running an order of
10 exactly at standard quantities (20 TUBE, 1 h + 5 h): actual material 100, capacity
6 h x 25 = 150, capacity overhead 6 h x (2.50 + 2) = 27, manufacturing overhead
(100 + 150 + 27) x 5 % + 10 = 23.85, total 300.85 against 266.20 at standard: variances
capacity +30, capacity overhead +3, manufacturing overhead +1.65 (34.65), rounding 0.
"""

# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import attrs
import pytest

from prodcore.adapters import Store
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import adjust_cost, handle, implement_standard_cost, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing import CostShares, ImplementStandardCost
from prodcore.costing.history import stored_history
from prodcore.costing.variance import order_cost_views
from prodcore.errors import NotAllowedError
from prodcore.ledger.model import AccountRole, PostingSetup, ValueEntryType, VarianceType
from prodcore.masterdata import Item, WorkCenter
from prodcore.masterdata.standards import StandardCostHistory, StandardCostVersion
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.execution import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.ports import UnitOfWork
from prodcore.reports import ledger_report
from tests.costing.test_variance_views import d4_records
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)

D = Decimal
T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 4, 1, 8, tzinfo=dt.UTC)
WELD_25 = WorkCenter(
    "WELD",
    capacity_unit=TimeUnit.HOUR,
    direct_unit_cost=25,
    indirect_cost_percent=10,
    overhead_rate=2,
)


def _records() -> list:  # type: ignore[type-arg]
    # the card starts off the rollup, so implementing changes it
    return [
        attrs.evolve(r, standard_cost=D(1)) if isinstance(r, Item) and r.no == "FRAME" else r
        for r in d4_records()
    ]


def _run(uow: UnitOfWork, order_id: str, at: dt.datetime, *, output: int = 10) -> None:
    clock = FixedClock(at)
    handle(
        uow,
        CreateOrder(order_id, "FRAME", 10, due_date=at.date(), status=OrderStatus.RELEASED),
        clock=clock,
    )
    handle(
        uow,
        PostConsumption(f"{order_id}/C", (ConsumptionLine(order_id, 10000, 10000, D(20)),)),
        clock=clock,
    )
    handle(
        uow,
        PostOutput(
            f"{order_id}/O",
            (
                OutputLine(
                    order_id,
                    10000,
                    "10",
                    output_quantity=output,
                    setup_time=Duration(1, TimeUnit.HOUR),
                    run_time=Duration(5, TimeUnit.HOUR),
                    finished=True,
                ),
            ),
        ),
        clock=clock,
    )


def _finish_and_adjust(uow: UnitOfWork, order_id: str, at: dt.datetime) -> dict[str, Decimal]:
    clock = FixedClock(at)
    handle(uow, ChangeStatus(order_id, OrderStatus.FINISHED), clock=clock)
    result = adjust_cost(uow, order_id, clock=clock, idempotency_key=f"{order_id}/ADJ")
    assert result.batch is not None
    posted: dict[str, Decimal] = {}
    for v in result.batch.value_entries:
        key = v.variance_type.value if v.variance_type is not None else v.entry_type.value
        posted[key] = posted.get(key, D(0)) + v.cost_amount
    return posted


def _implemented_uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork(InMemoryStore())
    put_master_data(uow, _records())
    changes = implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T0))
    assert [(c.item_no, c.new) for c in changes] == [("FRAME", D("26.62"))]
    return uow


def test_implement_stores_the_shares_and_calculation_with_the_date() -> None:
    uow = _implemented_uow()
    with uow:
        history = uow.master_data.standard_costs("FRAME")
    (version,) = history.versions
    assert version.effective_from == T0.date()
    assert version.shares == CostShares("10", "12", "0", "2.4", "2.22")
    assert version.calculation is not None and version.calculation.unit_cost == D("26.62")
    # implementing the same standard again stores nothing new and reports nothing
    assert implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T1)) == ()
    with uow:
        assert uow.master_data.standard_costs("FRAME") == history


def test_a_raised_rate_after_implementing_is_a_capacity_variance_not_rounding() -> None:
    uow = _implemented_uow()
    put_master_data(uow, [WELD_25])  # raised after implementing, not implemented
    _run(uow, "PO-1", T1)
    posted = _finish_and_adjust(uow, "PO-1", T1)
    assert posted == {
        "DIRECT_COST": D(0),  # output stays at 266.20, the standard
        "INDIRECT_COST": D("23.85"),
        VarianceType.CAPACITY.value: D("30.00"),
        VarianceType.CAPACITY_OVERHEAD.value: D("3.00"),
        VarianceType.MANUFACTURING_OVERHEAD.value: D("1.65"),
    }  # no material variance, and no ROUNDING entry: nothing is left to round
    with uow:
        assert uow.ledger.wip("PO-1") == 0


def test_the_d365_view_prices_the_lines_at_the_implemented_standard() -> None:
    uow = _implemented_uow()
    put_master_data(uow, [WELD_25])
    _run(uow, "PO-1", T1)
    handle(uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=FixedClock(T1))
    views = order_cost_views(uow, "PO-1")
    (analysis,) = views.analyses
    # 6 h cost 177 (150 direct + 27 indirect) against 6 h x 24 implemented: price +33
    assert (analysis.quantity, analysis.price, analysis.substitution) == (0, 33, 0)
    assert analysis.overhead == D("1.65")  # 23.85 - 10 x 2.22
    assert analysis.total == analysis.expected_total == D("34.65")
    assert views.breakdown.variance == CostShares(0, 30, 0, 3, "1.65")


def test_variances_use_the_standard_in_force_at_the_output_date() -> None:
    uow = _implemented_uow()
    _run(uow, "PO-1", T1)  # valued at 26.62
    put_master_data(uow, [WELD_25])
    changes = implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T2))
    # the new standard 30.085: 10 + 15 + 0 + 2.70 + 2.385; 10 on hand revalued by 34.65
    assert [(c.new, c.revaluation) for c in changes] == [(D("30.085"), D("34.65"))]
    with uow:
        history = uow.master_data.standard_costs("FRAME")
    assert [v.effective_from for v in history.versions] == [T0.date(), T2.date()]
    # PO-1 ran at the old rate and its output was posted under the first standard:
    # measured against 26.62 it has no variance at all (against today's 30.085 it would
    # show -34.65 of variances and +34.65 of rounding)
    assert set(_finish_and_adjust(uow, "PO-1", T2)) == {"DIRECT_COST", "INDIRECT_COST"}
    # PO-2 runs at the new rate after T2: measured against 30.085, again no variance
    _run(uow, "PO-2", T2)
    assert set(_finish_and_adjust(uow, "PO-2", T2)) == {"DIRECT_COST", "INDIRECT_COST"}


MAR_5 = dt.date(2026, 3, 5)
MAR_11 = dt.datetime(2026, 3, 11, 8, tzinfo=dt.UTC)


def _output_dated(uow: UnitOfWork, order_id: str, day: dt.date) -> Decimal:
    """Run an order of 10 at WELD 25 on Mar 11, its output posted at ``day``; the output's
    value."""
    clock = FixedClock(MAR_11)
    handle(
        uow,
        CreateOrder(order_id, "FRAME", 10, due_date=day, status=OrderStatus.RELEASED),
        clock=clock,
    )
    handle(
        uow,
        PostConsumption(f"{order_id}/C", (ConsumptionLine(order_id, 10000, 10000, D(20)),)),
        clock=clock,
    )
    line = OutputLine(
        order_id,
        10000,
        "10",
        output_quantity=10,
        setup_time=Duration(1, TimeUnit.HOUR),
        run_time=Duration(5, TimeUnit.HOUR),
        finished=True,
    )
    result = handle(uow, PostOutput(f"{order_id}/O", (line,), posting_date=day), clock=clock)
    assert result.batch is not None
    (output_value,) = [v for v in result.batch.value_entries if v.item_no == "FRAME"]
    return output_value.cost_amount


def test_output_is_valued_at_the_standard_in_force_at_its_posting_date() -> None:
    uow = _implemented_uow()  # 26.62 from Mar 2
    put_master_data(uow, [WELD_25])
    (change,) = implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T1))
    assert (change.new, T1.date()) == (D("30.085"), dt.date(2026, 3, 10))
    # registered on Mar 11, back-dated to Mar 5 when 26.62 was in force: 10 x 26.62
    assert _output_dated(uow, "PO-1", MAR_5) == D("266.20")
    # and measured against the same 26.62: the raised rate is a variance, no rounding
    assert _finish_and_adjust(uow, "PO-1", MAR_11) == {
        "DIRECT_COST": D(0),
        "INDIRECT_COST": D("23.85"),
        VarianceType.CAPACITY.value: D("30.00"),
        VarianceType.CAPACITY_OVERHEAD.value: D("3.00"),
        VarianceType.MANUFACTURING_OVERHEAD.value: D("1.65"),
    }
    # dated Mar 11, under 30.085: 300.85, exactly the actual cost, so no variance at all
    assert _output_dated(uow, "PO-2", MAR_11.date()) == D("300.85")
    assert set(_finish_and_adjust(uow, "PO-2", MAR_11)) == {"DIRECT_COST", "INDIRECT_COST"}


def test_output_dated_before_any_implementation_keeps_the_card_standard() -> None:
    uow = _implemented_uow()  # the first version is effective Mar 2
    assert _output_dated(uow, "PO-1", dt.date(2026, 3, 1)) == D("266.20")
    with uow:
        assert uow.master_data.item("FRAME").standard_cost == D("26.62")


def revalued_uow() -> InMemoryUnitOfWork:
    """The frame's standard implemented, PO-1's 10 frames put on hand, then WELD's rate
    raised and the new standard implemented: 26.62 → 30.085, 10 on hand revalued."""
    uow = _implemented_uow()
    _run(uow, "PO-1", T1)
    put_master_data(uow, [WELD_25])
    implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T2))
    return uow


def test_revaluation_is_visible_in_the_ledger_and_the_gl() -> None:
    uow = revalued_uow()
    with uow:
        revals = [
            v for v in uow.ledger.value_entries() if v.entry_type is ValueEntryType.REVALUATION
        ]
        assert [(v.item_no, v.valued_quantity, v.cost_amount) for v in revals] == [
            ("FRAME", 10, D("34.65"))
        ]
        (reval,) = revals
        gl = [g for g in uow.ledger.gl_entries() if g.value_entry_no == reval.entry_no]
        assert sorted((g.role, g.amount) for g in gl) == [
            (AccountRole.INVENTORY, D("34.65")),
            (AccountRole.INVENTORY_ADJUSTMENT, D("-34.65")),
        ]
        item = uow.master_data.item("FRAME")
        assert (item.standard_cost, item.unit_cost) == (D("30.085"), D("30.085"))
        text = ledger_report(uow.ledger, [])
    assert re.search(r"REVALUATION +ITEM \d+ +FRAME +0 +34.65", text)
    # implementing again: nothing posted, nothing stored
    count = len(revals)
    assert implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T2)) == ()
    with uow:
        assert (
            len(
                [
                    v
                    for v in uow.ledger.value_entries()
                    if v.entry_type is ValueEntryType.REVALUATION
                ]
            )
            == count
        )


def test_revaluation_goes_to_the_revaluation_account_of_the_posting_setup() -> None:
    uow = _implemented_uow()
    with uow:
        uow.ledger.put_posting_setup(PostingSetup(revaluation="7280"))
        uow.commit()
    _run(uow, "PO-1", T1)
    put_master_data(uow, [WELD_25])
    implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T2))
    with uow:
        assert uow.ledger.account_balance("7280") == D("-34.65")
        assert uow.ledger.account_balance("7270") == 0


def test_revaluation_covers_only_the_remaining_quantity() -> None:
    uow = _implemented_uow()
    _run(uow, "PO-1", T1)
    handle(
        uow,
        AdjustInventory("NEG", (AdjustmentLine("FRAME", D(-4)),)),
        clock=FixedClock(T1),
    )
    put_master_data(uow, [WELD_25])
    changes = implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T2))
    # 6 left of the output's 10: (30.085 - 26.62) x 6 = 20.79
    assert [c.revaluation for c in changes] == [D("20.79")]


def test_negative_inventory_refuses_and_changes_nothing() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    put_master_data(uow, _records())
    implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T0))
    handle(
        uow,
        AdjustInventory("NEG", (AdjustmentLine("FRAME", D(-3)),)),
        clock=FixedClock(T1),
    )
    put_master_data(uow, [WELD_25])
    master, batches = dict(store.master), len(store.ledger.values)
    with pytest.raises(NotAllowedError, match="negative"):
        implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T2))
    assert store.master == master and len(store.ledger.values) == batches


def test_a_standard_dated_before_the_latest_is_refused() -> None:
    uow = _implemented_uow()
    put_master_data(uow, [WELD_25])
    with pytest.raises(NotAllowedError, match="latest standard"):
        implement_standard_cost(
            uow, ImplementStandardCost(), clock=FixedClock(T0 - dt.timedelta(days=1))
        )
    with uow:
        assert len(uow.master_data.standard_costs("FRAME").versions) == 1


def test_history_lookup_and_order() -> None:
    v1 = StandardCostVersion(T0.date(), shares=CostShares(material=1))
    v2 = StandardCostVersion(T1.date(), shares=CostShares(material=2))
    h = StandardCostHistory("X").with_version(v1).with_version(v2)
    assert h.in_force(T0.date()) == v1 and h.in_force(T2.date()) == v2
    v3 = attrs.evolve(v2, shares=CostShares(material=3))
    assert h.with_version(v3).versions[-1].shares.material == 3
    with pytest.raises(NotAllowedError):
        h.with_version(StandardCostVersion(T0.date(), shares=CostShares(material=9)))


def test_the_history_round_trips_in_every_store(store: Store) -> None:
    uow = store()
    put_master_data(uow, _records())
    implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T0))
    put_master_data(uow, [WELD_25])
    implement_standard_cost(uow, ImplementStandardCost(), clock=FixedClock(T2))
    with store() as fresh:
        history = stored_history(fresh.master_data, "FRAME")
    assert [(v.effective_from, v.standard_cost) for v in history.versions] == [
        (T0.date(), D("26.62")),
        (T2.date(), D("30.085")),
    ]
    assert history.versions[0].calculation is not None
    assert history.versions[0].calculation.lines[1].std_price == 24
