"""The schedule for people: `prodcore schedule`, the Gantt chart, the sequencing benchmark."""

from __future__ import annotations

import datetime as dt
import io
import json
import runpy
from pathlib import Path

import pytest

from prodcore.adapters import open_store
from prodcore.app import handle, put_master_data
from prodcore.app.scheduling import reschedule_shop
from prodcore.cli import main
from prodcore.clock import FixedClock
from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType, Item, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.lifecycle import CreateOrder
from prodcore.scheduling.sequencing import SequenceRule, sequence_orders
from prodcore.testing.shop import capacity, operation, routed_order, weekday_calendar

MON = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)


def _store(path: Path) -> str:
    url = f"sqlite:///{path / 'shop.db'}"
    clock = FixedClock(MON)
    with open_store(url) as store:
        put_master_data(
            store(),
            [
                weekday_calendar("S"),
                WorkCenter("SAW", calendar_code="S"),
                Routing(
                    "R",
                    (RoutingLine("10", CapacityType.WORK_CENTER, "SAW", run_time=Duration(60)),),
                ),
                Item("SHELF", base_unit="PCS", routing_no="R"),
            ],
        )
        for order_id, qty in (("A", 8), ("B", 4)):
            handle(store(), CreateOrder(order_id, "SHELF", qty, due_date=MON.date()), clock=clock)
        reschedule_shop(store(), clock=clock, rule=SequenceRule.DUE_DATE)
    return url


def test_the_schedule_command_prints_a_table_and_json(tmp_path: Path) -> None:
    url = _store(tmp_path)
    out = io.StringIO()
    assert main(["schedule", "--store", url], out=out) == 0
    assert out.getvalue().splitlines()[3:6] == [
        "A      2026-03-02 08:00  2026-03-02 16:00  2026-03-02 16:00",
        "B      2026-03-03 08:00  2026-03-03 12:00  2026-03-02 16:00  20:00:00",
        "",
    ]
    assert "1 late order(s): B." in out.getvalue()
    out = io.StringIO()
    assert main(["schedule", "--store", url, "--json"], out=out) == 0
    data = json.loads(out.getvalue())
    assert data["late"] == ["B"]
    assert data["orders"][1] == {
        "order_id": "B",
        "starting": "2026-03-03T08:00:00+00:00",
        "ending": "2026-03-03T12:00:00+00:00",
        "due": "2026-03-02T16:00:00+00:00",
        "late": True,
        "late_by_seconds": 72000,
    }


def test_the_gantt_marks_late_orders_and_due_dates() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from prodcore.reports.gantt import plot_schedule_gantt

    md, cals = capacity([WorkCenter("M", calendar_code="S")])
    orders = [
        routed_order("A", [operation("10", "M", run=480)], due=dt.date(2026, 1, 5)),
        routed_order("B", [operation("10", "M", run=240)], due=dt.date(2026, 1, 5)),
    ]
    result = sequence_orders(orders, md, cals, start=dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC))
    for by in ("order", "centre"):
        ax = plot_schedule_gantt(result.schedule.operations, result.orders, by=by)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert sorted(labels) == ["A", "A due", "B", "B due", "late"]
        red = [p for p in ax.patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
        assert len(red) == 1  # B's one bar
    ax = plot_schedule_gantt(result.schedule.operations, result.orders, by="order")
    assert {t.get_text(): t.get_color() for t in ax.get_yticklabels()}["B"] == "red"
    with pytest.raises(InvalidValueError):
        plot_schedule_gantt(result.schedule.operations, result.orders, by="day")


def test_the_sequencing_benchmark_runs_at_smoke_size(capsys: pytest.CaptureFixture[str]) -> None:
    bench = runpy.run_path(str(Path(__file__).parents[2] / "benchmarks" / "bench_sequencing.py"))
    assert bench["main"](["20", "40"]) == 0
    printed = capsys.readouterr().out
    assert "40 orders x 5 ops, 50 centres" in printed
    assert "ratio 20 -> 40" in printed
