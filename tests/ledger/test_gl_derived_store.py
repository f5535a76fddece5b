"""SQL stores write no G/L rows for a batch that derives its lines (its header holds the
posting setup): the lines read back as the in-memory store's, with the same numbers and
hash chain; a store written before reads its rows; verify and the seals cover what the
lines derive from."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from prodcore.adapters import Store, open_store
from prodcore.adapters._sql import SqlStore
from prodcore.app import handle
from prodcore.clock import FixedClock
from prodcore.integrity import ledger_hash_chain, seal_ledger, verify
from prodcore.ledger.model import GLEntry
from prodcore.orders.execution import AdjustInventory, AdjustmentLine
from prodcore.scenario import load_scenario, run_scenario
from tests.integrity.test_tamper import tamper

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _bicycle(store: Store) -> Store:
    text = resources.files("prodcore").joinpath("examples/bicycle.json").read_text()
    run_scenario(load_scenario(text), store)
    return store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url, options = f"sqlite:///{tmp_path / 'demo.db'}", {}
    else:
        url, options = request.getfixturevalue("pg_dsn"), {"migrate": True}
    with open_store(url, **options) as opened:
        assert isinstance(opened, SqlStore)
        _bicycle(opened)
        yield opened


def _gl_rows(store: SqlStore) -> int:
    with store.transaction() as tx:
        return int(tx.query("SELECT COUNT(*) FROM prodcore_gl_entries")[0][0])


def test_the_lines_read_as_in_memory_and_no_row_is_written(store: SqlStore) -> None:
    with open_store("memory:") as memory:
        _bicycle(memory)
        with memory() as uow:
            lines = uow.ledger.gl_entries()
            by_order = uow.ledger.gl_entries(order_id="PO-1001")
            batches = uow.ledger.batches()
    assert _gl_rows(store) == 0
    with store() as uow:
        assert uow.ledger.gl_entries() == lines
        assert uow.ledger.gl_entries(order_id="PO-1001") == by_order
        stored = uow.ledger.batches()
    assert [g.entry_no for g in lines] == list(range(1, len(lines) + 1))
    assert by_order and all(g.order_id == "PO-1001" for g in by_order)
    assert stored == batches
    assert all(b.derives_gl for b in stored if b.value_entries)
    assert ledger_hash_chain(stored) == ledger_hash_chain(batches)
    assert verify(store).ok


def test_seals_cover_the_setup_and_the_value_entries(store: SqlStore) -> None:
    assert seal_ledger(store) == 12
    report = tamper(
        store,
        """UPDATE prodcore_ledger_batches SET doc = replace(doc, '"wip": "2140"',
           '"wip": "2141"') WHERE posting_no = 9""",
    )
    assert "ledger seal 9: broken" in str(report)


@pytest.fixture
def old_store(tmp_path: Path) -> Iterator[SqlStore]:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "store_v0_1_0.sqlite", path)
    with open_store(f"sqlite:///{path}") as opened:
        assert isinstance(opened, SqlStore)
        yield opened


def test_a_store_written_before_reads_its_rows_and_derives_new_lines(
    old_store: SqlStore,
) -> None:
    rows = _gl_rows(old_store)
    with old_store() as uow:
        before = uow.ledger.gl_entries()
    assert len(before) == rows > 0
    line = AdjustmentLine("LUG", 3)
    clock = FixedClock(dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    handle(old_store(), AdjustInventory("more-lugs", (line,)), clock=clock)
    assert _gl_rows(old_store) == rows  # the new batch's lines are derived
    with old_store() as uow:
        after = uow.ledger.gl_entries()
        new = uow.ledger.batches()[-1]
    assert after[: len(before)] == before
    assert after[len(before) :] == list(new.gl_entries)
    assert [g.entry_no for g in after] == list(range(1, len(after) + 1))
    assert [g.account for g in new.gl_entries] == ["2110", "7270"]
    assert verify(old_store).ok


def test_a_changed_row_of_a_store_written_before_is_reported(old_store: SqlStore) -> None:
    with old_store() as uow:
        first: GLEntry = uow.ledger.gl_entries()[0]
    report = tamper(
        old_store,
        f"""UPDATE prodcore_gl_entries SET doc = replace(doc,
            '"value_entry_no": {first.value_entry_no}', '"value_entry_no": 999')
            WHERE entry_no = {first.entry_no}""",
    )
    assert f"G/L entry {first.entry_no}: refers to missing value entry 999" in str(report)
