"""Implementing rolled-up standard costs onto item cards (BC's Standard Cost Worksheet)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, implement_standard_cost, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing import ImplementStandardCost, StandardCostChange
from prodcore.masterdata import BomLine, CostingMethod, Item, ProductionBom, Replenishment
from prodcore.orders import ChangeStatus, CreateOrder, OrderStatus, OutputLine, PostOutput

CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))


def _uow() -> tuple[InMemoryStore, InMemoryUnitOfWork]:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    put_master_data(
        uow,
        [
            Item(
                "STOOL",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
                standard_cost=1,
            ),
            Item(
                "AVG",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
                costing_method=CostingMethod.AVERAGE,
                standard_cost=1,
            ),
            Item("LEG", base_unit="PCS", unit_cost="2.50"),
            ProductionBom("B", (BomLine("LEG", 3),)),
        ],
    )
    return store, uow


def test_only_produced_standard_items_change_and_are_reported() -> None:
    _, uow = _uow()
    changes = implement_standard_cost(uow, ImplementStandardCost(), clock=CLOCK)
    assert changes == (StandardCostChange("STOOL", Decimal(1), Decimal("7.50000")),)
    with uow:
        stool = uow.master_data.item("STOOL")
        assert (stool.standard_cost, stool.unit_cost) == (Decimal("7.5"), Decimal("7.5"))
        assert uow.master_data.item("AVG").standard_cost == 1  # average cost: untouched
    assert (
        implement_standard_cost(uow, ImplementStandardCost(), clock=CLOCK) == ()
    )  # nothing left to change


def test_stock_on_hand_is_revalued_at_the_new_standard() -> None:
    _store, uow = _uow()
    handle(
        uow,
        CreateOrder("PO-1", "STOOL", 2, due_date=dt.date(2026, 3, 9), status=OrderStatus.RELEASED),
        clock=CLOCK,
    )
    handle(
        uow,
        PostOutput("out-1", (OutputLine("PO-1", 10000, output_quantity=Decimal(2)),)),
        clock=CLOCK,
    )
    changes = implement_standard_cost(uow, ImplementStandardCost(("STOOL",)), clock=CLOCK)
    # 2 on hand at 1.00 revalued to 7.50: (7.50 - 1.00) x 2
    assert changes == (StandardCostChange("STOOL", Decimal(1), Decimal("7.5"), Decimal("13.00")),)
    handle(uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=CLOCK)


def test_the_standard_takes_effect_at_the_date_of_the_clock_given() -> None:
    _, uow = _uow()
    april = FixedClock(dt.datetime(2026, 4, 1, 8, tzinfo=dt.UTC))
    implement_standard_cost(uow, ImplementStandardCost(), clock=april)
    with uow:
        latest = uow.master_data.standard_costs("STOOL").latest
    assert latest is not None and latest.effective_from == dt.date(2026, 4, 1)


def test_implementing_without_a_clock_is_deprecated_and_takes_the_wall_clock() -> None:
    _, uow = _uow()
    before = dt.datetime.now(dt.UTC).date()
    with pytest.warns(DeprecationWarning, match="without clock= is deprecated"):
        changes = implement_standard_cost(uow, ImplementStandardCost())
    assert changes == (StandardCostChange("STOOL", Decimal(1), Decimal("7.50000")),)
    with uow:
        latest = uow.master_data.standard_costs("STOOL").latest
    assert latest is not None
    assert before <= latest.effective_from <= dt.datetime.now(dt.UTC).date()
