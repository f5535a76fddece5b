"""JSON in and out through one cattrs converter that prodcore owns.

Decimals travel as strings (their exponent kept: ``"10.00"`` stays ``"10.00"``), dates
and datetimes as ISO 8601, enums by value, unions of records with an explicit ``"type"``
tag (:data:`prodcore.commands.WIRE_TAGS`; the class names records were tagged with before
are still read), and unknown keys are refused. The global cattrs converter is never touched.

Booleans, integers, texts and enums are taken only as themselves: ``"false"``, ``1`` or
``null`` is no bool, ``true`` or ``10000.9`` no int, ``null`` or a list no text (cattrs
would coerce each one silently).

>>> from decimal import Decimal
>>> from prodcore.numbers import Money
>>> dumps(Money("10.50", "EUR"))
'{"amount": "10.50", "currency": "EUR"}'
>>> loads('{"amount": "10.50", "currency": "EUR"}', Money)
Money('10.50', 'EUR')
>>> loads('{"amount": 1.5, "currency": "EUR"}', Money)
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for Money: '{"amount": 1.5, "currency": "EUR"}' (Invalid value for amount: 1.5 (floats are not accepted; pass a str or Decimal). @ $).
>>> loads('{"amount": "1", "currency": null}', Money)
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for Money: '{"amount": "1", "currency": null}' (Invalid value for str: None (must be a JSON string). @ $.currency).
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
import functools
import json
import threading
import typing
import zoneinfo
from collections.abc import Callable, Iterable
from decimal import Decimal
from json.encoder import encode_basestring
from types import UnionType
from typing import Any, TypeVar, get_args, get_origin, overload

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import JsonConverter
from cattrs.preconf.json import make_converter as _make_json_converter
from cattrs.strategies import configure_tagged_union
from cattrs.v import format_exception

from prodcore.commands import LEGACY_TAGS, TAGGED_UNIONS, WIRE_TAGS, PutMasterData
from prodcore.errors import InvalidValueError, ProdcoreError
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    EntryOrigin,
    GLEntry,
    IdempotencyRecord,
    ItemLedgerEntry,
    PostingBatch,
    ValueEntry,
)
from prodcore.masterdata import Item, RoutingLine
from prodcore.masterdata.standards import StandardCostVersion, flat_shares, nested_shares
from prodcore.numbers import to_decimal
from prodcore.orders.journals import (
    POSTING_DATED,
    AdjustmentLine,
    ByProductLine,
    ConsumptionLine,
    OutputLine,
)
from prodcore.orders.model import Operation
from prodcore.ports import MasterDataRecord

__all__ = ["PartsEncoder", "dumps", "dumps_emptied", "loads", "make_converter", "to_jsonable"]

_T = TypeVar("_T")


def make_converter(*, extra_unions: Iterable[Any] = ()) -> JsonConverter:
    """A fresh JSON converter configured for prodcore's types."""
    conv = _make_json_converter(forbid_extra_keys=True, prefer_attrib_converters=True)
    for kind, expected in (
        (bool, "true or false"),
        (int, "a JSON integer"),
        (str, "a JSON string"),
    ):
        conv.register_structure_hook(kind, _strict(kind, expected))
    # the enum bases too: a StrEnum is a str (and an IntEnum an int) to the dispatch
    for base in (enum.Enum, enum.StrEnum, enum.IntEnum):
        conv.register_structure_hook(base, _structure_enum)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda v, _: to_decimal(v))
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_structure_hook(dt.datetime, lambda v, _: _structure_datetime(v))
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, dt.tzinfo), _unstructure_tz
    )
    conv.register_structure_hook(dt.tzinfo, lambda v, _: _structure_tz(v))
    conv.register_unstructure_hook(dt.time, dt.time.isoformat)
    conv.register_structure_hook(dt.time, lambda v, _: dt.time.fromisoformat(v))
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
    _flat_standard_shares(conv)
    # fields added since 0.1.0 are written only when they differ from their default, so
    # documents and command hashes written before read (and hash) as they did
    omit = override(omit_if_default=True)
    for cls, names in _added_fields().items():
        overrides: dict[str, Any] = dict.fromkeys(names, omit)
        if cls is PostingBatch:
            _posting_batch(conv, overrides)
            continue
        conv.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, conv, **overrides))
    # before the unions take PutMasterData's hook: its records converter (any iterable)
    # would otherwise get the raw JSON records
    conv.register_structure_hook(
        PutMasterData, _records_structured(conv, conv.get_structure_hook(PutMasterData))
    )
    for union in TAGGED_UNIONS:
        configure_tagged_union(union, conv, tag_name="type", tag_generator=WIRE_TAGS.__getitem__)
        conv.register_structure_hook(union, _reading_legacy_tags(conv.get_structure_hook(union)))
    for union in extra_unions:
        configure_tagged_union(union, conv, tag_name="type", tag_generator=_tag)
    conv.register_structure_hook(
        CapacityLedgerEntry, _origin_from_description(conv.get_structure_hook(CapacityLedgerEntry))
    )
    return conv


def _flat_standard_shares(conv: JsonConverter) -> None:
    """An implemented standard's shares travel beside its date, as they were stored
    before a :class:`StandardCostVersion` held a ``CostShares``."""
    unstructure = make_dict_unstructure_fn(StandardCostVersion, conv)
    conv.register_unstructure_hook(StandardCostVersion, lambda v: flat_shares(unstructure(v)))
    structure = conv.get_structure_hook(StandardCostVersion)
    conv.register_structure_hook(
        StandardCostVersion, lambda doc, cls: structure(nested_shares(doc), cls)
    )


def _posting_batch(conv: JsonConverter, overrides: dict[str, Any]) -> None:
    """A batch travels with its G/L lines written out under ``gl_entries``, derived ones
    too, as when every batch held its lines, and what they derive from (``gl_setup``,
    ``gl_after``) when known; a batch that derives them reads back deriving them again."""
    renamed: dict[str, Any] = {"_gl_entries": override(rename="gl_entries")}
    omit = override(omit_if_default=True)
    unstructure = make_dict_unstructure_fn(
        PostingBatch, conv, **overrides, **renamed, gl_setup=omit, gl_after=omit
    )

    def write(batch: PostingBatch) -> Any:
        doc = unstructure(batch)
        if batch.derives_gl:
            doc["gl_entries"] = [conv.unstructure(g, GLEntry) for g in batch.gl_entries]
        return doc

    structure = make_dict_structure_fn(PostingBatch, conv, **renamed)

    def read(doc: Any, cls: Any) -> PostingBatch:
        if isinstance(doc, dict) and doc.get("gl_setup") is not None:
            # derived again: lines given with a setup (a store's rows) are not on the wire
            doc = {k: v for k, v in doc.items() if k != "gl_entries"}
        return structure(doc, cls)

    # for the text encoder (see _TextEncoders): the fields as ``unstructure`` writes them,
    # the lines read through the property that derives them, as ``write`` does
    write.generated = unstructure  # type: ignore[attr-defined]
    write.read_as = {"_gl_entries": "gl_entries"}  # type: ignore[attr-defined]
    conv.register_unstructure_hook(PostingBatch, write)
    conv.register_structure_hook(PostingBatch, read)


def _added_fields() -> dict[type, tuple[str, ...]]:
    """Per record type, the fields added since 0.1.0 that are left out of its JSON while
    they hold their default: item tracking (written only when used), posting dates (only
    when given), an entry's registration moment (only when it differs from its posting's),
    who posted a batch and its item applications (only when known), a capacity
    entry's operation times, a routing line's (and operation's) alternative centres."""
    added: dict[type, tuple[str, ...]] = {
        ItemLedgerEntry: ("lot_no", "serial_no", "expiry_date", "applies_from_entry_no"),
        Item: ("tracking",),
        ConsumptionLine: ("tracking", "applies_from_entry_no"),
        OutputLine: ("tracking",),
        AdjustmentLine: ("tracking",),
        ByProductLine: ("tracking",),
    }
    for dated in POSTING_DATED:
        added[dated] = (*added.get(dated, ()), "posting_date")
    for entry in (ItemLedgerEntry, CapacityLedgerEntry, ValueEntry, GLEntry):
        added[entry] = (*added.get(entry, ()), "registered_at")
    added[CapacityLedgerEntry] = (*added[CapacityLedgerEntry], "operation_times")
    added[RoutingLine] = ("alternatives",)
    added[Operation] = ("alternatives",)
    # last: its hook is built from the entries' hooks above
    added[PostingBatch] = (
        "user",
        "source",
        "item_applications",
        "cost_adjusted",
        "cost_marked",
    )
    added[IdempotencyRecord] = ("batch_no",)  # pointing at its batch; after the batch's hook
    return added


#: Before capacity entries carried an ``origin`` (release 0.1.0), receipts and quality
#: scrap were told by the start of their description; documents without the field are
#: read with the origin those descriptions meant.
_LEGACY_ORIGINS = (
    ("Subcontracting receipt", EntryOrigin.SUBCONTRACT_RECEIPT),
    ("Quality scrap", EntryOrigin.QUALITY_SCRAP),
)


def _strict(kind: type, expected: str) -> _Hook:
    """A hook taking only a ``kind`` itself (a bool is no int, though Python says so)."""

    def structure(value: Any, _: Any) -> Any:
        if type(value) is not kind:
            raise InvalidValueError(field=kind.__name__, value=value, reason=f"must be {expected}")
        return value

    return structure


def _structure_enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    """An enum member from a value of its members' own type (``True`` is no ``1``)."""
    kinds = {type(m.value) for m in cls}
    if isinstance(value, cls) or type(value) in kinds:
        try:
            return cls(value)
        except ValueError:
            pass
    members = ", ".join(repr(m.value) for m in cls)
    raise InvalidValueError(field=cls.__name__, value=value, reason=f"must be one of {members}")


def _origin_from_description(hook: _Hook) -> _Hook:
    def structure(value: Any, cls: Any) -> Any:
        if isinstance(value, dict) and "origin" not in value:
            description = value.get("description")
            for prefix, origin in _LEGACY_ORIGINS:
                if isinstance(description, str) and description.startswith(prefix):
                    value = {**value, "origin": origin.value}
                    break
        return hook(value, cls)

    return structure


def _records_structured(conv: JsonConverter, hook: _Hook) -> _Hook:
    def structure(value: Any, cls: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("records"), list):
            records = conv.structure(value["records"], tuple[MasterDataRecord, ...])
            value = {**value, "records": records}
        return hook(value, cls)

    return structure


def _tag(cls: type) -> str:
    """A class's wire tag (its name for the members of a caller's own union)."""
    return WIRE_TAGS.get(cls, cls.__name__)


_Hook = Callable[[Any, Any], Any]


def _reading_legacy_tags(hook: _Hook) -> _Hook:
    """``hook`` that also reads a record tagged with its class name, as written before
    the wire tags."""

    def structure(value: Any, cls: Any) -> Any:
        if isinstance(value, dict) and value.get("type") in LEGACY_TAGS:
            value = {**value, "type": LEGACY_TAGS[value["type"]]}
        return hook(value, cls)

    return structure


def _unstructure_tz(tz: dt.tzinfo) -> str:
    """A time zone as its IANA name (``"Europe/Berlin"``), ``"UTC"``, or a fixed offset."""
    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz.key
    if tz is dt.UTC:
        return "UTC"
    offset = tz.utcoffset(None)
    if isinstance(tz, dt.timezone) and offset is not None:
        return _offset_text(offset)
    raise InvalidValueError(
        field="timezone", value=tz, reason="only IANA zones and fixed offsets serialize"
    )


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _structure_tz(value: object) -> dt.tzinfo:
    if not isinstance(value, str):
        raise InvalidValueError(
            field="timezone", value=value, reason="must be a zone name or offset"
        )
    if value == "UTC":
        return dt.UTC
    if value[:1] in "+-" and len(value) == 6 and value[3] == ":":
        minutes = int(value[1:3]) * 60 + int(value[4:6])
        return dt.timezone(dt.timedelta(minutes=minutes if value[0] == "+" else -minutes))
    try:
        return zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidValueError(field="timezone", value=value, reason="unknown time zone") from None


def _structure_datetime(value: str) -> dt.datetime:
    result = dt.datetime.fromisoformat(value)
    if result.tzinfo is None:
        raise InvalidValueError(field="datetime", value=value, reason="needs a timezone")
    return result


@functools.cache
def _converter() -> JsonConverter:
    # Built on first use (no import-time work); private, never handed to users.
    return make_converter()


@functools.cache
def _union_of(cls: Any) -> Any:
    """The tagged union ``cls`` belongs to, so a lone command or record carries its tag.

    Cached: every ``dumps`` and ``loads`` asks, and ``TAGGED_UNIONS`` fixes the answer."""
    return next((u for u in TAGGED_UNIONS if cls in get_args(u)), cls)


def to_jsonable(obj: object, converter: JsonConverter | None = None) -> Any:
    """``obj`` as plain JSON-compatible Python data (dicts, lists, strings).

    A member of a tagged union (a command, an event, a master data record) carries its
    ``"type"`` tag, so it can be loaded back as the union.
    """
    kind: Any = type(obj)
    return (converter or _converter()).unstructure(obj, unstructure_as=_union_of(kind))


def dumps(obj: object, converter: JsonConverter | None = None) -> str:
    """``obj`` as a JSON string."""
    if converter is None and (encode := _texts().encoder(type(obj))) is not None:
        try:
            return encode(obj, None)
        except (TypeError, AttributeError, ValueError):
            pass  # a value of another type than its field's: the converter says
    return json.dumps(to_jsonable(obj, converter), ensure_ascii=False)


def dumps_emptied(obj: object, empty: tuple[str, ...]) -> str:
    """``dumps`` of a copy of the record ``obj`` whose tuple fields ``empty`` (attrs
    field names) are empty tuples, without making the copy (nor checking it again): the
    same text, byte for byte. A SQL store writes a posting batch's header so, the
    batch's entries going to rows of their own.

    >>> from prodcore.testing.contracts import sample_batch
    >>> batch = sample_batch()
    >>> header = attrs.evolve(batch, item_entries=())
    >>> dumps_emptied(batch, ("item_entries",)) == dumps(header)
    True
    """
    encode = _texts().emptied_encoder(type(obj), empty)
    if encode is not None:
        try:
            return encode(obj, None)
        except (TypeError, AttributeError, ValueError):
            pass  # (see dumps)
    record: Any = obj
    alias = {f.name: f.alias for f in attrs.fields(type(record))}
    return dumps(attrs.evolve(record, **{alias[name]: () for name in empty}))


def _json_text() -> Callable[[Any], str]:
    """``json.dumps(..., ensure_ascii=False)`` without its per-call set-up."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # (a Python without the C accelerator)
        return json.JSONEncoder(ensure_ascii=False).encode
    encode = make({}, _not_json, encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encode(value, 0))


def _not_json(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


#: A record's text encoder: the record, and a :class:`PartsEncoder` holding the texts of
#: parts written before (or None).
_Encode = Callable[[Any, "PartsEncoder | None"], str]


class _TextEncoders:
    """Per record class, a function writing its JSON text directly, as
    ``json.dumps(converter.unstructure(record))`` does, byte for byte (the fields in
    the order of the converter's hook, those left out at their default last), without
    the dictionaries in between. Made for the classes whose converter hook is one that
    cattrs generated with at most ``omit_if_default`` and ``rename`` overrides, or wraps
    one (its ``generated``) reading some fields through other attributes (its
    ``read_as``: a posting batch's lines, derived or stored); a field of a type not
    written here goes through its converter hook and ``json``."""

    def __init__(self, conv: JsonConverter) -> None:
        self.conv = conv
        self.json = _json_text()
        self.made: dict[type, _Encode | None] = {}
        self.emptied: dict[tuple[type, tuple[str, ...]], _Encode | None] = {}

    def encoder(self, cls: type) -> _Encode | None:
        """The text encoder of ``cls`` (None: the converter's way for it)."""
        try:
            return self.made[cls]
        except KeyError:
            pass
        self.made[cls] = None  # (while being made: a record holding its own class)
        made = self.made[cls] = self._make(cls) if _union_of(cls) is cls else None
        return made

    def emptied_encoder(self, cls: type, empty: tuple[str, ...]) -> _Encode | None:
        """The text encoder of ``cls`` with its tuple fields ``empty`` written as empty
        (None: the converter's way for it)."""
        key = (cls, empty)
        if key not in self.emptied:
            made = self._make(cls, frozenset(empty)) if self.encoder(cls) else None
            self.emptied[key] = made
        return self.emptied[key]

    def _make(self, cls: type, empty: frozenset[str] = frozenset()) -> _Encode | None:
        wrapper = self.conv.get_unstructure_hook(cls)
        hook = getattr(wrapper, "generated", wrapper)
        read_as: dict[str, str] = getattr(wrapper, "read_as", {})
        code = getattr(hook, "__code__", None)
        if (
            not attrs.has(cls)
            or code is None
            or not code.co_filename.startswith("<cattrs generated unstructure ")
        ):
            return None
        overrides: dict[str, Any] = getattr(hook, "overrides", {})
        if any(o.omit or o.unstruct_hook for o in overrides.values()):
            return None
        hints = typing.get_type_hints(cls)
        scope: dict[str, Any] = {"_s": encode_basestring, "_i": _int_text, "_b": _bool_text}
        always: list[str] = []
        later: list[str] = []
        for n, field in enumerate(attrs.fields(cls)):
            if not field.init:
                return None
            read = "()" if field.name in empty else f"o.{read_as.get(field.name, field.name)}"
            value = self._text(hints[field.name], read, scope)
            override = overrides.get(field.name)
            key = field.name if override is None or override.rename is None else override.rename
            item = f"{encode_basestring(key) + ': '!r} + {value}"
            if override is None or not override.omit_if_default or field.default is attrs.NOTHING:
                always.append(item)
                continue
            default = _default_of(field)
            if default is None:
                return None
            scope[f"d{n}"] = default
            later.append(f"    if {read} != d{n}():\n        out.append({item})")
        source = "\n".join(
            [
                "def encode(o, memo):",
                f"    out = [{', '.join(always)}]",
                *later,
                "    return '{' + ', '.join(out) + '}'",
            ]
        )
        name = cls.__qualname__ + "".join(f" without {f}" for f in sorted(empty))
        exec(compile(source, f"<prodcore text encoder {name}>", "exec"), scope)
        encode: _Encode = scope["encode"]
        return encode

    def _text(self, kind: Any, value: str, scope: dict[str, Any]) -> str:
        """A Python expression: the JSON text of ``value`` (an expression) of type ``kind``."""
        args = get_args(kind)
        if get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis:
            each = f"e{len(scope)}"
            scope[each] = None  # (a name taken)
            part = args[0]
            if isinstance(part, type) and attrs.has(part) and (record := self.encoder(part)):
                name = f"h{len(scope)}"
                scope[name] = record
                inner = f"({name}({each}, None) if memo is None else memo.text({name}, {each}))"
            else:
                inner = self._text(part, each, scope)
            return f"('[' + ', '.join([{inner} for {each} in {value}]) + ']')"
        if len(args) == 2 and type(None) in args and get_origin(kind) in (typing.Union, UnionType):
            (inner_kind,) = (a for a in args if a is not type(None))
            return f"('null' if {value} is None else {self._text(inner_kind, value, scope)})"
        hook = self.conv.get_unstructure_hook(kind)
        name = f"h{len(scope)}"
        if hook in (str, dt.date.isoformat, dt.datetime.isoformat, dt.time.isoformat):
            scope[name] = hook
            return f"_s({name}({value}))"
        if getattr(hook, "__name__", "") == "identity" and isinstance(kind, type):
            if issubclass(kind, bool):
                return f"_b({value})"
            if issubclass(kind, str):
                return f"_s({value})"
            if issubclass(kind, int) and not issubclass(kind, enum.Enum):
                return f"_i({value})"
        if isinstance(kind, type) and attrs.has(kind) and (record := self.encoder(kind)):
            scope[name] = record
            return f"{name}({value}, memo)"
        scope[name] = hook
        scope[f"j{name}"] = self.json
        return f"j{name}({name}({value}))"


def _default_of(field: attrs.Attribute[Any]) -> Callable[[], Any] | None:
    """What cattrs compares a field with to leave it out (None: not written here)."""
    default: Any = field.default
    convert: Any = field.converter
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self or isinstance(convert, attrs.Converter):
            return None
        factory: Callable[[], Any] = default.factory
        if convert is None:
            return factory
        return lambda: convert(factory())
    if isinstance(convert, attrs.Converter):
        return None
    fixed = default if convert is None else convert(default)
    return lambda: fixed


def _int_text(value: Any) -> str:
    if type(value) is not int:
        raise TypeError(value)  # (a bool: json writes true)
    return int.__repr__(value)


def _bool_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise TypeError(value)


@functools.cache
def _texts() -> _TextEncoders:
    return _TextEncoders(_converter())


class PartsEncoder:
    """:func:`dumps` for records saved again and again with most of their parts
    unchanged (a production order: its lines, components, operations): the JSON text of
    each part that is the very object written before is reused, and only the parts that
    changed (new objects) are written. The text is the same, byte for byte, as
    :func:`dumps` gives.

    Parts are the records in a record's fields typed ``tuple[Part, ...]``, nested to
    any depth. A part's text is held with the part, by identity, until ``max_chars``
    characters of text are held; then the least recently used go first (a part stays
    alive while its text is held). One per store object: nothing is shared.

    >>> import datetime as dt
    >>> from prodcore.orders.model import OrderLine, OrderStatus, ProductionOrder
    >>> order = ProductionOrder("PO1", OrderStatus.PLANNED, "BIKE", 2, due_date=dt.date(2026, 1, 5),
    ...     lines=(OrderLine(1, "BIKE", 2),))
    >>> encoder = PartsEncoder(max_chars=100_000)
    >>> encoder.dumps(order) == dumps(order)
    True
    >>> moved = attrs.evolve(order, version=1)  # the same line: its text reused
    >>> encoder.dumps(moved) == dumps(moved), len(encoder.held)
    (True, 1)
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        #: id of the part -> (the part, its text)
        self.held: collections.OrderedDict[int, tuple[object, str]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def dumps(self, obj: object) -> str:
        """``obj`` as :func:`dumps` writes it (the record itself is not held)."""
        encode = _texts().encoder(type(obj))
        if encode is not None:
            try:
                return encode(obj, self)
            except (TypeError, AttributeError, ValueError):
                pass  # (see dumps)
        return dumps(obj)

    def text(self, encode: _Encode, part: object) -> str:
        """The text of ``part`` (written by ``encode``, its type's): as held, or written
        now and held."""
        key = id(part)
        held = self.held.get(key)
        if held is not None and held[0] is part:
            # no context manager: a hit is the common case, run per part
            try:  # noqa: SIM105
                self.held.move_to_end(key)
            except KeyError:  # (another thread let it go)
                pass
            return held[1]
        text = encode(part, self)
        with self._lock:  # units of work of several threads may write at once
            if key not in self.held:
                self.held[key] = (part, text)
                self.chars += len(text)
            while self.chars > self.max_chars:
                _, (_, old) = self.held.popitem(last=False)
                self.chars -= len(old)
        return text


@overload
def loads(data: Any, cls: type[_T], converter: JsonConverter | None = None) -> _T: ...
@overload
def loads(data: Any, cls: Any, converter: JsonConverter | None = None) -> Any: ...
def loads(data: Any, cls: Any, converter: JsonConverter | None = None) -> Any:
    """Structure JSON text (or already-parsed data) into ``cls``.

    Any failure is an :class:`~prodcore.errors.InvalidValueError` saying what was wrong.
    """
    conv = converter or _converter()
    try:
        raw = json.loads(data) if isinstance(data, str | bytes) else data
        union = _union_of(cls) if isinstance(cls, type) else cls
        if union is not cls and isinstance(raw, dict) and "type" in raw:
            # a tagged member asked for by its own class: check the tag names that class
            result = conv.structure(raw, union)
            if not isinstance(result, cls):
                raise InvalidValueError(
                    field=_name(cls), value=data, reason=f"tagged {raw['type']!r}"
                )
            return result
        return conv.structure(raw, cls)
    except json.JSONDecodeError as err:
        raise InvalidValueError(
            field=_name(cls), value=data, reason=f"not JSON: {err.msg}"
        ) from None
    except InvalidValueError:
        raise
    except ProdcoreError as err:
        raise InvalidValueError(field=_name(cls), value=data, reason=str(err)) from None
    except (cattrs.BaseValidationError, AttributeError, KeyError, TypeError, ValueError) as err:
        messages = (
            cattrs.transform_error(err, format_exception=_format_leaf)
            if isinstance(err, cattrs.BaseValidationError)
            else [repr(err)]
        )
        raise InvalidValueError(field=_name(cls), value=data, reason="; ".join(messages)) from None


def _format_leaf(exc: BaseException, type_: type | None) -> str:
    # Our own errors already read as sentences; cattrs words the rest.
    return str(exc) if isinstance(exc, ProdcoreError) else format_exception(exc, type_)


def _name(cls: Any) -> str:
    return getattr(cls, "__name__", None) or " | ".join(
        getattr(a, "__name__", "?") for a in get_args(cls)
    )
