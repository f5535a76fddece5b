"""Receipts, undo and quality scrap on the SQLite store: everything persists and the
store's integrity check passes."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs

from prodcore.adapters import open_store
from prodcore.app import calculate_subcontract_requests, handle, put_master_data
from prodcore.integrity import verify
from prodcore.masterdata import Item, QualityCheck, QualityFailureAction, QualityTest
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus, QualityOrderStatus, QualityResult
from prodcore.orders.quality import RecordQualityResults
from prodcore.orders.subcontracting import (
    ReceiveSubcontractedWork,
    RegisterSubcontractRequests,
    UndoSubcontractReceipt,
)
from prodcore.scenario import load_scenario, run_scenario
from prodcore.testing.shop import DUE

from .conftest import Shop, frame_records
from .test_demo_extension import extended_demo

FINAL = QualityCheck(
    "FINAL",
    (QualityTest("GLOSS", lower_limit="80"),),
    sample_quantity=1,
    on_failure=QualityFailureAction.SCRAP,
    scrap_code="QC",
)


def test_receipts_undo_and_quality_scrap_persist_and_verify() -> None:
    records = [
        attrs.evolve(r, quality_checks=(FINAL,)) if isinstance(r, Item) and r.no == "FRAME" else r
        for r in frame_records()
    ]
    clock = Shop().clock
    with open_store("sqlite:///:memory:") as store:
        put_master_data(store(), records)
        handle(store(), CreateOrder("PO-1", "FRAME", 10, due_date=DUE), clock=clock)
        handle(store(), ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
        requests = calculate_subcontract_requests(store())
        handle(store(), RegisterSubcontractRequests("REQ", requests), clock=clock)
        first = handle(
            store(), ReceiveSubcontractedWork("R1", "PO-1", 10000, "20", 6, "4.20"), clock=clock
        )
        assert first.batch is not None
        handle(store(), ReceiveSubcontractedWork("R2", "PO-1", 10000, "20", 4, "4.20"), clock=clock)
        handle(
            store(),
            RecordQualityResults("Q", "PO-1", "Q1", (QualityResult("GLOSS", value="70"),), 1),
            clock=clock,
        )
        handle(
            store(),
            UndoSubcontractReceipt("U", first.batch.capacity_entries[0].entry_no, Decimal(2)),
            clock=clock,
        )
        with store() as uow:
            order = uow.orders.get("PO-1")
        op = order.line(10000).operation("20")
        assert (op.output_quantity, op.scrap_quantity, op.subcontract_outstanding) == (
            Decimal(7),
            Decimal(1),
            Decimal(2),
        )
        assert order.line(10000).finished_quantity == 7
        assert [q.status for q in order.quality_orders] == [
            QualityOrderStatus.RESOLVED,
            QualityOrderStatus.OPEN,
        ]
        report = verify(store)
        assert report.ok, str(report)


def test_the_extended_demo_runs_on_sqlite_and_verifies() -> None:
    with open_store("sqlite:///:memory:") as store:
        run_scenario(load_scenario(json.dumps(extended_demo())), store)
        with store() as uow:
            assert uow.orders.get("PO-1001").status is OrderStatus.FINISHED
        report = verify(store)
        assert report.ok, str(report)
