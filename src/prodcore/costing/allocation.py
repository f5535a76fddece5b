"""Co-products and by-products: splitting an order's cost by cost shares (pure).

An order that yields several products (D365's co-products and by-products; BC has no
co-products) declares them with a :class:`CoProductPlan`: each product's item, kind and
**cost share percentage** (the shares add up to 100; a by-product usually carries 0 %,
its value then stays with the co-products). :func:`allocate_cost` splits a total so the
parts add up to it exactly:

* each product's part is ``round(Total × Share% / 100)`` with the amount rounding;
* the rest (what rounding lost or gained, at most half a unit of the precision per
  product) goes to the product with the **largest share**, the first declared of equal
  shares.

>>> from decimal import Decimal as D
>>> plan = CoProductPlan((CoProduct("OIL", 50), CoProduct("MEAL", 50),
...                       CoProduct("HULLS", 0, kind=ProductKind.BY_PRODUCT)))
>>> [(a.item_no, a.amount) for a in allocate_cost(D("100.01"), plan, Rounding(D("0.01")))]
[('OIL', Decimal('50.00')), ('MEAL', Decimal('50.01')), ('HULLS', Decimal('0.00'))]

Both halves round up to 50.01; the extra cent comes off OIL, the first of the largest.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from prodcore.costing.actual import OrderCost
from prodcore.costing.shares import SHARE_NAMES, CostShares
from prodcore.errors import InvalidValueError
from prodcore.numbers import HUNDRED, ZERO, Rounding, as_decimal, non_negative, percent, tuple_of

__all__ = [
    "Allocation",
    "CoProduct",
    "CoProductPlan",
    "CoProductPlans",
    "ProductKind",
    "allocate_cost",
    "allocate_cost_shares",
    "allocate_order_cost",
]


class ProductKind(enum.StrEnum):
    """A co-product (a main product, carries cost) or a by-product (usually 0 %)."""

    CO_PRODUCT = "CO_PRODUCT"
    BY_PRODUCT = "BY_PRODUCT"


@attrs.frozen
class CoProduct:
    """One product of an order with its cost share (percent of the order's cost) and,
    optionally, its output quantity (for a unit cost)."""

    item_no: str
    cost_share_percent: Decimal = attrs.field(converter=as_decimal, validator=percent)
    kind: ProductKind = attrs.field(default=ProductKind.CO_PRODUCT, kw_only=True)
    quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )


@attrs.frozen
class CoProductPlan:
    """The products of an order (or of an item's formula); cost shares add up to 100."""

    products: tuple[CoProduct, ...] = attrs.field(validator=tuple_of(CoProduct))

    def __attrs_post_init__(self) -> None:
        if not self.products:
            raise InvalidValueError(field="products", value=(), reason="name at least one product")
        names = [p.item_no for p in self.products]
        if len(set(names)) != len(names):
            raise InvalidValueError(field="products", value=tuple(names), reason="items repeat")
        total = sum((p.cost_share_percent for p in self.products), ZERO)
        if total != HUNDRED:
            raise InvalidValueError(
                field="cost_share_percent", value=total, reason="the shares must add up to 100"
            )


@attrs.frozen
class Allocation:
    """A product's part of the cost; ``unit_cost`` is ``amount / quantity`` (0 without a
    quantity), unrounded."""

    item_no: str
    kind: ProductKind
    cost_share_percent: Decimal
    amount: Decimal
    quantity: Decimal

    @property
    def unit_cost(self) -> Decimal:
        return self.amount / self.quantity if self.quantity else ZERO


def _largest(products: Sequence[CoProduct]) -> int:
    return max(range(len(products)), key=lambda i: (products[i].cost_share_percent, -i))


def allocate_cost(
    total: Decimal, plan: CoProductPlan, rounding: Rounding
) -> tuple[Allocation, ...]:
    """Split ``total`` by the plan's cost shares; the parts add up to ``total`` exactly
    (rule in the module docstring)."""
    total = as_decimal(total)
    amounts = [rounding.apply(total * p.cost_share_percent / HUNDRED) for p in plan.products]
    amounts[_largest(plan.products)] += total - sum(amounts, ZERO)
    return tuple(
        Allocation(p.item_no, p.kind, p.cost_share_percent, amount, p.quantity)
        for p, amount in zip(plan.products, amounts, strict=True)
    )


def allocate_cost_shares(
    total: CostShares, plan: CoProductPlan, rounding: Rounding
) -> tuple[tuple[str, CostShares], ...]:
    """Split each of the five shares by the plan (each share with :func:`allocate_cost`'s
    rule), so every share, and so the total, adds up exactly over the products."""
    columns = [allocate_cost(getattr(total, name), plan, rounding) for name in SHARE_NAMES]
    return tuple(
        (p.item_no, CostShares(*(column[i].amount for column in columns)))
        for i, p in enumerate(plan.products)
    )


class CoProductPlans(Protocol):
    """The hook through which a host declares co-/by-products: the plan of an order, or
    None for an order with one product. Cost adjustment would call it once posting
    co-product output exists (see ``docs/costing.md``)."""

    def __call__(self, order_id: str) -> CoProductPlan | None: ...


def allocate_order_cost(
    cost: OrderCost, plan: CoProductPlan, rounding: Rounding
) -> tuple[tuple[str, CostShares], ...]:
    """The order's actual cost (all lines, per share) split over the plan's products
    (:func:`allocate_cost_shares`); what each product's output would be valued at."""
    return allocate_cost_shares(cost.actual, plan, rounding)
