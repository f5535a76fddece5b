"""Scenario files: master data plus a sequence of steps, run through :func:`prodcore.app.handle`,
with the expectations that make a file an executable specification.

A scenario is JSON::

    {
      "scenario": "name",
      "start": "2026-03-02T08:00:00+00:00",
      "setup": {"currency": "EUR"},
      "master_data": [{"type": "Item", "no": "BOLT", "base_unit": "PCS"}],
      "steps": [
        {"type": "CreateOrder", "order_id": "PO-1", "item_no": "BOLT", "quantity": "5",
         "due_date": "2026-03-09", "expect": {"orders": {"PO-1": {"status": "FIRM_PLANNED"}}}},
        {"type": "ChangeStatus", "order_id": "PO-1", "to_status": "RELEASED",
         "at": "2026-03-02T09:00:00+00:00"}
      ]
    }

Each step is a command tagged by ``"type"``: its wire tag (``"order.create"``, see
:data:`prodcore.commands.WIRE_TAGS`) or, as in files written before the tags, its class
name (``"CreateOrder"``); or a master data change (``"masterdata.change"``,
``"masterdata.block"``); or only an ``"expect"`` block. A step may carry ``"at"`` (the
clock moves forward to it, never back), ``"expect"`` (checked after the step, see
:mod:`prodcore.scenario_checks`) and ``"expect_error"`` (the refusal the step must meet:
the run goes on, and the store must be unchanged). An ``entry_no`` (or
``capacity_entry_no``) may name its entry instead of numbering it: ``{"step": 7}`` is the
one entry of that ledger the 7th step posted, ``{"last": {"entry_type": "CONSUMPTION",
"item_no": "LEG", "order_id": "PO-1"}}`` the last original entry matching those fields.

Every step is one unit of work: a failing step stops the run with a
:class:`~prodcore.errors.ScenarioError` giving its line in the file, and nothing of that
step is written. A malformed file raises :class:`~prodcore.errors.ScenarioFileError`
naming the place in the file.

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

import bisect
import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, get_args

import attrs

from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.commands import LEGACY_TAGS, WIRE_TAGS, Command, PutMasterData
from prodcore.errors import (
    InvalidValueError,
    ProdcoreError,
    ScenarioError,
    ScenarioFileError,
)
from prodcore.ledger.model import PostingSetup
from prodcore.masterdata import ManufacturingSetup
from prodcore.numbers import in_own_context
from prodcore.ports import MasterDataRecord, UnitOfWork
from prodcore.scenario_checks import (
    Mismatch,
    check_error,
    check_expectations,
    store_fingerprint,
    validate_expectations,
)
from prodcore.serialization import loads, to_jsonable

__all__ = [
    "MasterDataChange",
    "Scenario",
    "Step",
    "StepResult",
    "check_scenario",
    "load_scenario",
    "read_scenario_file",
    "run_scenario",
]

#: The command class of each step tag.
COMMAND_TAGS: Mapping[str, type] = {
    tag: cls for cls, tag in WIRE_TAGS.items() if cls in get_args(Command)
}
#: The master data record class of each record tag.
RECORD_TAGS: Mapping[str, type] = {
    tag: cls for cls, tag in WIRE_TAGS.items() if cls in get_args(MasterDataRecord)
}
_CHANGE_TAGS = ("masterdata.change", "masterdata.block")
#: Keys naming something, which may not be empty.
_ID_KEYS = frozenset({"order_id", "item_no", "no", "idempotency_key", "quality_order_no"})
_TOP_KEYS = frozenset(
    {"scenario", "start", "setup", "posting_setup", "master_data", "steps", "description"}
)
_STEP_KEYS = frozenset({"at", "expect", "expect_error"})
#: Deeper nesting than any real scenario needs; refused before anything recurses on it.
MAX_DEPTH = 64
_WS = re.compile(r"[ \t\n\r]*")


@attrs.frozen
class MasterDataChange:
    """Change fields of a stored master data record between commands (a price rise, a
    block): ``record`` is its wire tag, ``no`` its number, ``changes`` the new values."""

    record: str
    no: str
    changes: Mapping[str, Any]


@attrs.frozen
class Step:
    """One step: a command (or a master data change, or neither for a step that only
    checks), when it runs, its line in the file and what must come out of it."""

    command: Command | None
    at: dt.datetime | None = None
    line: int = 0
    tag: str = ""
    change: MasterDataChange | None = None
    #: The command as written, when it names entries by reference (resolved when it runs).
    body: Mapping[str, Any] | None = None
    expect: Mapping[str, Any] | None = None
    expect_error: Mapping[str, Any] | None = None

    @property
    def label(self) -> str:
        """The command's class name (how errors name the step), else the step's tag."""
        cls = COMMAND_TAGS.get(self.tag)
        return cls.__name__ if cls else self.tag


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
    command: Command | MasterDataChange | None
    at: dt.datetime
    result: Any


# --- reading the file ------------------------------------------------------------------


class _Lines:
    """Line numbers of positions in a text, found by bisection (the text is scanned once)."""

    def __init__(self, text: str) -> None:
        self._breaks = [m.start() for m in re.finditer("\n", text)]

    def __call__(self, pos: int) -> int:
        return bisect.bisect_left(self._breaks, pos) + 1


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _MalformedError(f"the key {dup!r} appears twice in one object")
    return result


class _MalformedError(Exception):
    """A problem found while decoding one JSON value (placed by the caller)."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > 30:
        raise _MalformedError(f"an integer of {len(text)} digits (write numbers as strings)")
    return int(text)


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_int=_parse_int)


def _decode_json(text: str) -> tuple[Any, dict[str, list[int]]]:
    """The top-level object and the line of each element of its ``steps`` and
    ``master_data`` arrays, in one pass over the text (each value decoded once)."""
    line = _Lines(text)
    places: dict[str, list[int]] = {}

    def value_at(pos: int, place: str) -> tuple[Any, int]:
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise ScenarioFileError(
                place=place, line=err.lineno, reason=f"not JSON: {err.msg}"
            ) from None
        except _MalformedError as err:
            raise ScenarioFileError(place=place, line=line(pos), reason=str(err)) from None
        except RecursionError:
            value, end = None, -1  # too deep for the decoder: placed like any deep value
        if end < 0 or any(depth > MAX_DEPTH for depth, _ in _walk(value)):
            # the same place whether or not this Python's decoder could go that deep
            raise ScenarioFileError(
                place=place, line=line(pos), reason=f"nested deeper than {MAX_DEPTH} levels"
            )
        return value, end

    def skip(pos: int) -> int:
        match = _WS.match(text, pos)
        return match.end() if match else pos

    def expect_char(pos: int, chars: str, place: str, what: str) -> int:
        pos = skip(pos)
        if pos >= len(text) or text[pos] not in chars:
            raise ScenarioFileError(place=place, line=line(pos), reason=f"expected {what}")
        return pos

    pos = expect_char(0, "{", "the file", "a JSON object")
    top: dict[str, Any] = {}
    pos = skip(pos + 1)
    if text.startswith("}", pos):
        return top, places
    while True:
        pos = expect_char(pos, '"', "the file", "a key in quotes")
        key, pos = value_at(pos, "the file")
        if key in top:
            raise ScenarioFileError(
                place=key, line=line(pos), reason=f"the key {key!r} appears twice"
            )
        pos = expect_char(pos, ":", key, "':'") + 1
        pos = skip(pos)
        if key in ("steps", "master_data") and text.startswith("[", pos):
            items, lines, pos = _array(text, pos, key, value_at, skip, line)
            top[key], places[key] = items, lines
        else:
            top[key], pos = value_at(pos, key)
        pos = expect_char(pos, ",}", key, "',' or '}'")
        if text[pos] == "}":
            break
        pos += 1
    if skip(pos + 1) != len(text):
        raise ScenarioFileError(
            place="the file", line=line(pos + 1), reason="text after the JSON object"
        )
    return top, places


def _array(
    text: str,
    pos: int,
    key: str,
    value_at: Callable[[int, str], tuple[Any, int]],
    skip: Callable[[int], int],
    line: _Lines,
) -> tuple[list[Any], list[int], int]:
    """The elements of the array at ``pos`` and the line each starts on."""
    items: list[Any] = []
    lines: list[int] = []
    pos = skip(pos + 1)
    if text.startswith("]", pos):
        return items, lines, pos + 1
    while True:
        lines.append(line(pos))
        value, pos = value_at(pos, f"{key}[{len(items)}]")
        items.append(value)
        pos = skip(pos)
        if text.startswith("]", pos):
            return items, lines, pos + 1
        if not text.startswith(",", pos):
            raise ScenarioFileError(
                place=f"{key}[{len(items) - 1}]", line=line(pos), reason="expected ',' or ']'"
            )
        pos = skip(pos + 1)


def _toml_lines(text: str, key: str) -> list[int]:
    """The line of each ``[[key]]`` table of a TOML scenario."""
    header = f"[[{key}]]"
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == header]


def _walk(value: Any) -> Iterator[tuple[int, Any]]:
    """Every value nested in ``value`` with its depth, without recursion."""
    stack = [(1, value)]
    while stack:
        depth, current = stack.pop()
        yield depth, current
        if isinstance(current, dict):
            stack.extend((depth + 1, v) for v in current.values())
        elif isinstance(current, list):
            stack.extend((depth + 1, v) for v in current)


def _iso(value: Any) -> Any:
    """TOML's native dates and times as the ISO strings the converter reads (the depth is
    checked before, so the recursion is bounded)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def load_scenario(text: str | bytes, *, format: str = "json") -> Scenario:
    """Parse a scenario (``format`` "json" or "toml"); a malformed file raises
    :class:`~prodcore.errors.ScenarioFileError` naming the place.

    TOML holds the same keys: ``[setup]``, ``[[master_data]]`` and ``[[steps]]`` tables.
    Numbers are strings there too (a TOML float is refused like a JSON one). Parsing is
    linear in the size of the file.

    >>> load_scenario('{"steps": [{"type": "order.create", "order_id": "A", "order_id": "B"}]}')
    Traceback (most recent call last):
    ...
    prodcore.errors.ScenarioFileError: Malformed scenario file at steps[0] (line 1): the key 'order_id' appears twice in one object
    """
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            raise ScenarioFileError(
                place=f"byte {err.start}", line=line, reason="the file is not UTF-8 text"
            ) from None
    if format == "toml":
        try:
            raw: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ScenarioFileError(place="the file", line=0, reason=f"not TOML: {err}") from None
        except (RecursionError, ValueError) as err:
            raise ScenarioFileError(place="the file", line=0, reason=_why(err)) from None
        places = {key: _toml_lines(text, key) for key in ("steps", "master_data")}
    elif format == "json":
        raw, places = _decode_json(text)
    else:
        raise ScenarioFileError(place="format", line=0, reason=f"unknown format {format!r}")
    for depth, _ in _walk(raw):
        if depth > MAX_DEPTH:
            raise ScenarioFileError(
                place="the file", line=0, reason=f"nested deeper than {MAX_DEPTH} levels"
            )
    return _Parser(places).scenario(_iso(raw) if format == "toml" else raw)


def _why(err: BaseException) -> str:
    if isinstance(err, RecursionError):
        return f"nested deeper than {MAX_DEPTH} levels"
    return str(err)


class _Parser:
    def __init__(self, places: Mapping[str, list[int]]) -> None:
        self._places = places

    def _line(self, key: str, index: int) -> int:
        lines = self._places.get(key, [])
        return lines[index] if index < len(lines) else 0

    def scenario(self, raw: Any) -> Scenario:
        if not isinstance(raw, dict):
            raise ScenarioFileError(place="the file", line=1, reason="expected an object")
        unknown = set(raw) - _TOP_KEYS
        if unknown:
            raise ScenarioFileError(
                place="the file", line=1, reason=f"unknown keys {sorted(unknown)}"
            )
        for key in ("master_data", "steps"):
            if not isinstance(raw.get(key, []), list):
                raise ScenarioFileError(
                    place=key, line=0, reason=f"expected a list, got {_kind(raw[key])}"
                )
        start = self._value(raw.get("start", "2026-01-05T08:00:00+00:00"), dt.datetime, "start")
        setup = self._value(raw.get("setup", {}), ManufacturingSetup, "setup")
        posting_setup = self._value(raw.get("posting_setup", {}), PostingSetup, "posting_setup")
        records = self._records(raw.get("master_data", []))
        steps: list[Step] = []
        clock = start
        for n, item in enumerate(raw.get("steps", []), start=1):
            step = self._step(n, item)
            if step.at is not None:
                if step.at < clock:
                    raise ScenarioFileError(
                        place=f"steps[{n - 1}].at",
                        line=step.line,
                        reason=f"{step.at.isoformat()} is before the scenario clock "
                        f"({clock.isoformat()}); the clock only moves forward",
                    )
                clock = step.at
            steps.append(step)
        return Scenario(
            str(raw.get("scenario", "")), start, setup, records, tuple(steps), posting_setup
        )

    def _value(self, value: Any, cls: Any, place: str, line: int = 0) -> Any:
        try:
            return loads(json.dumps(value) if cls is dt.datetime else value, cls)
        except InvalidValueError as err:
            raise ScenarioFileError(place=place, line=line, reason=str(err)) from None

    def _records(self, raw: list[Any]) -> tuple[MasterDataRecord, ...]:
        records: list[MasterDataRecord] = []
        first: dict[tuple[str, str], int] = {}
        for i, item in enumerate(raw):
            place, line = f"master_data[{i}]", self._line("master_data", i)
            if not isinstance(item, dict):
                raise ScenarioFileError(place=place, line=line, reason="expected an object")
            _refuse_empty_ids(item, place, line)
            tag = str(item.get("type", ""))
            tag = LEGACY_TAGS.get(tag, tag)
            if tag not in RECORD_TAGS:
                raise ScenarioFileError(
                    place=place,
                    line=line,
                    reason=f"unknown record type {item.get('type')!r} "
                    f"(expected one of {', '.join(RECORD_TAGS)})",
                )
            body = {k: v for k, v in item.items() if k != "type"}
            records.append(self._value(body, RECORD_TAGS[tag], place, line))
            key = (tag, str(item.get("no")))
            if key in first:
                raise ScenarioFileError(
                    place=place,
                    line=line,
                    reason=f"{tag} {key[1]!r} is defined twice "
                    f"(first in master_data[{first[key]}])",
                )
            first[key] = i
        return tuple(records)

    def _step(self, n: int, item: Any) -> Step:
        place, line = f"steps[{n - 1}]", self._line("steps", n - 1)
        if not isinstance(item, dict):
            raise ScenarioFileError(place=place, line=line, reason="expected an object")
        _refuse_empty_ids(item, place, line)
        body = {k: v for k, v in item.items() if k not in _STEP_KEYS}
        at = item.get("at")
        at_value = None if at is None else self._value(at, dt.datetime, f"{place}.at", line)
        expect, expect_error = item.get("expect"), item.get("expect_error")
        try:
            if expect is not None:
                validate_expectations(expect)
            if expect_error is not None and not (
                isinstance(expect_error, dict) and isinstance(expect_error.get("type"), str)
            ):
                raise ValueError('expect_error needs a "type": the error class name')
        except ValueError as err:
            raise ScenarioFileError(place=place, line=line, reason=str(err)) from None
        common: dict[str, Any] = {
            "at": at_value,
            "line": line,
            "expect": expect,
            "expect_error": expect_error,
        }
        tag = body.pop("type", None)
        if tag is not None and not isinstance(tag, str):  # a list is no tag (and unhashable)
            raise ScenarioFileError(
                place=place, line=line, reason=f'"type" must be a command wire tag, not {tag!r}'
            )
        if tag is None:
            if body or expect is None:
                raise ScenarioFileError(
                    place=place,
                    line=line,
                    reason='expected "type" (a command wire tag such as "order.create") '
                    'or a step holding only "expect"',
                )
            return Step(None, tag="expect", **common)
        if tag in _CHANGE_TAGS:
            return Step(None, tag=tag, change=self._change(tag, body, place, line), **common)
        tag = LEGACY_TAGS.get(tag, tag)
        cls = COMMAND_TAGS.get(tag)
        if cls is None:
            raise ScenarioFileError(
                place=f"{place}.type",
                line=line,
                reason=f"unknown step type {tag!r}: expected a command wire tag such as "
                '"order.create" or "posting.output" (docs/scenarios.md lists them), '
                '"masterdata.change" or "masterdata.block"',
            )
        refs = {k: v for k, v in body.items() if k.endswith("entry_no") and isinstance(v, dict)}
        for key, ref in refs.items():
            _check_reference(ref, f"{place}.{key}", line)
        # Steps with references are checked now with a stand-in number, built when they run.
        command = self._value({**body, **dict.fromkeys(refs, 1)}, cls, place, line)
        if refs:
            return Step(None, tag=tag, body=body, **common)
        return Step(command, tag=tag, **common)

    def _change(self, tag: str, body: dict[str, Any], place: str, line: int) -> MasterDataChange:
        record, no = body.get("record"), body.get("no")
        changes = body.get("set", {}) if tag == "masterdata.change" else {"blocked": True}
        record = LEGACY_TAGS.get(record, record) if isinstance(record, str) else record
        allowed = {"record", "no", "set"} if tag == "masterdata.change" else {"record", "no"}
        if (
            not isinstance(record, str)  # a list or dict is no tag (and unhashable)
            or record not in RECORD_TAGS
            or not isinstance(no, str)
            or not isinstance(changes, dict)
            or set(body) - allowed
        ):
            raise ScenarioFileError(
                place=place,
                line=line,
                reason=f'{tag} takes "record" (a record tag such as "masterdata.item"), '
                f'"no"{" and set (an object of new field values)" if tag.endswith("change") else ""}',
            )
        return MasterDataChange(str(record), no, changes)


def _kind(value: Any) -> str:
    return type(value).__name__.replace("dict", "an object").replace("str", "a string")


def _refuse_empty_ids(item: dict[str, Any], place: str, line: int) -> None:
    for _, value in _walk(item):
        if isinstance(value, dict):
            for key in _ID_KEYS & value.keys():
                if isinstance(value[key], str) and not value[key].strip():
                    raise ScenarioFileError(
                        place=place, line=line, reason=f"{key} is empty (an id must name something)"
                    )


def _check_reference(ref: dict[str, Any], place: str, line: int) -> None:
    ok = (
        len(ref) == 1
        and (
            (isinstance(ref.get("step"), int) and not isinstance(ref.get("step"), bool))
            or isinstance(ref.get("last"), dict)
        )
    ) or (
        set(ref) == {"step", "where"}
        and type(ref["step"]) is int
        and isinstance(ref["where"], dict)
    )
    if not ok:
        raise ScenarioFileError(
            place=place,
            line=line,
            reason='a reference is {"step": N}, {"step": N, "where": {...}} or '
            '{"last": {field: value, ...}}',
        )


# --- running ---------------------------------------------------------------------------


@in_own_context
def run_scenario(
    scenario: Scenario,
    uow_factory: Callable[[], UnitOfWork],
    *,
    on_step: Callable[[StepResult], None] | None = None,
    failures: list[Mismatch] | None = None,
) -> list[StepResult]:
    """Load the master data, then run each step in its own unit of work and check its
    expectations.

    A step that fails unexpectedly raises :class:`~prodcore.errors.ScenarioError`. A failed
    expectation raises one too, unless ``failures`` is given: then it is appended there and
    the run goes on (how ``prodcore test`` lists every failure of a file).
    """
    clock = FixedClock(scenario.start)
    put_master_data(uow_factory(), scenario.master_data, setup=scenario.setup)
    with uow_factory() as uow:
        uow.ledger.put_posting_setup(scenario.posting_setup)
        uow.commit()
    results: list[StepResult] = []
    for n, step in enumerate(scenario.steps, start=1):
        if step.at is not None:
            clock.at = step.at
        found: list[Mismatch] = []
        outcome = _run_step(n, step, uow_factory, clock, results, found)
        results.append(outcome)
        if step.expect is not None:
            found += check_expectations(step.expect, uow_factory, step=n, line=step.line)
        if found and failures is None:
            raise ScenarioError(
                step=n, command=step.label, line=step.line, reason=f"expected {found[0].message()}"
            )
        if failures is not None:
            failures.extend(found)
        if on_step is not None:
            on_step(outcome)
    return results


def _run_step(
    n: int,
    step: Step,
    uow_factory: Callable[[], UnitOfWork],
    clock: FixedClock,
    results: list[StepResult],
    found: list[Mismatch],
) -> StepResult:
    before = store_fingerprint(uow_factory) if step.expect_error is not None else None
    command: Command | MasterDataChange | None = step.command or step.change
    if step.body is not None:
        try:
            command = _resolve(n, step, uow_factory, results)
        except ProdcoreError as err:
            # a wrong reference is the file's mistake, never an expected refusal
            raise ScenarioError(
                step=n, command=step.label, line=step.line, reason=str(err)
            ) from err
    try:
        result = None if command is None else _apply(command, uow_factory, clock)
    except ProdcoreError as err:
        if step.expect_error is None or isinstance(err, ScenarioError):
            raise ScenarioError(
                step=n, command=step.label, line=step.line, reason=str(err)
            ) from err
        found += check_error(step.expect_error, err, step=n, line=step.line)
        if store_fingerprint(uow_factory) != before:
            found.append(
                Mismatch(n, step.line, "store", "unchanged by the refused step", "changed")
            )
        return StepResult(n, command, clock.now(), err)
    if step.expect_error is not None:
        found.append(
            Mismatch(n, step.line, "error", step.expect_error["type"], "the step succeeded")
        )
    return StepResult(n, command, clock.now(), result)


def _apply(
    command: Command | MasterDataChange, uow_factory: Callable[[], UnitOfWork], clock: FixedClock
) -> Any:
    if isinstance(command, MasterDataChange):
        with uow_factory() as uow:
            current = getattr(uow.master_data, command.record.split(".", 1)[1])(command.no)
        data = {**to_jsonable(current), **command.changes}
        record = loads(data, MasterDataRecord)
        return handle(uow_factory(), PutMasterData((record,)), clock=clock)
    return handle(uow_factory(), command, clock=clock)


def _resolve(
    n: int, step: Step, uow_factory: Callable[[], UnitOfWork], results: list[StepResult]
) -> Command:
    """The step's command with each entry reference replaced by the entry's number."""
    assert step.body is not None
    body = dict(step.body)
    for key, ref in step.body.items():
        if key.endswith("entry_no") and isinstance(ref, dict):
            capacity = key == "capacity_entry_no" or body.get("source") == "CAPACITY"
            body[key] = _referenced_entry(n, ref, capacity, uow_factory, results)
    command: Command = loads(body, COMMAND_TAGS[step.tag])
    return command


def _referenced_entry(
    n: int,
    ref: Mapping[str, Any],
    capacity: bool,
    uow_factory: Callable[[], UnitOfWork],
    results: list[StepResult],
) -> int:
    ledger = "capacity" if capacity else "item"
    if "step" in ref:
        k = ref["step"]
        if not 1 <= k < n:
            raise InvalidValueError(field="step", value=k, reason=f"not a step before step {n}")
        batch = getattr(results[k - 1].result, "batch", None)
        entries: list[Any] = list(
            getattr(batch, f"{ledger}_entries", ()) if batch is not None else ()
        )
        where, what = ref.get("where", {}), f"the {ledger} entries of step {k}"
        candidates = [e for e in entries if _matches(e, where)]
        if len(candidates) != 1:
            raise InvalidValueError(
                field="reference",
                value=dict(ref),
                reason=f"{len(candidates)} of {what} match; name exactly one",
            )
        return int(candidates[0].entry_no)
    where = ref["last"]
    with uow_factory() as uow:
        listing = uow.ledger.capacity_entries() if capacity else uow.ledger.item_entries()
    originals = [e for e in listing if e.applies_to_entry_no is None and _matches(e, where)]
    if not originals:
        raise InvalidValueError(
            field="reference", value=dict(ref), reason=f"no {ledger} entry matches"
        )
    return int(originals[-1].entry_no)


def _matches(entry: object, where: Mapping[str, Any]) -> bool:
    for key, wanted in where.items():
        got = getattr(entry, key, None)
        if str(getattr(got, "value", got)) != str(wanted):
            return False
    return True


@in_own_context
def check_scenario(scenario: Scenario, uow_factory: Callable[[], UnitOfWork]) -> list[Mismatch]:
    """Run ``scenario`` as a test: every failed expectation, and the step that stopped the
    run if one failed unexpectedly (an empty list: the file passes)."""
    failures: list[Mismatch] = []
    try:
        run_scenario(scenario, uow_factory, failures=failures)
    except ScenarioError as err:
        failures.append(Mismatch(err.step, err.line, "step", "to succeed", err.reason))
    return failures


def read_scenario_file(path: Path) -> Scenario:
    """Load a scenario file (TOML when its name ends in ``.toml``, else JSON)."""
    fmt = "toml" if path.suffix.lower() == ".toml" else "json"
    return load_scenario(path.read_bytes(), format=fmt)
