"""Cost shares (BC's cost components), an item's cost and the capacity cost split.

:class:`CostShares` (the five shares Business Central keeps per item and per variance:
material, capacity, subcontracted, capacity overhead and manufacturing overhead) is
defined with the master data (:mod:`prodcore.masterdata.cost_shares`), since an
implemented standard holds one, and is the same class here. Arithmetic is exact (plain
:class:`~decimal.Decimal`); nothing is rounded unless :meth:`CostShares.rounded` is
called.

>>> from prodcore import masterdata
>>> CostShares is masterdata.cost_shares.CostShares
True
>>> ItemCost("FRAME", produced=True, single_level=CostShares(material=10, capacity=12),
...          rolled_up=CostShares(material=22)).standard_cost
Decimal('22')
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from prodcore.errors import InvalidValueError
from prodcore.masterdata.cost_shares import SHARE_NAMES, CostShares
from prodcore.numbers import (
    HUNDRED,
    ONE,
    NumberLike,
    Rounding,
    as_decimal,
    in_own_context,
    to_decimal,
)

__all__ = [
    "SHARE_NAMES",
    "CapacityCostSplit",
    "CostShares",
    "ItemCost",
    "split_capacity_cost",
]


@attrs.frozen
class ItemCost:
    """An item's cost per base unit: single-level and rolled-up shares (BC's item card).

    ``standard_cost`` is the sum of the single-level shares. For a purchased item both
    share sets hold its unit cost as material.

    >>> ic = ItemCost("BOLT", produced=False, single_level=CostShares(material="0.1"),
    ...               rolled_up=CostShares(material="0.1"))
    >>> ic.standard_cost
    Decimal('0.1')
    """

    item_no: str
    produced: bool = attrs.field(kw_only=True)
    single_level: CostShares = attrs.field(kw_only=True)
    rolled_up: CostShares = attrs.field(kw_only=True)

    @property
    def standard_cost(self) -> Decimal:
        return self.single_level.total


@attrs.frozen
class CapacityCostSplit:
    """A capacity cost amount split into its direct and indirect (overhead) parts."""

    direct: Decimal = attrs.field(converter=as_decimal)
    indirect: Decimal = attrs.field(converter=as_decimal)

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect


@in_own_context
def split_capacity_cost(
    cost_amount: NumberLike,
    capacity_quantity: NumberLike,
    *,
    overhead_rate: NumberLike,
    indirect_cost_percent: NumberLike,
    rounding: Rounding,
) -> CapacityCostSplit:
    """Split a capacity cost amount as BC's capacity posting does.

    ``Direct = round((CostAmt − CapQty × OverheadRate) / (1 + Indirect% / 100))`` and
    ``Indirect = CostAmt − Direct``, so the parts always add up to the amount.

    Example: 4 hours at unit cost 24 (direct 20, indirect 10 %, overhead rate 2):

    >>> s = split_capacity_cost(96, 4, overhead_rate=2, indirect_cost_percent=10,
    ...                         rounding=Rounding(Decimal("0.01")))
    >>> s.direct, s.indirect
    (Decimal('80.00'), Decimal('16.00'))
    """
    amount = to_decimal(cost_amount, "cost_amount")
    quantity = to_decimal(capacity_quantity, "capacity_quantity")
    rate = to_decimal(overhead_rate, "overhead_rate")
    percent = to_decimal(indirect_cost_percent, "indirect_cost_percent")
    if rate < 0:
        raise InvalidValueError(field="overhead_rate", value=rate, reason="must not be negative")
    if percent < 0:
        raise InvalidValueError(
            field="indirect_cost_percent", value=percent, reason="must not be negative"
        )
    direct = rounding.apply((amount - quantity * rate) / (ONE + percent / HUNDRED))
    return CapacityCostSplit(direct=direct, indirect=amount - direct)
