"""Production BOMs: lines, dated versions and outputs besides the main item."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

import attrs

from prodcore.errors import InvalidValueError, NotAllowedError
from prodcore.masterdata.common import _NAME, BomLineType, CalculationFormula, VersionStatus
from prodcore.numbers import (
    HUNDRED,
    ONE,
    ZERO,
    Rounding,
    RoundingMode,
    as_decimal,
    member_of,
    non_negative,
    percent,
    tuple_of,
)

if TYPE_CHECKING:
    from prodcore.masterdata.routings import RoutingVersion


@attrs.frozen
class BomLine:
    """A production BOM line: an item, or a phantom BOM exploded into the parent."""

    no: str = attrs.field(validator=_NAME)
    quantity_per: Decimal = attrs.field(default=ONE, converter=as_decimal, validator=non_negative)
    type: BomLineType = attrs.field(
        default=BomLineType.ITEM, kw_only=True, validator=member_of(BomLineType)
    )
    unit: str | None = attrs.field(default=None, kw_only=True)  # None: the item's base unit
    scrap_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=percent, kw_only=True
    )
    routing_link_code: str | None = attrs.field(default=None, kw_only=True)
    formula: CalculationFormula = attrs.field(
        default=CalculationFormula.NONE, kw_only=True, validator=member_of(CalculationFormula)
    )
    length: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    width: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    depth: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    weight: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)

    @property
    def effective_quantity_per(self) -> Decimal:
        """Quantity per after the calculation formula (Length × Width: 70 × 0.20 m × 0.15 m = 2.1 m²).

        >>> BomLine("SHEET", "70", formula=CalculationFormula.LENGTH_WIDTH, length="0.20", width="0.15").effective_quantity_per
        Decimal('2.1000')
        """
        f = self.formula
        if f is CalculationFormula.LENGTH:
            return self.quantity_per * self.length
        if f is CalculationFormula.LENGTH_WIDTH:
            return self.quantity_per * self.length * self.width
        if f is CalculationFormula.LENGTH_WIDTH_DEPTH:
            return self.quantity_per * self.length * self.width * self.depth
        if f is CalculationFormula.WEIGHT:
            return self.quantity_per * self.weight
        return self.quantity_per


@attrs.frozen
class BomVersion:
    """A version of a BOM, valid from ``starting_date`` when certified."""

    code: str = attrs.field(validator=_NAME)
    lines: tuple[BomLine, ...] = attrs.field(validator=tuple_of(BomLine))
    status: VersionStatus = attrs.field(
        default=VersionStatus.CERTIFIED, validator=member_of(VersionStatus)
    )
    starting_date: dt.date | None = None


_V = TypeVar("_V", "BomVersion", "RoutingVersion")


def _pick_version(versions: Iterable[_V], at: dt.date | None) -> _V | None:
    best: _V | None = None
    for v in versions:
        if v.status is not VersionStatus.CERTIFIED:
            continue
        if at is not None and v.starting_date is not None and v.starting_date > at:
            continue
        if best is None or (v.starting_date or dt.date.min) >= (best.starting_date or dt.date.min):
            best = v
    return best


class OutputKind(enum.StrEnum):
    """What a BOM output line yields besides the main item: a co-product (carries a share
    of the cost), a by-product or scrap (credited to the order at a value basis)."""

    CO_PRODUCT = "CO_PRODUCT"
    BY_PRODUCT = "BY_PRODUCT"
    SCRAP = "SCRAP"


class OutputValuation(enum.StrEnum):
    """The value a by-product or scrap output is credited at, per base unit."""

    STANDARD_COST = "STANDARD_COST"  # the item's (rolled-up) standard cost
    FIXED_PRICE = "FIXED_PRICE"  # the output line's price
    ZERO = "ZERO"  # no credit


class CostAllocation(enum.StrEnum):
    """How a BOM with co-products shares its cost: by the lines' fixed cost shares, or by
    sales value (quantity × price of each product, the main item's price on the BOM)."""

    FIXED_SHARES = "FIXED_SHARES"
    SALES_VALUE = "SALES_VALUE"


@attrs.frozen
class BomOutputLine:
    """An output of a production BOM besides its main item: ``quantity_per`` base units
    of ``no`` per base unit of the main item's output.

    A co-product carries ``cost_share_percent`` (fixed shares) or a ``price`` (sales
    value); a by-product or scrap line is credited at ``valuation`` (``price`` for a
    fixed price).

    >>> BomOutputLine("HULLS", "0.5", kind=OutputKind.BY_PRODUCT, cost_share_percent=10)
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for cost_share_percent: Decimal('10') (only a co-product carries a cost share).
    """

    no: str = attrs.field(validator=_NAME)
    quantity_per: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    kind: OutputKind = attrs.field(default=OutputKind.CO_PRODUCT, kw_only=True)
    cost_share_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=percent, kw_only=True
    )
    price: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    valuation: OutputValuation = attrs.field(default=OutputValuation.STANDARD_COST, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.quantity_per <= 0:
            raise InvalidValueError(
                field="quantity_per", value=self.quantity_per, reason="must be positive"
            )
        if self.kind is not OutputKind.CO_PRODUCT and self.cost_share_percent:
            raise InvalidValueError(
                field="cost_share_percent",
                value=self.cost_share_percent,
                reason="only a co-product carries a cost share",
            )

    @property
    def is_co_product(self) -> bool:
        return self.kind is OutputKind.CO_PRODUCT


_NO_OUTPUTS: tuple[BomOutputLine, ...] = ()


def _check_loss(loss_percent: Decimal) -> None:
    if loss_percent >= HUNDRED:
        raise InvalidValueError(
            field="process_loss_percent",
            value=loss_percent,
            reason="must be below 100 (something must come out)",
        )


_SHARE_ROUNDING = Rounding(Decimal("0.00001"), RoundingMode.HALF_UP)


@attrs.frozen
class ProductionBom:
    """A production BOM with its base lines and optional dated versions.

    The lines used at a date are those of the certified version with the latest starting
    date on or before it; without one, the header's lines if the header is certified.
    """

    no: str = attrs.field(validator=_NAME)
    lines: tuple[BomLine, ...] = attrs.field(validator=tuple_of(BomLine))
    unit: str | None = attrs.field(default=None, kw_only=True)
    status: VersionStatus = attrs.field(
        default=VersionStatus.CERTIFIED, kw_only=True, validator=member_of(VersionStatus)
    )
    versions: tuple[BomVersion, ...] = attrs.field(
        default=(), validator=tuple_of(BomVersion), kw_only=True
    )
    description: str = attrs.field(default="", kw_only=True)
    # outputs besides the main item (co-products, by-products, scrap), per unit of output
    outputs: tuple[BomOutputLine, ...] = attrs.field(
        default=_NO_OUTPUTS, validator=tuple_of(BomOutputLine), kw_only=True
    )
    cost_allocation: CostAllocation = attrs.field(default=CostAllocation.FIXED_SHARES, kw_only=True)
    main_price: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )  # sales value allocation: the main item's price
    # the share of what the process takes in that does not come out as the main item:
    # an order of Q is expected to yield Q × (1 − loss / 100)
    process_loss_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=percent, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        _check_loss(self.process_loss_percent)
        names = [o.no for o in self.outputs]
        if len(set(names)) != len(names):
            raise InvalidValueError(field="outputs", value=tuple(names), reason="items repeat")
        self.main_share_percent  # noqa: B018 - validates the shares

    @property
    def co_products(self) -> tuple[BomOutputLine, ...]:
        return tuple(o for o in self.outputs if o.is_co_product)

    @property
    def yield_factor(self) -> Decimal:
        """Expected output per unit put into the process: ``1 − loss / 100``."""
        return ONE - self.process_loss_percent / HUNDRED

    def co_product_shares(self) -> tuple[Decimal, ...]:
        """The co-products' cost shares (percent, in output line order).

        Fixed shares: the lines' own. Sales value: ``100 × qty × price / Σ values`` (the
        main item's value is ``main_price`` per unit), rounded to 0.00001 %, what
        rounding leaves going to the main item.

        >>> bom = ProductionBom("B", (), outputs=(BomOutputLine("C", 2, price=3),),
        ...                     cost_allocation=CostAllocation.SALES_VALUE, main_price=4)
        >>> bom.co_product_shares(), bom.main_share_percent
        ((Decimal('60.00000'),), Decimal('40.00000'))
        """
        co = self.co_products
        if self.cost_allocation is CostAllocation.FIXED_SHARES:
            return tuple(o.cost_share_percent for o in co)
        values = [o.quantity_per * o.price for o in co]
        total = self.main_price + sum(values, ZERO)
        if co and not total:
            raise InvalidValueError(
                field="main_price", value=self.main_price, reason="sales values add up to 0"
            )
        return tuple(_SHARE_ROUNDING.apply(HUNDRED * v / total) for v in values)

    @property
    def main_share_percent(self) -> Decimal:
        """The main item's cost share: 100 less the co-products' shares."""
        main = HUNDRED - sum(self.co_product_shares(), ZERO)
        if main < 0:
            raise InvalidValueError(
                field="cost_share_percent",
                value=HUNDRED - main,
                reason="the co-products' shares add up to more than 100",
            )
        return main

    def active_lines(self, at: dt.date | None = None) -> tuple[BomLine, ...]:
        """The lines valid at ``at``; raises if nothing certified is valid."""
        version = _pick_version(self.versions, at)
        if version is not None:
            return version.lines
        if self.status is VersionStatus.CERTIFIED:
            return self.lines
        raise NotAllowedError(
            action=f"use production BOM {self.no} ({self.status.value})",
            reason="no certified version is valid at that date",
        )
