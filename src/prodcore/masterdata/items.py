"""Items: units of measure, need rounding, lead time, tracking."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Final

import attrs
from dateutil.relativedelta import relativedelta

from prodcore.errors import InvalidValueError, NotFoundError
from prodcore.masterdata.common import (
    _NAME,
    _NO_CHECKS,
    CostingMethod,
    FlushingMethod,
    QualityCheck,
    Replenishment,
)
from prodcore.numbers import (
    ONE,
    ZERO,
    Rounding,
    RoundingMode,
    as_decimal,
    member_of,
    non_negative,
    percent,
    shared_rounding,
    tuple_of,
)

#: BC's quantity precision (``UOMMgt.QtyRndPrecision``): a need is first rounded to it,
#: half up, so that the noise of a division (``1/3 × 3``) never rounds up a whole unit.
QUANTITY_PRECISION: Final = Decimal("0.00001")


@attrs.frozen
class NeedRounding:
    """How a component's need (expected quantity, calculated or flushed consumption) is
    rounded: BC's ``UOMMgt.RoundToItemRndPrecision``, ``Round(Round(x, 0.00001),
    precision, '>')``: to :data:`QUANTITY_PRECISION` half up (or to ``precision`` if it
    is finer), then *up* to ``precision``. A positive need is never rounded to zero
    (BC's first step would lose a need below 0.000005; here it stays one step).

    >>> whole = NeedRounding(Decimal(1))
    >>> whole.apply(Decimal("1.3")), whole.apply(Decimal("0.04")), whole.apply(Decimal("2.0000000001"))
    (Decimal('2'), Decimal('1'), Decimal('2'))
    >>> whole.apply(Decimal("0.000001")), whole.apply(ZERO)
    (Decimal('1'), Decimal('0'))
    """

    precision: Decimal = attrs.field(converter=as_decimal)

    @functools.cached_property
    def _steps(self) -> tuple[Rounding, Rounding]:
        """The two roundings of :meth:`apply`, found once per record (items share their
        records: :meth:`Item.need_rounding`)."""
        return (
            shared_rounding(min(self.precision, QUANTITY_PRECISION)),
            shared_rounding(self.precision, RoundingMode.CEILING),
        )

    def apply(self, value: Decimal) -> Decimal:
        near, up = self._steps
        first = near.apply(value)
        if first == 0 and value > 0:
            first = value
        return up.apply(first)


@functools.lru_cache(maxsize=256)
def _need_rounding(precision: Decimal, exponent: object) -> NeedRounding:
    # the exponent is part of the key: Decimal("0.01") == Decimal("0.010"), but the
    # results of the two carry two and three places
    return NeedRounding(precision)


@attrs.frozen
class ItemUnitOfMeasure:
    """One unit of measure of an item: how many base units it holds, and its rounding.

    >>> box = ItemUnitOfMeasure("BOX", qty_per_base="12")
    >>> box.qty_per_base, box.rounding.precision
    (Decimal('12'), Decimal('0.00001'))
    """

    code: str = attrs.field(validator=_NAME)
    qty_per_base: Decimal = attrs.field(default=ONE, converter=as_decimal)
    rounding_precision: Decimal = attrs.field(default=Decimal("0.00001"), converter=as_decimal)

    def __attrs_post_init__(self) -> None:
        if self.qty_per_base <= 0:
            raise InvalidValueError(
                field="qty_per_base", value=self.qty_per_base, reason="must be positive"
            )

    @property
    def rounding(self) -> Rounding:
        return shared_rounding(self.rounding_precision, RoundingMode.HALF_UP)


def _whole_non_negative(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(
            field=attribute.name, value=value, reason="must be a whole number, 0 or more"
        )


@attrs.frozen
class LeadTime:
    """An item's production lead time, as a ``dateutil.relativedelta`` of months, weeks
    and days. Where a shop calendar applies, weeks and days count working days
    (:func:`prodcore.scheduling.leadtime.planned_start`; a week is five of them).

    >>> LeadTime(weeks=1, days=2).relativedelta
    relativedelta(days=+9)
    >>> LeadTime(days=-1)
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for days: -1 (must be a whole number, 0 or more).
    """

    months: int = attrs.field(default=0, validator=_whole_non_negative, kw_only=True)
    weeks: int = attrs.field(default=0, validator=_whole_non_negative, kw_only=True)
    days: int = attrs.field(default=0, validator=_whole_non_negative, kw_only=True)

    @property
    def relativedelta(self) -> relativedelta:
        return relativedelta(months=self.months, weeks=self.weeks, days=self.days)


@attrs.frozen
class ItemTracking:
    """How an item is tracked (BC's item tracking code): by lot, by serial number, or
    both; whether an expiry date is required on inbound lots; on which postings tracking
    is required (inbound: positive adjustments; outbound: negative adjustments;
    production: consumption, output and by-products); whether an expired lot may still
    be consumed.

    >>> ItemTracking(lot=True).tracked, ItemTracking().tracked
    (True, False)
    """

    lot: bool = attrs.field(default=False, kw_only=True)
    serial: bool = attrs.field(default=False, kw_only=True)
    expiry_required: bool = attrs.field(default=False, kw_only=True)
    inbound_required: bool = attrs.field(default=True, kw_only=True)
    outbound_required: bool = attrs.field(default=True, kw_only=True)
    production_required: bool = attrs.field(default=True, kw_only=True)
    allow_expired: bool = attrs.field(default=False, kw_only=True)

    @property
    def tracked(self) -> bool:
        return self.lot or self.serial


@attrs.frozen
class Item:
    """An item: purchased or produced. Costs are per base unit, in the setup currency."""

    no: str = attrs.field(validator=_NAME)
    base_unit: str = attrs.field(validator=_NAME, kw_only=True)
    description: str = attrs.field(default="", kw_only=True)
    units: tuple[ItemUnitOfMeasure, ...] = attrs.field(
        default=(), validator=tuple_of(ItemUnitOfMeasure), kw_only=True
    )
    replenishment: Replenishment = attrs.field(
        default=Replenishment.PURCHASE, kw_only=True, validator=member_of(Replenishment)
    )
    costing_method: CostingMethod = attrs.field(
        default=CostingMethod.STANDARD, kw_only=True, validator=member_of(CostingMethod)
    )
    unit_cost: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    standard_cost: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    indirect_cost_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    overhead_rate: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    scrap_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=percent, kw_only=True
    )
    lot_size: Decimal = attrs.field(default=ONE, converter=as_decimal, kw_only=True)
    flushing_method: FlushingMethod = attrs.field(
        default=FlushingMethod.MANUAL, kw_only=True, validator=member_of(FlushingMethod)
    )
    production_bom_no: str | None = attrs.field(default=None, kw_only=True)
    routing_no: str | None = attrs.field(default=None, kw_only=True)
    rounding_precision: Decimal = attrs.field(
        default=Decimal("0.00001"), converter=as_decimal, kw_only=True
    )
    blocked: bool = attrs.field(default=False, kw_only=True)
    # checks on report as finished (output of the last operation, or of a line without routing)
    quality_checks: tuple[QualityCheck, ...] = attrs.field(
        default=_NO_CHECKS, validator=tuple_of(QualityCheck), kw_only=True
    )
    # output beyond the order line's quantity plus this percent is refused; None: the
    # setup's tolerance applies
    overproduction_tolerance_percent: Decimal | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(as_decimal),
        validator=attrs.validators.optional(non_negative),
        kw_only=True,
    )
    # offsets the planned start from the due date of orders not scheduled in detail
    # (``prodcore.scheduling.leadtime``); None: no offset
    production_lead_time: LeadTime | None = attrs.field(default=None, kw_only=True)
    # lot / serial tracking (None: not tracked)
    tracking: ItemTracking | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.lot_size <= 0:
            raise InvalidValueError(
                field="lot_size", value=self.lot_size, reason="must be positive"
            )
        codes = [u.code for u in self.units]
        if len(set(codes)) != len(codes):
            raise InvalidValueError(field="units", value=tuple(codes), reason="unit codes repeat")

    @property
    def rounding(self) -> Rounding:
        """The item's quantity rounding (BC: Rounding Precision, half up)."""
        return shared_rounding(self.rounding_precision, RoundingMode.HALF_UP)

    def qty_per_unit(self, unit: str) -> Decimal:
        """How many base units one ``unit`` holds (1 for the base unit).

        >>> Item("NUT", base_unit="PCS", units=(ItemUnitOfMeasure("BOX", qty_per_base=100),)).qty_per_unit("BOX")
        Decimal('100')
        """
        if unit == self.base_unit:
            return ONE
        for uom in self.units:
            if uom.code == unit:
                return uom.qty_per_base
        raise NotFoundError(kind=f"Unit of measure of item {self.no}", key=unit)

    def need_rounding(self, unit: str) -> NeedRounding:
        """The rounding of a need of this item held in ``unit``: up to that unit's
        rounding precision (the item's own precision for its base unit).

        >>> c = Item("C", base_unit="PCS", rounding_precision=1,
        ...          units=(ItemUnitOfMeasure("BOX", qty_per_base=12, rounding_precision="0.25"),))
        >>> c.need_rounding("PCS").precision, c.need_rounding("BOX").precision
        (Decimal('1'), Decimal('0.25'))
        """
        precision = self.rounding_precision
        if unit != self.base_unit:
            precision = next(
                (u.rounding_precision for u in self.units if u.code == unit), precision
            )
        # one shared record per precision (records are frozen): its roundings are then
        # found once, not at every need
        return _need_rounding(precision, precision.as_tuple().exponent)

    def to_base(self, amount: Decimal, unit: str) -> Decimal:
        """Convert ``amount`` of ``unit`` into base units (full precision)."""
        return amount * self.qty_per_unit(unit)
