"""Idempotent commands: one canonical command hash and one wrapper that remembers results.

A command carrying an ``idempotency_key`` is decided once: its result is stored under the
key with the hash of the command, a repeat with the same key and the same command
returns that result and posts nothing, and the same key with another command is refused.

>>> from prodcore.costing.adjustment import AdjustCost
>>> command_hash(AdjustCost("K", "PO-1")) == command_hash(AdjustCost("OTHER-KEY", "PO-1"))
True
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs

from prodcore.commands import LEGACY_TAGS, order_ids_of
from prodcore.errors import IdempotencyConflictError
from prodcore.ledger.model import IdempotencyRecord, PostingResult
from prodcore.ports import ReadsOrdersAhead, UnitOfWork, offered
from prodcore.serialization import _not_json, to_jsonable

__all__ = ["IdempotentCommand", "command_hash", "idempotent"]


class IdempotentCommand(Protocol):
    """A command answered once per key."""

    @property
    def idempotency_key(self) -> str: ...


@attrs.frozen
class _HashForm:
    """How a command's hash was first computed, where that differs from the canonical
    form (every field, sorted keys, no spaces), so keys stored before still match."""

    added: Mapping[str, object] = {}  # fields added later: left out at their default
    left_out: tuple[str, ...] = ()  # fields never hashed
    separators: tuple[str, str] = (",", ":")


_CANONICAL = _HashForm()

#: By wire tag: the forms that differ from the canonical one.
_HASH_FORMS: Mapping[str, _HashForm] = {
    "posting.reverse": _HashForm(added={"posted_at": None}),
    # cost adjustment hashed only its order, with json's default separators
    "costing.adjust": _HashForm(left_out=("idempotency_key",), separators=(", ", ": ")),
}

#: Fields added later to the lines of any command (journal lines), with their defaults:
#: left out at their default, so a line hashes as it did before they existed.
_ADDED_LINE_FIELDS: tuple[tuple[str, object], ...] = (
    ("bin_code", ""),
    ("bin_code", None),
    ("from_bin_code", ""),
)

#: The class name each tag had before tags: the name the stored hashes were computed with.
_HASHED_NAME: Mapping[str, str] = {tag: old for old, tag in LEGACY_TAGS.items()}


def command_hash(command: object) -> str:
    """SHA-256 of the command's canonical JSON (sorted keys, no spaces, tagged with the
    class name it had before wire tags, so hashes stored before still match); a field
    added later is left out while it has its default."""
    data: dict[str, Any] = to_jsonable(command)
    tag = data["type"]
    form = _HASH_FORMS.get(tag, _CANONICAL)
    data["type"] = _HASHED_NAME.get(tag, tag)
    for name, default in form.added.items():
        if data.get(name, default) == default:
            data.pop(name, None)
    for name in form.left_out:
        data.pop(name, None)
    for lines in data.values():
        for line in lines if isinstance(lines, list) else ():
            for name, default in _ADDED_LINE_FIELDS:
                if isinstance(line, dict) and line.get(name, default) == default:
                    line.pop(name, None)
    text = _sorted_json(form.separators)(data)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _sorted_json(separators: tuple[str, str]) -> Callable[[Any], str]:
    """``json.dumps(value, sort_keys=True, separators=separators)`` (ASCII, as it writes
    by default), with json's encoder made once, not at every command hashed (that set-up
    was half the cost of a hash).

    >>> _sorted_json((",", ":"))({"b": ["é", 1], "a": None}) == json.dumps(
    ...     {"b": ["é", 1], "a": None}, sort_keys=True, separators=(",", ":"))
    True
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # (a Python without the C accelerator)
        return functools.partial(json.dumps, sort_keys=True, separators=separators)
    item, key = separators
    # no circular check: the data comes from to_jsonable, a tree
    encode = make(
        None, _not_json, json.encoder.encode_basestring_ascii, None, key, item, True, False, True
    )
    return lambda value: "".join(encode(value, 0))


def idempotent(
    uow: UnitOfWork, command: IdempotentCommand, run: Callable[[], PostingResult], *, commit: bool
) -> PostingResult:
    """Inside an open unit of work: the result stored under the command's key (nothing
    written), else ``run()``'s, remembered under the key and committed when ``commit``.

    Raises :class:`~prodcore.errors.IdempotencyConflictError` when the key was used for
    another command."""
    digest = command_hash(command)
    # a store that can reads the orders the command names with its key (one statement)
    ahead = offered(uow.orders, ReadsOrdersAhead.read_ahead)
    if ahead is not None:
        ahead.read_ahead(order_ids_of(command))
    known = uow.ledger.idempotency(command.idempotency_key)
    if known is not None:
        if known.command_hash != digest:
            raise IdempotencyConflictError(key=command.idempotency_key)
        return known.resolved(uow.ledger.batch)
    result = run()
    # the batch is in the ledger already: the record points at it (stored once)
    uow.ledger.remember(IdempotencyRecord.pointing(command.idempotency_key, digest, result))
    if commit:
        uow.commit()
    return result
