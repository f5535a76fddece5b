"""The tutorial notebook runs on a real Jupyter kernel and shows what it says it shows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook extra is not installed")
nbclient = pytest.importorskip("nbclient", reason="the notebook extra is not installed")

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.ipynb"


def _outputs(notebook: Any, check: str) -> list[dict[str, Any]]:
    cell = next(c for c in notebook.cells if c.metadata.get("check") == check)
    outputs: list[dict[str, Any]] = cell.outputs
    assert not [o for o in outputs if o.get("output_type") == "error"], outputs
    return outputs


def _data(notebook: Any, check: str, mime: str) -> str:
    found = [o["data"][mime] for o in _outputs(notebook, check) if mime in o.get("data", {})]
    assert found, f"cell {check!r} shows no {mime}"
    return str(found[-1])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_tutorial_executes_and_its_outputs_are_right(tmp_path: Path) -> None:
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    notebook = nbformat.read(TUTORIAL, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    kernel = client.setup_kernel()
    try:
        kernel.__enter__()
    except Exception as err:  # only a kernel that cannot start skips the test
        pytest.skip(f"no Jupyter kernel could start here: {err!r}")
    try:
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    finally:
        kernel.__exit__(None, None, None)

    assert _data(notebook, "steps", "text/plain") == "11"
    orders = _data(notebook, "orders", "text/html")
    assert (
        orders.startswith('<table class="prodcore">') and "<td" in orders and "FINISHED" in orders
    )
    assert "Production orders" in _data(notebook, "orders", "text/plain")
    assert "LEG" in _data(notebook, "components", "text/html")
    assert _data(notebook, "exact", "text/plain") == "('Decimal', '38.70000')"
    assert "OUTPUT" in _data(notebook, "ledger", "text/html")
    assert "70.30000" in _data(notebook, "balances", "text/plain")
    costs = _data(notebook, "costs", "text/html")
    assert "<caption>Cost of order PO-1: 8 STOOL" in costs and "137.25" in costs
    assert "15.25" in _data(notebook, "cost_frame", "text/plain")
    for chart in ("waterfall", "load_chart", "gantt"):
        assert _data(notebook, chart, "image/png")
    assert _data(notebook, "overloads", "text/plain") == "[('WC SAND', '2026-03-06', '780')]"
    assert "162.5" in _data(notebook, "load", "text/html")
