"""Costing: BC's standard cost rollup, cost shares and the capacity cost split.

The single-level and rolled-up cost shares of every item are computed the way Business
Central's "Calculate Standard Cost" does (see ``docs/costing.md``).

>>> from prodcore.costing import CostShares
>>> CostShares(material="10", capacity="12").total
Decimal('22')
"""

from prodcore.costing.report import render_cost_breakdown
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

__all__ = [
    "SHARE_NAMES",
    "CapacityCostSplit",
    "CostChange",
    "CostShares",
    "ItemCost",
    "RollupUpdate",
    "StandardCostRollup",
    "operation_cost_time",
    "render_cost_breakdown",
    "roll_up",
    "single_level_cost",
    "split_capacity_cost",
]
