"""Random subcontracting commands: each one either posts or is refused and changes nothing;
the operation's counters always agree with the capacity ledger."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prodcore.errors import ProdcoreError
from prodcore.orders.subcontracting import (
    CancelSubcontractRequest,
    ReceiveSubcontractedWork,
    RegisterSubcontractRequests,
    ShipToSubcontractor,
    SubcontractingCommand,
    SubcontractRequest,
    UndoSubcontractReceipt,
)
from prodcore.testing.shop import DUE

from .conftest import Shop, frame_records

ZERO = Decimal(0)


def request(qty: int) -> SubcontractRequest:
    return SubcontractRequest(
        "PO-1", 10000, "20", "PAINTER", "V-PAINT", "FRAME", qty, "PCS", 4, 4 * qty, DUE
    )


@given(data=st.data(), paint_last=st.booleans())
def test_random_commands_post_or_change_nothing(data: st.DataObject, paint_last: bool) -> None:
    shop = Shop(frame_records(paint_last=paint_last))
    shop.released()
    shop.weld(10)
    receipts: list[int] = []
    for n in range(data.draw(st.integers(1, 12))):
        kind = data.draw(st.sampled_from(["register", "receive", "undo", "cancel", "ship"]))
        qty = data.draw(st.integers(0, 6))
        command: SubcontractingCommand
        if kind == "register":
            command = RegisterSubcontractRequests(f"C{n}", (request(max(qty, 1)),))
        elif kind == "receive":
            scrap = data.draw(st.integers(0, 1))
            command = ReceiveSubcontractedWork(
                f"C{n}", "PO-1", 10000, "20", qty, "4.10", scrap_quantity=scrap
            )
        elif kind == "undo" and receipts:
            command = UndoSubcontractReceipt(f"C{n}", data.draw(st.sampled_from(receipts)))
        elif kind == "cancel":
            command = CancelSubcontractRequest(
                f"C{n}", "PO-1", 10000, "20", Decimal(qty) if qty else None
            )
        else:
            command = ShipToSubcontractor(f"C{n}", "PO-1", 10000, "20", Decimal(qty) or None)
        before = shop.snapshot()
        try:
            result = shop.post(command)
        except ProdcoreError:
            assert shop.snapshot() == before
            continue
        if isinstance(command, ReceiveSubcontractedWork):
            assert result.batch is not None
            receipts.append(result.batch.capacity_entries[0].entry_no)
        op = shop.order().line(10000).operation("20")
        with shop.uow:
            caps = [
                c
                for c in shop.uow.ledger.capacity_entries(order_id="PO-1")
                if c.operation_no == "20"
            ]
        assert op.output_quantity == sum((c.output_quantity for c in caps), ZERO)
        assert op.scrap_quantity == sum((c.scrap_quantity for c in caps), ZERO)
        assert op.subcontract_received == op.output_quantity + op.scrap_quantity
        assert op.subcontract_requested - op.subcontract_received - op.subcontract_cancelled >= 0
        assert op.subcontract_requested <= op.input_quantity + op.subcontract_cancelled
