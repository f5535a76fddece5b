"""JSON Schema of prodcore's wire types, generated from the attrs classes themselves.

One generator, :func:`json_schemas`, walks the annotations of attrs classes (commands,
results, master data, ledger entries) and writes one JSON Schema (draft 2020-12, the
dialect of OpenAPI 3.1) per class, referenced as ``#/components/schemas/<Name>``. It
follows :mod:`prodcore.serialization`: decimals are strings, dates ISO 8601, enums their
values, members of a tagged union carry their wire tag in ``"type"``
(:data:`prodcore.commands.WIRE_TAGS`), unknown keys are refused. The service's OpenAPI
document uses it; any other edge (the CLI) can too. It needs no web framework.

>>> from prodcore.orders.lifecycle import ChangeStatus
>>> schemas = json_schemas([ChangeStatus])
>>> change = schemas["ChangeStatus"]
>>> change["properties"]["type"], change["required"]
({'const': 'order.change_status'}, ['type', 'order_id', 'to_status'])
>>> schemas["OrderStatus"]["enum"]
['SIMULATED', 'PLANNED', 'FIRM_PLANNED', 'RELEASED', 'FINISHED']
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from prodcore.commands import TAGGED_UNIONS, WIRE_TAGS
from prodcore.errors import InvalidValueError

__all__ = ["DECIMAL_PATTERN", "REF_PREFIX", "json_schemas", "schema_of"]

#: Where the component schemas live in an OpenAPI document.
REF_PREFIX = "#/components/schemas/"

#: A decimal number as prodcore writes it (a string; its exponent kept).
DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"

_SCALARS: Mapping[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    Decimal: {
        "type": "string",
        "pattern": DECIMAL_PATTERN,
        "description": "a decimal number as a string (floats are refused)",
    },
    dt.datetime: {"type": "string", "format": "date-time"},
    dt.date: {"type": "string", "format": "date"},
    dt.time: {"type": "string", "format": "time"},
    dt.tzinfo: {"type": "string", "description": "an IANA zone, UTC or an offset (+01:00)"},
    typing.Any: {},
    object: {},
}


def json_schemas(roots: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """The component schemas of ``roots`` (attrs classes, enums, tagged unions) and of
    every class they reference, by class name."""
    schemas: dict[str, dict[str, Any]] = {}
    for root in roots:
        schema_of(root, schemas)
    return schemas


def schema_of(tp: Any, schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The schema of type ``tp`` (a ``$ref`` for a class), adding the component schemas
    it needs to ``schemas``.

    >>> schemas: dict[str, dict[str, Any]] = {}
    >>> schema_of(tuple[Decimal, ...], schemas)["items"]["type"]
    'string'
    >>> schema_of(complex, schemas)
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for type: <class 'complex'> (no JSON schema for it).
    """
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return _union(tp, args, schemas)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": schema_of(args[0], schemas)}
        items = [schema_of(a, schemas) for a in args]
        return {
            "type": "array",
            "prefixItems": items,
            "minItems": len(items),
            "maxItems": len(items),
        }
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        value = schema_of(args[1], schemas) if args else {}
        return {"type": "object", "additionalProperties": value}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        _add(tp, {"enum": [m.value for m in tp], "type": _json_type(tp)}, schemas)
        return {"$ref": REF_PREFIX + tp.__name__}
    if isinstance(tp, type) and attrs.has(tp):
        if tp.__name__ not in schemas:
            schemas[tp.__name__] = {}  # reserve the name first: classes may refer to themselves
            schemas[tp.__name__] = _record(tp, schemas)
        elif schemas[tp.__name__].get("x-class", _qualname(tp)) != _qualname(tp):
            raise InvalidValueError(field="type", value=tp, reason="two classes share its name")
        return {"$ref": REF_PREFIX + tp.__name__}
    raise InvalidValueError(field="type", value=tp, reason="no JSON schema for it")


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _add(cls: type, schema: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> None:
    schemas.setdefault(cls.__name__, {"title": cls.__name__, **schema})


def _json_type(cls: type[enum.Enum]) -> str:
    return "integer" if all(isinstance(m.value, int) for m in cls) else "string"


def _union(tp: Any, args: tuple[Any, ...], schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    members = [a for a in args if a is not type(None)]
    if len(members) < len(args):  # optional: the rest, or null
        rest = members[0] if len(members) == 1 else typing.Union[tuple(members)]  # noqa: UP007
        return {"anyOf": [schema_of(rest, schemas), {"type": "null"}]}
    if tp in TAGGED_UNIONS or all(m in WIRE_TAGS for m in members):
        refs = {WIRE_TAGS[m]: schema_of(m, schemas)["$ref"] for m in members}
        return {
            "oneOf": [{"$ref": ref} for ref in refs.values()],
            "discriminator": {"propertyName": "type", "mapping": refs},
        }
    return {"anyOf": [schema_of(m, schemas) for m in members]}


def _record(cls: type, schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An attrs class: an object of its fields, the wire tag first when it has one."""
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    if cls in WIRE_TAGS:
        properties["type"] = {"const": WIRE_TAGS[cls]}
        required.append("type")
    for field in attrs.fields(cls):
        if not field.init:
            continue
        name = field.alias or field.name
        prop = schema_of(hints[field.name], schemas)
        default = field.default
        if default is attrs.NOTHING:
            required.append(name)
        elif _plain(default):
            prop = {**prop, "default": default.value if isinstance(default, enum.Enum) else default}
        properties[name] = prop
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return {
        "title": cls.__name__,
        "description": " ".join(doc.split()),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "x-class": _qualname(cls),
    }


def _plain(value: object) -> bool:
    """A default that is already JSON (shown in the schema); others are left unsaid."""
    if isinstance(value, enum.Enum):
        return isinstance(value.value, str | int)
    return value is None or (isinstance(value, str | int | bool) and not isinstance(value, Decimal))
