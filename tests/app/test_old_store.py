"""A store written by release 0.1.0 (class-name tags, the hashes of that release) reads
the same with today's code, and its idempotency records still answer their commands."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prodcore.adapters import open_store
from prodcore.app import command_hash, handle
from prodcore.clock import FixedClock
from prodcore.commands import LEGACY_TAGS, Command
from prodcore.ports import UnitOfWork
from prodcore.scenario import load_scenario
from prodcore.serialization import dumps, loads
from tests.app.store_snapshot import DEMO, snapshot

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture
def old_store(tmp_path: Path) -> Iterator[Callable[[], UnitOfWork]]:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "store_v0_1_0.sqlite", path)
    with open_store(f"sqlite:///{path}") as factory:
        yield factory


def _expected() -> dict[str, Any]:
    result: dict[str, Any] = json.loads((FIXTURES / "store_v0_1_0.json").read_text())
    return result


def _keyed_steps() -> list[Any]:
    steps = [dict(s) for s in DEMO["steps"] if "idempotency_key" in s]
    for step in steps:
        step.pop("at", None)
        step.pop("expect", None)  # what the scenario checks after the step, not the command
    return [loads(step, Command) for step in steps]


def test_the_old_store_reads_as_it_did(old_store: Callable[[], UnitOfWork]) -> None:
    now = snapshot(old_store())
    # Fields added since 0.1.0 (with their old meaning as default) are the only difference:
    # capacity entries carry an origin, read from the old description prefixes, and a
    # rounding residual (zero).
    origins: set[tuple[str, str]] = set()
    _pop_origins(now, origins)
    _pop_new_order_fields(now)
    assert now == _expected()
    assert origins == {
        ("", "ORDINARY"),
        ("Subcontracting receipt RCPT-1", "SUBCONTRACT_RECEIPT"),
    }


#: Order fields added since 0.1.0, with the default an old order reads with.
NEW_ORDER_FIELDS: dict[str, object] = {
    "hold_reason": None,
    "cancelled_at": None,
    "cancel_reason": "",
    "origin_order_id": None,
    "profile": "BC",
    "d365_status": None,
    "registrations": [],
    "started_quantity": "0",
}


def _pop_new_order_fields(data: dict[str, Any]) -> None:
    for order in data["orders"]:
        assert {name: order.pop(name) for name in NEW_ORDER_FIELDS} == NEW_ORDER_FIELDS


def _pop_origins(data: Any, found: set[tuple[str, str]]) -> None:
    if isinstance(data, dict):
        if "work_center_no" in data and "origin" in data:
            found.add((data["description"], data.pop("origin")))
            # added later too: an old entry's quantity lost nothing to rounding
            assert data.pop("rounding_residual") == "0"
        if "entry_type" in data and "bin_code" in data:
            assert data.pop("bin_code") == ""  # item entries of 0.1.0 lie in no bin
        for value in data.values():
            _pop_origins(value, found)
    elif isinstance(data, list):
        for value in data:
            _pop_origins(value, found)


def test_old_idempotency_records_match_their_commands_hashed_today(
    old_store: Callable[[], UnitOfWork],
) -> None:
    commands = _keyed_steps()
    assert {c.idempotency_key for c in commands} == set(_expected()["idempotency"])
    with old_store() as uow:
        for command in commands:
            record = uow.ledger.idempotency(command.idempotency_key)
            assert record is not None
            assert command_hash(command) == record.command_hash, type(command).__name__


def test_repeating_the_old_commands_returns_their_stored_results_and_posts_nothing(
    old_store: Callable[[], UnitOfWork],
) -> None:
    expected = _expected()
    clock = FixedClock(dt.datetime.fromisoformat(DEMO["start"]))
    for command in _keyed_steps():
        result = handle(old_store(), command, clock=clock)
        stored = expected["idempotency"][command.idempotency_key]["result"]
        answer = json.loads(dumps(result))
        _pop_origins(answer, set())
        assert answer == stored, command.idempotency_key
    now = snapshot(old_store())
    _pop_origins(now, set())
    _pop_new_order_fields(now)
    assert now == expected


def test_the_demo_reads_the_same_with_wire_tags_or_class_names() -> None:
    tags = {**DEMO, "steps": [{**s, "type": LEGACY_TAGS[s["type"]]} for s in DEMO["steps"]]}
    tags["master_data"] = [{**r, "type": LEGACY_TAGS[r["type"]]} for r in DEMO["master_data"]]
    assert tags != DEMO
    assert load_scenario(json.dumps(tags)) == load_scenario(json.dumps(DEMO))
