"""Posting retries: a command redecided after a concurrent commit never double posts."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidValueError,
)
from prodcore.masterdata import (
    CapacityType,
    Item,
)
from prodcore.orders import AdjustInventory, AdjustmentLine
from prodcore.orders.journals import (
    CapacityLine,
    ConsumptionLine,
    PostCapacity,
    PostConsumption,
)

from .shop import T0, Shop

# --- auto-retry -----------------------------------------------------------------------------


class RacingUnitOfWork(InMemoryUnitOfWork):
    """Runs ``race`` (another unit of work committing) just before its first commit."""

    def __init__(self, store: InMemoryStore, race: Callable[[], object] | None = None) -> None:
        super().__init__(store)
        self.race = race
        self.commits = 0

    def commit(self) -> None:
        self.commits += 1
        if self.race is not None:
            race, self.race = self.race, None
            race()
        super().commit()


def _stock_shop() -> tuple[InMemoryStore, FixedClock]:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    clock = FixedClock(T0)
    put_master_data(uow, [Item("C", base_unit="PCS", unit_cost=2)])
    return store, clock


def _adjust(key: str, qty: int) -> AdjustInventory:
    return AdjustInventory(key, (AdjustmentLine("C", qty),))


def test_retry_redecides_after_a_concurrent_commit() -> None:
    store, clock = _stock_shop()
    other = InMemoryUnitOfWork(store)
    uow = RacingUnitOfWork(store, lambda: handle(other, _adjust("theirs", 5), clock=clock))
    result = handle(uow, _adjust("mine", 3), clock=clock, retries=1)
    assert uow.commits == 2
    assert result.batch is not None and result.batch.posting_no == 2
    assert result.batch.item_entries[0].entry_no == 2
    assert store.ledger.on_hand("C") == 8
    assert store.counters.posting == 2


def test_without_retries_the_loser_raises_and_writes_nothing() -> None:
    store, clock = _stock_shop()
    other = InMemoryUnitOfWork(store)
    uow = RacingUnitOfWork(store, lambda: handle(other, _adjust("theirs", 5), clock=clock))
    with pytest.raises(ConcurrencyError):
        handle(uow, _adjust("mine", 3), clock=clock)
    assert store.ledger.on_hand("C") == 5
    assert set(store.idempotency) == {"theirs"}
    with pytest.raises(InvalidValueError):
        handle(uow, _adjust("again", 1), clock=clock, retries=-1)


def test_retry_of_an_order_posting_after_the_order_changed() -> None:
    shop = Shop()
    other = InMemoryUnitOfWork(shop.store)
    theirs = PostConsumption("theirs", (ConsumptionLine("PO-1", 10000, 10000, 2),))
    uow = RacingUnitOfWork(shop.store, lambda: handle(other, theirs, clock=shop.clock))
    mine = PostConsumption("mine", (ConsumptionLine("PO-1", 10000, 10000, 3),))
    handle(uow, mine, clock=shop.clock, retries=2)
    assert uow.commits == 2
    assert shop.order().lines[0].components[0].consumed_quantity == 5
    assert shop.store.ledger.on_hand("C") == -5


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=9), st.sampled_from(["same", "other", "none"])
        ),
        min_size=1,
        max_size=6,
    )
)
def test_retry_never_double_posts(steps: list[tuple[int, str]]) -> None:
    """A racer commits first: the same command (same key), another one, or nothing.
    With retries every command is posted exactly once."""
    store, clock = _stock_shop()
    expected = 0
    keys: set[str] = set()
    for n, (qty, race) in enumerate(steps):
        mine = _adjust(f"mine-{n}", qty)
        other = InMemoryUnitOfWork(store)
        racer: Callable[[], object] | None = None
        if race == "same":
            racer = lambda mine=mine, other=other: handle(other, mine, clock=clock)  # noqa: E731
        elif race == "other":
            theirs = _adjust(f"theirs-{n}", 1)
            racer = lambda theirs=theirs, other=other: handle(other, theirs, clock=clock)  # noqa: E731
            expected += 1
            keys.add(theirs.idempotency_key)
        uow = RacingUnitOfWork(store, racer)
        result = handle(uow, mine, clock=clock, retries=3)
        expected += qty
        keys.add(mine.idempotency_key)
        assert result.batch is not None
        record = store.idempotency[mine.idempotency_key]
        assert record.resolved(store.ledger.batches.__getitem__) == result
    assert store.ledger.on_hand("C") == expected
    assert store.counters.posting == len(keys)
    assert set(store.idempotency) == keys


def test_retry_after_the_same_key_was_committed_by_a_racer_returns_its_result() -> None:
    """A command that posts nothing conflicts on its key alone (DuplicateError)."""
    shop = Shop()
    empty = PostCapacity("cap", (CapacityLine(CapacityType.WORK_CENTER, "WC"),))
    other = InMemoryUnitOfWork(shop.store)
    uow = RacingUnitOfWork(shop.store, lambda: handle(other, empty, clock=shop.clock))
    before = shop.store.counters
    result = handle(uow, empty, clock=shop.clock, retries=1)
    assert result.batch is None and uow.commits == 1  # the retry found the key
    assert shop.store.idempotency["cap"].result == result
    assert shop.store.counters == before
    racing = RacingUnitOfWork(
        shop.store,
        lambda: handle(other, PostCapacity("cap-2", empty.lines), clock=shop.clock),
    )
    with pytest.raises(DuplicateError):  # without retries the key conflict is raised
        handle(racing, PostCapacity("cap-2", empty.lines), clock=shop.clock)
