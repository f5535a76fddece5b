"""The service's routes as data, and the OpenAPI 3.1 document generated from them and
from the attrs classes (through :func:`prodcore.service.schema.json_schemas`).

One operation per command, at ``POST /commands/<wire tag>``, whose request body is the
command's schema and whose response is what its handler answers (read from the
handler's return annotation), so the document cannot drift from the code.

>>> doc = openapi_document()
>>> op = doc["paths"]["/commands/posting.output"]["post"]
>>> op["requestBody"]["content"]["application/json"]["schema"]
{'$ref': '#/components/schemas/PostOutput'}
>>> op["responses"]["200"]["content"]["application/json"]["schema"]
{'$ref': '#/components/schemas/PostingResult'}
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from prodcore.app import HANDLERS
from prodcore.calendars import ShopCalendar
from prodcore.commands import WIRE_TAGS
from prodcore.costing.variance import OrderCostViews
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    ItemLedgerEntry,
    PostingBatch,
    PostingSetup,
    ValueEntry,
)
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import (
    Item,
    MachineCenter,
    ManufacturingSetup,
    ProductionBom,
    Routing,
    WorkCenter,
)
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.scheduling import LoadView, Period
from prodcore.service.schema import REF_PREFIX, json_schemas, schema_of

__all__ = [
    "COMMANDS",
    "LEDGERS",
    "MASTER_DATA",
    "LedgerRoute",
    "MasterDataKind",
    "openapi_document",
]

#: Every command the service takes, by wire tag.
COMMANDS: Mapping[str, type] = {WIRE_TAGS[cls]: cls for cls in HANDLERS}


@attrs.frozen
class MasterDataKind:
    """A kind of master data record at ``/master-data/<kind>``: its class, and the
    repository's reader of one record and of all."""

    cls: type
    single: str
    plural: str


#: The master data kinds, by URL segment.
MASTER_DATA: Mapping[str, MasterDataKind] = {
    "items": MasterDataKind(Item, "item", "items"),
    "boms": MasterDataKind(ProductionBom, "bom", "boms"),
    "routings": MasterDataKind(Routing, "routing", "routings"),
    "work-centers": MasterDataKind(WorkCenter, "work_center", "work_centers"),
    "machine-centers": MasterDataKind(MachineCenter, "machine_center", "machine_centers"),
    "shop-calendars": MasterDataKind(ShopCalendar, "shop_calendar", "shop_calendars"),
}


@attrs.frozen
class LedgerRoute:
    """A ledger at ``/ledgers/<name>``: its entry class, the filters the store answers,
    and how to read it with them."""

    entry: type
    filters: tuple[str, ...]
    read: Callable[[LedgerReader, Mapping[str, str]], list[Any]]


#: The ledgers, by URL segment.
LEDGERS: Mapping[str, LedgerRoute] = {
    "item": LedgerRoute(
        ItemLedgerEntry, ("order_id", "item_no"), lambda ledger, f: ledger.item_entries(**f)
    ),
    "capacity": LedgerRoute(
        CapacityLedgerEntry,
        ("order_id", "centre_no"),
        lambda ledger, f: ledger.capacity_entries(**f),
    ),
    "value": LedgerRoute(
        ValueEntry,
        ("order_id",),
        lambda ledger, f: ledger.value_entries(order_id=f.get("order_id")),
    ),
    "gl": LedgerRoute(GLEntry, ("order_id",), lambda ledger, f: ledger.gl_entries(**f)),
}

_ERROR = {
    "title": "Error",
    "description": "A refused request: the error's class, its sentence, its typed fields.",
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object"},
        "current_version": {"type": "integer"},
    },
    "required": ["error", "message", "fields"],
}

_ERRORS = {
    "400": "malformed: not JSON, a float, an unknown field or value, a bad header or query",
    "404": "no such command, record, order or ledger",
    "409": "a concurrent change (with current_version) or a key taken meanwhile",
    "412": "If-Match names another version of the order (with current_version)",
    "413": "the body is larger than 1 MiB",
    "422": "a business rule refused it, or the idempotency key was used for another command",
    "503": "the store failed",
}


def _json(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": dict(schema)}}}


def _ok(schema: Mapping[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"200": {"description": description, **_json(schema)}}


def _errors(secured: bool) -> dict[str, Any]:
    errors = {
        code: {"description": text, **_json({"$ref": REF_PREFIX + "Error"})}
        for code, text in _ERRORS.items()
    }
    if secured:
        errors["401"] = {"description": "no valid API key", **_json({"$ref": REF_PREFIX + "Error"})}
    return errors


def _param(name: str, where: str, schema: Mapping[str, Any], description: str = "") -> Any:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": dict(schema),
        "description": description,
    }


def _path(*names: str) -> list[Any]:
    return [_param(n, "path", {"type": "string"}) for n in names]


def _ref(cls: type) -> dict[str, str]:
    return {"$ref": REF_PREFIX + cls.__name__}


def _command(cls: type, schemas: dict[str, dict[str, Any]], errors: Mapping[str, Any]) -> Any:
    returns = typing.get_type_hints(HANDLERS[cls])["return"]
    fields = attrs.fields_dict(cls)
    params = [_param("preview", "query", {"type": "boolean"}, "decide, write nothing")]
    if "idempotency_key" in fields:
        params.append(_param("Idempotency-Key", "header", {"type": "string"}, "the command's key"))
    if "order_id" in fields:
        params.append(_param("If-Match", "header", {"type": "string"}, "the order's ETag"))
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return {
        "post": {
            "operationId": WIRE_TAGS[cls],
            "summary": " ".join(doc.split()),
            "parameters": params,
            "requestBody": {"required": True, **_json(schema_of(cls, schemas))},
            "responses": {**_ok(schema_of(returns, schemas)), **errors},
        }
    }


def openapi_document(*, secured: bool = False) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the service (``secured``: every operation needs the
    ``X-API-Key`` header)."""
    schemas = json_schemas([*COMMANDS.values(), PostingBatch, OrderCostViews, LoadView])
    schemas["Error"] = _ERROR
    errors = _errors(secured)
    paths: dict[str, Any] = {
        f"/commands/{tag}": _command(cls, schemas, errors) for tag, cls in COMMANDS.items()
    }

    def get(schema: Mapping[str, Any], params: list[Any] | None = None) -> Any:
        return {"parameters": params or [], "responses": {**_ok(schema), **errors}}

    def get_put(cls: type, params: list[Any] | None = None) -> Any:
        read = get(schema_of(cls, schemas), params)
        write = {**read, "requestBody": {"required": True, **_json(schema_of(cls, schemas))}}
        return {"get": read, "put": write}

    for kind, route in MASTER_DATA.items():
        many = {"type": "array", "items": schema_of(route.cls, schemas)}
        paths[f"/master-data/{kind}"] = {"get": get(many)}
        paths[f"/master-data/{kind}/{{no}}"] = get_put(route.cls, _path("no"))
    paths["/master-data/setup"] = get_put(ManufacturingSetup)
    paths["/posting-setup"] = get_put(PostingSetup)
    status = _param("status", "query", schema_of(OrderStatus, schemas))
    paths["/orders"] = {
        "get": get({"type": "array", "items": schema_of(ProductionOrder, schemas)}, [status])
    }
    paths["/orders/{order_id}"] = {"get": get(_ref(ProductionOrder), _path("order_id"))}
    for name, ledger in LEDGERS.items():
        page = {
            "type": "object",
            "properties": {
                "entries": {"type": "array", "items": schema_of(ledger.entry, schemas)},
                "next_after": {"type": ["integer", "null"]},
            },
        }
        params = [_param(f, "query", {"type": "string"}) for f in ledger.filters] + [
            _param("after", "query", {"type": "integer"}, "entries after this number"),
            _param("limit", "query", {"type": "integer"}, "at most this many (100, up to 1000)"),
        ]
        paths[f"/ledgers/{name}"] = {"get": get(page, params)}
    paths["/batches/{posting_no}"] = {"get": get(_ref(PostingBatch), _path("posting_no"))}
    amount = schema_of(typing.Any, schemas)
    for path, key in (
        ("/balances/on-hand/{item_no}", "item_no"),
        ("/balances/wip/{order_id}", "order_id"),
        ("/balances/accounts/{account}", "account"),
    ):
        paths[path] = {"get": get({"type": "object", "additionalProperties": amount}, _path(key))}
    day = {"type": "string", "format": "date"}
    paths["/reports/load"] = {
        "get": get(
            _ref(LoadView),
            [
                _param("from", "query", day, "first day"),
                _param("to", "query", day, "the day after the last"),
                _param("period", "query", schema_of(Period, schemas)),
            ],
        )
    }
    paths["/reports/cost/{order_id}"] = {"get": get(_ref(OrderCostViews), _path("order_id"))}
    paths["/health"] = {"get": get({"type": "object"})}
    paths["/openapi.json"] = {"get": get({"type": "object"})}
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "prodcore", "version": _version()},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }
    if secured:
        doc["components"]["securitySchemes"] = {
            "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
        }
        doc["security"] = [{"ApiKey": []}]
    return doc


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("prodcore")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"
