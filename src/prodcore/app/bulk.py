"""Many commands in one unit of work: :func:`handle_many`, for imports and backflush runs.

Each command is decided exactly as :func:`~prodcore.app.handle` decides it, in sequence,
each seeing what the ones before it staged; the whole run is committed once at the end.
It is all-or-nothing: a refused command rolls back every command of the run, and its
error says which command it was.

>>> import datetime as dt
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.app import put_master_data
>>> from prodcore.clock import FixedClock
>>> from prodcore.masterdata import Item
>>> from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
>>> from prodcore.orders.model import OrderStatus
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
>>> put_master_data(uow, [Item("TABLE", base_unit="PCS")])
>>> due = dt.date(2026, 3, 9)
>>> results = handle_many(
...     uow,
...     [CreateOrder("PO-1", "TABLE", 5, due_date=due), ChangeStatus("PO-1", OrderStatus.RELEASED)],
...     clock=clock,
... )
>>> [r.order.status.value for r in results]
['FIRM_PLANNED', 'RELEASED']
>>> handle_many(
...     uow,
...     [CreateOrder("PO-2", "TABLE", 1, due_date=due), CreateOrder("PO-1", "TABLE", 1, due_date=due)],
...     clock=clock,
... )
Traceback (most recent call last):
...
prodcore.errors.DuplicateError: Production order 'PO-1' exists already.
handle_many: command 1 of 2 (CreateOrder) was refused; nothing of the run was written
>>> with uow:
...     [order.id for order in uow.orders.list()]  # PO-2 was rolled back with the run
['PO-1']
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Self

from prodcore.app._forwarding import ForwardingUnitOfWork
from prodcore.app.dispatch import Result, _handler, _stamping
from prodcore.clock import Clock
from prodcore.commands import Command
from prodcore.errors import ConcurrencyError, InvalidValueError, KeyTakenError
from prodcore.numbers import in_own_context
from prodcore.ports import UnitOfWork

__all__ = ["handle_many"]


@in_own_context
def handle_many(
    uow: UnitOfWork,
    commands: Iterable[Command],
    *,
    clock: Clock,
    retries: int = 0,
    user: str | None = None,
    source: str | None = None,
) -> tuple[Result, ...]:
    """Decide ``commands`` in sequence in one unit of work and commit them once: the
    results, in order (each what :func:`~prodcore.app.handle` would answer).

    All-or-nothing: when a command is refused, nothing of the run is written and its
    error is raised, with a note naming the command's index (from 0), its type and its
    idempotency key. Idempotency holds per command, as with ``handle``: a command whose
    key is already committed (or used earlier in the same run) returns the first result
    and posts nothing; a key reused for another command is refused.

    ``retries``: when the final commit meets a concurrent change, the whole run is
    decided again in a fresh unit of work, up to ``retries`` times. ``user`` and
    ``source`` are stamped on every batch, as with ``handle``.
    """
    if retries < 0:
        raise InvalidValueError(field="retries", value=retries, reason="must not be negative")
    batch = tuple(commands)
    handlers = [_handler(uow, command, clock) for command in batch]
    stamped = _stamping(uow, user, source)
    attempt = 0
    while True:
        try:
            with stamped:
                held = _HeldUnitOfWork(stamped)
                results: list[Result] = []
                for index, (handler, command) in enumerate(zip(handlers, batch, strict=True)):
                    try:
                        results.append(handler(held, command, clock, commit=True))
                    except Exception as error:
                        error.add_note(_refused(index, len(batch), command))
                        raise
                stamped.commit()
            return tuple(results)
        except (KeyTakenError, ConcurrencyError):
            if attempt >= retries:
                raise
            attempt += 1


def _refused(index: int, count: int, command: Command) -> str:
    """The note a refused command's error gets: which command of the run it was."""
    key = getattr(command, "idempotency_key", None)
    what = type(command).__name__ + ("" if key is None else f", idempotency key {key!r}")
    return (
        f"handle_many: command {index} of {count} ({what}) was refused; "
        "nothing of the run was written"
    )


class _HeldUnitOfWork(ForwardingUnitOfWork):
    """``uow``, already open, for the handlers of a run: their ``with`` neither begins nor
    ends it and their ``commit`` does nothing, so everything is committed (or rolled back)
    once, by :func:`handle_many`."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """The run's unit of work stays open: handle_many closes it."""

    def commit(self) -> None:
        """Deferred to the end of the run."""
