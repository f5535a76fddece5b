"""Sequencing many orders under finite capacity: worked examples with exact times."""

from __future__ import annotations

import datetime as dt

from prodcore.masterdata import WorkCenter
from prodcore.orders.model import ProductionOrder
from prodcore.scheduling.schedule import Direction
from prodcore.scheduling.sequencing import SequenceResult, SequenceRule, sequence_orders
from prodcore.testing.shop import capacity, operation, routed_order

MON = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)  # a Monday, 08:00
MD, CALS = capacity([WorkCenter("M", calendar_code="S"), WorkCenter("P", calendar_code="S")])


def _order(no: str, hours: int, due: dt.date, centre: str = "M") -> ProductionOrder:
    return routed_order(no, [operation("10", centre, run=hours * 60)], due=due)


def _times(result: SequenceResult) -> list[tuple[str, str, str, str]]:
    return [
        (o.order_id, o.starting.isoformat()[5:16], o.ending.isoformat()[5:16], str(o.lateness))
        for o in result.orders
    ]


def test_by_due_date_forward_with_exact_times_and_lateness() -> None:
    orders = [
        _order("A", 6, dt.date(2026, 1, 6)),  # due Tue 16:00
        _order("B", 8, dt.date(2026, 1, 5)),  # due Mon 16:00
        _order("C", 4, dt.date(2026, 1, 6)),  # due Tue 16:00
    ]
    result = sequence_orders(orders, MD, CALS, start=MON)
    assert _times(result) == [
        ("B", "01-05T08:00", "01-05T16:00", "0:00:00"),
        ("A", "01-06T08:00", "01-06T14:00", "0:00:00"),
        ("C", "01-06T14:00", "01-07T10:00", "18:00:00"),
    ]
    assert result.late == ("C",)
    assert result.total_lateness == dt.timedelta(hours=18)
    assert sum(a.allocated for a in result.schedule.allocations) == 18 * 60


def test_a_rush_order_in_a_full_week_moves_the_lower_priority_orders() -> None:
    # five 8-hour orders fill Mon-Fri, each due on its day
    week = [_order(f"W{d}", 8, dt.date(2026, 1, 5 + d)) for d in range(5)]
    before = sequence_orders(week, MD, CALS, start=MON, rule=SequenceRule.PRIORITY)
    assert before.late == ()
    rush = _order("RUSH", 8, dt.date(2026, 1, 5))
    after = sequence_orders(
        [*week, rush], MD, CALS, start=MON, rule=SequenceRule.PRIORITY, priorities={"RUSH": 1}
    )
    # each week order moves one working day on and is late by a day (clock time; W4 from
    # Friday to Monday, three days)
    assert _times(after) == [
        ("RUSH", "01-05T08:00", "01-05T16:00", "0:00:00"),
        ("W0", "01-06T08:00", "01-06T16:00", "1 day, 0:00:00"),
        ("W1", "01-07T08:00", "01-07T16:00", "1 day, 0:00:00"),
        ("W2", "01-08T08:00", "01-08T16:00", "1 day, 0:00:00"),
        ("W3", "01-09T08:00", "01-09T16:00", "1 day, 0:00:00"),
        ("W4", "01-12T08:00", "01-12T16:00", "3 days, 0:00:00"),
    ]
    assert after.late == ("W0", "W1", "W2", "W3", "W4")


def test_a_key_of_the_callers_overrides_the_rule() -> None:
    orders = [_order("A", 2, dt.date(2026, 1, 5)), _order("B", 2, dt.date(2026, 1, 9))]
    result = sequence_orders(orders, MD, CALS, start=MON, key=lambda o: -o.due_date.toordinal())
    assert [o.order_id for o in result.orders] == ["B", "A"]
    assert _times(result)[1] == ("A", "01-05T10:00", "01-05T12:00", "0:00:00")


def test_backward_ends_each_order_by_its_due_moment_and_lists_what_cannot_fit() -> None:
    orders = [
        _order("A", 8, dt.date(2026, 1, 6)),
        _order("B", 8, dt.date(2026, 1, 6)),
        _order("C", 8, dt.date(2026, 1, 6)),  # no room left between Mon 08:00 and Tue 16:00
        _order("D", 2, dt.date(2026, 1, 6), centre="P"),
    ]
    result = sequence_orders(orders, MD, CALS, start=MON, direction=Direction.BACKWARD)
    assert _times(result) == [
        ("A", "01-06T08:00", "01-06T16:00", "0:00:00"),
        ("B", "01-05T08:00", "01-05T16:00", "0:00:00"),
        ("D", "01-06T14:00", "01-06T16:00", "0:00:00"),
    ]
    assert result.unplaced == ("C",)
    assert result.late == ("C",)
    # the order left out took nothing: D still got the last hours of Tuesday on P, and
    # A and B hold all of M
    assert {a.order_id for a in result.schedule.allocations} == {"A", "B", "D"}
    assert [o.id for o in result.schedule.orders] == ["A", "B", "D"]


def test_an_order_left_out_mid_routing_gives_back_its_first_operations() -> None:
    # E's first operation fits on P, its second finds no room on M: P stays free for F
    horizon = MON + dt.timedelta(hours=8)
    e = routed_order("E", [operation("10", "P", run=240), operation("20", "M", run=600)])
    f = routed_order("F", [operation("10", "P", run=480)])
    result = sequence_orders([e, f], MD, CALS, start=MON, key=lambda o: o.id, horizon=horizon)
    assert result.unplaced == ("E",)
    assert _times(result) == [("F", "01-05T08:00", "01-05T16:00", "0:00:00")]
