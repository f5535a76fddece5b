"""Every command can be previewed: decided and staged as ``handle`` would, then rolled back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, preview
from prodcore.clock import FixedClock
from prodcore.errors import InvalidTransitionError
from prodcore.orders import ChangeStatus, CreateOrder, OrderStatus, OutputLine, PostOutput

from .conftest import DUE


def _state(store: InMemoryStore) -> tuple[object, ...]:
    return (
        dict(store.orders),
        store.counters,
        dict(store.idempotency),
        dict(store.ledger.accounts),
    )


def test_previewing_a_posting_shows_its_entries_and_writes_nothing(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    handle(
        uow,
        CreateOrder("PO-1", "TABLE", 10, due_date=DUE, status=OrderStatus.RELEASED),
        clock=clock,
    )
    before = _state(store)
    command = PostOutput("out-1", (OutputLine("PO-1", 10000, "20", output_quantity=Decimal(4)),))
    seen = preview(uow, command, clock=clock)
    assert seen.batch is not None and [e.quantity for e in seen.batch.item_entries][-1] == 4
    assert _state(store) == before
    done = handle(uow, command, clock=clock)  # the same key was not consumed by the preview
    assert done.batch is not None and done.batch.item_entries == seen.batch.item_entries


def test_previewing_a_release_shows_the_forward_flush(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    handle(uow, CreateOrder("PO-1", "TABLE", 10, due_date=DUE), clock=clock)
    before = _state(store)
    out = preview(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
    assert out.order is not None and out.order.status is OrderStatus.RELEASED
    assert _state(store) == before


def test_a_refused_preview_raises_like_handle(uow: InMemoryUnitOfWork, clock: FixedClock) -> None:
    handle(uow, CreateOrder("PO-1", "TABLE", 10, due_date=DUE), clock=clock)
    command = PostOutput("out-1", (OutputLine("PO-1", 10000, "20", output_quantity=Decimal(4)),))
    with pytest.raises(InvalidTransitionError):
        preview(uow, command, clock=clock)  # the order is not released
