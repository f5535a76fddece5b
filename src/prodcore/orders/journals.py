"""Journals: the posting commands, their journal lines, and the presets that fill them.

A posting command (consumption, output, production journal, capacity journal, pick,
reversal, inventory adjustment, by-product) is plain data, checked for malformed values
when it is built; :func:`~prodcore.orders.execution.decide_posting` decides it. The
presets (:func:`calculate_consumption`, :func:`explode_routing`,
:func:`production_journal`) are BC's journal functions: pure, they post nothing.

Every command carries an ``idempotency_key``; the service stores it with a hash of the
command, so a repeated command returns the first result and posts nothing.

>>> line = ConsumptionLine("PO-1", 10000, 10000, "2.5")
>>> PostConsumption("key-1", (line,)).lines[0].quantity
Decimal('2.5')
>>> OutputLine("PO-1", 10000, "10", output_quantity=-1)
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from prodcore.clock import check_moment
from prodcore.errors import InvalidValueError, NotAllowedError, NotFoundError
from prodcore.ledger.model import ValueSource
from prodcore.masterdata import CapacityType, ConsumptionBasis
from prodcore.numbers import (
    ZERO,
    Duration,
    NumberLike,
    as_decimal,
    in_own_context,
    member_of,
    tuple_of,
)
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.flushing import (
    calculable_components,
    consumption_needed,
    flushable,
    linked_operation,
)
from prodcore.orders.model import Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.orders.outputs import line_yield

__all__ = [
    "POSTING_DATED",
    "AdjustInventory",
    "AdjustmentLine",
    "ByProductLine",
    "CapacityLine",
    "ConsumptionLine",
    "OutputLine",
    "PickComponents",
    "PickLine",
    "PostByProduct",
    "PostCapacity",
    "PostConsumption",
    "PostOutput",
    "PostProductionJournal",
    "PostingCommand",
    "ReverseEntry",
    "TrackingLine",
    "calculate_consumption",
    "expected_output_line",
    "explode_routing",
    "production_journal",
]


def _non_negative_duration(
    _i: object, attribute: attrs.Attribute[Duration], value: Duration
) -> None:
    if value.amount < 0:
        raise InvalidValueError(field=attribute.name, value=value, reason="must not be negative")


def _non_negative(_i: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value < 0:
        raise InvalidValueError(
            field=attribute.name,
            value=value,
            reason="must not be negative (reverse an entry to take it back)",
        )


def _aware(_i: object, attribute: attrs.Attribute[dt.datetime | None], value: object) -> None:
    if value is not None:
        check_moment(value, attribute.name)  # timezone-aware and on a supported date


def _of_type(attribute: attrs.Attribute[Any], value: object, kind: type) -> None:
    """Refuse a key of another type (a journal posts its lines by these keys)."""
    if type(value) is not kind:
        raise InvalidValueError(
            field=attribute.name, value=value, reason=f"must be a {kind.__name__}"
        )


def _non_zero(_i: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value == 0:
        raise InvalidValueError(field=attribute.name, value=value, reason="must not be zero")


def _optional_non_negative(
    _i: object, attribute: attrs.Attribute[Decimal | None], value: Decimal | None
) -> None:
    if value is not None and value < 0:
        raise InvalidValueError(field=attribute.name, value=value, reason="must not be negative")


# --- journal lines and commands ----------------------------------------------------------


@attrs.frozen
class TrackingLine:
    """The part of a journal line that moves one lot and/or serial number: ``quantity``
    (> 0, in the line's quantity terms) of lot ``lot_no`` / serial ``serial_no``;
    ``expiry_date`` for an inbound lot (an outbound movement takes the lot's own).

    >>> TrackingLine("L1", quantity="2").quantity
    Decimal('2')
    >>> TrackingLine(quantity="1")
    Traceback (most recent call last):
    ...
    prodcore.errors.InvalidValueError: Invalid value for tracking: TrackingLine(lot_no='', serial_no='', quantity=Decimal('1'), expiry_date=None) (names no lot and no serial number).
    """

    lot_no: str = ""
    serial_no: str = ""
    quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=[_non_negative, _non_zero], kw_only=True
    )
    expiry_date: dt.date | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not (self.lot_no or self.serial_no):
            raise InvalidValueError(
                field="tracking", value=self, reason="names no lot and no serial number"
            )


# not in the repr: the lines of untracked items read as before
_TRACKING: Any = attrs.field(default=(), validator=tuple_of(TrackingLine), kw_only=True, repr=False)


@attrs.frozen
class ConsumptionLine:
    """A consumption journal line: ``quantity`` (base unit) of a component of an order line.
    A negative quantity returns material (up to what was consumed)."""

    order_id: str = attrs.field(validator=lambda _i, a, v: _of_type(a, v, str))
    line_no: int = attrs.field(validator=lambda _i, a, v: _of_type(a, v, int))
    component_line_no: int = attrs.field(validator=lambda _i, a, v: _of_type(a, v, int))
    quantity: Decimal = attrs.field(converter=as_decimal)
    #: the date its entries post at (None: the command's, else the clock's)
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    #: the lots / serials consumed (returned); their quantities add up to ``quantity``
    tracking: tuple[TrackingLine, ...] = _TRACKING
    #: a return's fixed application (BC's *Applies-from Entry*): the consumption entry
    #: it returns from, whose cost per unit it takes back (None: the item's cost)
    applies_from_entry_no: int | None = attrs.field(
        default=None,
        kw_only=True,
        repr=False,
        validator=attrs.validators.optional(lambda _i, a, v: _of_type(a, v, int)),
    )

    @classmethod
    def for_item(
        cls,
        order: ProductionOrder,
        item_no: str,
        quantity: NumberLike,
        *,
        line_no: int | None = None,
        operation_no: str | None = None,
    ) -> ConsumptionLine:
        """The line consuming ``quantity`` of ``item_no`` on ``order``, for a feed that
        names items, not component lines. ``line_no`` narrows it to one order line and
        ``operation_no`` to the components linked (by routing link code) to that
        operation. An item the order does not use is a
        :class:`~prodcore.errors.NotFoundError`; one on several component lines is
        refused (:class:`~prodcore.errors.NotAllowedError`) naming them, never guessed.

        >>> from prodcore.orders.model import Component, OrderLine
        >>> line = OrderLine(10000, "TABLE", "1", components=(
        ...     Component(10000, "LEG", "PCS", "4", "4"), Component(20000, "TOP", "PCS", "1", "1")))
        >>> order = ProductionOrder("PO-1", OrderStatus.RELEASED, "TABLE", "1",
        ...     due_date=dt.date(2026, 3, 9), lines=(line,))
        >>> ConsumptionLine.for_item(order, "TOP", "1")
        ConsumptionLine(order_id='PO-1', line_no=10000, component_line_no=20000, quantity=Decimal('1'))
        >>> ConsumptionLine.for_item(order, "SCREW", "8")
        Traceback (most recent call last):
        ...
        prodcore.errors.NotFoundError: Component of order PO-1 'SCREW' does not exist.
        """
        matches = [
            (line, comp)
            for line in order.lines
            if line_no is None or line.line_no == line_no
            for comp in line.components
            if comp.item_no == item_no
            and (
                operation_no is None
                or getattr(linked_operation(line, comp), "operation_no", None) == operation_no
            )
        ]
        if not matches:
            where = "".join(
                f" {k} {v}" for k, v in (("line", line_no), ("operation", operation_no)) if v
            )
            raise NotFoundError(kind=f"Component of order {order.id}{where}", key=item_no)
        if len(matches) > 1:
            lines = ", ".join(f"{ol.line_no}/{c.line_no}" for ol, c in matches)
            raise NotAllowedError(
                action=f"consume {item_no} on order {order.id} by item",
                reason=f"it is on component lines {lines} (line/component); name the line "
                "(line_no, operation_no) or the component line",
            )
        line, comp = matches[0]
        return cls(order.id, line.line_no, comp.line_no, quantity)


@attrs.frozen
class OutputLine:
    """An output journal line for one operation (``operation_no`` None: a line without
    routing). Output and scrap in the line's unit; times in any unit."""

    order_id: str
    line_no: int
    operation_no: str | None = None
    output_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=_non_negative
    )
    scrap_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=_non_negative
    )
    scrap_code: str | None = None
    setup_time: Duration = attrs.field(factory=Duration.zero, validator=_non_negative_duration)
    run_time: Duration = attrs.field(factory=Duration.zero, validator=_non_negative_duration)
    stop_time: Duration = attrs.field(factory=Duration.zero, validator=_non_negative_duration)
    stop_code: str | None = None
    finished: bool = False
    #: the bin the output is put to (None: the From-Production bin of the centre or location)
    bin_code: str | None = None
    #: the date its entries post at (None: the command's, else the clock's)
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    #: the lots / serials of the output; their quantities add up to ``output_quantity``
    tracking: tuple[TrackingLine, ...] = _TRACKING


@attrs.frozen
class CapacityLine:
    """A capacity journal line: time on a centre not tied to an order (maintenance...)."""

    type: CapacityType = attrs.field(validator=member_of(CapacityType))
    no: str
    setup_time: Duration = attrs.field(factory=Duration.zero, validator=_non_negative_duration)
    run_time: Duration = attrs.field(factory=Duration.zero, validator=_non_negative_duration)
    stop_time: Duration = attrs.field(factory=Duration.zero, validator=_non_negative_duration)
    output_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=_non_negative
    )
    scrap_quantity: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=_non_negative
    )
    scrap_code: str | None = None
    stop_code: str | None = None
    description: str = ""
    #: the date its entries post at (None: the command's, else the clock's)
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)


@attrs.frozen
class AdjustmentLine:
    """An item journal line (BC's positive / negative adjustment): ``quantity`` of
    ``item_no`` at ``location_code``, signed (> 0 adds stock, < 0 removes it), in
    ``unit`` (None: the base unit). ``unit_cost`` is per ``unit``; None takes the item's
    cost by costing method (the standard cost of a standard-cost item, else its unit
    cost)."""

    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=_non_zero)
    location_code: str = ""
    unit: str | None = None
    unit_cost: Decimal | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(as_decimal),
        validator=_optional_non_negative,
    )
    reason: str = ""
    #: the bin of ``location_code`` the stock goes into or comes out of ("": no bin)
    bin_code: str = ""
    #: the date its entries post at (None: the command's, else the clock's)
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    #: the lots / serials moved; their quantities add up to ``abs(quantity)``
    tracking: tuple[TrackingLine, ...] = _TRACKING


@attrs.frozen
class ByProductLine:
    """A by-product of an order line: ``quantity`` (base unit, > 0) of ``item_no`` that
    came out of the process, valued at ``unit_cost`` per base unit (None: the item's cost
    by costing method, the standard cost of a Standard-cost item, else its unit cost),
    put at ``location_code`` (None: the order's location)."""

    order_id: str
    line_no: int
    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=[_non_negative, _non_zero])
    unit_cost: Decimal | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(as_decimal),
        validator=_optional_non_negative,
    )
    location_code: str | None = None
    #: the date its entries post at (None: the command's, else the clock's)
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    #: the lots / serials of the by-product; their quantities add up to ``quantity``
    tracking: tuple[TrackingLine, ...] = _TRACKING


@attrs.frozen
class PickLine:
    """Stage ``quantity`` of a component in the production bin, taken from the bin
    ``from_bin_code`` (of the component's location)."""

    line_no: int
    component_line_no: int
    quantity: Decimal = attrs.field(converter=as_decimal, validator=_non_negative)
    from_bin_code: str = ""
    #: the lots / serials picked (they move with the stock); quantities add up to at
    #: most ``quantity`` (a remainder moves untracked)
    tracking: tuple[TrackingLine, ...] = _TRACKING


@attrs.frozen
class PostConsumption:
    """Post a consumption journal (lines may span many released orders)."""

    idempotency_key: str
    lines: tuple[ConsumptionLine, ...] = attrs.field(validator=tuple_of(ConsumptionLine))
    document_no: str = ""
    #: the date its entries post at (None: the clock's); a line may give its own
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    name = "post consumption"


@attrs.frozen
class PostOutput:
    """Post an output journal (one line per operation; lines may span many orders)."""

    idempotency_key: str
    lines: tuple[OutputLine, ...] = attrs.field(validator=tuple_of(OutputLine))
    document_no: str = ""
    #: the date its entries post at (None: the clock's); a line may give its own
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    name = "post output"


@attrs.frozen
class PostProductionJournal:
    """Consumption and output of one order line together (BC's Production Journal)."""

    idempotency_key: str
    order_id: str
    line_no: int
    consumption: tuple[ConsumptionLine, ...] = attrs.field(
        default=(), validator=tuple_of(ConsumptionLine)
    )
    output: tuple[OutputLine, ...] = attrs.field(default=(), validator=tuple_of(OutputLine))
    document_no: str = ""
    #: the date its entries post at (None: the clock's); a line may give its own
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    name = "post production journal"


@attrs.frozen
class PostCapacity:
    """Post a capacity journal: capacity entries only, no order, no item, no value."""

    idempotency_key: str
    lines: tuple[CapacityLine, ...] = attrs.field(validator=tuple_of(CapacityLine))
    document_no: str = ""
    #: the date its entries post at (None: the clock's); a line may give its own
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    name = "post capacity"


@attrs.frozen
class AdjustInventory:
    """Post an item journal: positive and negative adjustments, no order (opening stock,
    count corrections). Each line posts an item ledger entry (``POSITIVE_ADJUSTMENT`` /
    ``NEGATIVE_ADJUSTMENT``), a direct-cost value entry and G/L lines Inventory against
    Inventory Adjustment. Without negative inventory (setup) a negative line may take
    no more than is on hand at its location."""

    idempotency_key: str
    lines: tuple[AdjustmentLine, ...] = attrs.field(validator=tuple_of(AdjustmentLine))
    document_no: str = ""
    #: the date its entries post at (None: the clock's); a line may give its own
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    name = "adjust inventory"


@attrs.frozen
class PostByProduct:
    """Post by-products of released orders (BC's negative consumption): per line an
    inbound ``CONSUMPTION`` item entry (+quantity, no component) and a direct-cost value
    entry of +quantity × unit cost, G/L Inventory against the order's WIP. The credit lowers the line's material cost (``−Σ`` consumption), so cost
    adjustment values the main output that much lower. Reversible with
    :class:`ReverseEntry` like any consumption entry."""

    idempotency_key: str
    lines: tuple[ByProductLine, ...] = attrs.field(validator=tuple_of(ByProductLine))
    document_no: str = ""
    #: the date its entries post at (None: the clock's); a line may give its own
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    name = "post by-product"


@attrs.frozen
class PickComponents:
    """Stage components in the production bin (the pick step the PICK_* methods need).

    A PICK_FORWARD component whose flushing moment has passed (the order is released, or
    its linked operation started) is flushed from the bin at once.
    """

    idempotency_key: str
    order_id: str
    lines: tuple[PickLine, ...] = attrs.field(validator=tuple_of(PickLine))
    document_no: str = ""
    #: the date its entries post at (None: the clock's); a line may give its own
    posting_date: dt.date | None = attrs.field(default=None, kw_only=True, repr=False)
    name = "pick components"


@attrs.frozen
class ReverseEntry:
    """Reverse an item ledger entry (consumption or output) or a capacity entry, fully or
    ``quantity`` of it (output units for capacity entries with output).

    The reversal entries are dated like BC's *Reverse Production Order Transaction*:
    each one at the posting date (``posted_at``) of the entry it reverses, or at
    ``posted_at`` when the command gives one (not before the original).

    Reversing an output also reverses the capacity entry posted with it. Consumption
    flushed by the output is reversed too only with ``include_flushed_consumption``
    (never silently); the result's notes list everything reversed.
    """

    idempotency_key: str
    source: ValueSource = attrs.field(validator=member_of(ValueSource))
    entry_no: int
    quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    include_flushed_consumption: bool = False
    document_no: str = ""
    posted_at: dt.datetime | None = attrs.field(default=None, validator=_aware)
    name = "reverse entry"


#: The journal lines and commands that take a ``posting_date``.
POSTING_DATED: tuple[type, ...] = (
    ConsumptionLine,
    OutputLine,
    CapacityLine,
    AdjustmentLine,
    ByProductLine,
    PostConsumption,
    PostOutput,
    PostProductionJournal,
    PostCapacity,
    AdjustInventory,
    PostByProduct,
    PickComponents,
)

PostingCommand = (
    PostConsumption
    | PostOutput
    | PostProductionJournal
    | PostCapacity
    | PickComponents
    | ReverseEntry
    | AdjustInventory
    | PostByProduct
)


# --- presets ---------------------------------------------------------------------------


def expected_output_line(
    order: ProductionOrder, line: OrderLine, op: Operation, qty: Decimal, *, finished: bool
) -> OutputLine:
    """An output line for ``qty`` of ``op``: its setup time (unless setup is posted
    already) and the run time for ``qty``."""
    setup = (
        op.setup_time * op.concurrent_capacities
        if not op.posted_setup_time
        else Duration.zero(op.setup_time.unit)
    )
    run = op.run_time * (qty / op.lot_size)
    return OutputLine(
        order.id,
        line.line_no,
        op.operation_no,
        output_quantity=qty,
        setup_time=setup,
        run_time=run,
        finished=finished,
    )


@in_own_context
def calculate_consumption(
    orders: Iterable[ProductionOrder],
    md: MasterDataLookup,
    basis: ConsumptionBasis | None = None,
) -> tuple[ConsumptionLine, ...]:
    """BC's "Calculate Consumption" for released orders: journal lines for components that
    are not backward flushed, by expected output (remaining quantity) or by actual output
    (need of posted output + scrap, less consumed). Zero lines are left out."""
    basis = basis or md.setup.consumption_basis
    lines: list[ConsumptionLine] = []
    for order, line, comp in calculable_components(
        o for o in orders if o.status is OrderStatus.RELEASED
    ):
        rounding = md.item(comp.item_no).need_rounding(comp.unit)
        qty = consumption_needed(line, comp, basis, rounding, line_yield(line, md))
        if comp.flushing_method.needs_pick:
            qty = flushable(comp, qty)
        if qty > 0:
            lines.append(ConsumptionLine(order.id, line.line_no, comp.line_no, qty))
    return tuple(lines)


@in_own_context
def explode_routing(order: ProductionOrder, line_no: int) -> tuple[OutputLine, ...]:
    """BC's "Explode Routing": one output line per operation, preset with the expected
    output (remaining quantity), setup (if none posted yet) and run time for it."""
    line = order.line(line_no)
    if not line.operations:
        return (OutputLine(order.id, line.line_no, None, output_quantity=line.remaining_quantity),)
    return tuple(
        expected_output_line(
            order,
            line,
            op,
            max(line.quantity - op.output_quantity, ZERO),
            finished=False,
        )
        for op in line.operations
    )


@in_own_context
def production_journal(
    order: ProductionOrder, line_no: int, md: MasterDataLookup
) -> PostProductionJournal:
    """A production journal preset for one order line: consumption of manual (and pick
    manual) components by expected output, and the exploded routing without the
    subcontracted operations (their output comes with the subcontracting receipt). The
    returned command's ``idempotency_key`` is empty: set one before posting."""
    line = order.line(line_no)
    subcontracted = {
        op.operation_no
        for op in line.operations
        if md.work_center(op.work_center_no).is_subcontracted
    }
    consumption = tuple(
        ConsumptionLine(order.id, line.line_no, comp.line_no, qty)
        for comp in line.components
        if not (comp.flushing_method.is_forward or comp.flushing_method.is_backward)
        for qty in (flushable(comp, comp.remaining_quantity),)
        if qty > 0
    )
    output = tuple(
        ol for ol in explode_routing(order, line_no) if ol.operation_no not in subcontracted
    )
    return PostProductionJournal("", order.id, line.line_no, consumption, output)
