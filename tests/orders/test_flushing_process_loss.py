"""Backward flushing with a planned process loss consumes what was put through, as the
expected consumption does: an order of 100 with 10 % loss expects 90 out and 3 x 100 =
300 of SEED in; flushing on the 90 posted consumes 300, not 3 x 90 = 270."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.masterdata import (
    BomLine,
    ConsumptionBasis,
    FlushingMethod,
    Item,
    NeedRounding,
    ProductionBom,
    Replenishment,
)
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.orders.flushing import consumption_needed, needed_for_output
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.orders.outputs import line_yield

D = Decimal
CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))


def _uow(method: FlushingMethod) -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork(InMemoryStore())
    put_master_data(
        uow,
        [
            Item(
                "OIL",
                base_unit="L",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="PRESS",
            ),
            Item("SEED", base_unit="KG", unit_cost=1, flushing_method=method),
            ProductionBom("PRESS", (BomLine("SEED", 3),), process_loss_percent=10),
        ],
    )
    handle(
        uow,
        CreateOrder("PO-1", "OIL", 100, due_date=dt.date(2026, 3, 9), status=OrderStatus.RELEASED),
        clock=CLOCK,
    )
    handle(
        uow,
        PostOutput("OUT", (OutputLine("PO-1", 10000, output_quantity=D(90)),)),
        clock=CLOCK,
    )
    return uow


def test_backward_flush_at_finish_consumes_what_was_put_through() -> None:
    uow = _uow(FlushingMethod.BACKWARD)
    with uow:
        (comp,) = uow.orders.get("PO-1").lines[0].components
        assert comp.expected_quantity == 300
    handle(uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=CLOCK)
    with uow:
        (comp,) = uow.orders.get("PO-1").lines[0].components
    assert comp.consumed_quantity == 300


def test_calculate_consumption_on_actual_output_counts_the_loss() -> None:
    uow = _uow(FlushingMethod.MANUAL)
    with uow:
        line = uow.orders.get("PO-1").lines[0]
        factor = line_yield(line, uow.master_data)
    assert factor == D("0.9")
    need = consumption_needed(
        line,
        line.components[0],
        ConsumptionBasis.ACTUAL_OUTPUT,
        NeedRounding(D("0.00001")),
        factor,
    )
    assert need == 300


@pytest.mark.parametrize(("yield_factor", "need"), [(D(1), D(270)), (D("0.9"), D(300))])
def test_needed_for_output_divides_by_the_yield(yield_factor: Decimal, need: Decimal) -> None:
    uow = _uow(FlushingMethod.MANUAL)
    with uow:
        (comp,) = uow.orders.get("PO-1").lines[0].components
    assert needed_for_output(comp, D(90), NeedRounding(D("0.00001")), yield_factor) == need
