"""The in-memory reference adapter: strict, raising the errors a database would.

A :class:`InMemoryStore` holds committed state; each :class:`InMemoryUnitOfWork`
stages its writes (:mod:`prodcore.adapters._staging`) and applies them atomically on
commit under the store's lock, after checking that every committed value it read is
unchanged (the order versions, balances, lists and records its decisions used).

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
from decimal import Decimal
from typing import Any

import attrs

from prodcore.adapters._staging import (
    Committed,
    NumberingGuard,
    StagingUnitOfWork,
    _Work,
    capacity_entry_matches,
    check_reads,
    value_entry_matches,
)
from prodcore.costing.derived import DerivedMemo
from prodcore.errors import ConcurrencyError, KeyTakenError
from prodcore.ledger.average_periods import AveragePoolKey
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemApplication,
    ItemLedgerEntry,
    LedgerCounters,
    LotBalance,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueSource,
)
from prodcore.masterdata import ManufacturingSetup
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.orders.registration import Registration, bears_on, registration_order
from prodcore.ports import MasterDataRecord
from prodcore.scheduling.schedule import Allocation

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]


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
    numbering: NumberingGuard = attrs.field(factory=lambda: NumberingGuard(share_in_thread=True))
    allocations: dict[str, tuple[Allocation, ...]] = attrs.field(factory=dict)
    #: the batches posted by each user, and through each source (posting numbers)
    batches_by_user: dict[str, list[int]] = attrs.field(factory=dict)
    batches_by_source: dict[str, list[int]] = attrs.field(factory=dict)
    #: the registrations of each worker, per order (kept with the orders)
    registrations: dict[str, dict[str, tuple[Registration, ...]]] = attrs.field(factory=dict)
    #: results derived from the master data, kept with the records they read
    derived_memo: DerivedMemo = attrs.field(factory=DerivedMemo)
    #: commits so far: a unit of work that began after the last one read only what holds
    commits: int = 0

    def put_order(self, order_id: str, order: ProductionOrder | None) -> None:
        """Store ``order`` under ``order_id`` (None: delete it), and its registrations."""
        self.commits += 1  # a change, also when made outside a unit of work
        old = self.orders.pop(order_id, None)
        for worker in {r.worker for r in old.registrations} if old else ():
            self.registrations[worker].pop(order_id, None)
        if order is None:
            return
        self.orders[order_id] = order
        for reg in order.registrations:
            per_order = self.registrations.setdefault(reg.worker, {})
            per_order[order_id] = (*per_order.get(order_id, ()), reg)


class _Committed(Committed):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._ledger = store.ledger
        self.derived_memo = store.derived_memo

    def order(self, order_id: str) -> ProductionOrder | None:
        return self._store.orders.get(order_id)

    def order_version(self, order_id: str) -> int:
        order = self._store.orders.get(order_id)
        return order.version if order else 0

    def orders(self, status: OrderStatus | None) -> list[ProductionOrder]:
        return [
            o for _, o in sorted(self._store.orders.items()) if status is None or o.status is status
        ]

    def allocations(self, order_id: str | None) -> tuple[Allocation, ...]:
        found = self._store.allocations
        if order_id is not None:
            return found.get(order_id, ())
        return tuple(a for _, kept in sorted(found.items()) for a in kept)

    def registrations(self, worker: str, after: dt.datetime | None) -> list[Registration]:
        found = self._store.registrations.get(worker, {}).values()
        return sorted(
            (r for regs in found for r in regs if after is None or bears_on(r, after)),
            key=registration_order,
        )

    def record(self, kind: type, no: str) -> MasterDataRecord | None:
        return self._store.master.get((kind, no))

    def records(self, kind: type) -> list[MasterDataRecord]:
        return sorted(
            (r for (k, _), r in self._store.master.items() if k is kind), key=lambda r: r.no
        )

    def setup(self) -> ManufacturingSetup | None:
        return self._store.setup

    def posting_setup(self) -> PostingSetup | None:
        return self._store.posting_setup

    def counters(self) -> LedgerCounters:
        return self._store.counters

    def batch(self, posting_no: int) -> PostingBatch | None:
        return self._ledger.batches.get(posting_no)

    def entry(self, table: str, entry_no: int) -> Any:
        return getattr(self._ledger, table).get(entry_no)

    def batch_nos(self, user: str | None, source: str | None) -> list[int]:
        batches = self._ledger.batches
        if user is not None:
            nos = self._store.batches_by_user.get(user, [])
            return [n for n in nos if source is None or batches[n].source == source]
        if source is not None:
            return list(self._store.batches_by_source.get(source, []))
        return sorted(batches)

    def _select(self, table: str, index: str | None, key: object) -> list[Any]:
        records = getattr(self._ledger, table)
        nos = records.keys() if index is None else getattr(self._ledger, index).get(key, ())
        return [records[n] for n in nos]

    def item_entries(self, order_id: str | None, item_no: str | None) -> list[ItemLedgerEntry]:
        if order_id is not None:
            found = self._select("items", "items_by_order", order_id)
            return [e for e in found if item_no is None or e.item_no == item_no]
        if item_no is not None:
            return self._select("items", "items_by_item", item_no)
        return self._select("items", None, None)

    def capacity_entries(
        self, order_id: str | None, centre_no: str | None
    ) -> list[CapacityLedgerEntry]:
        if order_id is not None:
            found = self._select("capacity", "capacity_by_order", order_id)
        elif centre_no is not None:
            found = self._select("capacity", "capacity_by_centre", centre_no)
        else:
            found = self._select("capacity", None, None)
        return [e for e in found if capacity_entry_matches(e, order_id, centre_no)]

    def value_entries(
        self, order_id: str | None, source: ValueSource | None, source_entry_no: int | None
    ) -> list[ValueEntry]:
        if source is not None and source_entry_no is not None:
            found = self._select("values", "values_by_source", (source, source_entry_no))
        elif order_id is not None:
            found = self._select("values", "values_by_order", order_id)
        else:
            found = self._select("values", None, None)
        return [e for e in found if value_entry_matches(e, order_id, source, source_entry_no)]

    def gl_entries(self, order_id: str | None) -> list[GLEntry]:
        return self._ledger.gl_entries(order_id)

    def on_hand(self, item_no: str, location_code: str | None) -> Decimal:
        return self._ledger.on_hand(item_no, location_code)

    def on_hand_in_bin(self, item_no: str, location_code: str, bin_code: str) -> Decimal:
        return self._ledger.on_hand_in_bin(item_no, location_code, bin_code)

    def lot_on_hand(
        self, item_no: str, lot_no: str, serial_no: str, location_code: str | None
    ) -> Decimal:
        return self._ledger.lot_on_hand(item_no, lot_no, serial_no, location_code)

    def lot_balances(self, item_no: str, location_code: str | None) -> list[LotBalance]:
        return self._ledger.lot_balances(item_no, location_code)

    def tracked_entries(self, item_no: str, lot_no: str, serial_no: str) -> list[ItemLedgerEntry]:
        nos = self._ledger.tracked_entry_nos(item_no, lot_no, serial_no)
        return [self._ledger.items[n] for n in nos]

    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal:
        return self._ledger.consumed_quantity(order_id, line_no, component_line_no)

    def output_quantity(self, order_id: str, line_no: int) -> Decimal:
        return self._ledger.output_quantity(order_id, line_no)

    def wip(self, order_id: str) -> Decimal:
        return self._ledger.wip(order_id)

    def order_cost_sums(self, order_id: str) -> dict[tuple[int, str], Decimal]:
        return self._ledger.order_cost_sums(order_id)

    def output_entries(self, order_id: str) -> list[ItemLedgerEntry]:
        return self._ledger.output_entries(order_id)

    def output_values(self, order_id: str) -> list[ValueEntry]:
        return self._ledger.output_values(order_id)

    def account_balance(self, account: str) -> Decimal:
        return self._ledger.account_balance(account)

    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal:
        return self._ledger.reversed_quantity(source, entry_no)

    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal:
        return self._ledger.capacity_used(centre_no, start, end)

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        return self._store.idempotency.get(key)

    def remaining_quantity(self, entry_no: int) -> Decimal:
        return self._ledger.remaining_quantity(entry_no)

    def inventory_value(self, item_no: str) -> Decimal:
        return self._ledger.inventory_value(item_no)

    def average_unit_cost(self, key: AveragePoolKey, start: dt.date | None) -> Decimal | None:
        with self._store.lock:  # the read completes the pool's cached period ends
            return self._ledger.average_unit_cost(key, start)

    def open_entries(
        self, item_no: str, location_code: str, inbound: bool
    ) -> list[tuple[int, Decimal]]:
        return self._ledger.open_entries(item_no, location_code, inbound)

    def item_applications(self, entry_no: int) -> list[ItemApplication]:
        return self._ledger.item_applications(entry_no)

    def cost_marks(self) -> list[int]:
        return self._ledger.cost_marks()


class InMemoryUnitOfWork(StagingUnitOfWork):
    """A unit of work over an :class:`InMemoryStore`; rolls back unless committed."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store

    def _start(self) -> _Work:
        # before any read: if no commit follows, every read still holds at commit
        self._commits_seen = self.store.commits
        return super()._start()

    def _committed(self) -> Committed:
        return _Committed(self.store)

    def _reserve(self) -> LedgerCounters:
        self.store.numbering.acquire(self)
        return self.store.counters

    def _release(self) -> None:
        self.store.numbering.release(self)

    def _apply(self) -> None:
        store = self.store
        work = self._state()  # (its repositories, asked for once)
        master, orders, ledger = work.master, work.orders, work.ledger
        with store.lock:
            # check everything first, then apply: all or nothing (nothing committed since
            # this unit of work began: what it read is what is committed)
            if store.commits != self._commits_seen:
                check_reads(work.reads, _Committed(store))
            for order_id, read_version in orders.read_versions.items():
                committed = store.orders.get(order_id)
                actual = committed.version if committed else 0
                if actual != read_version:
                    raise ConcurrencyError(
                        kind="Production order", key=order_id, expected=read_version, actual=actual
                    )
            base = ledger.base_counters
            if base is not None and store.counters is not base and store.counters != base:
                # numbered beside a unit of work of the same thread that committed first
                # (the counters it numbered after are the store's own object unless a
                # commit replaced them: compared by value only then)
                raise ConcurrencyError(
                    kind="Ledger",
                    key="entries",
                    expected=base.posting,
                    actual=store.counters.posting,
                )
            for idem_key in ledger.staged_keys:
                if idem_key in store.idempotency:
                    raise KeyTakenError(kind="Idempotency key", key=idem_key)
            store.commits += 1  # before the first write: even a write that fails counts
            for key, record in master.staged.items():
                store.master[key] = record
            if master.staged_setup is not None:
                store.setup = master.staged_setup
            for order_id, maybe_order in orders.staged.items():
                store.put_order(order_id, maybe_order)
            for order_id, allocations in orders.staged_allocations.items():
                if allocations:
                    store.allocations[order_id] = allocations
                else:
                    store.allocations.pop(order_id, None)
            for batch in ledger.staged_batches:
                store.ledger.apply(batch)
                if batch.user is not None:
                    store.batches_by_user.setdefault(batch.user, []).append(batch.posting_no)
                if batch.source is not None:
                    store.batches_by_source.setdefault(batch.source, []).append(batch.posting_no)
            if ledger.counters is not None:
                store.counters = ledger.counters
            store.idempotency.update(ledger.staged_keys)
            if ledger.staged_setup is not None:
                store.posting_setup = ledger.staged_setup
            # and after the last: a unit of work that began while this one was writing
            # (reads take no lock) may have read part of it, so its reads are checked
            store.commits += 1
