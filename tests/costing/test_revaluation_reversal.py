"""Reversing an output that a new standard revalued on hand: the revaluation's reversal
goes Inventory against Inventory Adjustment of no order, as the revaluation did, so the
order's item value entries stay what its WIP absorbed (frame example: 10 revalued
26.62 → 30.085, +34.65)."""

from __future__ import annotations

from decimal import Decimal

from prodcore.app import handle
from prodcore.clock import FixedClock
from prodcore.ledger.model import AccountRole, ItemEntryType, ValueEntryType, ValueSource
from prodcore.orders.execution import ReverseEntry
from tests.costing.test_standard_history import T2, revalued_uow

D = Decimal


def test_a_revalued_outputs_reversal_reverses_the_revaluation_outside_the_order() -> None:
    uow = revalued_uow()
    with uow:
        (output,) = [
            e
            for e in uow.ledger.item_entries(order_id="PO-1")
            if e.entry_type is ItemEntryType.OUTPUT
        ]
        wip_before = uow.ledger.wip("PO-1")
    handle(uow, ReverseEntry("REV", ValueSource.ITEM, output.entry_no), clock=FixedClock(T2))
    with uow:
        ledger = uow.ledger
        revals = [v for v in ledger.value_entries() if v.entry_type is ValueEntryType.REVALUATION]
        assert [(v.cost_amount, v.order_id) for v in revals] == [
            (D("34.65"), None),
            (D("-34.65"), None),
        ]
        gl = [g for g in ledger.gl_entries() if g.value_entry_no == revals[1].entry_no]
        assert sorted((g.role, g.amount) for g in gl) == [
            (AccountRole.INVENTORY, D("-34.65")),
            (AccountRole.INVENTORY_ADJUSTMENT, D("34.65")),
        ]
        # the order's own item values moved its WIP, and nothing else did
        reversal = ledger.item_entries(order_id="PO-1")[-1]
        order_values = ledger.value_entries(
            source=ValueSource.ITEM, source_entry_no=reversal.entry_no
        )
        moved = sum((v.cost_amount for v in order_values if v.order_id == "PO-1"), D(0))
        capacity = sum(
            (
                v.cost_amount
                for v in ledger.value_entries(order_id="PO-1")
                if v.source is ValueSource.CAPACITY and v.document_no == "REV"
            ),
            D(0),
        )
        assert ledger.wip("PO-1") - wip_before == capacity - moved
