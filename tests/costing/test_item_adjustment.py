"""Item cost adjustment forwards a receipt's cost change along the application chain,
level by level, on every store: the two-level worked example with exact figures (R
bought 10 @ 5.00 → S → F, then R's cost becomes 6.00), per costing method, and a second
run that posts nothing."""

from __future__ import annotations

import attrs
import pytest

from prodcore.adapters import Store
from prodcore.app import handle, put_master_data
from prodcore.costing.adjustment import AdjustCost
from prodcore.errors import InvalidValueError, NotAllowedError
from prodcore.ledger.model import (
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    VarianceType,
)
from prodcore.masterdata import CostingMethod, ManufacturingSetup
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
    ReverseEntry,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.testing.shop import DUE
from tests.costing.chain import (
    CLOCK,
    D,
    adjust,
    correct,
    items,
    produce,
    receive,
    value,
    wip,
)
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)


def _chain(store: Store, **methods: CostingMethod) -> tuple[int, int, int]:
    put_master_data(store(), items(**methods))
    r = receive(store, "buy", "R", 10, "5.00")
    s = produce(store, "PO-S", "S", 10)
    f = produce(store, "PO-F", "F", 10)
    adjust(store, "settle")  # the orders' own adjustments forwarded: nothing left
    return r, s, f


def test_two_level_chain_fifo_every_level_takes_the_change(store: Store) -> None:
    r, s, f = _chain(store)
    assert (value(store, s), value(store, f)) == (D("50.00"), D("50.00"))
    fixed = correct(store, "R@6", r, "6.00")
    assert fixed.batch is not None and fixed.batch.value_entries[0].cost_amount == D("10.00")
    result, posted = adjust(store, "run-1")
    with store() as uow:
        consumption = {
            e.order_id: e.entry_no
            for e in uow.ledger.item_entries()
            if e.entry_type is ItemEntryType.CONSUMPTION
        }
    changes = {v.item_entry_no: v.cost_amount for v in posted}
    assert changes == {
        consumption["PO-S"]: D("-10.00"),  # R's consumption: −50 → −60
        s: D("10.00"),  # S's output: 50 → 60
        consumption["PO-F"]: D("-10.00"),  # S consumed into F: −50 → −60
        f: D("10.00"),  # F's output: 50 → 60
    }
    assert value(store, consumption["PO-S"]) == D("-60.00")
    assert (value(store, s), value(store, f)) == (D("60.00"), D("60.00"))
    assert (wip(store, "PO-S"), wip(store, "PO-F")) == (D(0), D(0))
    assert all(v.entry_type is ValueEntryType.DIRECT_COST for v in posted)
    assert "in 3 levels" in result.notes[0]
    again, none = adjust(store, "run-2")
    assert (again.batch, none) == (None, [])


def test_a_standard_cost_sub_assembly_absorbs_the_change_as_a_material_variance(
    store: Store,
) -> None:
    r, s, f = _chain(store, sub=CostingMethod.STANDARD)
    correct(store, "R@6", r, "6.00")
    _, posted = adjust(store, "run-1")
    variance = [v for v in posted if v.entry_type is ValueEntryType.VARIANCE]
    assert [(v.item_entry_no, v.variance_type, v.cost_amount) for v in variance] == [
        (s, VarianceType.MATERIAL, D("10.00"))
    ]
    # S stays at standard, so nothing reaches F
    assert (value(store, s), value(store, f)) == (D("50.00"), D("50.00"))
    assert wip(store, "PO-S") == 0
    assert adjust(store, "run-2")[1] == []


def test_an_average_cost_raw_material_is_revalued_at_the_pooled_average(store: Store) -> None:
    put_master_data(store(), items(raw=CostingMethod.AVERAGE))
    first = receive(store, "buy-1", "R", 10, "5.00")
    receive(store, "buy-2", "R", 10, "7.00")
    s = produce(store, "PO-S", "S", 10)  # consumes 10 at the average 6.00: −60
    assert value(store, s) == D("60.00")
    correct(store, "R@8", first, "8.00")  # the pool: 80 + 70 for 20 = 7.50
    adjust(store, "run-1")
    assert value(store, s) == D("75.00")
    with store() as uow:
        assert uow.master_data.item("R").unit_cost == D("7.5")
        assert (uow.ledger.on_hand("R"), uow.ledger.inventory_value("R")) == (D(10), D("75.00"))
    assert adjust(store, "run-2")[1] == []


def test_the_card_of_an_average_cost_produced_item_follows_its_orders_adjustment(
    store: Store,
) -> None:
    put_master_data(store(), items(sub=CostingMethod.AVERAGE))
    receive(store, "buy", "R", 10, "7.00")
    produce(store, "PO-S", "S", 10)  # output 10 S worth 70.00
    with store() as uow:
        assert uow.master_data.item("S").unit_cost == D("7")


def test_a_used_up_receipt_is_forwarded_exactly_the_last_cent_to_the_largest_part(
    store: Store,
) -> None:
    put_master_data(store(), items())
    r = receive(store, "buy", "R", 3, "1.00")
    for n in range(3):
        handle(store(), AdjustInventory(f"out{n}", (AdjustmentLine("R", -1),)), clock=CLOCK)
    correct(store, "R", r, "3.3333333")  # 10.00 for 3
    _, posted = adjust(store, "run-1")
    assert sum((v.cost_amount for v in posted), D(0)) == D("-7.00")
    assert sorted(v.cost_amount for v in posted) == [D("-2.34"), D("-2.33"), D("-2.33")]
    assert adjust(store, "run-2")[1] == []


def test_correcting_anything_but_a_receipt_is_refused_and_changes_nothing(store: Store) -> None:
    r, s, _ = _chain(store)
    with store() as uow:
        before = len(uow.ledger.value_entries())
    with pytest.raises(NotAllowedError):
        correct(store, "out", s, "9")
    with pytest.raises(InvalidValueError):
        correct(store, "neg", r, "-1")
    with store() as uow:
        assert len(uow.ledger.value_entries()) == before
        assert uow.ledger.cost_marks() == []


def test_correcting_a_standard_cost_receipt_is_refused(store: Store) -> None:
    put_master_data(store(), items(raw=CostingMethod.STANDARD))
    r = receive(store, "buy", "R", 10, "5.00")
    with pytest.raises(NotAllowedError):
        correct(store, "std", r, "6")


def test_a_correction_to_the_same_cost_posts_nothing(store: Store) -> None:
    put_master_data(store(), items())
    r = receive(store, "buy", "R", 10, "5.00")
    assert correct(store, "same", r, "5").batch is None


def test_a_move_between_bins_passes_its_receipts_cost_on(store: Store) -> None:
    put_master_data(store(), items())  # R's card says 5.00
    r = receive(store, "buy", "R", 10, "6.00")
    at = CLOCK.now()
    out = ItemLedgerEntry(-1, ItemEntryType.TRANSFER, "R", -10, unit="PCS", posted_at=at)
    into = attrs.evolve(out, entry_no=-2, quantity=D(10), bin_code="B")
    moved = [
        ValueEntry(
            -n,
            ValueEntryType.DIRECT_COST,
            ValueSource.ITEM,
            amount,
            D(0),
            currency="EUR",
            item_entry_no=-n,
            item_no="R",
            posted_at=at,
        )
        for n, amount in ((1, D("-50.00")), (2, D("50.00")))
    ]
    with store() as uow:  # what a pick posts: both sides at the card's cost
        uow.ledger.append(
            PostingBatch.build(
                document_no="MOVE",
                posted_at=at,
                item_entries=(out, into),
                value_entries=tuple(moved),
            )
        )
        uow.commit()
    line = AdjustmentLine("R", -10, bin_code="B")
    handle(store(), AdjustInventory("scrap", (line,)), clock=CLOCK)
    adjust(store, "run-1")
    assert [value(store, n) for n in (r, r + 1, r + 2, r + 3)] == [
        D("60.00"),
        D("-60.00"),
        D("60.00"),
        D("-60.00"),
    ]
    assert adjust(store, "run-2")[1] == []


@pytest.mark.parametrize("sub", [CostingMethod.STANDARD, CostingMethod.FIFO])
def test_adjusting_the_order_again_after_forwarding_posts_nothing(
    store: Store, sub: CostingMethod
) -> None:
    r, _, _ = _chain(store, sub=sub)
    correct(store, "R@6", r, "6.00")
    adjust(store, "run-1")
    again = handle(store(), AdjustCost("PO-S-again", "PO-S"), clock=CLOCK)
    assert again.batch is None
    assert wip(store, "PO-S") == 0


def test_a_consumptions_reversal_follows_the_consumption_it_reverses(store: Store) -> None:
    put_master_data(store(), items())
    r = receive(store, "buy", "R", 10, "5.00")
    handle(
        store(),
        CreateOrder("PO-S", "S", 6, due_date=DUE, status=OrderStatus.RELEASED),
        clock=CLOCK,
    )
    used = handle(
        store(), PostConsumption("c", (ConsumptionLine("PO-S", 10000, 10000, 10),)), clock=CLOCK
    )
    assert used.batch is not None
    consumption = used.batch.item_entries[0].entry_no
    back = handle(store(), ReverseEntry("back", ValueSource.ITEM, consumption, D(4)), clock=CLOCK)
    assert back.batch is not None
    reversal = back.batch.item_entries[0].entry_no
    made = handle(
        store(), PostOutput("o", (OutputLine("PO-S", 10000, output_quantity=6),)), clock=CLOCK
    )
    assert made.batch is not None
    handle(store(), ChangeStatus("PO-S", OrderStatus.FINISHED), clock=CLOCK)
    handle(store(), AdjustCost("adj", "PO-S"), clock=CLOCK)
    assert value(store, made.batch.item_entries[0].entry_no) == D("30.00")
    correct(store, "R@6", r, "6.00")
    adjust(store, "run-1")
    assert (value(store, consumption), value(store, reversal)) == (D("-60.00"), D("24.00"))
    assert value(store, made.batch.item_entries[0].entry_no) == D("36.00")
    assert wip(store, "PO-S") == 0
    assert adjust(store, "run-2")[1] == []


def test_an_entry_that_went_below_zero_takes_the_cost_of_the_receipt_applied_later(
    store: Store,
) -> None:
    put_master_data(store(), items(), setup=ManufacturingSetup(allow_negative_inventory=True))
    out = handle(store(), AdjustInventory("out", (AdjustmentLine("R", -4),)), clock=CLOCK)
    assert out.batch is not None
    taken = out.batch.item_entries[0].entry_no
    assert value(store, taken) == D("-20.00")  # nothing on hand: at the card's 5.00
    receive(store, "buy", "R", 10, "7.00")  # applied to the open outbound entry first
    with store() as uow:
        assert uow.ledger.cost_marks() == [taken]
    adjust(store, "run-1")
    assert value(store, taken) == D("-28.00")
    assert adjust(store, "run-2")[1] == []
