"""The one error hierarchy of prodcore.

Every error prodcore raises on purpose is a :class:`ProdcoreError`. Each class declares
its fields as annotations; the fields become typed attributes (so a UI can show them or
a service can map them to a status code) and the error reads as a sentence when printed.
A refused command never changes anything.

Three families sit under the root:

- :class:`InvalidValueError`: the input itself is malformed (a float, NaN, a negative
  quantity, a naive datetime, a wrong type). The request could never succeed as written.
- :class:`DomainError`: the input is well formed but a business rule refuses it now (the
  order's status, a blocked item, a quality hold, too little on hand, a reversal of a
  reversal). Its subclasses name the rule.
- :class:`ConflictError` and :class:`StoreError`: the store refused or failed (a key
  taken, a concurrent change, a lost connection).

>>> from prodcore.errors import InvalidTransitionError
>>> err = InvalidTransitionError(order_id="PO-1", status="FINISHED", command="release")
>>> str(err)
"Order 'PO-1' is FINISHED; the command 'release' is not allowed in that status."
>>> isinstance(err, ProdcoreError), err.order_id
(True, 'PO-1')
>>> NotAllowedError(action="reverse entry 7", reason="it is itself a reversal").fields
{'action': 'reverse entry 7', 'reason': 'it is itself a reversal'}
>>> NotFoundError(kind="Item", key="X", colour="red")
Traceback (most recent call last):
...
TypeError: NotFoundError takes the fields ['key', 'kind'], not ['colour']
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AlreadyReversedError",
    "BlockedError",
    "BomCycleError",
    "ByProductCreditError",
    "ConcurrencyError",
    "ConflictError",
    "DomainError",
    "DuplicateError",
    "IdempotencyConflictError",
    "InsufficientQuantityError",
    "InvalidTransitionError",
    "InvalidValueError",
    "KeyTakenError",
    "NotAllowedError",
    "NotFoundError",
    "OpenRegistrationError",
    "OverproductionError",
    "PostingDateError",
    "PrecisionError",
    "ProdcoreError",
    "QualityBlockError",
    "ScenarioError",
    "ScenarioFileError",
    "StoreError",
    "TrackingError",
    "UnbalancedEntryError",
    "UnitMismatchError",
]

_MISSING = object()


def _declared_fields(cls: type) -> dict[str, object]:
    """The fields a class declares (annotations through its MRO, ClassVars left out),
    each with its default, or ``_MISSING`` when it has none."""
    declared: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if name == "fields" or "ClassVar" in str(annotation):
                continue
            declared[name] = vars(klass).get(name, _MISSING)
    return declared


class ProdcoreError(Exception):
    """Root of every error prodcore raises on purpose.

    A subclass declares its fields as class annotations (with an optional default) and a
    ``template`` (a ``str.format`` pattern over the fields). The fields are passed as
    keywords; an undeclared or missing field is a programming error (``TypeError``).
    ``fields`` holds them as a dict, for services that map errors to responses.
    """

    template: ClassVar[str] = "A prodcore error."
    fields: dict[str, Any]

    def __init__(self, **fields: Any) -> None:
        declared = _declared_fields(type(self))
        unknown = sorted(set(fields) - set(declared))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} takes the fields {sorted(declared)}, not {unknown}"
            )
        values: dict[str, Any] = {}
        for name, default in declared.items():
            value = fields.get(name, default)
            if value is _MISSING:
                raise TypeError(f"{type(self).__name__} needs the field {name!r}")
            values[name] = value
        for name, value in values.items():
            setattr(self, name, value)
        # ``fields`` shows what the caller said, not the defaults it left alone.
        self.fields = {k: v for k, v in values.items() if k in fields or declared[k] is _MISSING}
        super().__init__(self._render(values))

    def _render(self, values: dict[str, Any]) -> str:
        return self.template.format(**values)

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (multiprocessing tests): rebuild from fields.
        return (_rebuild_error, (type(self), self.fields))


def _rebuild_error(cls: type[ProdcoreError], fields: dict[str, Any]) -> ProdcoreError:
    return cls(**fields)


class InvalidValueError(ProdcoreError, ValueError):
    """A value is malformed: a float where a Decimal is required, NaN, a negative quantity..."""

    template = "Invalid value for {field}: {value!r} ({reason})."
    field: str
    value: object
    reason: str


class UnitMismatchError(ProdcoreError, ValueError):
    """Two amounts in different units or currencies were combined."""

    template = "Cannot combine {left} with {right}: the units differ."
    left: object
    right: object


class DomainError(ProdcoreError):
    """A business rule refused the request. Subclasses name the rule."""


class NotAllowedError(DomainError):
    """The action is refused by a business rule that has no more specific error."""

    template = "Cannot {action}: {reason}."
    action: str
    reason: str


class BlockedError(DomainError):
    """A record (an item, a work or machine centre, a routing) is blocked for postings."""

    template = "{kind} {key!r} is blocked{detail}."
    kind: str
    key: str
    detail: str = ""


class QualityBlockError(DomainError):
    """An open or failed quality order blocks the action."""

    template = "Quality order {quality_order_id!r} ({state}) blocks {action}."
    quality_order_id: str
    state: str
    action: str


class PrecisionError(DomainError):
    """A quantity cannot be expressed in the rounding precision of its item's unit."""

    template = (
        "{quantity} {unit} of item {item_no!r} cannot be posted: the unit's rounding "
        "precision is {precision}."
    )
    item_no: str
    unit: str
    quantity: object
    precision: object


class InvalidTransitionError(DomainError):
    """A command is not allowed in the order's status."""

    template = "Order {order_id!r} is {status}; the command {command!r} is not allowed in that status.{detail}"
    order_id: str
    status: str
    command: str
    reason: str = ""

    def _render(self, values: dict[str, Any]) -> str:
        reason = values["reason"]
        return self.template.format(**values, detail=f" {reason}" if reason else "")


class BomCycleError(DomainError):
    """A BOM (or routing graph) refers back to itself."""

    template = "The production BOMs form a cycle: {path}."
    cycle: tuple[str, ...]

    @property
    def path(self) -> str:
        """The cycle as ``A -> B -> A``."""
        return " -> ".join(self.cycle)

    def _render(self, values: dict[str, Any]) -> str:
        return self.template.format(path=" -> ".join(values["cycle"]))


class InsufficientQuantityError(DomainError):
    """More was asked for than there is (to reverse, to consume from a bin, ...)."""

    template = "{what}: requested {requested}, only {available} available."
    what: str
    requested: object
    available: object


class UnbalancedEntryError(DomainError):
    """A double-entry posting whose debits and credits differ."""

    template = "Posting {document} does not balance: debits {debits}, credits {credits}."
    document: str
    debits: object
    credits: object


class AlreadyReversedError(DomainError):
    """An entry was reversed already (fully)."""

    template = "Entry {entry_id} is already fully reversed."
    entry_id: object


class NotFoundError(ProdcoreError, LookupError):
    """A referenced record does not exist."""

    template = "{kind} {key!r} does not exist."
    kind: str
    key: object


class ConflictError(ProdcoreError):
    """The store refused a write because of what is already there."""

    template = "{message}"
    message: str = "The store refused the write."


class DuplicateError(ConflictError):
    """A record with that key exists already."""

    template = "{kind} {key!r} exists already."
    kind: str
    key: object


class KeyTakenError(DuplicateError):
    """An idempotency key was committed by another unit of work meanwhile.

    ``handle(..., retries=N)`` decides again: the retry finds the key and returns the
    result that was committed under it."""

    kind: str = "Idempotency key"


class ConcurrencyError(ConflictError):
    """Optimistic locking: the record changed since it was read. Reload and retry."""

    template = "{kind} {key!r} was changed by someone else (expected version {expected}, found {actual}); reload and retry."
    kind: str
    key: object
    expected: object
    actual: object


class IdempotencyConflictError(ConflictError):
    """An idempotency key was reused for a different command."""

    template = "Idempotency key {key!r} was already used for a different command."
    key: str


class StoreError(ProdcoreError):
    """The store failed for a reason that is not the caller's input (connection lost, ...)."""

    template = "The store failed: {reason}."
    reason: str


class ScenarioError(ProdcoreError):
    """A scenario file is malformed or one of its steps failed."""

    template = "Scenario step {step} ({command}, line {line}) failed: {reason}"
    step: int
    command: str
    line: int
    reason: str


class OverproductionError(DomainError):
    """Output beyond an order line's quantity plus the over-production tolerance."""

    template = (
        "Output of {quantity} on line {line_no} of order {order_id!r} is refused: "
        "at most {allowed} may be reported ({tolerance_percent} % over-production tolerance)."
    )
    order_id: str
    line_no: int
    quantity: object
    allowed: object
    tolerance_percent: object


class ScenarioFileError(ScenarioError):
    """A scenario file is malformed (a usage error, not a refused step): where in the file
    and what was expected there."""

    template = "Malformed scenario file at {place} (line {line}): {reason}"
    place: str
    step: int = 0
    command: str = "file"


class PostingDateError(NotAllowedError):
    """A posting dated outside the setup's allowed posting dates (BC's "Allow Posting
    From/To"); nothing is posted."""

    template = "Cannot {action}: posting date {posting_date} is outside the allowed range {reason}."
    posting_date: object


class TrackingError(DomainError):
    """An item tracking rule refused a posting (lot or serial missing, not on hand,
    expired, posted twice...): names the item, the lot or serial and the quantity."""

    template = "Item {item_no} lot {lot_no!r} serial {serial_no!r} quantity {quantity}: {reason}."
    item_no: str
    lot_no: str
    serial_no: str
    quantity: object
    reason: str


class OpenRegistrationError(DomainError):
    """A job registration still open (started, not stopped) blocks the action."""

    template = (
        "Cannot {action}: {worker} is still registered on {order_id} {line_no}/{operation_no} "
        "(stop the registration first)."
    )
    action: str
    order_id: str
    line_no: int
    operation_no: str
    worker: str


class ByProductCreditError(DomainError):
    """A by-product credit larger than the material cost would value the main output
    below zero, and the setup refuses it (``ManufacturingSetup.by_product_credit``)."""

    template = (
        "Cannot value {item_no} ({where}): the by-product credit exceeds its material cost "
        "(net material {material})."
    )
    item_no: str
    material: object
    where: str
