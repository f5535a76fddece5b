"""Work a command no longer does twice (the tenth round on the memory side): a flushing
lifecycle command copies its order once to save it, a pool of open entries with nothing
staged is answered as read (no merge, no sort), and numbering looks up its copier once
per kind of record of a batch. What is stored is the same (see also
``tests/test_decision_fast_paths.py``, which compares the production flow's records).
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, ClassVar

import pytest

import prodcore.adapters._staging as staging
import prodcore.app.orders as app_orders
import prodcore.errors
from prodcore.adapters import Store, open_store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.ledger import model
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    LedgerCounters,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    number_batch,
)
from prodcore.ledger.posting import gl_moves, wip_change
from prodcore.ledger.valuation import moves_inventory
from prodcore.masterdata import Item
from prodcore.numbers import Duration, Rounding, RoundingMode, TimeUnit
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.records import revise
from prodcore.testing.contracts import sample_batch
from tests.test_benchmarks import load

CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))


@contextmanager
def _order_copies(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ProductionOrder]]:
    """The copies of orders the lifecycle handler makes (``revise`` of an order)."""
    copies: list[ProductionOrder] = []

    def counted(record: Any, **changes: Any) -> Any:
        if isinstance(record, ProductionOrder):
            copies.append(record)
        return revise(record, **changes)

    with monkeypatch.context() as patch:
        patch.setattr(app_orders, "revise", counted)
        yield copies


def _flow_store() -> Store:
    """The benchmark's master data with K=3: per sub-assembly a raw material flushed
    forward at release, one flushed with the output of operation 10 and one flushed
    backward at finish."""
    store = open_store("memory:")
    put_master_data(store(), load("bench_flow").master_data(3, "T-"))
    return store


def test_a_flushing_lifecycle_command_copies_its_order_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = _flow_store()
    handle(store(), CreateOrder("PO-1", "T-S0", 10, due_date=dt.date(2026, 3, 31)), clock=CLOCK)
    with _order_copies(monkeypatch) as copies:
        released = handle(store(), ChangeStatus("PO-1", OrderStatus.RELEASED), clock=CLOCK)
    assert released.posting is not None and released.order is not None  # flushed forward
    assert len(copies) == 1  # the version and the postings mark together (was 2)
    assert released.order.has_postings and released.order.version == 2
    for op in ("10", "20"):
        line = OutputLine(
            "PO-1", 10000, op, output_quantity=10, run_time=Duration(20, TimeUnit.MINUTE)
        )
        handle(store(), PostOutput(f"out/{op}", (line,)), clock=CLOCK)
    with _order_copies(monkeypatch) as copies:
        finished = handle(store(), ChangeStatus("PO-1", OrderStatus.FINISHED), clock=CLOCK)
    assert finished.posting is not None and finished.order is not None  # flushed backward
    assert len(copies) == 1
    with store() as uow:
        assert uow.orders.get("PO-1") == finished.order
        assert finished.order.has_postings and finished.order.status is OrderStatus.FINISHED


def test_an_order_whose_flush_posts_nothing_is_not_marked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store("memory:")
    put_master_data(store(), [Item("BOLT", base_unit="PCS")])  # no BOM: nothing flushed
    handle(store(), CreateOrder("PO-2", "BOLT", 5, due_date=dt.date(2026, 3, 31)), clock=CLOCK)
    with _order_copies(monkeypatch) as copies:
        released = handle(store(), ChangeStatus("PO-2", OrderStatus.RELEASED), clock=CLOCK)
    assert released.posting is None and released.order is not None
    assert len(copies) == 1 and not released.order.has_postings


@contextmanager
def _sorts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """The calls of ``sorted`` made by the staging module."""
    calls: list[object] = []

    def counted(values: Any, **options: Any) -> Any:
        calls.append(values)
        return sorted(values, **options)

    with monkeypatch.context() as patch:
        patch.setattr(staging, "sorted", counted, raising=False)
        yield calls


def test_open_entries_with_nothing_staged_are_answered_as_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store("memory:")
    put_master_data(store(), [Item("STEEL", base_unit="KG", unit_cost=2)])
    lines = (AdjustmentLine("STEEL", 5, "MAIN"), AdjustmentLine("STEEL", 3, "MAIN"))
    handle(store(), AdjustInventory("stock", lines), clock=CLOCK)
    with store() as uow:
        ledger = uow.ledger
        with _sorts(monkeypatch) as sorts:
            found = ledger.open_entries("STEEL", "MAIN", True)
        assert found == [(1, Decimal(5)), (2, Decimal(3))]
        assert not sorts  # taken in entry order as read: no merge, no sort
        found.clear()  # the answer is the caller's: what was noted stays
        assert ledger.open_entries("STEEL", "MAIN", True) == [(1, Decimal(5)), (2, Decimal(3))]
        ledger.append(sample_batch(qty=2))  # consumes 2 of entry 1: staged for the pool
        with _sorts(monkeypatch) as sorts:
            assert ledger.open_entries("STEEL", "MAIN", True) == [
                (1, Decimal(3)),
                (2, Decimal(3)),
            ]
        assert len(sorts) == 1  # merged with what is staged, then in entry order


def test_numbering_looks_its_copier_up_once_per_kind_of_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch = sample_batch()
    batch = PostingBatch.build(
        document_no="D",
        posted_at=batch.posted_at,
        item_entries=batch.item_entries,
        capacity_entries=batch.capacity_entries,
        # three records of one kind
        value_entries=tuple(
            revise(v, entry_no=-n) for n, v in enumerate(batch.value_entries * 3, start=1)
        ),
        gl_setup=model.PostingSetup(),
    )
    lookups: list[type] = []
    renumberer: Callable[..., Any] = model._renumberer

    def counted(cls: type, refs: Any) -> Any:
        lookups.append(cls)
        return renumberer(cls, refs)

    monkeypatch.setattr(model, "_renumberer", counted)
    numbered, _ = number_batch(batch, LedgerCounters(item=4, capacity=2, value=7, gl=9))
    assert sorted(cls.__name__ for cls in lookups) == [
        "CapacityLedgerEntry",
        "ItemLedgerEntry",
        "ValueEntry",
    ]  # one per kind, not one per record (was 5)
    assert [v.entry_no for v in numbered.value_entries] == [8, 9, 10]


class _Lock:
    """A lock that notes how it was asked for (free unless ``held``)."""

    def __init__(self, held: bool = False) -> None:
        self.held = held
        self.asked: list[tuple[tuple[object, ...], dict[str, object]]] = []

    def acquire(self, *args: object, **kwargs: object) -> bool:
        self.asked.append((args, kwargs))
        return not self.held

    def release(self) -> None:
        return


def test_a_free_numbering_is_taken_without_a_timed_wait() -> None:
    guard = staging.NumberingGuard(timeout=0.5)
    lock = guard._lock = _Lock()  # type: ignore[assignment]
    owner = object()
    guard.acquire(owner)
    assert lock.asked == [((False,), {})]
    guard.release(owner)
    lock.held = True  # another thread's turn: waited for, up to the timeout
    with pytest.raises(prodcore.errors.ConcurrencyError):
        guard.acquire(object())
    assert lock.asked[1:] == [((False,), {}), ((), {"timeout": 0.5})]


def test_a_commit_compares_the_counters_by_value_only_when_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store("memory:")
    put_master_data(store(), [Item("STEEL", base_unit="KG", unit_cost=2)])
    compared: list[object] = []
    equal = LedgerCounters.__eq__

    def counted(self: LedgerCounters, other: object) -> Any:
        compared.append(other)
        return equal(self, other)

    monkeypatch.setattr(LedgerCounters, "__eq__", counted)
    handle(store(), AdjustInventory("k-1", (AdjustmentLine("STEEL", 5),)), clock=CLOCK)
    assert not compared  # numbered after the store's own counters: nothing to compare
    first, second = store(), store()  # one thread: the second numbers beside the first
    with first, second:
        first.ledger.append(sample_batch(item_no="STEEL"))
        second.ledger.append(sample_batch(item_no="STEEL"))
        first.commit()
        with pytest.raises(prodcore.errors.ConcurrencyError):
            second.commit()  # the counters were replaced: compared, and they differ
    assert compared


def test_a_rounding_works_out_its_plan_when_built() -> None:
    # a cached property would give the class a __getattr__ that every attribute read of
    # a rounding passes through (and that keeps those reads from being specialized)
    assert "__getattr__" not in vars(Rounding)
    step, cents = Rounding(Decimal("0.5"), RoundingMode.UP), Rounding(Decimal("0.01"))
    assert step._plan == (None, "ROUND_UP") and cents._plan == (Decimal("0.01"), "ROUND_HALF_UP")
    assert step.apply(Decimal("1.2")) == Decimal("1.5")
    assert cents == Rounding(Decimal("0.01")) and repr(cents) == (
        "Rounding(precision=Decimal('0.01'), mode=<RoundingMode.HALF_UP: 'ROUND_HALF_UP'>)"
    )
    with pytest.raises(prodcore.errors.InvalidValueError):
        Rounding(Decimal(0))


@contextmanager
def _enum_reads() -> Iterator[list[str]]:
    """The enum members read through their class (``ValueSource.ITEM``), by the reading
    function's name."""
    reads: list[str] = []
    read = type.__getattribute__

    def counted(cls: type, name: str) -> Any:
        if not name.startswith("_"):
            reads.append(sys._getframe(1).f_code.co_name)
        return read(cls, name)

    enum.EnumType.__getattribute__ = counted  # type: ignore[method-assign,assignment]
    try:
        yield reads
    finally:
        del enum.EnumType.__getattribute__


def test_the_posting_rule_and_the_balances_read_no_enum_through_its_class() -> None:
    # Python 3.11 does not specialize an attribute read on a class: each such read of a
    # member, in the functions every value entry goes through, was a lookup
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    values = [
        ValueEntry(
            -1,
            entry_type,
            source,
            Decimal(5),
            Decimal(2),
            currency="EUR",
            item_entry_no=-1 if source is ValueSource.ITEM else None,
            capacity_entry_no=None if source is ValueSource.ITEM else -1,
            order_id=order_id,
            order_line_no=None if order_id is None else 10000,
            posted_at=at,
        )
        for entry_type in ValueEntryType
        for source in ValueSource
        for order_id in (None, "PO-1")
    ]
    setup = PostingSetup()
    index = LedgerIndex()
    batch = number_batch(sample_batch(), LedgerCounters())[0]
    with _enum_reads() as reads:
        moves = [gl_moves(v, setup) for v in values]
        inventory = [moves_inventory(v) for v in values]
        wip_change(values)
        index.apply(batch)
    assert reads == []
    assert sum(map(len, moves)) and any(inventory) and index.wip("PO-1")


class _Noted(Decimal):
    """A Decimal noting how ``quantize`` is asked (by position or by keyword)."""

    asked: ClassVar[list[tuple[int, tuple[str, ...]]]] = []

    def quantize(self, *args: Any, **kwargs: Any) -> Decimal:
        _Noted.asked.append((len(args), tuple(kwargs)))
        return Decimal(self).quantize(*args, **kwargs)


def test_a_rounding_gives_quantize_its_arguments_by_position() -> None:
    # keywords cost decimal's C method a parse of them: most of a quantize's time
    _Noted.asked.clear()
    assert Rounding(Decimal("0.01")).apply(_Noted("1.235")) == Decimal("1.24")
    assert _Noted.asked == [(3, ())]
