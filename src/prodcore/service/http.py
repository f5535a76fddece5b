"""The HTTP application: Starlette routes over :mod:`prodcore.app`, nothing else.

Every command goes through :func:`prodcore.app.handle` (or :func:`~prodcore.app.preview`
with ``?preview=true``), decoded from JSON with :func:`prodcore.serialization.loads` and
answered with :func:`~prodcore.serialization.to_jsonable`; errors become statuses through
:mod:`prodcore.service.errors`. Blocking store work runs in Starlette's thread pool.

>>> from prodcore.adapters import open_store
>>> app = create_app(open_store("memory:"))
>>> sorted(app.state.openapi["paths"])[:3]
['/balances/accounts/{account}', '/balances/on-hand/{item_no}', '/balances/wip/{order_id}']
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import attrs
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from prodcore import app as application
from prodcore.app import store_load_view
from prodcore.clock import Clock, SystemClock
from prodcore.commands import LEGACY_TAGS, WIRE_TAGS, Command, PutMasterData
from prodcore.costing.variance import order_cost_views
from prodcore.errors import InvalidValueError, ProdcoreError
from prodcore.ledger.model import PostingSetup
from prodcore.masterdata import ManufacturingSetup
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import UnitOfWork
from prodcore.scheduling import Period
from prodcore.serialization import loads, to_jsonable
from prodcore.service.errors import PreconditionFailedError, error_response
from prodcore.service.openapi import COMMANDS, LEDGERS, MASTER_DATA, openapi_document

__all__ = ["MAX_BODY", "Authenticator", "api_key_auth", "create_app", "parse_json"]

#: Who is asking: the user name, or None to refuse the request (401). Called on the
#: event loop for every request, so it must not block.
Authenticator = Callable[[Request], str | None]

#: The largest request body accepted (bytes); a larger one is answered 413.
MAX_BODY = 1 << 20

#: Ledger entries per page when the query does not say, and at most.
PAGE, MAX_PAGE = 100, 1000


def api_key_auth(keys: Mapping[str, str], *, header: str = "X-API-Key") -> Authenticator:
    """An :data:`Authenticator` over API keys: ``keys`` maps each key to its user; the
    key travels in ``header``. Keys are compared in constant time.

    >>> auth = api_key_auth({"s3cret": "ana"})
    >>> from starlette.requests import Request
    >>> auth(Request({"type": "http", "headers": [(b"x-api-key", b"s3cret")]}))
    'ana'
    >>> auth(Request({"type": "http", "headers": []})) is None
    True
    """
    table = [(key.encode(), user) for key, user in keys.items()]

    def authenticate(request: Request) -> str | None:
        given = request.headers.get(header, "").encode()
        found = None
        for key, user in table:  # no early exit: the time says nothing about the keys
            if hmac.compare_digest(key, given):
                found = user
        return found

    return authenticate


class _Authentication:
    """ASGI middleware: every HTTP request is authenticated before any route sees it."""

    def __init__(self, app: ASGIApp, authenticate: Authenticator) -> None:
        self.app = app
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            user = self.authenticate(Request(scope))
            if user is None:
                body = {
                    "error": "Unauthorized",
                    "message": "Authentication required.",
                    "fields": {},
                }
                await JSONResponse(body, 401, headers={"WWW-Authenticate": "ApiKey"})(
                    scope, receive, send
                )
                return
            scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)


def create_app(
    new_uow: Callable[[], UnitOfWork],
    *,
    clock: Clock | None = None,
    authenticate: Authenticator | None = None,
    retries: int = 3,
    source: str = "http",
) -> Starlette:
    """The Starlette application over the store whose units of work ``new_uow`` opens
    (what :func:`prodcore.adapters.open_store` returns).

    ``authenticate`` (e.g. :func:`api_key_auth`): when given, every request must pass
    it, and its user is stamped on the batches the request posts (with ``source``).
    ``retries``: how often a command meeting a concurrent change is decided again.
    ``clock``: the time commands are posted at (the system clock by default).
    """
    api = _Api(new_uow, clock or SystemClock(), retries, source)
    routes = [
        Route("/health", api.health),
        Route("/openapi.json", api.openapi),
        Route("/commands/{tag}", api.command, methods=["POST"]),
        Route("/master-data/setup", api.setup, methods=["GET", "PUT"]),
        Route("/master-data/{kind}", api.master_data_list),
        Route("/master-data/{kind}/{no}", api.master_data, methods=["GET", "PUT"]),
        Route("/posting-setup", api.posting_setup, methods=["GET", "PUT"]),
        Route("/orders", api.orders),
        Route("/orders/{order_id}", api.order),
        Route("/ledgers/{ledger}", api.ledger),
        Route("/batches/{posting_no:int}", api.batch),
        Route("/balances/on-hand/{item_no}", api.on_hand),
        Route("/balances/wip/{order_id}", api.wip),
        Route("/balances/accounts/{account}", api.account),
        Route("/reports/load", api.load),
        Route("/reports/cost/{order_id}", api.cost),
    ]
    middleware = [] if authenticate is None else [Middleware(_Authentication, authenticate)]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={ProdcoreError: _prodcore_error, HTTPException: _http_error},
    )
    app.state.openapi = openapi_document(secured=authenticate is not None)
    return app


async def _prodcore_error(request: Request, exc: Exception) -> Response:
    status, body = error_response(cast(ProdcoreError, exc))
    return JSONResponse(body, status)


async def _http_error(request: Request, exc: Exception) -> Response:
    err = cast(HTTPException, exc)
    body = {"error": "HTTPException", "message": err.detail, "fields": {}}
    return JSONResponse(body, err.status_code, headers=err.headers)


def parse_json(raw: bytes) -> Any:
    """A request body as JSON, refusing what prodcore refuses: floats, NaN and the
    infinities, and an object with a key given twice (which one would count?).

    >>> parse_json(b'{"quantity": "1.5"}')
    {'quantity': '1.5'}
    >>> parse_json(b'{"quantity": 1.5}')
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for body: '1.5' (floats are not accepted; send decimals as strings).
    """
    try:
        return json.loads(
            raw,
            parse_float=_refuse_float,
            parse_constant=_refuse_float,
            object_pairs_hook=_refuse_duplicates,
        )
    except InvalidValueError:
        raise
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        text = raw[:200].decode("utf-8", "replace")
        raise InvalidValueError(field="body", value=text, reason=f"not JSON: {err}") from None


def _refuse_float(text: str) -> Any:
    raise InvalidValueError(
        field="body", value=text, reason="floats are not accepted; send decimals as strings"
    )


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        counts = collections.Counter(k for k, _ in pairs)
        twice = sorted(k for k, n in counts.items() if n > 1)
        raise InvalidValueError(field="body", value=twice, reason="keys given twice")
    return result


def _etag(version: int) -> str:
    return f'"{version}"'


def _if_match(request: Request) -> int | None:
    """The order version ``If-Match`` names (an ETag of ``GET /orders/{id}``)."""
    value = request.headers.get("If-Match")
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidValueError(field="If-Match", value=value, reason='not an order ETag ("<n>")')
    return int(tag)


class _IfMatchUnitOfWork:
    """``uow`` whose orders refuse to load ``order_id`` unless it is at ``version``.

    The check runs inside the command's unit of work, where it reads the order; the
    store's optimistic save then refuses any change made after that read."""

    def __init__(self, uow: UnitOfWork, order_id: str, version: int) -> None:
        self._uow = uow
        self._order_id = order_id
        self._version = version

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    def __enter__(self) -> _IfMatchUnitOfWork:
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._uow.__exit__(*exc)

    @property
    def orders(self) -> _IfMatchOrders:
        return _IfMatchOrders(self._uow.orders, self._order_id, self._version)


class _IfMatchOrders:
    def __init__(self, orders: Any, order_id: str, version: int) -> None:
        self._orders = orders
        self._order_id = order_id
        self._version = version

    def __getattr__(self, name: str) -> Any:
        return getattr(self._orders, name)

    def get(self, order_id: str) -> ProductionOrder:
        order: ProductionOrder = self._orders.get(order_id)
        if order_id == self._order_id and order.version != self._version:
            raise PreconditionFailedError(
                order_id=order_id, expected=self._version, current=order.version
            )
        return order


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InvalidValueError(field=name, value=value, reason="must be true or false")
    return value in ("true", "1")


def _query(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query parameters, refusing any the route does not know (a typo would
    otherwise silently widen a filter)."""
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise InvalidValueError(field="query", value=unknown, reason=f"allowed: {list(allowed)}")
    return dict(request.query_params)


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidValueError(field=name, value=text, reason=f"an integer from {low} to {high}")
    return int(text)


def _date(params: Mapping[str, str], name: str) -> dt.date:
    text = params.get(name, "")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(field=name, value=text, reason="a day (YYYY-MM-DD)") from None


_E = TypeVar("_E", bound=enum.Enum)


def _enum(params: Mapping[str, str], name: str, cls: type[_E]) -> _E | None:
    text = params.get(name)
    if text is None:
        return None
    try:
        return cls(text.upper())
    except ValueError:
        raise InvalidValueError(
            field=name, value=text, reason=f"one of {[m.value for m in cls]}"
        ) from None


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status, headers=dict(headers or {}))


@attrs.frozen
class _Api:
    """The route handlers, over one store and clock."""

    new_uow: Callable[[], UnitOfWork]
    clock: Clock
    retries: int
    source: str

    async def _body(self, request: Request) -> Any:
        size = 0
        chunks = []
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise HTTPException(413, f"the body is larger than {MAX_BODY} bytes")
            chunks.append(chunk)
        return parse_json(b"".join(chunks))

    async def _object(self, request: Request, tag: str) -> dict[str, Any]:
        """The body as a JSON object tagged ``tag`` (the tag may be left out)."""
        body = await self._body(request)
        if not isinstance(body, dict):
            raise InvalidValueError(field="body", value=body, reason="must be a JSON object")
        given = body.setdefault("type", tag)
        if LEGACY_TAGS.get(given, given) != tag:
            raise InvalidValueError(field="type", value=given, reason=f"the URL says {tag!r}")
        return body

    async def _in_uow(self, work: Callable[[UnitOfWork], Any]) -> Any:
        """``work`` in a fresh unit of work, in the thread pool (stores block)."""

        def run() -> Any:
            with self.new_uow() as uow:
                return work(uow)

        return await run_in_threadpool(run)

    def _user(self, request: Request) -> str | None:
        return cast(str | None, getattr(request.state, "user", None))

    async def _handle(self, request: Request, command: Command, *, preview: bool) -> Any:
        user = self._user(request)
        expected = _if_match(request)
        order_id = getattr(command, "order_id", None)
        if expected is not None and not isinstance(order_id, str):
            raise InvalidValueError(
                field="If-Match", value=expected, reason="the command names no order"
            )

        def run() -> Any:
            uow = self.new_uow()
            if expected is not None and isinstance(order_id, str):
                uow = cast(UnitOfWork, _IfMatchUnitOfWork(uow, order_id, expected))
            if preview:
                return application.preview(
                    uow, command, clock=self.clock, user=user, source=self.source
                )
            return application.handle(
                uow, command, clock=self.clock, retries=self.retries, user=user, source=self.source
            )

        return await run_in_threadpool(run)

    async def health(self, request: Request) -> Response:
        return _json({"status": "ok"})

    async def openapi(self, request: Request) -> Response:
        return _json(request.app.state.openapi)

    async def command(self, request: Request) -> Response:
        tag = request.path_params["tag"]
        cls = COMMANDS.get(tag)
        if cls is None:
            raise HTTPException(404, f"no command {tag!r}")
        preview = _flag(request, "preview")
        _query(request, ("preview",))
        body = await self._object(request, tag)
        key = request.headers.get("Idempotency-Key")
        if key is not None:
            if "idempotency_key" not in attrs.fields_dict(cls):
                raise InvalidValueError(
                    field="Idempotency-Key",
                    value=key,
                    reason=f"{tag} has no idempotency key (send If-Match to guard an order)",
                )
            if body.setdefault("idempotency_key", key) != key:
                raise InvalidValueError(
                    field="Idempotency-Key", value=key, reason="the body has another key"
                )
        command = loads(body, Command)
        result = await self._handle(request, command, preview=preview)
        headers = {"Prodcore-Preview": "true"} if preview else {}
        order = getattr(result, "order", None)
        if isinstance(order, ProductionOrder):
            headers["ETag"] = _etag(order.version)
        return _json(to_jsonable(result), headers=headers)

    async def setup(self, request: Request) -> Response:
        if request.method == "PUT":
            body = await self._body(request)
            setup = loads(body, ManufacturingSetup)
            await self._handle(request, PutMasterData((), setup=setup), preview=False)
        return _json(to_jsonable(await self._in_uow(lambda uow: uow.master_data.setup)))

    async def master_data_list(self, request: Request) -> Response:
        kind = MASTER_DATA.get(request.path_params["kind"])
        if kind is None:
            raise HTTPException(404, f"no master data kind {request.path_params['kind']!r}")
        records = await self._in_uow(lambda uow: list(getattr(uow.master_data, kind.plural)()))
        return _json([to_jsonable(r) for r in records])

    async def master_data(self, request: Request) -> Response:
        kind = MASTER_DATA.get(request.path_params["kind"])
        if kind is None:
            raise HTTPException(404, f"no master data kind {request.path_params['kind']!r}")
        no = request.path_params["no"]
        if request.method == "PUT":
            body = await self._object(request, WIRE_TAGS[kind.cls])
            put: Any = loads(body, kind.cls)
            if put.no != no:
                raise InvalidValueError(field="no", value=put.no, reason=f"the URL says {no!r}")
            await self._handle(request, PutMasterData((put,)), preview=False)
        record = await self._in_uow(lambda uow: getattr(uow.master_data, kind.single)(no))
        return _json(to_jsonable(record))

    async def posting_setup(self, request: Request) -> Response:
        if request.method == "PUT":
            setup = loads(await self._body(request), PostingSetup)

            def put(uow: UnitOfWork) -> None:
                uow.ledger.put_posting_setup(setup)
                uow.commit()

            await self._in_uow(put)
        return _json(to_jsonable(await self._in_uow(lambda uow: uow.ledger.posting_setup)))

    async def orders(self, request: Request) -> Response:
        params = _query(request, ("status",))
        status = _enum(params, "status", OrderStatus)
        orders = await self._in_uow(lambda uow: uow.orders.list(status=status))
        return _json([to_jsonable(o) for o in orders])

    async def order(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        order = await self._in_uow(lambda uow: uow.orders.get(order_id))
        etag = _etag(order.version)
        if request.headers.get("If-None-Match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return _json(to_jsonable(order), headers={"ETag": etag})

    async def ledger(self, request: Request) -> Response:
        ledger = LEDGERS.get(request.path_params["ledger"])
        if ledger is None:
            raise HTTPException(404, f"no ledger {request.path_params['ledger']!r}")
        params = _query(request, (*ledger.filters, "after", "limit"))
        after = _int(params, "after", 0, 0, 2**63 - 1)
        limit = _int(params, "limit", PAGE, 1, MAX_PAGE)
        filters = {name: params[name] for name in ledger.filters if name in params}
        entries = await self._in_uow(lambda uow: ledger.read(uow.ledger, filters))
        page = [e for e in entries if e.entry_no > after][: limit + 1]
        more = len(page) > limit
        page = page[:limit]
        return _json(
            {
                "entries": [to_jsonable(e) for e in page],
                "next_after": page[-1].entry_no if more else None,
            }
        )

    async def batch(self, request: Request) -> Response:
        posting_no = request.path_params["posting_no"]
        return _json(to_jsonable(await self._in_uow(lambda uow: uow.ledger.batch(posting_no))))

    async def on_hand(self, request: Request) -> Response:
        item_no = request.path_params["item_no"]
        location = _query(request, ("location_code",)).get("location_code")

        def read(uow: UnitOfWork) -> Any:
            uow.master_data.item(item_no)  # 404 for an unknown item, not a zero
            return uow.ledger.on_hand(item_no, location)

        quantity = await self._in_uow(read)
        return _json({"item_no": item_no, "location_code": location, "on_hand": str(quantity)})

    async def wip(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]

        def read(uow: UnitOfWork) -> Any:
            uow.orders.get(order_id)
            return uow.ledger.wip(order_id)

        return _json({"order_id": order_id, "wip": str(await self._in_uow(read))})

    async def account(self, request: Request) -> Response:
        account = request.path_params["account"]
        balance = await self._in_uow(lambda uow: uow.ledger.account_balance(account))
        return _json({"account": account, "balance": str(balance)})

    async def load(self, request: Request) -> Response:
        params = _query(request, ("from", "to", "period"))
        start, end = _date(params, "from"), _date(params, "to")
        period = _enum(params, "period", Period) or Period.DAY
        view = await run_in_threadpool(
            lambda: store_load_view(
                self.new_uow(), start=start, end=end, period=period, statuses=list(OrderStatus)
            )
        )
        return _json(to_jsonable(view))

    async def cost(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        views = await run_in_threadpool(lambda: order_cost_views(self.new_uow(), order_id))
        return _json(to_jsonable(views))
