"""Capacity needs of operations: what is allocated, and how long it takes (Business Central).

With *c* = capacity used = min(centre capacity, routing concurrent capacities) and
*eff* = the centre's efficiency %:

* setup: allocated = setup × c; duration = setup / (eff/100);
* run: allocated = run time × input quantity / routing lot size (independent of
  efficiency and capacity); duration = run / (eff/100) / c;
* allocated times are rounded to five decimals of the centre's unit (BC's precision of
  capacity needs) so that loads add up exactly; durations are kept exact;
* wait and move time only elapse; the work centre's queue time comes before the
  operation. Lead time = queue + setup + run durations + wait + move.

Every amount is expressed in the centre's capacity unit. While an operation runs it
consumes allocation at the rate ``c × eff/100`` per unit of working time, for setup and
run alike, which is how the scheduler spreads it over calendar entries.

Example (run 2 h, efficiency 80, capacity 1):

>>> from prodcore.numbers import Duration, TimeUnit
>>> need = capacity_need(setup=Duration(0, TimeUnit.HOUR), run=Duration(2, TimeUnit.HOUR),
...                      quantity=1, capacity=1, efficiency_percent=80, unit=TimeUnit.HOUR)
>>> need.run_allocated, need.run_duration
(Decimal('2'), Decimal('2.5'))
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import attrs

from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType, MachineCenter, WorkCenter
from prodcore.numbers import (
    HUNDRED,
    ONE,
    ZERO,
    Duration,
    TimeUnit,
    as_decimal,
    in_own_context,
    to_decimal,
)
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import Operation, RoutingStatus

__all__ = [
    "ALLOCATION_QUANTUM",
    "OperationNeed",
    "capacity_need",
    "operation_need",
    "quantize_time",
    "remaining_work",
]

ALLOCATION_QUANTUM: Final = Decimal("0.00001")


def quantize_time(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Allocated time to BC's five decimals of the centre unit; values that already fit
    are returned unchanged (so 2 stays ``Decimal('2')``). Allocations on this grid add up
    exactly, whatever the order of summation.

    >>> quantize_time(Decimal(2) / 3), quantize_time(Decimal("2.5"))
    (Decimal('0.66667'), Decimal('2.5'))
    """
    if value.as_tuple().exponent >= -5:  # type: ignore[operator]
        return value
    return value.quantize(ALLOCATION_QUANTUM, rounding=rounding)


@attrs.frozen
class OperationNeed:
    """The capacity need of one operation, every amount in ``unit``."""

    unit: TimeUnit
    capacity_used: Decimal = attrs.field(converter=as_decimal)
    efficiency_percent: Decimal = attrs.field(converter=as_decimal)
    setup_allocated: Decimal = attrs.field(converter=as_decimal)
    run_allocated: Decimal = attrs.field(converter=as_decimal)
    setup_duration: Decimal = attrs.field(converter=as_decimal)
    run_duration: Decimal = attrs.field(converter=as_decimal)
    queue: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    wait: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    move: Decimal = attrs.field(default=ZERO, converter=as_decimal)

    @property
    def allocated(self) -> Decimal:
        """Setup + run allocated: the load the operation puts on its centre."""
        return self.setup_allocated + self.run_allocated

    @property
    def duration(self) -> Decimal:
        """Setup + run duration (working time on the centre's calendar)."""
        return self.setup_duration + self.run_duration

    @property
    def lead_time(self) -> Decimal:
        """Queue + setup + run + wait + move."""
        return self.queue + self.duration + self.wait + self.move

    @property
    def rate(self) -> Decimal:
        """Allocation consumed per unit of working time: ``c × eff / 100``."""
        return self.capacity_used * self.efficiency_percent / HUNDRED

    def as_duration(self, amount: Decimal) -> Duration:
        return Duration(amount, self.unit)


@in_own_context
def capacity_need(
    *,
    setup: Duration,
    run: Duration,
    quantity: Decimal | int | str,
    capacity: Decimal | int | str,
    efficiency_percent: Decimal | int | str,
    unit: TimeUnit,
    concurrent_capacities: Decimal | int | str | None = None,
    lot_size: Decimal | int | str = 1,
    queue: Duration | None = None,
    wait: Duration | None = None,
    move: Duration | None = None,
) -> OperationNeed:
    """The need from raw figures. ``run`` is per ``lot_size`` units.

    Example (shared setup): setup 2 h, concurrent capacities 0.2 ⇒ allocated 24 min,
    duration still 2 h.

    >>> n = capacity_need(setup=Duration(2, TimeUnit.HOUR), run=Duration.zero(), quantity=1,
    ...                   capacity=1, concurrent_capacities="0.2", efficiency_percent=100,
    ...                   unit=TimeUnit.MINUTE)
    >>> n.setup_allocated, n.setup_duration
    (Decimal('24.0'), Decimal('120'))
    """
    qty = to_decimal(quantity, "quantity")
    cap = to_decimal(capacity, "capacity")
    eff = to_decimal(efficiency_percent, "efficiency_percent")
    lot = to_decimal(lot_size, "lot_size")
    if cap < 0:
        raise InvalidValueError(field="capacity", value=cap, reason="must not be negative")
    if eff <= 0:
        raise InvalidValueError(field="efficiency_percent", value=eff, reason="must be positive")
    if qty < 0:
        raise InvalidValueError(field="quantity", value=qty, reason="must not be negative")
    if lot <= 0:
        raise InvalidValueError(field="lot_size", value=lot, reason="must be positive")
    used = cap
    if concurrent_capacities is not None:
        conc = to_decimal(concurrent_capacities, "concurrent_capacities")
        if conc <= 0:
            raise InvalidValueError(
                field="concurrent_capacities", value=conc, reason="must be positive"
            )
        used = min(cap, conc)
    for name, d in (("setup", setup), ("run", run)):
        if d.amount < 0:
            raise InvalidValueError(field=name, value=d, reason="must not be negative")
    setup_amount = setup.in_units(unit)
    run_amount = run.in_units(unit) * qty / lot
    factor = eff / HUNDRED
    if used == 0 and (setup_amount > 0 or run_amount > 0):
        raise InvalidValueError(
            field="capacity", value=used, reason="an operation with time needs capacity above 0"
        )
    return OperationNeed(
        unit=unit,
        capacity_used=used,
        efficiency_percent=eff,
        setup_allocated=quantize_time(setup_amount * used),
        run_allocated=quantize_time(run_amount),
        setup_duration=setup_amount / factor,
        run_duration=run_amount / factor / used if run_amount else ZERO,
        queue=queue.in_units(unit) if queue else ZERO,
        wait=wait.in_units(unit) if wait else ZERO,
        move=move.in_units(unit) if move else ZERO,
    )


@in_own_context
def remaining_work(op: Operation) -> tuple[Duration, Decimal]:
    """(setup still to do, quantity still to run) of an operation with postings: setup less
    the posted setup time, input quantity less output and scrap; nothing once finished.

    >>> op = Operation("10", CapacityType.WORK_CENTER, "P", "P", setup_time=Duration(30),
    ...                input_quantity=100, output_quantity=60, scrap_quantity=5, posted_setup_time=30)
    >>> remaining_work(op)
    (Duration('0', 'MIN'), Decimal('35'))
    """
    if op.status is RoutingStatus.FINISHED:
        return Duration.zero(op.setup_time.unit), ZERO
    setup = max(op.setup_time.amount - op.posted_setup_time, ZERO)
    quantity = max(op.input_quantity - op.output_quantity - op.scrap_quantity, ZERO)
    return Duration(setup, op.setup_time.unit), quantity


@in_own_context
def operation_need(
    op: Operation,
    md: MasterDataLookup,
    *,
    quantity: Decimal | None = None,
    remaining: bool = False,
) -> OperationNeed:
    """The need of an order operation, with its centre's capacity, efficiency, unit and
    queue time (a machine centre uses its work centre's unit and queue time). The run
    quantity is the operation's input quantity unless ``quantity`` is given; with
    ``remaining`` only the work not yet posted counts (:func:`remaining_work`).

    >>> from prodcore.masterdata import MasterData
    >>> md = MasterData.of(work_centers=[WorkCenter("P", capacity_unit=TimeUnit.HOUR)])
    >>> op = Operation("10", CapacityType.WORK_CENTER, "P", "P", setup_time=Duration(2, TimeUnit.HOUR),
    ...                concurrent_capacities="0.5", input_quantity=1)
    >>> operation_need(op, md).setup_allocated
    Decimal('1.0')
    """
    centre: WorkCenter | MachineCenter
    if op.type is CapacityType.MACHINE_CENTER:
        centre = md.machine_center(op.no)
        wc = md.work_center(centre.work_center_no)
    else:
        centre = wc = md.work_center(op.no)
    capacity = centre.capacity
    efficiency = centre.efficiency_percent
    if isinstance(centre, WorkCenter) and centre.consolidated_calendar:
        efficiency = HUNDRED
    setup, run_quantity = remaining_work(op) if remaining else (op.setup_time, op.input_quantity)
    return capacity_need(
        setup=setup,
        run=op.run_time,
        quantity=run_quantity if quantity is None else quantity,
        capacity=capacity,
        efficiency_percent=efficiency,
        unit=wc.capacity_unit,
        concurrent_capacities=op.concurrent_capacities,
        lot_size=op.lot_size if op.lot_size > 0 else ONE,
        queue=wc.queue_time,
        wait=op.wait_time,
        move=op.move_time,
    )
