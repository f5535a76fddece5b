"""What is wrong with stored allocations (the part of :func:`prodcore.integrity.verify`
that re-checks a store's capacity needs).

An allocation must belong to an open order of the store, to an operation of that order,
and to a known centre the operation may run on (its own or one of its alternatives); at
no moment may a centre's allocations use more than its capacity. The capacity an
allocation uses is the rate at which its time was taken: allocated time ÷ (its working
time × efficiency / 100); a one-machine centre at 100 % running two allocations at once
uses 2. As in the load view, an order's allocations count less the work posted on it
(:func:`~prodcore.scheduling.allocations.remaining_allocations`).

>>> import datetime as dt
>>> from prodcore.masterdata import CapacityType, MasterData, WorkCenter
>>> from prodcore.orders.model import OrderStatus
>>> from prodcore.scheduling.schedule import Allocation
>>> from prodcore.testing.shop import operation, routed_order
>>> md = MasterData.of(work_centers=[WorkCenter("SAW")])
>>> orders = {no: routed_order(no, [operation("10", "SAW", run=60)]) for no in ("PO-1", "PO-2")}
>>> def booked(order_id, op, hour):
...     start = dt.datetime(2026, 1, 5, hour, tzinfo=dt.UTC)
...     return Allocation(order_id, OrderStatus.RELEASED, 1, op, CapacityType.WORK_CENTER, "SAW",
...                       "SAW", start.date(), start, start + dt.timedelta(hours=1), 0, 60)
>>> tampered = [booked("PO-1", "10", 8), booked("PO-2", "10", 8), booked("PO-1", "20", 9),
...             booked("PO-9", "10", 12)]
>>> for key, message in allocation_problems(orders, tampered, md):
...     print(key, message)
PO-1/1/20 operation 20 of line 1 is not on the order
PO-9/1/10 order PO-9 does not exist
WC SAW capacity 1 exceeded from 2026-01-05T08:00:00+00:00: 2 in use
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal

from prodcore.errors import NotFoundError
from prodcore.masterdata import CapacityType
from prodcore.numbers import HUNDRED, ZERO
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import Operation, OrderStatus, ProductionOrder
from prodcore.scheduling.allocations import remaining_allocations
from prodcore.scheduling.calendar import CentreKey, centre_label, to_micros
from prodcore.scheduling.schedule_types import Allocation

__all__ = ["allocation_problems"]

# rates derived from microsecond-rounded times differ from the capacity by crumbs
_TOLERANCE = Decimal("0.001")


def allocation_problems(
    orders: Mapping[str, ProductionOrder], allocations: Iterable[Allocation], md: MasterDataLookup
) -> Iterator[tuple[str, str]]:
    """(key, message) for each problem of ``allocations`` against the store's ``orders``
    (by id) and master data (see the module)."""
    operations: dict[str, dict[tuple[int, str], Operation]] = {}
    centres: dict[CentreKey, tuple[Decimal, Decimal] | None] = {}
    usage: dict[CentreKey, list[tuple[int, Decimal]]] = {}
    valid: dict[str, list[Allocation]] = {}
    for a in allocations:
        key = f"{a.order_id}/{a.line_no}/{a.operation_no}"
        order = orders.get(a.order_id)
        if order is None:
            yield key, f"order {a.order_id} does not exist"
            continue
        if order.status is OrderStatus.FINISHED:
            yield key, f"order {a.order_id} is finished"
            continue
        ops = operations.get(order.id)
        if ops is None:
            ops = operations[order.id] = {
                (line.line_no, op.operation_no): op
                for line in order.lines
                for op in line.operations
            }
        op = ops.get((a.line_no, a.operation_no))
        if op is None:
            yield key, f"operation {a.operation_no} of line {a.line_no} is not on the order"
            continue
        if a.no != op.no and a.no not in op.alternatives:
            yield key, f"{centre_label(a.key)} is not a centre operation {op.operation_no} runs on"
            continue
        if a.key not in centres:
            centres[a.key] = _capacity(md, *a.key)
        if centres[a.key] is None:
            yield key, f"{centre_label(a.key)} does not exist"
            continue
        valid.setdefault(order.id, []).append(a)
    for order_id, own in valid.items():
        # the load: what is left once the work posted took the earliest allocated time
        for a in remaining_allocations(orders[order_id], own, md):
            s, e = to_micros(a.starting), to_micros(a.ending)
            figures = centres[a.key]
            if e > s and a.allocated > 0 and figures is not None:
                minutes = Decimal(e - s) / 60_000_000
                used = a.allocated * a.unit.minutes * HUNDRED / (minutes * figures[1])
                events = usage.setdefault(a.key, [])
                events.append((s, used))
                events.append((e, -used))
    for centre, events in usage.items():
        capacity = centres[centre]
        assert capacity is not None  # only known centres have usage
        yield from _overloads(centre, events, capacity[0])


def _capacity(md: MasterDataLookup, ctype: CapacityType, no: str) -> tuple[Decimal, Decimal] | None:
    """(capacity, efficiency) of a centre, None when it does not exist."""
    try:
        if ctype is CapacityType.MACHINE_CENTER:
            mc = md.machine_center(no)
            return mc.capacity, mc.efficiency_percent
        wc = md.work_center(no)
    except NotFoundError:
        return None
    return wc.capacity, HUNDRED if wc.consolidated_calendar else wc.efficiency_percent


def _overloads(
    centre: CentreKey, events: list[tuple[int, Decimal]], capacity: Decimal
) -> Iterator[tuple[str, str]]:
    """One problem per stretch of time the centre's allocations use more than its
    capacity (a sweep over their starts and ends: ends first at the same moment)."""
    events.sort(key=lambda ev: (ev[0], ev[1] > 0))
    level = ZERO
    over = False
    for moment, change in events:
        level += change
        if level > capacity + _TOLERANCE and not over:
            over = True
            at = dt.datetime.fromtimestamp(moment / 1_000_000, dt.UTC).isoformat()
            shown = level.quantize(Decimal("0.01")).normalize()
            yield centre_label(centre), f"capacity {capacity} exceeded from {at}: {shown} in use"
        elif level <= capacity + _TOLERANCE:
            over = False
