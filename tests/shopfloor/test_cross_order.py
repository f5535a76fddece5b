"""A worker's registrations across orders (one worker, one job at a time unless the
setup allows parallel jobs), reversing a stop, and the stores' per-worker index."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodcore.adapters._schema import MIGRATIONS
from prodcore.adapters.sqlite import SqliteStore
from prodcore.app import handle
from prodcore.errors import NotAllowedError
from prodcore.ledger.model import ValueSource
from prodcore.masterdata import ManufacturingSetup
from prodcore.orders.journals import AdjustInventory, AdjustmentLine, ReverseEntry
from prodcore.orders.registering import RegisterJobEvent
from prodcore.orders.registration import JobEvent, JobEventType, Registration, registered_time
from prodcore.orders.reverse_all import ReverseOrderPostings
from prodcore.ports import UnitOfWork
from prodcore.reports.tables import postings
from prodcore.testing.shop import Shop
from tests.shopfloor.conftest import OPEN_FROM, OPEN_TO, make_shop

START, PAUSE, RESUME, STOP = JobEventType


#: the table a migration statement creates
CREATED = re.compile(r"\s*CREATE TABLE (\w+)")


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hour, minute, tzinfo=dt.UTC)


def job(
    shop: Shop,
    order: str,
    worker: str,
    kind: JobEventType,
    moment: dt.datetime,
    op: str = "10",
    **kw: object,
) -> RegisterJobEvent:
    event = JobEvent(order, 10000, op, worker, kind, moment, **kw)  # type: ignore[arg-type]
    return RegisterJobEvent(shop.key(), event)


def two_orders(uow: UnitOfWork | None = None) -> Shop:
    shop = make_shop(uow)
    shop.create("PO-2", "TABLE", 5)
    shop.release("PO-2")
    return shop


@pytest.fixture(params=["memory", "sqlite"])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    if request.param == "memory":
        yield two_orders()
        return
    store = SqliteStore(tmp_path / "shop.sqlite")
    yield two_orders(store())
    store.close()


def registrations(shop: Shop, worker: str) -> tuple[Registration, ...]:
    with shop.uow:
        return shop.uow.orders.registrations(worker)


# --- one worker, one job at a time across orders -----------------------------------------


def test_a_worker_on_po1_cannot_start_on_po2_meanwhile(shop: Shop) -> None:
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    before = (shop.order("PO-1"), shop.order("PO-2"))
    with pytest.raises(NotAllowedError, match="ANNA is still registered on PO-1 10000/10"):
        shop.post(job(shop, "PO-2", "ANNA", START, at(8, 30)))
    assert (shop.order("PO-1"), shop.order("PO-2")) == before
    # nor before her last moment on PO-1, once she stopped there
    shop.post(job(shop, "PO-1", "ANNA", STOP, at(9)))
    with pytest.raises(NotAllowedError, match="before ANNA's last registered moment"):
        shop.post(job(shop, "PO-2", "ANNA", START, at(8, 45)))
    shop.post(job(shop, "PO-2", "ANNA", START, at(9)))
    shop.post(job(shop, "PO-1", "BEN", START, at(9)))  # another worker is free
    assert [(r.order_id, r.is_open) for r in registrations(shop, "ANNA")] == [
        ("PO-1", False),
        ("PO-2", True),
    ]
    with shop.uow:
        assert [r.order_id for r in shop.uow.orders.registrations("ANNA", after=at(10))] == ["PO-2"]


def test_a_pause_or_stop_names_the_job_the_worker_is_on(shop: Shop) -> None:
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    with pytest.raises(NotAllowedError, match="it is not started"):
        shop.post(job(shop, "PO-2", "ANNA", PAUSE, at(8, 30)))


def test_a_setup_allowing_parallel_jobs_lets_a_worker_run_two_orders() -> None:
    shop = two_orders()
    setup = ManufacturingSetup(
        allow_posting_from=OPEN_FROM, allow_posting_to=OPEN_TO, allow_parallel_registrations=True
    )
    from prodcore.app import put_master_data

    put_master_data(shop.uow, [], setup=setup)
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    shop.post(job(shop, "PO-2", "ANNA", START, at(8, 30)))
    with pytest.raises(NotAllowedError, match="still registered on PO-1"):
        shop.post(job(shop, "PO-1", "ANNA", START, at(8, 45)))  # the same job twice
    shop.post(job(shop, "PO-1", "ANNA", STOP, at(9)))
    shop.post(job(shop, "PO-2", "ANNA", STOP, at(9)))
    # each job counts its own time in full
    assert [
        o.posted_run_time
        for o in (shop.order(n).line(10000).operations[0] for n in ("PO-1", "PO-2"))
    ] == [
        Decimal(60),
        Decimal(30),
    ]


# --- reversing a stop ----------------------------------------------------------------------


def test_reversing_a_stop_marks_its_registration_reversed_and_frees_the_time(
    shop: Shop,
) -> None:
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    posted = shop.post(job(shop, "PO-1", "ANNA", STOP, at(8, 45), output_quantity=3))
    assert posted.batch is not None
    (reg,) = shop.order().registrations
    assert reg.posted_by == posted.batch.idempotency_key and not reg.is_reversed
    entry_no = posted.batch.capacity_entries[0].entry_no
    reversal = ReverseEntry("REV-1", ValueSource.CAPACITY, entry_no)
    shop.post(reversal)
    (reg,) = shop.order().registrations
    assert reg.reversed_by == "REV-1"
    op = shop.order().line(10000).operations[0]
    assert op.posted_run_time == 0
    # the reversed time may be registered again (the correction), here on PO-2
    shop.post(job(shop, "PO-2", "ANNA", START, at(8)))
    assert [r.order_id for r in registrations(shop, "ANNA") if not r.is_reversed] == ["PO-2"]


def test_a_partial_reversal_of_a_stop_is_refused_and_nothing_changes() -> None:
    shop = two_orders()
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    posted = shop.post(job(shop, "PO-1", "ANNA", STOP, at(9), output_quantity=4))
    assert posted.batch is not None
    entry_no = posted.batch.capacity_entries[0].entry_no
    snapshot = shop.snapshot()
    with pytest.raises(NotAllowedError, match="reversed as a whole"):
        shop.post(ReverseEntry(shop.key(), ValueSource.CAPACITY, entry_no, quantity=1))
    assert shop.snapshot() == snapshot


def test_reversing_the_output_of_the_last_operation_reverses_its_registration() -> None:
    shop = two_orders()
    shop.post(job(shop, "PO-1", "ANNA", START, at(8), op="20"))
    posted = shop.post(job(shop, "PO-1", "ANNA", STOP, at(9), op="20", output_quantity=2))
    assert posted.batch is not None
    (output,) = posted.batch.item_entries
    shop.post(ReverseEntry("REV-OUT", ValueSource.ITEM, output.entry_no))
    (reg,) = shop.order().registrations
    assert reg.reversed_by == "REV-OUT"


def test_reversing_every_posting_of_the_order_reverses_its_registrations() -> None:
    shop = two_orders()
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    shop.post(job(shop, "PO-1", "ANNA", STOP, at(9), output_quantity=1))
    shop.post(job(shop, "PO-1", "BEN", START, at(8), setup=True))
    shop.post(job(shop, "PO-1", "BEN", STOP, at(8, 20)))
    shop.post(ReverseOrderPostings("ALL", "PO-1"))
    assert [r.reversed_by for r in shop.order().registrations] == ["ALL", "ALL"]


def test_a_registration_posted_before_the_link_existed_stays_as_it_is() -> None:
    shop = two_orders()
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    posted = shop.post(job(shop, "PO-1", "ANNA", STOP, at(9)))
    assert posted.batch is not None
    # as stored before stops recorded their key
    order = shop.store.orders["PO-1"]
    unlinked = attrs.evolve(order.registrations[0], posted_by=None)
    shop.store.put_order("PO-1", attrs.evolve(order, registrations=(unlinked,)))
    shop.post(ReverseEntry("REV", ValueSource.CAPACITY, posted.batch.capacity_entries[0].entry_no))
    assert shop.order().registrations == (unlinked,)


# --- the store keeps the index ----------------------------------------------------------------


def test_migration_8_indexes_the_registrations_stored_on_orders(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    store = SqliteStore(path)
    shop = two_orders(store())
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    shop.post(job(shop, "PO-1", "ANNA", STOP, at(9)))
    shop.post(job(shop, "PO-2", "ANNA", START, at(9)))
    handle(
        shop.uow, AdjustInventory("who", (AdjustmentLine("LEG", 1),)), clock=shop.clock, user="ben"
    )
    store.close()
    # the store as schema 7 left it: registrations on the orders only, no index (the
    # tables of migration 8 and of every later one dropped, so they all run again)
    later = [(version, statements) for version, _, statements in MIGRATIONS if version >= 8]
    with sqlite3.connect(path) as conn:
        for _, statements in later:
            for statement in statements:
                if isinstance(statement, str) and (made := CREATED.match(statement)):
                    conn.execute(f"DROP TABLE {made[1]}")
        conn.execute("DELETE FROM prodcore_schema_migrations WHERE version >= 8")
    conn.close()
    reopened = SqliteStore(path)
    assert reopened.applied_migrations == tuple(version for version, _ in later)
    again = Shop(uow=reopened())
    event = JobEvent("PO-1", 10000, "10", "ANNA", START, at(10))
    with pytest.raises(NotAllowedError, match="still registered on PO-2"):
        again.post(RegisterJobEvent("after-migration", event))
    assert [r.order_id for r in registrations(again, "ANNA")] == ["PO-1", "PO-2"]
    with again.uow:
        assert [b.idempotency_key for b in postings(again.uow.ledger, user="ben")] == ["who"]
    reopened.close()


def test_deleting_an_order_removes_its_registrations_from_the_index() -> None:
    shop = two_orders()
    shop.create("PO-3", "TABLE", 1)
    with shop.uow:
        order = shop.uow.orders.get("PO-3")
        reg = Registration("PO-3", 10000, "10", "ANNA", at(8))
        shop.uow.orders.save(
            attrs.evolve(order, registrations=(reg,), version=order.version + 1),
            expected_version=order.version,
        )
        assert shop.uow.orders.registrations("ANNA") == (reg,)  # staged, seen at once
        shop.uow.commit()
    assert registrations(shop, "ANNA") == (reg,)
    with shop.uow:
        shop.uow.orders.delete("PO-3", expected_version=order.version + 1)
        assert shop.uow.orders.registrations("ANNA") == ()
        shop.uow.commit()
    assert registrations(shop, "ANNA") == ()


# --- property: registered time is posted time, reversals included ------------------------

WORKERS = ("ANNA", "BEN")
_steps = st.lists(
    st.tuples(
        st.sampled_from(WORKERS),
        st.sampled_from(("PO-1", "PO-2")),
        st.sampled_from(list(JobEventType)),
        st.integers(min_value=-5, max_value=60),
        st.booleans(),  # setup time (on a start), or reverse the stop (on a stop)
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_steps)
def test_registered_time_not_reversed_is_the_posted_time_per_operation(
    steps: list[tuple[str, str, JobEventType, int, bool]],
) -> None:
    shop = two_orders()
    clock = dict.fromkeys(WORKERS, at(6))
    for worker, order, kind, minutes, flag in steps:
        moment = clock[worker] + dt.timedelta(minutes=minutes)
        setup = flag and kind is START
        try:
            result = shop.post(job(shop, order, worker, kind, moment, setup=setup))
        except NotAllowedError:
            continue
        clock[worker] = moment
        if kind is STOP and flag and result.batch and result.batch.capacity_entries:
            entry_no = result.batch.capacity_entries[0].entry_no
            shop.post(ReverseEntry(shop.key(), ValueSource.CAPACITY, entry_no))
    # one worker never overlaps across orders
    for worker in WORKERS:
        regs = [r for r in registrations(shop, worker) if not r.is_reversed]
        for a, b in itertools.pairwise(regs):
            assert a.stopped_at is not None and a.stopped_at <= b.started_at
    with shop.uow:
        caps = shop.uow.ledger.capacity_entries()
    for order_id in ("PO-1", "PO-2"):
        placed = shop.order(order_id)
        counted = [r for r in placed.registrations if not r.is_open and not r.is_reversed]
        registered = sum((registered_time(r).amount for r in counted), Decimal(0))
        op = placed.line(10000).operations[0]
        assert op.posted_run_time + op.posted_setup_time == registered
        posted = sum((c.used_time for c in caps if c.order_id == order_id), Decimal(0))
        assert posted == registered


# --- verify ----------------------------------------------------------------------------------


def _verified(shop: Shop) -> str:
    from prodcore.adapters import MemoryStoreFactory
    from prodcore.integrity import verify

    factory = MemoryStoreFactory()
    factory.store = shop.store  # verify reads a memory store's own facts through its factory
    report = verify(factory)
    return str(report) if not report.ok else ""


def _posted_and_reversed() -> Shop:
    shop = two_orders()
    shop.post(job(shop, "PO-1", "ANNA", START, at(8)))
    posted = shop.post(job(shop, "PO-1", "ANNA", STOP, at(9)))
    assert posted.batch is not None
    shop.post(ReverseEntry("REV", ValueSource.CAPACITY, posted.batch.capacity_entries[0].entry_no))
    shop.post(job(shop, "PO-2", "BEN", START, at(9)))
    handle(
        shop.uow, AdjustInventory("who", (AdjustmentLine("LEG", 1),)), clock=shop.clock, user="ben"
    )
    return shop


def _tamper(shop: Shop, **changes: Any) -> None:
    """Change ANNA's registration on PO-1 as stored, keeping the index in step."""
    order = shop.store.orders["PO-1"]
    reg = attrs.evolve(order.registrations[0], **changes)
    shop.store.put_order("PO-1", attrs.evolve(order, registrations=(reg,)))


def test_verify_passes_registrations_and_who_posted() -> None:
    assert _verified(_posted_and_reversed()) == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"operation_no": "99"}, "Operation of order line 10000 '99' does not exist"),
        ({"posted_by": "K1"}, "posted by 'K1', which posted no capacity on its operation"),
        ({"reversed_by": "NOPE"}, "reversed by 'NOPE', an unknown command"),
    ],
)
def test_verify_finds_a_registration_that_does_not_match_the_ledger(
    changes: dict[str, Any], message: str
) -> None:
    shop = _posted_and_reversed()
    _tamper(shop, **changes)
    assert message in _verified(shop)


def test_verify_finds_an_index_out_of_step() -> None:
    shop = _posted_and_reversed()
    shop.store.registrations["BEN"].clear()
    assert "registrations BEN: the per-worker index differs from the orders" in _verified(shop)
    shop = _posted_and_reversed()
    shop.store.batches_by_user["ben"].clear()
    assert "the store does not find postings" in _verified(shop)


def test_verify_finds_index_rows_of_a_worker_on_no_order(tmp_path: Path) -> None:
    from prodcore.integrity import verify
    from prodcore.serialization import dumps

    shop = _posted_and_reversed()
    stray = Registration("PO-1", 10000, "10", "ZOE", at(7))
    shop.store.registrations["ZOE"] = {"PO-1": (stray,)}
    assert "registrations ZOE: the per-worker index differs" in _verified(shop)
    store = SqliteStore(tmp_path / "shop.sqlite")
    two_orders(store())
    assert verify(store).ok
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO prodcore_registrations "
            "(order_id, seq, worker, is_open, is_reversed, last_moment, doc) "
            "VALUES ('PO-9', 0, 'ZOE', 1, 0, '', ?)",
            (dumps(stray),),
        )
    assert "registrations ZOE: the per-worker index differs" in str(verify(store))
    store.close()


def test_a_workers_registrations_are_a_conflict_key_of_who_reads_and_who_writes_them() -> None:
    """Where commits run side by side (PostgreSQL), a start that read ANNA's
    registrations and a rival that writes one for ANNA on another order must conflict."""
    from prodcore.adapters._staging import (
        Reads,
        StagedLedger,
        StagedMasterData,
        StagedOrders,
        conflict_keys,
    )
    from prodcore.ledger.model import LedgerCounters

    shop = two_orders()
    shop.post(job(shop, "PO-2", "ANNA", START, at(9)))
    with shop.uow:
        po2 = shop.uow.orders.get("PO-2")
    reads = Reads()
    _ = reads.note(("registrations", "ANNA", at(10)), ())
    reader = conflict_keys(
        reads,
        StagedMasterData(None, reads),  # type: ignore[arg-type]
        StagedOrders(None, reads),  # type: ignore[arg-type]
        StagedLedger(None, reads, LedgerCounters),  # type: ignore[arg-type]
    )
    writer_orders = StagedOrders(None, Reads())  # type: ignore[arg-type]
    writer_orders.staged["PO-2"] = po2
    writer = conflict_keys(
        Reads(),
        StagedMasterData(None, Reads()),  # type: ignore[arg-type]
        writer_orders,
        StagedLedger(None, Reads(), LedgerCounters),  # type: ignore[arg-type]
    )
    assert ("w", "ANNA") in reader.read
    assert ("w", "ANNA") in writer.written
