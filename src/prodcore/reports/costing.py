"""Cost tables for people (plain text): the standard cost breakdown of an item.

>>> from prodcore.costing.shares import CostShares, ItemCost
>>> cost = ItemCost("P", produced=True,
...     single_level=CostShares("10", "12", "0", "2.4", "2.22"),
...     rolled_up=CostShares("10", "12", "0", "2.4", "2.22"))
>>> print(render_cost_breakdown(cost, currency="EUR"))
Standard cost of item P (per base unit, EUR)
Share                   Single-level  Rolled-up
----------------------  ------------  ---------
Material                       10.00      10.00
Capacity                       12.00      12.00
Subcontracted                   0.00       0.00
Capacity overhead               2.40       2.40
Manufacturing overhead          2.22       2.22
----------------------  ------------  ---------
Standard cost                  26.62      26.62
"""

from __future__ import annotations

from decimal import Decimal

from prodcore.costing.shares import SHARE_NAMES, ItemCost
from prodcore.numbers import Rounding
from prodcore.reports.tables import table

__all__ = ["render_cost_breakdown"]

_LABELS = {
    "material": "Material",
    "capacity": "Capacity",
    "subcontracted": "Subcontracted",
    "capacity_overhead": "Capacity overhead",
    "manufacturing_overhead": "Manufacturing overhead",
}


def render_cost_breakdown(
    cost: ItemCost,
    *,
    currency: str = "",
    rounding: Rounding | None = None,
) -> str:
    """A table of the item's single-level and rolled-up shares and their totals.

    Amounts are shown rounded with ``rounding`` (default: to 0.01); the figures of
    ``cost`` are not changed.
    """
    shown = rounding or Rounding(Decimal("0.01"))
    unit = f", {currency}" if currency else ""
    return table(
        ("Share", "Single-level", "Rolled-up"),
        [
            (
                _LABELS[name],
                str(shown.apply(getattr(cost.single_level, name))),
                str(shown.apply(getattr(cost.rolled_up, name))),
            )
            for name in SHARE_NAMES
        ],
        title=f"Standard cost of item {cost.item_no} (per base unit{unit})",
        align="lrr",
        footer=[
            (
                "Standard cost",
                str(shown.apply(cost.single_level.total)),
                str(shown.apply(cost.rolled_up.total)),
            )
        ],
    )
