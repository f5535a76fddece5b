"""The records of a schedule: directions, capacity modes, allocations and results."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import attrs

from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType
from prodcore.numbers import TimeUnit, as_decimal, tuple_of
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.scheduling.calendar import (
    CentreKey,
)


class Direction(enum.StrEnum):
    """BC: Back (from the due date/ending) or Forward (from a start)."""

    FORWARD = "FORWARD"
    BACKWARD = "BACKWARD"


class CapacityMode(enum.StrEnum):
    INFINITE = "INFINITE"
    FINITE = "FINITE"


@attrs.frozen
class Allocation:
    """Allocated time of one operation in one calendar entry (BC: Prod. Order Capacity
    Need), split into setup and run, in the centre's unit."""

    order_id: str
    status: OrderStatus
    line_no: int
    operation_no: str
    type: CapacityType
    no: str
    work_center_no: str
    date: dt.date
    starting: dt.datetime
    ending: dt.datetime
    setup: Decimal = attrs.field(converter=as_decimal)
    run: Decimal = attrs.field(converter=as_decimal)
    unit: TimeUnit = TimeUnit.MINUTE

    @property
    def allocated(self) -> Decimal:
        return self.setup + self.run

    @property
    def key(self) -> CentreKey:
        return (self.type, self.no)


@attrs.frozen
class ScheduledOperation:
    """Where one operation landed: its dates and its need."""

    order_id: str
    status: OrderStatus
    line_no: int
    operation_no: str
    type: CapacityType
    no: str
    work_center_no: str
    starting: dt.datetime
    ending: dt.datetime
    setup_allocated: Decimal = attrs.field(converter=as_decimal)
    run_allocated: Decimal = attrs.field(converter=as_decimal)
    unit: TimeUnit = TimeUnit.MINUTE

    @property
    def allocated(self) -> Decimal:
        return self.setup_allocated + self.run_allocated


@attrs.frozen
class ScheduleResult:
    """Scheduled orders (evolved copies), their operations and allocations."""

    orders: tuple[ProductionOrder, ...] = attrs.field(validator=tuple_of(ProductionOrder))
    operations: tuple[ScheduledOperation, ...] = attrs.field(validator=tuple_of(ScheduledOperation))
    allocations: tuple[Allocation, ...] = attrs.field(validator=tuple_of(Allocation))

    @property
    def order(self) -> ProductionOrder:
        """The only order (for :func:`schedule_order`)."""
        if len(self.orders) != 1:
            raise InvalidValueError(
                field="orders", value=len(self.orders), reason="the result holds several orders"
            )
        return self.orders[0]
