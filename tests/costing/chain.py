"""The two-level chain of :mod:`prodcore.testing.chain` (R → S → F) and what the item
cost adjustment tests read and run on it."""

from __future__ import annotations

from decimal import Decimal

from prodcore.adapters import Store
from prodcore.app import handle
from prodcore.costing.item_adjustment import AdjustItemCosts, CorrectInboundCost
from prodcore.ledger.model import PostingResult, ValueEntry
from prodcore.ledger.valuation import entry_value
from prodcore.testing.chain import CLOCK, produce, receive
from prodcore.testing.chain import chain_records as items

__all__ = ["CLOCK", "D", "adjust", "correct", "items", "produce", "receive", "value", "wip"]

D = Decimal


def correct(store: Store, key: str, entry_no: int, cost: str) -> PostingResult:
    return handle(store(), CorrectInboundCost(key, entry_no, D(cost)), clock=CLOCK)


def adjust(store: Store, key: str) -> tuple[PostingResult, list[ValueEntry]]:
    """Run item cost adjustment; its result and the value entries it posted."""
    with store() as uow:
        before = len(uow.ledger.value_entries())
    result = handle(store(), AdjustItemCosts(key), clock=CLOCK)
    with store() as uow:
        return result, uow.ledger.value_entries()[before:]


def value(store: Store, entry_no: int) -> Decimal:
    with store() as uow:
        return entry_value(uow.ledger, entry_no)


def wip(store: Store, order_id: str) -> Decimal:
    with store() as uow:
        return uow.ledger.wip(order_id)
