"""Re-check what a store holds: documents load, versions are sane, the ledger adds up.

:func:`verify` works through the ports, so it checks any store; for prodcore's SQL
stores it also loads every stored JSON document on its own (one bad row is reported,
not fatal), compares key columns with the documents and reads the counters, the
idempotency rows and every balance row. A missing batch is whatever the store promised
and does not hold: the memory and SQLite stores number postings from a counter without
gaps, so every number up to the counter must have its batch; the PostgreSQL store
promises numbers that increase in commit order, with a gap where a unit of work rolled
back after its append, so there the batches present and the counter's number are read
(entry numbers must increase, not follow on). Every posting number an entry row or an
idempotency row refers to must have its batch; each missing one is reported and
checking goes on.
(A store behind the ports alone is read from posting 1 to the first missing one.)
Problems come back as data:

>>> from prodcore.adapters import open_store
>>> from prodcore.testing.contracts import sample_batch, sample_order
>>> with open_store("sqlite:///:memory:") as store:
...     with store() as uow:
...         uow.orders.add(sample_order())
...         _ = uow.ledger.append(sample_batch())
...         uow.commit()
...     report = verify(store)
>>> report.ok, report.checked
(True, 7)
>>> print(report)
OK: 7 records checked, no problems.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal, localcontext
from functools import partial
from typing import Any

import attrs

from prodcore.clock import EARLIEST, LATEST
from prodcore.errors import NotFoundError, ProdcoreError
from prodcore.ledger.average_periods import AveragePool
from prodcore.ledger.balances import LedgerIndex, applied_from
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemEntryType,
    ItemLedgerEntry,
    LedgerCounters,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.stock_value import reconcile, stock_value
from prodcore.numbers import EXACT_SUMS, ONE, ZERO, in_own_context, to_decimal
from prodcore.orders.model import ProductionOrder
from prodcore.orders.registration import Registration, registration_order
from prodcore.ports import UnitOfWork
from prodcore.scheduling.checks import allocation_problems
from prodcore.serialization import loads, to_jsonable

__all__ = ["IntegrityReport", "Problem", "ledger_hash_chain", "seal_ledger", "verify"]


@attrs.frozen
class Problem:
    """One thing wrong: where (``area``, ``key``) and what."""

    area: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.area} {self.key}: {self.message}"


@attrs.frozen
class IntegrityReport:
    """What :func:`verify` found. ``checked`` counts records looked at."""

    checked: int
    problems: tuple[Problem, ...] = ()
    ledger_hash: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.checked} records checked, no problems."
        lines = [f"{len(self.problems)} problem(s) in {self.checked} records checked:"]
        lines += [f"- {p}" for p in self.problems]
        return "\n".join(lines)


class _Collector:
    def __init__(self) -> None:
        self.checked = 0
        self.problems: list[Problem] = []

    def add(self, area: str, key: object, message: str) -> None:
        self.problems.append(Problem(area, str(key), message))

    def guard(self, area: str, key: object, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except (ProdcoreError, ArithmeticError) as err:  # bad data, not a crash
            self.add(area, key, f"{type(err).__name__}: {err}")
            return None


def _check_orders(uow: UnitOfWork, out: _Collector) -> list[ProductionOrder]:
    orders: list[ProductionOrder] = out.guard("orders", "*", uow.orders.list) or []
    for order in orders:
        out.checked += 1
        if order.version < 1:
            out.add("order", order.id, f"version {order.version} is below 1")
        if not order.history:
            out.add("order", order.id, "has no status history")
        elif order.history[-1].to_status is not order.status:
            out.add(
                "order",
                order.id,
                f"status {order.status} differs from its last history entry "
                f"{order.history[-1].to_status}",
            )
    return orders


def _check_registrations(
    uow: UnitOfWork, orders: list[ProductionOrder], workers: set[str] | None, out: _Collector
) -> None:
    """Each job registration is on an operation of its order; a posted one names the
    stop that posted capacity on that operation, a reversed one the command that
    reversed it; the store's per-worker index holds exactly the orders' registrations."""
    by_worker: dict[str, list[Registration]] = defaultdict(list)
    for order in orders:
        for reg in order.registrations:
            out.checked += 1
            by_worker[reg.worker].append(reg)
            key = f"{order.id} {reg.line_no}/{reg.operation_no} {reg.worker}"
            if reg.order_id != order.id:
                out.add("registration", key, f"names order {reg.order_id}")
            out.guard("registration", key, partial(_operation_of, order, reg))
            if reg.posted_by is not None:
                record = uow.ledger.idempotency(reg.posted_by)
                batch = None if record is None else record.resolved(uow.ledger.batch).batch
                on_it = batch is not None and any(
                    (c.order_id, c.order_line_no, c.operation_no) == reg.operation_key
                    for c in batch.capacity_entries
                )
                if not on_it:
                    out.add(
                        "registration",
                        key,
                        f"posted by {reg.posted_by!r}, which posted no capacity on its operation",
                    )
            if reg.reversed_by is not None and uow.ledger.idempotency(reg.reversed_by) is None:
                out.add("registration", key, f"reversed by {reg.reversed_by!r}, an unknown command")
    for worker in sorted(by_worker.keys() | (workers or set())):
        regs = by_worker.get(worker, [])
        indexed = out.guard("registrations", worker, partial(uow.orders.registrations, worker))
        if indexed is not None and list(indexed) != sorted(regs, key=registration_order):
            out.add("registrations", worker, "the per-worker index differs from the orders")


def _operation_of(order: ProductionOrder, reg: Registration) -> object:
    return order.line(reg.line_no).operation(reg.operation_no)


def _check_who_index(uow: UnitOfWork, batches: list[PostingBatch], out: _Collector) -> None:
    """The store finds every batch by who posted it, and by what it came through."""
    expected: dict[tuple[str, str], list[int]] = defaultdict(list)
    for batch in batches:
        for field in ("user", "source"):
            value = getattr(batch, field)
            if isinstance(value, str):
                expected[(field, value)].append(batch.posting_no)
    for (field, value), nos in sorted(expected.items()):
        found = out.guard(
            "postings", f"{field} {value!r}", partial(uow.ledger.batches, **{field: value})
        )
        if found is not None and [b.posting_no for b in found] != nos:
            out.add("postings", f"{field} {value!r}", f"the store does not find postings {nos}")


def _check_allocations(uow: UnitOfWork, out: _Collector) -> None:
    """Stored allocations: of open orders, their operations and known centres, and no
    centre used beyond its capacity (:mod:`prodcore.scheduling.checks`)."""
    allocations = out.guard("allocations", "*", uow.orders.allocations) or ()
    orders = {o.id: o for o in out.guard("orders", "*", uow.orders.list) or ()}
    out.checked += len(allocations)
    for key, message in allocation_problems(orders, allocations, uow.master_data):
        out.add("allocation", key, message)


def _listed(listing: Callable[[], Iterator[Any]]) -> list[Any]:
    return list(listing())


def _check_master_data(uow: UnitOfWork, out: _Collector) -> None:
    md = uow.master_data
    out.guard("setup", "setup", lambda: md.setup)
    listings: tuple[Callable[[], Iterator[Any]], ...] = (
        md.items,
        md.boms,
        md.routings,
        md.work_centers,
        md.machine_centers,
    )
    for listing in listings:
        records: list[Any] | None = out.guard(
            "master data", listing.__name__, partial(_listed, listing)
        )
        out.checked += len(records or ())


# --------------------------------------------------------------------------- store facts


@attrs.define
class _StoreFacts:
    """What a store knows about its ledger beyond the ports, where it can tell.

    ``counters``: the last numbers handed out (numbering is promised gap-free up to
    them); ``posting_nos``: the batches present; ``referenced``: posting numbers that
    stored rows point to (entry rows, idempotency rows), with what points there;
    ``idempotency``: every idempotency record; ``balances``: every stored balance row
    as (area, key) -> amount; ``workers``: the workers in the registration index.
    ``None`` where the store cannot tell. ``gapless``: whether the store promises
    numbers without gaps (else only increasing ones).
    """

    gapless: bool = True
    counters: LedgerCounters | None = None
    posting_nos: set[int] | None = None
    referenced: dict[int, str] = attrs.field(factory=dict)
    idempotency: list[IdempotencyRecord] | None = None
    balances: dict[tuple[str, object], Decimal] | None = None
    workers: set[str] | None = None
    average_pools: list[AveragePool] | None = None


def _memory_facts(store: Any) -> _StoreFacts:
    return _StoreFacts(
        counters=store.counters,
        posting_nos=set(store.ledger.batches),
        idempotency=list(store.idempotency.values()),
        workers={worker for worker, per_order in store.registrations.items() if per_order},
        average_pools=[p for pools in store.ledger.average_pools.values() for p in pools.values()],
    )


def _store_facts(uow_factory: object, out: _Collector) -> _StoreFacts:
    from prodcore.adapters import MemoryStoreFactory
    from prodcore.adapters._sql import SqlStore

    if isinstance(uow_factory, SqlStore):
        return _sql_facts(uow_factory, out)
    if isinstance(uow_factory, MemoryStoreFactory):
        return _memory_facts(uow_factory.store)
    return _StoreFacts()


# --------------------------------------------------------------------------- the ledger


def _read_batches(uow: UnitOfWork, facts: _StoreFacts, out: _Collector) -> Iterator[PostingBatch]:
    """Every batch the store holds or promises; a missing number is reported and the
    check goes on. Without store facts, batches are read from 1 to the first missing."""
    ledger = uow.ledger
    if facts.posting_nos is None:
        n = 1
        while True:
            try:
                yield ledger.batch(n)
            except NotFoundError:
                return
            except ProdcoreError as err:
                out.add("ledger batch", n, f"cannot be read: {err}")
            n += 1
    present = facts.posting_nos
    promised = facts.counters.posting if facts.counters is not None else 0
    last = max(promised, max(present, default=0))
    # with gaps allowed, a number below the counter may be unused; the counter's own
    # number was committed
    numbers = set(range(1, last + 1)) if facts.gapless else present | {promised} - {0}
    wanted = numbers | set(facts.referenced)
    for n in sorted(wanted):
        if n not in present:
            cause = facts.referenced.get(n)
            where = f"; {cause} refer to it" if cause else ""
            out.add("ledger batch", n, f"is missing (numbers run to {last}{where})")
            continue
        try:
            yield ledger.batch(n)
        except ProdcoreError as err:
            out.add("ledger batch", n, f"cannot be read: {err}")


_ENTRY_KINDS = ("item", "capacity", "value", "gl")


def _entries(batch: PostingBatch) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    return (
        ("item", batch.item_entries),
        ("capacity", batch.capacity_entries),
        ("value", batch.value_entries),
        ("gl", batch.gl_entries),
    )


def _check_ledger(uow: UnitOfWork, facts: _StoreFacts, out: _Collector) -> list[PostingBatch]:
    index = LedgerIndex()
    batches: list[PostingBatch] = []
    expected = dict.fromkeys(_ENTRY_KINDS, 1)
    gl_by_value: dict[int, list[GLEntry]] = defaultdict(list)
    for batch in _read_batches(uow, facts, out):
        batches.append(batch)
        key = batch.posting_no
        out.checked += 1
        out.guard("ledger batch", key, batch.check_balanced)
        _check_date("ledger batch", key, batch.posted_at, out)
        _check_who(batch, out)
        for name, entries in _entries(batch):
            out.checked += len(entries)
            for entry in entries:
                if entry.entry_no != expected[name] and (
                    facts.gapless or entry.entry_no < expected[name]
                ):
                    out.add(
                        f"{name} entry",
                        entry.entry_no,
                        f"numbering gap: expected {expected[name]} (posting {key})"
                        if facts.gapless
                        else f"numbers out of order: expected {expected[name]} or more "
                        f"(posting {key})",
                    )
                expected[name] = entry.entry_no + 1
                _check_date(f"{name} entry", entry.entry_no, entry.posted_at, out)
                if entry.registered_at is not None:
                    _check_date(f"{name} entry", entry.entry_no, entry.registered_at, out)
        for item in batch.item_entries:
            _check_item_reversal(index, item, out)
            _check_item_return(index, item, out)
        for cap in batch.capacity_entries:
            _check_capacity_reversal(index, cap, out)
        index.apply(batch)
        for value in batch.value_entries:
            _check_value_source(index, value, out)
        for gl in batch.gl_entries:
            gl_by_value[gl.value_entry_no].append(gl)
    for value_no in sorted(set(gl_by_value) - set(index.values)):
        for gl in gl_by_value[value_no]:
            out.add("G/L entry", gl.entry_no, f"refers to missing value entry {value_no}")
    for value in index.values.values():
        _check_gl_lines(value, gl_by_value.get(value.entry_no, []), out)
    stock = stock_value(index.items.values(), index.values.values(), None)
    for diff in reconcile(stock, index.gl_entries()):
        out.add(
            "valuation", diff.key, f"G/L {diff.gl}, value entries add up to {diff.value_entries}"
        )
    if facts.counters is not None:
        _check_counters(facts.counters, batches, expected, out, gapless=facts.gapless)
    if facts.idempotency is not None:
        _check_idempotency(facts.idempotency, batches, out)
    _check_balances(uow, index, out)
    _check_output_lists(uow, index, out)
    if facts.balances is not None:
        _check_stored_balances(facts.balances, index, out)
    for pool in facts.average_pools or ():
        _check_average_pool(pool, index, out)
    return batches


def _check_date(area: str, key: object, at: dt.datetime, out: _Collector) -> None:
    if not EARLIEST <= at.date() <= LATEST:
        out.add(area, key, f"dated {at.date()}, outside {EARLIEST} to {LATEST}")


def _check_who(batch: PostingBatch, out: _Collector) -> None:
    """Who posted a batch and through what, when recorded, are names: non-empty text
    without control characters (a report or a filter must be able to show them)."""
    for field in ("user", "source"):
        value = getattr(batch, field)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or not value.isprintable():
            out.add("ledger batch", batch.posting_no, f"{field} {value!r} is not a readable name")


#: What cost adjustment posts for an order line on its last output not reversed, or on no
#: item entry when none is left
_ON_NO_OUTPUT = frozenset(
    (ValueEntryType.INDIRECT_COST, ValueEntryType.VARIANCE, ValueEntryType.ROUNDING)
)


def _check_value_source(index: LedgerIndex, value: ValueEntry, out: _Collector) -> None:
    if value.entry_type is ValueEntryType.WIP_WRITE_OFF and value.order_id is not None:
        return  # an order line's WIP written off at finishing: values no entry
    if (
        value.item_entry_no is None
        and value.order_id is not None
        and value.entry_type in _ON_NO_OUTPUT
    ):
        return  # cost adjustment of a line with no output left: values no entry
    source = value.item_entry_no if value.source is ValueSource.ITEM else value.capacity_entry_no
    table = index.items if value.source is ValueSource.ITEM else index.capacity
    if source is None or source not in table:
        out.add(
            "value entry",
            value.entry_no,
            f"values {value.source} entry {source}, which does not exist",
        )


def _check_gl_lines(value: ValueEntry, lines: list[GLEntry], out: _Collector) -> None:
    """A value entry's G/L lines carry its amount: debits equal credits (the batch check),
    and together they move the actual and the expected cost once each (an adjustment
    moves their sum), in the value's currency and order."""
    actual, expected = value.cost_amount_actual, value.cost_amount_expected
    with localcontext(EXACT_SUMS):  # every digit counts
        moved = sum((abs(line.amount) for line in lines), ZERO) / 2
        carried = (abs(actual) + abs(expected), abs(actual + expected))
    if moved not in carried:
        out.add(
            "value entry",
            value.entry_no,
            f"its G/L lines move {moved}, the entry holds {actual} actual and {expected} expected",
        )
    for line in lines:
        if line.currency != value.currency or line.order_id != value.order_id:
            out.add(
                "G/L entry",
                line.entry_no,
                f"currency {line.currency} / order {line.order_id} differ from value entry "
                f"{value.entry_no} ({value.currency} / {value.order_id})",
            )


def _check_item_reversal(index: LedgerIndex, item: ItemLedgerEntry, out: _Collector) -> None:
    target_no = item.applies_to_entry_no
    if target_no is None:
        return
    target = index.items.get(target_no)
    if target is None:
        out.add(
            "item entry",
            item.entry_no,
            f"reverses item entry {target_no}, which does not precede it",
        )
        return
    if target.item_no != item.item_no or (target.quantity > 0) == (item.quantity > 0):
        out.add("item entry", item.entry_no, f"does not offset item entry {target_no}")
    already = index.reversed_quantity(ValueSource.ITEM, target_no)
    if already + abs(item.quantity) > abs(target.quantity):
        out.add(
            "item entry", item.entry_no, f"reverses more of item entry {target_no} than it holds"
        )


def _check_item_return(index: LedgerIndex, item: ItemLedgerEntry, out: _Collector) -> None:
    """A return applying from a consumption (BC's *Applies-from Entry*) brings back part
    of an earlier consumption of the same order line, component and item, itself neither
    a return nor a reversal; with the reversals of that consumption, never more than it
    took."""
    target_no = item.applies_from_entry_no
    if target_no is None:
        return
    target = index.items.get(target_no)
    if (
        target is None
        or item.entry_type is not ItemEntryType.CONSUMPTION
        or item.quantity <= 0
        or target.entry_type is not ItemEntryType.CONSUMPTION
        or target.quantity >= 0
        or applied_from(target) is not None
        or (target.order_id, target.order_line_no, target.component_line_no, target.item_no)
        != (item.order_id, item.order_line_no, item.component_line_no, item.item_no)
    ):
        out.add(
            "item entry",
            item.entry_no,
            f"returns from item entry {target_no}, not an earlier consumption of its component",
        )
        return
    if index.reversed_quantity(ValueSource.ITEM, target_no) + item.quantity > -target.quantity:
        out.add(
            "item entry", item.entry_no, f"returns more of item entry {target_no} than it holds"
        )


def _check_capacity_reversal(index: LedgerIndex, cap: CapacityLedgerEntry, out: _Collector) -> None:
    """A capacity reversal names an earlier original on the same centre and order, takes
    back time of the opposite sign, and never more than the original's output (or the
    whole entry, counted 1, when it had none)."""
    target_no = cap.applies_to_entry_no
    if target_no is None:
        return
    target = index.capacity.get(target_no)
    if target is None or target.applies_to_entry_no is not None:
        what = "which does not precede it" if target is None else "itself a reversal"
        out.add("capacity entry", cap.entry_no, f"reverses capacity entry {target_no}, {what}")
        return
    same_place = (cap.type, cap.no, cap.work_center_no, cap.order_id) == (
        target.type,
        target.no,
        target.work_center_no,
        target.order_id,
    )
    if not same_place or cap.quantity * target.quantity > 0 or cap.applied_quantity <= 0:
        out.add("capacity entry", cap.entry_no, f"does not offset capacity entry {target_no}")
    whole = target.output_quantity or ONE
    already = index.reversed_quantity(ValueSource.CAPACITY, target_no)
    if already + cap.applied_quantity > whole:
        out.add(
            "capacity entry",
            cap.entry_no,
            f"reverses more of capacity entry {target_no} than it holds",
        )


def _check_counters(
    counters: LedgerCounters,
    batches: list[PostingBatch],
    next_numbers: dict[str, int],
    out: _Collector,
    *,
    gapless: bool = True,
) -> None:
    """The store's counters are the last numbers used: lower, and the next posting
    collides; higher, and the entries after them are gone (where numbers may have gaps,
    an entry counter may be higher: numbers set aside by a unit of work rolled back)."""
    last = {name: n - 1 for name, n in next_numbers.items()}
    last["posting"] = max((b.posting_no for b in batches), default=0)
    for name in ("posting", *_ENTRY_KINDS):
        stored = getattr(counters, name)
        if stored < last[name] or (stored > last[name] and (gapless or name == "posting")):
            out.add(
                "ledger counter",
                name,
                f"says {stored}, the last {name} number found is {last[name]}",
            )


def _check_idempotency(
    records: list[IdempotencyRecord], batches: list[PostingBatch], out: _Collector
) -> None:
    """Each remembered command points at the batch it posted, and each batch posted
    under a key is remembered (else a replay of the command would post again)."""
    by_no = {b.posting_no: b for b in batches}
    keys = set()
    for record in records:
        keys.add(record.key)
        posted = record.posting_no
        if posted is None:
            continue
        stored = by_no.get(posted)
        if stored is None:
            out.add("idempotency", record.key, f"points at missing posting {posted}")
        elif stored.idempotency_key != record.key:
            out.add(
                "idempotency",
                record.key,
                f"points at posting {posted}, which was posted under {stored.idempotency_key!r}",
            )
    for batch in batches:
        if batch.idempotency_key is not None and batch.idempotency_key not in keys:
            out.add(
                "ledger batch",
                batch.posting_no,
                f"posted under key {batch.idempotency_key!r}, which is not remembered: "
                "a replay would post it again",
            )


def _balance_checks(
    ledger: Any, index: LedgerIndex
) -> Iterator[tuple[str, object, Decimal, Callable[[], Decimal]]]:
    """(area, key, amount the entries add up to, the store's balance) for every key."""
    for (item_no, location), qty in index.on_hand_by_location.items():
        yield "on hand", (item_no, location), qty, partial(ledger.on_hand, item_no, location)
    for item_no, qty in index.on_hand_total.items():
        yield "on hand", item_no, qty, partial(ledger.on_hand, item_no)
    for consumed, qty in index.consumed.items():
        yield "consumed", consumed, qty, partial(ledger.consumed_quantity, *consumed)
    for output, qty in index.output.items():
        yield "output", output, qty, partial(ledger.output_quantity, *output)
    for order_id, amount in index.wip_by_order.items():
        yield "WIP", order_id, amount, partial(ledger.wip, order_id)
    for account, amount in index.accounts.items():
        yield "account", account, amount, partial(ledger.account_balance, account)
    for reversed_key, qty in index.reversed.items():
        yield "reversed", reversed_key, qty, partial(ledger.reversed_quantity, *reversed_key)
    for (centre, day), used in index.capacity_used_by_day.items():
        yield "capacity used", (centre, day), used, partial(ledger.capacity_used, centre, day, day)
    for (item_no, location, bin_code), qty in index.bins.on_hand.items():
        on_hand_in_bin = partial(ledger.on_hand_in_bin, item_no, location, bin_code)
        yield "bin on hand", (item_no, location, bin_code), qty, on_hand_in_bin
    for (item_no, location, lot, serial), qty in index.lot_on_hand_by_location.items():
        lot_on_hand = partial(ledger.lot_on_hand, item_no, lot, serial, location)
        yield "lot on hand", (item_no, location, lot, serial), qty, lot_on_hand
    for (order_id, line_no, kind), amount in index.order_cost_rows().items():
        stored_sum = partial(_order_cost_sum, ledger, order_id, (line_no, kind))
        yield "order cost", (order_id, line_no, kind), amount, stored_sum


def _order_cost_sum(ledger: Any, order_id: str, key: tuple[int, str]) -> Decimal:
    sums: dict[tuple[int, str], Decimal] = ledger.order_cost_sums(order_id)
    return sums.get(key, ZERO)


def _check_balances(uow: UnitOfWork, index: LedgerIndex, out: _Collector) -> None:
    """The store's running balances equal the entries re-added from scratch."""
    for area, key, expected, stored in _balance_checks(uow.ledger, index):
        got = out.guard(f"{area} balance", key, stored)
        if got is not None and got != expected:
            out.add(f"{area} balance", key, f"stored {got}, entries add up to {expected}")


def _check_output_lists(uow: UnitOfWork, index: LedgerIndex, out: _Collector) -> None:
    """Per order, the output entries and the value entries on them the store lists (an
    index it keeps, what cost adjustment reads) are those the entries make."""
    for order_id in sorted({*index.items_by_order, *index.values_by_order} - {""}):
        for area, listed, expected in (
            ("output entries", uow.ledger.output_entries, index.outputs_by_order),
            ("output values", uow.ledger.output_values, index.output_values_by_order),
        ):
            found = out.guard(area, order_id, partial(listed, order_id))
            want = expected.get(order_id, [])
            if found is not None and [e.entry_no for e in found] != want:
                got = [e.entry_no for e in found]
                out.add(area, order_id, f"the store lists {got}, the entries make {want}")


def _check_average_pool(kept: AveragePool, index: LedgerIndex, out: _Collector) -> None:
    """An average pool the store keeps equals the pool built again from the entries:
    every period's end and the whole pool's quantity and value."""
    out.checked += 1
    rebuilt = index.average_pool(kept.key)
    key = (kept.key.item_no, kept.key.location_code, kept.key.period.value)
    got = out.guard("average pool", key, kept.ends)
    if got is not None and (got, kept.quantity, kept.worth) != (
        rebuilt.ends(),
        rebuilt.quantity,
        rebuilt.worth,
    ):
        out.add("average pool", key, "kept periods differ from the entries' periods")


def _index_balances(index: LedgerIndex) -> dict[tuple[str, object], Decimal]:
    """The entries' balances keyed as :func:`_sql_balance_rows` keys the stored rows."""
    areas: tuple[tuple[str, dict[Any, Decimal], Callable[[Any], object]], ...] = (
        ("on hand", index.on_hand_by_location, tuple),
        ("consumed", index.consumed, tuple),
        ("output", index.output, tuple),
        ("WIP", index.wip_by_order, str),
        ("account", index.accounts, str),
        ("reversed", index.reversed, lambda k: (k[0].value, k[1])),
        ("capacity used", index.capacity_used_by_day, lambda k: (k[0], k[1].isoformat())),
        ("bin on hand", index.bins.on_hand, tuple),
        ("lot on hand", index.lot_on_hand_by_location, tuple),
        ("order cost", index.order_cost_rows(), tuple),
    )
    return {(area, key_of(k)): v for area, table, key_of in areas for k, v in table.items()}


def _check_stored_balances(
    stored: dict[tuple[str, object], Decimal], index: LedgerIndex, out: _Collector
) -> None:
    """Balance rows no entry accounts for (the per-key check cannot see them)."""
    computed = _index_balances(index)
    for (area, key), amount in stored.items():
        if (area, key) not in computed and amount:
            out.add(f"{area} balance", key, f"stored {amount}, no entries add up to it")


# --------------------------------------------------------------------------- SQL stores

_LEDGER_DOCS: dict[str, type] = {
    "ledger:batch": PostingBatch,
    "ledger:item": ItemLedgerEntry,
    "ledger:capacity": CapacityLedgerEntry,
    "ledger:value": ValueEntry,
    "ledger:gl": GLEntry,
}


def _column_value(record: Any, column: str) -> object:
    """What ``record``'s document says for the key column ``column``."""
    if column in ("type", "source"):
        return getattr(record, column).value
    if column == "source_entry_no":
        return (
            record.item_entry_no if record.source is ValueSource.ITEM else record.capacity_entry_no
        )
    return getattr(record, column)


#: Per area: the table and the key columns kept beside each document, the row's own key
#: first (named as the document's fields, see :func:`_column_value`). Queries and
#: indexes use the columns, so they must agree with the documents.
_KEY_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ledger:batch": ("prodcore_ledger_batches", ("posting_no", "idempotency_key")),
    "ledger:item": (
        "prodcore_item_entries",
        ("entry_no", "order_id", "item_no", "applies_to_entry_no"),
    ),
    "ledger:capacity": (
        "prodcore_capacity_entries",
        ("entry_no", "order_id", "type", "no", "work_center_no", "applies_to_entry_no"),
    ),
    "ledger:value": (
        "prodcore_value_entries",
        ("entry_no", "order_id", "source", "source_entry_no"),
    ),
    "ledger:gl": ("prodcore_gl_entries", ("entry_no", "order_id", "account")),
    "idempotency": ("prodcore_idempotency", ("key", "command_hash")),
}

#: Balance tables: (area, table, key columns); keys compare as :func:`_index_balances`.
_BALANCE_TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("on hand", "prodcore_bal_on_hand", ("item_no", "location_code")),
    ("consumed", "prodcore_bal_consumed", ("order_id", "line_no", "component_line_no")),
    ("output", "prodcore_bal_output", ("order_id", "line_no")),
    ("WIP", "prodcore_bal_wip", ("order_id",)),
    ("account", "prodcore_bal_account", ("account",)),
    ("reversed", "prodcore_bal_reversed", ("source", "entry_no")),
    ("capacity used", "prodcore_bal_capacity_day", ("centre_no", "day")),
    ("bin on hand", "prodcore_bal_on_hand_bin", ("item_no", "location_code", "bin_code")),
    (
        "lot on hand",
        "prodcore_bal_lot_on_hand",
        ("item_no", "location_code", "lot_no", "serial_no"),
    ),
    ("order cost", "prodcore_bal_order_cost", ("order_id", "line_no", "kind")),
)


def _sql_facts(store: Any, out: _Collector) -> _StoreFacts:
    """Load every stored document of a prodcore SQL store on its own (one bad row is
    reported, not fatal), compare key columns with documents, and collect the store
    facts."""
    from prodcore.adapters._sql import KINDS
    from prodcore.masterdata import ManufacturingSetup

    facts = _StoreFacts(posting_nos=set(), idempotency=[], gapless=store.gapless_numbers)
    loaded: dict[str, dict[object, Any]] = defaultdict(dict)  # area -> row key -> record
    for table, key, version, doc in store.documents():
        try:
            if table == "setup":
                loads(doc, ManufacturingSetup)
            elif table.startswith("master_data:"):
                kind = table.split(":", 1)[1]
                record: Any = loads(doc, KINDS[kind])
                if record.no != key:
                    out.add(table, key, f"document says number {record.no!r}")
            elif table.startswith("orders:"):
                order = loads(doc, ProductionOrder)
                status = table.split(":", 1)[1]
                if order.id != key or order.version != version or order.status.value != status:
                    out.add(
                        "order",
                        key,
                        f"columns (id {key!r}, version {version}, {status}) differ from the "
                        f"document (id {order.id!r}, version {order.version}, {order.status})",
                    )
            elif table == "posting_setup":
                loads(doc, PostingSetup)
            elif table == "idempotency":
                loaded[table][key] = _idempotency_row(loads(doc, IdempotencyRecord), facts)
            else:
                _note_posting(table, version, facts)
                loaded[table][int(key)] = loads(doc, _LEDGER_DOCS[table])
        except (ProdcoreError, KeyError) as err:
            out.add(table, key, f"stored document does not load: {err}")
    _check_key_columns(store, loaded, out)
    counters = store.query(
        "SELECT posting, item, capacity, value, gl FROM prodcore_ledger_counters WHERE id = 1"
    )
    facts.counters = LedgerCounters(*(int(v) for v in counters[0])) if counters else None
    facts.workers = {
        w for (w,) in store.query("SELECT DISTINCT worker FROM prodcore_registrations")
    }
    balances: dict[tuple[str, object], Decimal] = {}
    facts.balances = balances
    for area, table, columns in _BALANCE_TABLES:
        for *key, qty in store.query(f"SELECT {', '.join(columns)}, qty FROM {table}"):
            stored_key: object = key[0] if len(key) == 1 else tuple(key)
            amount = out.guard(f"{area} balance", stored_key, partial(to_decimal, qty, "qty"))
            if amount is not None:  # (the parts of an order cost sum add up)
                summed = EXACT_SUMS.add(balances.get((area, stored_key), ZERO), amount)
                balances[(area, stored_key)] = summed
    facts.average_pools = store.average_pools.pools(store.query)
    return facts


def _idempotency_row(record: IdempotencyRecord, facts: _StoreFacts) -> IdempotencyRecord:
    assert facts.idempotency is not None
    facts.idempotency.append(record)
    if record.posting_no is not None:
        facts.referenced.setdefault(record.posting_no, "idempotency rows")
    return record


def _note_posting(table: str, posting_no: int, facts: _StoreFacts) -> None:
    """A ledger row's posting number: a batch present, or one an entry row refers to."""
    assert facts.posting_nos is not None
    if table == "ledger:batch":
        facts.posting_nos.add(posting_no)
    else:
        facts.referenced.setdefault(posting_no, f"{table.split(':')[1]} entry rows")


def _check_key_columns(store: Any, loaded: dict[str, dict[object, Any]], out: _Collector) -> None:
    """Each row's key columns agree with its document (a row whose document did not
    load is reported already)."""
    for area, (table, columns) in _KEY_COLUMNS.items():
        records = loaded.get(area, {})
        for row in store.query(f"SELECT {', '.join(columns)} FROM {table}"):
            record = records.get(row[0])
            if record is None:
                continue
            for column, value in zip(columns, row, strict=True):
                says = _column_value(record, column)
                if says != value:
                    out.add(
                        area, row[0], f"column {column} is {value!r}, the document says {says!r}"
                    )


def ledger_hash_chain(batches: list[PostingBatch]) -> str:
    """A SHA-256 chain over the batches' canonical JSON, in posting order.

    Each link hashes the previous hash and one batch; keep the result somewhere else
    (a report, a log) and a later :func:`verify` shows whether history was rewritten.
    """
    return _hash_links(batches)[-1]


def _hash_links(batches: list[PostingBatch]) -> list[str]:
    """The chain after 0, 1, ... all batches (one pass: linear in the ledger)."""
    links = [""]
    for batch in batches:
        canonical = json.dumps(to_jsonable(batch), sort_keys=True, separators=(",", ":"))
        links.append(hashlib.sha256((links[-1] + canonical).encode()).hexdigest())
    return links


@in_own_context
def verify(
    uow_factory: Callable[[], UnitOfWork], *, expected_hash: str | None = None
) -> IntegrityReport:
    """Check everything ``uow_factory``'s store holds; never raises for bad data.

    ``expected_hash``: a :func:`ledger_hash_chain` value taken earlier; the ledger must
    still start with exactly those batches.
    """
    out = _Collector()
    facts = _store_facts(uow_factory, out)
    with uow_factory() as uow:
        _check_master_data(uow, out)
        orders = _check_orders(uow, out)
        _check_allocations(uow, out)
        batches = _check_ledger(uow, facts, out)
        _check_registrations(uow, orders, facts.workers, out)
        _check_who_index(uow, batches, out)
    links = _hash_links(batches)
    if expected_hash is not None and expected_hash not in links:
        out.add(
            "ledger", "hash chain", "the ledger no longer starts with the batches hashed earlier"
        )
    if _sealed(uow_factory):
        _check_seals(uow_factory, _links_by_posting(batches, links), out)
    return IntegrityReport(out.checked, tuple(out.problems), links[-1])


# --------------------------------------------------------------------------- seals
#
# A SQL store keeps the hash chain with its ledger: one seal row per committed batch,
# the chain's link after that batch. Sealing runs after the commits, never inside one,
# so it never makes writers wait for each other: :func:`seal_ledger` (``prodcore verify``
# calls it after a clean check) seals every batch committed since the last seal. A
# batch, entry or key column changed after its seal breaks that seal and every later
# one; verify reports the first broken seal.

_SEALS = "prodcore_ledger_seals"


def _sealed(store: object) -> bool:
    from prodcore.adapters._sql import SqlStore

    return isinstance(store, SqlStore)


def _links_by_posting(batches: list[PostingBatch], links: list[str]) -> dict[int, str]:
    return {b.posting_no: link for b, link in zip(batches, links[1:], strict=True)}


def _check_seals(store: Any, links: dict[int, str], out: _Collector) -> None:
    for posting_no, link in store.query(
        f"SELECT posting_no, link FROM {_SEALS} ORDER BY posting_no"
    ):
        out.checked += 1
        if links.get(posting_no) != link:
            out.add(
                "ledger",
                f"seal {posting_no}",
                "broken: this batch or one before it changed after it was sealed",
            )
            return  # every later seal breaks with it


def seal_ledger(uow_factory: Callable[[], UnitOfWork]) -> int:
    """Seal the batches of a SQL store committed since its last seal, when
    :func:`verify` finds nothing wrong (a tampered ledger is never sealed over); the
    number of batches sealed (0 for other stores, or when verify reports problems).

    >>> from prodcore.adapters import open_store
    >>> from prodcore.testing.contracts import sample_batch
    >>> with open_store("sqlite:///:memory:") as store:
    ...     with store() as uow:
    ...         _ = uow.ledger.append(sample_batch())
    ...         uow.commit()
    ...     seal_ledger(store), seal_ledger(store), verify(store).ok
    (1, 0, True)
    """
    if not _sealed(uow_factory):
        return 0
    store: Any = uow_factory
    if not verify(uow_factory).ok:
        return 0
    # the batches present (where numbers may have gaps, reading up to the first missing
    # one would stop at a rolled-back number)
    present = {int(n) for (n,) in store.query("SELECT posting_no FROM prodcore_ledger_batches")}
    facts = _StoreFacts(posting_nos=present, gapless=store.gapless_numbers)
    with uow_factory() as uow:
        batches = list(_read_batches(uow, facts, _Collector()))
    links = _links_by_posting(batches, _hash_links(batches))
    with store.transaction() as tx:
        last = tx.query(f"SELECT MAX(posting_no) FROM {_SEALS}")[0][0] or 0
        new = [(n, link) for n, link in links.items() if n > last]
        # a PostgreSQL write transaction locks nothing by itself: a concurrent sealer
        # may have written the same links
        tx.execute_many(
            f"INSERT INTO {_SEALS} (posting_no, link) VALUES (?, ?) "
            "ON CONFLICT (posting_no) DO NOTHING",
            new,
        )
    return len(new)
