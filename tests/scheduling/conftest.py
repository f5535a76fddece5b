"""Fixtures for the capacity tests: a Monday–Friday 08:00–16:00 shop and order builders,
all from the shared harness :mod:`prodcore.testing.shop`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

import pytest

from prodcore.calendars import ShopCalendar
from prodcore.masterdata import MasterData
from prodcore.orders.model import Operation, ProductionOrder
from prodcore.scheduling import Calendars
from prodcore.testing.shop import capacity, operation, routed_order, weekday_calendar

JAN5 = dt.date(2026, 1, 5)  # a Monday

OrderFactory = Callable[..., ProductionOrder]
OpFactory = Callable[..., Operation]
CalendarFactory = Callable[..., Calendars]


@pytest.fixture
def shop() -> ShopCalendar:
    return weekday_calendar()


@pytest.fixture
def make_op() -> OpFactory:
    return operation


@pytest.fixture
def make_order() -> OrderFactory:
    return routed_order


@pytest.fixture
def calendars_for(shop: ShopCalendar) -> Callable[..., tuple[MasterData, Calendars]]:
    """``calendars_for(work_centers, machine_centers=(), days=60)`` from Monday 2026-01-05."""
    return partial(capacity, shop=shop, start=JAN5)
