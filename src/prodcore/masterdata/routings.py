"""Routings: serial operations and dated versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from prodcore.errors import InvalidValueError, NotAllowedError
from prodcore.masterdata.boms import _check_loss, _pick_version
from prodcore.masterdata.common import (
    _NAME,
    _NO_CHECKS,
    CapacityType,
    FlushingMethod,
    QualityCheck,
    VersionStatus,
)
from prodcore.numbers import (
    HUNDRED,
    ONE,
    ZERO,
    Duration,
    as_decimal,
    member_of,
    non_negative,
    percent,
    tuple_of,
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
    # centres of the same type the operation may run on instead (finite scheduling takes
    # the one finishing first when the primary ``no`` is full)
    alternatives: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str), kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.no in self.alternatives or len(set(self.alternatives)) < len(self.alternatives):
            raise InvalidValueError(
                field="alternatives",
                value=self.alternatives,
                reason="must not repeat a centre or name the primary one",
            )
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
