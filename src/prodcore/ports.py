"""The ports: what a store must offer. Small ``Protocol`` classes, no base classes.

An adapter conforms structurally (mypy checks it); ``prodcore.testing`` ships the
contract tests every adapter must pass. All errors are prodcore's own:
:class:`~prodcore.errors.NotFoundError`, :class:`~prodcore.errors.DuplicateError`,
:class:`~prodcore.errors.ConcurrencyError`, never a driver's exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Protocol, Self

from prodcore.masterdata import (
    Item,
    MachineCenter,
    ManufacturingSetup,
    ProductionBom,
    Routing,
    WorkCenter,
)
from prodcore.orders.model import OrderStatus, ProductionOrder

__all__ = ["MasterDataRecord", "MasterDataRepository", "OrderRepository", "UnitOfWork"]

MasterDataRecord = Item | ProductionBom | Routing | WorkCenter | MachineCenter


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
    def items(self) -> Iterator[Item]: ...
    def boms(self) -> Iterator[ProductionBom]: ...
    def routings(self) -> Iterator[Routing]: ...
    def work_centers(self) -> Iterator[WorkCenter]: ...
    def machine_centers(self) -> Iterator[MachineCenter]: ...


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


class UnitOfWork(Protocol):
    """One atomic change: everything done inside ``with uow:`` is kept only if
    :meth:`commit` is called; leaving the block otherwise rolls it all back."""

    @property
    def orders(self) -> OrderRepository: ...
    @property
    def master_data(self) -> MasterDataRepository: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
