"""Implementing standard costs: BC's Standard Cost Worksheet, *Roll Up* then *Implement*.

:class:`ImplementStandardCost` is the command; :func:`prodcore.app.handle` rolls up the
produced Standard-cost items, writes each new standard cost onto its item card, stores it
with its date (:mod:`prodcore.masterdata.standards`), revalues the stock on hand
(:mod:`prodcore.costing.implement`), and answers with the :class:`StandardCostChange` of
each card it changed.

>>> ImplementStandardCost(("STOOL",)).item_nos
('STOOL',)
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from prodcore.numbers import ZERO

__all__ = ["ImplementStandardCost", "StandardCostChange"]


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
    """One item card whose standard cost changed; ``revaluation``: what revaluing its stock
    on hand at the new standard posted (zero with no stock)."""

    item_no: str
    old: Decimal
    new: Decimal
    revaluation: Decimal = attrs.field(default=ZERO, repr=False)  # older reprs stay as they were
