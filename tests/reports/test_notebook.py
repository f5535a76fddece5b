"""Notebook helpers: HTML and short text reprs, DataFrames with exact Decimals, charts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path

import attrs
import pytest

from prodcore.adapters import open_store
from prodcore.costing import order_cost_views
from prodcore.ledger.model import PostingResult
from prodcore.orders.model import ProductionOrder
from prodcore.ports import UnitOfWork
from prodcore.reports import notebook as nb
from prodcore.reports.tables import Report, Table
from prodcore.scenario import StepResult, read_scenario_file, run_scenario

pd = pytest.importorskip("pandas")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

Stool = tuple[Callable[[], UnitOfWork], list[StepResult]]
EXAMPLES = Path(str(resources.files("prodcore").joinpath("examples")))


@pytest.fixture
def stool() -> Iterator[Stool]:
    with open_store("memory:") as store:
        results = run_scenario(read_scenario_file(EXAMPLES / "costing.scenario.json"), store)
        yield store, results


def _orders(store: Callable[[], UnitOfWork]) -> list[ProductionOrder]:
    with store() as uow:
        return uow.orders.list()


def test_reports_show_as_html_tables_and_readable_text(stool: Stool) -> None:
    store, results = stool
    shown = nb.show_orders(_orders(store))
    html = shown._repr_html_()
    assert html.count('<table class="prodcore">') == 4  # orders, lines, components, operations
    assert "<caption>PO-1: components</caption>" in html and "<td" in html
    text = repr(shown)
    assert "Production orders" in text and max(map(len, text.splitlines())) < 200
    assert "<script>" not in Table.of(["A"], [["<script>"]]).html()  # cells are escaped
    ledgers = nb.show_ledgers(store())
    assert "Item ledger" in ledgers.html() and "Work in process" in str(ledgers)
    posted = nb.show_posting(results[4].result)
    assert "posting.output: posting 2" in posted.notes[0]
    assert [t.title for t in posted.tables] == ["Item entries", "Value entries", "G/L entries"]
    nothing = nb.show_posting(PostingResult("posting.output", None, warnings=("replayed",)))
    assert nothing == Report((), notes=("posting.output", "replayed"))
    assert "137.25" in nb.show_costs(store(), "PO-1").html()


def test_frames_keep_decimals_exact(stool: Stool) -> None:
    store, _ = stool
    orders = _orders(store)
    frame = nb.orders_frame(orders)
    assert list(frame["id"]) == ["PO-1"] and frame.loc[0, "status"] == "FINISHED"
    assert "lines" not in frame.columns  # nested records have their own frames
    components = nb.components_frame(orders)
    assert components["consumed_quantity"].dtype == object
    assert components["consumed_quantity"].sum() == Decimal("38.70000")
    assert list(components["order_id"]) == ["PO-1", "PO-1"]
    assert nb.operations_frame(orders).empty
    with store() as uow:
        values = nb.ledger_frame(uow.ledger.value_entries())
    assert isinstance(values.loc[0, "cost_amount_actual"], Decimal)
    balances = nb.balances_frame(store())
    row = balances[(balances["balance"] == "on_hand") & (balances["key"] == "LEG")]
    assert row["value"].iloc[0] == Decimal("70.3")
    breakdown = order_cost_views(store(), "PO-1").breakdown
    costs = nb.cost_frame(breakdown)
    assert costs.loc["total", "variance"] == Decimal("15.25")
    assert costs.loc["material", "actual"] == Decimal("137.25")
    assert nb.to_frame([]).empty


def test_load_frame_gantt_and_waterfall() -> None:
    scheduling = read_scenario_file(EXAMPLES / "scheduling.scenario.json")
    with open_store("memory:") as store:
        run_scenario(attrs.evolve(scheduling, steps=scheduling.steps[:4]), store)
        import datetime as dt

        from prodcore.app import store_load_view
        from prodcore.orders.model import OrderStatus

        view = store_load_view(
            store(), start=dt.date(2026, 3, 5), end=dt.date(2026, 3, 7), statuses=list(OrderStatus)
        )
        orders = _orders(store)
    frame = nb.load_frame(view)
    over = frame[frame["overloaded"]]
    assert list(over["centre"]) == ["WC SAND"] and over["allocated"].iloc[0] == Decimal("780")
    assert "WC SAND" in nb.show_load(view).html()
    gantt = nb.plot_order_gantt(orders)
    labels = gantt.get_legend_handles_labels()[1]
    assert {"PO-1", "PO-2", "PO-1 due", "PO-2 due"} <= set(labels)
    from prodcore.masterdata import CapacityType

    load = nb.plot_load(view, CapacityType.WORK_CENTER, "SAND")
    assert "overloaded" in load.get_legend_handles_labels()[1]
    with pytest.raises(ValueError, match="centre"):
        nb.plot_gantt([], by="lane")


def test_cost_waterfall_steps_from_standard_to_actual(stool: Stool) -> None:
    store, _ = stool
    breakdown = order_cost_views(store(), "PO-1").breakdown
    ax = nb.plot_cost_waterfall(breakdown)
    bars = ax.patches
    assert bars[0].get_height() == pytest.approx(122.0)  # the standard
    assert bars[1].get_y() == pytest.approx(122.0) and bars[1].get_height() == pytest.approx(15.25)
    assert bars[-1].get_height() == pytest.approx(137.25)  # the actual
    assert "variance: more cost" in ax.get_legend_handles_labels()[1]
