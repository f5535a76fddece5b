"""A copy of a frozen record with some fields changed, checked where it changed.

:func:`attrs.evolve` builds the copy through ``__init__``: every field is converted and
validated again, although all but the changed ones are the validated record's own
values (an order's operation has sixteen Decimals; a posting evolves a few of them).
:func:`revise` gives the same record: it runs the converters and validators of the
fields given, and the class's ``__attrs_post_init__`` (a check across fields), and
copies the others as they are. A wrong value for a changed field is refused exactly as
:func:`attrs.evolve` refuses it.

>>> from decimal import Decimal
>>> from prodcore.numbers import Quantity
>>> revise(Quantity("2.5", "KG"), amount="3")
Quantity('3', 'KG')
>>> revise(Quantity("2.5", "KG"), amount=0.5)
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for amount: 0.5 (floats are not accepted; pass a str or Decimal).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import MemberDescriptorType
from typing import Any, TypeVar

import attrs

__all__ = ["copy_function", "field_setters", "revise"]

_R = TypeVar("_R")


def revise(record: _R, **changes: Any) -> _R:
    """``attrs.evolve(record, **changes)``, converting and validating only ``changes``."""
    kind: type = type(record)
    copy: Callable[[_R, dict[str, Any]], _R] = _reviser(kind, tuple(changes))
    return copy(record, changes)


@functools.cache
def field_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """For each field of the attrs class ``cls``, in field order, a function setting it
    on a record that is being built, as ``object.__setattr__(record, name, value)``
    does (a frozen record's own ``__setattr__`` refuses): the slot's own setter where
    the field is a slot, which skips looking the name up on the class at every copy
    (copies of entries and orders set every field, twenty and more).

    >>> from decimal import Decimal
    >>> from prodcore.numbers import Quantity
    >>> q = object.__new__(Quantity)
    >>> for set_field, value in zip(field_setters(Quantity), (Decimal(2), "KG")):
    ...     set_field(q, value)
    >>> q
    Quantity('2', 'KG')
    """
    setters: list[Callable[[Any, Any], None]] = []
    for f in attrs.fields(cls):
        slot = next((k.__dict__[f.name] for k in cls.__mro__ if f.name in k.__dict__), None)
        if isinstance(slot, MemberDescriptorType):
            setters.append(slot.__set__)
        else:  # a class with a __dict__: no slot to set
            setters.append(functools.partial(_set_named, f.name))
    return tuple(setters)


def _set_named(name: str, record: object, value: object) -> None:
    object.__setattr__(record, name, value)


def copy_function(
    cls: type, parameters: str, values: dict[str, str], scope: dict[str, Any] | None = None
) -> Callable[..., Any]:
    """A function ``copy(<parameters>)`` making a ``cls`` record field by field, with
    neither converters nor validators run: a field named in ``values`` is set to that
    Python expression (of the parameters and of ``scope``'s names), every other one to
    ``record.<field>``. For copies whose changed values are valid by construction (the
    fields of the validated record, entry numbers); written out once, as attrs writes
    ``__init__``.

    >>> from decimal import Decimal
    >>> from prodcore.numbers import Quantity
    >>> copy = copy_function(Quantity, "record, *, unit", {"unit": "unit"})
    >>> copy(Quantity("2", "KG"), unit="G")
    Quantity('2', 'G')
    """
    lines = [f"def copy({parameters}):", "    new = _new(_cls)"]
    lines += [
        f"    _s{i}(new, {values.get(f.name, f'record.{f.name}')})"
        for i, f in enumerate(attrs.fields(cls))
    ]
    lines.append("    return new")
    names: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **(scope or {})}
    names.update((f"_s{i}", set_field) for i, set_field in enumerate(field_setters(cls)))
    exec("\n".join(lines), names)  # the code is written here, from the field names
    return names["copy"]  # type: ignore[no-any-return]


@functools.cache
def _reviser(cls: type, changed: tuple[str, ...]) -> Callable[[Any, dict[str, Any]], Any]:
    """The copy function of ``cls`` for the fields ``changed`` (a dict), written out
    once per class and set of fields, as attrs writes ``__init__``; classes it does not
    cover (a field set in ``__attrs_post_init__`` only, a pre-init hook, an unknown
    name) get :func:`attrs.evolve`."""
    fields = attrs.fields(cls)
    by_alias = {f.alias: f for f in fields}
    if (
        any(not f.init for f in fields)
        or hasattr(cls, "__attrs_pre_init__")
        or any(name not in by_alias or not name.isidentifier() for name in changed)
    ):
        return lambda record, changes: attrs.evolve(record, **changes)
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    # the changed values as locals _0, _1...: a field may be named like a builtin
    lines = ["def copy(record, changes):"]
    lines += [f"    _{i} = changes[{name!r}]" for i, name in enumerate(changed)]
    lines.append("    new = _new(_cls)")
    checks = []
    given = {name: f"_{i}" for i, name in enumerate(changed)}
    for i, (f, set_field) in enumerate(zip(fields, field_setters(cls), strict=True)):
        scope[f"_s{i}"] = set_field
        value = given.get(f.alias)
        if value is None:
            lines.append(f"    _s{i}(new, record.{f.name})")
            continue
        scope[f"_f{i}"] = f
        converter: Any = f.converter
        # (a bool, not isinstance in the if: the stubs declare none of Converter's attributes)
        takes_arguments = isinstance(converter, attrs.Converter)
        if takes_arguments:
            scope[f"_c{i}"] = converter.converter
            extra = ("new, " if converter.takes_self else "") + (
                f"_f{i}, " if converter.takes_field else ""
            )
            value = f"_c{i}({value}, {extra})"
        elif converter is not None:
            scope[f"_c{i}"] = converter
            value = f"_c{i}({value})"
        lines.append(f"    _s{i}(new, {value})")
        if f.validator is not None:
            scope[f"_v{i}"] = f.validator
            checks.append(f"    _v{i}(new, _f{i}, new.{f.name})")
    lines += checks  # as attrs does: validators run once every field is set
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    new.__attrs_post_init__()")
    lines.append("    return new")
    exec("\n".join(lines), scope)  # the code is written here, from the field definitions
    return scope["copy"]  # type: ignore[no-any-return]
