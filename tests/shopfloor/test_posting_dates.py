"""Posting dates: back-dating into the allowed window, refusals outside it, entries
keeping both dates, balances as of a date by posting date."""

from __future__ import annotations

import datetime as dt

import pytest

from prodcore.errors import PostingDateError
from prodcore.ledger.periods import on_hand_as_of
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
)
from prodcore.testing.shop import T0, Shop


def _stock(shop: Shop, posting_date: dt.date | None = None) -> None:
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("LEG", 100),), posting_date=posting_date))


def test_a_back_dated_consumption_lands_in_the_earlier_period(shop: Shop) -> None:
    _stock(shop, dt.date(2026, 2, 10))
    day = dt.date(2026, 2, 27)
    result = shop.post(
        PostConsumption(shop.key(), (ConsumptionLine("PO-1", 10000, 10000, 40),), posting_date=day)
    )
    assert result.batch is not None
    entry = result.batch.item_entries[0]
    assert entry.posted_at == dt.datetime(2026, 2, 27, 8, tzinfo=dt.UTC)
    assert entry.registered_at == T0
    assert {v.posted_at.date() for v in result.batch.value_entries} == {day}
    assert {g.registered_at for g in result.batch.gl_entries} == {T0}
    with shop.uow:
        entries = shop.uow.ledger.item_entries(item_no="LEG")
    assert on_hand_as_of(entries, "LEG", dt.date(2026, 2, 26)) == 100
    assert on_hand_as_of(entries, "LEG", dt.date(2026, 2, 28)) == 60


def test_without_a_posting_date_entries_post_at_the_clock(shop: Shop) -> None:
    _stock(shop)
    with shop.uow:
        (entry,) = shop.uow.ledger.item_entries(item_no="LEG")
    assert (entry.posted_at, entry.registered_at) == (T0, None)


def test_a_line_date_wins_over_the_command_date(shop: Shop) -> None:
    _stock(shop, dt.date(2026, 2, 2))
    lines = (
        ConsumptionLine("PO-1", 10000, 10000, 4, posting_date=dt.date(2026, 2, 20)),
        ConsumptionLine("PO-1", 10000, 10000, 4),
    )
    result = shop.post(PostConsumption(shop.key(), lines, posting_date=dt.date(2026, 2, 25)))
    assert result.batch is not None
    assert [e.posted_at.day for e in result.batch.item_entries] == [20, 25]


@pytest.mark.parametrize("day", [dt.date(2026, 1, 31), dt.date(2026, 4, 1)])
def test_a_date_outside_the_allowed_range_is_refused_and_nothing_changes(
    shop: Shop, day: dt.date
) -> None:
    _stock(shop)
    before = shop.snapshot()
    with pytest.raises(PostingDateError) as refused:
        shop.post(
            PostConsumption(
                shop.key(), (ConsumptionLine("PO-1", 10000, 10000, 4),), posting_date=day
            )
        )
    assert refused.value.posting_date == day.isoformat()
    assert shop.snapshot() == before


def test_output_lines_take_posting_dates_too(shop: Shop) -> None:
    line = OutputLine("PO-1", 10000, "10", output_quantity=2, posting_date=dt.date(2026, 2, 28))
    result = shop.post(PostOutput(shop.key(), (line,)))
    assert result.batch is not None
    assert {c.posted_at.date() for c in result.batch.capacity_entries} == {dt.date(2026, 2, 28)}


def test_the_clock_itself_is_checked_against_the_window() -> None:
    from tests.shopfloor.conftest import make_shop

    shop = make_shop()
    shop.clock = type(shop.clock)(dt.datetime(2026, 4, 2, 8, tzinfo=dt.UTC))
    with pytest.raises(PostingDateError):
        _stock(shop)


def test_commands_without_a_posting_date_serialize_as_before() -> None:
    from prodcore.serialization import to_jsonable

    data = to_jsonable(PostConsumption("k", (ConsumptionLine("PO-1", 10000, 10000, 1),)))
    assert "posting_date" not in data and "posting_date" not in data["lines"][0]
    dated = PostConsumption("k", (), posting_date=dt.date(2026, 2, 27))
    assert to_jsonable(dated)["posting_date"] == "2026-02-27"
