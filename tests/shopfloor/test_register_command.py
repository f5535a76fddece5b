"""Job registration through the one way in: RegisterJobEvent stores registrations on
the order and a stop posts its time and quantities as an output posting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from prodcore.adapters.sqlite import SqliteStore
from prodcore.app import handle
from prodcore.errors import NotAllowedError, OpenRegistrationError
from prodcore.ledger.model import ValueSource
from prodcore.orders.journals import ReverseEntry
from prodcore.orders.registering import RegisterJobEvent, find_registrations
from prodcore.orders.registration import JobEvent, JobEventType
from prodcore.testing.shop import Shop
from tests.shopfloor.conftest import make_shop

START, PAUSE, RESUME, STOP = JobEventType


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hour, minute, tzinfo=dt.UTC)


def register(
    shop: Shop, worker: str, kind: JobEventType, moment: dt.datetime, op: str = "10", **kw: object
) -> RegisterJobEvent:
    event = JobEvent("PO-1", 10000, op, worker, kind, moment, **kw)  # type: ignore[arg-type]
    return RegisterJobEvent(shop.key(), event, posting_date=kw.get("date"))  # type: ignore[arg-type]


def test_a_stop_posts_75_minutes_at_its_posting_date_stamped_with_who(shop: Shop) -> None:
    for kind, moment in ((START, at(8)), (PAUSE, at(9)), (RESUME, at(9, 15))):
        result = shop.post(register(shop, "ANNA", kind, moment))
        assert result.batch is None  # only the registration changes
    stop = RegisterJobEvent(
        "STOP-1",
        JobEvent("PO-1", 10000, "10", "ANNA", STOP, at(9, 30), output_quantity=4),
        posting_date=dt.date(2026, 2, 27),
    )
    result = handle(shop.uow, stop, clock=shop.clock, user="ANNA", source="terminal-3")
    assert result.batch is not None
    assert (result.batch.user, result.batch.source) == ("ANNA", "terminal-3")
    (cap,) = result.batch.capacity_entries
    assert (cap.run_time, cap.output_quantity) == (Decimal(75), Decimal(4))
    assert cap.posted_at.date() == dt.date(2026, 2, 27)
    (reg,) = shop.order().registrations
    assert (reg.stopped_at, reg.output_quantity) == (at(9, 30), Decimal(4))
    # replaying the stop posts nothing more
    assert handle(shop.uow, stop, clock=shop.clock) == result
    assert len(shop.order().registrations) == 1


def test_the_stop_posting_is_reversed_like_any_other(shop: Shop) -> None:
    shop.post(register(shop, "ANNA", START, at(8)))
    posted = shop.post(register(shop, "ANNA", STOP, at(8, 45)))
    assert posted.batch is not None
    entry_no = posted.batch.capacity_entries[0].entry_no
    reversal = shop.post(ReverseEntry(shop.key(), ValueSource.CAPACITY, entry_no))
    assert reversal.batch is not None
    assert reversal.batch.capacity_entries[0].run_time == -45


def test_two_workers_on_one_operation_both_post(shop: Shop) -> None:
    shop.post(register(shop, "ANNA", START, at(8)))
    shop.post(register(shop, "BEN", START, at(8, 30), setup=True))
    shop.post(register(shop, "BEN", STOP, at(9)))
    shop.post(register(shop, "ANNA", STOP, at(10), output_quantity=6))
    op = shop.order().line(10000).operations[0]
    assert (op.posted_run_time, op.posted_setup_time) == (Decimal(120), Decimal(30))


@pytest.mark.parametrize(
    "events",
    [
        [(RESUME, at(8))],  # nothing started
        [(START, at(8)), (RESUME, at(8, 30))],  # a resume without a pause
        [(START, at(8)), (STOP, at(7))],  # a stop before its start
        [(START, at(8)), (START, at(8, 30))],  # overlapping registrations of one worker
    ],
)
def test_a_refused_event_changes_nothing(
    shop: Shop, events: list[tuple[JobEventType, dt.datetime]]
) -> None:
    *before, (kind, moment) = events
    for k, m in before:
        shop.post(register(shop, "ANNA", k, m))
    snapshot = shop.snapshot()
    with pytest.raises(NotAllowedError):
        shop.post(register(shop, "ANNA", kind, moment))
    assert shop.snapshot() == snapshot


def test_an_open_registration_blocks_finishing(shop: Shop) -> None:
    shop.post(register(shop, "ANNA", START, at(8), op="20"))
    snapshot = shop.snapshot()
    with pytest.raises(OpenRegistrationError, match="ANNA is still registered on PO-1 10000/20"):
        shop.finish()
    assert shop.snapshot() == snapshot
    shop.post(register(shop, "ANNA", STOP, at(9), op="20", output_quantity=10))
    assert shop.finish().order is not None


def test_registrations_are_stored_and_found_per_order_centre_and_worker(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "shop.sqlite")
    shop = make_shop(store())
    shop.post(register(shop, "ANNA", START, at(8)))
    shop.post(register(shop, "ANNA", STOP, at(9), output_quantity=1))
    shop.post(register(shop, "BEN", START, at(9), op="20"))
    store.close()
    reopened = SqliteStore(tmp_path / "shop.sqlite")
    order = Shop(uow=reopened()).order()
    reopened.close()
    assert [r.worker for r in find_registrations([order])] == ["ANNA", "BEN"]
    assert [r.worker for r in find_registrations([order], centre="PAINT")] == ["BEN"]
    (anna,) = find_registrations([order], worker="ANNA")
    assert (anna.started_at, anna.stopped_at) == (at(8), at(9))
