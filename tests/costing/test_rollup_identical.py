"""The rollup's speed-ups change no result, not even a Decimal's exponent.

* the unit amount rounder (a context's own ``quantize``) equals ``Decimal.quantize`` in
  :data:`~prodcore.numbers.ARITHMETIC` with the mode as a keyword, what it replaced:
  same value, same exponent, same error for a value too large to round;
* the rollup of the benchmark's random graphs (co-products, by-products, process loss,
  scrap, routings) hashes, every share as text, to what the rollup gave before the
  speed-ups, for four unit amount precisions (a power of ten or not).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.costing import roll_up
from prodcore.costing.rollup_graph import _unit_rounder
from prodcore.numbers import ARITHMETIC, Rounding, RoundingMode
from tests.test_benchmarks import load

_decimals = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=-(10**40), max_value=10**40
)


@given(
    value=_decimals | st.sampled_from([Decimal("1E+70"), Decimal("-0.000005"), Decimal("2.5")]),
    exponent=st.integers(-8, 2),
    mode=st.sampled_from(list(RoundingMode)),
)
def test_rounder_equals_quantize_with_keywords(
    value: Decimal, exponent: int, mode: RoundingMode
) -> None:
    precision = Decimal(1).scaleb(exponent)
    rnd = _unit_rounder(Rounding(precision, mode))
    try:
        expected = value.quantize(precision, rounding=mode.value, context=ARITHMETIC)
    except InvalidOperation:
        with pytest.raises(InvalidOperation):
            rnd(value)
        return
    got = rnd(value)
    assert (str(got), got.as_tuple()) == (str(expected), expected.as_tuple())


def test_rounder_for_other_precisions_is_the_roundings_own() -> None:
    rounding = Rounding(Decimal("0.05"))
    assert _unit_rounder(rounding) == rounding.apply
    assert _unit_rounder(rounding)(Decimal("1.024")) == Decimal("1.00")


# sha256 of every item's shares as text, computed by the rollup before the speed-ups
# (commit 0c55e09) on ``generate(3000, seed)`` with the unit amount precision given
_EXPECTED = {
    (1, "0.00001"): "527f18f9c8cefd0f260cb1b33d8644b83ad963bb08140264f3311f29dd41b871",
    (2, "0.01"): "34d0cec38cbd40de8dcebb77e34d6cd8b92138a07a834e71b81616ed4ee5975b",
    (3, "0.05"): "685e600f9674db72d8b970bfe237477c5a38fad311098d5ed6b015dc89acd1bd",
    (4, "1"): "f926fba086168b2cb2fdbe19a4002719999442370453f0b8067b34f941568ea6",
}


@pytest.mark.parametrize(("seed", "precision"), sorted(_EXPECTED))
def test_results_are_those_of_the_rollup_before(seed: int, precision: str) -> None:
    md = load("bench_rollup").generate(3000, seed)
    md = attrs.evolve(md, setup=attrs.evolve(md.setup, unit_amount_precision=Decimal(precision)))
    rollup = roll_up(md)
    digest = hashlib.sha256()
    for cost in rollup.items():
        single = "|".join(map(str, cost.single_level.as_tuple()))
        rolled = "|".join(map(str, cost.rolled_up.as_tuple()))
        line = f"{cost.item_no}|{cost.produced}|{single}|{rolled}|"
        digest.update(f"{line}{rollup.standard_cost(cost.item_no)}\n".encode())
    assert digest.hexdigest() == _EXPECTED[seed, precision]
