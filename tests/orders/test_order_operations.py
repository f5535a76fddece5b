"""Order operations around the status machine: split, backorders, hold, cancel,
over-production tolerance, quantity change with postings and reverse all. Every refusal
changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from prodcore.app import calculate_subcontract_requests, handle
from prodcore.errors import (
    DuplicateError,
    InsufficientQuantityError,
    InvalidTransitionError,
    InvalidValueError,
    NotAllowedError,
    OverproductionError,
)
from prodcore.masterdata import CalculationFormula, ManufacturingSetup
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostOutput,
)
from prodcore.orders.lifecycle import (
    CancelOrder,
    ChangeOrderQuantity,
    ChangeStatus,
    HoldOrder,
    ReleaseHold,
)
from prodcore.orders.model import Component, OrderLine, OrderStatus, ProductionOrder
from prodcore.orders.rescaling import rescale_lines
from prodcore.orders.reverse_all import ReverseOrderPostings
from prodcore.orders.splitting import SplitOrder, split_order
from prodcore.orders.subcontracting import ReceiveSubcontractedWork, RegisterSubcontractRequests
from prodcore.testing.shop import Shop
from tests.orders.conftest import DUE, T0, table_master_data
from tests.subcontracting.conftest import Shop as FrameShop

D = Decimal
LEG, TOP, SCREW = 10000, 20000, 30000


def table_shop(*, setup: ManufacturingSetup | None = None, **item_changes: Any) -> Shop:
    """The table shop (TABLE from 4 LEG, 1 TOP, 16 SCREW; operations 10 SAW, 20 BENCH);
    ``item_changes`` are set on the TABLE item."""
    md = table_master_data()
    items = [attrs.evolve(i, **item_changes) if i.no == "TABLE" else i for i in md.items.values()]
    return Shop(
        [*md.work_centers.values(), *items, *md.boms.values(), *md.routings.values()],
        setup=setup,
    )


def released(shop: Shop, quantity: int = 100, order_id: str = "PO-1") -> ProductionOrder:
    shop.create(order_id, "TABLE", quantity)
    order = shop.release(order_id).order
    assert order is not None
    return order


def output(shop: Shop, quantity: int | str, order_id: str = "PO-1", op: str = "20") -> None:
    shop.post(PostOutput(shop.key(), (OutputLine(order_id, 10000, op, output_quantity=quantity),)))


def consume(shop: Shop, comp: int, quantity: int, order_id: str = "PO-1") -> None:
    shop.post(PostConsumption(shop.key(), (ConsumptionLine(order_id, 10000, comp, quantity),)))


def expected(order: ProductionOrder) -> dict[str, Decimal]:
    return {c.item_no: c.expected_quantity for _, c in order.iter_components()}


def counters(order: ProductionOrder) -> tuple[Any, ...]:
    """Everything postings move on an order."""
    return (
        [(ln.finished_quantity, ln.scrap_quantity) for ln in order.lines],
        [(c.consumed_quantity, c.picked_quantity) for _, c in order.iter_components()],
        [
            (o.output_quantity, o.scrap_quantity, o.posted_setup_time, o.posted_run_time)
            for _, o in order.iter_operations()
        ],
    )


def item_entries(shop: Shop) -> int:
    with shop.uow:
        return len(shop.uow.ledger.item_entries())


# --- split ----------------------------------------------------------------------------


def test_a_split_of_40_of_100_leaves_60_with_scaled_components_and_moves_nothing_posted() -> None:
    shop = table_shop()
    before = released(shop)
    output(shop, 10)
    consume(shop, TOP, 10)
    posted = shop.order()
    entries = item_entries(shop)
    result = handle(shop.uow, SplitOrder("PO-1", "PO-2", 40), clock=shop.clock)
    origin, (new,) = shop.order("PO-1"), result.created
    assert (origin.quantity, new.quantity) == (D(60), D(40))
    assert expected(origin) == {"LEG": 240, "TOP": 60, "SCREW": 1008}
    assert expected(new) == {"LEG": 160, "TOP": 40, "SCREW": 672}
    assert {k: expected(origin)[k] + expected(new)[k] for k in expected(before)} == expected(before)
    # nothing posted moved: the origin keeps its counters, the new order has none
    assert counters(origin) == counters(posted)
    assert not new.has_net_postings and new.origin_order_id == "PO-1"
    assert new.status is OrderStatus.RELEASED and shop.order("PO-2") == new
    assert item_entries(shop) == entries
    ops = [o.input_quantity for _, o in origin.iter_operations()]
    new_ops = [o.input_quantity for _, o in new.iter_operations()]
    assert [a + b for a, b in zip(ops, new_ops, strict=True)] == [
        o.input_quantity for _, o in before.iter_operations()
    ]


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (SplitOrder("PO-1", "PO-2", 100), InvalidValueError),  # nothing left
        (SplitOrder("PO-1", "PO-2", 0), InvalidValueError),
        (SplitOrder("PO-1", "PO-2", 95), InsufficientQuantityError),  # 10 are finished
        (SplitOrder("PO-1", "PO-1", 5), InvalidValueError),
        (SplitOrder("PO-1", "PO-9", 5), DuplicateError),  # PO-9 exists
        (SplitOrder("PO-9", "PO-2", 5), InvalidTransitionError),  # not released
    ],
)
def test_a_refused_split_changes_nothing(command: SplitOrder, error: type[Exception]) -> None:
    shop = table_shop()
    released(shop)
    shop.create("PO-9", "TABLE", 10)
    output(shop, 10)
    before = shop.snapshot()
    with pytest.raises(error):
        handle(shop.uow, command, clock=shop.clock)
    assert shop.snapshot() == before


# --- backorders -----------------------------------------------------------------------


def test_finishing_95_of_100_with_backorders_on_creates_an_order_of_5() -> None:
    shop = table_shop(setup=ManufacturingSetup(create_backorders=True))
    released(shop)
    output(shop, 95)
    out = shop.finish()
    assert out.order is not None and out.order.status is OrderStatus.FINISHED
    assert out.order.quantity == 95
    (backorder,) = out.created
    assert (backorder.id, backorder.quantity, backorder.origin_order_id) == (
        "PO-1-BO",
        D(5),
        "PO-1",
    )
    assert backorder.status is OrderStatus.RELEASED and shop.order("PO-1-BO") == backorder
    assert expected(backorder) == {"LEG": 20, "TOP": 5, "SCREW": 84}
    # the origin flushed backward for what it produced only: 4 legs a table
    assert out.order.lines[0].component(LEG).consumed_quantity == 380


def test_the_command_decides_backorders_before_the_setup() -> None:
    on = table_shop()
    released(on)
    output(on, 95)
    out = on.apply(ChangeStatus("PO-1", OrderStatus.FINISHED, backorder=True, backorder_id="B-1"))
    assert [o.id for o in out.created] == ["B-1"]

    off = table_shop(setup=ManufacturingSetup(create_backorders=True))
    released(off)
    output(off, 95)
    out = off.apply(ChangeStatus("PO-1", OrderStatus.FINISHED, backorder=False))
    assert out.created == () and out.order is not None and out.order.quantity == 100
    assert any("Output is missing" in w for w in out.warnings)


def test_no_backorder_when_nothing_is_left_or_nothing_is_produced() -> None:
    shop = table_shop(setup=ManufacturingSetup(create_backorders=True))
    released(shop)
    output(shop, 100)
    assert shop.finish().created == ()
    released(shop, order_id="PO-2")
    assert shop.finish("PO-2").created == ()


def test_a_backorder_whose_number_is_taken_refuses_the_finish() -> None:
    shop = table_shop(setup=ManufacturingSetup(create_backorders=True))
    released(shop)
    shop.create("PO-1-BO", "TABLE", 1)
    output(shop, 95)
    before = shop.snapshot()
    with pytest.raises(DuplicateError):
        shop.finish()
    assert shop.snapshot() == before


# --- hold and cancel ------------------------------------------------------------------


def test_a_held_order_refuses_postings_and_finishing_until_released_from_hold() -> None:
    shop = table_shop()
    released(shop)
    held = shop.apply(HoldOrder("PO-1", "tool broken")).order
    assert held is not None and held.hold_reason == "tool broken"
    before = shop.snapshot()
    with pytest.raises(NotAllowedError, match="on hold: tool broken"):
        output(shop, 1)
    with pytest.raises(InvalidTransitionError, match="on hold"):
        shop.finish()
    assert shop.snapshot() == before
    shop.apply(ReleaseHold("PO-1"))
    output(shop, 1)
    assert shop.order().lines[0].finished_quantity == 1


@pytest.mark.parametrize(
    "command", [HoldOrder("PO-2", "why"), ReleaseHold("PO-1"), ReleaseHold("PO-2")]
)
def test_hold_needs_a_released_order_and_release_a_held_one(command: Any) -> None:
    shop = table_shop()
    released(shop)
    shop.create("PO-2", "TABLE", 1)
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError):
        shop.apply(command)
    assert shop.snapshot() == before


def test_a_hold_needs_a_reason() -> None:
    with pytest.raises(InvalidValueError, match="reason"):
        HoldOrder("PO-1", " ")


def test_a_cancelled_order_stays_read_only() -> None:
    shop = table_shop()
    released(shop)
    out = shop.apply(CancelOrder("PO-1", "customer withdrew"))
    assert out.order is not None and out.order.cancelled_at == shop.clock.now()
    assert out.order.cancel_reason == "customer withdrew"
    before = shop.snapshot()
    with pytest.raises(NotAllowedError, match="cancelled"):
        output(shop, 1)
    for command in (ChangeStatus("PO-1", OrderStatus.FINISHED), CancelOrder("PO-1")):
        with pytest.raises(InvalidTransitionError, match="cancelled"):
            shop.apply(command)
    with pytest.raises(InvalidTransitionError):
        handle(shop.uow, SplitOrder("PO-1", "PO-2", 1), clock=shop.clock)
    assert shop.snapshot() == before


def test_an_order_with_postings_is_not_cancelled() -> None:
    shop = table_shop()
    released(shop)
    output(shop, 1)
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError, match="posted"):
        shop.apply(CancelOrder("PO-1"))
    assert shop.snapshot() == before


# --- over-production tolerance --------------------------------------------------------


def test_output_of_106_against_100_with_a_5_percent_tolerance_is_refused() -> None:
    shop = table_shop(overproduction_tolerance_percent=5)
    released(shop)
    before = shop.snapshot()
    with pytest.raises(OverproductionError) as refused:
        output(shop, 106)
    assert (refused.value.quantity, refused.value.allowed) == (106, 105)
    assert shop.snapshot() == before
    output(shop, 100)
    output(shop, 5)  # within the tolerance: accepted as today
    assert shop.order().lines[0].finished_quantity == 105
    with pytest.raises(OverproductionError):
        output(shop, "0.5")


def test_the_setup_tolerance_applies_when_the_item_has_none_and_the_item_comes_first() -> None:
    setup = ManufacturingSetup(overproduction_tolerance_percent=0)
    strict = table_shop(setup=setup)
    released(strict)
    with pytest.raises(OverproductionError):
        output(strict, 101)
    loose = table_shop(setup=setup, overproduction_tolerance_percent=10)
    released(loose)
    output(loose, 110)
    unlimited = table_shop()
    released(unlimited)
    output(unlimited, 500)  # no tolerance anywhere: no limit, as before
    assert unlimited.order().lines[0].finished_quantity == 500


# --- quantity change with postings ----------------------------------------------------


def test_a_released_order_with_postings_changes_quantity_down_to_what_is_posted() -> None:
    shop = table_shop()
    before = released(shop)
    output(shop, 30)
    consume(shop, TOP, 40)
    out = shop.apply(ChangeOrderQuantity("PO-1", 50))
    order = out.order
    assert order is not None and order.quantity == 50 and order.lines[0].quantity == 50
    assert expected(order) == {"LEG": 200, "TOP": 50, "SCREW": 840}
    assert [o.input_quantity for _, o in order.iter_operations()] == [
        o.input_quantity / 2 for _, o in before.iter_operations()
    ]
    assert order.lines[0].finished_quantity == 30
    state = shop.snapshot()
    for quantity, what in ((29, "line"), (39, "TOP")):
        with pytest.raises(InsufficientQuantityError, match=what):
            shop.apply(ChangeOrderQuantity("PO-1", quantity))
        assert shop.snapshot() == state
    assert shop.apply(ChangeOrderQuantity("PO-1", 40)).order is not None


def test_a_finished_order_does_not_change_quantity() -> None:
    shop = table_shop()
    released(shop)
    output(shop, 100)
    shop.finish()
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError):
        shop.apply(ChangeOrderQuantity("PO-1", 50))
    assert shop.snapshot() == before


# --- reverse all ----------------------------------------------------------------------


def _posted_shop() -> Shop:
    shop = table_shop()
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("TOP", 20),)))
    released(shop, 10)
    consume(shop, TOP, 10)
    consume(shop, SCREW, 50)
    output(shop, 10, op="10")
    output(shop, 8)
    return shop


def _balances(shop: Shop, order_id: str = "PO-1") -> tuple[Any, ...]:
    with shop.uow:
        ledger = shop.uow.ledger
        wip = ledger.wip(order_id)
        on_hand = {no: ledger.on_hand(no) for no in ("TABLE", "LEG", "TOP", "SCREW")}
    return wip, on_hand, counters(shop.order(order_id))


def test_reverse_all_leaves_every_balance_of_the_order_at_zero() -> None:
    shop = _posted_shop()
    result = shop.post(ReverseOrderPostings("rev", "PO-1"))
    assert result.command_type == "posting.reverse_all" and result.warnings == ()
    wip, on_hand, _ = _balances(shop)
    assert wip == 0 and on_hand == {"TABLE": 0, "LEG": 0, "TOP": 20, "SCREW": 0}
    assert not shop.order().has_net_postings
    # idempotent by key; a second reverse all finds everything reversed and posts nothing
    assert shop.post(ReverseOrderPostings("rev", "PO-1")) == result
    again = shop.post(ReverseOrderPostings("rev-2", "PO-1"))
    assert again.batch is None and again.warnings
    assert all("reversed already" in w for w in again.warnings)


def test_reverse_all_leaves_consumed_output_and_lists_it() -> None:
    shop = _posted_shop()
    shop.post(AdjustInventory(shop.key(), (AdjustmentLine("TABLE", -5),)))
    result = shop.post(ReverseOrderPostings("rev", "PO-1"))
    (left,) = result.warnings
    assert "has left inventory" in left
    order = shop.order()
    assert order.lines[0].finished_quantity == 8  # the output stays
    assert [c.consumed_quantity for _, c in order.iter_components()] == [0, 0, 0]
    assert order.lines[0].operation("10").output_quantity == 0


def test_reverse_all_on_an_order_on_hold_is_refused() -> None:
    shop = _posted_shop()
    shop.apply(HoldOrder("PO-1", "audit"))
    before = shop.snapshot()
    with pytest.raises(NotAllowedError):
        shop.post(ReverseOrderPostings("rev", "PO-1"))
    assert shop.snapshot() == before


def test_reverse_all_leaves_a_subcontracting_receipt_to_be_undone_and_lists_it() -> None:
    shop = FrameShop()
    shop.released()
    shop.weld(10)
    (request,) = calculate_subcontract_requests(shop.uow)
    shop.post(RegisterSubcontractRequests("REQ", (request,)))
    shop.post(ReceiveSubcontractedWork("R", "PO-1", 10000, "20", 4, "4.20"))
    result = shop.post(ReverseOrderPostings("rev", "PO-1"))
    assert result.warnings and all("undo the receipt" in w for w in result.warnings)
    op = shop.order().lines[0].operation("20")
    assert (op.output_quantity, op.subcontract_received) == (D(4), D(4))  # the receipt stays
    assert shop.order().lines[0].operation("10").output_quantity == 0  # the welding is reversed


# --- rescaling ------------------------------------------------------------------------


def _order_with_a_fixed_component() -> ProductionOrder:
    die = Component(20000, "TOP", "PCS", 1, 1, formula=CalculationFormula.FIXED_QUANTITY)
    legs = Component(10000, "LEG", "PCS", 4, 40)
    line = OrderLine(10000, "TABLE", 10, components=(legs, die))
    return ProductionOrder("PO-1", OrderStatus.RELEASED, "TABLE", 10, due_date=DUE, lines=(line,))


def test_a_fixed_quantity_component_is_needed_once_per_order() -> None:
    md = table_master_data()
    order = _order_with_a_fixed_component()
    (line,) = rescale_lines(order.lines, D(10), D(5), md, order_id="PO-1")
    assert [c.expected_quantity for c in line.components] == [20, 1]
    origin, new = split_order(order, SplitOrder("PO-1", "PO-2", 4), md, T0)
    assert [c.expected_quantity for c in origin.lines[0].components] == [24, 1]
    assert [c.expected_quantity for c in new.lines[0].components] == [16, 1]


@pytest.mark.parametrize(("old", "new"), [(0, 5), (10, -1)])
def test_rescaling_from_zero_or_to_a_negative_quantity_is_refused(old: int, new: int) -> None:
    order = _order_with_a_fixed_component()
    with pytest.raises(InvalidValueError):
        rescale_lines(order.lines, D(old), D(new), table_master_data(), order_id="PO-1")
