"""The load view: periods, statuses, overloads, renderings, JSON and notebook helpers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType, MachineCenter, MasterData, WorkCenter
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.reports import render_load_chart, render_load_table
from prodcore.scheduling import (
    Allocation,
    Calendars,
    LoadRow,
    LoadView,
    Period,
    load_view,
    schedule_orders,
)

JAN5 = dt.date(2026, 1, 5)
WC = CapacityType.WORK_CENTER
Env = Callable[..., tuple[MasterData, Calendars]]


def at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=dt.UTC)


def alloc(
    day: int, amount: int, status: OrderStatus = OrderStatus.RELEASED, no: str = "A"
) -> Allocation:
    return Allocation(
        f"PO-{day}-{status.value}",
        status,
        1,
        "10",
        WC,
        no,
        no,
        dt.date(2026, 1, day),
        at(day),
        at(day, 9),
        setup=0,
        run=amount,
    )


def test_daily_weekly_and_monthly_buckets(calendars_for: Env) -> None:
    _, cals = calendars_for([WorkCenter("A", calendar_code="S")], days=60)
    allocations = [alloc(5, 100), alloc(6, 500), alloc(12, 50), alloc(30, 10)]
    end = dt.date(2026, 2, 3)
    daily = load_view(cals, allocations, start=JAN5, end=end)
    assert len(daily.rows) == 29
    assert [(r.period_start.day, r.allocated) for r in daily.rows[:2]] == [
        (5, Decimal(100)),
        (6, Decimal(500)),
    ]
    assert [r.period_start for r in daily.overloads()] == [dt.date(2026, 1, 6)]
    weekly = load_view(cals, allocations, start=JAN5, end=end, period=Period.WEEK)
    assert [(r.period_start, r.period_end, r.capacity, r.allocated) for r in weekly.rows] == [
        (dt.date(2026, 1, 5), dt.date(2026, 1, 12), Decimal(2400), Decimal(600)),
        (dt.date(2026, 1, 12), dt.date(2026, 1, 19), Decimal(2400), Decimal(50)),
        (dt.date(2026, 1, 19), dt.date(2026, 1, 26), Decimal(2400), Decimal(0)),
        (dt.date(2026, 1, 26), dt.date(2026, 2, 2), Decimal(2400), Decimal(10)),
        (dt.date(2026, 2, 2), dt.date(2026, 2, 3), Decimal(480), Decimal(0)),
    ]
    monthly = load_view(cals, allocations, start=JAN5, end=end, period=Period.MONTH)
    assert [(r.period_start, r.period_end, r.capacity, r.allocated) for r in monthly.rows] == [
        (JAN5, dt.date(2026, 2, 1), Decimal(480 * 20), Decimal(660)),
        (dt.date(2026, 2, 1), end, Decimal(480), Decimal(0)),
    ]
    assert weekly.total_allocated() == monthly.total_allocated() == daily.total_allocated()
    quarterly = load_view(cals, allocations, start=JAN5, end=end, period=Period.QUARTER)
    yearly = load_view(cals, allocations, start=JAN5, end=end, period=Period.YEAR)
    assert [(r.period_start, r.period_end, r.allocated) for r in quarterly.rows] == [
        (JAN5, end, Decimal(660))
    ]
    assert [(r.period_start, r.period_end) for r in yearly.rows] == [(JAN5, end)]
    long = load_view(
        cals,
        allocations,
        start=dt.date(2025, 11, 20),
        end=dt.date(2026, 5, 2),
        period=Period.QUARTER,
    )
    assert [(r.period_start, r.period_end) for r in long.rows] == [
        (dt.date(2025, 11, 20), dt.date(2026, 1, 1)),
        (dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
        (dt.date(2026, 4, 1), dt.date(2026, 5, 2)),
    ]


def test_status_filter_defaults_to_planned_firm_planned_released(calendars_for: Env) -> None:
    _, cals = calendars_for([WorkCenter("A", calendar_code="S")], days=1)
    allocations = [
        alloc(5, amount, status)
        for amount, status in zip([1, 2, 4, 8, 16], OrderStatus, strict=True)
    ]
    end = JAN5 + dt.timedelta(days=1)
    (row,) = load_view(cals, allocations, start=JAN5, end=end).rows
    assert row.allocated == 2 + 4 + 8  # planned, firm planned, released
    (released,) = load_view(
        cals, allocations, start=JAN5, end=end, statuses=[OrderStatus.RELEASED]
    ).rows
    assert released.allocated == 8


def test_centres_filter_skip_empty_and_a_centre_without_calendar(calendars_for: Env) -> None:
    _, cals = calendars_for(
        [WorkCenter("A", calendar_code="S"), WorkCenter("B", calendar_code="S")], days=7
    )
    allocations = [alloc(5, 30), alloc(5, 40, no="GHOST")]
    view = load_view(
        cals, allocations, start=JAN5, end=JAN5 + dt.timedelta(days=7), skip_empty=True
    )
    labels = {r.label for r in view.rows}
    assert labels == {"WC A", "WC B", "WC GHOST"}
    (ghost,) = view.for_centre(WC, "GHOST")
    assert (ghost.capacity, ghost.allocated, ghost.load_percent, ghost.overloaded) == (
        Decimal(0),
        Decimal(40),
        None,
        True,
    )
    assert len(view.for_centre(WC, "A")) == 5  # the weekend has neither capacity nor load
    only_a = load_view(
        cals, allocations, start=JAN5, end=JAN5 + dt.timedelta(days=1), centres=[(WC, "A")]
    )
    assert [r.label for r in only_a.rows] == ["WC A"]
    with pytest.raises(InvalidValueError):
        load_view(cals, allocations, start=JAN5, end=JAN5 - dt.timedelta(days=1))


def test_machine_centre_load_counts_in_the_work_centre_row(calendars_for: Env) -> None:
    md, cals = calendars_for(
        [WorkCenter("W", calendar_code="S")], [MachineCenter("M", "W")], days=1
    )
    op = Operation(
        "10",
        CapacityType.MACHINE_CENTER,
        "M",
        "W",
        input_quantity=1,
        run_time=Duration(90),
    )
    order = ProductionOrder(
        "PO",
        OrderStatus.PLANNED,
        "X",
        1,
        due_date=JAN5,
        lines=(OrderLine(1, "X", 1, operations=(op,)),),
    )
    result = schedule_orders([order], md, cals, anchors={"PO": at(5)})
    view = load_view(cals, result.allocations, start=JAN5, end=JAN5 + dt.timedelta(days=1))
    assert [(r.label, r.allocated) for r in view.rows] == [
        ("WC W", Decimal(90)),
        ("MC M", Decimal(90)),
    ]
    assert view.total_allocated() == 90
    assert view.total_allocated(CapacityType.MACHINE_CENTER) == 90


def test_json_ready_dicts(calendars_for: Env) -> None:
    _, cals = calendars_for([WorkCenter("A", calendar_code="S")], days=1)
    view = load_view(cals, [alloc(5, 600)], start=JAN5, end=JAN5 + dt.timedelta(days=1))
    data = json.loads(json.dumps(view.to_dict()))
    assert data["period"] == "DAY"
    assert data["rows"][0] == {
        "centre_type": "WORK_CENTER",
        "centre_no": "A",
        "period_start": "2026-01-05",
        "period_end": "2026-01-06",
        "unit": "MIN",
        "capacity_total": "480",
        "capacity": "480",
        "allocated": "600",
        "availability": "-120",
        "load_percent": "125.0",
        "overloaded": True,
    }
    assert data["overloads"] == data["rows"]


def test_text_table_and_chart() -> None:
    rows = (
        LoadRow(
            WC,
            "100",
            JAN5,
            JAN5 + dt.timedelta(days=1),
            TimeUnit.MINUTE,
            capacity_total=480,
            capacity=480,
            allocated=240,
        ),
        LoadRow(
            WC,
            "100",
            dt.date(2026, 1, 6),
            dt.date(2026, 1, 7),
            TimeUnit.MINUTE,
            capacity_total=480,
            capacity=480,
            allocated=720,
        ),
        LoadRow(
            WC,
            "100",
            dt.date(2026, 1, 10),
            dt.date(2026, 1, 11),
            TimeUnit.MINUTE,
            capacity_total=0,
            capacity=0,
            allocated=30,
        ),
    )
    view = LoadView(Period.DAY, JAN5, dt.date(2026, 1, 11), rows)
    assert render_load_table(view) == "\n".join(
        [
            "Centre  Period      Capacity  Allocated  Available  Load %",
            "------  ----------  --------  ---------  ---------  ------",
            "WC 100  2026-01-05    480.00     240.00     240.00    50.0",
            "WC 100  2026-01-06    480.00     720.00    -240.00   150.0",
            "WC 100  2026-01-10      0.00      30.00     -30.00       -",
        ]
    )
    assert render_load_chart(view, width=10) == "\n".join(
        [
            "WC 100  2026-01-05 |#####     |   50.0 %",
            "WC 100  2026-01-06 |##########|! 150.0 %",
            "WC 100  2026-01-10 |----------| no capacity, 30.00 allocated",
        ]
    )
    with pytest.raises(InvalidValueError):
        render_load_chart(view, width=0)


def test_notebook_helpers(calendars_for: Env) -> None:
    pytest.importorskip("pandas")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from prodcore.reports.notebook import load_dataframe, plot_gantt, plot_load

    md, cals = calendars_for(
        [WorkCenter("A", calendar_code="S"), WorkCenter("B", calendar_code="S")], days=7
    )
    orders = [
        ProductionOrder(
            f"PO-{i}",
            OrderStatus.RELEASED,
            "X",
            1,
            due_date=JAN5,
            lines=(
                OrderLine(
                    1,
                    "X",
                    1,
                    operations=(
                        Operation("10", WC, "A", "A", input_quantity=1, run_time=Duration(300)),
                        Operation("20", WC, "B", "B", input_quantity=1, run_time=Duration(200)),
                    ),
                ),
            ),
        )
        for i in range(3)
    ]
    result = schedule_orders(orders, md, cals, anchors={o.id: at(5) for o in orders})
    view = load_view(cals, result.allocations, start=JAN5, end=JAN5 + dt.timedelta(days=7))
    frame = load_dataframe(view)
    assert len(frame) == len(view.rows)
    assert frame["allocated"].sum() == pytest.approx(3 * 500)
    ax = plot_load(view, WC, "A")
    assert ax.get_title().startswith("Load of WC A")
    gantt = plot_gantt(result.operations, by="order")
    assert [t.get_text() for t in gantt.get_yticklabels()] == ["PO-0", "PO-1", "PO-2"]
    with pytest.raises(InvalidValueError):
        plot_gantt(result.operations, by="nonsense")
    plt.close("all")


def test_notebook_helpers_explain_a_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from prodcore.reports import notebook

    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> object:
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake)
    view = LoadView(Period.DAY, JAN5, JAN5, ())
    with pytest.raises(ImportError, match=r"prodcore\[notebook\]"):
        notebook.load_dataframe(view)


def test_public_names_resolve_and_importing_pulls_in_no_plotting_library() -> None:
    import subprocess
    import sys

    import prodcore.scheduling as scheduling

    assert sorted(scheduling.__all__) == sorted(set(scheduling.__all__))
    for name in scheduling.__all__:
        assert getattr(scheduling, name) is not None
    code = (
        "import sys, prodcore.scheduling; "
        "print(any(m.split('.')[0] in ('pandas', 'matplotlib') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
