"""Co-/by-product cost allocation: exact shares, the residual rule, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.costing import CostShares
from prodcore.costing.actual import LineCost, OrderCost
from prodcore.costing.allocation import (
    CoProduct,
    CoProductPlan,
    ProductKind,
    allocate_cost,
    allocate_cost_shares,
    allocate_line_costs,
    allocate_order_cost,
)
from prodcore.errors import InvalidValueError, NotAllowedError
from prodcore.numbers import Rounding

CENT = Rounding(Decimal("0.01"))
D = Decimal


def test_residual_goes_to_the_largest_share() -> None:
    plan = CoProductPlan(
        (CoProduct("A", D("33.33")), CoProduct("B", D("33.34")), CoProduct("C", D("33.33")))
    )
    parts = allocate_cost(D("10.00"), plan, CENT)
    assert [p.amount for p in parts] == [D("3.33"), D("3.34"), D("3.33")]
    parts = allocate_cost(D("0.05"), plan, CENT)
    # 0.016665 -> 0.02 each = 0.06: the extra cent comes off B (the largest share)
    assert [p.amount for p in parts] == [D("0.02"), D("0.01"), D("0.02")]


def test_by_product_without_share_gets_nothing_and_unit_costs_follow() -> None:
    plan = CoProductPlan(
        (
            CoProduct("OIL", 70, quantity=10),
            CoProduct("MEAL", 30, quantity=20),
            CoProduct("HULLS", 0, kind=ProductKind.BY_PRODUCT, quantity=5),
        )
    )
    parts = allocate_cost(D("284.05"), plan, CENT)
    assert [p.amount for p in parts] == [D("198.83"), D("85.22"), D("0.00")]
    assert parts[0].unit_cost == D("19.883")
    assert parts[2].unit_cost == 0


def test_plans_must_add_up_to_100_and_name_items_once() -> None:
    with pytest.raises(InvalidValueError):
        CoProductPlan((CoProduct("A", 50), CoProduct("B", 40)))
    with pytest.raises(InvalidValueError):
        CoProductPlan((CoProduct("A", 50), CoProduct("A", 50)))
    with pytest.raises(InvalidValueError):
        CoProductPlan(())
    with pytest.raises(InvalidValueError):
        CoProduct("A", 101)


@st.composite
def plans(draw: st.DrawFn) -> CoProductPlan:
    n = draw(st.integers(1, 6))
    cuts = sorted(draw(st.lists(st.integers(0, 10000), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 10000]
    shares = [D(bounds[i + 1] - bounds[i]) / 100 for i in range(n)]
    return CoProductPlan(tuple(CoProduct(f"P{i}", s) for i, s in enumerate(shares)))


amounts = st.decimals(
    min_value=D("-100000"), max_value=D("1000000"), places=2, allow_nan=False, allow_infinity=False
)


@given(plans(), amounts)
def test_allocation_adds_up_exactly(plan: CoProductPlan, total: Decimal) -> None:
    parts = allocate_cost(total, plan, CENT)
    assert sum((p.amount for p in parts), D(0)) == total
    largest = max(p.cost_share_percent for p in plan.products)
    for p in parts:
        exact = total * p.cost_share_percent / 100
        slack = D("0.005") if p.cost_share_percent != largest else D("0.005") * len(parts)
        assert abs(p.amount - exact) <= slack


@given(plans(), amounts, amounts, amounts)
def test_share_allocation_adds_up_per_share(
    plan: CoProductPlan, a: Decimal, b: Decimal, c: Decimal
) -> None:
    total = CostShares(a, b, D(0), c, D("1.23"))
    parts = allocate_cost_shares(total, plan, CENT)
    summed = CostShares()
    for _, shares in parts:
        summed = summed + shares
    assert summed == total


def test_order_cost_is_allocated_share_by_share() -> None:
    cost = OrderCost(
        "PO-1",
        True,
        (LineCost(10000, "OIL", 10, CostShares("105", "130", "0", "26", "23.05")),),
    )
    plan = CoProductPlan((CoProduct("OIL", 70), CoProduct("MEAL", 30)))
    parts = dict(allocate_order_cost(cost, plan, CENT))
    assert parts["OIL"] + parts["MEAL"] == cost.actual
    assert parts["OIL"].total + parts["MEAL"].total == D("284.05")
    assert parts["MEAL"] == CostShares("31.50", "39.00", "0.00", "7.80", "6.92")


def test_a_plan_that_does_not_fit_the_order_lines_is_a_business_refusal() -> None:
    cost = OrderCost("PO-1", True, (LineCost(10000, "OIL", 10, CostShares("105")),))
    plan = CoProductPlan((CoProduct("OIL", 70), CoProduct("MEAL", 30)))
    with pytest.raises(NotAllowedError, match=r"one product per line \(1\)"):
        allocate_line_costs(cost, plan, CENT)
