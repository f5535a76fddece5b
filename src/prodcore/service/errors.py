"""How prodcore's errors answer over HTTP: one table from error family to status, and
the body every error response has (the typed error's fields, as JSON).

>>> from prodcore.errors import ConcurrencyError, NotAllowedError
>>> status, body = error_response(NotAllowedError(action="reverse entry 7", reason="it is a reversal"))
>>> status, body["error"], body["fields"]
(422, 'NotAllowedError', {'action': 'reverse entry 7', 'reason': 'it is a reversal'})
>>> status, body = error_response(ConcurrencyError(kind="Order", key="PO-1", expected=3, actual=4))
>>> status, body["current_version"]
(409, 4)
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from prodcore.errors import (
    ConcurrencyError,
    ConflictError,
    DomainError,
    IdempotencyConflictError,
    InvalidValueError,
    NotFoundError,
    ProdcoreError,
    StoreError,
)

__all__ = ["STATUS_OF", "PreconditionFailedError", "error_response", "jsonable"]


class PreconditionFailedError(ProdcoreError):
    """``If-Match`` named another version of the order than the stored one (412).

    Not a :class:`~prodcore.errors.ConcurrencyError`: retrying cannot help, the client
    must read the order again."""

    template = "Order {order_id!r} is at version {current}, not {expected} (If-Match)."
    order_id: str
    expected: object
    current: int


#: The status of each error family, most specific first.
STATUS_OF: tuple[tuple[type[ProdcoreError], int], ...] = (
    (InvalidValueError, 400),
    (NotFoundError, 404),
    (PreconditionFailedError, 412),
    # the same key sent with another command: the IETF Idempotency-Key draft's 422
    (IdempotencyConflictError, 422),
    (ConflictError, 409),
    (DomainError, 422),
    (StoreError, 503),
)


def error_response(err: ProdcoreError) -> tuple[int, dict[str, Any]]:
    """The status and JSON body answering ``err``: its class name, its sentence and its
    typed fields; for a concurrent change and a failed ``If-Match``, the current version."""
    status = next((code for cls, code in STATUS_OF if isinstance(err, cls)), 422)
    body: dict[str, Any] = {
        "error": type(err).__name__,
        "message": str(err),
        "fields": jsonable(err.fields),
    }
    if isinstance(err, ConcurrencyError):
        body["current_version"] = jsonable(err.actual)
    elif isinstance(err, PreconditionFailedError):
        body["current_version"] = err.current
    return status, body


def jsonable(value: object) -> Any:
    """An error field as JSON: decimals and dates as strings, enums by value, sequences
    as lists; anything else by its text (an error may carry any value it refused).

    >>> jsonable({"quantity": Decimal("1.50"), "path": ("A", "B"), "at": dt.date(2026, 3, 2)})
    {'quantity': '1.50', 'path': ['A', 'B'], 'at': '2026-03-02'}
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value) if not isinstance(value, bytes) else value.decode("utf-8", "replace")
