"""The application pauses the cyclic garbage collector around its scheduling runs (the
scheduling engine leaves it alone), and leaves it as the caller had it."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import pytest

import prodcore.app.scheduling as app_scheduling
from prodcore.app import handle
from prodcore.app.scheduling import collector_paused, reschedule, reschedule_shop
from prodcore.clock import FixedClock
from prodcore.commands import ScheduleOrder
from prodcore.orders.lifecycle import CreateOrder
from tests.scheduling.test_absences import MON, _store


def _spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[bool]:
    seen: list[bool] = []
    real = getattr(app_scheduling, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(app_scheduling, name, spy)
    return seen


def test_a_shop_reschedule_and_an_order_schedule_run_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = _store()
    clock = FixedClock(MON)
    handle(store(), CreateOrder("P", "ONE", 2, due_date=dt.date(2026, 3, 6)), clock=clock)
    sequenced, scheduled = _spy(monkeypatch, "sequence_orders"), _spy(monkeypatch, "schedule_order")
    reschedule_shop(store(), clock=clock)
    reschedule(store(), ScheduleOrder("P"), clock=clock)
    assert (sequenced, scheduled) == ([False], [False])
    assert gc.isenabled()


def test_a_pause_leaves_the_collector_as_the_caller_had_it() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left off, as the caller had it
    finally:
        gc.enable()
