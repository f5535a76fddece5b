"""The production order aggregate: header, lines, components and operations.

One order keeps one identity for its whole life; every status change is recorded in
:attr:`ProductionOrder.history`. All classes are frozen; the lifecycle module evolves
them into new values.
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
from collections.abc import Iterator
from decimal import Decimal

import attrs

from prodcore.errors import NotFoundError
from prodcore.masterdata import (
    CalculationFormula,
    CapacityType,
    FlushingMethod,
    QualityCheck,
)
from prodcore.numbers import (
    ONE,
    ZERO,
    Duration,
    Quantity,
    as_decimal,
    non_negative,
    percent,
    tuple_of,
)
from prodcore.orders.registration import Registration
from prodcore.records import revise

__all__ = [
    "Component",
    "D365Status",
    "Operation",
    "OrderLine",
    "OrderStatus",
    "ProductionOrder",
    "QualityOrder",
    "QualityOrderStatus",
    "QualityResult",
    "RoutingStatus",
    "StatusChange",
    "StatusProfile",
]


class OrderStatus(enum.StrEnum):
    """Statuses in their only direction of travel."""

    SIMULATED = "SIMULATED"
    PLANNED = "PLANNED"
    FIRM_PLANNED = "FIRM_PLANNED"
    RELEASED = "RELEASED"
    FINISHED = "FINISHED"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {status: i for i, status in enumerate(OrderStatus)}


class StatusProfile(enum.StrEnum):
    """Which statuses an order shows: Business Central's five (the default) or D365's."""

    BC = "BC"
    D365 = "D365"


class D365Status(enum.StrEnum):
    """D365's statuses, in their forward order. Each stands on one of the ledger's
    statuses (:attr:`core`): postings need a released core status, cost settles on a
    finished one.

    >>> [(s.value, s.core.value) for s in (D365Status.SCHEDULED, D365Status.STARTED)]
    [('SCHEDULED', 'FIRM_PLANNED'), ('STARTED', 'RELEASED')]
    """

    CREATED = "CREATED"
    ESTIMATED = "ESTIMATED"
    SCHEDULED = "SCHEDULED"
    RELEASED = "RELEASED"
    STARTED = "STARTED"
    REPORTED_AS_FINISHED = "REPORTED_AS_FINISHED"
    ENDED = "ENDED"

    @property
    def rank(self) -> int:
        return _D365_RANK[self]

    @property
    def core(self) -> OrderStatus:
        """The ledger status this status stands on."""
        if self is D365Status.ENDED:
            return OrderStatus.FINISHED
        if self.rank >= _D365_RANK[D365Status.RELEASED]:
            return OrderStatus.RELEASED
        return OrderStatus.FIRM_PLANNED


_D365_RANK = {status: i for i, status in enumerate(D365Status)}


class RoutingStatus(enum.StrEnum):
    """Progress of an operation: planned, in progress (output posted), finished."""

    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    FINISHED = "FINISHED"


@attrs.frozen
class Component:
    """A material need of an order line (BC's Prod. Order Component).

    ``quantity_per`` is per unit of the parent line, after the calculation formula and
    any phantom multiplication. ``expected_quantity`` includes every planned scrap and is
    rounded to the item's precision. ``consumed_quantity`` and ``picked_quantity`` are
    kept current by postings.
    """

    line_no: int
    item_no: str
    unit: str
    quantity_per: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    expected_quantity: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    flushing_method: FlushingMethod = FlushingMethod.MANUAL
    scrap_percent: Decimal = attrs.field(default=ZERO, converter=as_decimal, validator=percent)
    routing_link_code: str | None = None
    formula: CalculationFormula = CalculationFormula.NONE
    location_code: str = ""
    bom_path: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    consumed_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    picked_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    due_date: dt.date | None = None

    @property
    def remaining_quantity(self) -> Decimal:
        """Expected less consumed, never below zero (BC clamps over-consumption)."""
        return max(self.expected_quantity - self.consumed_quantity, ZERO)

    @property
    def expected(self) -> Quantity:
        return Quantity(self.expected_quantity, self.unit)


@attrs.frozen
class Operation:
    """A routing line copied onto an order line, with its computed scrap and input quantity."""

    operation_no: str
    type: CapacityType
    no: str
    work_center_no: str
    setup_time: Duration = attrs.field(factory=Duration.zero)
    run_time: Duration = attrs.field(factory=Duration.zero)
    wait_time: Duration = attrs.field(factory=Duration.zero)
    move_time: Duration = attrs.field(factory=Duration.zero)
    lot_size: Decimal = attrs.field(default=ONE, converter=as_decimal)
    concurrent_capacities: Decimal = attrs.field(default=ONE, converter=as_decimal)
    send_ahead_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    scrap_factor_percent: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    fixed_scrap_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    routing_link_code: str | None = None
    unit_cost_per: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    flushing_method: FlushingMethod = FlushingMethod.MANUAL
    accumulated_scrap_factor: Decimal = attrs.field(
        default=ZERO, converter=as_decimal
    )  # a fraction, as BC stores it
    accumulated_fixed_scrap: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    input_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    previous_operation_no: str | None = None
    next_operation_no: str | None = None
    status: RoutingStatus = RoutingStatus.PLANNED
    output_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)  # posted so far
    scrap_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    posted_setup_time: Decimal = attrs.field(
        default=ZERO, converter=as_decimal
    )  # in setup_time.unit
    posted_run_time: Decimal = attrs.field(default=ZERO, converter=as_decimal)  # in run_time.unit
    starting: dt.datetime | None = None
    ending: dt.datetime | None = None
    # subcontracting: what was requested from the subcontractor (purchase lines the host
    # created), received (output + scrap of receipts, less undone) and cancelled, in the
    # line's unit; outstanding = requested - received - cancelled
    subcontract_requested: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    subcontract_received: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    subcontract_cancelled: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    quality_checks: tuple[QualityCheck, ...] = attrs.field(
        default=(), validator=tuple_of(QualityCheck)
    )
    # alternative centres of the routing line (same type); finite scheduling may use one
    alternatives: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))

    @property
    def subcontract_outstanding(self) -> Decimal:
        """Requested but neither received nor cancelled (never below zero)."""
        return max(
            self.subcontract_requested - self.subcontract_received - self.subcontract_cancelled,
            ZERO,
        )

    @property
    def is_last(self) -> bool:
        return self.next_operation_no is None

    @property
    def is_first(self) -> bool:
        return self.previous_operation_no is None


@attrs.frozen
class OrderLine:
    """A produced item of the order, with its components and operations."""

    line_no: int
    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    unit: str = "PCS"
    scrap_percent: Decimal = attrs.field(default=ZERO, converter=as_decimal, validator=percent)
    bom_no: str | None = None
    routing_no: str | None = None
    components: tuple[Component, ...] = attrs.field(default=(), validator=tuple_of(Component))
    operations: tuple[Operation, ...] = attrs.field(default=(), validator=tuple_of(Operation))
    finished_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    # scrap posted with output of the last operation (or of the line when it has no routing)
    scrap_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    unit_cost: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    due_date: dt.date | None = None
    planning_level: int = 0  # 0: the header's item; >0: a make-to-order sub-assembly
    # report-as-finished checks of the item, copied at explosion
    quality_checks: tuple[QualityCheck, ...] = attrs.field(
        default=(), validator=tuple_of(QualityCheck)
    )
    # co-products (``docs/costing.md``): every line of an order created with co-products
    # carries its share (percent) of the order's cost, the main line 100 less the others;
    # None on an order without co-products. ``co_product`` marks the lines added for them
    # (no BOM, no routing: their output is posted with ``operation_no`` None).
    cost_share_percent: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    co_product: bool = False

    @property
    def remaining_quantity(self) -> Decimal:
        return max(self.quantity - self.finished_quantity, ZERO)

    def component(self, line_no: int) -> Component:
        for comp in self.components:
            if comp.line_no == line_no:
                return comp
        raise NotFoundError(kind=f"Component of order line {self.line_no}", key=line_no)

    def operation(self, operation_no: str) -> Operation:
        for op in self.operations:
            if op.operation_no == operation_no:
                return op
        raise NotFoundError(kind=f"Operation of order line {self.line_no}", key=operation_no)

    def operation_for_link(self, routing_link_code: str | None) -> Operation | None:
        """The operation carrying ``routing_link_code``, or None."""
        if routing_link_code is None:
            return None
        for op in self.operations:
            if op.routing_link_code == routing_link_code:
                return op
        return None

    @property
    def last_operation(self) -> Operation | None:
        return self.operations[-1] if self.operations else None


class QualityOrderStatus(enum.StrEnum):
    """OPEN until every test has a result; then PASSED or FAILED; a failed order is
    RESOLVED by its disposition (scrap, rework or accept)."""

    OPEN = "OPEN"
    PASSED = "PASSED"
    FAILED = "FAILED"
    RESOLVED = "RESOLVED"


@attrs.frozen
class QualityResult:
    """The result of one test: a measured ``value``, or ``passed`` for a pass/fail test."""

    test_code: str
    value: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    passed: bool | None = None


@attrs.frozen
class QualityOrder:
    """A quality order (D365) kept on the production order.

    ``quantity`` is the sample to test, ``covered_quantity`` the reported (or, for the
    "rest" order of non-per-updated sampling, the still expected) quantity it stands for.
    ``operation_no`` None: the line's report-as-finished check.
    """

    no: str
    line_no: int
    operation_no: str | None
    check: QualityCheck
    quantity: Decimal = attrs.field(converter=as_decimal)
    covered_quantity: Decimal = attrs.field(converter=as_decimal)
    created_at: dt.datetime
    status: QualityOrderStatus = QualityOrderStatus.OPEN
    results: tuple[QualityResult, ...] = attrs.field(default=(), validator=tuple_of(QualityResult))
    failed_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    disposition: str = ""  # what resolved a failure (e.g. "SCRAP 5 code QC")

    @property
    def blocking(self) -> bool:
        """Open or failed: still blocks what the check says it blocks."""
        return self.status in (QualityOrderStatus.OPEN, QualityOrderStatus.FAILED)


@attrs.frozen
class StatusChange:
    """One entry of an order's status history."""

    from_status: OrderStatus | None  # None: created
    to_status: OrderStatus
    at: dt.datetime
    reason: str = ""


@attrs.frozen
class ProductionOrder:
    """A production order. ``version`` increases by one with every saved change."""

    id: str
    status: OrderStatus
    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    due_date: dt.date = attrs.field(kw_only=True)
    location_code: str = attrs.field(default="", kw_only=True)
    description: str = attrs.field(default="", kw_only=True)
    lines: tuple[OrderLine, ...] = attrs.field(
        default=(), validator=tuple_of(OrderLine), kw_only=True
    )
    history: tuple[StatusChange, ...] = attrs.field(
        default=(), validator=tuple_of(StatusChange), kw_only=True
    )
    version: int = attrs.field(default=0, kw_only=True)
    starting: dt.datetime | None = attrs.field(default=None, kw_only=True)
    ending: dt.datetime | None = attrs.field(default=None, kw_only=True)
    finished_at: dt.datetime | None = attrs.field(default=None, kw_only=True)
    has_postings: bool = attrs.field(default=False, kw_only=True)
    quality_orders: tuple[QualityOrder, ...] = attrs.field(
        default=(), validator=tuple_of(QualityOrder), kw_only=True
    )
    # job registrations (shop-floor time) on its operations, in the order started
    registrations: tuple[Registration, ...] = attrs.field(
        default=(), validator=tuple_of(Registration), kw_only=True
    )
    # on hold (postings refused) while not None: the reason given
    hold_reason: str | None = attrs.field(default=None, kw_only=True)
    # cancelled (read-only, nothing posted) when set
    cancelled_at: dt.datetime | None = attrs.field(default=None, kw_only=True)
    cancel_reason: str = attrs.field(default="", kw_only=True)
    # the order this one was split off (or is the backorder of)
    origin_order_id: str | None = attrs.field(default=None, kw_only=True)
    profile: StatusProfile = attrs.field(default=StatusProfile.BC, kw_only=True)
    # D365 profile only: the status the host sees (``status`` is the one it stands on)
    d365_status: D365Status | None = attrs.field(default=None, kw_only=True)
    # D365 profile only: the quantity started so far (drives the Start flushing principle)
    started_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)

    @property
    def posting_refusal(self) -> str | None:
        """Why the order takes no postings although released (held, cancelled), or None."""
        if self.cancelled_at is not None:
            return "the order is cancelled"
        if self.hold_reason is not None:
            return f"the order is on hold: {self.hold_reason}"
        return None

    @property
    def has_net_postings(self) -> bool:
        """Something posted to it is not reversed: a counter of a line, component or
        operation is not zero."""
        return (
            any(line.finished_quantity or line.scrap_quantity for line in self.lines)
            or any(comp.consumed_quantity for _line, comp in self.iter_components())
            or any(
                op.output_quantity
                or op.scrap_quantity
                or op.posted_setup_time
                or op.posted_run_time
                for _line, op in self.iter_operations()
            )
        )

    def quality_order(self, no: str) -> QualityOrder:
        for qo in self.quality_orders:
            if qo.no == no:
                return qo
        raise NotFoundError(kind=f"Quality order of order {self.id}", key=no)

    def line(self, line_no: int) -> OrderLine:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise NotFoundError(kind=f"Line of order {self.id}", key=line_no)

    def iter_components(self) -> Iterator[tuple[OrderLine, Component]]:
        for line in self.lines:
            for comp in line.components:
                yield line, comp

    def iter_operations(self) -> Iterator[tuple[OrderLine, Operation]]:
        for line in self.lines:
            for op in line.operations:
                yield line, op

    def replace_line(self, line: OrderLine) -> ProductionOrder:
        """A copy with ``line`` in place of the line with the same number (the order
        itself when that line is ``line`` already)."""
        lines = tuple(line if ln.line_no == line.line_no else ln for ln in self.lines)
        if all(map(operator.is_, lines, self.lines)):  # the same length
            return self
        return revise(self, lines=lines)
