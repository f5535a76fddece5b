"""Tampering that ``verify`` must report, on SQLite and PostgreSQL.

Each test runs the bundled bicycle scenario into a fresh store (twelve batches: stock,
consumption, output, a capacity reversal, subcontracting, a cost adjustment, most under
idempotency keys), disables the append-only triggers as someone with database rights
could, changes rows with raw SQL, and checks that ``verify`` names every change.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._schema import _ENTRY_TABLES
from prodcore.adapters._sql import SqlStore
from prodcore.integrity import IntegrityReport, verify
from prodcore.scenario import load_scenario, run_scenario


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        options = {}
    else:
        url = request.getfixturevalue("pg_dsn")
        options = {"migrate": True}
    with open_store(url, **options) as opened:
        assert isinstance(opened, SqlStore)
        text = resources.files("prodcore").joinpath("examples/bicycle.json").read_text()
        run_scenario(load_scenario(text), opened)
        assert verify(opened).ok
        yield opened


def tamper(store: SqlStore, *statements: str) -> IntegrityReport:
    """Run ``statements`` with the append-only triggers out of the way, then verify."""
    postgres = type(store).__name__.startswith("Postgres")
    with store.transaction() as tx:
        for table in _ENTRY_TABLES:
            if postgres:
                tx.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                tx.execute(f"DROP TRIGGER {table}_no_update")
                tx.execute(f"DROP TRIGGER {table}_no_delete")
        for statement in statements:
            tx.execute(statement)
    return verify(store)


def _delete_batch(posting_no: int) -> tuple[str, ...]:
    return (
        *(
            f"DELETE FROM prodcore_{table}_entries WHERE posting_no = {posting_no}"
            for table in ("gl", "value", "item", "capacity")
        ),
        f"DELETE FROM prodcore_ledger_batches WHERE posting_no = {posting_no}",
    )


def assert_reports(report: IntegrityReport, *expected: str) -> None:
    text = str(report)
    assert not report.ok
    for part in expected:
        assert part in text, f"{part!r} not in:\n{text}"


def test_a_deleted_batch_does_not_stop_the_check(store: SqlStore) -> None:
    report = tamper(
        store,
        *_delete_batch(4),
        # a later batch's G/L lines moved to another account, and a balance rewritten
        _SETUP_CHANGED,
        "UPDATE prodcore_bal_account SET qty = '1' WHERE account = '2140'",
    )
    assert_reports(
        report,
        "ledger batch 4: is missing (numbers run to 12",
        "account balance 2999: stored 0, entries add up to",
        "account balance 2140: stored 1, entries add up to",
        "idempotency frame-material: points at missing posting 4",
    )


def test_every_missing_batch_is_reported(store: SqlStore) -> None:
    report = tamper(store, *_delete_batch(2), *_delete_batch(7), *_delete_batch(12))
    missing = [p.key for p in report.problems if p.message.startswith("is missing")]
    # the last one only the counter remembers; where numbers may have gaps (PostgreSQL)
    # a deleted batch nothing refers to looks like a rolled-back one
    assert missing == (["2", "7", "12"] if store.gapless_numbers else ["7", "12"])


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "UPDATE prodcore_item_entries SET order_id = 'PO-9' WHERE entry_no = 12",
            "ledger:item 12: column order_id is 'PO-9', the document says 'PO-1001'",
        ),
        (
            "UPDATE prodcore_item_entries SET item_no = 'GOLD' WHERE entry_no = 12",
            "ledger:item 12: column item_no is 'GOLD'",
        ),
        (
            "UPDATE prodcore_capacity_entries SET work_center_no = 'PAINTING' WHERE entry_no = 5",
            "ledger:capacity 5: column work_center_no is 'PAINTING'",
        ),
        (
            "UPDATE prodcore_capacity_entries SET applies_to_entry_no = NULL WHERE entry_no = 6",
            "ledger:capacity 6: column applies_to_entry_no is None",
        ),
        (
            "UPDATE prodcore_value_entries SET source_entry_no = 1 WHERE entry_no = 30",
            "ledger:value 30: column source_entry_no is 1, the document says 5",
        ),
        (
            "UPDATE prodcore_value_entries SET order_id = 'PO-9' WHERE entry_no = 30",
            "ledger:value 30: column order_id is 'PO-9'",
        ),
        (
            "UPDATE prodcore_ledger_batches SET idempotency_key = 'other' WHERE posting_no = 5",
            "ledger:batch 5: column idempotency_key is 'other', the document says 'welding'",
        ),
    ],
)
def test_re_keyed_ledger_columns_are_reported(
    store: SqlStore, statement: str, expected: str
) -> None:
    assert_reports(tamper(store, statement), expected)


def test_a_deleted_idempotency_row_is_reported(store: SqlStore) -> None:
    report = tamper(store, "DELETE FROM prodcore_idempotency WHERE key = 'welding'")
    assert_reports(report, "ledger batch 5: posted under key 'welding', which is not remembered")


def test_an_idempotency_row_with_another_command_hash_is_reported(store: SqlStore) -> None:
    report = tamper(
        store, "UPDATE prodcore_idempotency SET command_hash = 'x' WHERE key = 'welding'"
    )
    assert_reports(report, "idempotency welding: column command_hash is 'x', the document says")


def test_an_idempotency_row_pointing_at_another_batch_is_reported(store: SqlStore) -> None:
    report = tamper(
        store,
        """UPDATE prodcore_idempotency SET doc = replace(doc, '"batch_no": 5',
           '"batch_no": 6') WHERE key = 'welding'""",
    )
    assert_reports(
        report, "idempotency welding: points at posting 6, which was posted under 'painting'"
    )


@pytest.mark.parametrize("name", ["posting", "item", "capacity", "value", "gl"])
def test_counters_that_disagree_with_the_ledger_are_reported(store: SqlStore, name: str) -> None:
    report = tamper(store, f"UPDATE prodcore_ledger_counters SET {name} = {name} - 1")
    assert_reports(report, f"ledger counter {name}: says")


def test_a_capacity_reversal_taking_back_more_than_the_original_is_reported(
    store: SqlStore,
) -> None:
    report = tamper(
        store,
        """UPDATE prodcore_capacity_entries SET doc = replace(doc,
           '"applied_quantity": "2"', '"applied_quantity": "13"') WHERE entry_no = 6""",
    )
    assert_reports(report, "capacity entry 6: reverses more of capacity entry 5 than it holds")


def test_a_capacity_reversal_of_another_centre_is_reported(store: SqlStore) -> None:
    report = tamper(
        store,
        """UPDATE prodcore_capacity_entries SET doc = replace(doc,
           '"run_time": "-60"', '"run_time": "60"') WHERE entry_no = 6""",
        """UPDATE prodcore_capacity_entries SET doc = replace(doc,
           '"quantity": "-62.5"', '"quantity": "62.5"') WHERE entry_no = 6""",
    )
    assert_reports(report, "capacity entry 6: does not offset capacity entry 5")


#: The posting setup batch 9's G/L lines derive from, changed in its header.
_SETUP_CHANGED = """UPDATE prodcore_ledger_batches SET doc = replace(doc, '"wip": "2140"',
    '"wip": "2999"') WHERE posting_no = 9"""


def test_a_changed_value_entry_is_reported(store: SqlStore) -> None:
    # its G/L lines derive from it: they move with it, away from the stored balances
    report = tamper(
        store,
        """UPDATE prodcore_value_entries SET doc = replace(doc,
           '"cost_amount_actual": "187.50"', '"cost_amount_actual": "190.00"')
           WHERE entry_no = 30""",
    )
    assert_reports(
        report,
        "WIP balance PO-1001: stored 0.00, entries add up to 2.50",
        "account balance 7890: stored -711.25, entries add up to -713.75",
    )


def test_a_changed_posting_setup_of_a_batch_is_reported(store: SqlStore) -> None:
    report = tamper(store, _SETUP_CHANGED)
    assert_reports(
        report,
        "account balance 2140: stored 0.00, entries add up to -215.63",
        "account balance 2999: stored 0, entries add up to 215.63",
    )


def test_a_posting_dated_9999_is_reported_not_a_crash(store: SqlStore) -> None:
    report = tamper(
        store,
        """UPDATE prodcore_capacity_entries SET doc = replace(doc,
           '2026-03-04T16:00:00', '9999-12-31T16:00:00') WHERE entry_no = 5""",
    )
    assert_reports(report, "capacity entry 5: dated 9999-12-31, outside 1900-01-01 to 9000-12-31")


def test_a_balance_row_no_entry_accounts_for_is_reported(store: SqlStore) -> None:
    report = tamper(store, "INSERT INTO prodcore_bal_wip (order_id, qty) VALUES ('GHOST', '5')")
    assert_reports(report, "WIP balance GHOST: stored 5, no entries add up to it")


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            (
                """UPDATE prodcore_value_entries SET doc = replace(doc, '"capacity_entry_no": 5',
                   '"capacity_entry_no": 99') WHERE entry_no = 30""",
                "UPDATE prodcore_value_entries SET source_entry_no = 99 WHERE entry_no = 30",
            ),
            "value entry 30: values CAPACITY entry 99, which does not exist",
        ),
        (
            (
                """UPDATE prodcore_capacity_entries SET doc = replace(doc,
                   '"applies_to_entry_no": 5', '"applies_to_entry_no": 99') WHERE entry_no = 6""",
                "UPDATE prodcore_capacity_entries SET applies_to_entry_no = 99 WHERE entry_no = 6",
            ),
            "capacity entry 6: reverses capacity entry 99, which does not precede it",
        ),
    ],
)
def test_broken_references_between_entries_are_reported(
    store: SqlStore, statements: tuple[str, ...], expected: str
) -> None:
    assert_reports(tamper(store, *statements), expected)
