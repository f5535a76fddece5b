"""Where a command's values come in: checked once, here, so what the domain builds from
them is not walked again when it is stored.

The stores check every record they stage (:mod:`prodcore.adapters._storable`): a value
that would not read back as itself (a str where an enum belongs, a naive datetime, an
int for a text) is refused. A batch or an order a handler stages is built by the domain
from the command, master data and orders (checked when they were staged) and entries
read from the store: only the command is new. So a handler checks the command with the
same check, before deciding it, and vouches for what the decision built; the store then
takes those records without walking them (a posting's entries, an order's lines).

>>> import datetime as dt
>>> from prodcore.orders.lifecycle import ChangeStatus
>>> from prodcore.orders.model import OrderStatus
>>> checked_command(ChangeStatus("PO-1", OrderStatus.RELEASED)).order_id
'PO-1'
>>> checked_command(ChangeStatus(1, OrderStatus.RELEASED))
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for command: ...order_id must be str, not int...
"""

from __future__ import annotations

from typing import TypeVar

from prodcore.adapters._storable import storable_problem
from prodcore.errors import InvalidValueError
from prodcore.ports import TakesVouches, UnitOfWork, Vouchable, offered

__all__ = ["checked_command", "vouch"]

_C = TypeVar("_C")


def checked_command(command: _C) -> _C:
    """``command`` if every value it holds stores as itself, else
    :class:`~prodcore.errors.InvalidValueError` (before anything is decided or staged)."""
    problem = storable_problem(command)
    if problem is not None:
        raise InvalidValueError(field="command", value=command, reason=problem)
    return command


def vouch(uow: UnitOfWork, record: Vouchable) -> Vouchable:
    """``record``, vouched for to ``uow`` (a staging store's unit of work takes it unchecked:
    :meth:`~prodcore.adapters._staging.StagingUnitOfWork.vouch`); a unit of work that
    cannot take a vouch checks it as any other (:class:`~prodcore.ports.TakesVouches` is
    optional)."""
    taker = offered(uow, TakesVouches.vouch)
    return record if taker is None else taker.vouch(record)
