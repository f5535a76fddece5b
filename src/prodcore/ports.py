"""The ports: what a store must offer. Small ``Protocol`` classes, no base classes.

An adapter conforms structurally (mypy checks it); ``prodcore.testing`` ships the
contract tests every adapter must pass. All errors are prodcore's own:
:class:`~prodcore.errors.NotFoundError`, :class:`~prodcore.errors.DuplicateError`,
:class:`~prodcore.errors.ConcurrencyError`, never a driver's exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

from prodcore.calendars import ShopCalendar
from prodcore.ledger.model import IdempotencyRecord, PostingBatch, PostingSetup, ValueEntry
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

__all__ = [
    "LedgerRepository",
    "MasterDataRecord",
    "MasterDataRepository",
    "OrderRepository",
    "UnitOfWork",
]

MasterDataRecord = Item | ProductionBom | Routing | WorkCenter | MachineCenter | ShopCalendar


class MasterDataRepository(Protocol):
    """Master data by number. ``put`` inserts or replaces (master data is not versioned)."""

    @property
    def setup(self) -> ManufacturingSetup: ...
    def put_setup(self, setup: ManufacturingSetup) -> None: ...
    def put(self, record: MasterDataRecord) -> None: ...
    def item(self, no: str) -> Item: ...
    def bom(self, no: str) -> ProductionBom: ...
    def routing(self, no: str) -> Routing: ...
    def work_center(self, no: str) -> WorkCenter: ...
    def machine_center(self, no: str) -> MachineCenter: ...
    def shop_calendar(self, no: str) -> ShopCalendar: ...
    def items(self) -> Iterator[Item]: ...
    def boms(self) -> Iterator[ProductionBom]: ...
    def routings(self) -> Iterator[Routing]: ...
    def work_centers(self) -> Iterator[WorkCenter]: ...
    def machine_centers(self) -> Iterator[MachineCenter]: ...
    def shop_calendars(self) -> Iterator[ShopCalendar]: ...


class OrderRepository(Protocol):
    """Production orders with optimistic versions.

    ``add`` stores a new order (its version must be 1); ``save`` stores a changed order
    whose version is ``expected_version + 1`` and raises ``ConcurrencyError`` unless the
    stored version is ``expected_version``.
    """

    def get(self, order_id: str) -> ProductionOrder: ...
    def add(self, order: ProductionOrder) -> None: ...
    def save(self, order: ProductionOrder, *, expected_version: int) -> None: ...
    def delete(self, order_id: str, *, expected_version: int) -> None: ...
    def list(self, *, status: OrderStatus | None = None) -> list[ProductionOrder]: ...


class LedgerRepository(LedgerReader, Protocol):
    """The append-only ledgers (item, capacity, value, G/L), their balances, the posting
    setup and the idempotency keys of posting commands. No update, no delete. It reads
    what :class:`~prodcore.ledger.reader.LedgerReader` declares, and more.

    ``append`` takes a whole :class:`~prodcore.ledger.model.PostingBatch` built with local
    (negative) entry references, assigns real numbers per ledger in append order
    (:func:`~prodcore.ledger.model.number_batch`) and returns the numbered batch; like
    every write it becomes visible to others only when the unit of work commits. The
    numbers are final: the first append takes the store's turn to number, and other
    posting units of work wait for it until this one commits or rolls back, so numbers
    increase in commit order without gaps. A batch
    whose G/L lines do not balance raises :class:`~prodcore.errors.UnbalancedEntryError`
    and nothing is written. Lists come back in entry-number order. Balances are answered
    by the store from data maintained on append (no rescans).
    """

    def put_posting_setup(self, setup: PostingSetup) -> None: ...
    def append(self, batch: PostingBatch) -> PostingBatch: ...
    def batch(self, posting_no: int) -> PostingBatch: ...
    def value_entry(self, entry_no: int) -> ValueEntry: ...
    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal: ...
    def output_quantity(self, order_id: str, line_no: int) -> Decimal: ...
    def wip(self, order_id: str) -> Decimal: ...
    def account_balance(self, account: str) -> Decimal: ...
    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal: ...
    def idempotency(self, key: str) -> IdempotencyRecord | None: ...
    def remember(self, record: IdempotencyRecord) -> None: ...


class UnitOfWork(Protocol):
    """One atomic change: everything done inside ``with uow:`` is kept only if
    :meth:`commit` is called; leaving the block otherwise rolls it all back.

    Serializable: whatever the unit of work read from the store still holds when its
    commit lands, or :meth:`commit` raises :class:`~prodcore.errors.ConcurrencyError`
    and writes nothing (decide again); changes to what it did not read refuse nothing.
    """

    @property
    def orders(self) -> OrderRepository: ...
    @property
    def master_data(self) -> MasterDataRepository: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
