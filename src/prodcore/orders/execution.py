"""Execution: posting commands and their pure decisions.

A posting command (consumption, output, production journal, capacity journal, pick,
reversal, inventory adjustment) is decided by :func:`decide_posting` into an :class:`Execution`: the orders
as they are afterwards and one balanced :class:`~prodcore.ledger.model.PostingBatch`
(with local entry references) for the store to append. The order counters
(consumed, finished, posted times, routing status) move with the entries.
Release and finish flushing (:func:`flush_at_release`, :func:`flush_at_finish`) build
the same kind of result and run in the unit of work of the status change.

Every command carries an ``idempotency_key``; the service stores it with a hash of the
command, so a repeated command returns the first result and posts nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Protocol

import attrs

from prodcore.clock import check_moment
from prodcore.errors import (
    AlreadyReversedError,
    InsufficientQuantityError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from prodcore.ledger.model import (
    AccountRole,
    CapacityLedgerEntry,
    GLEntry,
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.posting import capacity_cost, gl_lines, item_unit_cost, posted_quantity
from prodcore.masterdata import (
    CalculationFormula,
    CapacityType,
    ConsumptionBasis,
    Item,
    MachineCenter,
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.numbers import ZERO, Duration, Rounding, as_decimal, tuple_of
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.flushing import (
    available_in_bin,
    calculable_components,
    consumption_needed,
    flushable,
    linked_operation,
    needed_for_output,
    operation_started,
)
from prodcore.orders.model import (
    Component,
    Operation,
    OrderLine,
    OrderStatus,
    ProductionOrder,
    RoutingStatus,
)

__all__ = [
    "BY_PRODUCT",
    "QUALITY_SCRAP",
    "SUBCONTRACT_RECEIPT",
    "AdjustInventory",
    "AdjustmentLine",
    "ByProductLine",
    "CapacityLine",
    "ConsumptionLine",
    "Execution",
    "LedgerView",
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
    "calculate_consumption",
    "decide_posting",
    "explode_routing",
    "flush_at_finish",
    "flush_at_release",
    "production_journal",
]

_QTY = Rounding(Decimal("0.00001"))


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
class ConsumptionLine:
    """A consumption journal line: ``quantity`` (base unit) of a component of an order line.
    A negative quantity returns material (up to what was consumed)."""

    order_id: str
    line_no: int
    component_line_no: int
    quantity: Decimal = attrs.field(converter=as_decimal)


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


@attrs.frozen
class CapacityLine:
    """A capacity journal line: time on a centre not tied to an order (maintenance...)."""

    type: CapacityType
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


@attrs.frozen
class PickLine:
    """Stage ``quantity`` of a component in the production bin."""

    line_no: int
    component_line_no: int
    quantity: Decimal = attrs.field(converter=as_decimal, validator=_non_negative)


@attrs.frozen
class PostConsumption:
    """Post a consumption journal (lines may span many released orders)."""

    idempotency_key: str
    lines: tuple[ConsumptionLine, ...] = attrs.field(validator=tuple_of(ConsumptionLine))
    document_no: str = ""
    name = "post consumption"


@attrs.frozen
class PostOutput:
    """Post an output journal (one line per operation; lines may span many orders)."""

    idempotency_key: str
    lines: tuple[OutputLine, ...] = attrs.field(validator=tuple_of(OutputLine))
    document_no: str = ""
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
    name = "post production journal"


@attrs.frozen
class PostCapacity:
    """Post a capacity journal: capacity entries only, no order, no item, no value."""

    idempotency_key: str
    lines: tuple[CapacityLine, ...] = attrs.field(validator=tuple_of(CapacityLine))
    document_no: str = ""
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
    name = "adjust inventory"


@attrs.frozen
class PostByProduct:
    """Post by-products of released orders (BC's negative consumption, ``bc-d365.md``
    §3.1): per line an inbound ``CONSUMPTION`` item entry (+quantity, no component) and a
    direct-cost value entry of +quantity × unit cost, G/L Inventory against the order's
    WIP. The credit lowers the line's material cost (``−Σ`` consumption), so cost
    adjustment values the main output that much lower. Reversible with
    :class:`ReverseEntry` like any consumption entry."""

    idempotency_key: str
    lines: tuple[ByProductLine, ...] = attrs.field(validator=tuple_of(ByProductLine))
    document_no: str = ""
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
    (decision 3: never silently); the result's notes list everything reversed.
    """

    idempotency_key: str
    source: ValueSource
    entry_no: int
    quantity: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )
    include_flushed_consumption: bool = False
    document_no: str = ""
    posted_at: dt.datetime | None = attrs.field(default=None, validator=_aware)
    name = "reverse entry"


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


class LedgerView(Protocol):
    """What decisions read from the ledger (a :class:`~prodcore.ports.LedgerRepository` fits)."""

    @property
    def posting_setup(self) -> PostingSetup: ...
    def on_hand(self, item_no: str, location_code: str | None = None) -> Decimal: ...
    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal: ...
    def item_entry(self, entry_no: int) -> ItemLedgerEntry: ...
    def capacity_entry(self, entry_no: int) -> CapacityLedgerEntry: ...
    def item_entries(
        self, *, order_id: str | None = None, item_no: str | None = None
    ) -> list[ItemLedgerEntry]: ...
    def capacity_entries(
        self, *, order_id: str | None = None, centre_no: str | None = None
    ) -> list[CapacityLedgerEntry]: ...
    def value_entries(
        self,
        *,
        order_id: str | None = None,
        source: ValueSource | None = None,
        source_entry_no: int | None = None,
    ) -> list[ValueEntry]: ...


@attrs.frozen
class Execution:
    """A decision: the changed orders (versions not yet bumped), the batch to append,
    warnings (finish checks) and notes (what was flushed or reversed)."""

    orders: tuple[ProductionOrder, ...]
    batch: PostingBatch
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


# --- the builder: one batch, orders kept current as entries are added ----------------------


class _Builder:
    def __init__(
        self,
        md: MasterDataLookup,
        ledger: LedgerView,
        get_order: Callable[[str], ProductionOrder],
        at: dt.datetime,
        document_no: str,
    ) -> None:
        self.md = md
        self.ledger = ledger
        self.get_order = get_order
        self.at = at
        self.document_no = document_no
        self.setup = md.setup
        self.accounts = ledger.posting_setup
        self.money = self.setup.amount_rounding
        self.orders: dict[str, ProductionOrder] = {}
        self.items: list[ItemLedgerEntry] = []
        self.caps: list[CapacityLedgerEntry] = []
        self.values: list[ValueEntry] = []
        self.gls: list[GLEntry] = []
        self.on_hand_delta: dict[tuple[str, str], Decimal] = {}
        self.reversed_delta: dict[tuple[ValueSource, int], Decimal] = {}
        self.warnings: list[str] = []
        self.notes: list[str] = []

    # orders

    def order(
        self, order_id: str, *, released: bool = True, command: str = "post"
    ) -> ProductionOrder:
        if order_id not in self.orders:
            self.orders[order_id] = self.get_order(order_id)
        order = self.orders[order_id]
        if released and order.status is not OrderStatus.RELEASED:
            raise InvalidTransitionError(
                order_id=order.id,
                status=order.status.value,
                command=command,
                reason="Only released orders take postings.",
            )
        return order

    def put_line(self, order_id: str, line: OrderLine) -> None:
        self.orders[order_id] = self.orders[order_id].replace_line(line)

    def put_component(self, order_id: str, line_no: int, comp: Component) -> None:
        line = self.orders[order_id].line(line_no)
        comps = tuple(comp if c.line_no == comp.line_no else c for c in line.components)
        self.put_line(order_id, attrs.evolve(line, components=comps))

    def put_operation(self, order_id: str, line_no: int, op: Operation) -> None:
        line = self.orders[order_id].line(line_no)
        ops = tuple(op if o.operation_no == op.operation_no else o for o in line.operations)
        self.put_line(order_id, attrs.evolve(line, operations=ops))

    # ledger entries

    def add_value(self, value: ValueEntry) -> None:
        self.values.append(value)
        self.gls.extend(gl_lines(value, self.accounts, -(len(self.gls) + 1)))

    def on_hand(self, item_no: str, location: str) -> Decimal:
        return self.ledger.on_hand(item_no, location) + self.on_hand_delta.get(
            (item_no, location), ZERO
        )

    def add_item_entry(self, entry: ItemLedgerEntry) -> int:
        ref = -(len(self.items) + 1)
        entry = attrs.evolve(entry, entry_no=ref)
        self.items.append(entry)
        key = (entry.item_no, entry.location_code)
        self.on_hand_delta[key] = self.on_hand_delta.get(key, ZERO) + entry.quantity
        if entry.applies_to_entry_no is not None:
            rkey = (ValueSource.ITEM, entry.applies_to_entry_no)
            self.reversed_delta[rkey] = self.reversed_delta.get(rkey, ZERO) + abs(entry.quantity)
        return ref

    def add_capacity_entry(self, entry: CapacityLedgerEntry) -> int:
        ref = -(len(self.caps) + 1)
        self.caps.append(attrs.evolve(entry, entry_no=ref))
        if entry.applies_to_entry_no is not None:
            rkey = (ValueSource.CAPACITY, entry.applies_to_entry_no)
            self.reversed_delta[rkey] = self.reversed_delta.get(rkey, ZERO) + entry.applied_quantity
        return ref

    def reversed(self, source: ValueSource, entry_no: int) -> Decimal:
        return self.ledger.reversed_quantity(source, entry_no) + self.reversed_delta.get(
            (source, entry_no), ZERO
        )

    def result(self, idempotency_key: str | None = None) -> Execution:
        batch = PostingBatch.build(
            document_no=self.document_no,
            posted_at=self.at,
            item_entries=tuple(self.items),
            capacity_entries=tuple(self.caps),
            value_entries=tuple(self.values),
            gl_entries=tuple(self.gls),
            idempotency_key=idempotency_key,
        )
        return Execution(
            tuple(self.orders.values()), batch, tuple(self.warnings), tuple(self.notes)
        )

    # consumption

    def consume(
        self,
        order_id: str,
        line_no: int,
        comp_line_no: int,
        quantity: Decimal,
        *,
        flushed_by: int | None = None,
        reason: str = "",
        check_bin: bool = True,
    ) -> None:
        if quantity == 0:
            return
        order = self.order(order_id)
        line = order.line(line_no)
        comp = line.component(comp_line_no)
        item = self.md.item(comp.item_no)
        if item.blocked:
            raise InvalidValueError(field="item_no", value=item.no, reason="the item is blocked")
        base_qty = item.to_base(quantity, comp.unit)
        if quantity < 0 and -quantity > comp.consumed_quantity:
            raise InsufficientQuantityError(
                what=f"Return of {comp.item_no} to order {order_id}",
                requested=-quantity,
                available=comp.consumed_quantity,
            )
        if quantity > 0 and check_bin and comp.flushing_method.needs_pick:
            available = available_in_bin(comp)
            if quantity > available:
                raise InsufficientQuantityError(
                    what=f"Consumption of {comp.item_no} from the production bin",
                    requested=quantity,
                    available=available,
                )
        location = comp.location_code
        if quantity > 0 and not self.setup.allow_negative_inventory:
            on_hand = self.on_hand(item.no, location)
            if base_qty > on_hand:
                raise InsufficientQuantityError(
                    what=f"Inventory of {item.no} at {location or 'no location'}",
                    requested=base_qty,
                    available=on_hand,
                )
        ref = self.add_item_entry(
            ItemLedgerEntry(
                0,
                ItemEntryType.CONSUMPTION,
                item.no,
                -base_qty,
                unit=item.base_unit,
                location_code=location,
                order_id=order_id,
                order_line_no=line_no,
                component_line_no=comp_line_no,
                flushed_by_capacity_entry_no=flushed_by,
                posted_at=self.at,
                document_no=self.document_no,
                reason=reason,
            )
        )
        cost = base_qty * item_unit_cost(item)
        amount = self.money.apply(cost)
        self.add_value(
            ValueEntry(
                -(len(self.values) + 1),
                ValueEntryType.DIRECT_COST,
                ValueSource.ITEM,
                -amount,
                ZERO,
                currency=self.setup.currency,
                valued_quantity=-base_qty,
                item_entry_no=ref,
                item_no=item.no,
                order_id=order_id,
                order_line_no=line_no,
                rounding_residual=-(cost - amount),
                posted_at=self.at,
                document_no=self.document_no,
            )
        )
        self.put_component(
            order_id,
            line_no,
            attrs.evolve(comp, consumed_quantity=comp.consumed_quantity + quantity),
        )
        if reason:
            shown = posted_quantity(quantity, _QTY)  # 26.4, not 26.40000
            self.notes.append(f"{reason}: {shown:f} {comp.unit} of {comp.item_no} ({order_id})")

    # by-products (negative consumption)

    def by_product(self, bl: ByProductLine) -> None:
        order = self.order(bl.order_id, command=PostByProduct.name)
        line = order.line(bl.line_no)
        item = self.md.item(bl.item_no)
        if item.blocked:
            raise InvalidValueError(field="item_no", value=item.no, reason="the item is blocked")
        base_qty = posted_quantity(bl.quantity, item.rounding)
        if base_qty <= 0:
            raise InvalidValueError(
                field="quantity",
                value=bl.quantity,
                reason=f"rounds to 0 at {item.no}'s rounding precision {item.rounding_precision}",
            )
        ref = self.add_item_entry(
            ItemLedgerEntry(
                0,
                ItemEntryType.CONSUMPTION,
                item.no,
                base_qty,
                unit=item.base_unit,
                location_code=order.location_code if bl.location_code is None else bl.location_code,
                order_id=order.id,
                order_line_no=line.line_no,
                posted_at=self.at,
                document_no=self.document_no,
                reason=BY_PRODUCT,
            )
        )
        unit_cost = item_unit_cost(item) if bl.unit_cost is None else bl.unit_cost
        cost = base_qty * unit_cost
        amount = self.money.apply(cost)
        self.add_value(
            ValueEntry(
                -(len(self.values) + 1),
                ValueEntryType.DIRECT_COST,
                ValueSource.ITEM,
                amount,
                ZERO,
                currency=self.setup.currency,
                valued_quantity=base_qty,
                item_entry_no=ref,
                item_no=item.no,
                order_id=order.id,
                order_line_no=line.line_no,
                rounding_residual=cost - amount,
                posted_at=self.at,
                document_no=self.document_no,
            )
        )
        # nothing on the order changes but that it has postings now
        self.orders[order.id] = attrs.evolve(self.orders[order.id], has_postings=True)
        self.notes.append(f"{BY_PRODUCT}: {base_qty} {item.base_unit} of {item.no} ({order.id})")

    # inventory adjustment (item journal)

    def adjust(self, al: AdjustmentLine) -> None:
        item = self.md.item(al.item_no)
        if item.blocked:
            raise InvalidValueError(field="item_no", value=item.no, reason="the item is blocked")
        unit = al.unit or item.base_unit
        per = item.qty_per_unit(unit)
        base_qty = posted_quantity(al.quantity * per, item.rounding)
        if base_qty == 0:
            raise InvalidValueError(
                field="quantity",
                value=al.quantity,
                reason=f"rounds to 0 at {item.no}'s rounding precision {item.rounding_precision}",
            )
        location = al.location_code
        if base_qty < 0 and not self.setup.allow_negative_inventory:
            on_hand = self.on_hand(item.no, location)
            if -base_qty > on_hand:
                raise InsufficientQuantityError(
                    what=f"Inventory of {item.no} at {location or 'no location'}",
                    requested=-base_qty,
                    available=on_hand,
                )
        entry_type = (
            ItemEntryType.POSITIVE_ADJUSTMENT if base_qty > 0 else ItemEntryType.NEGATIVE_ADJUSTMENT
        )
        ref = self.add_item_entry(
            ItemLedgerEntry(
                0,
                entry_type,
                item.no,
                base_qty,
                unit=item.base_unit,
                location_code=location,
                posted_at=self.at,
                document_no=self.document_no,
                reason=al.reason,
            )
        )
        unit_cost = item_unit_cost(item) if al.unit_cost is None else al.unit_cost / per
        cost = base_qty * unit_cost
        amount = self.money.apply(cost)
        self.add_value(
            ValueEntry(
                -(len(self.values) + 1),
                ValueEntryType.DIRECT_COST,
                ValueSource.ITEM,
                amount,
                ZERO,
                currency=self.setup.currency,
                valued_quantity=base_qty,
                item_entry_no=ref,
                item_no=item.no,
                rounding_residual=cost - amount,
                posted_at=self.at,
                document_no=self.document_no,
            )
        )

    # output and capacity

    def centre(self, type_: CapacityType, no: str) -> tuple[WorkCenter, MachineCenter | None]:
        if type_ is CapacityType.MACHINE_CENTER:
            mc = self.md.machine_center(no)
            return self.md.work_center(mc.work_center_no), mc
        return self.md.work_center(no), None

    def capacity_values(
        self,
        cap_ref: int,
        cap_qty: Decimal,
        wc: WorkCenter,
        mc: MachineCenter | None,
        op: Operation | None,
        order_id: str | None,
        line_no: int | None,
    ) -> None:
        costs: WorkCenter | MachineCenter = mc or wc
        unit_cost = (
            op.unit_cost_per if (wc.specific_unit_cost and op is not None) else costs.unit_cost
        )
        split = capacity_cost(
            cap_qty,
            unit_cost=unit_cost,
            indirect_percent=costs.indirect_cost_percent,
            overhead_rate=costs.overhead_rate,
            rounding=self.money,
        )
        for entry_type, amount, residual in (
            (ValueEntryType.DIRECT_COST, split.direct, split.residual),
            (ValueEntryType.INDIRECT_COST, split.indirect, ZERO),
        ):
            if amount == 0 and residual == 0:
                continue
            self.add_value(
                ValueEntry(
                    -(len(self.values) + 1),
                    entry_type,
                    ValueSource.CAPACITY,
                    amount,
                    ZERO,
                    currency=self.setup.currency,
                    valued_quantity=cap_qty,
                    capacity_entry_no=cap_ref,
                    order_id=order_id,
                    order_line_no=line_no,
                    rounding_residual=residual,
                    posted_at=self.at,
                    document_no=self.document_no,
                )
            )

    def subcontract_values(
        self, cap_ref: int, cap_qty: Decimal, unit_cost: Decimal, wc: WorkCenter, op: Operation
    ) -> None:
        """A subcontracting receipt's cost: the purchase price as direct cost of the
        capacity entry (actual, no expected cost), the centre's indirect % and overhead
        rate on top as indirect cost."""
        cost = cap_qty * unit_cost
        direct = self.money.apply(cost)
        overhead = cap_qty * (unit_cost * wc.indirect_cost_percent / 100 + wc.overhead_rate)
        indirect = self.money.apply(overhead)
        for entry_type, amount, residual in (
            (ValueEntryType.DIRECT_COST, direct, cost - direct),
            (ValueEntryType.INDIRECT_COST, indirect, overhead - indirect),
        ):
            if amount == 0 and residual == 0:
                continue
            self.add_value(
                ValueEntry(
                    -(len(self.values) + 1),
                    entry_type,
                    ValueSource.CAPACITY,
                    amount,
                    ZERO,
                    currency=self.setup.currency,
                    valued_quantity=cap_qty,
                    capacity_entry_no=cap_ref,
                    order_id=self.caps[-cap_ref - 1].order_id,
                    order_line_no=self.caps[-cap_ref - 1].order_line_no,
                    rounding_residual=residual,
                    posted_at=self.at,
                    document_no=self.document_no,
                )
            )

    def post_output(
        self,
        jl: OutputLine,
        *,
        command: str = "post output",
        receipt_unit_cost: Decimal | None = None,
        description: str = "",
    ) -> None:
        """Post one output line; with ``receipt_unit_cost`` it is a subcontracting receipt
        (capacity quantity = output + scrap, costed at the purchase price)."""
        from prodcore.orders.quality import check_not_blocked, quality_orders_for_output

        order = self.order(jl.order_id, command=command)
        line = order.line(jl.line_no)
        op: Operation | None = None
        if line.operations:
            if jl.operation_no is None:
                raise InvalidValueError(
                    field="operation_no",
                    value=None,
                    reason=f"line {line.line_no} of {order.id} has a routing: name the operation",
                )
            op = line.operation(jl.operation_no)
        elif jl.operation_no is not None:
            raise NotFoundError(kind=f"Operation of order line {line.line_no}", key=jl.operation_no)
        check_not_blocked(order, line, op)
        item = self.md.item(line.item_no)
        is_last = op is None or op.is_last
        started_before = op is not None and operation_started(op)
        cap_ref: int | None = None
        if op is not None:
            wc, mc = self.centre(op.type, op.no)
            if wc.blocked or (mc is not None and mc.blocked):
                raise InvalidValueError(field="centre", value=op.no, reason="the centre is blocked")
            unit = wc.capacity_unit
            setup_t = jl.setup_time.in_units(unit)
            run_t = jl.run_time.in_units(unit)
            if (
                wc.unit_cost_calculation is UnitCostCalculation.UNITS
                or receipt_unit_cost is not None
            ):
                cap_qty = jl.output_quantity + jl.scrap_quantity
            elif self.setup.cost_includes_setup:
                cap_qty = setup_t + run_t
            else:
                cap_qty = run_t
            if not jl.stop_time.is_zero():
                stop_t = jl.stop_time.in_units(unit)
                self.add_capacity_entry(
                    CapacityLedgerEntry(
                        0,
                        op.type,
                        op.no,
                        op.work_center_no,
                        stop_t,
                        time_unit=unit,
                        stop_time=stop_t,
                        stop_code=jl.stop_code,
                        order_id=order.id,
                        order_line_no=line.line_no,
                        operation_no=op.operation_no,
                        item_no=line.item_no,
                        posted_at=self.at,
                        document_no=self.document_no,
                    )
                )
            cap_ref = self.add_capacity_entry(
                CapacityLedgerEntry(
                    0,
                    op.type,
                    op.no,
                    op.work_center_no,
                    cap_qty,
                    time_unit=unit,
                    setup_time=setup_t,
                    run_time=run_t,
                    output_quantity=jl.output_quantity,
                    scrap_quantity=jl.scrap_quantity,
                    scrap_code=jl.scrap_code,
                    order_id=order.id,
                    order_line_no=line.line_no,
                    operation_no=op.operation_no,
                    item_no=line.item_no,
                    last_output_line=op.is_last,
                    finished=jl.finished,
                    posted_at=self.at,
                    document_no=self.document_no,
                    description=description,
                )
            )
            if receipt_unit_cost is None:
                self.capacity_values(cap_ref, cap_qty, wc, mc, op, order.id, line.line_no)
            else:
                self.subcontract_values(cap_ref, cap_qty, receipt_unit_cost, wc, op)
            op = attrs.evolve(
                op,
                output_quantity=op.output_quantity + jl.output_quantity,
                scrap_quantity=op.scrap_quantity + jl.scrap_quantity,
                posted_setup_time=op.posted_setup_time + jl.setup_time.in_units(op.setup_time.unit),
                posted_run_time=op.posted_run_time + jl.run_time.in_units(op.run_time.unit),
                status=RoutingStatus.FINISHED if jl.finished else RoutingStatus.IN_PROGRESS,
            )
            self.put_operation(order.id, line.line_no, op)
        if is_last:
            line = self.orders[order.id].line(line.line_no)
            self.put_line(
                order.id,
                attrs.evolve(
                    line,
                    finished_quantity=line.finished_quantity + jl.output_quantity,
                    scrap_quantity=line.scrap_quantity + jl.scrap_quantity,
                ),
            )
            if jl.output_quantity:
                base_qty = item.to_base(jl.output_quantity, line.unit)
                ref = self.add_item_entry(
                    ItemLedgerEntry(
                        0,
                        ItemEntryType.OUTPUT,
                        item.no,
                        base_qty,
                        unit=item.base_unit,
                        location_code=order.location_code,
                        order_id=order.id,
                        order_line_no=line.line_no,
                        operation_no=op.operation_no if op else None,
                        capacity_entry_no=cap_ref,
                        posted_at=self.at,
                        document_no=self.document_no,
                        scrap_quantity=jl.scrap_quantity if op is None else ZERO,
                    )
                )
                cost = base_qty * item_unit_cost(item)
                amount = self.money.apply(cost)
                self.add_value(
                    ValueEntry(
                        -(len(self.values) + 1),
                        ValueEntryType.DIRECT_COST,
                        ValueSource.ITEM,
                        ZERO,
                        amount,
                        currency=self.setup.currency,
                        valued_quantity=base_qty,
                        item_entry_no=ref,
                        item_no=item.no,
                        order_id=order.id,
                        order_line_no=line.line_no,
                        rounding_residual=cost - amount,
                        posted_at=self.at,
                        document_no=self.document_no,
                    )
                )
        if op is not None:
            self.flush_linked(order.id, line.line_no, op, jl, started_before, cap_ref)
        if jl.output_quantity > 0:
            current = self.orders[order.id]
            new_qos = quality_orders_for_output(
                current, current.line(line.line_no), op, jl.output_quantity, self.at
            )
            if new_qos:
                self.orders[order.id] = attrs.evolve(
                    current, quality_orders=current.quality_orders + new_qos
                )
                self.notes.extend(
                    f"Quality order {q.no} created: sample {q.quantity} of {q.covered_quantity}"
                    for q in new_qos
                )

    def flush_linked(
        self,
        order_id: str,
        line_no: int,
        op: Operation,
        jl: OutputLine,
        started_before: bool,
        cap_ref: int | None,
    ) -> None:
        """Components linked to ``op``: forward ones at its start, backward ones with output."""
        if op.routing_link_code is None:
            return
        line = self.orders[order_id].line(line_no)
        for comp in line.components:
            if comp.routing_link_code != op.routing_link_code:
                continue
            rounding = self.md.item(comp.item_no).rounding
            method = comp.flushing_method
            if method.is_forward and not started_before:
                qty = flushable(comp, comp.remaining_quantity)
                reason = f"Forward flush at start of operation {op.operation_no}"
            elif method.is_backward:
                need = needed_for_output(comp, jl.output_quantity + jl.scrap_quantity, rounding)
                if comp.formula is CalculationFormula.FIXED_QUANTITY:
                    need = max(need - comp.consumed_quantity, ZERO)
                qty = flushable(comp, need)
                reason = f"Backward flush with output of operation {op.operation_no}"
            else:
                continue
            self.consume(
                order_id,
                line_no,
                comp.line_no,
                qty,
                flushed_by=cap_ref,
                reason=reason,
                check_bin=False,
            )

    def post_capacity(self, cl: CapacityLine) -> None:
        wc, mc = self.centre(cl.type, cl.no)
        if wc.blocked or (mc is not None and mc.blocked):
            raise InvalidValueError(field="centre", value=cl.no, reason="the centre is blocked")
        unit = wc.capacity_unit
        setup_t, run_t = cl.setup_time.in_units(unit), cl.run_time.in_units(unit)
        if wc.unit_cost_calculation is UnitCostCalculation.UNITS:
            cap_qty = cl.output_quantity + cl.scrap_quantity
        else:
            cap_qty = setup_t + run_t
        if not cl.stop_time.is_zero():
            stop_t = cl.stop_time.in_units(unit)
            self.add_capacity_entry(
                CapacityLedgerEntry(
                    0,
                    cl.type,
                    cl.no,
                    wc.no,
                    stop_t,
                    time_unit=unit,
                    stop_time=stop_t,
                    stop_code=cl.stop_code,
                    posted_at=self.at,
                    document_no=self.document_no,
                    description=cl.description,
                )
            )
        if cap_qty or setup_t or run_t or cl.output_quantity or cl.scrap_quantity:
            self.add_capacity_entry(
                CapacityLedgerEntry(
                    0,
                    cl.type,
                    cl.no,
                    wc.no,
                    cap_qty,
                    time_unit=unit,
                    setup_time=setup_t,
                    run_time=run_t,
                    output_quantity=cl.output_quantity,
                    scrap_quantity=cl.scrap_quantity,
                    scrap_code=cl.scrap_code,
                    posted_at=self.at,
                    document_no=self.document_no,
                    description=cl.description,
                )
            )

    # finishing

    def has_consumption_or_capacity(self, order_id: str, line_no: int) -> bool:
        """BC's finish check: the line has consumption or capacity entries, counted
        gross (an entry stays even when reversed), posted before or in this batch."""
        items = [*self.ledger.item_entries(order_id=order_id), *self.items]
        if any(
            e.order_id == order_id
            and e.order_line_no == line_no
            and e.entry_type is ItemEntryType.CONSUMPTION
            for e in items
        ):
            return True
        caps = [*self.ledger.capacity_entries(order_id=order_id), *self.caps]
        return any(c.order_id == order_id and c.order_line_no == line_no for c in caps)

    def line_wip(self, order_id: str, line_no: int) -> Decimal:
        """The WIP balance of one order line: the WIP lines of its value entries."""
        total = ZERO
        for v in (*self.ledger.value_entries(order_id=order_id), *self.values):
            if v.order_id == order_id and v.order_line_no == line_no:
                total += sum(
                    (g.amount for g in gl_lines(v, self.accounts, 0) if g.role is AccountRole.WIP),
                    ZERO,
                )
        return total

    def write_off_wip(self, order_id: str, line: OrderLine) -> None:
        """BC's "Finish Order without Output": the line's WIP goes to Inventory
        Adjustment (a ``WIP_WRITE_OFF`` value entry of no item entry)."""
        wip = self.line_wip(order_id, line.line_no)
        if wip == 0:
            return
        self.add_value(
            ValueEntry(
                -(len(self.values) + 1),
                ValueEntryType.WIP_WRITE_OFF,
                ValueSource.ITEM,
                wip,
                ZERO,
                currency=self.setup.currency,
                item_no=line.item_no,
                order_id=order_id,
                order_line_no=line.line_no,
                posted_at=self.at,
                document_no=self.document_no,
            )
        )
        self.notes.append(f"WIP of line {line.line_no} written off to Inventory Adjustment: {wip}")

    # reversal

    def _share(
        self, amount: Decimal, done: Decimal, new: Decimal, total: Decimal, r: Rounding
    ) -> Decimal:
        """The part of ``amount`` between fractions done/total and new/total, rounded so
        that the parts add up exactly to ``amount``."""
        return r.apply(amount * new / total) - r.apply(amount * done / total)

    def reverse_values(
        self,
        source: ValueSource,
        original_no: int,
        new_ref: int,
        done: Decimal,
        new: Decimal,
        total: Decimal,
        order_id: str | None,
        line_no: int | None,
        at: dt.datetime | None = None,
    ) -> None:
        """Value entries reversing the share done/total..new/total of the original's,
        dated ``at`` (default: the batch's time)."""
        at = at or self.at
        for v in self.ledger.value_entries(source=source, source_entry_no=original_no):
            actual = -self._share(v.cost_amount_actual, done, new, total, self.money)
            expected = -self._share(v.cost_amount_expected, done, new, total, self.money)
            qty = posted_quantity(-self._share(v.valued_quantity, done, new, total, _QTY), _QTY)
            self.add_value(
                ValueEntry(
                    -(len(self.values) + 1),
                    v.entry_type,
                    v.source,
                    actual,
                    expected,
                    currency=v.currency,
                    valued_quantity=qty,
                    item_entry_no=new_ref if source is ValueSource.ITEM else None,
                    capacity_entry_no=new_ref if source is ValueSource.CAPACITY else None,
                    item_no=v.item_no,
                    order_id=order_id,
                    order_line_no=line_no,
                    variance_type=v.variance_type,
                    posted_at=at,
                    document_no=self.document_no,
                )
            )

    def reversal_date(self, original: dt.datetime, explicit: dt.datetime | None) -> dt.datetime:
        """BC: a reversal takes the original's posting date, unless one is given."""
        if explicit is None:
            return original
        if explicit < original:
            raise InvalidValueError(
                field="posted_at",
                value=explicit,
                reason=f"a reversal cannot be dated before the entry it reverses ({original})",
            )
        return explicit

    def reverse_item(
        self,
        entry_no: int,
        quantity: Decimal | None,
        include_flushed: bool,
        command: str,
        posted_at: dt.datetime | None = None,
    ) -> None:
        orig = self.ledger.item_entry(entry_no)
        if orig.applies_to_entry_no is not None:
            raise InvalidValueError(
                field="entry_no", value=entry_no, reason="a reversal cannot be reversed"
            )
        if orig.entry_type.is_adjustment:
            raise InvalidValueError(
                field="entry_no",
                value=entry_no,
                reason="an inventory adjustment is corrected by an opposite adjustment",
            )
        at = self.reversal_date(orig.posted_at, posted_at)
        item = self.md.item(orig.item_no)
        total = abs(orig.quantity)
        done = self.reversed(ValueSource.ITEM, entry_no)
        remaining = total - done
        if remaining <= 0:
            raise AlreadyReversedError(entry_id=entry_no)
        qty = remaining if quantity is None else posted_quantity(quantity, item.rounding)
        if qty <= 0:
            raise InvalidValueError(field="quantity", value=qty, reason="must be positive")
        if qty > remaining:
            raise InsufficientQuantityError(
                what=f"Reversal of item ledger entry {entry_no}",
                requested=qty,
                available=remaining,
            )
        order = self.order(orig.order_id, command=command)
        line = order.line(orig.order_line_no)
        sign = -1 if orig.quantity > 0 else 1
        if sign < 0 and not self.setup.allow_negative_inventory:
            on_hand = self.on_hand(orig.item_no, orig.location_code)
            if qty > on_hand:
                raise InsufficientQuantityError(
                    what=f"Inventory of {orig.item_no} to reverse output",
                    requested=qty,
                    available=on_hand,
                )
        cap_ref: int | None = None
        if orig.entry_type is ItemEntryType.OUTPUT and orig.capacity_entry_no is not None:
            cap = self.ledger.capacity_entry(orig.capacity_entry_no)
            cap_total = cap.output_quantity or Decimal(1)
            cap_share = qty * cap_total / total
            cap_ref = self.reverse_capacity(
                cap.entry_no, cap_share, include_flushed, command, via_output=True, posted_at=at
            )
        # scrap posted with an output of a line without routing (no capacity entry)
        scrap = posted_quantity(
            -self._share(orig.scrap_quantity, done, done + qty, total, item.rounding),
            item.rounding,
        )
        ref = self.add_item_entry(
            attrs.evolve(
                orig,
                quantity=sign * qty,
                capacity_entry_no=cap_ref,
                flushed_by_capacity_entry_no=None,
                applies_to_entry_no=entry_no,
                posted_at=at,
                document_no=self.document_no,
                reason=f"Reversal of entry {entry_no}",
                scrap_quantity=scrap,
            )
        )
        self.reverse_values(
            ValueSource.ITEM, entry_no, ref, done, done + qty, total, order.id, line.line_no, at
        )
        line = self.orders[order.id].line(line.line_no)
        if orig.entry_type is ItemEntryType.CONSUMPTION and orig.component_line_no is None:
            what = "by-product"  # negative consumption of no component: no counter moves
        elif orig.entry_type is ItemEntryType.CONSUMPTION:
            comp = line.component(orig.component_line_no or 0)
            self.put_component(
                order.id,
                line.line_no,
                attrs.evolve(
                    comp, consumed_quantity=comp.consumed_quantity - _in_unit(item, qty, comp.unit)
                ),
            )
            what = "consumption"
        else:
            self.put_line(
                order.id,
                attrs.evolve(
                    line,
                    finished_quantity=line.finished_quantity - _in_unit(item, qty, line.unit),
                    scrap_quantity=line.scrap_quantity + scrap,
                ),
            )
            what = "output"
        self.notes.append(f"Reversed {what} entry {entry_no}: {qty} {orig.unit} of {orig.item_no}")

    def reverse_capacity(
        self,
        entry_no: int,
        quantity: Decimal | None,
        include_flushed: bool,
        command: str,
        *,
        via_output: bool = False,
        posted_at: dt.datetime | None = None,
    ) -> int:
        orig = self.ledger.capacity_entry(entry_no)
        if orig.applies_to_entry_no is not None:
            raise InvalidValueError(
                field="entry_no", value=entry_no, reason="a reversal cannot be reversed"
            )
        at = posted_at if via_output and posted_at is not None else None
        at = at or self.reversal_date(orig.posted_at, posted_at)
        if (
            not via_output
            and orig.order_id is not None
            and orig.output_quantity
            and orig.last_output_line
        ):
            # its output went to inventory: reverse through the output entry
            for e in self.ledger.item_entries(order_id=orig.order_id):
                if e.capacity_entry_no == entry_no and e.applies_to_entry_no is None:
                    share = (
                        None
                        if quantity is None
                        else quantity * abs(e.quantity) / orig.output_quantity
                    )
                    self.reverse_item(e.entry_no, share, include_flushed, command, posted_at)
                    return 0
        total = orig.output_quantity or Decimal(1)
        done = self.reversed(ValueSource.CAPACITY, entry_no)
        remaining = total - done
        if remaining <= 0:
            raise AlreadyReversedError(entry_id=entry_no)
        qty = remaining if quantity is None else quantity
        if qty <= 0:
            raise InvalidValueError(field="quantity", value=qty, reason="must be positive")
        if qty > remaining:
            raise InsufficientQuantityError(
                what=f"Reversal of capacity ledger entry {entry_no}",
                requested=qty,
                available=remaining,
            )
        new = done + qty
        units = self.md.item(orig.item_no).rounding if orig.item_no is not None else _QTY

        def part(x: Decimal, rounding: Rounding = _QTY) -> Decimal:
            return posted_quantity(-self._share(x, done, new, total, rounding), rounding)

        order: ProductionOrder | None = None
        if orig.order_id is not None:
            order = self.order(orig.order_id, command=command)
        ref = self.add_capacity_entry(
            attrs.evolve(
                orig,
                quantity=part(orig.quantity),
                setup_time=part(orig.setup_time),
                run_time=part(orig.run_time),
                stop_time=part(orig.stop_time),
                output_quantity=part(orig.output_quantity, units),
                scrap_quantity=part(orig.scrap_quantity, units),
                finished=False,
                applies_to_entry_no=entry_no,
                applied_quantity=qty,
                posted_at=at,
                document_no=self.document_no,
            )
        )
        self.reverse_values(
            ValueSource.CAPACITY,
            entry_no,
            ref,
            done,
            new,
            total,
            orig.order_id,
            orig.order_line_no,
            at,
        )
        rev = self.caps[-ref - 1]
        if order is not None and orig.order_line_no is not None and orig.operation_no is not None:
            line = self.orders[order.id].line(orig.order_line_no)
            op = line.operation(orig.operation_no)
            setup_unit, run_unit = op.setup_time.unit, op.run_time.unit
            self.put_operation(
                order.id,
                line.line_no,
                attrs.evolve(
                    op,
                    output_quantity=op.output_quantity + rev.output_quantity,
                    scrap_quantity=op.scrap_quantity + rev.scrap_quantity,
                    posted_setup_time=op.posted_setup_time
                    + Duration(rev.setup_time, orig.time_unit).in_units(setup_unit),
                    posted_run_time=op.posted_run_time
                    + Duration(rev.run_time, orig.time_unit).in_units(run_unit),
                    status=RoutingStatus.IN_PROGRESS,
                ),
            )
            if op.is_last and rev.scrap_quantity:
                line = self.orders[order.id].line(line.line_no)
                self.put_line(
                    order.id,
                    attrs.evolve(line, scrap_quantity=line.scrap_quantity + rev.scrap_quantity),
                )
        self.notes.append(f"Reversed capacity entry {entry_no} ({orig.no}): {qty} of {total}")
        if include_flushed and orig.order_id is not None:
            for e in self.ledger.item_entries(order_id=orig.order_id):
                if e.flushed_by_capacity_entry_no == entry_no and e.applies_to_entry_no is None:
                    e_total = abs(e.quantity)
                    e_left = e_total - self.reversed(ValueSource.ITEM, e.entry_no)
                    rounding = self.md.item(e.item_no).rounding
                    share = min(self._share(e_total, done, new, total, rounding), e_left)
                    if share > 0:
                        self.reverse_item(e.entry_no, share, False, command, posted_at)
        return ref


# --- decisions ------------------------------------------------------------------------------


def decide_posting(
    command: PostingCommand,
    get_order: Callable[[str], ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerView,
    at: dt.datetime,
) -> Execution:
    """What ``command`` posts and how the orders change. Pure: raises to refuse."""
    b = _Builder(md, ledger, get_order, at, command.document_no or command.idempotency_key)
    match command:
        case PostConsumption():
            for cl in command.lines:
                b.consume(cl.order_id, cl.line_no, cl.component_line_no, cl.quantity)
        case PostOutput():
            for ol in command.lines:
                b.post_output(ol)
        case PostProductionJournal():
            b.order(command.order_id, command=command.name).line(command.line_no)
            for cl in command.consumption:
                if (cl.order_id, cl.line_no) != (command.order_id, command.line_no):
                    raise InvalidValueError(
                        field="consumption", value=cl, reason="belongs to another order line"
                    )
                b.consume(cl.order_id, cl.line_no, cl.component_line_no, cl.quantity)
            for ol in command.output:
                if (ol.order_id, ol.line_no) != (command.order_id, command.line_no):
                    raise InvalidValueError(
                        field="output", value=ol, reason="belongs to another order line"
                    )
                b.post_output(ol, command=command.name)
        case PostCapacity():
            for cap in command.lines:
                b.post_capacity(cap)
        case PickComponents():
            order = b.order(command.order_id, command=command.name)
            for pl in command.lines:
                line = b.orders[order.id].line(pl.line_no)
                comp = line.component(pl.component_line_no)
                comp = attrs.evolve(comp, picked_quantity=comp.picked_quantity + pl.quantity)
                b.put_component(order.id, line.line_no, comp)
                op = linked_operation(line, comp)
                due = op is None or operation_started(op)
                if comp.flushing_method.is_forward and comp.flushing_method.needs_pick and due:
                    qty = flushable(comp, comp.remaining_quantity)
                    b.consume(
                        order.id,
                        line.line_no,
                        comp.line_no,
                        qty,
                        reason="Forward flush from the pick",
                    )
        case ReverseEntry():
            _refuse_receipt_reversal(ledger, command.source, command.entry_no)
            if command.source is ValueSource.ITEM:
                b.reverse_item(
                    command.entry_no,
                    command.quantity,
                    command.include_flushed_consumption,
                    command.name,
                    command.posted_at,
                )
            else:
                b.reverse_capacity(
                    command.entry_no,
                    command.quantity,
                    command.include_flushed_consumption,
                    command.name,
                    posted_at=command.posted_at,
                )
        case AdjustInventory():
            for al in command.lines:
                b.adjust(al)
        case PostByProduct():
            for bl in command.lines:
                b.by_product(bl)
    return b.result(command.idempotency_key)


def _in_unit(item: Item, base_qty: Decimal, unit: str) -> Decimal:
    """``base_qty`` of ``item`` in ``unit`` (order line and component counters keep the
    line's or component's unit)."""
    per = item.qty_per_unit(unit)
    return base_qty if per == 1 else posted_quantity(base_qty / per, _QTY)


#: Description (prefix) of the capacity entry a subcontracting receipt posts.
SUBCONTRACT_RECEIPT = "Subcontracting receipt"

BY_PRODUCT = "By-product"
"""The reason of a by-product's item entry (:class:`PostByProduct`)."""
#: Description (prefix) of the capacity entry a quality scrap posts.
QUALITY_SCRAP = "Quality scrap"


def _refuse_receipt_reversal(ledger: LedgerView, source: ValueSource, entry_no: int) -> None:
    """BC: entries of a subcontracting receipt are taken back by undoing the receipt."""
    cap_no: int | None = entry_no
    if source is ValueSource.ITEM:
        cap_no = ledger.item_entry(entry_no).capacity_entry_no
    if cap_no is None:
        return
    description = ledger.capacity_entry(cap_no).description
    if description.startswith(SUBCONTRACT_RECEIPT):
        raise InvalidValueError(
            field="entry_no",
            value=entry_no,
            reason="posted by a subcontracting receipt: undo the receipt instead",
        )
    if description.startswith(QUALITY_SCRAP):
        raise InvalidValueError(
            field="entry_no", value=entry_no, reason="a quality scrap cannot be reversed"
        )


def _forward_output_line(order: ProductionOrder, line: OrderLine, op: Operation) -> OutputLine:
    if op.is_last:
        qty = line.remaining_quantity
    else:
        qty = max(line.quantity - op.output_quantity - op.scrap_quantity, ZERO)
    return _expected_output_line(order, line, op, qty, finished=True)


def _expected_output_line(
    order: ProductionOrder, line: OrderLine, op: Operation, qty: Decimal, *, finished: bool
) -> OutputLine:
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


def flush_at_release(
    order: ProductionOrder,
    md: MasterDataLookup,
    ledger: LedgerView,
    at: dt.datetime,
    document_no: str,
) -> Execution:
    """Forward flushing of a just-released order: forward operations post their expected
    output and time (which flushes their linked components), then unlinked forward
    components are consumed (pick variants: what is in the bin)."""
    b = _Builder(md, ledger, lambda _id: order, at, document_no)
    b.order(order.id, command="release")
    for line in order.lines:
        for op in line.operations:
            current = b.orders[order.id].line(line.line_no).operation(op.operation_no)
            if current.flushing_method.is_forward:
                b.post_output(
                    _forward_output_line(order, b.orders[order.id].line(line.line_no), current),
                    command="release",
                )
        for comp in b.orders[order.id].line(line.line_no).components:
            if comp.flushing_method.is_forward and linked_operation(line, comp) is None:
                b.consume(
                    order.id,
                    line.line_no,
                    comp.line_no,
                    flushable(comp, comp.remaining_quantity),
                    reason="Forward flush at release",
                    check_bin=False,
                )
    return b.result()


def flush_at_finish(
    order: ProductionOrder,
    md: MasterDataLookup,
    ledger: LedgerView,
    at: dt.datetime,
    document_no: str,
    *,
    finish_without_output: bool = False,
) -> Execution:
    """Backward flushing and BC's finish checks for a released order about to finish.

    Backward operations post from the last one down (the last posts the line's remaining
    quantity; earlier ones catch up to the last one's output + scrap); then unlinked
    backward components consume ``Qper × (output + scrap) × (1 + scrap %)`` less what is
    consumed. A line with consumption or capacity but no output is refused unless the
    setup and the command both allow finishing without output (counted gross, as BC
    does: reversed consumption still counts); such a line's WIP is then written off to
    Inventory Adjustment (a balanced ``WIP_WRITE_OFF`` value entry). Missing output or
    consumption become warnings. All operations end FINISHED.
    """
    from prodcore.orders.quality import check_finish_quality
    from prodcore.orders.subcontracting import check_finish_subcontracting

    check_finish_subcontracting(order)
    check_finish_quality(order)
    b = _Builder(md, ledger, lambda _id: order, at, document_no)
    b.order(order.id, command="finish")
    for line in order.lines:
        last_total: Decimal | None = None
        for op in reversed(line.operations):
            current_line = b.orders[order.id].line(line.line_no)
            current = current_line.operation(op.operation_no)
            if current.flushing_method.is_backward:
                if current.is_last:
                    qty = current_line.remaining_quantity
                else:
                    target = last_total if last_total is not None else current_line.quantity
                    qty = max(target - current.output_quantity - current.scrap_quantity, ZERO)
                jl = _expected_output_line(order, current_line, current, qty, finished=True)
                if qty or not jl.setup_time.is_zero():
                    b.post_output(jl, command="finish")
                    b.notes.append(f"Backward flushed operation {op.operation_no}: output {qty}")
                current = b.orders[order.id].line(line.line_no).operation(op.operation_no)
            if last_total is None:
                last_total = current.output_quantity + current.scrap_quantity
        current_line = b.orders[order.id].line(line.line_no)
        for comp in current_line.components:
            if comp.flushing_method.is_backward and linked_operation(current_line, comp) is None:
                rounding = md.item(comp.item_no).rounding
                need = needed_for_output(
                    comp, current_line.finished_quantity + current_line.scrap_quantity, rounding
                )
                qty = flushable(comp, max(need - comp.consumed_quantity, ZERO))
                b.consume(
                    order.id,
                    line.line_no,
                    comp.line_no,
                    qty,
                    reason="Backward flush at finish",
                    check_bin=False,
                )
        current_line = b.orders[order.id].line(line.line_no)
        if (
            current_line.finished_quantity == 0
            and not _co_products_with_output(b.orders[order.id])
            and b.has_consumption_or_capacity(order.id, line.line_no)
        ):
            if not (finish_without_output and md.setup.finish_order_without_output):
                raise InvalidTransitionError(
                    order_id=order.id,
                    status=order.status.value,
                    command="change status to FINISHED",
                    reason=f"Line {line.line_no} has consumption or capacity but no output.",
                )
            b.warnings.append(f"Line {line.line_no} is finished without output.")
            b.write_off_wip(order.id, current_line)
        if current_line.remaining_quantity > 0:
            b.warnings.append(
                f"Output is missing on line {line.line_no}: "
                f"{current_line.remaining_quantity} {current_line.unit} remaining."
            )
        for comp in current_line.components:
            if comp.remaining_quantity > 0:
                b.warnings.append(
                    f"Consumption is missing for {comp.item_no} (line {line.line_no}, "
                    f"component {comp.line_no}): {comp.remaining_quantity} {comp.unit} remaining."
                )
        b.put_line(
            order.id,
            attrs.evolve(
                current_line,
                operations=tuple(
                    attrs.evolve(o, status=RoutingStatus.FINISHED) for o in current_line.operations
                ),
            ),
        )
    return b.result()


# --- journals (pure helpers that preset lines) ---------------------------------------------


def _co_products_with_output(order: ProductionOrder) -> bool:
    """An order with co-products of which a line has output: its cost is shared over the
    lines at cost adjustment, so a line without output is no loss to write off."""
    return any(line.cost_share_percent is not None for line in order.lines) and any(
        line.finished_quantity != 0 for line in order.lines
    )


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
        qty = consumption_needed(line, comp, basis, md.item(comp.item_no).rounding)
        if comp.flushing_method.needs_pick:
            qty = flushable(comp, qty)
        if qty > 0:
            lines.append(ConsumptionLine(order.id, line.line_no, comp.line_no, qty))
    return tuple(lines)


def explode_routing(order: ProductionOrder, line_no: int) -> tuple[OutputLine, ...]:
    """BC's "Explode Routing": one output line per operation, preset with the expected
    output (remaining quantity), setup (if none posted yet) and run time for it."""
    line = order.line(line_no)
    if not line.operations:
        return (OutputLine(order.id, line.line_no, None, output_quantity=line.remaining_quantity),)
    return tuple(
        _expected_output_line(
            order,
            line,
            op,
            max(line.quantity - op.output_quantity, ZERO),
            finished=False,
        )
        for op in line.operations
    )


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
