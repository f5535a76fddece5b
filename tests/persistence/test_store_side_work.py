"""The store side of a command does each piece of work once: a master data record asked
for several times in a unit of work is read from the committed state once (and that
first answer is the one checked at commit); a command's hash writes its canonical JSON
with an encoder made once, the very text ``json.dumps`` wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.adapters import Store, open_store
from prodcore.adapters._staging import Committed, StagingUnitOfWork
from prodcore.app.idempotency import _sorted_json
from prodcore.errors import ConcurrencyError, NotFoundError
from prodcore.masterdata import Item, WorkCenter


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = "memory:" if request.param == "memory" else f"sqlite:///{tmp_path}/p.db"
    with open_store(url) as opened:
        yield opened


def _count_record_reads(uow: StagingUnitOfWork, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The (kind, no) of each committed master data read of ``uow`` from now on."""
    asked: list[Any] = []
    make = uow._committed

    def committed() -> Committed:
        reader = make()
        read = reader.record

        def record(kind: type, no: str) -> Any:
            asked.append((kind, no))
            return read(kind, no)

        monkeypatch.setattr(reader, "record", record)
        return reader

    monkeypatch.setattr(uow, "_committed", committed)
    return asked


def test_a_record_asked_for_again_in_a_unit_of_work_is_read_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store() as uow:
        uow.master_data.put(Item("A", base_unit="PCS"))
        uow.commit()
    uow = store()
    assert isinstance(uow, StagingUnitOfWork)
    asked = _count_record_reads(uow, monkeypatch)
    with uow:
        md = uow.master_data
        assert md.item("A") is md.item("A") is md.find(Item, "A")
        assert md.find(Item, "B") is None and md.find(Item, "B") is None  # absent: once too
        with pytest.raises(NotFoundError):
            md.item("B")
        md.put(Item("B", base_unit="KG"))  # staged after it was read absent
        assert md.item("B") == Item("B", base_unit="KG")
        with pytest.raises(NotFoundError):
            md.work_center("A")  # numbers are per kind
    assert asked == [(Item, "A"), (Item, "B"), (WorkCenter, "A")]


def test_the_first_answer_of_a_record_read_once_is_checked_at_commit(store: Store) -> None:
    with store() as uow:
        uow.master_data.put(Item("A", base_unit="PCS"))
        uow.commit()
    with store() as reader:
        reader.master_data.item("A")
        with store() as rival:
            rival.master_data.put(Item("A", base_unit="KG"))
            rival.commit()
        assert reader.master_data.item("A").base_unit == "PCS"  # as first read
        reader.master_data.put(Item("C", base_unit="PCS"))
        with pytest.raises(ConcurrencyError):
            reader.commit()
    with store() as uow:
        assert uow.master_data.item("A").base_unit == "KG"
        assert uow.master_data.find(Item, "C") is None  # nothing of the refused commit


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON, st.sampled_from([(",", ":"), (", ", ": ")]))
def test_a_hash_writes_the_text_json_dumps_wrote(data: object, separators: tuple[str, str]) -> None:
    expected = json.dumps(data, sort_keys=True, separators=separators)
    assert _sorted_json(separators)(data) == expected


def test_a_hash_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        _sorted_json((",", ":"))({"a": object()})
