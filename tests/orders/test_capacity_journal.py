"""The capacity journal posts capacity entries without value."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

from prodcore.masterdata import CapacityType
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.journals import (
    CapacityLine,
    PostCapacity,
)

from .shop import T0, Shop

# --- capacity journal: no valuation -------------------------------------------------------


def test_capacity_journal_posts_capacity_entries_without_value() -> None:
    shop = Shop()
    result = shop.post(
        PostCapacity(
            shop.key(),
            (CapacityLine(CapacityType.WORK_CENTER, "WC", run_time=Duration(2, TimeUnit.HOUR)),),
        )
    )
    assert result.batch is not None
    (cap,) = result.batch.capacity_entries
    assert (cap.order_id, cap.quantity, cap.run_time) == (None, 2, 2)
    assert result.batch.value_entries == () and result.batch.gl_entries == ()
    with shop.uow:
        assert shop.uow.ledger.capacity_used("WC", T0.date(), T0.date()) == 2
