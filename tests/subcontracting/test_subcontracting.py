"""Subcontracting: the worked frame example with exact figures, and BC's rules."""

# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import pytest

from prodcore.app import adjust_cost, calculate_subcontract_requests, handle
from prodcore.commands import Command
from prodcore.costing import CostShares, roll_up
from prodcore.costing.actual import actual_cost
from prodcore.errors import (
    InsufficientQuantityError,
    InvalidTransitionError,
    NotAllowedError,
)
from prodcore.ledger import EntryOrigin, ItemEntryType, ValueEntryType, ValueSource, VarianceType
from prodcore.orders.execution import SUBCONTRACT_RECEIPT, ReverseEntry, production_journal
from prodcore.orders.lifecycle import ChangeStatus
from prodcore.orders.model import OrderStatus, RoutingStatus
from prodcore.orders.subcontracting import (
    CancelSubcontractRequest,
    ReceiveSubcontractedWork,
    RegisterSubcontractRequests,
    ShipToSubcontractor,
    SubcontractRequest,
    UndoSubcontractReceipt,
)
from prodcore.serialization import dumps, loads
from prodcore.testing.shop import DUE, master_data_of

from .conftest import D, Shop, frame_records


def receive(
    qty: int | str, cost: str = "4.20", key: str = "R", **kw: object
) -> ReceiveSubcontractedWork:
    return ReceiveSubcontractedWork(key, "PO-1", 10000, "20", qty, cost, **kw)  # type: ignore[arg-type]


def requested_shop() -> tuple[Shop, SubcontractRequest]:
    shop = Shop()
    shop.released()
    shop.weld(10)
    (request,) = calculate_subcontract_requests(shop.uow)
    shop.post(RegisterSubcontractRequests("REQ", (request,)))
    return shop, request


def test_standard_cost_splits_out_the_subcontracted_share() -> None:
    cost = roll_up(master_data_of(frame_records()))["FRAME"]
    assert cost.single_level == CostShares(material="11.2", capacity="3", subcontracted="4")
    assert cost.standard_cost == D("18.20")


def test_the_worksheet_asks_for_the_operations_remaining_input() -> None:
    shop = Shop()
    order = shop.released()
    op = order.line(10000).operation("20")
    (request,) = calculate_subcontract_requests(shop.uow)
    assert request == SubcontractRequest(
        "PO-1",
        10000,
        "20",
        "PAINTER",
        "V-PAINT",
        "FRAME",
        D(10),
        "PCS",
        D(4),
        D("40.00"),
        op.ending.date() if op.ending else DUE,
    )
    shop.post(RegisterSubcontractRequests("REQ", (request,)))
    assert shop.order().line(10000).operation("20").subcontract_requested == 10
    # registered: the worksheet does not ask again, and registering twice is refused
    assert calculate_subcontract_requests(shop.uow) == ()
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        shop.post(RegisterSubcontractRequests("REQ-2", (request,)))
    assert shop.snapshot() == before


def test_time_based_subcontractor_prices_the_time() -> None:
    shop = Shop(frame_records(paint_by_time=True))
    shop.released()
    (request,) = calculate_subcontract_requests(shop.uow)
    # 15 min setup + 10 units x 3 min = 45 min at 0.80 = 36.00, 3.60 per unit
    assert (request.expected_cost, request.direct_unit_cost) == (D("36.00"), D("3.6"))


def test_worked_example_cost_through_to_the_finished_order_and_its_variance() -> None:
    shop, _request = requested_shop()
    # the primer goes to the painter with the frames: 10 x 0.5 L at 2.00
    shipped = shop.post(ShipToSubcontractor("SHIP", "PO-1", 10000, "20"))
    assert shipped.batch is not None
    assert [(e.item_no, e.quantity) for e in shipped.batch.item_entries] == [("PRIMER", D("-5.0"))]
    # two partial receipts at the invoiced price 4.20 (the standard is 4.00)
    first = shop.post(receive(6, key="R1", receipt_no="RCPT-1"))
    assert first.batch is not None
    (cap,) = first.batch.capacity_entries
    assert (cap.work_center_no, cap.quantity, cap.output_quantity) == ("PAINTER", 6, 6)
    assert cap.description == f"{SUBCONTRACT_RECEIPT} RCPT-1"
    assert cap.origin is EntryOrigin.SUBCONTRACT_RECEIPT
    cap_values = [v for v in first.batch.value_entries if v.source is ValueSource.CAPACITY]
    assert [(v.entry_type, v.cost_amount_actual, v.cost_amount_expected) for v in cap_values] == [
        (ValueEntryType.DIRECT_COST, D("25.20"), 0)
    ]
    items = {(e.entry_type, e.item_no): e.quantity for e in first.batch.item_entries}
    assert items == {(ItemEntryType.OUTPUT, "FRAME"): 6, (ItemEntryType.CONSUMPTION, "LABEL"): -6}
    shop.post(receive(4, key="R2"))
    order = shop.order()
    op = order.line(10000).operation("20")
    assert (op.subcontract_requested, op.subcontract_received, op.subcontract_outstanding) == (
        10,
        10,
        0,
    )
    assert order.line(10000).finished_quantity == 10
    out = handle(shop.uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=shop.clock)
    assert out.order is not None and out.order.status is OrderStatus.FINISHED
    with shop.uow:
        cost = actual_cost(shop.uow.orders.get("PO-1"), shop.uow.ledger, shop.uow.master_data)
    # material 100 (tubes) + 10 (primer) + 2 (labels); welding 60 min x 0.50; painting 10 x 4.20
    assert cost.actual == CostShares("112.00", "30.00", "42.00", "0", "0")
    adjusted = adjust_cost(shop.uow, "PO-1", clock=shop.clock, idempotency_key="ADJ")
    assert adjusted.batch is not None
    variances = {
        v.variance_type: v.cost_amount_actual
        for v in adjusted.batch.value_entries
        if v.entry_type is ValueEntryType.VARIANCE and v.cost_amount_actual
    }
    assert variances == {VarianceType.SUBCONTRACTED: D("2.00")}  # 42.00 - 10 x 4.00
    with shop.uow:
        assert shop.uow.ledger.wip("PO-1") == 0


def test_finishing_is_refused_while_requested_work_is_outstanding() -> None:
    shop, _ = requested_shop()
    shop.post(receive(6))
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError, match="outstanding for operation 20"):
        handle(shop.uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=shop.clock)
    assert shop.snapshot() == before
    shop.post(CancelSubcontractRequest("CANCEL", "PO-1", 10000, "20"))
    assert shop.order().line(10000).operation("20").subcontract_cancelled == 4
    out = handle(shop.uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=shop.clock)
    assert out.order is not None and out.order.status is OrderStatus.FINISHED


def test_receipts_beyond_the_outstanding_quantity_are_refused() -> None:
    shop, _ = requested_shop()
    shop.post(receive(6, key="R1"))
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        shop.post(receive(5, key="R2"))
    with pytest.raises(NotAllowedError, match="has no subcontractor"):
        shop.post(ReceiveSubcontractedWork("R3", "PO-1", 10000, "10", 1, "1"))
    assert shop.snapshot() == before


def test_receipt_with_scrap_and_a_middle_operation() -> None:
    shop = Shop(frame_records(paint_last=False))
    shop.released()
    shop.weld(10)
    shop.post(RegisterSubcontractRequests("REQ", calculate_subcontract_requests(shop.uow)))
    result = shop.post(receive(8, scrap_quantity=2, scrap_code="DENT"))
    assert result.batch is not None
    (cap,) = result.batch.capacity_entries
    assert (cap.quantity, cap.output_quantity, cap.scrap_quantity, cap.scrap_code) == (
        10,
        8,
        2,
        "DENT",
    )
    assert not cap.last_output_line
    # the receipt pays for everything the painter handled: 10 x 4.20; no item output yet
    assert [
        v.cost_amount_actual for v in result.batch.value_entries if v.source is ValueSource.CAPACITY
    ] == [D("42.00")]
    assert not [e for e in result.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT]
    # labels follow output + scrap
    assert [e.quantity for e in result.batch.item_entries if e.item_no == "LABEL"] == [-10]
    op = shop.order().line(10000).operation("20")
    assert (op.output_quantity, op.scrap_quantity, op.subcontract_outstanding) == (8, 2, 0)


def test_undo_receipt_takes_back_output_and_capacity_but_not_flushed_consumption() -> None:
    shop, _ = requested_shop()
    result = shop.post(receive(6, key="R1"))
    assert result.batch is not None
    cap_no = result.batch.capacity_entries[0].entry_no
    out_no = next(e.entry_no for e in result.batch.item_entries if e.item_no == "FRAME")
    # a plain reversal is refused: receipts are undone
    before = shop.snapshot()
    for source, no in ((ValueSource.CAPACITY, cap_no), (ValueSource.ITEM, out_no)):
        with pytest.raises(NotAllowedError, match="undo the receipt"):
            shop.post(ReverseEntry(f"REV-{no}", source, no))
    assert shop.snapshot() == before
    undo = shop.post(UndoSubcontractReceipt("U1", cap_no, D(2)))
    assert undo.batch is not None
    assert [(e.item_no, e.quantity, e.applies_to_entry_no) for e in undo.batch.item_entries] == [
        ("FRAME", -2, out_no)
    ]
    (rev,) = undo.batch.capacity_entries
    assert (rev.output_quantity, rev.applies_to_entry_no) == (-2, cap_no)
    assert [
        v.cost_amount_actual for v in undo.batch.value_entries if v.source is ValueSource.CAPACITY
    ] == [D("-8.40")]
    op = shop.order().line(10000).operation("20")
    assert (op.output_quantity, op.subcontract_received, op.subcontract_outstanding) == (4, 4, 6)
    assert op.status is RoutingStatus.IN_PROGRESS
    # the labels flushed by the receipt stay consumed
    assert shop.order().line(10000).component(20000).consumed_quantity == 6


def test_undo_is_refused_once_the_order_is_finished() -> None:
    shop, _ = requested_shop()
    result = shop.post(receive(10))
    assert result.batch is not None
    handle(shop.uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=shop.clock)
    with pytest.raises(InvalidTransitionError):
        shop.post(UndoSubcontractReceipt("U1", result.batch.capacity_entries[0].entry_no))


def test_undo_needs_a_receipt() -> None:
    shop, _ = requested_shop()
    weld = shop.order().line(10000).operation("10")
    assert weld.output_quantity == 10
    with pytest.raises(NotAllowedError, match="not a subcontracting receipt"):
        shop.post(UndoSubcontractReceipt("U1", 1))


def test_commands_are_idempotent_and_travel_as_json() -> None:
    shop, request = requested_shop()
    command = receive(6, key="R1")
    first = shop.post(command)
    assert shop.post(command) == first
    for cmd in (
        command,
        RegisterSubcontractRequests("REQ", (request,)),
        CancelSubcontractRequest("C", "PO-1", 10000, "20", D(1)),
        UndoSubcontractReceipt("U", 3),
        ShipToSubcontractor("S", "PO-1", 10000, "20"),
    ):
        assert loads(dumps(cmd), Command) == cmd


def test_the_production_journal_leaves_subcontracted_operations_to_the_receipt() -> None:
    shop = Shop(frame_records(paint_last=False))
    shop.released()
    with shop.uow:
        journal = production_journal(shop.uow.orders.get("PO-1"), 10000, shop.uow.master_data)
    assert [ol.operation_no for ol in journal.output] == ["10", "30"]
