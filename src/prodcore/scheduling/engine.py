"""The placement engine of the scheduler: operations laid over centre calendars, forward
or backward, with infinite or finite capacity (pure)."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, Decimal

import attrs

from prodcore.errors import InvalidValueError
from prodcore.masterdata import CapacityType
from prodcore.numbers import HUNDRED, ONE, ZERO, Duration, TimeUnit
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import Operation, OrderLine, ProductionOrder
from prodcore.scheduling.calendar import (
    Calendars,
    CentreCalendar,
    CentreKey,
    from_micros,
    to_micros,
)
from prodcore.scheduling.errors import NoCapacityError
from prodcore.scheduling.needs import ALLOCATION_QUANTUM, quantize_time, remaining_work
from prodcore.scheduling.schedule_types import Allocation, CapacityMode, ScheduledOperation

# ---------------------------------------------------------------------------- engine

_Segment = tuple[int, int, int, Decimal]  # (entry index, start µs, end µs, allocation)


# allocation a partial take may fall short of its window by (the 5-decimal grid):
# a remainder up to this much is finished in the same entry instead of spilling over
_SLACK = Decimal("0.0001")


class _Need:
    """The figures of :class:`OperationNeed` the engine uses, computed without building
    records (the same formulas as :func:`~prodcore.scheduling.needs.capacity_need`)."""

    __slots__ = (
        "allocated",
        "capacity_used",
        "factor",
        "quantity",
        "queue",
        "rate",
        "run_allocated",
        "run_duration",
        "setup_allocated",
        "wait_move",
    )

    def __init__(
        self,
        op: Operation,
        centre: tuple[Decimal, Decimal, TimeUnit, Decimal],
        remaining: bool = False,
    ) -> None:
        capacity, efficiency, unit, queue = centre
        used = min(capacity, op.concurrent_capacities)
        setup_time, quantity = (
            remaining_work(op) if remaining else (op.setup_time, op.input_quantity)
        )
        setup = _in_unit(setup_time, unit)
        run = _in_unit(op.run_time, unit) * quantity / (op.lot_size if op.lot_size > 0 else ONE)
        self.quantity = quantity
        if used <= 0 and (setup > 0 or run > 0):
            raise InvalidValueError(
                field="capacity", value=used, reason="an operation with time needs capacity above 0"
            )
        if setup < 0 or run < 0:
            raise InvalidValueError(
                field="time", value=op.operation_no, reason="must not be negative"
            )
        factor = efficiency / HUNDRED
        self.setup_allocated = quantize_time(setup * used)
        self.run_allocated = quantize_time(run)
        self.allocated = self.setup_allocated + run
        self.rate = used * factor
        self.capacity_used = used
        self.factor = factor
        self.run_duration = run / factor / used if run else ZERO
        self.queue = queue
        self.wait_move = _in_unit(op.wait_time, unit) + _in_unit(op.move_time, unit)


def _in_unit(duration: Duration, unit: TimeUnit) -> Decimal:
    if duration.unit is unit:
        return duration.amount
    return duration.amount * duration.unit.minutes / unit.minutes


@attrs.define
class _Placement:
    start: int
    end: int
    segments: list[_Segment]
    usage: list[tuple[int, int, Decimal]] = attrs.field(factory=list)  # (start, end, capacity)


_MIN_TIME = -(1 << 62)

OperationKey = tuple[str, int, str]  # (order id, line no, operation no)


def _append(
    segments: list[_Segment],
    usage: list[tuple[int, int, Decimal]],
    i: int,
    s: int,
    e: int,
    amount: Decimal,
    used: Decimal,
    *,
    forward: bool,
) -> None:
    """Add a piece of a finite placement; it continues the previous segment (same entry,
    no gap, same capacity in use) or starts a new one."""
    if segments and usage[-1][2] == used:
        j, ps, pe, pa = segments[-1]
        if j == i and (pe == s if forward else ps == e):
            segments[-1] = (i, ps, e, pa + amount) if forward else (i, s, pe, pa + amount)
            us, ue, _ = usage[-1]
            usage[-1] = (us, e, used) if forward else (s, ue, used)
            return
    segments.append((i, s, e, amount))
    usage.append((s, e, used))


def _ceil(value: Decimal) -> int:
    return math.ceil(value)


class _Engine:
    """Mutable working state of one scheduling run (never escapes the function)."""

    def __init__(
        self,
        calendars: Calendars,
        md: MasterDataLookup,
        mode: CapacityMode,
        horizon: dt.datetime | None,
        remaining: bool = False,
        kept: Mapping[OperationKey, tuple[dt.datetime, dt.datetime]] | None = None,
    ) -> None:
        self.calendars = calendars
        self.md = md
        self.finite = mode is CapacityMode.FINITE
        self.remaining = remaining
        self.horizon = None if horizon is None else to_micros(horizon, "horizon")
        self.book: dict[CentreKey, dict[int, Decimal]] = {}
        self.profiles: dict[CentreKey, tuple[list[int], list[Decimal]]] = {}
        self.centres: dict[CentreKey, tuple[Decimal, Decimal, TimeUnit, Decimal]] = {}
        # datetimes and dates already built (segment bounds repeat across operations)
        self.moments: dict[dt.tzinfo, dict[int, dt.datetime]] = {}
        self.dates: dict[int, dt.date] = {}
        self.operations: list[ScheduledOperation] = []
        self.allocations: list[Allocation] = []
        # placements committed for the order being scheduled (to undo when it fails)
        self.journal: list[tuple[CentreKey, _Placement]] = []
        # per centre: no capacity is left anywhere before this moment (finite, forward)
        self.full_before: dict[CentreKey, int] = {}
        # per centre: full entries -> an entry at or before the next one with room
        # (bookings only fill entries; taking one back clears the centre's skips)
        self.skips: dict[CentreKey, dict[int, int]] = {}
        # started operations kept where they are: (order, line, operation) -> (start, end)
        self.kept = {
            key: (to_micros(s, "starting"), to_micros(e, "ending"))
            for key, (s, e) in (kept or {}).items()
        }
        self.kept_orders = {order_id for order_id, _, _ in self.kept}

    def need(self, op: Operation, no: str | None = None) -> _Need:
        """The operation's need on its centre (or on the alternative centre ``no``)."""
        key = (op.type, op.no if no is None else no)
        centre = self.centres.get(key)
        if centre is None:
            centre = self.centres[key] = _centre_figures(self.md, *key)
        return _Need(op, centre, self.remaining)

    # -- calendar walking -------------------------------------------------------------

    def _no_capacity(self, cal: CentreCalendar, needed: Decimal, limit: int | None) -> None:
        if limit is None:
            limit = (
                cal.ends[-1]
                if len(cal)
                else to_micros(dt.datetime.combine(cal.end_day, dt.time(), cal.timezone))
            )
        raise NoCapacityError(
            centre=cal.label,
            needed=f"{needed} {cal.unit.value}",
            limit=from_micros(limit, cal.timezone).isoformat(),
        )

    def advance(self, cal: CentreCalendar, t: int, work: int) -> int:
        """The moment ``work`` µs of working time after ``t``."""
        if work <= 0:
            return t
        starts, ends = cal.starts, cal.ends
        i = bisect_right(ends, t)
        while i < len(starts):
            s = max(starts[i], t)
            w = ends[i] - s
            if work <= w:
                return s + work
            work -= w
            i += 1
        self._no_capacity(cal, Decimal(work) / cal.unit_micros, None)
        raise AssertionError  # pragma: no cover

    def retreat(self, cal: CentreCalendar, t: int, work: int) -> int:
        """The moment ``work`` µs of working time before ``t``."""
        if work <= 0:
            return t
        starts, ends = cal.starts, cal.ends
        i = bisect_left(starts, t) - 1
        while i >= 0:
            e = min(ends[i], t)
            w = e - starts[i]
            if work <= w:
                return e - work
            work -= w
            i -= 1
        self._no_capacity(cal, Decimal(work) / cal.unit_micros, starts[0] if starts else None)
        raise AssertionError  # pragma: no cover

    @staticmethod
    def worked(cal: CentreCalendar, t0: int, t1: int) -> int:
        """µs of working time in ``[t0, t1)``."""
        starts, ends = cal.starts, cal.ends
        total = 0
        i = bisect_right(ends, t0)
        while i < len(starts) and starts[i] < t1:
            total += min(ends[i], t1) - max(starts[i], t0)
            i += 1
        return total

    def forward(self, cal: CentreCalendar, t0: int, amount: Decimal, rate: Decimal) -> _Placement:
        """Infinite capacity: place ``amount`` of allocation from ``t0`` on, consuming
        ``rate`` allocation per unit of working time."""
        if amount <= 0:
            return _Placement(t0, t0, [])
        unit_us = cal.unit_micros
        # allocation of w µs = w × rate / unit_us; µs of an allocation x = x × unit_us / rate
        # (multiplying first keeps round figures exact)
        starts, ends = cal.starts, cal.ends
        limit = self.horizon
        n = len(starts)
        i = bisect_right(ends, t0)
        remaining = amount
        segments: list[_Segment] = []
        while i < n:
            s = starts[i]
            e = ends[i]
            if limit is not None:
                if s >= limit:
                    break
                e = min(e, limit)
            s = max(s, t0)
            if s >= e:
                i += 1
                continue
            w = e - s
            room = w * rate / unit_us
            if remaining <= room + _SLACK:  # a rounding crumb stays here, not in the next entry
                t = min(_ceil(remaining * unit_us / rate), w)
                segments.append((i, s, s + t, remaining))
                return _Placement(segments[0][1], s + t, segments)
            possible = quantize_time(room, ROUND_DOWN)  # partial takes stay on the grid
            if possible > 0:
                t = min(_ceil(possible * unit_us / rate), w)
                segments.append((i, s, s + t, possible))
                remaining -= possible
            i += 1
        self._no_capacity(cal, remaining, limit)
        raise AssertionError  # pragma: no cover

    def backward(self, cal: CentreCalendar, t1: int, amount: Decimal, rate: Decimal) -> _Placement:
        """Infinite capacity: place ``amount`` of allocation ending at or before ``t1``."""
        if amount <= 0:
            return _Placement(t1, t1, [])
        unit_us = cal.unit_micros
        starts, ends = cal.starts, cal.ends
        limit = self.horizon
        i = bisect_left(starts, t1) - 1
        remaining = amount
        segments: list[_Segment] = []
        while i >= 0:
            s = starts[i]
            e = min(ends[i], t1)
            if limit is not None:
                if e <= limit:
                    break
                s = max(s, limit)
            if e <= s:
                i -= 1
                continue
            w = e - s
            room = w * rate / unit_us
            if remaining <= room + _SLACK:
                t = min(_ceil(remaining * unit_us / rate), w)
                segments.append((i, e - t, e, remaining))
                segments.reverse()
                return _Placement(e - t, segments[-1][2], segments)
            possible = quantize_time(room, ROUND_DOWN)
            if possible > 0:
                t = min(_ceil(possible * unit_us / rate), w)
                segments.append((i, e - t, e, possible))
                remaining -= possible
            i -= 1
        self._no_capacity(
            cal, remaining, limit if limit is not None else (starts[0] if starts else None)
        )
        raise AssertionError  # pragma: no cover

    # -- finite capacity ----------------------------------------------------------------
    #
    # Each centre has a usage profile: a step function of the capacity in use (``levels[k]``
    # on ``[times[k], times[k + 1])``). An operation progresses wherever the calendar has
    # capacity left above the profile, using min(c, free capacity) of it, so it takes the
    # first free time and runs next to other operations on a multi-capacity centre. A book
    # of allocation per calendar entry guards the effective capacity against rounding.

    def _profile(self, key: CentreKey) -> tuple[list[int], list[Decimal]]:
        profile = self.profiles.get(key)
        if profile is None:
            profile = self.profiles[key] = ([_MIN_TIME], [ZERO])
        return profile

    def _room_from(
        self, key: CentreKey, effs: tuple[Decimal, ...], booked: dict[int, Decimal], i: int
    ) -> int:
        """The first entry from ``i`` on whose allocation is not fully booked (``len``:
        none). Full entries learnt on the way point past the run of full entries they
        are in (path compression), so each is walked about once in a run."""
        skips = self.skips.setdefault(key, {})
        n = len(effs)
        path = []
        j = i
        while j < n:
            nxt = skips.get(j)
            if nxt is None:
                if booked.get(j, ZERO) < effs[j]:
                    break
                nxt = j + 1
            path.append(j)
            j = nxt
        for p in path:
            skips[p] = j
        return j

    def forward_finite(
        self, cal: CentreCalendar, need: _Need, t0: int, amount: Decimal
    ) -> _Placement:
        if amount <= 0:
            return _Placement(t0, t0, [])
        unit_us = cal.unit_micros
        times, levels = self._profile(cal.key)
        booked = self.book.get(cal.key, {})
        starts, ends, caps, effs = cal.starts, cal.ends, cal.capacities, cal.effectives
        factor = need.factor
        limit = self.horizon
        n, m = len(starts), len(times)
        # no room anywhere before the centre's watermark: a scan from before it starts
        # there, and moves it on to the first room it finds (many orders sequenced from
        # one start would otherwise each walk the whole booked past: quadratic)
        watermark = self.full_before.get(cal.key, starts[0] if n else t0)
        from_watermark = t0 <= watermark
        t = max(t0, watermark)
        i = bisect_right(ends, t)
        k = bisect_right(times, t) - 1
        remaining = amount
        segments: list[_Segment] = []
        usage: list[tuple[int, int, Decimal]] = []
        own = ZERO  # taken by this operation in entry i
        while i < n:
            if booked.get(i, ZERO) >= effs[i]:
                # a full entry: skip it and the full ones after it at once, instead of
                # walking the usage profile through them (what made a long run quadratic)
                i = self._room_from(cal.key, effs, booked, i)
                if i < n:
                    k = bisect_right(times, max(starts[i], t)) - 1
                own = ZERO
                continue
            entry_end = ends[i]
            if limit is not None:
                if starts[i] >= limit:
                    break
                entry_end = min(entry_end, limit)
            s = max(starts[i], t)
            if s >= entry_end:
                i += 1
                own = ZERO
                continue
            while k + 1 < m and times[k + 1] <= s:
                k += 1
            e = min(entry_end, times[k + 1]) if k + 1 < m else entry_end
            u = min(need.capacity_used, caps[i] - levels[k])
            if u > 0 and from_watermark and effs[i] - booked.get(i, ZERO) > 0:
                self.full_before[cal.key] = s
                from_watermark = False
            if u > 0:
                rate = u * factor
                w = e - s
                room = w * rate / unit_us
                free = effs[i] - booked.get(i, ZERO) - own
                if remaining <= free and remaining <= room + _SLACK:
                    d = min(_ceil(remaining * unit_us / rate), w)
                    _append(segments, usage, i, s, s + d, remaining, u, forward=True)
                    return _Placement(segments[0][1], s + d, segments, usage)
                possible = quantize_time(min(room, free), ROUND_DOWN)
                if possible > 0:
                    d = min(_ceil(possible * unit_us / rate), w)
                    _append(segments, usage, i, s, s + d, possible, u, forward=True)
                    remaining -= possible
                    own += possible
            t = e
            if e >= entry_end:
                i += 1
                own = ZERO
        self._no_capacity(cal, remaining, limit)
        raise AssertionError  # pragma: no cover

    def backward_finite(
        self, cal: CentreCalendar, need: _Need, t1: int, amount: Decimal
    ) -> _Placement:
        if amount <= 0:
            return _Placement(t1, t1, [])
        unit_us = cal.unit_micros
        times, levels = self._profile(cal.key)
        booked = self.book.get(cal.key, {})
        starts, ends, caps, effs = cal.starts, cal.ends, cal.capacities, cal.effectives
        factor = need.factor
        limit = self.horizon
        i = bisect_left(starts, t1) - 1
        k = bisect_left(times, t1) - 1
        remaining = amount
        segments: list[_Segment] = []
        usage: list[tuple[int, int, Decimal]] = []
        own = ZERO
        t = t1
        while i >= 0:
            entry_start = starts[i]
            e = min(ends[i], t)
            if limit is not None:
                if e <= limit:
                    break
                entry_start = max(entry_start, limit)
            if e <= entry_start:
                i -= 1
                own = ZERO
                continue
            while times[k] >= e:
                k -= 1
            s = max(entry_start, times[k])
            u = min(need.capacity_used, caps[i] - levels[k])
            if u > 0:
                rate = u * factor
                w = e - s
                room = w * rate / unit_us
                free = effs[i] - booked.get(i, ZERO) - own
                if remaining <= free and remaining <= room + _SLACK:
                    d = min(_ceil(remaining * unit_us / rate), w)
                    _append(segments, usage, i, e - d, e, remaining, u, forward=False)
                    segments.reverse()
                    return _Placement(e - d, segments[-1][2], segments, usage)
                possible = quantize_time(min(room, free), ROUND_DOWN)
                if possible > 0:
                    d = min(_ceil(possible * unit_us / rate), w)
                    _append(segments, usage, i, e - d, e, possible, u, forward=False)
                    remaining -= possible
                    own += possible
            t = s
            if s <= entry_start:
                i -= 1
                own = ZERO
        self._no_capacity(
            cal, remaining, limit if limit is not None else (starts[0] if starts else None)
        )
        raise AssertionError  # pragma: no cover

    def _use(self, key: CentreKey, start: int, end: int, amount: Decimal) -> None:
        """Add ``amount`` of capacity in use on ``[start, end)`` to the centre's profile."""
        if end <= start or amount == 0:
            return
        times, levels = self._profile(key)
        a = bisect_right(times, start) - 1
        if times[a] != start:
            a += 1
            times.insert(a, start)
            levels.insert(a, levels[a - 1])
        b = bisect_left(times, end)
        if b == len(times) or times[b] != end:
            times.insert(b, end)
            levels.insert(b, levels[b - 1])
        for j in range(a, b):
            levels[j] += amount

    # -- operations -------------------------------------------------------------------

    def place(
        self,
        cal: CentreCalendar,
        need: _Need,
        anchor: int,
        forward: bool,
        amount: Decimal | None = None,
    ) -> _Placement:
        """Where the operation (or its first ``amount``) would go; nothing is booked."""
        todo = need.allocated if amount is None else amount
        if self.finite:
            if forward:
                return self.forward_finite(cal, need, anchor, todo)
            return self.backward_finite(cal, need, anchor, todo)
        if forward:
            return self.forward(cal, anchor, todo, need.rate)
        return self.backward(cal, anchor, todo, need.rate)

    def commit(self, cal: CentreCalendar, placement: _Placement, sign: int = 1) -> None:
        if not self.finite:
            return
        booked = self.book.setdefault(cal.key, {})
        for i, _s, _e, amount in placement.segments:
            booked[i] = booked.get(i, ZERO) + sign * amount
        for s, e, u in placement.usage:
            self._use(cal.key, s, e, sign * u)
        if sign > 0:
            self.journal.append((cal.key, placement))

    def undo(self, operations: int, allocations: int) -> None:
        """Take back what the journal committed since it was cleared, and the operations
        and allocations recorded after the given counts."""
        for key, placement in reversed(self.journal):
            self.commit(self.calendars.centres[key], placement, sign=-1)
            self.full_before.pop(key, None)  # the capacity given back may be before it
            self.skips.pop(key, None)
        self.journal.clear()
        del self.operations[operations:]
        del self.allocations[allocations:]

    def reserve(self, allocations: Iterable[Allocation], skip: set[str]) -> None:
        """Book existing allocations of other orders (finite capacity): their allocation
        per entry, and the capacity they use over their time."""
        for a in allocations:
            # an order being scheduled loads the centres with its kept operations only
            if a.order_id in skip and (a.order_id, a.line_no, a.operation_no) not in self.kept:
                continue
            cal = self.calendars.get(a.type, a.no)
            s, e = to_micros(a.starting), to_micros(a.ending)
            i = bisect_right(cal.starts, s) - 1
            if i < 0 or i >= len(cal) or e <= s:
                continue
            booked = self.book.setdefault(cal.key, {})
            booked[i] = booked.get(i, ZERO) + a.allocated
            used = a.allocated * cal.unit_micros * HUNDRED / ((e - s) * cal.efficiencies[i])
            self._use(cal.key, s, e, used)

    @staticmethod
    def span(cal: CentreCalendar, need: _Need, allocation: Decimal) -> int:
        """µs of working time ``allocation`` takes at the operation's rate."""
        return _ceil(allocation * cal.unit_micros / need.rate) if need.rate > 0 else 0

    @staticmethod
    def time_at(placement: _Placement, amount: Decimal) -> int:
        """When ``amount`` of the operation's allocation has been done."""
        if amount <= 0:
            return placement.start
        done = ZERO
        for _i, s, e, seg in placement.segments:
            if done + seg >= amount:
                return min(s + _ceil((amount - done) * (e - s) / seg), e)
            done += seg
        return placement.end

    def record(
        self,
        order: ProductionOrder,
        line: OrderLine,
        op: Operation,
        cal: CentreCalendar,
        need: _Need,
        placement: _Placement,
    ) -> ScheduledOperation:
        moments = self.moments.get(cal.timezone)
        if moments is None:
            moments = self.moments[cal.timezone] = {}
        dates = self.dates

        def moment(us: int) -> dt.datetime:
            m = moments.get(us)
            if m is None:
                m = moments[us] = from_micros(us, cal.timezone)
            return m

        setup_left = need.setup_allocated
        for i, s, e, amount in placement.segments:
            day = cal.days[i]
            date = dates.get(day)
            if date is None:
                date = dates[day] = dt.date.fromordinal(day)
            setup = min(setup_left, amount)
            setup_left -= setup
            self.allocations.append(
                Allocation(
                    order_id=order.id,
                    status=order.status,
                    line_no=line.line_no,
                    operation_no=op.operation_no,
                    type=cal.type,
                    no=cal.no,
                    work_center_no=cal.work_center_no,
                    date=date,
                    starting=moment(s),
                    ending=moment(e),
                    setup=setup,
                    run=amount - setup,
                    unit=cal.unit,
                )
            )
        scheduled = ScheduledOperation(
            order_id=order.id,
            status=order.status,
            line_no=line.line_no,
            operation_no=op.operation_no,
            type=cal.type,
            no=cal.no,
            work_center_no=cal.work_center_no,
            starting=moment(placement.start),
            ending=moment(placement.end),
            setup_allocated=need.setup_allocated,
            run_allocated=need.run_allocated,
            unit=cal.unit,
        )
        self.operations.append(scheduled)
        return scheduled

    # -- lines ------------------------------------------------------------------------

    def _send_ahead(self, op: Operation, quantity: Decimal) -> Decimal | None:
        """The send-ahead quantity when it is less than the ``quantity`` to run."""
        sa = op.send_ahead_quantity
        if sa > 0 and sa < quantity:
            return sa
        return None

    def candidates(self, op: Operation) -> list[tuple[CentreCalendar, _Need]]:
        """The centres the operation may run on with its need there: the primary first,
        then (finite capacity only) the routing line's alternatives."""
        nos = (op.no, *op.alternatives) if self.finite else (op.no,)
        return [(self.calendars.get(op.type, no), self.need(op, no)) for no in nos]

    def _forward_on(
        self,
        cal: CentreCalendar,
        need: _Need,
        earliest: int,
        min_end: int | None,
        prev_lot: Decimal | None,
    ) -> _Placement:
        """Where the operation goes on ``cal`` from ``earliest`` (after its queue time),
        ending no earlier than the send-ahead bound; nothing is booked."""
        unit_us = cal.unit_micros
        setup_start = self.advance(cal, earliest, _ceil(need.queue * unit_us))
        for _attempt in range(64):
            placement = self.place(cal, need, setup_start, forward=True)
            bound = None
            if min_end is not None and prev_lot is not None:
                bound = self.advance(cal, min_end, _ceil(_lot_duration(need, prev_lot) * unit_us))
            # partial takes are on the allocation grid, so a placement can fall short of
            # the bound by up to one grid step per segment: that counts as reaching it.
            # Pushing on would overshoot instead, and a later operation that the bound
            # put at a shift's very end would then spill into the next working period.
            grain = self.span(cal, need, ALLOCATION_QUANTUM) * len(placement.segments)
            if bound is None or placement.end + grain >= bound:
                break
            # send-ahead: start later (the queue time is a minimum) so as to end at the
            # bound: the start of the same work placed backward from the bound
            candidate = self.place(cal, need, bound, forward=False).start
            if candidate > placement.start:
                setup_start = candidate
            else:
                # start later by the working time still missing: a bound between two
                # working periods is reached by ending just inside the next one, not by
                # moving the start on by the clock time of the break. At least enough to
                # push a rounding crumb (kept in its entry) over into the next entry.
                crumb = self.span(cal, need, _SLACK + ALLOCATION_QUANTUM)
                missing = max(self.worked(cal, placement.end, bound), crumb)
                setup_start = self.advance(cal, placement.start, missing)
        return placement

    def line_forward(
        self, order: ProductionOrder, line: OrderLine, anchor: int
    ) -> tuple[int, int, dict[str, tuple[int, int]]]:
        """Schedule a line's operations from ``anchor``; (start, end incl. wait/move, dates)."""
        t = anchor
        order_start: int | None = None
        dates: dict[str, tuple[int, int]] = {}
        min_end: int | None = None  # send-ahead: the next op ends no earlier than this
        prev_lot: Decimal | None = None
        end_with_wm = anchor
        for op in line.operations:
            kept = self.kept.get((order.id, line.line_no, op.operation_no))
            if kept is not None:
                # a started operation stays where it is (its allocations are booked as
                # existing ones); what follows it starts after it
                cal = self.calendars.get(op.type, op.no)
                if order_start is None:
                    order_start = kept[0]
                dates[op.operation_no] = kept
                end_with_wm = kept[1] + _ceil(self.need(op).wait_move * cal.unit_micros)
                t = max(t, end_with_wm)
                min_end, prev_lot = None, None
                continue
            earliest = t
            # the centre finishing first; a tie goes to the primary (listed first)
            best: tuple[CentreCalendar, _Need, _Placement] | None = None
            for cal, need in self.candidates(op):
                placement = self._forward_on(cal, need, earliest, min_end, prev_lot)
                if best is None or placement.end < best[2].end:
                    best = (cal, need, placement)
            assert best is not None  # the primary is always a candidate
            cal, need, placement = best
            unit_us = cal.unit_micros
            if order_start is None:  # the first operation's start, less its queue time
                order_start = max(
                    earliest, self.retreat(cal, placement.start, _ceil(need.queue * unit_us))
                )
            self.commit(cal, placement)
            self.record(order, line, op, cal, need, placement)
            dates[op.operation_no] = (placement.start, placement.end)
            wm = _ceil(need.wait_move * unit_us)
            end_with_wm = placement.end + wm
            sa = self._send_ahead(op, need.quantity)
            if sa is not None:
                done = need.setup_allocated + need.run_allocated * sa / need.quantity
                t = self.time_at(placement, done) + wm
                min_end, prev_lot = end_with_wm, sa
            else:
                t = end_with_wm
                min_end, prev_lot = None, None
        return (anchor if order_start is None else order_start), end_with_wm, dates

    def _backward_on(
        self,
        cal: CentreCalendar,
        need: _Need,
        t: int,
        sa: Decimal | None,
        next_info: tuple[int, int] | None,
    ) -> _Placement:
        """Where the operation goes on ``cal`` ending by ``t`` less its wait and move
        time, its send-ahead lot ready for the next operation; nothing is booked."""
        wm = _ceil(need.wait_move * cal.unit_micros)
        latest = t - wm
        if sa is not None and next_info is not None:
            latest = next_info[1] - wm
        for _attempt in range(64):
            placement = self.place(cal, need, latest, forward=False)
            if sa is None or next_info is None:
                break
            done = need.setup_allocated + need.run_allocated * sa / need.quantity
            ready = self.time_at(placement, done) + wm
            if ready <= next_info[0]:
                break
            # end earlier so that the send-ahead lot is ready in time: place that lot
            # backward from the next operation's start, the rest forward after it
            lot_start = self.place(cal, need, next_info[0] - wm, forward=False, amount=done).start
            candidate = self.place(cal, need, lot_start, forward=True).end
            if candidate < placement.end:
                latest = candidate
            else:
                latest = placement.end - max(ready - next_info[0], 1)
        return placement

    def line_backward(
        self, order: ProductionOrder, line: OrderLine, anchor: int
    ) -> tuple[int, int, dict[str, tuple[int, int]]]:
        """Schedule a line's operations ending by ``anchor``; (start, end incl. wait/move, dates)."""
        t = anchor
        order_end: int | None = None
        dates: dict[str, tuple[int, int]] = {}
        # the next operation (already placed): its queue start, and its end less the
        # working time it needs for this operation's send-ahead lot
        next_info: tuple[int, int] | None = None
        start = anchor
        ops = line.operations
        for idx in range(len(ops) - 1, -1, -1):
            op = ops[idx]
            sa = self._send_ahead(op, self.need(op).quantity)
            # the centre starting last; a tie goes to the primary (listed first)
            best: tuple[CentreCalendar, _Need, _Placement] | None = None
            for cal, need in self.candidates(op):
                placement = self._backward_on(cal, need, t, sa, next_info)
                if best is None or placement.start > best[2].start:
                    best = (cal, need, placement)
            assert best is not None  # the primary is always a candidate
            cal, need, placement = best
            unit_us = cal.unit_micros
            wm = _ceil(need.wait_move * unit_us)
            if order_end is None:
                order_end = placement.end + wm
            self.commit(cal, placement)
            self.record(order, line, op, cal, need, placement)
            dates[op.operation_no] = (placement.start, placement.end)
            queue_start = self.retreat(cal, placement.start, _ceil(need.queue * unit_us))
            t = start = queue_start
            lot_us = 0
            if idx > 0:
                psa = self._send_ahead(ops[idx - 1], self.need(ops[idx - 1]).quantity)
                if psa is not None:
                    lot_us = _ceil(_lot_duration(need, psa) * unit_us)
            next_info = (queue_start, self.retreat(cal, placement.end, lot_us))
        return start, (anchor if order_end is None else order_end), dates


def _centre_figures(
    md: MasterDataLookup, ctype: CapacityType, no: str
) -> tuple[Decimal, Decimal, TimeUnit, Decimal]:
    """(capacity, efficiency, unit, queue time in unit) of a centre, as operation_need uses them."""
    if ctype is CapacityType.MACHINE_CENTER:
        mc = md.machine_center(no)
        wc = md.work_center(mc.work_center_no)
        capacity, efficiency = mc.capacity, mc.efficiency_percent
    else:
        wc = md.work_center(no)
        capacity = wc.capacity
        efficiency = HUNDRED if wc.consolidated_calendar else wc.efficiency_percent
    return capacity, efficiency, wc.capacity_unit, _in_unit(wc.queue_time, wc.capacity_unit)


def _lot_duration(need: _Need, lot: Decimal) -> Decimal:
    """Run duration (in the need's unit) of ``lot`` of the units the operation runs."""
    if need.quantity <= 0:
        return ZERO
    return need.run_duration * min(lot, need.quantity) / need.quantity
