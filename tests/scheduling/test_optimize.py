"""The optional CP-SAT optimising mode (skipped without OR-Tools)."""

from __future__ import annotations

import datetime as dt

import pytest

from prodcore.errors import InvalidValueError
from prodcore.masterdata import WorkCenter
from prodcore.scheduling.sequencing import sequence_orders
from prodcore.testing.shop import capacity, operation, routed_order

pytest.importorskip("ortools")

from prodcore.scheduling.optimize import optimize_sequence

START = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
MD, CALS = capacity([WorkCenter("M", calendar_code="S"), WorkCenter("P", calendar_code="S")])
# a two-machine job shop where the greedy sequence by due date leaves time unused
ORDERS = [
    routed_order("O0", [operation("10", "P", run=300), operation("20", "M", run=300)],
                 due=dt.date(2026, 1, 5)),
    routed_order("O1", [operation("10", "M", run=300), operation("20", "P", run=360)],
                 due=dt.date(2026, 1, 5)),
    routed_order("O2", [operation("10", "M", run=180), operation("20", "P", run=180)],
                 due=dt.date(2026, 1, 6)),
    routed_order("O3", [operation("10", "P", run=240), operation("20", "M", run=360)],
                 due=dt.date(2026, 1, 5)),
]  # fmt: skip


def test_cp_sat_beats_the_greedy_sequence_on_total_lateness() -> None:
    greedy = sequence_orders(ORDERS, MD, CALS, start=START)
    best = optimize_sequence(ORDERS, MD, CALS, start=START, time_limit=5)
    assert greedy.total_lateness == dt.timedelta(days=4, hours=4)
    assert best.total_lateness == dt.timedelta(days=3, hours=13)
    assert [o.order_id for o in best.orders] == ["O0", "O1", "O2", "O3"]
    # the exact engine placed it: every allocation adds up to the needs
    assert sum(a.allocated for a in best.schedule.allocations) == 2220


def test_makespan_is_never_worse_than_greedy() -> None:
    greedy = sequence_orders(ORDERS, MD, CALS, start=START)
    best = optimize_sequence(ORDERS, MD, CALS, start=START, objective="makespan", time_limit=5)
    assert best.makespan_end is not None and greedy.makespan_end is not None
    assert best.makespan_end <= greedy.makespan_end


def test_an_unknown_objective_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        optimize_sequence(ORDERS, MD, CALS, start=START, objective="cost")
