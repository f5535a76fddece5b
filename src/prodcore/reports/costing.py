"""Cost tables for people (plain text): an item's standard cost breakdown and an order's
BC and D365 cost views.

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

from collections.abc import Mapping
from decimal import Decimal

from prodcore.costing.shares import SHARE_NAMES, CostShares, ItemCost
from prodcore.costing.variance import CostBreakdown, D365Variances, order_cost_views
from prodcore.numbers import ZERO, Rounding, in_own_context
from prodcore.ports import UnitOfWork
from prodcore.reports.tables import Table, table

__all__ = [
    "order_cost_report",
    "order_cost_table",
    "render_cost_breakdown",
    "render_d365_variances",
    "render_order_cost",
]

_LABELS = {
    "material": "Material",
    "capacity": "Capacity",
    "subcontracted": "Subcontracted",
    "capacity_overhead": "Capacity overhead",
    "manufacturing_overhead": "Manufacturing overhead",
}


def _amounts(shown: Rounding, label: str, *values: Decimal) -> tuple[str, ...]:
    """A table row: the label, then the amounts rounded for showing (zeros kept)."""
    return (label, *(str(shown.apply(v)) for v in values))


@in_own_context
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
            _amounts(
                shown,
                _LABELS[name],
                getattr(cost.single_level, name),
                getattr(cost.rolled_up, name),
            )
            for name in SHARE_NAMES
        ],
        title=f"Standard cost of item {cost.item_no} (per base unit{unit})",
        align="lrr",
        footer=[_amounts(shown, "Standard cost", cost.single_level.total, cost.rolled_up.total)],
    )


@in_own_context
def render_order_cost(
    breakdown: CostBreakdown, *, currency: str = "", rounding: Rounding | None = None
) -> str:
    """A text table of the order's standard, actual and variance per share.

    >>> b = CostBreakdown("PO-1", "FRAME", 10, True, CostShares(100, 120, 0, 24, "22.20"),
    ...                   CostShares(105, 130, 0, 26, "23.05"))
    >>> print(render_order_cost(b, currency="EUR"))
    Cost of order PO-1: 10 FRAME (EUR, actual cost final)
    Share                   Standard  Actual  Variance
    ----------------------  --------  ------  --------
    Material                  100.00  105.00      5.00
    Capacity                  120.00  130.00     10.00
    Subcontracted               0.00    0.00      0.00
    Capacity overhead          24.00   26.00      2.00
    Manufacturing overhead     22.20   23.05      0.85
    ----------------------  --------  ------  --------
    Total                     266.20  284.05     17.85
    """
    return order_cost_table(breakdown, currency=currency, rounding=rounding).text()


def order_cost_table(
    breakdown: CostBreakdown, *, currency: str = "", rounding: Rounding | None = None
) -> Table:
    """:func:`render_order_cost` as a :class:`~prodcore.reports.tables.Table` (text or HTML)."""
    shown = rounding or Rounding(Decimal("0.01"))
    b = breakdown
    unit = f"{currency}, " if currency else ""
    state = "actual cost final" if b.final else "order not finished: expected actual cost"
    summed = f", {b.lines} order lines summed" if b.lines > 1 else ""
    return Table.of(
        ("Share", "Standard", "Actual", "Variance"),
        [
            _amounts(
                shown,
                _LABELS[name],
                getattr(b.standard, name),
                getattr(b.actual, name),
                getattr(b.variance, name),
            )
            for name in SHARE_NAMES
        ],
        title=(
            f"Cost of order {b.order_id}: {b.output_quantity.normalize():f} "
            f"{b.item_no} ({unit}{state}{summed})"
        ),
        align="lrrr",
        footer=[_amounts(shown, "Total", b.standard.total, b.actual.total, b.variance.total)],
    )


@in_own_context
def render_d365_variances(v: D365Variances, *, rounding: Rounding | None = None) -> str:
    """A text table of the D365 analysis: one row per line, then the totals."""
    shown = rounding or Rounding(Decimal("0.01"))
    good = v.good_quantity.normalize()
    unit_cost = shown.apply(v.standard_unit_cost)
    body = table(
        ("Line", "Std allowed", "Actual", "Quantity", "Price", "Substitution"),
        [
            _amounts(
                shown,
                f"{ln.kind.lower()} {ln.key}",
                ln.allowed_cost,
                ln.actual_cost,
                ln.quantity,
                ln.price,
                ln.substitution,
            )
            for ln in v.lines
        ],
        title=f"D365 variances of {good:f} {v.item_no} (standard unit cost {unit_cost})",
        align="lrrrrr",
        footer=[
            _amounts(
                shown,
                "Total lines",
                sum((ln.allowed_cost for ln in v.lines), ZERO),
                sum((ln.actual_cost for ln in v.lines), ZERO),
                v.quantity,
                v.price,
                v.substitution,
            )
        ],
    )
    _, lot_size, overhead, total, actual = _amounts(
        shown, "", v.lot_size, v.overhead, v.total, v.actual_cost
    )
    return (
        f"{body}\nLot size {lot_size}, overhead {overhead}, "
        f"total {total} = actual {actual} - {good:f} x {unit_cost}"
    )


@in_own_context
def order_cost_report(
    uow: UnitOfWork,
    order_id: str,
    *,
    standard: Mapping[str, CostShares] | None = None,
    d365: bool = True,
) -> str:
    """The cost report of an order for people: BC's table (standard, actual, variance per
    share) and, with ``d365``, the D365 analysis of each line
    (:func:`~prodcore.costing.variance.order_cost_views` as text). Reads only."""
    views = order_cost_views(uow, order_id, standard=standard, d365=d365)
    parts = [render_order_cost(views.breakdown, currency=views.currency)]
    parts.extend(render_d365_variances(analysis) for analysis in views.analyses)
    return "\n\n".join(parts)
