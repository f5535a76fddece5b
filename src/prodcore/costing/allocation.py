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

An order created with co-products (``CreateOrder(..., co_products=...)``) carries the
shares on its lines; :func:`order_plan` reads its plan and :func:`allocate_line_costs`
rewrites its actual cost so each line carries its part (share by share), which is what
cost adjustment values the line's output at.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from prodcore.costing.actual import OrderCost
from prodcore.costing.shares import SHARE_NAMES, CostShares
from prodcore.errors import InvalidValueError, NotAllowedError
from prodcore.numbers import (
    HUNDRED,
    ZERO,
    Rounding,
    as_decimal,
    in_own_context,
    member_of,
    non_negative,
    percent,
    tuple_of,
)
from prodcore.orders.model import ProductionOrder

__all__ = [
    "Allocation",
    "CoProduct",
    "CoProductPlan",
    "CoProductPlans",
    "ProductKind",
    "allocate_cost",
    "allocate_cost_shares",
    "allocate_line_costs",
    "allocate_order_cost",
    "order_plan",
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
    kind: ProductKind = attrs.field(
        default=ProductKind.CO_PRODUCT, kw_only=True, validator=member_of(ProductKind)
    )
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


@in_own_context
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


@in_own_context
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
    """The hook through which a host declares co-/by-products kept outside the order:
    the plan of an order, or None for an order with one product. Orders created with
    co-products carry their plan themselves (:func:`order_plan`), which cost adjustment
    reads (see ``docs/costing.md``)."""

    def __call__(self, order_id: str) -> CoProductPlan | None: ...


@in_own_context
def allocate_order_cost(
    cost: OrderCost, plan: CoProductPlan, rounding: Rounding
) -> tuple[tuple[str, CostShares], ...]:
    """The order's actual cost (all lines, per share) split over the plan's products
    (:func:`allocate_cost_shares`); what each product's output would be valued at."""
    return allocate_cost_shares(cost.actual, plan, rounding)


@in_own_context
def order_plan(order: ProductionOrder) -> CoProductPlan | None:
    """The plan of an order created with co-products (one product per line, in line
    order, each with its line's cost share and quantity), or None for an order without."""
    if not any(line.cost_share_percent is not None for line in order.lines):
        return None
    return CoProductPlan(
        tuple(
            CoProduct(line.item_no, line.cost_share_percent or ZERO, quantity=line.quantity)
            for line in order.lines
        )
    )


@in_own_context
def allocate_line_costs(
    cost: OrderCost,
    plan: CoProductPlan,
    rounding: Rounding,
    *,
    manufacturing_overhead: Decimal | None = None,
) -> OrderCost:
    """``cost`` with each line's actual cost replaced by its part of the order's
    (:func:`allocate_order_cost`; plan products and cost lines in the same order).
    ``manufacturing_overhead`` replaces the order's total manufacturing overhead before
    the split (cost adjustment passes the one frozen at its first run)."""
    if len(plan.products) != len(cost.lines):
        raise NotAllowedError(
            action=f"share the cost of order {cost.order_id} by a plan of "
            f"{len(plan.products)} products",
            reason=f"the plan needs one product per line ({len(cost.lines)})",
        )
    total = cost.actual
    if manufacturing_overhead is not None:
        total = attrs.evolve(total, manufacturing_overhead=manufacturing_overhead)
    parts = allocate_cost_shares(total, plan, rounding)
    return attrs.evolve(
        cost,
        lines=tuple(
            attrs.evolve(line, actual=shares)
            for line, (_, shares) in zip(cost.lines, parts, strict=True)
        ),
    )
