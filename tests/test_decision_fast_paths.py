"""The shortcuts the decisions take give exactly what the general way gives.

A rounding works out once how it rounds, an item shares its need roundings, and the
production flow's records (every entry, amount, exponent and G/L line, every order) are
those of a digest taken before these shortcuts were made.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.adapters import open_store
from prodcore.costing import CostShares
from prodcore.integrity import verify
from prodcore.masterdata import QUANTITY_PRECISION, Item, ItemUnitOfMeasure, NeedRounding
from prodcore.numbers import ARITHMETIC, ONE, Rounding, RoundingMode, shared_rounding
from prodcore.records import field_setters, revise
from prodcore.serialization import to_jsonable
from tests.test_benchmarks import load

#: precisions of every kind: powers of ten with trailing zeros or an exponent, and steps
PRECISIONS = st.sampled_from(
    [Decimal(s) for s in ("1", "0.01", "0.010", "0.00001", "1E+1", "10", "0.5", "0.25", "5")]
)
VALUES = st.decimals(min_value=-(10**9), max_value=10**9, places=7, allow_nan=False)


def general_rounding(precision: Decimal, mode: RoundingMode, value: Decimal) -> Decimal:
    """How a rounding rounded before it kept its plan: the precision's digits looked at,
    and the mode read, at every value."""
    if precision.as_tuple().digits == (1,):
        return value.quantize(precision, rounding=mode.value, context=ARITHMETIC)
    steps = ARITHMETIC.divide(value, precision)
    return ARITHMETIC.multiply(
        steps.quantize(ONE, rounding=mode.value, context=ARITHMETIC), precision
    )


@given(precision=PRECISIONS, mode=st.sampled_from(list(RoundingMode)), value=VALUES)
def test_a_rounding_rounds_as_the_general_way(
    precision: Decimal, mode: RoundingMode, value: Decimal
) -> None:
    expected = general_rounding(precision, mode, value)
    for rounding in (Rounding(precision, mode), shared_rounding(precision, mode)):
        got = rounding.apply(value)
        assert got.as_tuple() == expected.as_tuple()  # the same digits and exponent
        assert rounding.apply(value).as_tuple() == expected.as_tuple()  # plan kept


@given(precision=PRECISIONS, value=VALUES)
def test_an_items_shared_need_rounding_rounds_as_a_new_one(
    precision: Decimal, value: Decimal
) -> None:
    item = Item(
        "C",
        base_unit="PCS",
        rounding_precision=precision,
        units=(ItemUnitOfMeasure("BOX", qty_per_base=12, rounding_precision=precision),),
    )
    first = Rounding(min(precision, QUANTITY_PRECISION), RoundingMode.HALF_UP).apply(value)
    if first == 0 and value > 0:
        first = value
    expected = Rounding(precision, RoundingMode.CEILING).apply(first)
    for unit in ("PCS", "BOX"):
        shared = item.need_rounding(unit)
        assert shared.precision.as_tuple() == precision.as_tuple()
        assert shared.apply(value).as_tuple() == expected.as_tuple()
        assert NeedRounding(precision).apply(value).as_tuple() == expected.as_tuple()


def test_need_roundings_of_equal_precisions_written_apart_stay_apart() -> None:
    # 0.01 == 0.010, but a need rounded to the second carries three places
    two = Item("A", base_unit="PCS", rounding_precision=Decimal("0.01"))
    three = Item("B", base_unit="PCS", rounding_precision=Decimal("0.010"))
    assert two.need_rounding("PCS") is Item(
        "X", base_unit="PCS", rounding_precision=Decimal("0.01")
    ).need_rounding("PCS")
    assert str(two.need_rounding("PCS").apply(Decimal("1.2345"))) == "1.24"
    assert str(three.need_rounding("PCS").apply(Decimal("1.2345"))) == "1.240"


def flow_digest(monkeypatch: pytest.MonkeyPatch) -> str:
    """The SHA-256 of every batch (with its G/L lines as read), every order and the
    balances of the benchmark's production flow (N=2, K=3) on the in-memory store."""
    bench = load("bench_flow")
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=0))
    store = open_store("memory://")
    bench.run_flow(store, 2, 3, "digest")
    assert verify(store).ok
    with store() as uow:
        batches = uow.ledger.batches()
        facts = {
            "batches": [to_jsonable(b) for b in batches],
            "gl": [to_jsonable(b.gl_entries) for b in batches],
            "orders": [to_jsonable(o) for o in uow.orders.list()],
        }
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_flows_records_are_those_of_the_general_way(monkeypatch: pytest.MonkeyPatch) -> None:
    assert flow_digest(monkeypatch) == FLOW_DIGEST


#: :func:`flow_digest` on commit 75da908, before the shortcuts
FLOW_DIGEST = "e7b2969543640857fe7beeeb9f32fb5afd71b6cf2f28cd976137daf43e71da7f"


@attrs.define(frozen=True, slots=False)
class _Unslotted:
    """A record with a ``__dict__``: its copies set fields by name."""

    a: int
    b: str = "x"


def test_a_record_without_slots_is_revised_and_set_by_name() -> None:
    record = _Unslotted(1)
    assert revise(record, b="y") == _Unslotted(1, "y")
    fresh = object.__new__(_Unslotted)
    for set_field, value in zip(field_setters(_Unslotted), (2, "z"), strict=True):
        set_field(fresh, value)
    assert fresh == _Unslotted(2, "z")


@given(
    a=st.decimals(min_value=-(10**6), max_value=10**6, places=4),
    b=st.decimals(min_value=-(10**6), max_value=10**6, places=4),
)
def test_cost_shares_add_and_subtract_share_by_share(a: Decimal, b: Decimal) -> None:
    x = CostShares(a, b, a, b, a)
    y = CostShares(b, a, b, a, b)
    assert (x + y).as_tuple() == tuple(
        p + q for p, q in zip(x.as_tuple(), y.as_tuple(), strict=True)
    )
    assert (x - y).as_tuple() == tuple(
        p - q for p, q in zip(x.as_tuple(), y.as_tuple(), strict=True)
    )
