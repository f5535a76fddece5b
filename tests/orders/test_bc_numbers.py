"""Business Central's figures for quantities, units, capacity times, release flushing and
phantom cycles, worked through every store (memory, SQLite, PostgreSQL when a server is
given)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from prodcore.adapters import Store
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import BomCycleError, PrecisionError
from prodcore.ledger.model import ValueSource
from prodcore.masterdata import (
    BomLine,
    BomLineType,
    BomVersion,
    CapacityType,
    ConsumptionBasis,
    FlushingMethod,
    Item,
    ItemUnitOfMeasure,
    ManufacturingSetup,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.explosion import explode_order_lines
from prodcore.orders.journals import (
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
    ReverseEntry,
    calculate_consumption,
)
from prodcore.orders.lifecycle import AddComponent, ChangeStatus, CreateOrder, RefreshOrder
from prodcore.orders.model import Component, OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRecord, UnitOfWork
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)
from tests.persistence.conftest import snapshot

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 9)
D = Decimal
CLOCK = FixedClock(T0)


def _put(store: Store, records: list[MasterDataRecord], **setup: Any) -> None:
    put_master_data(store(), records, setup=ManufacturingSetup(**setup))


def _create(store: Store, item_no: str, qty: int | str, **kw: Any) -> ProductionOrder:
    order = handle(
        store(), CreateOrder("PO-1", item_no, qty, due_date=DUE, **kw), clock=CLOCK
    ).order
    assert order is not None
    return order


def _order(store: Store) -> ProductionOrder:
    with store() as uow:
        return uow.orders.get("PO-1")


def _component(store: Store, item_no: str) -> Component:
    return next(c for c in _order(store).lines[0].components if c.item_no == item_no)


def _consumed_base(uow: UnitOfWork, item_no: str) -> Decimal:
    with uow:
        return -sum(
            (e.quantity for e in uow.ledger.item_entries(order_id="PO-1") if e.item_no == item_no),
            D(0),
        )


def _produced(no: str, bom: str, **kw: Any) -> Item:
    return Item(
        no, base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no=bom, **kw
    )


# --- 1. the production BOM's unit of measure ------------------------------------------


def _pack_records() -> list[MasterDataRecord]:
    """PACK (base PCS, BOX = 12 PCS) from a BOM in BOX: 6 C per BOX; C costs 2.00."""
    return [
        _produced("PACK", "PACK-BOM", units=(ItemUnitOfMeasure("BOX", qty_per_base=12),)),
        Item("C", base_unit="PCS", unit_cost=2, flushing_method=FlushingMethod.BACKWARD),
        ProductionBom("PACK-BOM", (BomLine("C", 6),), unit="BOX"),
    ]


def test_quantities_per_are_per_unit_of_the_boms_unit() -> None:
    md = MasterData.of(items=_pack_records()[:2], boms=_pack_records()[2:])  # type: ignore[arg-type]
    (line,) = explode_order_lines("PACK", D(36), md, due_date=DUE)
    (comp,) = line.components
    assert (comp.quantity_per, comp.expected_quantity) == (D("0.5"), D(18))


def test_an_order_for_3_boxes_needs_18_c_and_flushes_18_on_every_store(store: Store) -> None:
    _put(store, _pack_records())
    order = _create(store, "PACK", 36, status=OrderStatus.RELEASED)
    assert order.lines[0].components[0].expected_quantity == 18
    handle(store(), PostOutput("O", (OutputLine("PO-1", 10000, output_quantity=36),)), clock=CLOCK)
    out = handle(store(), ChangeStatus("PO-1", OrderStatus.FINISHED), clock=CLOCK)
    assert _consumed_base(store(), "C") == 18
    assert not out.warnings


# --- 2. needs round up to the component unit's precision ----------------------------


def _pin_records(*, flushing: FlushingMethod = FlushingMethod.MANUAL) -> list[MasterDataRecord]:
    """P from 0.13 PIN per piece; PIN is counted in whole pieces."""
    return [
        _produced("P", "P-BOM"),
        Item("PIN", base_unit="PCS", rounding_precision=1, unit_cost=1, flushing_method=flushing),
        Item("DOT", base_unit="PCS", rounding_precision=1),
        ProductionBom("P-BOM", (BomLine("PIN", "0.13"),)),
    ]


def test_expected_quantity_is_rounded_up_on_every_store(store: Store) -> None:
    _put(store, _pin_records())
    assert _create(store, "P", 10).lines[0].components[0].expected_quantity == 2  # 1.3 up


def test_a_small_need_is_one_whole_unit_not_zero(store: Store) -> None:
    _put(store, _pin_records())
    _create(store, "P", 10)
    added = handle(store(), AddComponent("PO-1", 10000, "DOT", D("0.004")), clock=CLOCK).order
    assert added is not None
    assert added.lines[0].components[-1].expected_quantity == 1  # 0.04 up, not 0


def test_backward_flushed_consumption_is_rounded_up_on_every_store(store: Store) -> None:
    _put(store, _pin_records(flushing=FlushingMethod.BACKWARD))
    _create(store, "P", 10, status=OrderStatus.RELEASED)
    handle(store(), PostOutput("O", (OutputLine("PO-1", 10000, output_quantity=10),)), clock=CLOCK)
    out = handle(store(), ChangeStatus("PO-1", OrderStatus.FINISHED), clock=CLOCK)
    assert _consumed_base(store(), "PIN") == 2
    assert not out.warnings


def test_calculated_consumption_is_rounded_up(store: Store) -> None:
    _put(store, _pin_records())
    _create(store, "P", 10, status=OrderStatus.RELEASED)
    output = OutputLine("PO-1", 10000, output_quantity=3)
    handle(store(), PostOutput("O", (output,)), clock=CLOCK)
    with store() as uow:
        orders = [uow.orders.get("PO-1")]
        (actual,) = calculate_consumption(orders, uow.master_data, ConsumptionBasis.ACTUAL_OUTPUT)
        (expected,) = calculate_consumption(
            orders, uow.master_data, ConsumptionBasis.EXPECTED_OUTPUT
        )
    assert actual.quantity == 1  # 0.13 × 3 = 0.39, rounded up
    assert expected.quantity == 2  # the remaining quantity: 1.3 rounded up


# --- 3. consumption below the item's precision is refused ---------------------------


def _box_records(*, box_precision: str = "0.00001", qper: str = "1") -> list[MasterDataRecord]:
    """P from C held in BOX (12 PCS); C is counted in whole pieces."""
    return [
        _produced("P", "P-BOM"),
        Item(
            "C",
            base_unit="PCS",
            rounding_precision=1,
            unit_cost=1,
            flushing_method=FlushingMethod.BACKWARD,
            units=(ItemUnitOfMeasure("BOX", qty_per_base=12, rounding_precision=box_precision),),
        ),
        ProductionBom("P-BOM", (BomLine("C", qper, unit="BOX"),)),
    ]


def test_consuming_0_04_box_of_a_whole_piece_item_is_refused_on_every_store(
    store: Store,
) -> None:
    _put(store, _box_records())
    _create(store, "P", 10, status=OrderStatus.RELEASED)
    with store() as uow:
        before = snapshot(uow)
    with pytest.raises(PrecisionError) as err:
        handle(
            store(),
            PostConsumption("K", (ConsumptionLine("PO-1", 10000, 10000, "0.04"),)),
            clock=CLOCK,
        )
    assert (err.value.item_no, err.value.unit, err.value.quantity, err.value.precision) == (
        "C",
        "PCS",
        D("0.48"),
        D(1),
    )
    assert "0.48 PCS of item 'C'" in str(err.value)
    with store() as uow:
        assert snapshot(uow) == before
    handle(
        store(),
        PostConsumption("K2", (ConsumptionLine("PO-1", 10000, 10000, "0.25"),)),
        clock=CLOCK,
    )
    assert _consumed_base(store(), "C") == 3  # 0.25 BOX is 3 whole pieces


# --- 4. a component held in another unit flushes at that unit's precision ----------


def test_a_box_component_is_backward_flushed_at_the_boxs_precision(store: Store) -> None:
    # 0.025 BOX per piece, order 10: 0.25 BOX expected (3 PCS); BOX rounds to 0.25
    _put(store, _box_records(box_precision="0.25", qper="0.025"))
    _create(store, "P", 10, status=OrderStatus.RELEASED)
    assert _component(store, "C").expected_quantity == D("0.25")
    handle(store(), PostOutput("O", (OutputLine("PO-1", 10000, output_quantity=10),)), clock=CLOCK)
    out = handle(store(), ChangeStatus("PO-1", OrderStatus.FINISHED), clock=CLOCK)
    assert _consumed_base(store(), "C") == 3
    assert not [w for w in out.warnings if "Consumption is missing" in w]
    assert _component(store, "C").remaining_quantity == 0


def test_a_linked_box_component_is_flushed_with_output_at_the_boxs_precision(
    store: Store,
) -> None:
    # linked to operation 10: each output posting flushes 0.025 BOX per piece, rounded up
    # to the box's 0.25: 4 pieces need 0.1, so 0.25 BOX (3 PCS); at the piece's precision
    # it was 0
    records = _box_records(box_precision="0.25", qper="0.025")
    records[-1] = ProductionBom(
        "P-BOM", (BomLine("C", "0.025", unit="BOX", routing_link_code="L"),)
    )
    records[0] = _produced("P", "P-BOM", routing_no="R")
    route = Routing(
        "R", (RoutingLine("10", CapacityType.WORK_CENTER, "WC", routing_link_code="L"),)
    )
    _put(store, [*records, WorkCenter("WC"), route])
    _create(store, "P", 10, status=OrderStatus.RELEASED)
    output = OutputLine("PO-1", 10000, "10", output_quantity=4)
    handle(store(), PostOutput("O", (output,)), clock=CLOCK)
    assert _consumed_base(store(), "C") == 3


# --- 5. capacity quantities at 0.00001, the residual kept ---------------------------


def _hour_records() -> list[MasterDataRecord]:
    return [
        WorkCenter("WC", direct_unit_cost=24, capacity_unit=TimeUnit.HOUR),
        Item("P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
        Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "WC"),)),
    ]


def test_three_times_20_minutes_on_an_hour_centre(store: Store) -> None:
    _put(store, _hour_records())
    _create(store, "P", 3, status=OrderStatus.RELEASED)
    for n in range(3):
        line = OutputLine("PO-1", 10000, "10", output_quantity=1, run_time=Duration(20))
        handle(store(), PostOutput(f"O{n}", (line,)), clock=CLOCK)
    with store() as uow:
        caps = uow.ledger.capacity_entries(order_id="PO-1")
        values = uow.ledger.value_entries(order_id="PO-1")
    third = D(20) / D(60)
    assert [(c.quantity, c.run_time) for c in caps] == [(D("0.33333"), D("0.33333"))] * 3
    assert [c.rounding_residual for c in caps] == [third - D("0.33333")] * 3
    assert sum((c.quantity for c in caps), D(0)) == D("0.99999")
    assert sum((c.quantity + c.rounding_residual for c in caps), D(0)) == 3 * third
    # costed as posted: 0.33333 h × 24 = 7.99992, 8.00 with a residual of 0.00008
    assert [(v.cost_amount_actual, v.rounding_residual) for v in values if v.capacity_entry_no] == [
        (D("8.00"), D("-0.00008"))
    ] * 3


def test_reversals_take_back_the_residual_with_the_quantity(store: Store) -> None:
    _put(store, _hour_records())
    two_ops = Routing(
        "R",
        (
            RoutingLine("10", CapacityType.WORK_CENTER, "WC"),
            RoutingLine("20", CapacityType.WORK_CENTER, "WC"),
        ),
    )
    _put(store, [two_ops])
    _create(store, "P", 3, status=OrderStatus.RELEASED)
    line = OutputLine("PO-1", 10000, "10", output_quantity=3, run_time=Duration(20))
    handle(store(), PostOutput("O", (line,)), clock=CLOCK)
    for key, qty in (("R1", 1), ("R2", None)):  # a third, then the rest
        handle(store(), ReverseEntry(key, ValueSource.CAPACITY, 1, quantity=qty), clock=CLOCK)
    with store() as uow:
        caps = uow.ledger.capacity_entries(order_id="PO-1")
    assert [c.quantity for c in caps] == [D("0.33333"), D("-0.11111"), D("-0.22222")]
    assert sum((c.quantity for c in caps), D(0)) == 0
    assert sum((c.rounding_residual for c in caps), D(0)) == 0


# --- 6. created as Released, or refreshed while Released: forward flushing ---------


def _forward_records(comp_flushing: FlushingMethod) -> list[MasterDataRecord]:
    return [
        _produced("P", "P-BOM", routing_no="R"),
        Item("C", base_unit="PCS", unit_cost=2, flushing_method=comp_flushing),
        ProductionBom("P-BOM", (BomLine("C", 2),)),
        WorkCenter("FWD", direct_unit_cost=60, flushing_method=FlushingMethod.FORWARD),
        Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "FWD", run_time=Duration(3)),)),
    ]


def test_an_order_created_released_is_forward_flushed(store: Store) -> None:
    _put(store, _forward_records(FlushingMethod.FORWARD))
    out = handle(
        store(),
        CreateOrder("PO-1", "P", 10, due_date=DUE, status=OrderStatus.RELEASED),
        clock=CLOCK,
    )
    assert out.posting is not None
    assert _consumed_base(store(), "C") == 20
    op = _order(store).lines[0].operations[0]
    assert (op.output_quantity, op.posted_run_time) == (D(10), D(30))  # forward operation too
    assert _order(store).has_postings


def test_a_released_order_refreshed_is_forward_flushed(store: Store) -> None:
    _put(store, _forward_records(FlushingMethod.MANUAL))
    _put(store, [WorkCenter("FWD", direct_unit_cost=60)])  # nothing forward at first
    _create(store, "P", 10, status=OrderStatus.RELEASED)
    assert _consumed_base(store(), "C") == 0
    _put(store, _forward_records(FlushingMethod.FORWARD))
    out = handle(store(), RefreshOrder("PO-1"), clock=CLOCK)
    assert out.posting is not None
    assert _consumed_base(store(), "C") == 20
    assert _order(store).lines[0].operations[0].output_quantity == 10


def test_a_planned_order_refreshed_posts_nothing(store: Store) -> None:
    _put(store, _forward_records(FlushingMethod.FORWARD))
    _create(store, "P", 10)
    assert handle(store(), RefreshOrder("PO-1"), clock=CLOCK).posting is None
    assert _consumed_base(store(), "C") == 0


# --- 8. a cycle of phantom BOMs is refused when written -----------------------------


def _phantom(no: str, to: str) -> ProductionBom:
    return ProductionBom(no, (BomLine("C"), BomLine(to, type=BomLineType.PRODUCTION_BOM)))


@pytest.mark.parametrize(
    ("boms", "cycle"),
    [
        ((_phantom("PH-A", "PH-B"), _phantom("PH-B", "PH-A")), ("PH-A", "PH-B", "PH-A")),
        ((_phantom("PH-S", "PH-S"),), ("PH-S", "PH-S")),
        (  # closed by a certified version
            (
                _phantom("PH-A", "PH-B"),
                ProductionBom(
                    "PH-B",
                    (BomLine("C"),),
                    versions=(BomVersion("V2", _phantom("V2", "PH-A").lines),),
                ),
            ),
            ("PH-A", "PH-B", "PH-A"),
        ),
    ],
    ids=["two BOMs", "one BOM", "a version"],
)
def test_a_cycle_of_phantom_boms_is_refused_when_written(
    store: Store, boms: tuple[ProductionBom, ...], cycle: tuple[str, ...]
) -> None:
    _put(store, [Item("C", base_unit="PCS")])
    with store() as uow:
        before = snapshot(uow)
    with pytest.raises(BomCycleError) as err:
        put_master_data(store(), boms)
    assert err.value.cycle == cycle
    assert " -> ".join(cycle) in str(err.value)
    with store() as uow:
        assert snapshot(uow) == before


def test_a_phantom_cycle_closed_by_a_later_write_is_refused(store: Store) -> None:
    _put(store, [Item("C", base_unit="PCS"), _phantom("PH-A", "PH-B")])  # PH-B not there yet
    with pytest.raises(BomCycleError) as err:
        put_master_data(store(), [_phantom("PH-B", "PH-A")])
    assert err.value.cycle == ("PH-B", "PH-A", "PH-B")
    with store() as uow:
        assert [b.no for b in uow.master_data.boms()] == ["PH-A"]
