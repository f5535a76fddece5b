"""Reversal details: dating at the original, partial shares without trailing zeros, the
scrap of a line without routing, counters in the component's unit, and the command hash."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import (
    InvalidValueError,
    NotAllowedError,
)
from prodcore.ledger import ItemEntryType, ValueSource
from prodcore.masterdata import (
    BomLine,
    Item,
    ItemUnitOfMeasure,
    ProductionBom,
    Replenishment,
)
from prodcore.numbers import Duration, Rounding, TimeUnit
from prodcore.orders.journals import (
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    ReverseEntry,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.orders.reversal import share
from prodcore.serialization import dumps, loads

from .shop import DUE, T0, D, Shop

# --- reversal dating ----------------------------------------------------------------------


def test_reversal_entries_take_the_original_posting_date() -> None:
    shop = Shop()
    posted = shop.output(
        OutputLine("PO-1", 10000, "10", output_quantity=10, run_time=Duration(2, TimeUnit.HOUR))
    )
    assert posted.batch is not None
    out = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    later = T0 + dt.timedelta(days=3)
    shop.clock.at = later
    rev = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no, 4))
    assert rev.batch is not None
    assert rev.batch.posted_at == later  # when it was recorded
    batch = rev.batch
    stamps = (
        {e.posted_at for e in batch.item_entries}
        | {e.posted_at for e in batch.capacity_entries}
        | {e.posted_at for e in batch.value_entries}
        | {e.posted_at for e in batch.gl_entries}
    )
    assert stamps == {T0}
    with shop.uow:  # capacity used is taken back on the day it was used
        assert shop.uow.ledger.capacity_used("WC", T0.date(), T0.date()) == D("1.2")
        assert shop.uow.ledger.capacity_used("WC", later.date(), later.date()) == 0


def test_a_reversal_may_be_dated_explicitly_but_not_before_the_original() -> None:
    shop = Shop()
    posted = shop.output(OutputLine("PO-1", 10000, "10", output_quantity=10))
    assert posted.batch is not None
    out = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    before = shop.snapshot()
    with pytest.raises(NotAllowedError, match="before the entry it reverses"):
        shop.post(
            ReverseEntry(
                "early", ValueSource.ITEM, out.entry_no, posted_at=T0 - dt.timedelta(days=1)
            )
        )
    assert shop.snapshot() == before
    with pytest.raises(InvalidValueError, match="timezone"):
        ReverseEntry("naive", ValueSource.ITEM, 1, posted_at=dt.datetime(2026, 3, 5))  # noqa: DTZ001
    when = dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC)
    command = ReverseEntry("dated", ValueSource.ITEM, out.entry_no, posted_at=when)
    assert loads(dumps(command), ReverseEntry) == command
    rev = shop.post(command)
    assert rev.batch is not None
    assert {e.posted_at for e in rev.batch.item_entries} == {when}
    assert {e.posted_at for e in rev.batch.gl_entries} == {when}


# --- partial reversal rounding ------------------------------------------------------------


def test_partial_reversal_quantities_carry_no_trailing_zeros() -> None:
    shop = Shop()
    posted = shop.output(
        OutputLine(
            "PO-1",
            10000,
            "10",
            output_quantity=10,
            scrap_quantity=1,
            setup_time=Duration(15, TimeUnit.MINUTE),
            run_time=Duration(50, TimeUnit.MINUTE),
            finished=True,
        )
    )
    assert posted.batch is not None
    out = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    first = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no, "4"))
    assert first.batch is not None
    cap = first.batch.capacity_entries[0]
    # hours: 0.25 setup, 0.83333 run; 4 of 10 reversed
    texts = [
        str(x) for x in (cap.setup_time, cap.run_time, cap.output_quantity, cap.scrap_quantity)
    ]
    assert texts == ["-0.1", "-0.33333", "-4", "-0.4"]
    assert str(first.batch.item_entries[0].quantity) == "-4"
    assert str(first.batch.value_entries[0].valued_quantity) == "-0.43333"  # setup + run
    second = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no, "6.000"))
    assert second.batch is not None
    cap2 = second.batch.capacity_entries[0]
    assert [str(x) for x in (cap2.output_quantity, cap2.scrap_quantity)] == ["-6", "-0.6"]
    assert str(second.batch.item_entries[0].quantity) == "-6"
    # the parts add up exactly to the original
    assert cap.run_time + cap2.run_time == D("-0.83333")
    op = shop.order().lines[0].operations[0]
    assert (op.output_quantity, op.scrap_quantity) == (0, 0)


# --- scrap of a line without routing --------------------------------------------------------


def test_reversing_output_of_a_line_without_routing_reverses_its_scrap() -> None:
    shop = Shop(routing=False)
    posted = shop.output(OutputLine("PO-1", 10000, output_quantity=8, scrap_quantity=2))
    assert posted.batch is not None
    (out,) = [e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT]
    assert (out.quantity, out.scrap_quantity, out.capacity_entry_no) == (8, 2, None)
    line = shop.order().lines[0]
    assert (line.finished_quantity, line.scrap_quantity) == (8, 2)
    part = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no, 2))
    assert part.batch is not None
    assert str(part.batch.item_entries[0].scrap_quantity) == "-0.5"
    line = shop.order().lines[0]
    assert (line.finished_quantity, line.scrap_quantity) == (6, D("1.5"))
    rest = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no))
    assert rest.batch is not None
    assert str(rest.batch.item_entries[0].scrap_quantity) == "-1.5"
    line = shop.order().lines[0]
    assert (line.finished_quantity, line.scrap_quantity) == (0, 0)
    with shop.uow:
        assert shop.uow.ledger.on_hand("P") == 0


# --- reversal counters in the component's unit ----------------------------------------------


def test_reversing_consumption_in_another_unit_updates_the_component_in_its_unit() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    clock = FixedClock(T0)
    put_master_data(
        uow,
        [
            Item("C", base_unit="PCS", unit_cost=2, units=(ItemUnitOfMeasure("BOX", 10),)),
            Item(
                "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B"
            ),
            ProductionBom("B", (BomLine("C", 1, unit="BOX"),)),
        ],
    )
    handle(uow, CreateOrder("PO-1", "P", 5, due_date=DUE), clock=clock)
    handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
    posted = handle(
        uow, PostConsumption("c", (ConsumptionLine("PO-1", 10000, 10000, 3),)), clock=clock
    )
    assert posted.batch is not None
    (entry,) = posted.batch.item_entries
    assert (entry.quantity, entry.unit) == (-30, "PCS")
    handle(uow, ReverseEntry("r1", ValueSource.ITEM, entry.entry_no, 10), clock=clock)
    with uow:
        comp = uow.orders.get("PO-1").lines[0].components[0]
    assert (comp.unit, comp.consumed_quantity) == ("BOX", 2)
    handle(uow, ReverseEntry("r2", ValueSource.ITEM, entry.entry_no), clock=clock)
    with uow:
        assert uow.orders.get("PO-1").lines[0].components[0].consumed_quantity == 0
        assert uow.ledger.on_hand("C") == 0


def test_reverse_entry_hash_is_unchanged_by_the_new_posted_at_field() -> None:
    """Idempotency keys stored before ``posted_at`` existed still match their command."""
    import hashlib
    import json

    from prodcore.app import command_hash

    old = {
        "type": "ReverseEntry",
        "idempotency_key": "rev-1",
        "source": "ITEM",
        "entry_no": 1,
        "quantity": None,
        "include_flushed_consumption": False,
        "document_no": "",
    }
    text = json.dumps(old, sort_keys=True, separators=(",", ":"))
    before = hashlib.sha256(text.encode()).hexdigest()
    assert command_hash(ReverseEntry("rev-1", ValueSource.ITEM, 1)) == before
    dated = ReverseEntry("rev-1", ValueSource.ITEM, 1, posted_at=T0)
    assert command_hash(dated) != before


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=-10_000, max_value=10_000, places=2),
    cuts=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=6),
)
def test_reversal_shares_add_up_to_the_original_exactly(amount: Decimal, cuts: list[int]) -> None:
    """However an entry is reversed in parts, the rounded parts add up to its amount."""
    total = Decimal(sum(cuts))
    cent = Rounding(Decimal("0.01"))
    done = Decimal(0)
    parts: list[Decimal] = []
    for cut in cuts:
        parts.append(share(amount, done, done + cut, total, cent))
        done += cut
    assert sum(parts, Decimal(0)) == amount
    assert all(abs(p) <= abs(amount) for p in parts)
