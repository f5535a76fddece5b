"""Fuzzing: mutated scenario files through ``prodcore run`` and bad arguments through the
API. Every input ends in exit 0, or a typed error with exit 1 (a refused step) or 2 (a
malformed file); never a traceback, and a refusal changes nothing.

A bounded number of examples runs with the suite; ``HYPOTHESIS_PROFILE=nightly`` runs
many more (the profiles are in ``tests/conftest.py``).
"""

from __future__ import annotations

import contextlib
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodcore import cli
from prodcore.errors import ProdcoreError
from prodcore.masterdata import BomLine, Item, ProductionBom, Replenishment
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    PostConsumption,
)
from prodcore.testing.shop import Shop

EXAMPLES = Path(cli.__file__).resolve().parent / "examples"
SCENARIOS = sorted(EXAMPLES.glob("*.scenario.json"))

#: JSON values a careless integrator writes where something else belongs.
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "false", "no", "1E+999999", "9" * 40, "2026-13-45", "-1", "PO-1"]),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


#: A few dozen examples with the suite; the nightly profile's many more run in full.
_NIGHTLY = settings().max_examples >= 1000


def _examples(bounded: int) -> int:
    return settings().max_examples if _NIGHTLY else bounded


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``doc`` (iteratively: scenario files nest only a few levels)."""
    found: list[tuple[Any, ...]] = []
    stack = [(prefix, doc)]
    while stack:
        path, value = stack.pop()
        found.append(path)
        if isinstance(value, dict):
            stack += [((*path, k), v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [((*path, i), v) for i, v in enumerate(value)]
    return found


def _mutate(doc: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    """An example scenario with one to three places replaced or deleted, or its text cut
    or spoiled."""
    source = draw(st.sampled_from(SCENARIOS)).read_text(encoding="utf-8")
    kind = draw(st.sampled_from(["json"] * 8 + ["cut", "bytes"]))
    if kind == "cut":
        return source.encode()[: draw(st.integers(0, len(source)))]
    if kind == "bytes":
        at = draw(st.integers(0, len(source)))
        return source.encode()[:at] + draw(st.binary(min_size=1, max_size=4)) + source.encode()[at:]
    doc = json.loads(source)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        action = draw(st.sampled_from(["replace", "replace", "delete"])) if path else "replace"
        doc = _mutate(doc, path, action, draw(odd_values))
    return json.dumps(doc).encode()


@settings(
    max_examples=_examples(40),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutated_files())
def test_a_mutated_scenario_file_exits_0_1_or_2_and_never_with_a_traceback(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "fuzzed.scenario.json"
    path.write_bytes(data)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        # an exception other than the CLI's own handling fails the test here
        code = cli.main(["run", str(path), "--store", "memory:", "--quiet"], out=io.StringIO())
    assert code in (0, 1, 2)
    assert "Traceback" not in err.getvalue()
    if code:
        assert err.getvalue().strip(), "a refusal says why"


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"type": "masterdata.block", "record": [], "no": "STOOL"}, "masterdata.block takes"),
        ({"type": [], "order_id": "PO-1"}, '"type" must be a command wire tag, not []'),
        (
            {
                "type": "posting.reverse",
                "idempotency_key": "r",
                "source": "ITEM",
                "entry_no": {"step": None, "where": {}},
            },
            'a reference is {"step": N}',
        ),
    ],
    ids=["unhashable-record-tag", "unhashable-step-tag", "null-step-reference"],
)
def test_inputs_the_fuzzer_found_are_malformed_files(
    tmp_path: Path, step: object, message: str
) -> None:
    doc = json.loads(SCENARIOS[0].read_text(encoding="utf-8"))
    doc["steps"].append(step)
    path = tmp_path / "found.scenario.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli.main(["run", str(path), "--store", "memory:", "--quiet"], out=io.StringIO())
    assert code == 2 and message in err.getvalue()


def _shop() -> Shop:
    shop = Shop(
        [
            Item("STEEL", base_unit="KG", unit_cost=Decimal(2)),
            ProductionBom("BOM", (BomLine("STEEL", Decimal(1)),)),
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="BOM",
            ),
        ]
    )
    shop.create("PO-1", "P", 5)
    shop.release("PO-1")
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("STEEL", Decimal(10)),)))
    return shop


_GOOD_LINE = {"order_id": "PO-1", "line_no": 10000, "component_line_no": 10000, "quantity": "1"}


@settings(max_examples=_examples(60))
@given(field=st.sampled_from(sorted(_GOOD_LINE)), value=odd_values)
def test_a_bad_api_argument_is_refused_typed_and_changes_nothing(field: str, value: Any) -> None:
    shop = _shop()
    before = shop.snapshot()
    try:
        line = ConsumptionLine(**{**_GOOD_LINE, field: value})
        command: Any = PostConsumption(shop.key(), (line,))
    except ProdcoreError:
        return  # refused when built, before any store saw it
    try:
        shop.post(command)
    except ProdcoreError:
        assert shop.snapshot() == before
    else:
        consumed = shop.order().lines[0].components[0].consumed_quantity
        assert consumed == Decimal(line.quantity)


@pytest.mark.parametrize("bad", [None, "PO-1", 5, attrs.evolve])
def test_a_non_command_is_refused_typed(bad: object) -> None:
    shop = _shop()
    before = shop.snapshot()
    with pytest.raises(ProdcoreError):
        shop.post(bad)  # type: ignore[arg-type]
    assert shop.snapshot() == before
