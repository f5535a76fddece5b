"""The store side of a command does each piece of work once: a master data record, a
setup, a balance or a list asked for several times in a unit of work is read from the committed
state once (and that first answer is the one checked at commit); a command's hash writes its canonical JSON
with an encoder made once, the very text ``json.dumps`` wrote; a batch's staging check,
one expression per class with its nested records' own, still refuses a wrong member
wherever it is in a tuple, and the store stores nothing of that batch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.adapters import Store, open_store
from prodcore.adapters._staging import Committed, StagingUnitOfWork
from prodcore.adapters._storable import storable_problem
from prodcore.app import put_master_data
from prodcore.app.idempotency import _sorted_json
from prodcore.errors import ConcurrencyError, InvalidValueError, NotFoundError
from prodcore.ledger.model import ItemApplication, PostingBatch, PostingSetup
from prodcore.masterdata import Item, ManufacturingSetup, WorkCenter
from prodcore.testing.contracts import sample_batch


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
    put_master_data(store(), [Item("A", base_unit="PCS")])
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


def test_a_setup_balance_or_list_asked_again_is_answered_as_first_and_checked_at_commit(
    store: Store,
) -> None:
    with store() as uow:
        uow.master_data.put_setup(ManufacturingSetup(currency="EUR"))
        uow.ledger.append(sample_batch())
        uow.commit()
    with store() as reader:
        setup, on_hand = reader.master_data.setup, reader.ledger.on_hand("STEEL")
        posting_setup = reader.ledger.posting_setup
        entries = reader.ledger.item_entries(order_id="PO-1")
        with store() as rival:
            rival.master_data.put_setup(ManufacturingSetup(currency="USD"))
            rival.ledger.put_posting_setup(attrs.evolve(PostingSetup(), wip="2141"))
            rival.ledger.append(sample_batch())
            rival.commit()
        assert reader.master_data.setup == setup  # one state: as first read
        assert reader.ledger.on_hand("STEEL") == on_hand == Decimal(-2)
        assert reader.ledger.posting_setup == posting_setup
        assert reader.ledger.item_entries(order_id="PO-1") == entries and len(entries) == 1
        reader.ledger.append(sample_batch())
        with pytest.raises(ConcurrencyError):
            reader.commit()
    with store() as uow:
        assert uow.ledger.on_hand("STEEL") == Decimal(-4)  # the rival's, not the reader's
        assert uow.master_data.setup.currency == "USD"


def test_the_first_answer_of_a_record_read_once_is_checked_at_commit(store: Store) -> None:
    put_master_data(store(), [Item("A", base_unit="PCS")])
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


def _behind_attrs(record: Any, **changes: Any) -> Any:
    """``record`` with ``changes`` set behind attrs's back (a caller's buggy copy)."""
    copy = attrs.evolve(record)
    for name, value in changes.items():
        object.__setattr__(copy, name, value)
    return copy


def _wrong_members(batch: PostingBatch) -> dict[str, tuple[PostingBatch, str]]:
    entry, value = batch.item_entries[0], batch.value_entries[0]
    bad_entry = _behind_attrs(entry, entry_type="CONSUMPTION")
    bad_value = _behind_attrs(value, posted_at=value.posted_at.replace(tzinfo=None))
    application = ItemApplication("STEEL", "MAIN", 1, 2, 1)
    return {
        "entry": (
            _behind_attrs(batch, item_entries=(entry, bad_entry)),
            "item_entries[1].entry_type must be ItemEntryType, not str",
        ),
        "value": (
            _behind_attrs(batch, value_entries=(value, bad_value)),
            "value_entries[1].posted_at needs a timezone",
        ),
        "application": (
            _behind_attrs(batch, item_applications=(application, "x")),
            "item_applications[1] must be ItemApplication, not str",
        ),
        "number": (
            _behind_attrs(batch, cost_marked=(1, True)),
            "cost_marked[1] must be int, not bool",
        ),
        "setup": (
            _behind_attrs(batch, gl_setup=_behind_attrs(PostingSetup(), wip=2140)),
            "gl_setup.wip must be str, not int",
        ),
    }


@pytest.mark.parametrize("case", ["entry", "value", "application", "number", "setup"])
def test_a_wrong_member_after_a_right_one_is_refused_and_nothing_stored(
    store: Store, case: str
) -> None:
    batch = sample_batch()
    assert storable_problem(batch) is None
    wrong, problem = _wrong_members(batch)[case]
    assert storable_problem(wrong) == problem
    with store() as uow:
        with pytest.raises(InvalidValueError):
            uow.ledger.append(wrong)
        assert uow.ledger.item_entries() == []
        uow.commit()
    with store() as uow:
        assert uow.ledger.item_entries() == [] and uow.ledger.value_entries() == []
