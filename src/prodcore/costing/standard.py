"""Implementing standard costs: BC's Standard Cost Worksheet, *Roll Up* then *Implement*.

:func:`implement_standard_cost` rolls up the produced Standard-cost items and writes each
new standard cost onto its item card (as standard cost and unit cost), in one unit of
work, and reports what changed. Revaluing stock on hand at the new cost is not done here:
an item with stock on hand is refused (with nothing written), so inventory is never
silently revalued.

>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.masterdata import BomLine, Item, ProductionBom, Replenishment
>>> from prodcore.services import put_master_data
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> put_master_data(uow, [
...     Item("STOOL", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B",
...          standard_cost="9.99"),
...     Item("LEG", base_unit="PCS", unit_cost="2.50"), Item("SEAT", base_unit="PCS", unit_cost=7),
...     ProductionBom("B", (BomLine("LEG", 3), BomLine("SEAT", 1))),
... ])
>>> implement_standard_cost(uow, ImplementStandardCost())
(StandardCostChange(item_no='STOOL', old=Decimal('9.99'), new=Decimal('14.50000')),)
>>> with uow:
...     uow.master_data.item("STOOL").standard_cost
Decimal('14.50000')
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from prodcore.costing.rollup import roll_up
from prodcore.errors import InvalidValueError
from prodcore.masterdata import CostingMethod, MasterData
from prodcore.ports import UnitOfWork

__all__ = ["ImplementStandardCost", "StandardCostChange", "implement_standard_cost"]


@attrs.frozen
class ImplementStandardCost:
    """Roll up and implement the standard cost of ``item_nos`` (empty: every produced
    Standard-cost item) and of what they are made of."""

    item_nos: tuple[str, ...] = attrs.field(
        default=(),
        validator=attrs.validators.deep_iterable(
            attrs.validators.instance_of(str), attrs.validators.instance_of(tuple)
        ),
    )
    name = "implement standard cost"


@attrs.frozen
class StandardCostChange:
    """One item card whose standard cost changed."""

    item_no: str
    old: Decimal
    new: Decimal


def implement_standard_cost(
    uow: UnitOfWork, command: ImplementStandardCost
) -> tuple[StandardCostChange, ...]:
    """Write the rolled-up standard costs onto the item cards; returns the changes."""
    with uow:
        md = MasterData.snapshot(uow.master_data)
        rollup = roll_up(md, command.item_nos or None)
        changes = []
        for cost in rollup.items():
            item = md.item(cost.item_no)
            if not cost.produced or item.costing_method is not CostingMethod.STANDARD:
                continue
            if cost.standard_cost == item.standard_cost:
                continue
            on_hand = uow.ledger.on_hand(item.no)
            if on_hand:
                raise InvalidValueError(
                    field="item_nos",
                    value=item.no,
                    reason=f"item {item.no} has {on_hand} on hand; revaluing stock at a new "
                    "standard cost is not supported, implement before stock exists",
                )
            uow.master_data.put(
                attrs.evolve(item, standard_cost=cost.standard_cost, unit_cost=cost.standard_cost)
            )
            changes.append(StandardCostChange(item.no, item.standard_cost, cost.standard_cost))
        uow.commit()
    return tuple(changes)
