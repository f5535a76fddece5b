"""Cost shares (BC's cost components) and the capacity cost split.

A :class:`CostShares` holds the five shares Business Central keeps per item and per
variance: material, capacity, subcontracted, capacity overhead and manufacturing
overhead. Arithmetic is exact (plain :class:`~decimal.Decimal`); nothing is rounded
unless :meth:`CostShares.rounded` is called.

>>> a = CostShares(material="10", capacity="12", capacity_overhead="2.4")
>>> b = CostShares(manufacturing_overhead="2.22")
>>> (a + b).total
Decimal('26.62')
>>> (a * 10).capacity
Decimal('120')
>>> (a - a).is_zero()
True
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from prodcore.errors import InvalidValueError
from prodcore.numbers import HUNDRED, ONE, ZERO, NumberLike, Rounding, as_decimal, to_decimal

__all__ = [
    "SHARE_NAMES",
    "CapacityCostSplit",
    "CostShares",
    "ItemCost",
    "split_capacity_cost",
]

SHARE_NAMES: tuple[str, ...] = (
    "material",
    "capacity",
    "subcontracted",
    "capacity_overhead",
    "manufacturing_overhead",
)
"""The share fields of :class:`CostShares`, in BC's order."""


@attrs.frozen
class CostShares:
    """The five cost shares of BC (amounts per unit or per order, exact Decimals).

    Shares may be negative: a difference of two :class:`CostShares` (a variance) is one.
    """

    material: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    capacity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    subcontracted: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    capacity_overhead: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    manufacturing_overhead: Decimal = attrs.field(default=ZERO, converter=as_decimal)

    @classmethod
    def zero(cls) -> CostShares:
        return cls()

    @property
    def total(self) -> Decimal:
        """The sum of the shares (for single-level shares per unit: the standard cost)."""
        return (
            self.material
            + self.capacity
            + self.subcontracted
            + self.capacity_overhead
            + self.manufacturing_overhead
        )

    def as_tuple(self) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
        """The shares in the order of :data:`SHARE_NAMES`."""
        return (
            self.material,
            self.capacity,
            self.subcontracted,
            self.capacity_overhead,
            self.manufacturing_overhead,
        )

    def __add__(self, other: CostShares) -> CostShares:
        return CostShares(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def __sub__(self, other: CostShares) -> CostShares:
        return CostShares(*(a - b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def __neg__(self) -> CostShares:
        return CostShares(*(-a for a in self.as_tuple()))

    def __mul__(self, factor: Decimal | int) -> CostShares:
        f = to_decimal(factor, "factor")
        return CostShares(*(a * f for a in self.as_tuple()))

    def rounded(self, rounding: Rounding) -> CostShares:
        """Every share rounded with ``rounding`` (the total is then the sum of rounded shares)."""
        return CostShares(*(rounding.apply(a) for a in self.as_tuple()))

    def is_zero(self) -> bool:
        return not any(self.as_tuple())


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
