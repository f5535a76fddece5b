"""JSON written straight from records (the per-class text encoders behind ``dumps``, and
the stores' order encoder reusing the texts of unchanged parts) is the converter's JSON,
byte for byte: stored documents are a contract."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import typing
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.adapters import open_store
from prodcore.adapters._sql import SqlStore
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.errors import NotFoundError
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemLedgerEntry,
    PostingBatch,
    ValueEntry,
)
from prodcore.orders.model import Component, Operation, OrderLine, ProductionOrder
from prodcore.records import revise
from prodcore.scenario import load_scenario, run_scenario
from prodcore.serialization import PartsEncoder, _texts, dumps, to_jsonable
from prodcore.testing.strategies import dates, decimals

EXAMPLES = ("bicycle.json", "flushing.scenario.json", "tracking.scenario.json")


def _converters_json(record: object) -> str:
    """The JSON the converter writes (what ``dumps`` wrote before the text encoders)."""
    return json.dumps(to_jsonable(record), ensure_ascii=False)


@functools.cache
def _written() -> tuple[object, ...]:
    """Every order, batch header, entry and idempotency record the example scenarios write."""
    found: list[object] = []
    for name in EXAMPLES:
        text = resources.files("prodcore.examples").joinpath(name).read_text()
        scenario = load_scenario(text)
        store = InMemoryStore()
        run_scenario(scenario, functools.partial(InMemoryUnitOfWork, store))
        found += store.orders.values()
        with InMemoryUnitOfWork(store) as uow:
            n = 1
            while True:
                try:
                    batch = uow.ledger.batch(n)
                except (LookupError, NotFoundError):
                    break
                found += [batch, *batch.item_entries, *batch.capacity_entries]
                found += [*batch.value_entries, *batch.gl_entries]
                if (key := batch.idempotency_key) and (kept := uow.ledger.idempotency(key)):
                    found.append(kept)
                n += 1
    return tuple(found)


def test_the_hot_records_have_text_encoders() -> None:
    for cls in (
        ItemLedgerEntry,
        CapacityLedgerEntry,
        ValueEntry,
        GLEntry,
        IdempotencyRecord,
        PostingBatch,
        ProductionOrder,
        OrderLine,
        Component,
        Operation,
    ):
        assert _texts().encoder(cls) is not None, cls.__name__


def test_everything_the_examples_write_reads_as_the_converter_writes_it() -> None:
    kinds = set()
    for record in _written():
        assert dumps(record) == _converters_json(record), type(record).__name__
        kinds.add(type(record))
    assert {ProductionOrder, ItemLedgerEntry, CapacityLedgerEntry, ValueEntry} <= kinds
    assert IdempotencyRecord in kinds


_ZONES = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])


def _values(kind: Any) -> st.SearchStrategy[Any] | None:
    """Values of a field's type (None: the field is left as it is)."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (typing.Union, UnionType) and type(None) in args:
        inner = [_values(a) for a in args if a is not type(None)]
        return st.none() | st.one_of(*[s for s in inner if s is not None])
    if kind is bool:
        return st.booleans()
    if kind is int:  # a bool where an int is declared: written as the converter writes it
        return st.integers(-(10**9), 10**9) | st.booleans()
    if kind is str:
        return st.text(max_size=6)  # quotes, backslashes, control and non-ASCII characters
    if kind is Decimal:
        return decimals(min_value=-(10**6), max_value=10**6, places=6) | st.sampled_from(
            [Decimal("1E+3"), Decimal("-0.000"), Decimal("12.50")]
        )
    if kind is dt.datetime:
        return st.datetimes(timezones=_ZONES)
    if kind is dt.date:
        return dates()
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return st.sampled_from(list(kind))
    return None


def _changed(draw: Callable[[st.SearchStrategy[Any]], Any], record: Any) -> Any:
    """``record`` with some of its plain fields given other values (a new object)."""
    hints = typing.get_type_hints(type(record))
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(record)):
        values = _values(hints[field.name])
        if values is not None and draw(st.booleans()):
            changes[field.alias] = draw(values)
    try:
        return attrs.evolve(record, **changes)
    except (TypeError, ValueError):  # refused by a validator: other values then
        return attrs.evolve(record)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_records_with_random_field_values_read_as_the_converter_writes_them(
    data: st.DataObject,
) -> None:
    record = data.draw(st.sampled_from(_written()))
    changed = _changed(data.draw, record)
    assert dumps(changed) == _converters_json(changed)


def test_a_value_of_another_type_than_its_field_is_written_as_the_converter_writes_it() -> None:
    component = next(
        c
        for r in _written()
        if isinstance(r, ProductionOrder)
        for line in r.lines
        for c in line.components
    )
    odd = attrs.evolve(component, line_no=True)  # no validator stops it
    assert '"line_no": true' in dumps(odd)
    assert dumps(odd) == _converters_json(odd)


def _revised(
    draw: Callable[[st.SearchStrategy[Any]], Any], order: ProductionOrder
) -> ProductionOrder:
    """``order`` as a posting leaves it: some of its parts new objects (changed, or equal
    copies), the others the very objects they were."""

    def some(parts: tuple[Any, ...], change: Any) -> tuple[Any, ...]:
        return tuple(change(p) if draw(st.booleans()) else p for p in parts)

    def line(old: OrderLine) -> OrderLine:
        new = attrs.evolve(
            old,
            components=some(old.components, lambda c: _changed(draw, c)),
            operations=some(old.operations, lambda o: _changed(draw, o)),
        )
        return _changed(draw, new) if draw(st.booleans()) else new

    revised: ProductionOrder = attrs.evolve(
        _changed(draw, order),
        lines=some(order.lines, line),
        history=some(order.history, attrs.evolve),
    )
    return revised


@settings(max_examples=40, deadline=None)
@given(st.data(), st.sampled_from([0, 3_000, 1_000_000]))
def test_an_order_written_from_the_texts_of_its_unchanged_parts_is_its_json(
    data: st.DataObject, max_chars: int
) -> None:
    orders = [r for r in _written() if isinstance(r, ProductionOrder) and r.lines]
    encoder = PartsEncoder(max_chars)
    order = data.draw(st.sampled_from(orders))
    for _ in range(data.draw(st.integers(1, 4))):
        assert encoder.dumps(order) == _converters_json(order)
        assert encoder.chars <= max_chars
        order = _revised(data.draw, order)
    assert encoder.dumps(order) == _converters_json(order)


def test_a_part_text_is_reused_only_for_the_very_same_object() -> None:
    order = next(r for r in _written() if isinstance(r, ProductionOrder) and r.lines)
    encoder = PartsEncoder(1_000_000)
    encoder.dumps(order)
    line = order.lines[0]
    assert encoder.held[id(line)][0] is line
    changed = attrs.evolve(line, quantity=line.quantity + 1)  # a new object: written again
    revised = attrs.evolve(order, lines=(changed, *order.lines[1:]))
    assert encoder.dumps(revised) == _converters_json(revised)
    assert encoder.held[id(changed)][1] != encoder.held[id(line)][1]


def test_the_texts_held_are_bounded_and_the_least_recently_used_go_first() -> None:
    order = next(r for r in _written() if isinstance(r, ProductionOrder) and len(r.lines) > 1)
    size = len(dumps(order.lines[-1]))
    encoder = PartsEncoder(max_chars=size)  # room for about one line
    encoder.dumps(order)
    assert 0 < encoder.chars <= size
    assert id(order.lines[0]) not in encoder.held  # written first: gone first
    assert encoder.dumps(order) == _converters_json(order)


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_sql_store_writes_each_order_as_the_converter_does(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    plain = PartsEncoder.dumps

    def checked(self: PartsEncoder, order: object) -> str:
        text = plain(self, order)
        assert text == _converters_json(order)
        written.append(text)
        return text

    monkeypatch.setattr(PartsEncoder, "dumps", checked)
    scenario = load_scenario(resources.files("prodcore.examples").joinpath(name).read_text())
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        assert isinstance(store, SqlStore)
        run_scenario(scenario, store)
        reused = len(store.encoded_orders.held)
        assert reused > 0
    assert written
    assert "encoded_orders" not in vars(store)  # a closed store keeps no texts


def test_a_batch_header_and_a_batch_of_stored_lines_read_as_the_converter_writes_them() -> None:
    # a store's header row: the batch without its entries (its derived lines go too);
    # and a batch whose lines are given, not derived (written as they are)
    batches = [r for r in _written() if isinstance(r, PostingBatch)]
    assert any(b.derives_gl and b.value_entries for b in batches)
    for batch in batches:
        header = revise(
            batch, item_entries=(), capacity_entries=(), value_entries=(), gl_entries=()
        )
        stored = revise(batch, gl_entries=batch.gl_entries)
        assert not stored.derives_gl or not stored.gl_entries
        for record in (batch, header, stored):
            assert dumps(record) == _converters_json(record)
        assert '"gl_entries": []' in dumps(header)
