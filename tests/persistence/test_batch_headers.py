"""A SQL store writes a posting batch's header row (the batch without its entries, which
have rows of their own) straight from the batch, without a copy of it: the same text,
byte for byte, as the copy's."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prodcore import records
from prodcore.adapters._sql import SqlStore
from prodcore.adapters._sql_writes import _insert_batches
from prodcore.adapters.sqlite import SqliteStore
from prodcore.ledger.model import PostingBatch
from prodcore.records import revise
from prodcore.serialization import dumps, dumps_emptied
from prodcore.testing.contracts import sample_batch

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _flowed(path: Path) -> SqliteStore:
    """A store after a small production flow (orders output, finished, adjusted) and
    a batch with G/L lines of its own."""
    spec = importlib.util.spec_from_file_location(
        "headers_bench_flow", BENCHMARKS / "bench_flow.py"
    )
    assert spec is not None and spec.loader is not None
    flow = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flow)
    store = SqliteStore(path)
    flow.run_flow(store, 1, 2, "headers")
    with store() as uow:
        uow.ledger.append(sample_batch())
        uow.commit()
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    store = _flowed(tmp_path / "headers.db")
    yield store
    store.close()


def _header(batch: PostingBatch) -> str:
    """The header as a copy of the batch without its entries writes it."""
    return dumps(
        revise(batch, item_entries=(), capacity_entries=(), value_entries=(), gl_entries=())
    )


def test_each_stored_header_is_the_text_of_the_batch_without_its_entries(
    store: SqlStore,
) -> None:
    with store() as uow:
        batches = uow.ledger.batches()
    stored = dict(store.query("SELECT posting_no, doc FROM prodcore_ledger_batches"))
    assert len(batches) == len(stored) > 10
    assert {b.derives_gl for b in batches} == {True, False}  # lines derived, and rows
    assert any(b.item_entries and b.value_entries and b.capacity_entries for b in batches)
    for batch in batches:
        assert stored[batch.posting_no] == _header(batch)


def test_a_header_is_written_without_copying_the_batch(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store() as uow:
        batches = uow.ledger.batches()
    copied: list[type] = []
    reviser = records._reviser

    def counted(kind: type, names: tuple[str, ...]) -> Any:
        copied.append(kind)
        return reviser(kind, names)

    monkeypatch.setattr(records, "_reviser", counted)
    written: dict[str, list[Any]] = {}

    class Rows:
        def insert_rows(self, table: str, columns: str, rows: list[Any]) -> None:
            written[table] = rows

    _insert_batches(Rows(), batches)  # type: ignore[arg-type]
    assert copied == []
    assert [doc for _, _, doc in written["prodcore_ledger_batches"]] == [
        _header(b) for b in batches
    ]


def test_a_value_of_another_type_falls_back_to_the_converter() -> None:
    batch = sample_batch()
    odd = revise(batch, document_no="D")
    object.__setattr__(odd, "posting_no", "7")  # (not an int: the text encoder refuses)
    assert dumps_emptied(odd, ("item_entries",)) == dumps(revise(odd, item_entries=()))
