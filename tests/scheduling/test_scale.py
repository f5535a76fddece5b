"""Finite forward scheduling skips full calendar entries at once (what keeps a long run
through a bottleneck linear), and gives them back when an order is taken back."""

from __future__ import annotations

import datetime as dt
import gc
import runpy
from pathlib import Path

import pytest

from prodcore.masterdata import WorkCenter
from prodcore.orders.model import OrderLine, OrderStatus, ProductionOrder
from prodcore.scheduling.sequencing import sequence_orders
from prodcore.testing.shop import capacity, operation, routed_order

MON = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)


def _through_bottleneck(n: int) -> list[tuple[str, str, str]]:
    md, cals = capacity([WorkCenter("A", calendar_code="S"), WorkCenter("B", calendar_code="S")])
    orders = [
        routed_order(f"O{i:02d}", [operation("10", "A", run=10), operation("20", "B", run=60)])
        for i in range(n)
    ]
    result = sequence_orders(orders, md, cals, start=MON)
    return [
        (op.order_id, op.starting.strftime("%a %H:%M"), op.ending.strftime("%a %H:%M"))
        for op in result.schedule.operations
        if op.no == "B"
    ]


def test_a_second_operation_skips_the_full_days_of_the_bottleneck() -> None:
    placed = _through_bottleneck(20)
    # B takes eight one-hour operations a day: Monday and Tuesday are full, the last
    # order's saw work ended Monday 11:20, and its B operation lands on Wednesday
    assert placed[:2] == [("O00", "Mon 08:10", "Mon 09:10"), ("O01", "Mon 09:10", "Mon 10:10")]
    assert placed[7] == ("O07", "Mon 15:10", "Tue 08:10")
    assert placed[-1] == ("O19", "Wed 11:10", "Wed 12:10")
    starts = [s for _, s, _ in placed]
    assert len(set(starts)) == len(starts)  # one at a time on the one-machine B


def test_capacity_taken_back_from_an_unplaced_order_is_found_again() -> None:
    md, cals = capacity([WorkCenter("B", calendar_code="S")], days=3)  # Mon-Wed
    day = [routed_order(f"D{i}", [operation("10", "B", run=480)]) for i in range(2)]
    # BIG's first line fills Wednesday; its second line then scans Monday to Wednesday,
    # learns that all three are full, and finds no room: BIG is taken back
    lines = tuple(
        OrderLine(n, "ITEM", 1, operations=(operation("10", "B", run=run),))
        for n, run in ((1, 480), (2, 60))
    )
    big = ProductionOrder("BIG", OrderStatus.RELEASED, "ITEM", 1, due_date=MON.date(), lines=lines)
    small = routed_order("SMALL", [operation("10", "B", run=60)])
    result = sequence_orders([*day, big, small], md, cals, start=MON,
                             key=lambda o: ("D0", "D1", "BIG", "SMALL").index(o.id))  # fmt: skip
    # Wednesday is free again, and SMALL finds it (not the full days learnt by BIG)
    assert result.unplaced == ("BIG",)
    (placed,) = [o for o in result.orders if o.order_id == "SMALL"]
    assert (placed.starting, placed.ending) == (MON + dt.timedelta(days=2),
                                                MON + dt.timedelta(days=2, hours=1))  # fmt: skip


def test_the_bottleneck_benchmark_runs_at_smoke_size(capsys: pytest.CaptureFixture[str]) -> None:
    bench = runpy.run_path(str(Path(__file__).parents[2] / "benchmarks" / "bench_sequencing.py"))
    assert bench["main"](["--bottleneck", "--tiny"]) == 0
    printed = capsys.readouterr().out
    assert "400 orders x 2 ops, bottleneck" in printed


def test_the_scheduling_engine_leaves_the_cyclic_collector_alone() -> None:
    # pausing it is a process-wide switch: the application does it around its runs
    # (prodcore.app.scheduling.collector_paused, tested in tests/app/test_collector_paused.py)
    md, cals = capacity([WorkCenter("B", calendar_code="S")], days=7)
    seen: list[bool] = []

    def key(order: ProductionOrder) -> str:
        seen.append(gc.isenabled())
        return order.id

    orders = [routed_order("O1", [operation("10", "B", run=60)])]
    sequence_orders(orders, md, cals, start=MON, key=key)
    assert seen == [True]
    assert gc.isenabled()
