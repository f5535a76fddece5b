"""Capacity postings on a :class:`~prodcore.orders.builder.PostingBuilder`: the cost of
time on a work or machine centre, a subcontracting receipt's cost, stop time, and the
capacity journal (time on a centre tied to no order, never valued).

Capacity cost follows :func:`~prodcore.ledger.posting.capacity_cost`: the centre's unit
cost (the operation's, with a specific unit cost) split into direct and indirect cost. A
subcontracting receipt is costed at its purchase price instead, with the centre's
indirect % and overhead rate on top. A blocked centre takes no postings
(:class:`~prodcore.errors.BlockedError`).
"""

from __future__ import annotations

from decimal import Decimal

from prodcore.errors import BlockedError
from prodcore.ledger.model import ValueEntryType, ValueSource
from prodcore.ledger.posting import capacity_cost
from prodcore.masterdata import CapacityType, MachineCenter, UnitCostCalculation, WorkCenter
from prodcore.numbers import ZERO, Duration, TimeUnit
from prodcore.orders.builder import PostingBuilder, capacity_quantity
from prodcore.orders.journals import CapacityLine
from prodcore.orders.model import Operation, OrderLine

__all__ = [
    "capacity_values",
    "post_capacity",
    "post_stop_time",
    "postable_centre",
    "subcontract_values",
]


def postable_centre(
    b: PostingBuilder, type_: CapacityType, no: str
) -> tuple[WorkCenter, MachineCenter | None]:
    """The centre (a machine centre with its work centre), refused if either is blocked."""
    wc, mc = b.centre(type_, no)
    if mc is not None and mc.blocked:
        raise BlockedError(kind="Machine center", key=mc.no)
    if wc.blocked:
        raise BlockedError(kind="Work center", key=wc.no)
    return wc, mc


def _values(
    b: PostingBuilder,
    cap_ref: int,
    cap_qty: Decimal,
    parts: tuple[tuple[ValueEntryType, Decimal, Decimal], ...],
    order_id: str | None,
    line_no: int | None,
) -> None:
    for entry_type, amount, residual in parts:
        if amount == 0 and residual == 0:
            continue
        b.value_entry(
            entry_type,
            ValueSource.CAPACITY,
            amount,
            ZERO,
            valued_quantity=cap_qty,
            capacity_entry_no=cap_ref,
            order_id=order_id,
            order_line_no=line_no,
            rounding_residual=residual,
        )


def capacity_values(
    b: PostingBuilder,
    cap_ref: int,
    cap_qty: Decimal,
    wc: WorkCenter,
    mc: MachineCenter | None,
    op: Operation | None,
    order_id: str | None,
    line_no: int | None,
) -> None:
    """The direct and indirect cost of ``cap_qty`` on the centre (machine centre costs
    first; the operation's unit cost when the work centre has a specific unit cost),
    costed as the capacity entry carries it (:func:`~prodcore.orders.builder.capacity_quantity`)."""
    cap_qty = capacity_quantity(cap_qty)
    costs: WorkCenter | MachineCenter = mc or wc
    unit_cost = op.unit_cost_per if (wc.specific_unit_cost and op is not None) else costs.unit_cost
    split = capacity_cost(
        cap_qty,
        unit_cost=unit_cost,
        indirect_percent=costs.indirect_cost_percent,
        overhead_rate=costs.overhead_rate,
        rounding=b.money,
    )
    parts = (
        (ValueEntryType.DIRECT_COST, split.direct, split.residual),
        (ValueEntryType.INDIRECT_COST, split.indirect, ZERO),
    )
    _values(b, cap_ref, cap_qty, parts, order_id, line_no)


def subcontract_values(
    b: PostingBuilder,
    cap_ref: int,
    cap_qty: Decimal,
    unit_cost: Decimal,
    wc: WorkCenter,
    order_id: str,
    line_no: int,
) -> None:
    """A subcontracting receipt's cost: the purchase price as direct cost of the
    capacity entry (actual, no expected cost), the centre's indirect % and overhead
    rate on top as indirect cost."""
    cap_qty = capacity_quantity(cap_qty)
    cost = cap_qty * unit_cost
    direct = b.money.apply(cost)
    overhead = cap_qty * (unit_cost * wc.indirect_cost_percent / 100 + wc.overhead_rate)
    indirect = b.money.apply(overhead)
    parts = (
        (ValueEntryType.DIRECT_COST, direct, cost - direct),
        (ValueEntryType.INDIRECT_COST, indirect, overhead - indirect),
    )
    _values(b, cap_ref, cap_qty, parts, order_id, line_no)


def post_stop_time(
    b: PostingBuilder,
    type_: CapacityType,
    no: str,
    work_center_no: str,
    stop_time: Duration,
    unit: TimeUnit,
    stop_code: str | None,
    *,
    order: tuple[str, OrderLine, Operation] | None = None,
    description: str = "",
) -> None:
    """A stop-time capacity entry (its quantity is the stop time; no value), if any."""
    if stop_time.is_zero():
        return
    stop_t = stop_time.in_units(unit)
    b.capacity_entry(
        type_,
        no,
        work_center_no,
        stop_t,
        time_unit=unit,
        stop_time=stop_t,
        stop_code=stop_code,
        order=order,
        description=description,
    )


def post_capacity(b: PostingBuilder, cl: CapacityLine) -> None:
    """A capacity journal line: a stop-time entry and an entry for the time and
    quantities (none when all are zero); no value entries."""
    wc, _mc = postable_centre(b, cl.type, cl.no)
    unit = wc.capacity_unit
    setup_t, run_t = cl.setup_time.in_units(unit), cl.run_time.in_units(unit)
    if wc.unit_cost_calculation is UnitCostCalculation.UNITS:
        cap_qty = cl.output_quantity + cl.scrap_quantity
    else:
        cap_qty = setup_t + run_t
    post_stop_time(
        b, cl.type, cl.no, wc.no, cl.stop_time, unit, cl.stop_code, description=cl.description
    )
    if cap_qty or setup_t or run_t or cl.output_quantity or cl.scrap_quantity:
        b.capacity_entry(
            cl.type,
            cl.no,
            wc.no,
            cap_qty,
            time_unit=unit,
            setup_time=setup_t,
            run_time=run_t,
            output_quantity=cl.output_quantity,
            scrap_quantity=cl.scrap_quantity,
            scrap_code=cl.scrap_code,
            description=cl.description,
        )
