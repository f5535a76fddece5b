"""An idempotency record points at the batch its command posted (kept once, in the
ledger) instead of holding the batch again, and a repeat still answers the whole result,
on every store; a record that posted nothing holds its result as before."""

from __future__ import annotations

from decimal import Decimal

from prodcore.adapters import Store
from prodcore.app import handle
from prodcore.clock import FixedClock
from prodcore.orders.journals import ConsumptionLine, PostConsumption
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.serialization import dumps
from tests.app.test_bulk import _setup
from tests.orders.conftest import DUE, T0
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)

CLOCK = FixedClock(T0)


def _consume(key: str, quantity: int) -> PostConsumption:
    return PostConsumption(key, (ConsumptionLine("PO-1", 10000, 20000, Decimal(quantity)),))


def test_the_record_points_at_its_batch_and_a_repeat_answers_it_whole(store: Store) -> None:
    _setup(store())
    handle(store(), CreateOrder("PO-1", "TABLE", 4, due_date=DUE), clock=CLOCK)
    handle(store(), ChangeStatus("PO-1", OrderStatus.RELEASED), clock=CLOCK)
    first = handle(store(), _consume("K", 1), clock=CLOCK)
    assert first.batch is not None
    with store() as uow:
        record = uow.ledger.idempotency("K")
    assert record is not None
    assert (record.result.batch, record.batch_no) == (None, first.batch.posting_no)
    assert "item_entries" not in dumps(record)
    assert handle(store(), _consume("K", 1), clock=CLOCK) == first
    with store() as uow:
        assert uow.ledger.batch(first.batch.posting_no) == first.batch


def test_a_record_of_nothing_posted_holds_its_result(store: Store) -> None:
    _setup(store())
    handle(store(), CreateOrder("PO-1", "TABLE", 4, due_date=DUE), clock=CLOCK)
    handle(store(), ChangeStatus("PO-1", OrderStatus.RELEASED), clock=CLOCK)
    empty = handle(store(), PostConsumption("E", ()), clock=CLOCK)
    with store() as uow:
        record = uow.ledger.idempotency("E")
    assert record is not None
    assert (record.batch_no, record.posting_no, record.result) == (None, None, empty)
    assert handle(store(), PostConsumption("E", ()), clock=CLOCK) == empty
