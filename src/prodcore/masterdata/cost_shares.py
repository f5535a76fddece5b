"""Cost shares (BC's cost components): the five amounts Business Central keeps per item
and per variance, material, capacity, subcontracted, capacity overhead and
manufacturing overhead.

They live with the master data because an implemented standard
(:class:`~prodcore.masterdata.standards.StandardCostVersion`) holds its shares;
:mod:`prodcore.costing` re-exports them (``prodcore.costing.CostShares`` is this
class). Arithmetic is exact (plain :class:`~decimal.Decimal`); nothing is rounded unless
:meth:`CostShares.rounded` is called.

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

from prodcore.numbers import ZERO, Rounding, as_decimal, to_decimal

__all__ = ["SHARE_NAMES", "CostShares"]

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

    # share by share, written out: cost adjustment adds and subtracts shares per order
    def __add__(self, other: CostShares) -> CostShares:
        return CostShares(
            self.material + other.material,
            self.capacity + other.capacity,
            self.subcontracted + other.subcontracted,
            self.capacity_overhead + other.capacity_overhead,
            self.manufacturing_overhead + other.manufacturing_overhead,
        )

    def __sub__(self, other: CostShares) -> CostShares:
        return CostShares(
            self.material - other.material,
            self.capacity - other.capacity,
            self.subcontracted - other.subcontracted,
            self.capacity_overhead - other.capacity_overhead,
            self.manufacturing_overhead - other.manufacturing_overhead,
        )

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
