"""Item application: each outbound item entry applied to inbound entries (FIFO, fixed
for a reversal), the remaining quantity per entry, and the refusal to reverse output
whose units have left inventory (BC), on every store."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.adapters import Store, open_store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import InsufficientQuantityError, NotFoundError
from prodcore.ledger import ItemEntryType, ItemLedgerEntry, LedgerIndex, PostingBatch, ValueSource
from prodcore.masterdata import Item, ManufacturingSetup, Replenishment
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    OutputLine,
    PostOutput,
    ReverseEntry,
)
from prodcore.orders.lifecycle import CreateOrder
from prodcore.orders.model import OrderStatus
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)
from tests.persistence.conftest import snapshot

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
CLOCK = FixedClock(T0)
D = Decimal
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _output_then_ship(store: Store, shipped: int) -> int:
    """Negative inventory allowed: output 10 P (entry 1), then ``shipped`` of them leave
    inventory with a negative adjustment (entry 2); the output's entry number."""
    put_master_data(
        store(),
        [Item("P", base_unit="PCS", unit_cost=3, replenishment=Replenishment.PRODUCTION)],
        setup=ManufacturingSetup(allow_negative_inventory=True),
    )
    handle(
        store(),
        CreateOrder("PO-1", "P", 10, due_date=dt.date(2026, 3, 9), status=OrderStatus.RELEASED),
        clock=CLOCK,
    )
    out = handle(
        store(), PostOutput("O", (OutputLine("PO-1", 10000, output_quantity=10),)), clock=CLOCK
    )
    assert out.batch is not None
    handle(store(), AdjustInventory("ship", (AdjustmentLine("P", -shipped),)), clock=CLOCK)
    return out.batch.item_entries[0].entry_no


def test_output_whose_units_left_inventory_cannot_be_reversed(store: Store) -> None:
    # 10 out, 6 shipped: 4 remain on the output entry; reversing 10 would leave -6 on hand
    entry_no = _output_then_ship(store, 6)
    with store() as uow:
        assert uow.ledger.remaining_quantity(entry_no) == 4
        before = snapshot(uow)
    with pytest.raises(InsufficientQuantityError) as err:
        handle(store(), ReverseEntry("R1", ValueSource.ITEM, entry_no), clock=CLOCK)
    assert (err.value.requested, err.value.available) == (D(10), D(4))
    with store() as uow:
        assert snapshot(uow) == before  # refused: nothing written
    handle(store(), ReverseEntry("R2", ValueSource.ITEM, entry_no, quantity=4), clock=CLOCK)
    with store() as uow:
        assert (uow.ledger.remaining_quantity(entry_no), uow.ledger.on_hand("P")) == (D(0), D(0))
        (applied,) = [a for a in uow.ledger.item_applications(entry_no) if a.quantity == 4]
        assert uow.ledger.item_entry(applied.outbound_entry_no).applies_to_entry_no == entry_no
    with pytest.raises(InsufficientQuantityError):
        handle(store(), ReverseEntry("R3", ValueSource.ITEM, entry_no, quantity=1), clock=CLOCK)


def test_output_still_in_inventory_is_reversed_in_full(store: Store) -> None:
    entry_no = _output_then_ship(store, 1)
    with store() as uow:
        stock = uow.ledger.on_hand("P")
    handle(store(), ReverseEntry("R", ValueSource.ITEM, entry_no, quantity=9), clock=CLOCK)
    with store() as uow:
        assert (stock, uow.ledger.on_hand("P"), uow.ledger.remaining_quantity(entry_no)) == (
            D(9),
            D(0),
            D(0),
        )


def _entry(no: int, qty: Decimal, location: str) -> ItemLedgerEntry:
    kind = ItemEntryType.POSITIVE_ADJUSTMENT if qty > 0 else ItemEntryType.NEGATIVE_ADJUSTMENT
    return ItemLedgerEntry(no, kind, "A", qty, unit="PCS", location_code=location, posted_at=T0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-9, 9).filter(bool), st.sampled_from(["", "EAST"])),
        min_size=1,
        max_size=25,
    )
)
def test_applications_keep_remaining_equal_to_on_hand_and_take_oldest_first(
    moves: list[tuple[int, str]],
) -> None:
    index = LedgerIndex()
    for no, (qty, loc) in enumerate(moves, start=1):
        before = dict(index.open_entries("A", loc, qty < 0))
        index.apply(PostingBatch(no, "D", T0, item_entries=(_entry(no, D(qty), loc),)))
        applied = index.item_applications(no)
        # FIFO: the entries taken from are the oldest open ones of the other direction
        taken = [a.inbound_entry_no if qty < 0 else a.outbound_entry_no for a in applied]
        others = sorted(before)
        assert taken == others[: len(taken)]
        assert sum((a.quantity for a in applied), D(0)) <= abs(qty)
        for location in ("", "EAST"):
            ins, outs = (index.open_entries("A", location, inbound) for inbound in (True, False))
            assert sum((left for _, left in ins + outs), D(0)) == index.on_hand("A", location)
            assert all(left > 0 for _, left in ins) and all(left < 0 for _, left in outs)
            assert not (ins and outs)  # never both directions open


def test_an_old_store_is_applied_on_upgrade_as_replayed(tmp_path: Path) -> None:
    # the 0.1.0 store has no applications: the upgrade applies its entries FIFO, the same
    # as a memory store replaying its batches
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "store_v0_1_0.sqlite", path)
    with open_store(f"sqlite:///{path}") as factory, factory() as uow:
        entries = uow.ledger.item_entries()
        replay = LedgerIndex()
        posting_no = 1
        while True:
            try:
                batch = uow.ledger.batch(posting_no)
            except NotFoundError:
                break
            assert batch.item_applications is None
            replay.apply(batch)
            posting_no += 1
        assert entries
        for e in entries:
            assert uow.ledger.remaining_quantity(e.entry_no) == replay.remaining_quantity(
                e.entry_no
            )
            assert uow.ledger.item_applications(e.entry_no) == replay.item_applications(e.entry_no)
