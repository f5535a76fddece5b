"""The rollup's speed-ups change no result, not even a Decimal's exponent.

* the unit amount rounder (a context's own ``quantize``) equals ``Decimal.quantize`` in
  :data:`~prodcore.numbers.ARITHMETIC` with the mode as a keyword, what it replaced:
  same value, same exponent, same error for a value too large to round;
* the rollup of the benchmark's random graphs (co-products, by-products, process loss,
  scrap, routings) hashes, every share as text, to what the rollup gave before the
  speed-ups, for four unit amount precisions (a power of ten or not);
* the application pauses the cyclic garbage collector while it rolls up.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import importlib.util
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import ModuleType

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import implement_standard_cost, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing import ImplementStandardCost, StandardCostRollup, roll_up
from prodcore.costing.rollup_graph import _unit_rounder
from prodcore.masterdata import BomLine, Item, MasterData, ProductionBom, Replenishment
from prodcore.numbers import ARITHMETIC, Rounding, RoundingMode

_CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_rollup.py"

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


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_rollup_identical", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    md = _bench().generate(3000, seed)
    md = attrs.evolve(md, setup=attrs.evolve(md.setup, unit_amount_precision=Decimal(precision)))
    rollup = roll_up(md)
    digest = hashlib.sha256()
    for cost in rollup.items():
        single = "|".join(map(str, cost.single_level.as_tuple()))
        rolled = "|".join(map(str, cost.rolled_up.as_tuple()))
        line = f"{cost.item_no}|{cost.produced}|{single}|{rolled}|"
        digest.update(f"{line}{rollup.standard_cost(cost.item_no)}\n".encode())
    assert digest.hexdigest() == _EXPECTED[seed, precision]


def test_the_application_rolls_up_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a million-item rollup allocates millions of tuples that make no cycles: full
    # collections would rescan the master data several times for nothing
    import prodcore.app.costing as app_costing

    seen: list[bool] = []

    def spy(md: MasterData, item_nos: Iterable[str] | None = None) -> StandardCostRollup:
        seen.append(gc.isenabled())
        return roll_up(md, item_nos)

    monkeypatch.setattr(app_costing, "roll_up", spy)
    uow = InMemoryUnitOfWork(InMemoryStore())
    put_master_data(
        uow,
        [
            Item(
                "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B"
            ),
            Item("C", base_unit="PCS", unit_cost="2.50"),
            ProductionBom("B", (BomLine("C", 3),)),
        ],
    )
    assert gc.isenabled()
    changes = implement_standard_cost(uow, ImplementStandardCost(), clock=_CLOCK)
    assert seen == [False]
    assert gc.isenabled()
    assert [(c.item_no, c.new) for c in changes] == [("P", Decimal("7.50000"))]
