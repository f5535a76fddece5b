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

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from prodcore.adapters._base import READABLE_KINDS, MasterDataGetters, StagedUnitOfWork
from prodcore.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidValueError,
    KeyTakenError,
    NotFoundError,
)
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemLedgerEntry,
    LedgerCounters,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueSource,
    number_batch,
)
from prodcore.masterdata import (
    ManufacturingSetup,
)
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRecord

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]

_T = TypeVar("_T")


@attrs.define
class InMemoryStore:
    """Committed state shared by units of work (thread-safe through one lock)."""

    master: dict[tuple[type, str], MasterDataRecord] = attrs.field(factory=dict)
    setup: ManufacturingSetup = attrs.field(factory=ManufacturingSetup)
    orders: dict[str, ProductionOrder] = attrs.field(factory=dict)
    lock: threading.RLock = attrs.field(factory=threading.RLock)
    ledger: LedgerIndex = attrs.field(factory=LedgerIndex)
    counters: LedgerCounters = attrs.field(factory=LedgerCounters)
    idempotency: dict[str, IdempotencyRecord] = attrs.field(factory=dict)
    posting_setup: PostingSetup = attrs.field(factory=PostingSetup)


class _MasterData(MasterDataGetters):
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
        if kind not in READABLE_KINDS:
            raise InvalidValueError(field="record", value=record, reason="not a master data record")
        self.staged[(kind, record.no)] = record

    def _get(self, kind: type[_T], no: str) -> _T:
        key = (kind, no)
        found = self.staged.get(key) or self._store.master.get(key)
        if found is None:
            raise NotFoundError(kind=READABLE_KINDS[kind], key=no)
        return found  # type: ignore[return-value]

    def _all(self, kind: type[_T]) -> Iterator[_T]:
        merged = {**self._store.master, **self.staged}
        for (k, _), record in sorted(merged.items(), key=lambda kv: kv[0][1]):
            if k is kind:
                yield record  # type: ignore[misc]


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


class _Ledger:
    """Staged batches over the committed ledger; queries see both."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.base_counters = store.counters
        self.counters = store.counters
        self.staged = LedgerIndex()
        self.staged_batches: list[PostingBatch] = []
        self.staged_keys: dict[str, IdempotencyRecord] = {}
        self.staged_setup: PostingSetup | None = None

    @property
    def posting_setup(self) -> PostingSetup:
        return self.staged_setup or self._store.posting_setup

    def put_posting_setup(self, setup: PostingSetup) -> None:
        if not isinstance(setup, PostingSetup):
            raise InvalidValueError(field="setup", value=setup, reason="not a PostingSetup")
        self.staged_setup = setup

    def append(self, batch: PostingBatch) -> PostingBatch:
        if not isinstance(batch, PostingBatch):
            raise InvalidValueError(field="batch", value=batch, reason="not a PostingBatch")
        batch.check_balanced()
        numbered, counters = number_batch(batch, self.counters)
        self.staged.apply(numbered)
        self.staged_batches.append(numbered)
        self.counters = counters
        return numbered

    def _one(self, table: str, kind: str, no: int, cls: type[_T]) -> _T:
        found = getattr(self.staged, table).get(no) or getattr(self._store.ledger, table).get(no)
        if found is None:
            raise NotFoundError(kind=kind, key=no)
        assert isinstance(found, cls)
        return found

    def batch(self, posting_no: int) -> PostingBatch:
        return self._one("batches", "Posting", posting_no, PostingBatch)

    def item_entry(self, entry_no: int) -> ItemLedgerEntry:
        return self._one("items", "Item ledger entry", entry_no, ItemLedgerEntry)

    def capacity_entry(self, entry_no: int) -> CapacityLedgerEntry:
        return self._one("capacity", "Capacity ledger entry", entry_no, CapacityLedgerEntry)

    def value_entry(self, entry_no: int) -> ValueEntry:
        return self._one("values", "Value entry", entry_no, ValueEntry)

    def _select(self, table: str, index: str | None, key: object) -> list[Any]:
        out: list[Any] = []
        for part in (self._store.ledger, self.staged):
            records = getattr(part, table)
            nos = records.keys() if index is None else getattr(part, index).get(key, ())
            out.extend(records[n] for n in nos)
        return out

    def item_entries(
        self, *, order_id: str | None = None, item_no: str | None = None
    ) -> list[ItemLedgerEntry]:
        if order_id is not None:
            found: list[ItemLedgerEntry] = self._select("items", "items_by_order", order_id)
            return [e for e in found if item_no is None or e.item_no == item_no]
        if item_no is not None:
            return self._select("items", "items_by_item", item_no)
        return self._select("items", None, None)

    def capacity_entries(
        self, *, order_id: str | None = None, centre_no: str | None = None
    ) -> list[CapacityLedgerEntry]:
        if order_id is not None:
            found: list[CapacityLedgerEntry] = self._select(
                "capacity", "capacity_by_order", order_id
            )
            return [e for e in found if centre_no is None or centre_no in (e.no, e.work_center_no)]
        if centre_no is not None:
            return self._select("capacity", "capacity_by_centre", centre_no)
        return self._select("capacity", None, None)

    def value_entries(
        self,
        *,
        order_id: str | None = None,
        source: ValueSource | None = None,
        source_entry_no: int | None = None,
    ) -> list[ValueEntry]:
        if source is not None and source_entry_no is not None:
            found: list[ValueEntry] = self._select(
                "values", "values_by_source", (source, source_entry_no)
            )
        elif order_id is not None:
            found = self._select("values", "values_by_order", order_id)
        else:
            found = self._select("values", None, None)
        return [e for e in found if order_id is None or e.order_id == order_id]

    def gl_entries(self, *, order_id: str | None = None) -> list[GLEntry]:
        if order_id is not None:
            return self._select("gl", "gl_by_order", order_id)
        return self._select("gl", None, None)

    def on_hand(self, item_no: str, location_code: str | None = None) -> Decimal:
        return self._store.ledger.on_hand(item_no, location_code) + self.staged.on_hand(
            item_no, location_code
        )

    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal:
        return self._store.ledger.consumed_quantity(
            order_id, line_no, component_line_no
        ) + self.staged.consumed_quantity(order_id, line_no, component_line_no)

    def output_quantity(self, order_id: str, line_no: int) -> Decimal:
        return self._store.ledger.output_quantity(order_id, line_no) + self.staged.output_quantity(
            order_id, line_no
        )

    def wip(self, order_id: str) -> Decimal:
        return self._store.ledger.wip(order_id) + self.staged.wip(order_id)

    def account_balance(self, account: str) -> Decimal:
        return self._store.ledger.account_balance(account) + self.staged.account_balance(account)

    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal:
        return self._store.ledger.reversed_quantity(
            source, entry_no
        ) + self.staged.reversed_quantity(source, entry_no)

    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal:
        return self._store.ledger.capacity_used(centre_no, start, end) + self.staged.capacity_used(
            centre_no, start, end
        )

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        return self.staged_keys.get(key) or self._store.idempotency.get(key)

    def remember(self, record: IdempotencyRecord) -> None:
        if not isinstance(record, IdempotencyRecord):
            raise InvalidValueError(field="record", value=record, reason="not an IdempotencyRecord")
        if self.idempotency(record.key) is not None:
            raise KeyTakenError(key=record.key)
        self.staged_keys[record.key] = record


class InMemoryUnitOfWork(StagedUnitOfWork):
    """A unit of work over an :class:`InMemoryStore`; rolls back unless committed."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self._begin()

    def _begin(self) -> None:
        self._master = _MasterData(self.store)
        self._orders = _Orders(self.store)
        self._ledger = _Ledger(self.store)

    @property
    def master_data(self) -> _MasterData:
        return self._master

    @property
    def orders(self) -> _Orders:
        return self._orders

    @property
    def ledger(self) -> _Ledger:
        return self._ledger

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
            ledger = self._ledger
            if ledger.staged_batches and self.store.counters != ledger.base_counters:
                # entry numbers were handed out from a stale counter: retry the command
                raise ConcurrencyError(
                    kind="Ledger",
                    key="entries",
                    expected=ledger.base_counters.posting,
                    actual=self.store.counters.posting,
                )
            for idem_key in ledger.staged_keys:
                if idem_key in self.store.idempotency:
                    raise KeyTakenError(key=idem_key)
            for key, record in self._master.staged.items():
                self.store.master[key] = record
            if self._master.staged_setup is not None:
                self.store.setup = self._master.staged_setup
            for order_id, maybe_order in self._orders.staged.items():
                if maybe_order is None:
                    self.store.orders.pop(order_id, None)
                else:
                    self.store.orders[order_id] = maybe_order
            for batch in ledger.staged_batches:
                self.store.ledger.apply(batch)
            self.store.counters = ledger.counters
            self.store.idempotency.update(ledger.staged_keys)
            if ledger.staged_setup is not None:
                self.store.posting_setup = ledger.staged_setup
        self._begin()
