"""The optional optimising mode of sequencing: OR-Tools CP-SAT chooses the sequence.

``pip install 'prodcore[optimize]'`` brings OR-Tools. :func:`optimize_sequence` builds a
job-shop model of the orders (each operation an interval of its working time on its
centre, operations of an order one after the other, at most the centre's capacity at
once, every time in whole working minutes from ``start`` of the operation's calendar)
and asks CP-SAT, within ``time_limit`` seconds, for the start times that minimise the
total lateness against the due moments (``objective="lateness"``) or the end of the
last order (``"makespan"``). The model leaves out queue, wait and move times, send-ahead
and the calendars' breaks between working periods, so its solution is used only for the
**sequence**: the orders are placed in the order of their model start by the exact
finite engine (:func:`~prodcore.scheduling.sequencing.sequence_orders`), which honours
everything. Placing greedily by due date is also tried and the better of the two is
returned, so the result is never worse than the greedy sequence by due date.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from prodcore.errors import InvalidValueError
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import ProductionOrder
from prodcore.scheduling.calendar import Calendars, to_micros
from prodcore.scheduling.engine import _centre_figures, _Engine
from prodcore.scheduling.needs import operation_need
from prodcore.scheduling.schedule import Allocation
from prodcore.scheduling.sequencing import SequenceResult, order_due, sequence_orders

__all__ = ["optimize_sequence"]

_MINUTE_US = 60_000_000


def _cp_model() -> ModuleType:
    try:
        return importlib.import_module("ortools.sat.python.cp_model")
    except ImportError as exc:
        raise ImportError(
            "OR-Tools is needed for the optimising mode: pip install 'prodcore[optimize]'"
        ) from exc


def _score(result: SequenceResult, objective: str) -> tuple[int, dt.timedelta]:
    """Lower is better: orders left out first, then the objective."""
    if objective == "makespan":
        end = result.makespan_end
        spread = dt.timedelta(0) if end is None else end - min(o.starting for o in result.orders)
        return len(result.unplaced), spread
    return len(result.unplaced), result.total_lateness


def optimize_sequence(
    orders: Sequence[ProductionOrder],
    md: MasterDataLookup,
    calendars: Calendars,
    *,
    start: dt.datetime,
    objective: str = "lateness",
    time_limit: float = 10.0,
    existing: Sequence[Allocation] = (),
    ending_time: dt.time = dt.time(16),
    horizon: dt.datetime | None = None,
) -> SequenceResult:
    """Sequence ``orders`` finite from ``start`` with the sequence CP-SAT finds best for
    ``objective`` (see the module); the result as :func:`sequence_orders` gives it."""
    if objective not in ("lateness", "makespan"):
        raise InvalidValueError(
            field="objective", value=objective, reason="must be 'lateness' or 'makespan'"
        )
    cp = _cp_model()
    model: Any = cp.CpModel()
    t0 = to_micros(start, "start")
    horizon_min = 0
    jobs: dict[str, list[tuple[Any, Any, tuple[Any, str]]]] = {}
    durations: dict[str, list[int]] = {}
    for order in orders:
        ops = [op for line in order.lines for op in line.operations]
        durations[order.id] = [
            max(1, round(operation_need(op, md).duration * operation_need(op, md).unit.minutes))
            for op in ops
        ]
        horizon_min += sum(durations[order.id])
    horizon_min += 1
    per_centre: dict[tuple[Any, str], list[Any]] = {}
    lateness = []
    ends = []
    for order in orders:
        ops = [op for line in order.lines for op in line.operations]
        previous = None
        chain = []
        for op, length in zip(ops, durations[order.id], strict=True):
            begin = model.NewIntVar(0, horizon_min, f"s_{order.id}_{op.operation_no}")
            finish = model.NewIntVar(0, horizon_min, f"e_{order.id}_{op.operation_no}")
            interval = model.NewIntervalVar(
                begin, length, finish, f"i_{order.id}_{op.operation_no}"
            )
            per_centre.setdefault((op.type, op.no), []).append(interval)
            if previous is not None:
                model.Add(begin >= previous)
            previous = finish
            chain.append((begin, finish, (op.type, op.no)))
        jobs[order.id] = chain
        if previous is None:
            continue
        ends.append(previous)
        last = ops[-1]
        due_us = to_micros(order_due(order, calendars, ending_time), "due")
        due_min = _Engine.worked(calendars.get(last.type, last.no), t0, due_us) // _MINUTE_US
        late = model.NewIntVar(0, horizon_min, f"late_{order.id}")
        model.Add(late >= previous - due_min)
        lateness.append(late)
    for (ctype, no), intervals in per_centre.items():
        capacity = max(1, int(_centre_figures(md, ctype, no)[0]))
        model.AddCumulative(intervals, [1] * len(intervals), capacity)
    if objective == "makespan":
        span = model.NewIntVar(0, horizon_min, "makespan")
        model.AddMaxEquality(span, ends or [0])
        model.Minimize(span)
    else:
        model.Minimize(sum(lateness))
    solver: Any = cp.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    # one worker and a fixed seed: the same orders give the same sequence on every run
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.Solve(model)
    greedy = sequence_orders(
        orders, md, calendars, start=start, existing=existing, ending_time=ending_time,
        horizon=horizon,
    )  # fmt: skip
    if status not in (cp.OPTIMAL, cp.FEASIBLE):
        return greedy
    first = {
        order_id: min((solver.Value(b) for b, _, _ in chain), default=0)
        for order_id, chain in jobs.items()
    }
    guided = sequence_orders(
        orders, md, calendars, start=start, existing=existing, ending_time=ending_time,
        horizon=horizon, key=lambda o: (first[o.id], o.id),
    )  # fmt: skip
    return guided if _score(guided, objective) < _score(greedy, objective) else greedy
