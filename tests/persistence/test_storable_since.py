"""The staging check of a record against the stored record it replaces (a saved order):
what it shares with the stored one is not walked again, and nothing else gets through.

Each mutant below is the stored sample with one field, of it or of a record it holds, set
to a wrong value behind attrs's back; it shares every other part (the very objects) with
the stored sample, so these are exactly the cases the shortcut skips around."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from prodcore.adapters import open_store
from prodcore.adapters._storable import storable_problem
from prodcore.errors import InvalidValueError
from prodcore.testing.contracts import sample_order
from tests.persistence.conftest import fresh_store
from tests.persistence.test_storable import _copy, _mutants, _round_trips


def test_a_mutant_of_the_known_record_is_refused_exactly_when_the_round_trip_refuses() -> None:
    known = sample_order("PO-1")
    checked = refused = 0
    for mutant in _mutants(known):
        problem = storable_problem(mutant, known=known)
        assert (problem is None) == _round_trips(mutant), mutant
        assert problem == storable_problem(mutant)  # the same words as the full check
        checked += 1
        refused += problem is not None
    assert checked > 100 and refused > checked // 2


def test_a_changed_member_is_checked_wherever_it_sits_in_its_tuple() -> None:
    known = sample_order("PO-1")
    line = known.lines[0]
    bad_op = _copy(line.operations[0])
    object.__setattr__(bad_op, "work_center_no", 1.5)  # a float, as a buggy copy would hold
    appended = attrs.evolve(line, operations=(*line.operations, bad_op))
    order = known.replace_line(appended)
    assert storable_problem(order, known=known) == (
        f"lines[0].operations[{len(line.operations)}].work_center_no must be str, not float"
    )
    # a member of another class where a record belongs, and a list where a tuple belongs
    for wrong in (("x",), ["x"]):
        odd = _copy(known)
        object.__setattr__(odd, "lines", wrong)
        assert storable_problem(odd, known=known) == storable_problem(odd) is not None


def test_a_known_record_of_another_class_is_not_trusted() -> None:
    order = sample_order("PO-1")
    bad = _copy(order)
    object.__setattr__(bad, "due_date", Decimal("NaN"))
    assert storable_problem(bad, known=order.lines[0]) is not None
    assert storable_problem(bad, known=None) is not None


@pytest.mark.parametrize("kind", ["memory", "sqlite-memory"])
def test_a_save_with_a_wrong_value_in_a_changed_line_stores_nothing(kind: str) -> None:
    with fresh_store(kind) as store:
        with store() as uow:
            uow.orders.add(sample_order("PO-1"))
            uow.commit()
        with store() as uow:
            stored = uow.orders.get("PO-1")
            line = _copy(stored.lines[0])
            object.__setattr__(line, "item_no", True)  # a bool is no item number
            bad: Any = attrs.evolve(stored.replace_line(line), version=stored.version + 1)
            with pytest.raises(InvalidValueError, match="item_no"):
                uow.orders.save(bad, expected_version=stored.version)
            uow.commit()
        with store() as uow:
            assert uow.orders.get("PO-1") == stored


def test_a_second_save_in_a_unit_of_work_is_checked_against_the_first() -> None:
    with open_store("memory:") as store:
        with store() as uow:
            uow.orders.add(sample_order("PO-1"))
            uow.commit()
        with store() as uow:
            first = attrs.evolve(uow.orders.get("PO-1"), description="one", version=2)
            uow.orders.save(first, expected_version=1)
            bad = _copy(attrs.evolve(first, version=3))
            object.__setattr__(bad, "description", 3)
            with pytest.raises(InvalidValueError, match="description must be str"):
                uow.orders.save(bad, expected_version=2)
            assert uow.orders.get("PO-1") is first
