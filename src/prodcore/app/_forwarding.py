"""A unit of work that wraps another and forwards to it (the base of the app's wrappers).

Subclasses change only what they wrap differently: the run of :func:`prodcore.app.bulk.
handle_many` holds the transaction open, :func:`prodcore.app.dispatch.handle` stamps who
posted on every batch.

>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> inner = InMemoryUnitOfWork(InMemoryStore())
>>> with ForwardingUnitOfWork(inner) as uow:
...     uow.orders is inner.orders
True
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from prodcore.app.boundary import vouch
from prodcore.ports import (
    LedgerRepository,
    MasterDataRepository,
    OrderRepository,
    UnitOfWork,
    Vouchable,
)

__all__ = ["ForwardingUnitOfWork"]


class ForwardingUnitOfWork:
    """``uow``'s repositories, ``with`` and ``commit``, unchanged."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def orders(self) -> OrderRepository:
        return self._uow.orders

    @property
    def master_data(self) -> MasterDataRepository:
        return self._uow.master_data

    @property
    def ledger(self) -> LedgerRepository:
        return self._uow.ledger

    def __enter__(self) -> Self:
        self._uow.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._uow.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._uow.commit()

    def vouch(self, record: Vouchable) -> Vouchable:
        return vouch(self._uow, record)

    def rollback(self) -> None:
        self._uow.rollback()
