"""An entry and its reversal net to exactly zero on the operation too: with a routing in
minutes and a centre in hours, 20 minutes post 0.33333 h (residual kept) and the
reversal takes back the 20 minutes the posting added to the operation, not 0.33333 h
converted back (19.9998 min, which left 0.0002 min posted)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prodcore.adapters import Store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.ledger import ValueSource
from prodcore.masterdata import (
    CapacityType,
    Item,
    ManufacturingSetup,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.journals import OutputLine, PostOutput, ReverseEntry
from prodcore.orders.lifecycle import CreateOrder
from prodcore.orders.model import OrderStatus
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)

CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
D = Decimal


def _posted(store: Store, setup: int, run: int) -> None:
    minutes = Duration(0, TimeUnit.MINUTE)
    put_master_data(
        store(),
        [
            WorkCenter("WC", direct_unit_cost=24, capacity_unit=TimeUnit.HOUR),
            Item("P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
            Routing(
                "R",
                (
                    RoutingLine(
                        "10", CapacityType.WORK_CENTER, "WC", setup_time=minutes, run_time=minutes
                    ),
                    RoutingLine("20", CapacityType.WORK_CENTER, "WC"),
                ),
            ),
        ],
        setup=ManufacturingSetup(),
    )
    handle(
        store(),
        CreateOrder("PO-1", "P", 3, due_date=dt.date(2026, 3, 9), status=OrderStatus.RELEASED),
        clock=CLOCK,
    )
    line = OutputLine(
        "PO-1", 10000, "10", output_quantity=3, setup_time=Duration(setup), run_time=Duration(run)
    )
    handle(store(), PostOutput("O", (line,)), clock=CLOCK)


@pytest.mark.parametrize("parts", [(None,), (1, None), (1, 1, 1)])
def test_20_minutes_posted_then_reversed_leave_exactly_zero(
    store: Store, parts: tuple[int | None, ...]
) -> None:
    _posted(store, 10, 20)
    with store() as uow:
        op = uow.orders.get("PO-1").lines[0].operations[0]
        assert (op.posted_setup_time, op.posted_run_time) == (D(10), D(20))
    for n, qty in enumerate(parts):
        handle(store(), ReverseEntry(f"R{n}", ValueSource.CAPACITY, 1, quantity=qty), clock=CLOCK)
    with store() as uow:
        op = uow.orders.get("PO-1").lines[0].operations[0]
        caps = uow.ledger.capacity_entries(order_id="PO-1")
    assert (op.posted_setup_time, op.posted_run_time) == (D(0), D(0))
    assert sum((c.run_time for c in caps), D(0)) == 0
    assert sum((c.quantity + c.rounding_residual for c in caps), D(0)) == 0
    assert caps[0].operation_times == (D(10), D(20))
