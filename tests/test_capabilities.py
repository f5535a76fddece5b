"""The optional capabilities of a store (``prodcore.ports``: ``ReadsOrdersAhead``,
``ReadsCostsAhead``, ``TakesVouches``): the shipped stores offer all three, the
application uses them where offered, and a store offering none gets the same results,
with everything it stages checked."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._staging import StagingUnitOfWork
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.integrity import verify
from prodcore.ports import (
    ReadsCostsAhead,
    ReadsOrdersAhead,
    TakesVouches,
    offered,
)
from prodcore.scenario import load_scenario, run_scenario
from prodcore.serialization import dumps


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory:"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/p.db"
    return str(request.getfixturevalue("pg_dsn"))


def test_the_shipped_stores_offer_the_three_capabilities(url: str) -> None:
    with open_store(url, migrate=True) as new_uow, new_uow() as uow:
        assert isinstance(uow.orders, ReadsOrdersAhead)
        assert isinstance(uow.ledger, ReadsCostsAhead)
        assert isinstance(uow, TakesVouches)
        assert offered(uow.orders, ReadsOrdersAhead.read_ahead) is uow.orders
        assert offered(uow.ledger, ReadsCostsAhead.read_ahead_costs) is uow.ledger
        assert offered(uow, TakesVouches.vouch) is uow


class _Hiding:
    """``inner`` with its capability methods hidden, as a store without them would be."""

    def __init__(self, inner: Any, hidden: str) -> None:
        self._inner = inner
        self._hidden = hidden

    def __getattr__(self, name: str) -> Any:
        if name == self._hidden:
            raise AttributeError(name)
        return getattr(self._inner, name)


class _Bare:
    """A unit of work offering none of the capabilities, counting what it was asked."""

    def __init__(self, uow: InMemoryUnitOfWork, seen: list[str]) -> None:
        self._uow = uow
        self._seen = seen

    @property
    def orders(self) -> Any:
        return _Hiding(self._uow.orders, "read_ahead")

    @property
    def ledger(self) -> Any:
        return _Hiding(self._uow.ledger, "read_ahead_costs")

    @property
    def master_data(self) -> Any:
        return self._uow.master_data

    def __enter__(self) -> _Bare:
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._uow.__exit__(*exc)  # type: ignore[arg-type]

    def commit(self) -> None:
        self._seen.append("commit")
        self._uow.commit()

    def rollback(self) -> None:
        self._uow.rollback()


def _scenario_ledger(store: InMemoryStore, bare: bool, seen: list[str]) -> list[str]:
    text = resources.files("prodcore.examples").joinpath("bicycle.json").read_text()
    if bare:
        run_scenario(load_scenario(text), lambda: _Bare(InMemoryUnitOfWork(store), seen))
    else:
        run_scenario(load_scenario(text), lambda: InMemoryUnitOfWork(store))
    assert verify(lambda: InMemoryUnitOfWork(store)).ok
    with InMemoryUnitOfWork(store) as uow:
        return [dumps(uow.ledger.batch(n)) for n in range(1, len(store.ledger.batches) + 1)]


def test_a_store_without_the_capabilities_posts_the_same_ledger_and_checks_all_it_stages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert offered(_Bare(InMemoryUnitOfWork(InMemoryStore()), []), TakesVouches.vouch) is None
    expected = _scenario_ledger(InMemoryStore(), bare=False, seen=[])
    asked: list[str] = []
    probe = InMemoryUnitOfWork(InMemoryStore())
    for cls, name in ((type(probe.orders), "read_ahead"), (type(probe.ledger), "read_ahead_costs")):
        original = getattr(cls, name)

        def spy(self: object, *args: object, _original: Any = original, _name: str = name) -> None:
            asked.append(_name)
            _original(self, *args)

        monkeypatch.setattr(cls, name, spy)
    vouch = StagingUnitOfWork.vouch

    def counted(self: StagingUnitOfWork, record: Any) -> Any:
        asked.append("vouch")
        return vouch(self, record)

    monkeypatch.setattr(StagingUnitOfWork, "vouch", counted)
    seen: list[str] = []
    assert _scenario_ledger(InMemoryStore(), bare=True, seen=seen) == expected
    assert len(expected) > 10 and "commit" in seen
    assert asked == []  # nothing was asked of the hidden methods
    _scenario_ledger(InMemoryStore(), bare=False, seen=[])
    # where offered, the application uses each
    assert {"read_ahead", "read_ahead_costs", "vouch"} <= set(asked)


def test_a_hint_of_orders_to_read_ahead_takes_any_sequence(url: str) -> None:
    ids: Sequence[str] = ("PO-1", "NONE")
    with open_store(url, migrate=True) as new_uow, new_uow() as uow:
        ahead = offered(uow.orders, ReadsOrdersAhead.read_ahead)
        assert ahead is not None
        ahead.read_ahead(ids)
        assert uow.orders.find("NONE") is None
