"""Work and machine centres, locations with bins, and the manufacturing setup."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from prodcore.errors import InvalidValueError
from prodcore.masterdata.average_cost import AverageCostCalcType, AverageCostPeriod, period_starts
from prodcore.masterdata.common import _NAME, ConsumptionBasis, FlushingMethod, UnitCostCalculation
from prodcore.masterdata.standards import ByProductCredit
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
    shared_rounding,
    tuple_of,
)


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
        _check_efficiency(self.efficiency_percent)

    @property
    def unit_cost(self) -> Decimal:
        """Direct unit cost plus indirect % plus overhead rate (direct 20, indirect 10 %,
        overhead rate 2: 20 + 2 + 2 = 24)."""
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
        _check_efficiency(self.efficiency_percent)

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


def _check_efficiency(efficiency_percent: Decimal) -> None:
    """A work or machine centre's efficiency must be positive (durations divide by it)."""
    if efficiency_percent <= 0:
        raise InvalidValueError(
            field="efficiency_percent", value=efficiency_percent, reason="must be positive"
        )


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
    # D365's parallel job registration: a worker (or machine) may be registered on several
    # operations at once; off (the default): one worker, one job at a time
    allow_parallel_registrations: bool = False
    # a by-product credit above the material cost: refuse, or warn (docs/costing.md)
    by_product_credit: ByProductCredit = attrs.field(
        default=ByProductCredit.WARN, validator=member_of(ByProductCredit)
    )
    # BC's Inventory Setup "Average Cost Period" and "Average Cost Calc. Type" (see
    # prodcore.masterdata.average_cost); the accounting periods' starting dates, sorted
    average_cost_period: AverageCostPeriod = attrs.field(
        default=AverageCostPeriod.ENTRY, validator=member_of(AverageCostPeriod)
    )
    average_cost_calc_type: AverageCostCalcType = attrs.field(
        default=AverageCostCalcType.ITEM, validator=member_of(AverageCostCalcType)
    )
    accounting_periods: tuple[dt.date, ...] = attrs.field(default=(), validator=period_starts)

    @property
    def amount_rounding(self) -> Rounding:
        """Rounding of posted amounts (half up to the currency's precision)."""
        return shared_rounding(self.amount_precision, RoundingMode.HALF_UP)

    @property
    def unit_amount_rounding(self) -> Rounding:
        return shared_rounding(self.unit_amount_precision, RoundingMode.HALF_UP)
