"""One test harness: a :class:`Shop` with a store, a unit of work, a fixed clock and its
master data, short-hands for the commands tests send, and builders for orders with
routings that capacity tests schedule without a store.

>>> from prodcore.masterdata import CapacityType, Item, Replenishment, Routing, RoutingLine, WorkCenter
>>> shop = Shop([
...     WorkCenter("SAW"),
...     Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "SAW"),)),
...     Item("SHELF", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
... ])
>>> shop.create("PO-1", "SHELF", 5).status.value
'FIRM_PLANNED'
>>> shop.release("PO-1").order.status.value
'RELEASED'
>>> shop.key(), shop.key()
('K1', 'K2')
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import Outcome, handle, put_master_data
from prodcore.calendars import ShopCalendar, one_shift_per_weekday
from prodcore.clock import FixedClock
from prodcore.commands import LedgerCommand
from prodcore.ledger.model import PostingResult
from prodcore.masterdata import (
    CapacityType,
    Item,
    MachineCenter,
    ManufacturingSetup,
    MasterData,
    ProductionBom,
    Routing,
    WorkCenter,
)
from prodcore.numbers import Duration
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder, LifecycleCommand
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRecord, UnitOfWork
from prodcore.scheduling.calendar import Calendars, build_calendars

__all__ = [
    "DUE",
    "T0",
    "Shop",
    "capacity",
    "master_data_of",
    "operation",
    "routed_order",
    "weekday_calendar",
]

#: The harness's default clock time (a Monday, 08:00 UTC) and due date (a week later).
T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 9)


class Shop:
    """A store with master data and a fixed clock, and short-hands for commands.

    ``uow`` runs the shop on another store (SQLite, PostgreSQL); ``store`` is then the
    unused in-memory store, and :meth:`snapshot` describes only the in-memory one.
    """

    def __init__(
        self,
        records: Iterable[MasterDataRecord] = (),
        *,
        setup: ManufacturingSetup | None = None,
        uow: UnitOfWork | None = None,
        at: dt.datetime = T0,
    ) -> None:
        self.records = list(records)
        self.store = InMemoryStore()
        self.uow: UnitOfWork = uow if uow is not None else InMemoryUnitOfWork(self.store)
        self.clock = FixedClock(at)
        self._keys = itertools.count(1)
        if self.records or setup is not None:
            put_master_data(self.uow, self.records, setup=setup)

    def key(self) -> str:
        """A fresh idempotency key: ``K1``, ``K2``, …"""
        return f"K{next(self._keys)}"

    def apply(self, command: LifecycleCommand) -> Outcome:
        """Handle a lifecycle command at the shop's clock time."""
        return handle(self.uow, command, clock=self.clock)

    def post(self, command: LedgerCommand) -> PostingResult:
        """Handle a posting (or subcontracting, quality) command at the clock time."""
        return handle(self.uow, command, clock=self.clock)

    def create(
        self, order_id: str, item_no: str, quantity: int | str, *, due: dt.date = DUE, **kw: Any
    ) -> ProductionOrder:
        """Create a planned order (``kw``: further :class:`CreateOrder` fields)."""
        out = self.apply(CreateOrder(order_id, item_no, quantity, due_date=due, **kw))
        assert out.order is not None
        return out.order

    def release(self, order_id: str = "PO-1") -> Outcome:
        return self.apply(ChangeStatus(order_id, OrderStatus.RELEASED))

    def finish(self, order_id: str = "PO-1", *, without_output: bool = False) -> Outcome:
        return self.apply(
            ChangeStatus(order_id, OrderStatus.FINISHED, finish_without_output=without_output)
        )

    def order(self, order_id: str = "PO-1") -> ProductionOrder:
        with self.uow:
            return self.uow.orders.get(order_id)

    def snapshot(self) -> tuple[object, ...]:
        """The in-memory store's state, to show that a refused command changed nothing."""
        s = self.store
        return (
            dict(s.orders),
            s.counters,
            dict(s.ledger.on_hand_total),
            dict(s.ledger.accounts),
            dict(s.ledger.wip_by_order),
            dict(s.idempotency),
        )


def master_data_of(
    records: Iterable[MasterDataRecord], setup: ManufacturingSetup | None = None
) -> MasterData:
    """The records as a :class:`MasterData` snapshot (shop calendars are left out).

    >>> master_data_of([WorkCenter("SAW")]).work_centers["SAW"].no
    'SAW'
    """
    records = list(records)
    return MasterData.of(
        items=[r for r in records if isinstance(r, Item)],
        boms=[r for r in records if isinstance(r, ProductionBom)],
        routings=[r for r in records if isinstance(r, Routing)],
        work_centers=[r for r in records if isinstance(r, WorkCenter)],
        machine_centers=[r for r in records if isinstance(r, MachineCenter)],
        setup=setup,
    )


def weekday_calendar(
    code: str = "S", starting: dt.time = dt.time(8), ending: dt.time = dt.time(16)
) -> ShopCalendar:
    """One shift from Monday to Friday (08:00–16:00 by default).

    >>> len(weekday_calendar().shifts)
    5
    """
    return ShopCalendar(code, shifts=one_shift_per_weekday(starting, ending))


def operation(
    no: str,
    centre: str,
    *,
    setup: int | str = 0,
    run: int | str = 0,
    qty: int | str = 1,
    ctype: CapacityType = CapacityType.WORK_CENTER,
    work_center: str | None = None,
    **kw: Any,
) -> Operation:
    """An order's routing operation at ``centre`` (times in minutes; ``kw``: further
    :class:`Operation` fields).

    >>> operation("10", "SAW", run=5, qty=3).input_quantity
    Decimal('3')
    """
    return Operation(
        no,
        ctype,
        centre,
        work_center or centre,
        setup_time=Duration(setup),
        run_time=Duration(run),
        input_quantity=Decimal(qty),
        **kw,
    )


def routed_order(
    order_id: str,
    operations: Sequence[Operation],
    *,
    status: OrderStatus = OrderStatus.RELEASED,
    quantity: int = 1,
    item_no: str = "ITEM",
    due: dt.date = dt.date(2026, 1, 30),
) -> ProductionOrder:
    """An order of one line with ``operations``, built without a store (for scheduling).

    >>> routed_order("PO-1", [operation("10", "SAW")]).lines[0].operations[0].no
    'SAW'
    """
    return ProductionOrder(
        order_id,
        status,
        item_no,
        quantity,
        due_date=due,
        lines=(OrderLine(1, item_no, quantity, operations=tuple(operations)),),
    )


def capacity(
    work_centers: Sequence[WorkCenter],
    machine_centers: Sequence[MachineCenter] = (),
    *,
    shop: ShopCalendar | None = None,
    start: dt.date = dt.date(2026, 1, 5),
    days: int = 60,
) -> tuple[MasterData, Calendars]:
    """Master data of the centres and their calendars over ``days`` from ``start``, on
    ``shop`` (default :func:`weekday_calendar`).

    >>> md, cals = capacity([WorkCenter("SAW", calendar_code="S")], days=7)
    >>> len(cals.get(CapacityType.WORK_CENTER, "SAW"))
    5
    """
    md = MasterData.of(work_centers=work_centers, machine_centers=machine_centers)
    cals = build_calendars(
        work_centers,
        machine_centers,
        [shop or weekday_calendar()],
        start,
        start + dt.timedelta(days=days),
    )
    return md, cals
