"""``verify`` re-adds the per-lot and per-bin on-hand from the entries and reports a
stored balance row that disagrees, or that no entry accounts for (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._sql import SqlStore
from prodcore.integrity import verify
from tests.tracking.conftest import make_shop, worked_example


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    """The lot worked example (STEEL lots S1, S2; FRAME lots; BIKE serials) on SQLite."""
    with open_store(f"sqlite:///{tmp_path / 'lots.db'}") as opened:
        assert isinstance(opened, SqlStore)
        worked_example(make_shop(opened()))
        assert verify(opened).ok
        yield opened


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            (
                "UPDATE prodcore_bal_lot_on_hand SET qty = '3' "
                "WHERE item_no = 'STEEL' AND lot_no = 'S2'"
            ),
            "lot on hand balance ('STEEL', '', 'S2', ''): stored 3, entries add up to 2",
        ),
        (
            (
                "INSERT INTO prodcore_bal_lot_on_hand (item_no, location_code, lot_no, serial_no, qty)"
                " VALUES ('STEEL', '', 'GHOST', '', '5')"
            ),
            "lot on hand balance ('STEEL', '', 'GHOST', ''): stored 5, no entries add up to it",
        ),
        (
            "UPDATE prodcore_bal_on_hand_bin SET qty = '7' WHERE item_no = 'BOLT'",
            "bin on hand balance ('BOLT', '', ''): stored 7, entries add up to 100",
        ),
        (
            (
                "INSERT INTO prodcore_bal_on_hand_bin (item_no, location_code, bin_code, qty)"
                " VALUES ('BOLT', '', 'NOWHERE', '1')"
            ),
            "bin on hand balance ('BOLT', '', 'NOWHERE'): stored 1, no entries add up to it",
        ),
    ],
)
def test_a_tampered_lot_or_bin_balance_is_reported(
    store: SqlStore, statement: str, expected: str
) -> None:
    with store.transaction() as tx:
        tx.execute(statement)
    report = verify(store)
    assert not report.ok
    assert expected in str(report), str(report)
