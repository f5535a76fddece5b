"""The in-memory reference adapter: strict, raising the errors a database would.

A :class:`InMemoryStore` holds committed state; each :class:`InMemoryUnitOfWork`
stages its writes and applies them atomically on commit, re-checking every optimistic
version against what was committed meanwhile.

>>> from prodcore.masterdata import Item
>>> store = InMemoryStore()
>>> with InMemoryUnitOfWork(store) as uow:
...     uow.master_data.put(Item("A", base_unit="PCS"))
...     # no commit: rolled back
>>> with InMemoryUnitOfWork(store) as uow:
...     uow.master_data.item("A")
Traceback (most recent call last):
...
prodcore.errors.NotFoundError: Item 'A' does not exist.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Self, TypeVar

import attrs

from prodcore.errors import ConcurrencyError, DuplicateError, InvalidValueError, NotFoundError
from prodcore.masterdata import (
    Item,
    MachineCenter,
    ManufacturingSetup,
    ProductionBom,
    Routing,
    WorkCenter,
)
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRecord

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]

_T = TypeVar("_T")
_KINDS: dict[type, str] = {
    Item: "Item",
    ProductionBom: "Production BOM",
    Routing: "Routing",
    WorkCenter: "Work center",
    MachineCenter: "Machine center",
}


@attrs.define
class InMemoryStore:
    """Committed state shared by units of work (thread-safe through one lock)."""

    master: dict[tuple[type, str], MasterDataRecord] = attrs.field(factory=dict)
    setup: ManufacturingSetup = attrs.field(factory=ManufacturingSetup)
    orders: dict[str, ProductionOrder] = attrs.field(factory=dict)
    lock: threading.RLock = attrs.field(factory=threading.RLock)


class _MasterData:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.staged: dict[tuple[type, str], MasterDataRecord] = {}
        self.staged_setup: ManufacturingSetup | None = None

    @property
    def setup(self) -> ManufacturingSetup:
        return self.staged_setup or self._store.setup

    def put_setup(self, setup: ManufacturingSetup) -> None:
        if not isinstance(setup, ManufacturingSetup):
            raise InvalidValueError(field="setup", value=setup, reason="not a ManufacturingSetup")
        self.staged_setup = setup

    def put(self, record: MasterDataRecord) -> None:
        kind = type(record)
        if kind not in _KINDS:
            raise InvalidValueError(field="record", value=record, reason="not a master data record")
        self.staged[(kind, record.no)] = record

    def _get(self, kind: type[_T], no: str) -> _T:
        key = (kind, no)
        found = self.staged.get(key) or self._store.master.get(key)
        if found is None:
            raise NotFoundError(kind=_KINDS[kind], key=no)
        return found  # type: ignore[return-value]

    def _all(self, kind: type[_T]) -> Iterator[_T]:
        merged = {**self._store.master, **self.staged}
        for (k, _), record in sorted(merged.items(), key=lambda kv: kv[0][1]):
            if k is kind:
                yield record  # type: ignore[misc]

    def item(self, no: str) -> Item:
        return self._get(Item, no)

    def bom(self, no: str) -> ProductionBom:
        return self._get(ProductionBom, no)

    def routing(self, no: str) -> Routing:
        return self._get(Routing, no)

    def work_center(self, no: str) -> WorkCenter:
        return self._get(WorkCenter, no)

    def machine_center(self, no: str) -> MachineCenter:
        return self._get(MachineCenter, no)

    def items(self) -> Iterator[Item]:
        return self._all(Item)

    def boms(self) -> Iterator[ProductionBom]:
        return self._all(ProductionBom)

    def routings(self) -> Iterator[Routing]:
        return self._all(Routing)

    def work_centers(self) -> Iterator[WorkCenter]:
        return self._all(WorkCenter)

    def machine_centers(self) -> Iterator[MachineCenter]:
        return self._all(MachineCenter)


class _Orders:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.staged: dict[str, ProductionOrder | None] = {}  # None: deleted
        self.read_versions: dict[str, int] = {}  # version each staged order had when first written

    def _current(self, order_id: str) -> ProductionOrder | None:
        if order_id in self.staged:
            return self.staged[order_id]
        return self._store.orders.get(order_id)

    def get(self, order_id: str) -> ProductionOrder:
        order = self._current(order_id)
        if order is None:
            raise NotFoundError(kind="Production order", key=order_id)
        return order

    def add(self, order: ProductionOrder) -> None:
        if not isinstance(order, ProductionOrder):
            raise InvalidValueError(field="order", value=order, reason="not a ProductionOrder")
        if self._current(order.id) is not None:
            raise DuplicateError(kind="Production order", key=order.id)
        if order.version != 1:
            raise InvalidValueError(
                field="version", value=order.version, reason="a new order has version 1"
            )
        self.read_versions.setdefault(order.id, 0)
        self.staged[order.id] = order

    def _check(self, order_id: str, expected_version: int) -> None:
        current = self._current(order_id)
        if current is None:
            raise NotFoundError(kind="Production order", key=order_id)
        if current.version != expected_version:
            raise ConcurrencyError(
                kind="Production order",
                key=order_id,
                expected=expected_version,
                actual=current.version,
            )
        self.read_versions.setdefault(order_id, expected_version)

    def save(self, order: ProductionOrder, *, expected_version: int) -> None:
        if order.version != expected_version + 1:
            raise InvalidValueError(
                field="version",
                value=order.version,
                reason=f"must be expected_version + 1 = {expected_version + 1}",
            )
        self._check(order.id, expected_version)
        self.staged[order.id] = order

    def delete(self, order_id: str, *, expected_version: int) -> None:
        self._check(order_id, expected_version)
        self.staged[order_id] = None

    def list(self, *, status: OrderStatus | None = None) -> list[ProductionOrder]:
        merged: dict[str, ProductionOrder | None] = {**self._store.orders, **self.staged}
        return [
            o
            for _, o in sorted(merged.items())
            if o is not None and (status is None or o.status is status)
        ]


class InMemoryUnitOfWork:
    """A unit of work over an :class:`InMemoryStore`; rolls back unless committed."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self._begin()

    def _begin(self) -> None:
        self._master = _MasterData(self.store)
        self._orders = _Orders(self.store)

    @property
    def master_data(self) -> _MasterData:
        return self._master

    @property
    def orders(self) -> _Orders:
        return self._orders

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        with self.store.lock:
            # check everything first, then apply: all or nothing
            for order_id, read_version in self._orders.read_versions.items():
                committed = self.store.orders.get(order_id)
                actual = committed.version if committed else 0
                if actual != read_version:
                    raise ConcurrencyError(
                        kind="Production order", key=order_id, expected=read_version, actual=actual
                    )
            for key, record in self._master.staged.items():
                self.store.master[key] = record
            if self._master.staged_setup is not None:
                self.store.setup = self._master.staged_setup
            for order_id, maybe_order in self._orders.staged.items():
                if maybe_order is None:
                    self.store.orders.pop(order_id, None)
                else:
                    self.store.orders[order_id] = maybe_order
        self._begin()

    def rollback(self) -> None:
        self._begin()
