"""Stored allocations as work is posted: what of a schedule's allocations is still needed.

A schedule's allocations (BC: Prod. Order Capacity Need) are stored as it produced them.
As output, scrap and setup time are posted, the operation needs less: the work done
used the earliest allocated time, so :func:`remaining_allocations` drops (or shortens)
allocations from the start of each operation until what is left equals the
operation's remaining need. A finished operation keeps none. Finishing the order removes
them all (the store does it when the order is saved finished).

>>> import datetime as dt
>>> from prodcore.masterdata import CapacityType, MasterData, WorkCenter
>>> from prodcore.numbers import Duration
>>> from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
>>> from prodcore.scheduling.schedule import Allocation
>>> md = MasterData.of(work_centers=[WorkCenter("SAW")])
>>> op = Operation("10", CapacityType.WORK_CENTER, "SAW", "SAW", run_time=Duration(60),
...                input_quantity=10, output_quantity=3)
>>> order = ProductionOrder("PO-1", OrderStatus.RELEASED, "X", 10, due_date=dt.date(2026, 3, 6),
...                         lines=(OrderLine(1, "X", 10, operations=(op,)),), has_postings=True)
>>> def day(d, minutes):
...     start = dt.datetime(2026, 3, d, 8, tzinfo=dt.UTC)
...     return Allocation("PO-1", OrderStatus.RELEASED, 1, "10", CapacityType.WORK_CENTER, "SAW",
...                       "SAW", start.date(), start, start + dt.timedelta(minutes=minutes), 0, minutes)
>>> left = remaining_allocations(order, [day(2, 480), day(3, 120)], md)
>>> [(a.starting.isoformat(), str(a.run)) for a in left]
[('2026-03-02T11:00:00+00:00', '300'), ('2026-03-03T08:00:00+00:00', '120')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import attrs

from prodcore.numbers import ZERO
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import Operation, ProductionOrder
from prodcore.scheduling.needs import operation_need
from prodcore.scheduling.schedule import Allocation

__all__ = ["remaining_allocations"]

_MICROSECOND = dt.timedelta(microseconds=1)


def remaining_allocations(
    order: ProductionOrder, allocations: Iterable[Allocation], md: MasterDataLookup
) -> tuple[Allocation, ...]:
    """``allocations`` of ``order`` less the work already posted (see the module)."""
    found = tuple(allocations)
    if not order.has_postings:
        return found
    ops: dict[tuple[int, str], Operation] = {
        (line.line_no, op.operation_no): op for line in order.lines for op in line.operations
    }
    per_op: dict[tuple[int, str], list[Allocation]] = {}
    for a in found:
        per_op.setdefault((a.line_no, a.operation_no), []).append(a)
    kept: list[Allocation] = []
    for key, own in per_op.items():
        op = ops.get(key)
        if op is None:  # the operation is gone from the order: nothing is needed for it
            continue
        own.sort(key=lambda a: a.starting)
        done = (
            sum((a.allocated for a in own), ZERO) - operation_need(op, md, remaining=True).allocated
        )
        for a in own:
            if done <= 0:
                kept.append(a)
            elif done >= a.allocated:
                done -= a.allocated
            else:
                kept.append(_shortened(a, done))
                done = ZERO
    kept.sort(key=lambda a: (a.starting, a.line_no, a.operation_no))
    return tuple(kept)


def _shortened(a: Allocation, done: Decimal) -> Allocation:
    """``a`` less its first ``done`` of allocation (setup is done first)."""
    setup_done = min(done, a.setup)
    span = (a.ending - a.starting) // _MICROSECOND
    moved = int(span * done / a.allocated)  # rounded down to the microsecond
    return attrs.evolve(
        a,
        starting=a.starting + moved * _MICROSECOND,
        setup=a.setup - setup_done,
        run=a.run - (done - setup_done),
    )
