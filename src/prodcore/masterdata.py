"""Master data: items, production BOMs, routings, work and machine centres, setup.

Everything is a frozen attrs class. Numbers are Decimals (converted through
:func:`~prodcore.numbers.to_decimal`), times are :class:`~prodcore.numbers.Duration`.
Costs are unit amounts in the setup's currency (:attr:`ManufacturingSetup.currency`),
as Business Central keeps them in local currency.

>>> item = Item("BOLT", base_unit="PCS", unit_cost="0.10")
>>> item.unit_cost, item.replenishment.value
(Decimal('0.10'), 'PURCHASE')
>>> Item("BAD", base_unit="PCS", scrap_percent="120")
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for scrap_percent: Decimal('120') (must be between 0 and 100).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Final, Protocol, TypeVar

import attrs
from dateutil.relativedelta import relativedelta

from prodcore.errors import InvalidValueError, NotAllowedError, NotFoundError
from prodcore.numbers import (
    HUNDRED,
    ONE,
    ZERO,
    Duration,
    Rounding,
    RoundingMode,
    TimeUnit,
    as_decimal,
    member_of,
    non_negative,
    percent,
    tuple_of,
)

__all__ = [
    "QUANTITY_PRECISION",
    "Bin",
    "BomLine",
    "BomLineType",
    "BomOutputLine",
    "BomVersion",
    "CalculationFormula",
    "CapacityType",
    "ConsumptionBasis",
    "CostAllocation",
    "CostingMethod",
    "FlushingMethod",
    "Item",
    "ItemTracking",
    "ItemUnitOfMeasure",
    "LeadTime",
    "Location",
    "MachineCenter",
    "ManufacturingSetup",
    "MasterData",
    "MasterDataReader",
    "MasterDataSource",
    "NeedRounding",
    "OutputKind",
    "OutputValuation",
    "ProductionBom",
    "QualityCheck",
    "QualityFailureAction",
    "QualityTest",
    "Replenishment",
    "Routing",
    "RoutingLine",
    "RoutingVersion",
    "UnitCostCalculation",
    "VersionStatus",
    "WorkCenter",
]


class Replenishment(enum.StrEnum):
    """How an item is replenished: bought, or made by production orders."""

    PURCHASE = "PURCHASE"
    PRODUCTION = "PRODUCTION"


class CostingMethod(enum.StrEnum):
    """How inventory of an item is valued (standard cost, running average, or FIFO)."""

    STANDARD = "STANDARD"
    AVERAGE = "AVERAGE"
    FIFO = "FIFO"  # what goes out takes the cost of the oldest receipts still open


class FlushingMethod(enum.StrEnum):
    """How a component (or an operation's output and time) is posted.

    MANUAL: by journal only. FORWARD: at release, or when the linked operation starts.
    BACKWARD: at finish, or when the linked operation reports output. The PICK variants
    behave like their plain counterparts but consume only what was picked to the
    production bin.
    """

    MANUAL = "MANUAL"
    FORWARD = "FORWARD"
    BACKWARD = "BACKWARD"
    PICK_FORWARD = "PICK_FORWARD"
    PICK_BACKWARD = "PICK_BACKWARD"
    PICK_MANUAL = "PICK_MANUAL"

    @property
    def is_forward(self) -> bool:
        return self in (FlushingMethod.FORWARD, FlushingMethod.PICK_FORWARD)

    @property
    def is_backward(self) -> bool:
        return self in (FlushingMethod.BACKWARD, FlushingMethod.PICK_BACKWARD)

    @property
    def needs_pick(self) -> bool:
        return self.name.startswith("PICK_")


class VersionStatus(enum.StrEnum):
    """Status of a BOM or routing (or one of its versions); only CERTIFIED is used."""

    NEW = "NEW"
    UNDER_DEVELOPMENT = "UNDER_DEVELOPMENT"
    CERTIFIED = "CERTIFIED"
    CLOSED = "CLOSED"


class BomLineType(enum.StrEnum):
    """What a BOM line refers to: an item, or a production BOM exploded as a phantom."""

    ITEM = "ITEM"
    PRODUCTION_BOM = "PRODUCTION_BOM"  # a phantom: exploded into the parent's components


class CalculationFormula(enum.StrEnum):
    """BC's BOM line calculation formula: how dimensions multiply the quantity per."""

    NONE = "NONE"
    LENGTH = "LENGTH"
    LENGTH_WIDTH = "LENGTH_WIDTH"
    LENGTH_WIDTH_DEPTH = "LENGTH_WIDTH_DEPTH"
    WEIGHT = "WEIGHT"
    FIXED_QUANTITY = "FIXED_QUANTITY"  # independent of the order quantity; scrap % ignored


class CapacityType(enum.StrEnum):
    """Where an operation runs: a work centre or a machine centre."""

    WORK_CENTER = "WORK_CENTER"
    MACHINE_CENTER = "MACHINE_CENTER"


class UnitCostCalculation(enum.StrEnum):
    """How a centre's cost is applied: per time unit, or per unit produced."""

    TIME = "TIME"  # capacity cost = (setup +) run time × unit cost
    UNITS = "UNITS"  # capacity cost = (output + scrap) × unit cost


class ConsumptionBasis(enum.StrEnum):
    """Default basis of "calculate consumption" (BC Manufacturing Setup)."""

    EXPECTED_OUTPUT = "EXPECTED_OUTPUT"
    ACTUAL_OUTPUT = "ACTUAL_OUTPUT"


_NAME: Any = attrs.validators.min_len(1)


class QualityFailureAction(enum.StrEnum):
    """What a failed quality order does with the failed quantity (see ``docs/quality.md``)."""

    NONE = "NONE"  # nothing automatic: resolve the quality order by a command
    SCRAP = "SCRAP"  # post the failed quantity as scrap of the operation (with a scrap code)
    REWORK = "REWORK"  # send the failed quantity back to a rework operation


@attrs.frozen
class QualityTest:
    """One test of a quality check: a measured value within ``[lower_limit, upper_limit]``
    (either limit may be open), or a pass/fail test when both limits are None."""

    code: str = attrs.field(validator=_NAME)
    lower_limit: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal), kw_only=True
    )
    upper_limit: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal), kw_only=True
    )
    unit: str = attrs.field(default="", kw_only=True)
    description: str = attrs.field(default="", kw_only=True)

    @property
    def is_measured(self) -> bool:
        return self.lower_limit is not None or self.upper_limit is not None

    def accepts(self, value: Decimal) -> bool:
        """Whether a measured ``value`` lies within the limits (both inclusive).

        >>> QualityTest("DIA", lower_limit="9.9", upper_limit="10.1").accepts(Decimal("10.05"))
        True
        """
        if self.lower_limit is not None and value < self.lower_limit:
            return False
        return self.upper_limit is None or value <= self.upper_limit


@attrs.frozen
class QualityCheck:
    """A quality check (D365 quality association + test group) on an operation (a routing
    line) or on an item's report as finished.

    Sampling: ``sample_percent`` of the quantity, or a fixed ``sample_quantity`` (never
    more than the quantity); ``per_updated_quantity`` True: a quality order for each
    reported quantity; False: at the first report one for the reported quantity and one
    for the rest of the order line, none later (D365 E15). Policy: an open or failed
    (unresolved) quality order blocks output at later operations
    (``blocks_next_operations``) and/or finishing the order (``blocks_finish``); a failure
    does ``on_failure`` (scrap with ``scrap_code``, or rework at ``rework_operation_no``).
    """

    code: str = attrs.field(validator=_NAME)
    tests: tuple[QualityTest, ...] = attrs.field(validator=tuple_of(QualityTest))
    sample_percent: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal), kw_only=True
    )
    sample_quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal), kw_only=True
    )
    per_updated_quantity: bool = attrs.field(default=True, kw_only=True)
    blocks_next_operations: bool = attrs.field(default=False, kw_only=True)
    blocks_finish: bool = attrs.field(default=True, kw_only=True)
    on_failure: QualityFailureAction = attrs.field(
        default=QualityFailureAction.NONE, kw_only=True, validator=member_of(QualityFailureAction)
    )
    scrap_code: str | None = attrs.field(default=None, kw_only=True)
    rework_operation_no: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if (self.sample_percent is None) == (self.sample_quantity is None):
            raise InvalidValueError(
                field="sampling",
                value=(self.sample_percent, self.sample_quantity),
                reason="give exactly one of sample_percent and sample_quantity",
            )
        if self.sample_percent is not None and not 0 < self.sample_percent <= HUNDRED:
            raise InvalidValueError(
                field="sample_percent", value=self.sample_percent, reason="must be in (0, 100]"
            )
        if self.sample_quantity is not None and self.sample_quantity <= 0:
            raise InvalidValueError(
                field="sample_quantity", value=self.sample_quantity, reason="must be positive"
            )
        if not self.tests:
            raise InvalidValueError(field="tests", value=(), reason="a check needs a test")
        if self.on_failure is QualityFailureAction.REWORK and not self.rework_operation_no:
            raise InvalidValueError(
                field="rework_operation_no", value=None, reason="rework needs an operation"
            )

    def sample(self, quantity: Decimal) -> Decimal:
        """The sample size for ``quantity`` (E15: 10 % of 30 is 3; fixed 1 is 1).

        >>> QualityCheck("C", (QualityTest("T"),), sample_percent=10).sample(Decimal(30))
        Decimal('3')
        """
        if self.sample_percent is not None:
            return min(quantity, quantity * self.sample_percent / HUNDRED)
        assert self.sample_quantity is not None
        return min(quantity, self.sample_quantity)


_NO_CHECKS: tuple[QualityCheck, ...] = ()


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

    def apply(self, value: Decimal) -> Decimal:
        first = Rounding(min(self.precision, QUANTITY_PRECISION)).apply(value)
        if first == 0 and value > 0:
            first = value
        return Rounding(self.precision, RoundingMode.CEILING).apply(first)


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
        return Rounding(self.rounding_precision, RoundingMode.HALF_UP)


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
        return Rounding(self.rounding_precision, RoundingMode.HALF_UP)

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
        if unit != self.base_unit:
            for uom in self.units:
                if uom.code == unit:
                    return NeedRounding(uom.rounding_precision)
        return NeedRounding(self.rounding_precision)

    def to_base(self, amount: Decimal, unit: str) -> Decimal:
        """Convert ``amount`` of ``unit`` into base units (full precision)."""
        return amount * self.qty_per_unit(unit)


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
        """Quantity per after the calculation formula (BC E2: 70 × 0.20 × 0.15 = 2.1).

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


_T = TypeVar("_T")


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


@attrs.frozen
class RoutingLine:
    """An operation of a routing (serial: operations run in operation-number order)."""

    operation_no: str = attrs.field(validator=_NAME)
    type: CapacityType = attrs.field(validator=member_of(CapacityType))
    no: str = attrs.field(validator=_NAME)
    setup_time: Duration = attrs.field(factory=Duration.zero, kw_only=True)
    run_time: Duration = attrs.field(
        factory=Duration.zero, kw_only=True
    )  # per unit (per lot_size units)
    wait_time: Duration = attrs.field(factory=Duration.zero, kw_only=True)
    move_time: Duration = attrs.field(factory=Duration.zero, kw_only=True)
    lot_size: Decimal = attrs.field(default=ONE, converter=as_decimal, kw_only=True)
    concurrent_capacities: Decimal = attrs.field(default=ONE, converter=as_decimal, kw_only=True)
    send_ahead_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    scrap_factor_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=percent, kw_only=True
    )
    fixed_scrap_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    routing_link_code: str | None = attrs.field(default=None, kw_only=True)
    unit_cost_per: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    flushing_method: FlushingMethod | None = attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(member_of(FlushingMethod))
    )  # None: from the centre
    description: str = attrs.field(default="", kw_only=True)
    quality_checks: tuple[QualityCheck, ...] = attrs.field(
        default=_NO_CHECKS, validator=tuple_of(QualityCheck), kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        if self.lot_size <= 0:
            raise InvalidValueError(
                field="lot_size", value=self.lot_size, reason="must be positive"
            )
        if self.concurrent_capacities <= 0:
            raise InvalidValueError(
                field="concurrent_capacities",
                value=self.concurrent_capacities,
                reason="must be positive",
            )
        for name in ("setup_time", "run_time", "wait_time", "move_time"):
            if getattr(self, name).amount < 0:
                raise InvalidValueError(
                    field=name, value=getattr(self, name), reason="must not be negative"
                )


@attrs.frozen
class RoutingVersion:
    """A version of a routing, valid from ``starting_date`` when certified."""

    code: str = attrs.field(validator=_NAME)
    lines: tuple[RoutingLine, ...] = attrs.field(validator=tuple_of(RoutingLine))
    status: VersionStatus = attrs.field(
        default=VersionStatus.CERTIFIED, validator=member_of(VersionStatus)
    )
    starting_date: dt.date | None = None


@attrs.frozen
class Routing:
    """A serial routing: operations in ascending operation number."""

    no: str = attrs.field(validator=_NAME)
    lines: tuple[RoutingLine, ...] = attrs.field(validator=tuple_of(RoutingLine))
    status: VersionStatus = attrs.field(
        default=VersionStatus.CERTIFIED, kw_only=True, validator=member_of(VersionStatus)
    )
    versions: tuple[RoutingVersion, ...] = attrs.field(
        default=(), validator=tuple_of(RoutingVersion), kw_only=True
    )
    description: str = attrs.field(default="", kw_only=True)
    # planned loss of the process, as on a BOM (``ProductionBom.process_loss_percent``);
    # an item whose BOM and routing both state one loses both, one after the other
    process_loss_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=percent, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        _check_loss(self.process_loss_percent)
        for lines in (self.lines, *(v.lines for v in self.versions)):
            ops = [line.operation_no for line in lines]
            if len(set(ops)) != len(ops):
                raise InvalidValueError(
                    field=f"routing {self.no}", value=tuple(ops), reason="operation numbers repeat"
                )
            links = [line.routing_link_code for line in lines if line.routing_link_code]
            if len(set(links)) != len(links):
                # BC warns that a component would be flushed twice; we refuse it.
                raise InvalidValueError(
                    field=f"routing {self.no}",
                    value=tuple(links),
                    reason="a routing link code is used on two operations",
                )

    @property
    def yield_factor(self) -> Decimal:
        """Expected output per unit put into the operations: ``1 − loss / 100``."""
        return ONE - self.process_loss_percent / HUNDRED

    def active_lines(self, at: dt.date | None = None) -> tuple[RoutingLine, ...]:
        """The operations valid at ``at``, sorted by operation number."""
        version = _pick_version(self.versions, at)
        if version is not None:
            lines = version.lines
        elif self.status is VersionStatus.CERTIFIED:
            lines = self.lines
        else:
            raise NotAllowedError(
                action=f"use routing {self.no} ({self.status.value})",
                reason="no certified version is valid at that date",
            )
        return tuple(sorted(lines, key=lambda line: _op_key(line.operation_no)))


def _op_key(op: str) -> tuple[int, str]:
    """Operation numbers sort numerically when they are numbers ('10' < '100'), else as text."""
    return (int(op), "") if op.isdigit() else (1 << 62, op)


@attrs.frozen
class WorkCenter:
    """A work centre. ``unit_cost`` = direct + direct × indirect % + overhead rate (BC)."""

    no: str = attrs.field(validator=_NAME)
    name: str = attrs.field(default="", kw_only=True)
    capacity: Decimal = attrs.field(
        default=ONE, converter=as_decimal, validator=non_negative, kw_only=True
    )
    efficiency_percent: Decimal = attrs.field(default=HUNDRED, converter=as_decimal, kw_only=True)
    calendar_code: str | None = attrs.field(default=None, kw_only=True)
    capacity_unit: TimeUnit = attrs.field(
        default=TimeUnit.MINUTE, kw_only=True, validator=member_of(TimeUnit)
    )
    direct_unit_cost: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    indirect_cost_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    overhead_rate: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    unit_cost_calculation: UnitCostCalculation = attrs.field(
        default=UnitCostCalculation.TIME, kw_only=True, validator=member_of(UnitCostCalculation)
    )
    specific_unit_cost: bool = attrs.field(default=False, kw_only=True)
    subcontractor_no: str | None = attrs.field(default=None, kw_only=True)
    flushing_method: FlushingMethod = attrs.field(
        default=FlushingMethod.MANUAL, kw_only=True, validator=member_of(FlushingMethod)
    )
    consolidated_calendar: bool = attrs.field(default=False, kw_only=True)
    queue_time: Duration = attrs.field(factory=Duration.zero, kw_only=True)
    blocked: bool = attrs.field(default=False, kw_only=True)
    #: BC's To-Production and From-Production bin codes (at the order's location)
    to_production_bin_code: str = attrs.field(default="", kw_only=True)
    from_production_bin_code: str = attrs.field(default="", kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.efficiency_percent <= 0:
            raise InvalidValueError(
                field="efficiency_percent", value=self.efficiency_percent, reason="must be positive"
            )

    @property
    def unit_cost(self) -> Decimal:
        """Direct unit cost plus indirect % plus overhead rate (D3: 20 + 2 + 2 = 24)."""
        return _centre_unit_cost(
            self.direct_unit_cost, self.indirect_cost_percent, self.overhead_rate
        )

    @property
    def is_subcontracted(self) -> bool:
        return self.subcontractor_no is not None


@attrs.frozen
class MachineCenter:
    """A machine centre: always part of exactly one work centre."""

    no: str = attrs.field(validator=_NAME)
    work_center_no: str = attrs.field(validator=_NAME)
    name: str = attrs.field(default="", kw_only=True)
    capacity: Decimal = attrs.field(
        default=ONE, converter=as_decimal, validator=non_negative, kw_only=True
    )
    efficiency_percent: Decimal = attrs.field(default=HUNDRED, converter=as_decimal, kw_only=True)
    calendar_code: str | None = attrs.field(default=None, kw_only=True)  # None: the work centre's
    direct_unit_cost: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    indirect_cost_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    overhead_rate: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=non_negative, kw_only=True
    )
    flushing_method: FlushingMethod = attrs.field(
        default=FlushingMethod.MANUAL, kw_only=True, validator=member_of(FlushingMethod)
    )
    blocked: bool = attrs.field(default=False, kw_only=True)
    #: empty: the work centre's bins
    to_production_bin_code: str = attrs.field(default="", kw_only=True)
    from_production_bin_code: str = attrs.field(default="", kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.efficiency_percent <= 0:
            raise InvalidValueError(
                field="efficiency_percent", value=self.efficiency_percent, reason="must be positive"
            )

    @property
    def unit_cost(self) -> Decimal:
        return _centre_unit_cost(
            self.direct_unit_cost, self.indirect_cost_percent, self.overhead_rate
        )


@attrs.frozen
class Bin:
    """A bin of a location: where stock lies (a shelf, the line side of a centre)."""

    code: str = attrs.field(validator=_NAME)
    description: str = attrs.field(default="", kw_only=True)


@attrs.frozen
class Location:
    """A location (warehouse) with its bins, BC's semantics: stock at a location lies in
    its bins; the location's To-Production and From-Production bins are the defaults for
    components and output when the work or machine centre names none.

    >>> main = Location("MAIN", bins=(Bin("S-01"), Bin("TO-PROD"), Bin("FROM-PROD")),
    ...                 to_production_bin_code="TO-PROD", from_production_bin_code="FROM-PROD")
    >>> main.no, main.has_bin("S-01"), main.has_bin("X")
    ('MAIN', True, False)
    >>> Location("MAIN", to_production_bin_code="NOWHERE")
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: ...
    """

    no: str = attrs.field(validator=_NAME)  # the location code
    name: str = attrs.field(default="", kw_only=True)
    bins: tuple[Bin, ...] = attrs.field(default=(), kw_only=True, validator=tuple_of(Bin))
    to_production_bin_code: str = attrs.field(default="", kw_only=True)
    from_production_bin_code: str = attrs.field(default="", kw_only=True)

    def __attrs_post_init__(self) -> None:
        codes = [b.code for b in self.bins]
        if len(set(codes)) != len(codes):
            raise InvalidValueError(field="bins", value=codes, reason="bin codes must be unique")
        for field in ("to_production_bin_code", "from_production_bin_code"):
            code = getattr(self, field)
            if code and code not in codes:
                raise InvalidValueError(field=field, value=code, reason="not a bin of the location")

    def has_bin(self, code: str) -> bool:
        return any(b.code == code for b in self.bins)


def _centre_unit_cost(
    direct: Decimal, indirect_percent: Decimal, overhead_rate: Decimal
) -> Decimal:
    return direct + direct * indirect_percent / 100 + overhead_rate


@attrs.frozen
class ManufacturingSetup:
    """Company-wide settings (BC Manufacturing Setup plus the local currency)."""

    currency: str = "EUR"
    amount_precision: Decimal = attrs.field(default=Decimal("0.01"), converter=as_decimal)
    unit_amount_precision: Decimal = attrs.field(default=Decimal("0.00001"), converter=as_decimal)
    cost_includes_setup: bool = True
    default_flushing_method: FlushingMethod = attrs.field(
        default=FlushingMethod.MANUAL, validator=member_of(FlushingMethod)
    )
    consumption_basis: ConsumptionBasis = attrs.field(
        default=ConsumptionBasis.EXPECTED_OUTPUT, validator=member_of(ConsumptionBasis)
    )
    finish_order_without_output: bool = False
    normal_starting_time: dt.time = dt.time(8)  # the anchor of forward scheduling by date
    normal_ending_time: dt.time = dt.time(16)  # due dates are due at this time (backward)
    allow_negative_inventory: bool = True
    # output beyond an order line's quantity plus this percent is refused (an item's own
    # tolerance comes first); None: no limit
    overproduction_tolerance_percent: Decimal | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(as_decimal),
        validator=attrs.validators.optional(non_negative),
    )
    # finishing short puts the remainder on a backorder (a ChangeStatus may say otherwise)
    create_backorders: bool = False
    # BC's "Allow Posting From/To": entries dated outside are refused; None: open-ended
    allow_posting_from: dt.date | None = None
    allow_posting_to: dt.date | None = None

    @property
    def amount_rounding(self) -> Rounding:
        """Rounding of posted amounts (half up to the currency's precision)."""
        return Rounding(self.amount_precision, RoundingMode.HALF_UP)

    @property
    def unit_amount_rounding(self) -> Rounding:
        return Rounding(self.unit_amount_precision, RoundingMode.HALF_UP)


class MasterDataSource(Protocol):
    """Anything that lists master data (a ``MasterDataRepository`` does)."""

    @property
    def setup(self) -> ManufacturingSetup: ...
    def items(self) -> Iterable[Item]: ...
    def boms(self) -> Iterable[ProductionBom]: ...
    def routings(self) -> Iterable[Routing]: ...
    def work_centers(self) -> Iterable[WorkCenter]: ...
    def machine_centers(self) -> Iterable[MachineCenter]: ...
    def locations(self) -> Iterable[Location]: ...


class MasterDataReader(MasterDataSource, Protocol):
    """A source that also reads one record by number (a ``MasterDataRepository`` does)."""

    def item(self, no: str) -> Item: ...
    def bom(self, no: str) -> ProductionBom: ...
    def routing(self, no: str) -> Routing: ...
    def work_center(self, no: str) -> WorkCenter: ...
    def machine_center(self, no: str) -> MachineCenter: ...
    def location(self, code: str) -> Location: ...


class _Numbered(Protocol):
    @property
    def no(self) -> str: ...


_R = TypeVar("_R", bound=_Numbered)


class _Lazy(Mapping[str, _R]):
    """A snapshot table that reads each record from the repository when first asked for
    (and keeps it); only iterating reads the whole listing. A rollup of a few items
    touches a few records, not the whole master data."""

    def __init__(self, get: Callable[[str], _R], listing: Callable[[], Iterable[_R]]) -> None:
        self._get, self._listing = get, listing
        self._seen: dict[str, _R] = {}
        self._all: dict[str, _R] | None = None

    def __getitem__(self, no: str) -> _R:
        found = self._seen.get(no)
        if found is None:
            try:
                found = self._get(no)
            except NotFoundError:
                raise KeyError(no) from None
            self._seen[no] = found
        return found

    def _everything(self) -> dict[str, _R]:
        if self._all is None:
            self._all = {record.no: record for record in self._listing()}
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())


@attrs.frozen
class MasterData:
    """An immutable snapshot of master data, looked up by number.

    Used by pure functions (explosion, rollup, scheduling) and built by repositories.

    >>> md = MasterData.of(items=[Item("A", base_unit="PCS")])
    >>> md.item("A").no
    'A'
    >>> md.item("Z")
    Traceback (most recent call last):
    ...
    prodcore.errors.NotFoundError: Item 'Z' does not exist.
    """

    items: Mapping[str, Item] = attrs.field(factory=dict)
    boms: Mapping[str, ProductionBom] = attrs.field(factory=dict)
    routings: Mapping[str, Routing] = attrs.field(factory=dict)
    work_centers: Mapping[str, WorkCenter] = attrs.field(factory=dict)
    machine_centers: Mapping[str, MachineCenter] = attrs.field(factory=dict)
    setup: ManufacturingSetup = attrs.field(factory=ManufacturingSetup)
    locations: Mapping[str, Location] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls,
        *,
        items: Iterable[Item] = (),
        boms: Iterable[ProductionBom] = (),
        routings: Iterable[Routing] = (),
        work_centers: Iterable[WorkCenter] = (),
        machine_centers: Iterable[MachineCenter] = (),
        setup: ManufacturingSetup | None = None,
        locations: Iterable[Location] = (),
    ) -> MasterData:
        return cls(
            items={i.no: i for i in items},
            boms={b.no: b for b in boms},
            routings={r.no: r for r in routings},
            work_centers={w.no: w for w in work_centers},
            machine_centers={m.no: m for m in machine_centers},
            setup=setup or ManufacturingSetup(),
            locations={loc.no: loc for loc in locations},
        )

    @classmethod
    def snapshot(cls, source: MasterDataSource) -> MasterData:
        """A snapshot of everything a repository (or any source with listings) holds."""
        return cls.of(
            items=source.items(),
            boms=source.boms(),
            routings=source.routings(),
            work_centers=source.work_centers(),
            machine_centers=source.machine_centers(),
            setup=source.setup,
            locations=source.locations(),
        )

    @classmethod
    def lazy(cls, source: MasterDataReader) -> MasterData:
        """A snapshot that reads each record from ``source`` when first looked up (and
        keeps it): a rollup of a few items reads a few records, not the catalogue.

        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> from prodcore.app import put_master_data
        >>> uow = InMemoryUnitOfWork(InMemoryStore())
        >>> put_master_data(uow, [Item("A", base_unit="PCS"), Item("B", base_unit="PCS")])
        >>> with uow:
        ...     md = MasterData.lazy(uow.master_data)
        ...     md.item("A").no, len(md.items)
        ('A', 2)
        """
        return cls(
            items=_Lazy(source.item, source.items),
            boms=_Lazy(source.bom, source.boms),
            routings=_Lazy(source.routing, source.routings),
            work_centers=_Lazy(source.work_center, source.work_centers),
            machine_centers=_Lazy(source.machine_center, source.machine_centers),
            setup=source.setup,
            locations=_Lazy(source.location, source.locations),
        )

    def item(self, no: str) -> Item:
        return _lookup(self.items, "Item", no)

    def bom(self, no: str) -> ProductionBom:
        return _lookup(self.boms, "Production BOM", no)

    def routing(self, no: str) -> Routing:
        return _lookup(self.routings, "Routing", no)

    def work_center(self, no: str) -> WorkCenter:
        return _lookup(self.work_centers, "Work center", no)

    def machine_center(self, no: str) -> MachineCenter:
        return _lookup(self.machine_centers, "Machine center", no)

    def location(self, code: str) -> Location:
        return _lookup(self.locations, "Location", code)


def _lookup(table: Mapping[str, _T], kind: str, no: str) -> _T:
    try:
        return table[no]
    except KeyError:
        raise NotFoundError(kind=kind, key=no) from None
