"""Job registration: time registered by workers becomes run and setup time on capacity
entries; impossible sequences are refused."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.errors import NotAllowedError
from prodcore.ledger.model import ValueSource
from prodcore.orders.journals import PostOutput, ReverseEntry
from prodcore.orders.registering import output_lines
from prodcore.orders.registration import (
    JobBoard,
    JobEvent,
    JobEventType,
    Registration,
    registered_time,
)
from prodcore.testing.shop import Shop

START, PAUSE, RESUME, STOP = JobEventType


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hour, minute, tzinfo=dt.UTC)


def ev(
    worker: str, kind: JobEventType, moment: dt.datetime, op: str = "10", **kw: object
) -> JobEvent:
    return JobEvent("PO-1", 10000, op, worker, kind, moment, **kw)  # type: ignore[arg-type]


def test_a_job_with_a_15_minute_pause_posts_75_minutes_of_run_time(shop: Shop) -> None:
    board = JobBoard().apply_all(
        [
            ev("ANNA", START, at(8)),
            ev("ANNA", PAUSE, at(9)),
            ev("ANNA", RESUME, at(9, 15)),
            ev("ANNA", STOP, at(9, 30), output_quantity=4),
        ]
    )
    result = shop.post(PostOutput(shop.key(), output_lines(board.registrations)))
    assert result.batch is not None
    (cap,) = result.batch.capacity_entries
    assert (cap.run_time, cap.setup_time, cap.output_quantity) == (
        Decimal(75),
        Decimal(0),
        Decimal(4),
    )


def test_two_workers_overlapping_on_one_operation_post_both(shop: Shop) -> None:
    board = JobBoard().apply_all(
        [
            ev("ANNA", START, at(8)),
            ev("BEN", START, at(8, 30), setup=True),
            ev("BEN", STOP, at(9)),
            ev("ANNA", STOP, at(10), output_quantity=6),
        ]
    )
    result = shop.post(PostOutput(shop.key(), output_lines(board.registrations)))
    assert result.batch is not None
    caps = result.batch.capacity_entries
    assert [(c.run_time, c.setup_time) for c in caps] == [
        (Decimal(120), Decimal(0)),
        (Decimal(0), Decimal(30)),
    ]
    assert shop.order().line(10000).operations[0].posted_run_time == 120


def test_a_registered_posting_is_reversed_like_any_other(shop: Shop) -> None:
    board = JobBoard().apply_all([ev("ANNA", START, at(8)), ev("ANNA", STOP, at(8, 45))])
    posted = shop.post(PostOutput(shop.key(), output_lines(board.registrations)))
    assert posted.batch is not None
    entry_no = posted.batch.capacity_entries[0].entry_no
    reversal = shop.post(ReverseEntry(shop.key(), ValueSource.CAPACITY, entry_no))
    assert reversal.batch is not None
    assert reversal.batch.capacity_entries[0].run_time == -45


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        ([ev("ANNA", START, at(8)), ev("ANNA", START, at(9), op="20")], "must not overlap"),
        ([ev("ANNA", START, at(8)), ev("ANNA", STOP, at(7))], "before"),
        ([ev("ANNA", START, at(8)), ev("ANNA", RESUME, at(9))], "not paused"),
        ([ev("ANNA", START, at(8)), ev("ANNA", PAUSE, at(9)), ev("ANNA", PAUSE, at(9))], "already"),
        ([ev("ANNA", STOP, at(9))], "not started"),
        (
            [ev("ANNA", START, at(8)), ev("ANNA", STOP, at(9)), ev("ANNA", START, at(8, 30))],
            "before",
        ),
    ],
)
def test_impossible_sequences_are_refused_and_the_board_is_unchanged(
    events: list[JobEvent], reason: str
) -> None:
    board = JobBoard().apply_all(events[:-1])
    with pytest.raises(NotAllowedError, match=reason):
        board.apply(events[-1])
    assert board == JobBoard().apply_all(events[:-1])


def test_a_stop_while_paused_ends_the_pause_and_open_ones_are_listed() -> None:
    board = JobBoard().apply_all(
        [ev("ANNA", START, at(8)), ev("ANNA", PAUSE, at(8, 20)), ev("ANNA", STOP, at(9))]
    )
    assert registered_time(board.registrations[0]).amount == 20
    board = board.apply(ev("BEN", START, at(9)))
    assert [r.worker for r in board.open_on("PO-1")] == ["BEN"]
    assert [r.worker for r in board.for_worker("ANNA")] == ["ANNA"]
    assert len(board.for_order("PO-1")) == 2
    assert output_lines(board.open_on("PO-1")) == ()


# --- properties ------------------------------------------------------------------------

WORKERS = ("ANNA", "BEN", "CARL")
_steps = st.lists(
    st.tuples(
        st.sampled_from(WORKERS),
        st.sampled_from(list(JobEventType)),
        st.integers(min_value=-5, max_value=60),
        st.sampled_from(("10", "20")),
        st.booleans(),
    ),
    max_size=40,
)


def _board(steps: list[tuple[str, JobEventType, int, str, bool]]) -> JobBoard:
    """Apply the steps (minutes after the worker's last moment), skipping refusals."""
    board = JobBoard()
    clock = {w: at(6) for w in WORKERS}
    for worker, kind, minutes, op, setup in steps:
        moment = clock[worker] + dt.timedelta(minutes=minutes)
        try:
            board = board.apply(ev(worker, kind, moment, op=op, setup=setup))
        except NotAllowedError:
            continue
        clock[worker] = moment
    return board


def _intervals(reg: Registration) -> list[tuple[dt.datetime, dt.datetime]]:
    end = reg.stopped_at or reg.last_moment
    cuts = [reg.started_at]
    for start, stop in reg.pauses:
        cuts += [start, stop or end]
    cuts.append(end)
    return list(zip(cuts[::2], cuts[1::2], strict=True))


@settings(max_examples=200, deadline=None)
@given(_steps)
def test_registrations_never_overlap_for_one_worker(
    steps: list[tuple[str, JobEventType, int, str, bool]],
) -> None:
    board = _board(steps)
    for worker in WORKERS:
        spans = sorted(i for r in board.for_worker(worker) for i in _intervals(r))
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start


@settings(max_examples=200, deadline=None)
@given(_steps)
def test_registered_time_equals_the_posted_run_and_setup_time_per_operation(
    steps: list[tuple[str, JobEventType, int, str, bool]],
) -> None:
    board = _board(steps)
    lines = output_lines(board.registrations)
    for op in ("10", "20"):
        stopped = [r for r in board.registrations if r.operation_no == op and not r.is_open]
        registered = sum((registered_time(r).amount for r in stopped), Decimal(0))
        posted = sum(
            (ol.run_time.amount + ol.setup_time.amount for ol in lines if ol.operation_no == op),
            Decimal(0),
        )
        assert posted == registered
        assert registered * 60 == sum(int(r.worked.total_seconds()) for r in stopped)


@settings(max_examples=30, deadline=None)
@given(_steps)
def test_registered_time_is_what_the_capacity_entries_post_per_operation(
    steps: list[tuple[str, JobEventType, int, str, bool]],
) -> None:
    from tests.shopfloor.conftest import make_shop

    board = _board(steps)
    lines = output_lines(board.registrations)
    shop = make_shop()
    if lines:
        shop.post(PostOutput(shop.key(), lines))
    with shop.uow:
        caps = shop.uow.ledger.capacity_entries(order_id="PO-1")
    for op in ("10", "20"):
        stopped = [r for r in board.registrations if r.operation_no == op and not r.is_open]
        registered = sum((registered_time(r).amount for r in stopped), Decimal(0))
        posted = sum((c.used_time for c in caps if c.operation_no == op), Decimal(0))
        assert posted == registered
