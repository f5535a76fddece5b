"""The ledger's seals: committed batches chained in posting order into a table kept with
the ledger, so a change after sealing is found without the caller keeping anything.
On SQLite and PostgreSQL (the ``store`` fixture of the tamper suite)."""

from __future__ import annotations

import io

import pytest

from prodcore import cli
from prodcore.adapters._sql import SqlStore
from prodcore.integrity import seal_ledger, verify
from tests.integrity.test_tamper import store, tamper

__all__ = ["store"]  # the fixture, imported for these tests

_REASON = """UPDATE prodcore_item_entries SET doc = replace(doc, '"opening stock"',
             '"a gift"') WHERE entry_no = 3"""


def _seal_problems(store: SqlStore) -> list[str]:
    return [str(p) for p in verify(store).problems if p.key.startswith("seal ")]


def test_sealing_covers_every_batch_once(store: SqlStore) -> None:
    assert seal_ledger(store) == 12
    assert seal_ledger(store) == 0
    report = verify(store)
    assert report.ok
    rows = store.query("SELECT posting_no FROM prodcore_ledger_seals ORDER BY posting_no")
    assert [n for (n,) in rows] == list(range(1, 13))


def test_a_change_no_other_check_sees_breaks_its_seal_and_only_the_first_is_reported(
    store: SqlStore,
) -> None:
    seal_ledger(store)
    assert verify(store).ok
    report = tamper(store, _REASON)
    assert not report.ok
    assert [str(p) for p in report.problems] == [
        "ledger seal 1: broken: this batch or one before it changed after it was sealed"
    ]


def test_without_seals_the_same_change_goes_unnoticed(store: SqlStore) -> None:
    assert tamper(store, _REASON).ok  # why the seals are kept with the ledger


def test_a_tampered_ledger_is_never_sealed_over(store: SqlStore) -> None:
    tamper(store, "UPDATE prodcore_bal_account SET qty = '1' WHERE account = '2140'")
    assert seal_ledger(store) == 0
    assert store.query("SELECT COUNT(*) FROM prodcore_ledger_seals")[0][0] == 0


def test_seals_are_append_only(store: SqlStore) -> None:
    seal_ledger(store)
    with pytest.raises(Exception, match="append-only"), store.transaction() as tx:
        tx.execute("UPDATE prodcore_ledger_seals SET link = 'x' WHERE posting_no = 1")
    assert verify(store).ok


def _cli(store: SqlStore, url: str, *options: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["verify", "--store", url, *options], out=out)
    return code, out.getvalue()


@pytest.fixture
def url(store: SqlStore, request: pytest.FixtureRequest) -> str:
    if type(store).__name__.startswith("Postgres"):
        dsn: str = request.getfixturevalue("pg_dsn")
        return dsn
    rows = store.query("PRAGMA database_list")
    return f"sqlite:///{rows[0][2]}"


def test_cli_verify_prints_the_head_seals_and_checks_an_expected_head(
    store: SqlStore, url: str
) -> None:
    head = verify(store).ledger_hash
    code, text = _cli(store, url, "--head")
    assert code == 0 and f"head: {head}" in text
    assert store.query("SELECT COUNT(*) FROM prodcore_ledger_seals")[0][0] == 12
    assert _cli(store, url, "--expect-head", str(head))[0] == 0
    code, text = _cli(store, url, "--expect-head", "0" * 64)
    assert code == 1 and "no longer starts with the batches hashed earlier" in text
