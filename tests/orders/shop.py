"""A shop for posting tests: P (standard 30) from 2 C, one operation on WC; order PO-1
of 10 released."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.ledger import PostingResult
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import TimeUnit
from prodcore.orders.journals import (
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus, ProductionOrder

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 9)
D = Decimal


def records(*, routing: bool = True) -> list[object]:
    """P (standard 30) from 2 C (unit cost 2) per unit; with a routing, one operation on
    WC (direct 20, indirect 10 %, overhead 2: unit cost 24 per hour)."""
    out: list[object] = [
        WorkCenter(
            "WC",
            direct_unit_cost=20,
            indirect_cost_percent=10,
            overhead_rate=2,
            capacity_unit=TimeUnit.HOUR,
        ),
        Item("C", base_unit="PCS", unit_cost=2),
        Item(
            "P",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            standard_cost=30,
            production_bom_no="B",
            routing_no="R" if routing else None,
        ),
        ProductionBom("B", (BomLine("C", 2),)),
        Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "WC"),)),
    ]
    return out


class Shop:
    """PO-1 released in a fresh in-memory store, with helpers to post and look."""

    def __init__(self, *, routing: bool = True, **setup: object) -> None:
        self.store = InMemoryStore()
        self.uow = InMemoryUnitOfWork(self.store)
        self.clock = FixedClock(T0)
        put_master_data(
            self.uow,
            records(routing=routing),  # type: ignore[arg-type]
            setup=ManufacturingSetup(**setup),  # type: ignore[arg-type]
        )
        handle(self.uow, CreateOrder("PO-1", "P", 10, due_date=DUE), clock=self.clock)
        handle(self.uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=self.clock)
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"K{self.keys}"

    def post(self, command: object) -> PostingResult:
        return handle(self.uow, command, clock=self.clock)  # type: ignore[call-overload,no-any-return]

    def consume(self, qty: int | str) -> PostingResult:
        return self.post(PostConsumption(self.key(), (ConsumptionLine("PO-1", 10000, 10000, qty),)))

    def output(self, line: OutputLine) -> PostingResult:
        return self.post(PostOutput(self.key(), (line,)))

    def finish(
        self, *, without_output: bool = False
    ) -> tuple[object, tuple[str, ...], tuple[str, ...]]:
        command = ChangeStatus("PO-1", OrderStatus.FINISHED, finish_without_output=without_output)
        out = handle(self.uow, command, clock=self.clock)
        return out.posting, out.warnings, out.notes

    def order(self) -> ProductionOrder:
        with self.uow:
            return self.uow.orders.get("PO-1")

    def snapshot(self) -> tuple[object, ...]:
        s = self.store
        return (
            dict(s.orders),
            s.counters,
            dict(s.ledger.on_hand_total),
            dict(s.ledger.accounts),
            dict(s.idempotency),
        )
