"""The stores' staging check, compiled per type, refuses exactly what a write and read
back of the value's document refuses: checked on sample orders, batches and master
data, and on every one of their fields set to a value of a wrong type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from prodcore.adapters._storable import _round_trip, storable_problem
from prodcore.errors import InvalidValueError
from prodcore.numbers import as_decimal
from prodcore.testing.contracts import sample_batch, sample_master_data, sample_order
from prodcore.testing.strategies import master_data

_NAIVE = dt.datetime(2026, 3, 2, 8)  # noqa: DTZ001 (the naive moment refused)
#: values of the wrong type for most fields (and of the right type for some)
_WRONG: tuple[object, ...] = (
    None,
    "x",
    1,
    True,
    1.5,
    Decimal("NaN"),
    Decimal("1E+20"),
    _NAIVE,
    dt.date(2026, 3, 2),
    (),
    ["x"],
)


def _round_trips(value: object) -> bool:
    """The reference: the value's document reads back as the value (a crash writing it
    is a refusal too)."""
    try:
        return _round_trip(type(value))(value) is None
    except Exception:  # any failure of the reference counts as a refusal
        return False


def _samples() -> list[object]:
    return [sample_order("PO-1"), sample_batch(), *sample_master_data()]


#: (an object: its declared type is a function's, the converter's an attrs Converter)
_AS_DECIMAL: object = as_decimal


def _converted(field: attrs.Attribute[Any]) -> bool:
    """Whether the record's own converter checks every value of ``field`` (a Decimal
    field: the store does not check it again)."""
    return field.converter is _AS_DECIMAL


def _mutants(value: Any) -> Iterator[Any]:
    """``value`` with one field the store checks, of it or of a record it holds, set to
    each wrong value (set behind attrs's back, as a caller's buggy copy would be)."""
    for field in attrs.fields(type(value)):
        current = getattr(value, field.name)
        for wrong in () if _converted(field) else _WRONG:
            mutant = _copy(value)
            object.__setattr__(mutant, field.name, wrong)
            yield mutant
        nested = [current] if attrs.has(type(current)) else []
        if isinstance(current, tuple):
            nested = [m for m in current[:1] if attrs.has(type(m))]
        for inner in nested:
            for changed in _mutants(inner):
                mutant = _copy(value)
                again = changed if inner is current else (changed, *current[1:])
                object.__setattr__(mutant, field.name, again)
                yield mutant


def _copy(value: Any) -> Any:
    copy = object.__new__(type(value))
    for field in attrs.fields(type(value)):
        object.__setattr__(copy, field.name, getattr(value, field.name))
    return copy


@pytest.mark.parametrize("sample", _samples(), ids=lambda s: type(s).__name__)
def test_the_compiled_check_refuses_what_the_round_trip_refuses(sample: object) -> None:
    assert storable_problem(sample) is None
    assert _round_trips(sample)
    checked = 0
    for mutant in _mutants(sample):
        assert (storable_problem(mutant) is None) == _round_trips(mutant), mutant
        checked += 1
    kind = type(sample)
    assert attrs.has(kind)
    checks = [f for f in attrs.fields(kind) if not _converted(f)]
    assert checked >= 10 * len(checks)  # every field checked, several wrong values


def _records(value: Any) -> Iterator[Any]:
    """``value`` and the first record of each field of it holding records, and theirs."""
    todo = [value]
    while todo:
        record = todo.pop()
        yield record
        for field in attrs.fields(type(record)):
            current = getattr(record, field.name)
            nested = current[:1] if isinstance(current, tuple) else (current,)
            todo.extend(m for m in nested if attrs.has(type(m)))


@pytest.mark.parametrize("sample", _samples(), ids=lambda s: type(s).__name__)
def test_a_field_the_store_leaves_to_the_converter_refuses_at_construction(
    sample: object,
) -> None:
    """Every wrong value of a Decimal field is refused where the record is built (or
    copied with ``evolve``), with InvalidValueError, or made a Decimal that stores; the
    store's check, which skips those fields, misses nothing a caller can pass."""
    checked = fields = 0
    for record in _records(sample):
        for field in filter(_converted, attrs.fields(type(record))):
            fields += 1
            for wrong in _WRONG:
                mutant = _copy(record)
                object.__setattr__(mutant, field.name, wrong)
                try:
                    built = attrs.evolve(record, **{field.alias: wrong})
                except InvalidValueError:
                    assert not _round_trips(mutant), (field.name, wrong)
                else:
                    assert type(getattr(built, field.name)) is Decimal
                    assert storable_problem(built) is None and _round_trips(built)
                checked += 1
    assert checked == fields * len(_WRONG)


def test_a_decimal_of_a_subclass_is_built_as_a_decimal() -> None:
    class Odd(Decimal):
        pass

    line = sample_order("PO-1").lines[0]
    revised = attrs.evolve(line, quantity=Odd(3))
    assert type(revised.quantity) is Decimal and storable_problem(revised) is None


def test_the_problem_names_the_field_and_what_it_holds() -> None:
    order = sample_order("PO-1")
    line = order.lines[0]
    bad = attrs.evolve(order, lines=(attrs.evolve(line, item_no=7), *order.lines[1:]))  # type: ignore[arg-type]
    assert storable_problem(bad) == "lines[0].item_no must be str, not int"


@settings(max_examples=25, deadline=None)
@given(master_data())
def test_generated_master_data_stores(md: Any) -> None:
    records = (*md.items.values(), *md.boms.values(), *md.routings.values(), md.setup)
    for record in (*records, *md.work_centers.values()):
        assert storable_problem(record) is None
        assert _round_trips(record)
