"""Every record the bundled demo produces (master data, orders, commands, every ledger
batch with its entries, idempotency records) survives the converter unchanged."""

from __future__ import annotations

from importlib import resources
from typing import Any

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.commands import Command
from prodcore.ledger import IdempotencyRecord, PostingBatch
from prodcore.orders.model import ProductionOrder
from prodcore.ports import MasterDataRecord
from prodcore.scenario import load_scenario, run_scenario
from prodcore.serialization import dumps, loads


def _round_trips(value: Any, cls: Any) -> None:
    assert loads(dumps(value), cls) == value, type(value).__name__


def test_everything_the_demo_writes_round_trips() -> None:
    text = resources.files("prodcore.examples").joinpath("bicycle.json").read_text()
    scenario = load_scenario(text)
    store = InMemoryStore()
    results = run_scenario(scenario, lambda: InMemoryUnitOfWork(store))
    for record in scenario.master_data:
        _round_trips(record, MasterDataRecord)
    kinds = set()
    for step in scenario.steps:
        _round_trips(step.command, Command)
        kinds.add(type(step.command).__name__)
    assert len(kinds) >= 13  # lifecycle, postings, subcontracting, quality, scheduling, costing
    for order in store.orders.values():
        _round_trips(order, ProductionOrder)
    with InMemoryUnitOfWork(store) as uow:
        n = 1
        while True:
            try:
                batch = uow.ledger.batch(n)
            except LookupError:
                break
            _round_trips(batch, PostingBatch)
            n += 1
        assert n > 10
        keys = [
            s.command.idempotency_key
            for s in scenario.steps
            if s.command is not None and hasattr(s.command, "idempotency_key")
        ]
        for key in keys:
            remembered = uow.ledger.idempotency(key)
            assert remembered is not None
            _round_trips(remembered, IdempotencyRecord)
    assert len(results) == len(scenario.steps)
