"""Fixtures for the capacity tests: a Monday–Friday 08:00–16:00 shop and order builders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest

from prodcore.masterdata import CapacityType, MachineCenter, MasterData, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.scheduling import Calendars, ShopCalendar, build_calendars, one_shift_per_weekday

JAN5 = dt.date(2026, 1, 5)  # a Monday

OrderFactory = Callable[..., ProductionOrder]
OpFactory = Callable[..., Operation]
CalendarFactory = Callable[..., Calendars]


@pytest.fixture
def shop() -> ShopCalendar:
    return ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))


@pytest.fixture
def make_op() -> OpFactory:
    def make(
        no: str,
        centre: str,
        *,
        setup: int | str = 0,
        run: int | str = 0,
        qty: int | str = 1,
        ctype: CapacityType = CapacityType.WORK_CENTER,
        work_center: str | None = None,
        **kwargs: object,
    ) -> Operation:
        return Operation(
            no,
            ctype,
            centre,
            work_center or centre,
            setup_time=Duration(setup),
            run_time=Duration(run),
            input_quantity=Decimal(qty),
            **kwargs,  # type: ignore[arg-type]
        )

    return make


@pytest.fixture
def make_order() -> OrderFactory:
    def make(
        order_id: str,
        operations: Sequence[Operation],
        *,
        status: OrderStatus = OrderStatus.RELEASED,
        quantity: int = 1,
    ) -> ProductionOrder:
        return ProductionOrder(
            order_id,
            status,
            "ITEM",
            quantity,
            due_date=dt.date(2026, 1, 30),
            lines=(OrderLine(1, "ITEM", quantity, operations=tuple(operations)),),
        )

    return make


@pytest.fixture
def calendars_for(shop: ShopCalendar) -> Callable[..., tuple[MasterData, Calendars]]:
    def make(
        work_centers: Sequence[WorkCenter],
        machine_centers: Sequence[MachineCenter] = (),
        *,
        days: int = 60,
    ) -> tuple[MasterData, Calendars]:
        md = MasterData.of(work_centers=work_centers, machine_centers=machine_centers)
        cals = build_calendars(
            work_centers, machine_centers, [shop], JAN5, JAN5 + dt.timedelta(days=days)
        )
        return md, cals

    return make
