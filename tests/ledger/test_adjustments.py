"""Inventory adjustments (BC's item journal): entries, value entries, G/L, refusals."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.adapters import open_store
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import (
    BlockedError,
    InsufficientQuantityError,
    InvalidValueError,
    NotAllowedError,
    NotFoundError,
    PrecisionError,
)
from prodcore.integrity import verify
from prodcore.ledger import AccountRole, ItemEntryType, ItemLedgerEntry, ValueEntryType, ValueSource
from prodcore.masterdata import CostingMethod, Item, ItemUnitOfMeasure, ManufacturingSetup
from prodcore.orders import AdjustInventory, AdjustmentLine
from prodcore.orders.execution import ReverseEntry
from prodcore.ports import UnitOfWork
from prodcore.serialization import dumps, loads

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
D = Decimal

ITEMS = [
    Item(
        "SCREW",
        base_unit="PCS",
        unit_cost="0.12",
        units=(ItemUnitOfMeasure("BOX", qty_per_base=100),),
    ),
    Item("STEEL", base_unit="KG", costing_method=CostingMethod.STANDARD, standard_cost=7),
    Item("PAINT", base_unit="L", unit_cost="3.333", rounding_precision=1),
    Item("OLD", base_unit="PCS", unit_cost=1, blocked=True),
]


def shop(
    *, allow_negative: bool = True, uow: UnitOfWork | None = None
) -> tuple[UnitOfWork, FixedClock]:
    uow = uow or InMemoryUnitOfWork(InMemoryStore())
    put_master_data(uow, ITEMS, setup=ManufacturingSetup(allow_negative_inventory=allow_negative))
    return uow, FixedClock(T0)


def snapshot(store: InMemoryStore) -> tuple[object, ...]:
    return (
        store.counters,
        dict(store.ledger.on_hand_total),
        dict(store.ledger.accounts),
        dict(store.idempotency),
    )


def test_positive_adjustment_posts_entry_value_and_gl_like_e10() -> None:
    """E10's receipt figures: 10 units at 7 = 70, Inventory against Inventory Adjustment."""
    uow, clock = shop()
    line = AdjustmentLine("STEEL", 10, location_code="MAIN")
    result = handle(uow, AdjustInventory("opening", (line,)), clock=clock)
    assert result.command_type == "posting.adjust_inventory"
    assert result.batch is not None
    (entry,) = result.batch.item_entries
    assert entry.entry_type is ItemEntryType.POSITIVE_ADJUSTMENT
    assert (entry.item_no, entry.quantity, entry.unit, entry.location_code) == (
        "STEEL",
        10,
        "KG",
        "MAIN",
    )
    assert (entry.order_id, entry.order_line_no) == ("", 0)
    assert entry.posted_at == T0 and entry.document_no == "opening"
    (value,) = result.batch.value_entries
    assert value.entry_type is ValueEntryType.DIRECT_COST
    assert value.source is ValueSource.ITEM
    assert (value.cost_amount_actual, value.cost_amount_expected) == (D("70.00"), 0)
    assert value.valued_quantity == 10 and value.item_entry_no == entry.entry_no
    assert value.order_id is None
    gl = [(g.account, g.role, g.amount, g.order_id) for g in result.batch.gl_entries]
    assert gl == [
        ("2110", AccountRole.INVENTORY, D("70.00"), None),
        ("7270", AccountRole.INVENTORY_ADJUSTMENT, D("-70.00"), None),
    ]
    with uow:
        assert uow.ledger.on_hand("STEEL") == 10
        assert uow.ledger.on_hand("STEEL", "MAIN") == 10
        assert uow.ledger.account_balance("2110") == D("70.00")
        assert uow.ledger.account_balance("7270") == D("-70.00")


def test_negative_adjustment_and_unit_of_measure_and_given_cost() -> None:
    uow, clock = shop()
    # 2 boxes of 100 at 15 a box: 200 pcs at 0.15 = 30.00
    boxes = AdjustmentLine("SCREW", 2, unit="BOX", unit_cost=15)
    # a count found 35 fewer: at the item's unit cost 0.12 = 4.20
    count = AdjustmentLine("SCREW", -35, reason="count")
    result = handle(uow, AdjustInventory("adj-1", (boxes, count)), clock=clock)
    assert result.batch is not None
    first, second = result.batch.item_entries
    assert (first.entry_type, first.quantity, first.unit) == (
        ItemEntryType.POSITIVE_ADJUSTMENT,
        200,
        "PCS",
    )
    assert (second.entry_type, second.quantity, second.reason) == (
        ItemEntryType.NEGATIVE_ADJUSTMENT,
        -35,
        "count",
    )
    amounts = [v.cost_amount_actual for v in result.batch.value_entries]
    assert amounts == [D("30.00"), D("-4.20")]
    gl = [(g.role, g.amount) for g in result.batch.gl_entries]
    assert gl == [
        (AccountRole.INVENTORY, D("30.00")),
        (AccountRole.INVENTORY_ADJUSTMENT, D("-30.00")),
        (AccountRole.INVENTORY, D("-4.20")),
        (AccountRole.INVENTORY_ADJUSTMENT, D("4.20")),
    ]
    with uow:
        assert uow.ledger.on_hand("SCREW") == 165
        assert uow.ledger.account_balance("2110") == D("25.80")


def test_quantity_rounds_to_the_item_precision_and_cost_keeps_the_residual() -> None:
    uow, clock = shop()
    result = handle(uow, AdjustInventory("paint", (AdjustmentLine("PAINT", "3.4"),)), clock=clock)
    assert result.batch is not None
    (entry,) = result.batch.item_entries
    assert entry.quantity == 3 and str(entry.quantity) == "3"
    (value,) = result.batch.value_entries
    assert value.cost_amount_actual == D("10.00")  # 3 x 3.333 = 9.999
    assert value.rounding_residual == D("-0.001")


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (AdjustmentLine("OLD", 1), BlockedError),
        (AdjustmentLine("NONE", 1), NotFoundError),
        (AdjustmentLine("SCREW", 1, unit="PALLET"), NotFoundError),
        (AdjustmentLine("PAINT", "0.4"), PrecisionError),  # rounds to 0
        (AdjustmentLine("STEEL", -1), InsufficientQuantityError),  # nothing on hand
    ],
)
def test_refused_adjustments_change_nothing(line: AdjustmentLine, error: type[Exception]) -> None:
    store = InMemoryStore()
    uow, clock = shop(allow_negative=False, uow=InMemoryUnitOfWork(store))
    handle(uow, AdjustInventory("ok", (AdjustmentLine("SCREW", 5),)), clock=clock)
    before = snapshot(store)
    with pytest.raises(error):
        handle(uow, AdjustInventory("bad", (AdjustmentLine("SCREW", 1), line)), clock=clock)
    assert snapshot(store) == before


def test_lines_are_validated() -> None:
    with pytest.raises(InvalidValueError):
        AdjustmentLine("SCREW", 0)
    with pytest.raises(InvalidValueError):
        AdjustmentLine("SCREW", 1, unit_cost=-1)


def test_negative_inventory_is_checked_per_location_across_lines() -> None:
    store = InMemoryStore()
    uow, clock = shop(allow_negative=False, uow=InMemoryUnitOfWork(store))
    handle(
        uow, AdjustInventory("in", (AdjustmentLine("STEEL", 5, location_code="A"),)), clock=clock
    )
    before = snapshot(store)
    two = (
        AdjustmentLine("STEEL", -3, location_code="A"),
        AdjustmentLine("STEEL", -3, location_code="A"),
    )
    with pytest.raises(InsufficientQuantityError):
        handle(uow, AdjustInventory("out", two), clock=clock)
    assert snapshot(store) == before
    with pytest.raises(InsufficientQuantityError):  # on hand at A, not at B
        handle(
            uow,
            AdjustInventory("b", (AdjustmentLine("STEEL", -1, location_code="B"),)),
            clock=clock,
        )
    handle(uow, AdjustInventory("out-2", two[:1]), clock=clock)
    with uow:
        assert uow.ledger.on_hand("STEEL", "A") == 2


def test_an_adjustment_is_not_reversed_but_corrected_and_is_idempotent() -> None:
    store = InMemoryStore()
    uow, clock = shop(uow=InMemoryUnitOfWork(store))
    command = AdjustInventory("opening", (AdjustmentLine("STEEL", 10),))
    first = handle(uow, command, clock=clock)
    assert handle(uow, command, clock=clock) == first
    assert store.counters.posting == 1
    before = snapshot(store)
    with pytest.raises(NotAllowedError, match="opposite adjustment"):
        handle(uow, ReverseEntry("rev", ValueSource.ITEM, 1), clock=clock)
    assert snapshot(store) == before


def test_command_round_trips_through_json() -> None:
    command = AdjustInventory(
        "k", (AdjustmentLine("SCREW", "-2", location_code="MAIN", unit="BOX", unit_cost="15.00"),)
    )
    text = dumps(command)
    assert json.loads(text)["type"] == "posting.adjust_inventory"
    assert loads(text, AdjustInventory) == command


def test_item_entries_written_before_adjustments_still_load() -> None:
    """A stored item entry from before this change: order fields present, no scrap field."""
    old = (
        '{"entry_no": 7, "entry_type": "OUTPUT", "item_no": "P", "quantity": "10", '
        '"unit": "PCS", "location_code": "", "order_id": "PO-1", "order_line_no": 10000, '
        '"component_line_no": null, "operation_no": "10", "capacity_entry_no": 3, '
        '"flushed_by_capacity_entry_no": null, "applies_to_entry_no": null, '
        '"posted_at": "2026-03-02T08:00:00+00:00", "document_no": "out-1", "reason": ""}'
    )
    entry = loads(old, ItemLedgerEntry)
    assert (entry.order_id, entry.order_line_no, entry.capacity_entry_no) == ("PO-1", 10000, 3)
    assert entry.entry_type is ItemEntryType.OUTPUT and entry.scrap_quantity == 0
    assert loads(dumps(entry), ItemLedgerEntry) == entry


def test_adjustments_through_a_sqlite_store() -> None:
    with open_store("sqlite:///:memory:") as store:
        uow, clock = shop(uow=store())
        lines = (AdjustmentLine("STEEL", 10, location_code="MAIN"), AdjustmentLine("SCREW", 300))
        first = handle(uow, AdjustInventory("opening", lines), clock=clock)
        assert handle(uow, AdjustInventory("opening", lines), clock=clock) == first
        handle(uow, AdjustInventory("count", (AdjustmentLine("SCREW", -50),)), clock=clock)
        with uow:
            assert uow.ledger.on_hand("STEEL", "MAIN") == 10
            assert uow.ledger.on_hand("SCREW") == 250
            assert uow.ledger.account_balance("2110") == D("100.00")  # 70 + 36 - 6
            assert uow.ledger.account_balance("7270") == D("-100.00")
            kinds = [e.entry_type for e in uow.ledger.item_entries(item_no="SCREW")]
        assert kinds == [ItemEntryType.POSITIVE_ADJUSTMENT, ItemEntryType.NEGATIVE_ADJUSTMENT]
        report = verify(store)
        assert report.ok, str(report)


@settings(max_examples=60, deadline=None)
@given(
    item=st.sampled_from(["SCREW", "STEEL", "PAINT"]),
    quantity=st.decimals(min_value="0.01", max_value=10_000, places=2),
    unit_cost=st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=3)),
    location=st.sampled_from(["", "MAIN"]),
)
def test_an_adjustment_and_its_negative_net_to_zero(
    item: str, quantity: Decimal, unit_cost: Decimal | None, location: str
) -> None:
    store = InMemoryStore()
    uow, clock = shop(uow=InMemoryUnitOfWork(store))
    if item == "PAINT" and quantity < D("0.5"):
        quantity += 1  # whole litres: keep it from rounding to nothing
    up = AdjustmentLine(item, quantity, location_code=location, unit_cost=unit_cost)
    down = AdjustmentLine(item, -quantity, location_code=location, unit_cost=unit_cost)
    handle(uow, AdjustInventory("up", (up,)), clock=clock)
    handle(uow, AdjustInventory("down", (down,)), clock=clock)
    assert store.ledger.on_hand(item) == 0
    assert store.ledger.on_hand(item, location) == 0
    assert all(balance == 0 for balance in store.ledger.accounts.values())
    values = list(store.ledger.values.values())
    assert sum((v.cost_amount for v in values), D(0)) == 0
    assert sum((v.valued_quantity for v in values), D(0)) == 0


def test_a_scenario_step_can_adjust_inventory() -> None:
    from prodcore.scenario import load_scenario

    text = json.dumps(
        {
            "scenario": "opening stock",
            "master_data": [],
            "steps": [
                {
                    "type": "AdjustInventory",
                    "idempotency_key": "opening",
                    "lines": [{"item_no": "STEEL", "quantity": "10", "location_code": "MAIN"}],
                }
            ],
        }
    )
    (step,) = load_scenario(text).steps
    assert step.command == AdjustInventory(
        "opening", (AdjustmentLine("STEEL", 10, location_code="MAIN"),)
    )
