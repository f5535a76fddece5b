"""The one error hierarchy of prodcore.

Every error prodcore raises on purpose is a :class:`ProdcoreError`. Each carries the
facts as fields (so a UI can show them or a service can map them to a status code) and
reads as a sentence when printed. A refused command never changes anything.

>>> from prodcore.errors import InvalidTransitionError
>>> err = InvalidTransitionError(order_id="PO-1", status="FINISHED", command="release")
>>> str(err)
"Order 'PO-1' is FINISHED; the command 'release' is not allowed in that status."
>>> isinstance(err, ProdcoreError), err.order_id
(True, 'PO-1')
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlreadyReversedError",
    "BomCycleError",
    "ConcurrencyError",
    "ConflictError",
    "DomainError",
    "DuplicateError",
    "IdempotencyConflictError",
    "InsufficientQuantityError",
    "InvalidTransitionError",
    "InvalidValueError",
    "NotFoundError",
    "ProdcoreError",
    "ScenarioError",
    "StoreError",
    "UnbalancedEntryError",
    "UnitMismatchError",
]


class ProdcoreError(Exception):
    """Root of every error prodcore raises on purpose.

    Subclasses declare ``template`` (a ``str.format`` pattern over their fields) and
    take their fields as keyword arguments, which become attributes.
    """

    template = "{message}"

    def __init__(self, **fields: Any) -> None:
        self.fields: dict[str, Any] = dict(fields)
        for name, value in fields.items():
            setattr(self, name, value)
        super().__init__(self._render())

    def _render(self) -> str:
        try:
            return self.template.format(**self.fields)
        except (KeyError, IndexError):  # a template field was not given: still say something
            return f"{type(self).__name__}: {self.fields!r}"

    def __getattr__(self, name: str) -> Any:
        # Only reached for unknown attributes; makes mypy accept field access on subclasses.
        raise AttributeError(name)

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (multiprocessing tests): rebuild from fields.
        return (_rebuild_error, (type(self), self.fields))


def _rebuild_error(cls: type[ProdcoreError], fields: dict[str, Any]) -> ProdcoreError:
    # Bypass subclass __init__s, whose signatures differ: the rendered fields are enough.
    error = cls.__new__(cls)
    ProdcoreError.__init__(error, **fields)
    return error


class InvalidValueError(ProdcoreError, ValueError):
    """A value is malformed: a float where a Decimal is required, NaN, a negative quantity..."""

    template = "Invalid value for {field}: {value!r} ({reason})."


class UnitMismatchError(InvalidValueError):
    """Two amounts in different units or currencies were combined."""

    template = "Cannot combine {left} with {right}: the units differ."


class DomainError(ProdcoreError):
    """A business rule refused the request."""


class InvalidTransitionError(DomainError):
    """A command is not allowed in the order's status."""

    template = "Order {order_id!r} is {status}; the command {command!r} is not allowed in that status.{detail}"

    def __init__(self, *, order_id: str, status: str, command: str, reason: str = "") -> None:
        super().__init__(
            order_id=order_id,
            status=status,
            command=command,
            reason=reason,
            detail=f" {reason}" if reason else "",
        )


class BomCycleError(DomainError):
    """A BOM (or routing graph) refers back to itself."""

    template = "The production BOMs form a cycle: {path}."

    def __init__(self, *, cycle: tuple[str, ...]) -> None:
        super().__init__(cycle=cycle, path=" -> ".join(cycle))


class InsufficientQuantityError(DomainError):
    """More was asked for than there is (to reverse, to consume from a bin, ...)."""

    template = "{what}: requested {requested}, only {available} available."


class UnbalancedEntryError(DomainError):
    """A double-entry posting whose debits and credits differ."""

    template = "Posting {document} does not balance: debits {debits}, credits {credits}."


class AlreadyReversedError(DomainError):
    """An entry was reversed already (fully)."""

    template = "Entry {entry_id} is already fully reversed."


class NotFoundError(ProdcoreError, LookupError):
    """A referenced record does not exist."""

    template = "{kind} {key!r} does not exist."


class ConflictError(ProdcoreError):
    """The store refused a write because of what is already there."""


class DuplicateError(ConflictError):
    """A record with that key exists already."""

    template = "{kind} {key!r} exists already."


class ConcurrencyError(ConflictError):
    """Optimistic locking: the record changed since it was read. Reload and retry."""

    template = "{kind} {key!r} was changed by someone else (expected version {expected}, found {actual}); reload and retry."


class IdempotencyConflictError(ConflictError):
    """An idempotency key was reused for a different command."""

    template = "Idempotency key {key!r} was already used for a different command."


class StoreError(ProdcoreError):
    """The store failed for a reason that is not the caller's input (connection lost, ...)."""

    template = "The store failed: {reason}."


class ScenarioError(ProdcoreError):
    """A scenario file is malformed or one of its steps failed."""

    template = "Scenario step {step} ({command}, line {line}) failed: {reason}"
