"""Alternative work centres of a routing line, chosen by finite scheduling."""

from __future__ import annotations

import datetime as dt

import pytest

from prodcore.adapters import open_store
from prodcore.app import handle, put_master_data
from prodcore.app.scheduling import reschedule_shop
from prodcore.clock import FixedClock
from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType, Item, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.lifecycle import CreateOrder
from prodcore.scheduling.schedule import CapacityMode, Direction, schedule_orders
from prodcore.serialization import dumps
from prodcore.testing.shop import capacity, operation, routed_order, weekday_calendar

MON = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
WC = CapacityType.WORK_CENTER


def _placed(
    hours_booked: int, *, efficiency: int = 100, direction: Direction = Direction.FORWARD
) -> list[tuple[str, str, str, str]]:
    """A fills the primary SAW for ``hours_booked`` hours from Monday 08:00 (backward:
    until Friday 16:00); B (4 hours, alternative SAW2 at ``efficiency``) is scheduled
    finite after it."""
    md, cals = capacity([WorkCenter("SAW", calendar_code="S"),
                         WorkCenter("SAW2", calendar_code="S", efficiency_percent=efficiency)])  # fmt: skip
    a = routed_order("A", [operation("10", "SAW", run=hours_booked * 60)])
    b = routed_order("B", [operation("10", "SAW", run=240, alternatives=("SAW2",))])
    due = dt.datetime(2026, 1, 9, 16, tzinfo=dt.UTC)
    result = schedule_orders(
        [a, b], md, cals, anchors=dict.fromkeys("AB", MON if direction is Direction.FORWARD else due),
        mode=CapacityMode.FINITE, direction=direction,
    )  # fmt: skip
    return [
        (a.order_id, a.no, a.starting.strftime("%a %H:%M"), a.ending.strftime("%a %H:%M"))
        for a in result.allocations
        if a.order_id == "B"
    ]


def test_the_alternative_is_taken_when_the_primary_is_full() -> None:
    assert _placed(8) == [("B", "SAW2", "Mon 08:00", "Mon 12:00")]


def test_a_tie_goes_to_the_primary() -> None:
    # the primary is free: both would end Monday 12:00
    assert _placed(0) == [("B", "SAW", "Mon 08:00", "Mon 12:00")]


def test_the_earliest_finish_wins_whatever_the_efficiency() -> None:
    # SAW busy until 14:00 ends B Tuesday 10:00; SAW2 at 50 % needs 8 hours: Monday 16:00
    assert _placed(6, efficiency=50) == [("B", "SAW2", "Mon 08:00", "Mon 16:00")]
    # SAW busy until 10:00 ends B at 14:00, before SAW2 would (16:00)
    assert _placed(2, efficiency=50) == [("B", "SAW", "Mon 10:00", "Mon 14:00")]


def test_backward_the_latest_start_wins() -> None:
    # ending by Friday 16:00: SAW is full on Friday, SAW2 starts later (Friday, not Thursday)
    assert _placed(8, direction=Direction.BACKWARD) == [("B", "SAW2", "Fri 12:00", "Fri 16:00")]
    assert _placed(0, direction=Direction.BACKWARD) == [("B", "SAW", "Fri 12:00", "Fri 16:00")]


def test_infinite_capacity_keeps_the_primary() -> None:
    md, cals = capacity(
        [WorkCenter("SAW", calendar_code="S"), WorkCenter("SAW2", calendar_code="S")]
    )
    b = routed_order("B", [operation("10", "SAW", run=240, alternatives=("SAW2",))])
    result = schedule_orders([b, routed_order("C", [operation("10", "SAW", run=60)])], md, cals,
                             anchors={"B": MON, "C": MON})  # fmt: skip
    assert {a.no for a in result.allocations} == {"SAW"}


def test_a_routing_line_refuses_repeated_or_primary_alternatives() -> None:
    with pytest.raises(InvalidValueError):
        RoutingLine("10", WC, "SAW", alternatives=("SAW",))
    with pytest.raises(InvalidValueError):
        RoutingLine("10", WC, "SAW", alternatives=("B", "B"))
    # without alternatives a routing line is stored as before
    assert "alternatives" not in dumps(RoutingLine("10", WC, "SAW"))


def test_the_store_keeps_which_centre_was_used() -> None:
    store = open_store("memory:")
    clock = FixedClock(MON)
    put_master_data(store(), [
        *(WorkCenter(no, calendar_code="S") for no in ("SAW", "SAW2")),
        weekday_calendar(),
        Routing("R", (RoutingLine("10", WC, "SAW", run_time=Duration(60), alternatives=("SAW2",)),)),
        Item("ONE", base_unit="PCS", routing_no="R"),
    ])  # fmt: skip
    for order_id in ("A", "B"):
        handle(store(), CreateOrder(order_id, "ONE", 8, due_date=dt.date(2026, 1, 5)), clock=clock)
    reschedule_shop(store(), clock=clock)
    with store() as uow:
        used = [
            (a.order_id, a.no, a.starting.hour, a.ending.hour) for a in uow.orders.allocations()
        ]
        assert uow.orders.get("B").lines[0].operations[0].alternatives == ("SAW2",)
    assert used == [("A", "SAW", 8, 16), ("B", "SAW2", 8, 16)]
