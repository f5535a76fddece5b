"""The "who" of the ledger: ``handle(..., user=, source=)`` stamps every batch the command
posts; batches stored before the fields existed load with None."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import attrs

from prodcore.adapters import open_store
from prodcore.app import handle, preview, put_master_data
from prodcore.clock import FixedClock
from prodcore.ledger.model import PostingBatch
from prodcore.masterdata import (
    BomLine,
    CostingMethod,
    FlushingMethod,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
)
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from prodcore.orders.lifecycle import ChangeStatus
from prodcore.orders.model import OrderStatus
from prodcore.serialization import dumps, loads
from prodcore.testing.shop import T0, Shop


def _opening(key: str = "OPEN-1") -> AdjustInventory:
    return AdjustInventory(key, (AdjustmentLine("BOLT", Decimal(10), unit_cost=Decimal(2)),))


def _bolt() -> Item:
    return Item("BOLT", base_unit="PCS", costing_method=CostingMethod.AVERAGE)


def test_handle_stamps_user_and_source_on_the_stored_batch(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'who.db'}") as new_uow:
        put_master_data(new_uow(), [_bolt()], setup=ManufacturingSetup())
        result = handle(new_uow(), _opening(), clock=FixedClock(T0), user="ana", source="http")
        assert result.batch is not None
        assert (result.batch.user, result.batch.source) == ("ana", "http")
        with new_uow() as uow:
            stored = uow.ledger.batch(result.batch.posting_no)
        assert (stored.user, stored.source) == ("ana", "http")
        # a replay returns the first result, stamped as it was then
        again = handle(new_uow(), _opening(), clock=FixedClock(T0), user="bob", source="cli")
        assert again == result


def test_without_user_nothing_is_stamped_and_the_unit_of_work_is_the_callers() -> None:
    shop = Shop([_bolt()])
    result = shop.post(_opening())
    assert result.batch is not None
    assert (result.batch.user, result.batch.source) == (None, None)


def test_preview_stamps_what_it_would_post_and_writes_nothing() -> None:
    shop = Shop([_bolt()])
    before = shop.snapshot()
    result = preview(shop.uow, _opening(), clock=shop.clock, user="ana")
    assert result.batch is not None
    assert (result.batch.user, result.batch.source) == ("ana", None)
    assert shop.snapshot() == before


def test_lifecycle_flushing_is_stamped_too() -> None:
    shop = Shop(
        [
            Item(
                "BOLT",
                base_unit="PCS",
                costing_method=CostingMethod.AVERAGE,
                flushing_method=FlushingMethod.FORWARD,
            ),
            ProductionBom("B", (BomLine("BOLT", Decimal(1)),)),
            Item(
                "SHELF",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="B",
            ),
        ]
    )
    shop.post(_opening())
    shop.create("PO-1", "SHELF", 5)
    outcome = handle(
        shop.uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=shop.clock, user="ana"
    )
    assert outcome.posting is not None and outcome.posting.user == "ana"


def test_an_unstamped_batch_is_written_as_before_and_old_documents_load_with_none() -> None:
    batch = attrs.evolve(_stamped_batch(), user=None, source=None)
    old = json.loads(dumps(batch))
    assert "user" not in old and "source" not in old
    assert loads(json.dumps(old), PostingBatch) == batch


def test_a_stamped_batch_round_trips() -> None:
    batch = _stamped_batch()
    assert loads(dumps(batch), PostingBatch) == batch


def _stamped_batch() -> PostingBatch:
    return attrs.evolve(PostingBatch.build(document_no="D", posted_at=T0), user="u", source="s")
