"""Scenario files: master data plus a sequence of commands, run through :func:`prodcore.app.handle`.

A scenario is JSON::

    {
      "scenario": "name",
      "start": "2026-03-02T08:00:00+00:00",
      "setup": {"currency": "EUR"},
      "master_data": [{"type": "Item", "no": "BOLT", "base_unit": "PCS"}],
      "steps": [
        {"type": "CreateOrder", "order_id": "PO-1", "item_no": "BOLT", "quantity": "5",
         "due_date": "2026-03-09"},
        {"type": "ChangeStatus", "order_id": "PO-1", "to_status": "RELEASED",
         "at": "2026-03-02T09:00:00+00:00"}
      ]
    }

Each step is a command tagged by ``"type"``: its wire tag (``"order.create"``, see
:data:`prodcore.commands.WIRE_TAGS`) or, as in files written before the tags, its class
name (``"CreateOrder"``); with an optional ``"at"`` (the clock moves
forward to it; without one the clock stays where it is). Every step is one unit of work:
a failing step stops the run with a :class:`~prodcore.errors.ScenarioError` giving its
line in the file, and nothing of that step is written.

>>> sc = load_scenario('''{"scenario": "tiny", "start": "2026-03-02T08:00:00+00:00",
...   "master_data": [{"type": "Item", "no": "BOLT", "base_unit": "PCS"}],
...   "steps": [
...     {"type": "CreateOrder", "order_id": "PO-1", "item_no": "BOLT", "quantity": "5", "due_date": "2026-03-09"},
...     {"type": "ChangeStatus", "order_id": "PO-1", "to_status": "FINISHED"}]}''')
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> store = InMemoryStore()
>>> run_scenario(sc, lambda: InMemoryUnitOfWork(store))
Traceback (most recent call last):
...
prodcore.errors.ScenarioError: Scenario step 2 (ChangeStatus, line 5) failed: Order 'PO-1' is FIRM_PLANNED; the command 'change status to FINISHED' is not allowed in that status.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable
from typing import Any

import attrs

from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.commands import Command
from prodcore.errors import InvalidValueError, ProdcoreError, ScenarioError
from prodcore.ledger.model import PostingSetup
from prodcore.masterdata import ManufacturingSetup
from prodcore.ports import MasterDataRecord, UnitOfWork
from prodcore.serialization import loads

__all__ = ["Scenario", "Step", "StepResult", "load_scenario", "run_scenario"]


@attrs.frozen
class Step:
    command: Command
    at: dt.datetime | None = None
    line: int = 0


@attrs.frozen
class Scenario:
    name: str
    start: dt.datetime
    setup: ManufacturingSetup
    master_data: tuple[MasterDataRecord, ...]
    steps: tuple[Step, ...]
    posting_setup: PostingSetup = attrs.field(factory=PostingSetup)


@attrs.frozen
class StepResult:
    number: int
    command: Command
    at: dt.datetime
    result: Any


def _step_lines(text: str) -> list[int]:
    """The line on which each element of the top-level "steps" array starts."""
    decoder = json.JSONDecoder()
    key = text.find('"steps"')
    if key < 0:
        return []
    pos = text.index("[", key) + 1
    lines: list[int] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)


def _toml_step_lines(text: str) -> list[int]:
    """The line of each ``[[steps]]`` table of a TOML scenario."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[steps]]"]


def _iso(value: Any) -> Any:
    """TOML's native dates and times as the ISO strings the converter reads."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def load_scenario(text: str, *, format: str = "json") -> Scenario:
    """Parse a scenario (``format`` "json" or "toml"); malformed content raises
    :class:`~prodcore.errors.ScenarioError`.

    TOML holds the same keys: ``[setup]``, ``[[master_data]]`` and ``[[steps]]`` tables.
    Numbers are strings there too (a TOML float is refused like a JSON one).
    """
    if format == "toml":
        try:
            raw = _iso(tomllib.loads(text))
        except tomllib.TOMLDecodeError as err:
            raise ScenarioError(step=0, command="file", line=0, reason=f"not TOML: {err}") from None
        return _parse(raw, _toml_step_lines(text))
    if format != "json":
        raise ScenarioError(step=0, command="file", line=0, reason=f"unknown format {format!r}")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise ScenarioError(
            step=0, command="file", line=err.lineno, reason=f"not JSON: {err.msg}"
        ) from None
    return _parse(raw, _step_lines(text))


def _parse(raw: Any, lines: list[int]) -> Scenario:
    if not isinstance(raw, dict):
        raise ScenarioError(
            step=0, command="file", line=1, reason="the file must hold a JSON object"
        )
    unknown = set(raw) - {
        "scenario",
        "start",
        "setup",
        "posting_setup",
        "master_data",
        "steps",
        "description",
    }
    if unknown:
        raise ScenarioError(
            step=0, command="file", line=1, reason=f"unknown keys {sorted(unknown)}"
        )
    try:
        start: dt.datetime = loads(
            json.dumps(raw.get("start", "2026-01-05T08:00:00+00:00")), dt.datetime
        )
        setup: ManufacturingSetup = loads(raw.get("setup", {}), ManufacturingSetup)
        posting_setup: PostingSetup = loads(raw.get("posting_setup", {}), PostingSetup)
        records: tuple[MasterDataRecord, ...] = tuple(
            loads(r, MasterDataRecord) for r in raw.get("master_data", [])
        )
    except InvalidValueError as err:
        raise ScenarioError(step=0, command="master data", line=0, reason=str(err)) from None
    steps = []
    for n, item in enumerate(raw.get("steps", []), start=1):
        line = lines[n - 1] if n - 1 < len(lines) else 0
        if not isinstance(item, dict):
            raise ScenarioError(step=n, command="?", line=line, reason="a step must be an object")
        body = dict(item)
        at_text = body.pop("at", None)
        try:
            at = loads(json.dumps(at_text), dt.datetime) if at_text is not None else None
            command: Any = loads(body, Command)
        except InvalidValueError as err:
            raise ScenarioError(
                step=n, command=str(item.get("type", "?")), line=line, reason=str(err)
            ) from None
        steps.append(Step(command, at, line))
    return Scenario(
        str(raw.get("scenario", "")), start, setup, records, tuple(steps), posting_setup
    )


def run_scenario(
    scenario: Scenario,
    uow_factory: Callable[[], UnitOfWork],
    *,
    on_step: Callable[[StepResult], None] | None = None,
) -> list[StepResult]:
    """Load the master data, then run each step in its own unit of work."""
    clock = FixedClock(scenario.start)
    put_master_data(uow_factory(), scenario.master_data, setup=scenario.setup)
    with uow_factory() as uow:
        uow.ledger.put_posting_setup(scenario.posting_setup)
        uow.commit()
    results = []
    for n, step in enumerate(scenario.steps, start=1):
        if step.at is not None:
            clock.at = step.at
        try:
            result = handle(uow_factory(), step.command, clock=clock)
        except ProdcoreError as err:
            raise ScenarioError(
                step=n, command=type(step.command).__name__, line=step.line, reason=str(err)
            ) from err
        outcome = StepResult(n, step.command, clock.now(), result)
        results.append(outcome)
        if on_step is not None:
            on_step(outcome)
    return results
