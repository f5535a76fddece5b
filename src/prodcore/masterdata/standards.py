"""Implemented standard costs: what *Implement* stored per item, and from which date.

Implementing a standard (BC's Standard Cost Worksheet, *Implement*) writes the item
card's standard cost and also keeps, in a :class:`StandardCostHistory` (one record per
item, kind ``StandardCostHistory`` in every store), a :class:`StandardCostVersion`: the
date it took effect, the item's five single-level shares (material, capacity,
subcontracted, capacity overhead, manufacturing overhead, per base unit) and its
:class:`StandardCalculation` (the lines D365's variance view prices the order with).
Cost adjustment measures variances against the version in force at the output's posting
date, not against a rollup of today's master data.

>>> import datetime as dt
>>> shares = CostShares(material=10, capacity=12, capacity_overhead="2.4",
...                     manufacturing_overhead="2.22")
>>> v1 = StandardCostVersion(dt.date(2026, 3, 1), shares=shares)
>>> h = StandardCostHistory("FRAME").with_version(v1)
>>> v2 = StandardCostVersion(dt.date(2026, 4, 1), shares=attrs.evolve(shares, capacity=15))
>>> h = h.with_version(v2)
>>> h.in_force(dt.date(2026, 3, 31)).standard_cost, h.in_force(dt.date(2026, 4, 1)).standard_cost
(Decimal('26.62'), Decimal('29.62'))
>>> h.in_force(dt.date(2026, 2, 28)) is None
True
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import attrs

from prodcore.clock import supported_date
from prodcore.errors import InvalidValueError, NotAllowedError
from prodcore.masterdata.cost_shares import SHARE_NAMES, CostShares
from prodcore.numbers import HUNDRED, ZERO, as_decimal, tuple_of

__all__ = [
    "ByProductCredit",
    "StandardCalculation",
    "StandardCostHistory",
    "StandardCostVersion",
    "StandardLine",
    "flat_shares",
    "nested_shares",
]


class ByProductCredit(enum.StrEnum):
    """What a by-product credit larger than the material cost does (BC has no rule; the
    main output would be valued below zero): ``REFUSE`` the rollup or the adjustment with
    a :class:`~prodcore.errors.ByProductCreditError`, or ``WARN`` and go on."""

    REFUSE = "REFUSE"
    WARN = "WARN"


@attrs.frozen
class StandardLine:
    """A line of the standard calculation: ``kind`` MATERIAL (key: component item) or
    ROUTE (key: ``operation/centre``); quantities in base units or the centre's unit."""

    kind: str
    key: str
    std_price: Decimal = attrs.field(converter=as_decimal)
    var_qty_per_unit: Decimal = attrs.field(converter=as_decimal)
    const_qty: Decimal = attrs.field(default=ZERO, converter=as_decimal)

    def allowed_quantity(self, good_quantity: Decimal) -> Decimal:
        return self.var_qty_per_unit * good_quantity + self.const_qty

    def allowed_cost(self, good_quantity: Decimal) -> Decimal:
        return self.std_price * self.allowed_quantity(good_quantity)


@attrs.frozen
class StandardCalculation:
    """An item's standard calculation for the D365 view: lines, costing lot size and the
    item's manufacturing overhead (indirect % and overhead rate)."""

    item_no: str
    costing_lot_size: Decimal = attrs.field(converter=as_decimal)
    lines: tuple[StandardLine, ...] = attrs.field(validator=tuple_of(StandardLine))
    indirect_percent: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    overhead_rate: Decimal = attrs.field(default=ZERO, converter=as_decimal)

    @property
    def lot_cost(self) -> Decimal:
        """The lines' cost for one costing lot (constant quantities once)."""
        return sum((ln.allowed_cost(self.costing_lot_size) for ln in self.lines), ZERO)

    @property
    def constant_cost(self) -> Decimal:
        return sum((ln.std_price * ln.const_qty for ln in self.lines), ZERO)

    @property
    def overhead_per_unit(self) -> Decimal:
        lot = self.costing_lot_size
        return (self.lot_cost * self.indirect_percent / HUNDRED + self.overhead_rate * lot) / lot

    @property
    def unit_cost(self) -> Decimal:
        """The standard unit cost: lot cost ÷ lot size plus manufacturing overhead."""
        return self.lot_cost / self.costing_lot_size + self.overhead_per_unit


@attrs.frozen
class StandardCostVersion:
    """One implemented standard of an item: effective from ``effective_from`` (a posting
    date), its single-level ``shares`` per base unit (their total is the standard cost)
    and, for a produced item, its standard calculation (None for one stored without).

    In JSON the five shares stand beside ``effective_from``, as they were stored before
    a version held a :class:`~prodcore.masterdata.cost_shares.CostShares`
    (:func:`flat_shares` and :func:`nested_shares` turn one form into the other).

    >>> v = StandardCostVersion(dt.date(2026, 3, 1), shares=CostShares(material=10, capacity=12))
    >>> v.standard_cost, v.shares.capacity
    (Decimal('22'), Decimal('12'))
    """

    effective_from: dt.date = attrs.field(validator=supported_date)
    shares: CostShares = attrs.field(
        factory=CostShares, validator=attrs.validators.instance_of(CostShares), kw_only=True
    )
    calculation: StandardCalculation | None = attrs.field(default=None, kw_only=True)

    @property
    def standard_cost(self) -> Decimal:
        return self.shares.total


def flat_shares(doc: dict[str, Any]) -> dict[str, Any]:
    """A version's JSON with its ``shares`` object spread beside ``effective_from``, in
    the field order stored before (the wire shape).

    >>> flat_shares({"effective_from": "2026-03-01", "shares": {"material": "10"},
    ...              "calculation": None})
    {'effective_from': '2026-03-01', 'material': '10', 'calculation': None}
    """
    rest = {k: v for k, v in doc.items() if k != "shares"}
    return {"effective_from": rest.pop("effective_from"), **doc["shares"], **rest}


def nested_shares(doc: Any) -> Any:
    """The wire shape read back: the five share fields gathered into ``shares`` (one
    left out is zero); anything else is left for the record's own checks.

    >>> nested_shares({"effective_from": "2026-03-01", "material": "10"})
    {'effective_from': '2026-03-01', 'shares': {'material': '10'}}
    """
    if not isinstance(doc, dict) or "shares" in doc:
        return doc
    shares = {k: v for k, v in doc.items() if k in SHARE_NAMES}
    return {**{k: v for k, v in doc.items() if k not in SHARE_NAMES}, "shares": shares}


def _by_date(
    _instance: object,
    attribute: attrs.Attribute[tuple[StandardCostVersion, ...]],
    value: tuple[StandardCostVersion, ...],
) -> None:
    dates = [v.effective_from for v in value]
    if dates != sorted(set(dates)):
        raise InvalidValueError(
            field=attribute.name, value=dates, reason="effective dates must strictly increase"
        )


@attrs.frozen
class StandardCostHistory:
    """The implemented standards of item ``no``, oldest first (one per effective date)."""

    no: str = attrs.field(validator=attrs.validators.instance_of(str))
    versions: tuple[StandardCostVersion, ...] = attrs.field(
        default=(), validator=[tuple_of(StandardCostVersion), _by_date]
    )

    def in_force(self, day: dt.date) -> StandardCostVersion | None:
        """The version in force on ``day``: the last one effective on or before it."""
        at = bisect.bisect_right([v.effective_from for v in self.versions], day)
        return self.versions[at - 1] if at else None

    @property
    def latest(self) -> StandardCostVersion | None:
        return self.versions[-1] if self.versions else None

    def with_version(self, version: StandardCostVersion) -> StandardCostHistory:
        """The history with ``version`` added: it replaces a version of the same date; a
        version dated before the latest is refused (history is not rewritten)."""
        kept = self.versions
        if kept and kept[-1].effective_from == version.effective_from:
            kept = kept[:-1]
        elif kept and kept[-1].effective_from > version.effective_from:
            raise NotAllowedError(
                action=f"implement a standard of {self.no} effective {version.effective_from}",
                reason=f"its latest standard is effective {kept[-1].effective_from}",
            )
        return attrs.evolve(self, versions=(*kept, version))
