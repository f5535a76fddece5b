"""``revise`` gives the record ``attrs.evolve`` gives, and refuses what it refuses: the
changed fields are converted and validated, the cross-field check runs, the other fields
are the record's own (already validated) values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.errors import InvalidValueError
from prodcore.numbers import Duration, Money, Rounding, RoundingMode, TimeUnit
from prodcore.orders.model import Component, OrderStatus, RoutingStatus
from prodcore.records import revise
from prodcore.testing.contracts import sample_batch, sample_order

WRONG: tuple[object, ...] = (
    1.5,
    True,
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("1E+20"),
    "x",
    None,
    -1,
    [],
)


def _outcome(make: Any) -> object:
    """The record's repr (a NaN that a field without a check takes equals no NaN), or
    the refusal."""
    try:
        return repr(make())
    except InvalidValueError as err:
        return ("refused", err.field, err.reason)
    except (TypeError, ValueError) as err:
        return ("refused", type(err).__name__)


def _records() -> list[Any]:
    order = sample_order("PO-1")
    batch = sample_batch()
    line = order.lines[0]
    return [
        order,
        line,
        line.components[0],
        line.operations[0],
        *batch.item_entries,
        *batch.value_entries,
        *batch.gl_entries,
        Rounding(Decimal("0.01")),
        Money("1.5", "EUR"),
        Duration(3, TimeUnit.HOUR),
    ]


@pytest.mark.parametrize("record", _records(), ids=lambda r: type(r).__name__)
def test_each_field_set_to_a_wrong_value_is_refused_as_evolve_refuses_it(record: Any) -> None:
    compared = 0
    for field in attrs.fields(type(record)):
        for wrong in (*WRONG, getattr(record, field.name)):
            changes = {field.alias: wrong}
            expected = _outcome(lambda c=changes: attrs.evolve(record, **c))
            assert _outcome(lambda c=changes: revise(record, **c)) == expected, changes
            compared += 1
    assert compared >= 10 * len(attrs.fields(type(record)))


def test_a_float_bool_or_nan_in_a_changed_decimal_is_refused() -> None:
    comp = sample_order("PO-1").lines[0].components[0]
    for wrong in (0.5, True, Decimal("NaN")):
        with pytest.raises(InvalidValueError):
            revise(comp, consumed_quantity=wrong)
    with pytest.raises(InvalidValueError, match="must not be negative"):
        revise(comp, expected_quantity=-1)  # the field's validator runs


def test_the_cross_field_check_runs() -> None:
    with pytest.raises(InvalidValueError, match="finer than"):
        revise(Rounding(Decimal("0.01")), precision=Decimal("1E-21"))
    assert revise(Rounding(Decimal("0.01")), mode=RoundingMode.DOWN).mode is RoundingMode.DOWN


def test_unknown_fields_are_refused_like_evolve() -> None:
    comp = sample_order("PO-1").lines[0].components[0]
    unknown: dict[str, Any] = {"colour": "red"}
    with pytest.raises(TypeError):
        attrs.evolve(comp, **unknown)
    with pytest.raises(TypeError):
        revise(comp, **unknown)


@settings(max_examples=60, deadline=None)
@given(
    consumed=st.decimals(min_value=-1000, max_value=1000, places=5, allow_nan=False),
    picked=st.one_of(st.integers(0, 10**6), st.sampled_from(["1.5", "0", "12.000"])),
    path=st.lists(st.text(min_size=1, max_size=3), max_size=3).map(tuple),
)
def test_revise_equals_evolve(consumed: Decimal, picked: int | str, path: tuple[str, ...]) -> None:
    comp: Component = sample_order("PO-1").lines[0].components[0]
    changes: dict[str, Any] = {
        "consumed_quantity": consumed,
        "picked_quantity": picked,
        "bom_path": path,
    }
    revised = revise(comp, **changes)
    assert revised == attrs.evolve(comp, **changes)
    assert type(revised.picked_quantity) is Decimal


def test_every_kind_of_field_copies_as_evolve_copies() -> None:
    order = sample_order("PO-1")
    op = order.lines[0].operations[0]
    assert revise(op, status=RoutingStatus.FINISHED) == attrs.evolve(
        op, status=RoutingStatus.FINISHED
    )
    assert revise(order, status=OrderStatus.RELEASED, version=2) == attrs.evolve(
        order, status=OrderStatus.RELEASED, version=2
    )
    assert revise(order) == order and revise(order) is not order
