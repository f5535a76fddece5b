"""Properties: partial receipts add up; receipts and their undo net to zero; refusals
change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.app import calculate_subcontract_requests
from prodcore.errors import InsufficientQuantityError
from prodcore.ledger import ValueSource
from prodcore.masterdata import BomLine, ProductionBom
from prodcore.orders.subcontracting import (
    ReceiveSubcontractedWork,
    RegisterSubcontractRequests,
    UndoSubcontractReceipt,
)
from prodcore.ports import MasterDataRecord

from .conftest import D, Shop, frame_records


def records(paint_last: bool) -> list[MasterDataRecord]:
    """The frame without components linked to painting (their flushing stays on undo)."""
    out = frame_records(paint_last=paint_last)
    return [
        ProductionBom("FRAME-BOM", (BomLine("TUBE", 2),)) if isinstance(r, ProductionBom) else r
        for r in out
    ]


def nonzero(balances: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: v for k, v in balances.items() if v}


receipts = st.lists(
    st.tuples(
        st.integers(0, 4),  # good
        st.integers(0, 1),  # scrap
        st.decimals("0.01", "9.99", places=2),  # unit cost
    ).filter(lambda r: r[0] + r[1] > 0),
    min_size=1,
    max_size=4,
).filter(lambda rs: sum(g + s for g, s, _ in rs) <= 10)


@given(rs=receipts, paint_last=st.booleans(), data=st.data())
def test_partial_receipts_add_up_and_undo_nets_to_zero(
    rs: list[tuple[int, int, Decimal]], paint_last: bool, data: st.DataObject
) -> None:
    shop = Shop(records(paint_last))
    shop.released()
    shop.weld(10)
    shop.post(RegisterSubcontractRequests("REQ", calculate_subcontract_requests(shop.uow)))
    before_accounts = nonzero(shop.accounts())
    before_on_hand = nonzero(dict(shop.store.ledger.on_hand_total))
    before_op = shop.order().line(10000).operation("20")
    cap_nos: list[int] = []
    for n, (good, scrap, cost) in enumerate(rs):
        result = shop.post(
            ReceiveSubcontractedWork(f"R{n}", "PO-1", 10000, "20", good, cost, scrap_quantity=scrap)
        )
        assert result.batch is not None
        cap_nos.append(result.batch.capacity_entries[0].entry_no)
    order = shop.order()
    op = order.line(10000).operation("20")
    good_total = sum(g for g, _, _ in rs)
    scrap_total = sum(s for _, s, _ in rs)
    assert op.output_quantity == good_total
    assert op.scrap_quantity == scrap_total
    assert op.subcontract_received == good_total + scrap_total
    assert op.subcontract_outstanding == 10 - good_total - scrap_total
    assert order.line(10000).finished_quantity == (good_total if paint_last else 0)
    with shop.uow:
        caps = [shop.uow.ledger.capacity_entry(no) for no in cap_nos]
        direct = sum(
            (
                v.cost_amount_actual
                for no in cap_nos
                for v in shop.uow.ledger.value_entries(
                    source=ValueSource.CAPACITY, source_entry_no=no
                )
            ),
            D(0),
        )
    assert sum((c.quantity for c in caps), D(0)) == good_total + scrap_total
    assert direct == sum(((g + s) * c).quantize(D("0.01")) for g, s, c in rs)
    for no in data.draw(st.permutations(cap_nos)):
        shop.post(UndoSubcontractReceipt(f"U{no}", no))
    assert nonzero(shop.accounts()) == before_accounts
    assert nonzero(dict(shop.store.ledger.on_hand_total)) == before_on_hand
    after_op = shop.order().line(10000).operation("20")
    assert (after_op.output_quantity, after_op.scrap_quantity, after_op.subcontract_received) == (
        before_op.output_quantity,
        before_op.scrap_quantity,
        before_op.subcontract_received,
    )
    assert shop.order().line(10000).finished_quantity == 0
    with shop.uow:
        assert shop.uow.ledger.wip("PO-1") == before_accounts.get("2140", D(0))


@given(extra=st.integers(1, 5), first=st.integers(1, 10))
def test_refused_receipts_change_nothing(extra: int, first: int) -> None:
    shop = Shop(records(True))
    shop.released()
    shop.weld(10)
    shop.post(RegisterSubcontractRequests("REQ", calculate_subcontract_requests(shop.uow)))
    shop.post(ReceiveSubcontractedWork("R1", "PO-1", 10000, "20", first, "4"))
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        shop.post(ReceiveSubcontractedWork("R2", "PO-1", 10000, "20", 10 - first + extra, "4"))
    assert shop.snapshot() == before
