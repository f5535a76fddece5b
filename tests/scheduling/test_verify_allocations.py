"""``verify`` re-checks stored allocations: tampered ones are reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from prodcore.adapters import Store, open_store
from prodcore.adapters._sql import SqlStore
from prodcore.app import handle, put_master_data
from prodcore.app.scheduling import reschedule_shop
from prodcore.clock import FixedClock
from prodcore.integrity import verify
from prodcore.masterdata import CapacityType, Item, MasterData, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.lifecycle import CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.scheduling.checks import allocation_problems
from prodcore.scheduling.schedule import Allocation
from prodcore.testing.shop import operation, routed_order, weekday_calendar

MON = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
WC = CapacityType.WORK_CENTER


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A and B (4 hours each on the one-machine SAW) scheduled Monday 08-12 and 12-16."""
    url = "memory:" if request.param == "memory" else f"sqlite:///{tmp_path / 'alloc.db'}"
    with open_store(url) as opened:
        put_master_data(opened(), [
            weekday_calendar(), WorkCenter("SAW", calendar_code="S"), WorkCenter("DRILL"),
            Routing("R", (RoutingLine("10", WC, "SAW", run_time=Duration(60)),)),
            Item("ONE", base_unit="PCS", routing_no="R"),
        ])  # fmt: skip
        for order_id in ("A", "B"):
            handle(opened(), CreateOrder(order_id, "ONE", 4, due_date=MON.date()),
                   clock=FixedClock(MON))  # fmt: skip
        reschedule_shop(opened(), clock=FixedClock(MON))
        assert verify(opened).ok
        yield opened


def _tamper(store: Store, order_id: str, change: dict[str, Any]) -> list[str]:
    with store() as uow:
        changed = [attrs.evolve(a, **change) for a in uow.orders.allocations(order_id)]
        uow.orders.put_allocations(order_id, changed)
        uow.commit()
    return [str(p) for p in verify(store).problems]


def test_an_allocation_of_an_unknown_operation_is_reported(store: Store) -> None:
    assert _tamper(store, "B", {"operation_no": "99"}) == [
        "allocation B/10000/99: operation 99 of line 10000 is not on the order"
    ]


def test_an_allocation_on_a_centre_the_operation_does_not_use_is_reported(store: Store) -> None:
    assert _tamper(store, "B", {"no": "DRILL", "work_center_no": "DRILL"}) == [
        "allocation B/10000/10: WC DRILL is not a centre operation 10 runs on"
    ]


def test_overlapping_allocations_beyond_capacity_are_reported(store: Store) -> None:
    # B moved onto A's morning: two at once on a one-machine centre
    assert _tamper(store, "B", {"starting": MON, "ending": MON + dt.timedelta(hours=4)}) == [
        "allocation WC SAW: capacity 1 exceeded from 2026-03-02T08:00:00+00:00: 2 in use"
    ]


def test_an_allocation_row_of_an_unknown_order_is_reported(store: Store) -> None:
    # the store refuses allocations of an order it does not hold: only a row can lie
    if not isinstance(store, SqlStore):
        pytest.skip("a SQL row")
    with store.transaction() as tx:
        tx.execute(
            "UPDATE prodcore_allocations SET order_id = 'GHOST', "
            'doc = replace(doc, \'"order_id": "B"\', \'"order_id": "GHOST"\') '
            "WHERE order_id = 'B'"
        )
    assert [str(p) for p in verify(store).problems] == [
        "allocation GHOST/10000/10: order GHOST does not exist"
    ]


def test_finished_orders_and_unknown_centres_are_reported() -> None:
    md = MasterData.of(work_centers=[WorkCenter("SAW")])
    done = routed_order("F", [operation("10", "SAW", run=60)], status=OrderStatus.FINISHED)
    gone = routed_order("G", [operation("10", "GONE", run=60)])

    def booked(order_id: str, no: str) -> Allocation:
        return Allocation(order_id, OrderStatus.RELEASED, 1, "10", WC, no, no, MON.date(), MON,
                          MON + dt.timedelta(hours=1), 0, 60)  # fmt: skip

    found = list(allocation_problems({"F": done, "G": gone}, [booked("F", "SAW"),
                                                               booked("G", "GONE")], md))  # fmt: skip
    assert found == [("F/1/10", "order F is finished"), ("G/1/10", "WC GONE does not exist")]
