"""Costing: BC's standard cost rollup, cost shares and the capacity cost split.

The single-level and rolled-up cost shares of every item are computed the way Business
Central's "Calculate Standard Cost" does (see ``docs/costing.md``).

>>> from prodcore.costing import CostShares
>>> CostShares(material="10", capacity="12").total
Decimal('22')
"""

from prodcore.costing.actual import (
    LineCost,
    OrderCost,
    WipBreakdown,
    actual_cost,
    wip_at,
    wip_breakdown_at,
)
from prodcore.costing.adjustment import AdjustCost
from prodcore.costing.allocation import (
    Allocation,
    CoProduct,
    CoProductPlan,
    CoProductPlans,
    ProductKind,
    allocate_cost,
    allocate_cost_shares,
    allocate_line_costs,
    allocate_order_cost,
    order_plan,
)
from prodcore.costing.rollup import (
    CostChange,
    RollupUpdate,
    StandardCostRollup,
    operation_cost_time,
    roll_up,
    single_level_cost,
)
from prodcore.costing.shares import (
    SHARE_NAMES,
    CapacityCostSplit,
    CostShares,
    ItemCost,
    split_capacity_cost,
)
from prodcore.costing.standard import ImplementStandardCost, StandardCostChange
from prodcore.costing.variance import (
    CostBreakdown,
    D365Variances,
    StandardCalculation,
    cost_breakdown,
    d365_variances,
    order_cost_views,
    standard_calculation,
)

__all__ = [
    "SHARE_NAMES",
    "AdjustCost",
    "Allocation",
    "CapacityCostSplit",
    "CoProduct",
    "CoProductPlan",
    "CoProductPlans",
    "CostBreakdown",
    "CostChange",
    "CostShares",
    "D365Variances",
    "ImplementStandardCost",
    "ItemCost",
    "LineCost",
    "OrderCost",
    "ProductKind",
    "RollupUpdate",
    "StandardCalculation",
    "StandardCostChange",
    "StandardCostRollup",
    "WipBreakdown",
    "actual_cost",
    "allocate_cost",
    "allocate_cost_shares",
    "allocate_line_costs",
    "allocate_order_cost",
    "cost_breakdown",
    "d365_variances",
    "operation_cost_time",
    "order_cost_views",
    "order_plan",
    "roll_up",
    "single_level_cost",
    "split_capacity_cost",
    "standard_calculation",
    "wip_at",
    "wip_breakdown_at",
]
