"""The check that a value a store stages reads back as itself, compiled once per type.

A store refuses what it could not read back as it was given: a str where an enum
belongs, a naive datetime, a bool for a count, None for a text (attrs does not check
annotations). Writing the value to its document and reading it back answers that, but
costs a full encode and decode of every order and batch a unit of work stages. The
check here answers the same from the declared types alone: per record class, once, a
list of field checks (a type test per leaf, a walk per tuple and nested record);
the few types it has no rule for (a time, a time zone) are still written and read back,
leaf by leaf. Validators are not run again: a record reached its store through its
class's ``__init__`` (or :func:`attrs.evolve`), which ran them. For the same reason a
field whose converter lets only storable values through (every Decimal field, with
:func:`~prodcore.numbers.as_decimal`) is not checked here: its values were checked once,
where the record was built (a batch's thousands of amounts are not walked again).

Per class, the checks are also written out as one expression (as attrs writes
``__init__``), so a record that stores, the usual case, costs one call; only a record
that does not is walked field by field, to say which field is wrong.

A record the domain built from values checked where they came in (a command checked
by the application before it is decided, master data and orders checked when they were
staged, entries read from the store) is storable by construction: the application
vouches for it to its unit of work (``StagingUnitOfWork.vouch``), which stages it without
this check. A record nobody vouched for (a batch a caller built and appends, one a caller
copied) is checked.

A record that replaces one the store already holds (a saved order) is checked against
that one: a field, a nested record or a member of a tuple that *is* (identity) the
stored one's was checked when that was staged, and records are frozen, so only what the
decision changed is checked again (an order's unchanged lines and operations are not
walked at every posting).

>>> import datetime as dt
>>> from decimal import Decimal
>>> from prodcore.numbers import Money
>>> storable_problem(Money(Decimal("1.50"), "EUR")) is None
True
>>> from prodcore.ledger.model import GLEntry, AccountRole
>>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
>>> line = GLEntry(1, account="2140", role=AccountRole.WIP, amount=Decimal(10), currency="EUR",
...                value_entry_no=1, posted_at=at)
>>> storable_problem(line) is None
True
>>> storable_problem(attrs.evolve(line, role="WIP", posted_at=at.replace(tzinfo=None)))
'role must be AccountRole, not str'
>>> storable_problem(attrs.evolve(line, posted_at=at.replace(tzinfo=None)))
'posted_at needs a timezone'
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from prodcore.errors import InvalidValueError
from prodcore.numbers import MAX_INTEGER_DIGITS, MIN_EXPONENT, as_decimal, to_decimal
from prodcore.serialization import dumps, loads

__all__ = ["same_leaves", "storable_problem"]

#: What is wrong with a value (a path into it, then a sentence), or None: it stores.
_Check = Callable[[Any], str | None]


def storable_problem(value: object, known: object = None) -> str | None:
    """What keeps ``value`` from reading back from its document as itself (None: nothing).

    ``known``, if given, is a record of the same class that is storable (one the store
    holds, or staged after this check): the parts of ``value`` that are the very objects
    of ``known`` are not checked again.

    >>> from prodcore.masterdata import Item
    >>> storable_problem(attrs.evolve(Item("A", base_unit="PCS"), blocked=1))
    'blocked must be bool, not int'
    >>> stored = Item("A", base_unit="PCS")
    >>> storable_problem(attrs.evolve(stored, blocked=1), known=stored)
    'blocked must be bool, not int'
    """
    kind = type(value)
    if not attrs.has(kind):
        problem = _round_trip(kind)(value)
    elif type(known) is kind:
        problem = _since_check(kind)(value, known)
    else:
        problem = _record_check(kind)(value)
    return None if problem is None else problem.lstrip(".").lstrip()


@functools.cache
def _record_check(cls: type) -> _Check:
    """The check of a record of exactly ``cls``, field by field (built once per class)."""
    hints = typing.get_type_hints(cls)
    fields = tuple((f.name, _check_for(hints[f.name])) for f in _checked_fields(cls))
    quick = _quick_for(cls)

    def check(value: Any) -> str | None:
        if type(value) is not cls:
            return _wrong(cls, value)
        if quick(value):
            return None
        for name, field_check in fields:
            problem = field_check(getattr(value, name))
            if problem is not None:
                return f".{name}{problem}"
        return None

    return check


@functools.cache
def _quick_for(cls: type) -> Callable[[Any], bool]:
    """:func:`_quick_check` of ``cls`` (built once per class)."""
    return _quick_check(cls, typing.get_type_hints(cls))


def _quick_check(cls: type, hints: dict[str, Any]) -> Callable[[Any], bool]:
    """One expression: every field of a ``cls`` record passes its check."""
    scope: dict[str, Any] = {
        "_Decimal": Decimal,
        "_datetime": dt.datetime,
        "_MIN": MIN_EXPONENT,
        "_MAX": MAX_INTEGER_DIGITS,
    }
    terms = []
    for i, field in enumerate(_checked_fields(cls)):
        declared, value = hints[field.name], f"r.{field.name}"
        optional = typing.get_origin(declared) in (types.UnionType, typing.Union) and (
            len(typing.get_args(declared)) == 2 and type(None) in typing.get_args(declared)
        )
        leaf = (
            next(a for a in typing.get_args(declared) if a is not type(None))
            if optional
            else declared
        )
        nested = _nested(leaf)
        member = typing.get_args(leaf)[0] if typing.get_origin(leaf) is tuple else None
        if leaf in _EXACT or (isinstance(leaf, type) and issubclass(leaf, enum.Enum)):
            scope[f"_t{i}"] = leaf
            term = f"type({value}) is _t{i}"
            terms.append(f"({value} is None or {term})" if optional else term)
        elif nested is not None:
            # the nested records' own one-expression checks (an empty tuple: none)
            shape, kind = nested
            scope[f"_q{i}"] = _quick_later(scope, f"_q{i}", kind)
            term = (
                f"(type(_v := {value}) is tuple and (not _v or all(map(_q{i}, _v))))"
                if shape == "many"
                else f"_q{i}({value})"
            )
            terms.append(f"({value} is None or {term})" if optional else term)
        elif _is_many(leaf) and member in _EXACT:
            scope[f"_t{i}"] = member
            term = f"(type(_v := {value}) is tuple and all(type(x) is _t{i} for x in _v))"
            terms.append(f"({value} is None or {term})" if optional else term)
        elif leaf is Decimal or leaf is dt.datetime:
            # written out, not called: a batch holds thousands of them (see _decimal and
            # _datetime, which say what is wrong)
            term = (
                f"(type(_v := {value}) is _Decimal and _v.is_finite() and "
                "(not _v or _MIN <= _v.adjusted() < _MAX))"
                if leaf is Decimal
                else f"(isinstance(_v := {value}, _datetime) and _v.utcoffset() is not None)"
            )
            terms.append(f"({value} is None or {term})" if optional else term)
        else:
            scope[f"_c{i}"] = _check_for(declared)
            terms.append(f"_c{i}({value}) is None")
    scope["_cls"] = cls
    source = f"def quick(r):\n    return type(r) is _cls and {' and '.join(terms) or 'True'}"
    exec(source, scope)  # the code is written here, from the field types
    return scope["quick"]  # type: ignore[no-any-return]


def _quick_later(scope: dict[str, Any], name: str, kind: type) -> Callable[[Any], bool]:
    """:func:`_quick_for` of ``kind``, looked up at its first call (a record may hold
    records of its own class), which then puts it in ``scope`` under ``name``."""

    def first(value: Any) -> bool:
        quick = scope[name] = _quick_for(kind)
        return quick(value)

    return first


def _is_many(declared: Any) -> bool:
    """``declared`` is ``tuple[X, ...]``."""
    args = typing.get_args(declared)
    return typing.get_origin(declared) is tuple and len(args) == 2 and args[1] is Ellipsis


def _checked_fields(cls: type) -> list[attrs.Attribute[Any]]:
    """The fields of ``cls`` whose values are checked here: not those whose converter
    makes every value it lets through storable, checked once already, where the record
    was built (:func:`~prodcore.numbers.as_decimal`: exactly a finite Decimal in the
    range a document reads back; the copies that skip converters, ``revise`` and the
    renumbering, copy values of records built so)."""
    return [f for f in attrs.fields(cls) if f.converter is not as_decimal]


#: A field's records, when it holds some: ("one", class) for a record (or None),
#: ("many", class) for a tuple of them.
_Nested = tuple[str, Any] | None


def _nested(declared: Any) -> _Nested:
    args = [a for a in typing.get_args(declared) if a is not type(None)]
    origin = typing.get_origin(declared)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and attrs.has(args[0]):
        return ("many", args[0])
    if origin in (types.UnionType, typing.Union) and len(args) == 1:
        declared = args[0]
    return ("one", declared) if isinstance(declared, type) and attrs.has(declared) else None


@functools.cache
def _since_check(cls: type) -> Callable[[Any, Any], str | None]:
    """The check of a ``cls`` record against a storable ``cls`` record ``known``: what
    is (identity) ``known``'s, field, nested record or tuple member at the same place,
    was checked; everything else is checked as :func:`_record_check` checks it.

    Written out as one function per class (as :func:`_quick_check`): an order is saved
    at every command, and nearly all its fields are the stored order's own."""
    hints = typing.get_type_hints(cls)
    scope: dict[str, Any] = {}
    lines = ["def since(value, known):"]
    for i, field in enumerate(_checked_fields(cls)):
        declared, name = hints[field.name], field.name
        nested = _nested(declared)
        scope[f"_c{i}"] = (
            _check_for(declared) if nested is None else _nested_since(declared, nested)
        )
        lines += [
            f"    new, old = value.{name}, known.{name}",
            "    if new is not old:",
            f"        problem = _c{i}(new{'' if nested is None else ', old'})",
            "        if problem is not None:",
            f"            return {'.' + name!r} + problem",
        ]
    lines.append("    return None")
    exec("\n".join(lines), scope)  # the code is written here, from the field names
    return scope["since"]  # type: ignore[no-any-return]


def _nested_since(declared: Any, nested: tuple[str, Any]) -> Callable[[Any, Any], str | None]:
    """The check of a field holding records: against the known field's records, member by
    member, where both are of the declared shape; else in full."""
    full, (shape, kind) = _check_for(declared), nested

    def check(new: Any, old: Any) -> str | None:
        if shape == "many" and type(new) is tuple and type(old) is tuple:
            return _members_since(kind, new, old)
        if shape == "one" and type(new) is type(old) and _is(new, kind):
            # looked up when used: a record may hold records of its own class
            return _since_check(kind)(new, old)
        return full(new)

    return check


def _is(value: object, kind: type) -> bool:
    """``value`` is exactly of class ``kind`` (a subclass's fields are not ``kind``'s)."""
    return type(value) is kind


def _members_since(member: type, new: tuple[Any, ...], old: tuple[Any, ...]) -> str | None:
    """The check of a tuple of ``member`` records against a storable one, member by
    member at the same place."""
    full, since = _record_check(member), _since_check(member)
    for i, item in enumerate(new):
        before = old[i] if i < len(old) else None
        if item is before:
            continue
        if _is(item, member) and _is(before, member):
            problem = since(item, before)
        else:
            problem = full(item)
        if problem is not None:
            return f"[{i}]{problem}"
    return None


#: Leaves that store exactly when they are of their declared type.
_EXACT = (type(None), bool, int, str, dt.date)


def _wrong(expected: Any, value: object) -> str:
    return f" must be {getattr(expected, '__name__', expected)}, not {type(value).__name__}"


def _exactly(kind: type) -> _Check:
    """A leaf of exactly ``kind`` (a bool is no int, a str no enum member)."""

    def check(value: Any) -> str | None:
        return None if type(value) is kind else _wrong(kind, value)

    return check


def _decimal(value: Any) -> str | None:
    if type(value) is not Decimal:
        return _wrong(Decimal, value)
    if value.is_finite() and (not value or MIN_EXPONENT <= value.adjusted() < MAX_INTEGER_DIGITS):
        return None
    try:
        to_decimal(value)  # says what is out of the range a document reads back
    except InvalidValueError as err:
        return f" {err.reason}"
    return None


def _datetime(value: Any) -> str | None:
    # a moment is stored with its offset and compared by its instant
    if not isinstance(value, dt.datetime):
        return _wrong(dt.datetime, value)
    return None if value.utcoffset() is not None else " needs a timezone"


def _check_for(declared: Any) -> _Check:
    """The check of a field declared ``declared``."""
    origin = typing.get_origin(declared)
    args = typing.get_args(declared)
    if origin in (types.UnionType, typing.Union):
        others = [a for a in args if a is not type(None)]
        if len(others) == 1 and len(args) == 2:
            inner = _check_for(others[0])
            return lambda value: None if value is None else inner(value)
        return _round_trip(declared)
    if origin is tuple:
        return _tuple_check(args)
    if declared is Decimal:
        return _decimal
    if declared is dt.datetime:
        return _datetime
    if declared in _EXACT or (isinstance(declared, type) and issubclass(declared, enum.Enum)):
        return _exactly(declared)
    if isinstance(declared, type) and attrs.has(declared):
        # looked up when used: a record may hold records of its own class
        nested: Any = declared
        return lambda value: (
            None
            if _is(value, nested) and _quick_for(nested)(value)
            else _record_check(nested)(value)
        )
    return _round_trip(declared)


def _tuple_check(args: tuple[Any, ...]) -> _Check:
    if len(args) == 2 and args[1] is Ellipsis:
        kind, member = args[0], _check_for(args[0])
        records = isinstance(kind, type) and attrs.has(kind)

        def each(value: Any) -> str | None:
            if type(value) is not tuple:
                return _wrong(tuple, value)
            # records: the one-expression check of each, the walk only for one that fails
            quick = _quick_for(kind) if records else None
            for i, item in enumerate(value):
                if quick is not None and type(item) is kind and quick(item):
                    continue
                problem = member(item)
                if problem is not None:
                    return f"[{i}]{problem}"
            return None

        return each
    members = tuple(_check_for(a) for a in args)

    def fixed(value: Any) -> str | None:
        if type(value) is not tuple or len(value) != len(members):
            return f" must be a tuple of {len(members)}, not {value!r}"
        for i, (check, item) in enumerate(zip(members, value, strict=True)):
            problem = check(item)
            if problem is not None:
                return f"[{i}]{problem}"
        return None

    return fixed


def _round_trip(declared: Any) -> _Check:
    """For a type without a rule: write the value, read it back as ``declared``, compare."""

    def check(value: Any) -> str | None:
        try:
            again = loads(dumps(value), declared)  # text: a bare JSON string is no JSON text
        except InvalidValueError as err:
            return f" {err.reason}"
        except (AttributeError, LookupError, TypeError, ValueError) as err:
            # cattrs writes each field by its declared type: ``.value`` of a str "enum"
            return f" not storable: {err}"
        return None if same_leaves(again, value) else " is not of its type"

    return check


def same_leaves(read: object, given: object) -> bool:
    """``read`` (a value read back from its document) is ``given``, leaf by leaf with the
    same types; a datetime counts by its instant (a zone is stored as its offset).

    >>> same_leaves(("A", 1), ("A", 1)), same_leaves(("A", 1), ("A", True))
    (True, False)
    """
    todo = [(read, given)]
    while todo:
        a, b = todo.pop()
        if isinstance(b, dt.datetime):
            if not isinstance(a, dt.datetime) or a != b:
                return False
        elif type(a) is not type(b):
            return False
        elif attrs.has(type(b)):
            names = [f.name for f in attrs.fields(type(b))]  # type: ignore[arg-type]
            todo.extend((getattr(a, n), getattr(b, n)) for n in names)
        elif isinstance(b, tuple | list):
            if len(a) != len(b):  # type: ignore[arg-type]
                return False
            todo.extend(zip(a, b, strict=True))  # type: ignore[call-overload]
        elif isinstance(b, dict):
            if a.keys() != b.keys():  # type: ignore[attr-defined]
                return False
            todo.extend((a[k], b[k]) for k in b)  # type: ignore[index]
        elif a != b:
            return False
    return True
