"""Master data kinds shared by every record: the enumerations and the quality checks."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import attrs

from prodcore.errors import InvalidValueError
from prodcore.numbers import (
    HUNDRED,
    as_decimal,
    member_of,
    tuple_of,
)


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
        return self in _PICKED


#: The flushing methods that consume from the production bin (their names start with
#: ``PICK_``; a tuple: membership is by identity first, without hashing a member).
_PICKED = tuple(m for m in FlushingMethod if m.name.startswith("PICK_"))


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
    for the rest of the order line, none later (D365, order 100: 10 % and True, reports
    of 30 then 70 give quality orders of 3 then 7; a fixed 1 and False, reports of 30, 10
    and 60 give 1 + 1 at the first report and none later). Policy: an open or failed
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
        """The sample size for ``quantity`` (10 % of 30 is 3; fixed 1 is 1).

        >>> QualityCheck("C", (QualityTest("T"),), sample_percent=10).sample(Decimal(30))
        Decimal('3')
        """
        if self.sample_percent is not None:
            return min(quantity, quantity * self.sample_percent / HUNDRED)
        assert self.sample_quantity is not None
        return min(quantity, self.sample_quantity)


_NO_CHECKS: tuple[QualityCheck, ...] = ()
