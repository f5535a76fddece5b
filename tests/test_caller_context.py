"""A caller's decimal context changes no result: the entry points of ``prodcore.app``, the
rollup and ``verify`` compute in prodcore's own context. A notebook that sets
``getcontext().prec = 2`` (or a ``ROUND_DOWN``) posts, rolls up and checks exactly what a
default session does, digits and exponents alike."""

from __future__ import annotations

import datetime as dt
import decimal
import importlib
import inspect
from importlib import resources

import pytest

from prodcore.adapters import MemoryStoreFactory
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import put_master_data
from prodcore.costing.rollup import roll_up
from prodcore.integrity import verify
from prodcore.ledger.average_periods import AveragePoolKey
from prodcore.masterdata import AverageCostPeriod, ManufacturingSetup, MasterData
from prodcore.numbers import OWN_CONTEXT, in_own_context
from prodcore.scenario import load_scenario, run_scenario
from prodcore.serialization import dumps
from tests.costing.test_average_cost_period import _post, _shop

CALLERS = [
    decimal.Context(prec=2),
    decimal.Context(prec=4, rounding=decimal.ROUND_DOWN),
    decimal.Context(prec=40, rounding=decimal.ROUND_CEILING),
]


def _demo_ledger() -> list[str]:
    """Every batch the bundled scenario posts, as stored text (exponents included)."""
    text = resources.files("prodcore.examples").joinpath("bicycle.json").read_text()
    store = InMemoryStore()
    run_scenario(load_scenario(text), lambda: InMemoryUnitOfWork(store))
    assert verify(lambda: InMemoryUnitOfWork(store)).ok
    with InMemoryUnitOfWork(store) as uow:
        return [dumps(uow.ledger.batch(n)) for n in range(1, len(store.ledger.batches) + 1)]


@pytest.mark.parametrize("caller", CALLERS, ids=["prec2", "prec4-down", "prec40-ceiling"])
def test_the_demo_posts_the_same_ledger_whatever_the_callers_context(
    caller: decimal.Context,
) -> None:
    expected = _demo_ledger()
    assert len(expected) > 10
    with decimal.localcontext(caller):
        assert _demo_ledger() == expected
        assert decimal.getcontext().prec == caller.prec  # (the caller's is left as it was)


@pytest.mark.parametrize("caller", CALLERS, ids=["prec2", "prec4-down", "prec40-ceiling"])
def test_the_rollup_is_the_same_whatever_the_callers_context(caller: decimal.Context) -> None:
    text = resources.files("prodcore.examples").joinpath("bicycle.json").read_text()
    store = InMemoryStore()
    put_master_data(InMemoryUnitOfWork(store), load_scenario(text).master_data)
    with InMemoryUnitOfWork(store) as uow:
        md = MasterData.snapshot(uow.master_data)
    expected = roll_up(md)
    with decimal.localcontext(caller):
        rolled = roll_up(md)
    assert [repr(rolled[no]) for no in rolled] == [repr(expected[no]) for no in expected]
    assert len(expected) > 5


#: Public functions that do no Decimal arithmetic of their own (formatting, lookups,
#: calendars in integer microseconds, hashing): they need no context of prodcore's.
_NO_ARITHMETIC = {
    "build_calendars",
    "centre_calendar",
    "centre_label",
    "command_hash",
    "consolidated_calendar",
    "due_anchor",
    "entry_value",
    "find_bom_cycle",
    "fmt",
    "from_micros",
    "moves_inventory",
    "one_shift_per_weekday",
    "period_start",
    "quantize_time",
    "table",
    "to_micros",
}


@pytest.mark.parametrize(
    "module",
    [
        "prodcore.app",
        "prodcore.costing",
        "prodcore.orders",
        "prodcore.scheduling",
        "prodcore.reports",
        "prodcore.ledger.valuation",
    ],
)
def test_every_public_function_that_computes_runs_in_prodcores_context(module: str) -> None:
    found = importlib.import_module(module)
    functions = {
        name: getattr(found, name)
        for name in found.__all__
        if inspect.isfunction(getattr(found, name)) and name not in _NO_ARITHMETIC
    }
    assert functions
    outside = [name for name, f in functions.items() if not hasattr(f, "__wrapped__")]
    assert outside == []
    with decimal.localcontext(decimal.Context(prec=2)):
        probe = in_own_context(decimal.getcontext)()
    assert probe.prec == OWN_CONTEXT.prec and probe.rounding == OWN_CONTEXT.rounding


def test_a_store_query_that_divides_runs_in_prodcores_context() -> None:
    # three units worth 10.00 in March: an average of 3.33… to 28 digits, whatever the
    # context of the code that asks
    store = MemoryStoreFactory()
    _shop(store, AverageCostPeriod.MONTH)
    _post(store, "in-1", 2, 1, "3.00")
    _post(store, "in-2", 2, 2, "3.50")
    key = AveragePoolKey.of(
        ManufacturingSetup(average_cost_period=AverageCostPeriod.MONTH), "A", ""
    )
    with store() as uow:
        expected = uow.ledger.average_unit_cost(key, dt.date(2026, 3, 1))
    assert expected == decimal.Decimal(10) / 3
    with decimal.localcontext(decimal.Context(prec=2)), store() as uow:
        assert uow.ledger.average_unit_cost(key, dt.date(2026, 3, 1)) == expected
