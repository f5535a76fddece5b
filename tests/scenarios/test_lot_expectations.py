"""``on_hand`` expectations by lot: ``ITEM#LOT`` and ``ITEM#LOT@LOCATION`` are checked
against the store's per-lot balances, and a wrong figure fails naming the key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from prodcore.cli import check_file


def _example() -> str:
    return resources.files("prodcore").joinpath("examples/tracking.scenario.json").read_text()


def test_the_lot_example_passes(tmp_path: Path) -> None:
    path = tmp_path / "lots.scenario.json"
    path.write_text(_example(), encoding="utf-8")
    outcome = check_file(path, store="memory")
    assert outcome.passed, outcome.failures


def test_a_wrong_lot_figure_fails_naming_the_lot(tmp_path: Path) -> None:
    path = tmp_path / "lots.scenario.json"
    path.write_text(_example().replace('"FLOUR#L2@MAIN": "1"', '"FLOUR#L2@MAIN": "2"'))
    outcome = check_file(path, store="sqlite")
    (failure,) = outcome.failures
    assert "on_hand.FLOUR#L2@MAIN" in str(failure) and "got 1" in str(failure)
