"""Finishing a line without output: refused unless allowed, its WIP then written off to
Inventory Adjustment; the finish check counts entries gross (reversed ones too)."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt

import pytest

from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import InvalidTransitionError
from prodcore.ledger import AccountRole, ValueEntryType, ValueSource
from prodcore.masterdata import ManufacturingSetup
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.journals import (
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    ReverseEntry,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus

from .shop import DUE, T0, D, Shop, records

# --- finish without output: WIP written off --------------------------------------------


def test_finish_without_output_writes_the_wip_off_to_inventory_adjustment() -> None:
    shop = Shop(finish_order_without_output=True)
    shop.consume(5)  # 5 x 2 = 10.00
    shop.output(OutputLine("PO-1", 10000, "10", setup_time=Duration(1, TimeUnit.HOUR)))
    with shop.uow:
        assert shop.uow.ledger.wip("PO-1") == D("34.00")  # 10 + 20 direct + 4 indirect
    shop.clock.advance(dt.timedelta(days=1))
    batch, warnings, notes = shop.finish(without_output=True)
    assert "Line 10000 is finished without output." in warnings
    assert "WIP of line 10000 written off to Inventory Adjustment: 34.00" in notes
    assert batch is not None
    (value,) = batch.value_entries  # type: ignore[attr-defined]
    assert value.entry_type is ValueEntryType.WIP_WRITE_OFF
    assert (value.cost_amount_actual, value.item_entry_no, value.order_line_no) == (
        D("34.00"),
        None,
        10000,
    )
    gl = [(g.account, g.role, g.amount) for g in batch.gl_entries]  # type: ignore[attr-defined]
    assert gl == [
        ("7270", AccountRole.INVENTORY_ADJUSTMENT, D("34.00")),
        ("2140", AccountRole.WIP, D("-34.00")),
    ]
    assert shop.order().status is OrderStatus.FINISHED
    with shop.uow:
        ledger = shop.uow.ledger
        assert ledger.wip("PO-1") == 0
        assert ledger.account_balance("7270") == D("34.00")
        assert ledger.account_balance("7890") == D("-20.00")  # direct cost applied
        assert ledger.account_balance("7891") == D("-4.00")  # overhead applied
        assert ledger.account_balance("2110") == D("-10.00")  # inventory of C


def test_finish_without_output_is_refused_unless_setup_and_command_allow_it() -> None:
    for setup_allows, asked in ((False, True), (True, False), (False, False)):
        shop = Shop(finish_order_without_output=setup_allows)
        shop.consume(5)
        before = shop.snapshot()
        with pytest.raises(InvalidTransitionError, match="no output"):
            shop.finish(without_output=asked)
        assert shop.snapshot() == before


def test_a_line_with_output_is_not_written_off() -> None:
    shop = Shop(finish_order_without_output=True)
    shop.consume(5)
    shop.output(
        OutputLine("PO-1", 10000, "10", output_quantity=1, run_time=Duration(1, TimeUnit.HOUR))
    )
    _, warnings, _ = shop.finish(without_output=True)
    assert "Line 10000 is finished without output." not in warnings
    with shop.uow:
        types = {v.entry_type for v in shop.uow.ledger.value_entries(order_id="PO-1")}
        assert ValueEntryType.WIP_WRITE_OFF not in types
        assert shop.uow.ledger.wip("PO-1") == D("4.00")  # 10 + 24 - 30: left for adjust cost


# --- the finish check counts entries, not balances --------------------------------------


def test_fully_reversed_consumption_still_needs_finish_without_output() -> None:
    shop = Shop()
    posted = shop.consume(5)
    assert posted.batch is not None
    shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, posted.batch.item_entries[0].entry_no))
    order = shop.order()
    assert order.lines[0].components[0].consumed_quantity == 0  # net: nothing consumed
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError, match="has consumption or capacity but no output"):
        shop.finish()
    assert shop.snapshot() == before

    allowed = Shop(finish_order_without_output=True)
    posted = allowed.consume(5)
    assert posted.batch is not None
    allowed.post(
        ReverseEntry(allowed.key(), ValueSource.ITEM, posted.batch.item_entries[0].entry_no)
    )
    batch, warnings, notes = allowed.finish(without_output=True)
    assert "Line 10000 is finished without output." in warnings
    assert batch is None  # WIP is 0: nothing to write off
    assert not any("written off" in n for n in notes)
    assert allowed.order().status is OrderStatus.FINISHED


def test_fully_reversed_capacity_counts_too_and_an_untouched_order_finishes() -> None:
    shop = Shop()
    posted = shop.output(OutputLine("PO-1", 10000, "10", run_time=Duration(1, TimeUnit.HOUR)))
    assert posted.batch is not None
    cap = posted.batch.capacity_entries[0].entry_no
    shop.post(ReverseEntry(shop.key(), ValueSource.CAPACITY, cap))
    with pytest.raises(InvalidTransitionError):
        shop.finish()
    untouched = Shop()
    _, warnings, _ = untouched.finish()
    assert untouched.order().status is OrderStatus.FINISHED
    assert "Output is missing on line 10000: 10 PCS remaining." in warnings


def test_write_off_through_a_sqlite_store_passes_verify() -> None:
    from prodcore.adapters import open_store
    from prodcore.integrity import verify

    with open_store("sqlite:///:memory:") as store:
        uow = store()
        clock = FixedClock(T0)
        put_master_data(
            uow,
            records(),  # type: ignore[arg-type]
            setup=ManufacturingSetup(finish_order_without_output=True),
        )
        handle(uow, CreateOrder("PO-1", "P", 10, due_date=DUE), clock=clock)
        handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
        handle(uow, PostConsumption("c", (ConsumptionLine("PO-1", 10000, 10000, 3),)), clock=clock)
        command = ChangeStatus("PO-1", OrderStatus.FINISHED, finish_without_output=True)
        done = handle(uow, command, clock=clock)
        assert done.posting is not None
        assert [v.entry_type for v in done.posting.value_entries] == [ValueEntryType.WIP_WRITE_OFF]
        with uow:
            assert uow.ledger.wip("PO-1") == 0
            assert uow.ledger.account_balance("7270") == D("6.00")
        report = verify(store)
        assert report.ok, str(report)
