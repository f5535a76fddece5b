"""The posting builder: one batch of ledger entries, built while the orders stay current.

Every posting decision (:func:`~prodcore.orders.execution.decide_posting`, release and
finish flushing, quality and subcontracting) creates one :class:`PostingBuilder`, calls
the operations (:mod:`~prodcore.orders.consumption`, :mod:`~prodcore.orders.output`,
:mod:`~prodcore.orders.capacity`, :mod:`~prodcore.orders.reversal`) on it, and returns
:meth:`PostingBuilder.result`: the changed orders and one balanced batch.

The builder owns the bookkeeping the operations share: the orders read so far (and
changed), the entries of the batch with their local (negative) numbers, and what those
entries change in on-hand and reversed quantities before the batch is appended. Its
entry factories (:meth:`~PostingBuilder.item_entry`, :meth:`~PostingBuilder.capacity_entry`,
:meth:`~PostingBuilder.value_entry`) fill the number, date, document number and currency
once. The batch's G/L lines derive from its value entries and the posting setup (read
when built) by :func:`~prodcore.ledger.posting.gl_lines`: the builder makes none.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from decimal import Decimal

import attrs

from prodcore.errors import InvalidTransitionError, NotAllowedError
from prodcore.ledger.balances import applied_from
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    EntryOrigin,
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    VarianceType,
)
from prodcore.ledger.periods import check_posting_date, posting_moment
from prodcore.ledger.posting import posted_quantity
from prodcore.ledger.reader import LedgerReader
from prodcore.ledger.valuation import BatchCosts
from prodcore.masterdata import CapacityType, CostingMethod, Item, MachineCenter, WorkCenter
from prodcore.numbers import ZERO, Rounding, TimeUnit
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import Component, Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.records import revise

__all__ = [
    "BY_PRODUCT",
    "CAPACITY_QUANTITY",
    "LEDGER_QUANTITY",
    "QUALITY_SCRAP",
    "SUBCONTRACT_RECEIPT",
    "Execution",
    "PostingBuilder",
    "capacity_quantity",
    "in_unit",
]

#: The precision of quantities the ledger computes itself (shares of reversals...).
LEDGER_QUANTITY = Rounding(Decimal("0.00001"))

#: The precision of capacity quantities and times (BC's ``UOMMgt.TimeRndPrecision``):
#: 20 minutes on an hour-based centre post as 0.33333 h, the rest kept as the entry's
#: ``rounding_residual``.
CAPACITY_QUANTITY = Rounding(Decimal("0.00001"))

#: Description (prefix) of the capacity entry a subcontracting receipt posts.
SUBCONTRACT_RECEIPT = "Subcontracting receipt"
#: The reason of a by-product's item entry (:class:`~prodcore.orders.journals.PostByProduct`).
BY_PRODUCT = "By-product"
#: Description (prefix) of the capacity entry a quality scrap posts.
QUALITY_SCRAP = "Quality scrap"


@attrs.frozen
class Execution:
    """A decision: the changed orders (versions not yet bumped), the batch to append,
    warnings (finish checks) and notes (what was flushed or reversed)."""

    orders: tuple[ProductionOrder, ...]
    batch: PostingBatch
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def in_unit(item: Item, base_qty: Decimal, unit: str) -> Decimal:
    """``base_qty`` of ``item`` in ``unit`` (order line and component counters keep the
    line's or component's unit).

    >>> from prodcore.masterdata import Item, ItemUnitOfMeasure
    >>> box = Item("SCREW", base_unit="PCS", units=(ItemUnitOfMeasure("BOX", qty_per_base=100),))
    >>> in_unit(box, Decimal(250), "BOX"), in_unit(box, Decimal(250), "PCS")
    (Decimal('2.5'), Decimal('250'))
    """
    per = item.qty_per_unit(unit)
    return base_qty if per == 1 else posted_quantity(base_qty / per, LEDGER_QUANTITY)


def capacity_quantity(value: Decimal) -> Decimal:
    """A capacity quantity or time as a capacity entry carries it: at
    :data:`CAPACITY_QUANTITY`, without trailing zeros.

    >>> capacity_quantity(Decimal(20) / Decimal(60)), capacity_quantity(Decimal("1.50000"))
    (Decimal('0.33333'), Decimal('1.5'))
    """
    return posted_quantity(value, CAPACITY_QUANTITY)


def _changed(new: tuple[object, ...], old: tuple[object, ...]) -> bool:
    """Whether ``new`` holds another object than ``old`` anywhere (same length)."""
    return any(map(operator.is_not, new, old))


class _LineParts:
    """An order line's components and operations by number, read once, and those put
    (see :meth:`PostingBuilder.parts_together`)."""

    __slots__ = ("comps", "line", "ops", "put_comp_nos", "put_op_nos")

    def __init__(self, line: OrderLine) -> None:
        self.line = line
        self.comps: dict[int, Component] | None = None
        self.ops: dict[str, Operation] | None = None
        self.put_comp_nos: dict[int, None] = {}  # ordered sets of what was put
        self.put_op_nos: dict[str, None] = {}

    def component(self, no: int) -> Component:
        if self.comps is None:
            self.comps = {c.line_no: c for c in self.line.components}
        found = self.comps.get(no)
        return self.line.component(no) if found is None else found  # refuses unknown

    def operation(self, no: str) -> Operation:
        if self.ops is None:
            self.ops = {o.operation_no: o for o in self.line.operations}
        found = self.ops.get(no)
        return self.line.operation(no) if found is None else found

    def put_component(self, comp: Component) -> None:
        self.component(comp.line_no)  # an unknown one is refused now
        assert self.comps is not None
        self.comps[comp.line_no] = comp
        self.put_comp_nos[comp.line_no] = None

    def put_operation(self, op: Operation) -> None:
        self.operation(op.operation_no)
        assert self.ops is not None
        self.ops[op.operation_no] = op
        self.put_op_nos[op.operation_no] = None

    def put_comps(self) -> list[Component]:
        return [self.comps[no] for no in self.put_comp_nos] if self.comps is not None else []

    def put_ops(self) -> list[Operation]:
        return [self.ops[no] for no in self.put_op_nos] if self.ops is not None else []


class _PartsTogether:
    """:meth:`PostingBuilder.parts_together` (a class: it is entered per consumption)."""

    __slots__ = ("builder",)

    def __init__(self, builder: PostingBuilder) -> None:
        self.builder = builder

    def __enter__(self) -> None:
        self.builder._parts = {}

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.builder._put_kept()
        else:  # refused: the decision is dropped
            self.builder._parts = None


class PostingBuilder:
    """One posting batch under construction, with the orders it changes.

    ``get_order`` reads an order the first time the builder needs it; later reads see
    the builder's current copy. ``document_no`` and ``at`` date and number every entry.

    >>> import datetime as dt
    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> from prodcore.ledger.model import ItemEntryType
    >>> from prodcore.masterdata import Item, MasterData
    >>> md = MasterData.of(items=[Item("BOLT", base_unit="PCS", unit_cost=Decimal(2))])
    >>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
    >>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    >>> b = PostingBuilder(md, ledger, lambda order_id: None, at, "ADJ-1")
    >>> ref = b.item_entry(ItemEntryType.POSITIVE_ADJUSTMENT, "BOLT", Decimal(5), unit="PCS")
    >>> b.item_value(ref, "BOLT", Decimal(5), Decimal(2))
    >>> batch = b.result().batch
    >>> batch.item_entries[0].entry_no, batch.item_entries[0].document_no
    (-1, 'ADJ-1')
    >>> [(g.role.value, g.amount) for g in batch.gl_entries]
    [('INVENTORY', Decimal('10.00')), ('INVENTORY_ADJUSTMENT', Decimal('-10.00'))]
    >>> b.on_hand("BOLT", "")
    Decimal('5')
    """

    def __init__(
        self,
        md: MasterDataLookup,
        ledger: LedgerReader,
        get_order: Callable[[str], ProductionOrder],
        at: dt.datetime,
        document_no: str,
    ) -> None:
        self.md = md
        self.ledger = ledger
        self.get_order = get_order
        self.at = at
        #: the clock: when the batch is registered, whatever date its entries post at
        self.registered_at = at
        self.document_no = document_no
        self.setup = md.setup
        self.accounts = ledger.posting_setup
        self.money = self.setup.amount_rounding
        self.orders: dict[str, ProductionOrder] = {}
        self._items_read: dict[str, Item] = {}
        self.items: list[ItemLedgerEntry] = []
        self.caps: list[CapacityLedgerEntry] = []
        self.values: list[ValueEntry] = []
        self.on_hand_delta: dict[tuple[str, str], Decimal] = {}
        self.bin_delta: dict[tuple[str, str, str], Decimal] = {}
        self.reversed_delta: dict[tuple[ValueSource, int], Decimal] = {}
        self.warnings: list[str] = []
        self.notes: list[str] = []
        #: what the batch's outbound entries are valued at, kept as the batch grows
        self.costs = BatchCosts(ledger, self.items)
        # inside :meth:`parts_together`: per order line, its components and operations
        # by number (kept aside, put on the line at the end) and those put
        self._parts: dict[tuple[str, int], _LineParts] | None = None

    @contextmanager
    def dated(self, posting_date: dt.date | None) -> Iterator[None]:
        """Entries made inside post at ``posting_date`` (None: as before)."""
        before = self.at
        if posting_date is not None:
            self.at = posting_moment(self.registered_at, posting_date)
        try:
            yield
        finally:
            self.at = before

    @property
    def _registered(self) -> dt.datetime | None:
        return self._registered_for(self.at)

    def _registered_for(self, posted_at: dt.datetime) -> dt.datetime | None:
        """An entry's ``registered_at``: the clock when it posts at another moment."""
        at = self.registered_at
        return None if posted_at is at or posted_at == at else at

    # --- orders ---------------------------------------------------------------------------

    def order(
        self, order_id: str, *, released: bool = True, command: str = "post"
    ) -> ProductionOrder:
        """The current copy of an order; with ``released`` (the default) refuse an order
        that is not released (only released orders take postings)."""
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
        if released and order.posting_refusal is not None:
            raise NotAllowedError(
                action=f"{command} on order {order.id}", reason=order.posting_refusal
            )
        return order

    def put_order(self, order: ProductionOrder) -> None:
        self.orders[order.id] = order

    # Each put keeps every part it is not given as the same object (and the order itself
    # when nothing changes): decisions, caches and the store compare by identity first.

    def put_line(self, order_id: str, line: OrderLine) -> None:
        self.orders[order_id] = self.orders[order_id].replace_line(line)

    def put_component(self, order_id: str, line_no: int, comp: Component) -> None:
        if self._parts is not None:
            self._line_parts(order_id, line_no).put_component(comp)
        else:
            self.put_components(order_id, line_no, (comp,))

    def put_components(self, order_id: str, line_no: int, comps: Iterable[Component]) -> None:
        """Put ``comps`` (by component line number) on the order line at once: the line
        and the order are rebuilt once, not once per component; the components not
        given stay the same objects, and the order too when nothing changes.

        >>> import datetime as dt
        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> from prodcore.masterdata import MasterData
        >>> from prodcore.records import revise
        >>> a, b, c = (Component(n, f"C{n}", "PCS", 1, 5) for n in (1, 2, 3))
        >>> order = ProductionOrder("PO-1", OrderStatus.RELEASED, "P", 5,
        ...     due_date=dt.date(2026, 3, 9), lines=(OrderLine(1, "P", 5, components=(a, b, c)),))
        >>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
        >>> builder = PostingBuilder(MasterData.of(), ledger, lambda _id: order,
        ...     dt.datetime(2026, 3, 2, tzinfo=dt.UTC), "D")
        >>> _ = builder.order("PO-1")
        >>> builder.put_components("PO-1", 1, (a, c))
        >>> builder.orders["PO-1"] is order
        True
        >>> builder.put_components("PO-1", 1, (revise(a, consumed_quantity=5), c))
        >>> after = builder.orders["PO-1"].lines[0].components
        >>> [x.consumed_quantity for x in after], after[1] is b, after[2] is c
        ([Decimal('5'), Decimal('0'), Decimal('0')], True, True)
        """
        self._put_parts(order_id, line_no, comps, ())

    def put_operation(self, order_id: str, line_no: int, op: Operation) -> None:
        if self._parts is not None:
            self._line_parts(order_id, line_no).put_operation(op)
        else:
            self.put_operations(order_id, line_no, (op,))

    def put_operations(self, order_id: str, line_no: int, ops: Iterable[Operation]) -> None:
        """Put ``ops`` (by operation number) on the order line at once."""
        self._put_parts(order_id, line_no, (), ops)

    def _put_parts(
        self, order_id: str, line_no: int, comps: Iterable[Component], ops: Iterable[Operation]
    ) -> None:
        """Put ``comps`` and ``ops`` on the order line: the line is rebuilt once (not at
        all when nothing changes)."""
        line = self.orders[order_id].line(line_no)
        given_comps = {c.line_no: c for c in comps}
        given_ops = {o.operation_no: o for o in ops}
        changes: dict[str, tuple[object, ...]] = {}
        if given_comps:
            new_comps = tuple(given_comps.get(c.line_no, c) for c in line.components)
            if _changed(new_comps, line.components):
                changes["components"] = new_comps
        if given_ops:
            new_ops = tuple(given_ops.get(o.operation_no, o) for o in line.operations)
            if _changed(new_ops, line.operations):
                changes["operations"] = new_ops
        if changes:
            self.put_line(order_id, revise(line, **changes))

    def parts_together(self) -> AbstractContextManager[None]:
        """Inside, the components and operations put (:meth:`put_component`,
        :meth:`put_operation`) are kept aside, read back with :meth:`component` and
        :meth:`operation`, and put on their lines at the end, each line rebuilt once:
        n puts on one line do not rebuild it (and its order) n times. Inside, a line put
        (:meth:`put_line`) must not change its components or operations, and the
        components and operations are read with :meth:`component` and :meth:`operation`
        (the order's copy is behind). Nested, the outermost puts them.

        >>> import datetime as dt
        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> from prodcore.masterdata import MasterData
        >>> a, b = (Component(n, f"C{n}", "PCS", 1, 5) for n in (1, 2))
        >>> order = ProductionOrder("PO-1", OrderStatus.RELEASED, "P", 5,
        ...     due_date=dt.date(2026, 3, 9), lines=(OrderLine(1, "P", 5, components=(a, b)),))
        >>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
        >>> builder = PostingBuilder(MasterData.of(), ledger, lambda _id: order,
        ...     dt.datetime(2026, 3, 2, tzinfo=dt.UTC), "D")
        >>> _ = builder.order("PO-1")
        >>> with builder.parts_together():
        ...     for _ in range(3):
        ...         comp = builder.component("PO-1", 1, 1)
        ...         more = comp.consumed_quantity + 1
        ...         builder.put_component("PO-1", 1, revise(comp, consumed_quantity=more))
        ...     builder.orders["PO-1"] is order  # not put yet
        True
        >>> after = builder.orders["PO-1"].lines[0].components
        >>> after[0].consumed_quantity, after[1] is b
        (Decimal('3'), True)
        """
        return nullcontext() if self._parts is not None else _PartsTogether(self)

    def _put_kept(self) -> None:
        """Put the parts :meth:`parts_together` kept aside; keep none from now on."""
        parts, self._parts = self._parts, None
        for (order_id, line_no), kept in (parts or {}).items():
            self._put_parts(order_id, line_no, kept.put_comps(), kept.put_ops())

    def _line_parts(self, order_id: str, line_no: int) -> _LineParts:
        assert self._parts is not None
        kept = self._parts.get((order_id, line_no))
        if kept is None:
            kept = self._parts[order_id, line_no] = _LineParts(self.orders[order_id].line(line_no))
        return kept

    def component(self, order_id: str, line_no: int, comp_line_no: int) -> Component:
        """The current component ``comp_line_no`` of an order line (read first with
        :meth:`order`); refused (:class:`~prodcore.errors.NotFoundError`) when unknown."""
        if self._parts is None:
            return self.orders[order_id].line(line_no).component(comp_line_no)
        return self._line_parts(order_id, line_no).component(comp_line_no)

    def operation(self, order_id: str, line_no: int, operation_no: str) -> Operation:
        """The current operation ``operation_no`` of an order line, as :meth:`component`."""
        if self._parts is None:
            return self.orders[order_id].line(line_no).operation(operation_no)
        return self._line_parts(order_id, line_no).operation(operation_no)

    # --- master data ------------------------------------------------------------------------

    def item(self, no: str) -> Item:
        """The item ``no`` of the master data, read once per decision and then kept: a
        decision sees one state of the master data, and its entries, tracking checks
        and flushes ask for the same items again and again.

        >>> import datetime as dt
        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> from prodcore.masterdata import MasterData
        >>> md = MasterData.of(items=[Item("BOLT", base_unit="PCS")])
        >>> ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
        >>> b = PostingBuilder(md, ledger, lambda _id: None, dt.datetime(2026, 3, 2, tzinfo=dt.UTC), "D")
        >>> b.item("BOLT") is b.item("BOLT"), b.item("BOLT").base_unit
        (True, 'PCS')
        """
        found = self._items_read.get(no)
        if found is None:
            found = self._items_read[no] = self.md.item(no)  # an unknown item is refused
        return found

    def centre(self, type_: CapacityType, no: str) -> tuple[WorkCenter, MachineCenter | None]:
        """A work centre, or a machine centre with its work centre."""
        if type_ is CapacityType.MACHINE_CENTER:
            mc = self.md.machine_center(no)
            return self.md.work_center(mc.work_center_no), mc
        return self.md.work_center(no), None

    # --- the ledger as it will be after the batch -----------------------------------------

    def on_hand(self, item_no: str, location: str) -> Decimal:
        return self.ledger.on_hand(item_no, location) + self.on_hand_delta.get(
            (item_no, location), ZERO
        )

    def on_hand_in_bin(self, item_no: str, location: str, bin_code: str) -> Decimal:
        key = (item_no, location, bin_code)
        return self.ledger.on_hand_in_bin(*key) + self.bin_delta.get(key, ZERO)

    def reversed(self, source: ValueSource, entry_no: int) -> Decimal:
        return self.ledger.reversed_quantity(source, entry_no) + self.reversed_delta.get(
            (source, entry_no), ZERO
        )

    # --- entry factories --------------------------------------------------------------------

    def add_item_entry(self, entry: ItemLedgerEntry) -> int:
        """Append ``entry`` (its number replaced by the next local one); returns it."""
        ref = -(len(self.items) + 1)
        if entry.entry_no != ref:  # the factories build it with its number already
            entry = revise(entry, entry_no=ref)
        self.items.append(entry)
        key = (entry.item_no, entry.location_code)
        self.on_hand_delta[key] = self.on_hand_delta.get(key, ZERO) + entry.quantity
        bin_key = (*key, entry.bin_code)
        self.bin_delta[bin_key] = self.bin_delta.get(bin_key, ZERO) + entry.quantity
        taken_from = applied_from(entry)
        if taken_from is not None:
            rkey = (ValueSource.ITEM, taken_from)
            self.reversed_delta[rkey] = self.reversed_delta.get(rkey, ZERO) + abs(entry.quantity)
        return ref

    def add_capacity_entry(self, entry: CapacityLedgerEntry) -> int:
        """Append ``entry`` (its number replaced by the next local one); returns it."""
        ref = -(len(self.caps) + 1)
        self.caps.append(entry if entry.entry_no == ref else revise(entry, entry_no=ref))
        if entry.applies_to_entry_no is not None:
            rkey = (ValueSource.CAPACITY, entry.applies_to_entry_no)
            self.reversed_delta[rkey] = self.reversed_delta.get(rkey, ZERO) + entry.applied_quantity
        return ref

    def item_entry(
        self,
        entry_type: ItemEntryType,
        item_no: str,
        quantity: Decimal,
        *,
        unit: str,
        location_code: str = "",
        order_id: str = "",
        order_line_no: int = 0,
        component_line_no: int | None = None,
        operation_no: str | None = None,
        capacity_entry_no: int | None = None,
        flushed_by_capacity_entry_no: int | None = None,
        applies_to_entry_no: int | None = None,
        reason: str = "",
        scrap_quantity: Decimal = ZERO,
        bin_code: str = "",
        applies_from_entry_no: int | None = None,
    ) -> int:
        """Append a new item ledger entry of this batch; returns its local number."""
        return self.add_item_entry(
            ItemLedgerEntry(
                -(len(self.items) + 1),
                entry_type,
                item_no,
                quantity,
                unit=unit,
                location_code=location_code,
                order_id=order_id,
                order_line_no=order_line_no,
                component_line_no=component_line_no,
                operation_no=operation_no,
                capacity_entry_no=capacity_entry_no,
                flushed_by_capacity_entry_no=flushed_by_capacity_entry_no,
                applies_to_entry_no=applies_to_entry_no,
                posted_at=self.at,
                registered_at=self._registered,
                document_no=self.document_no,
                reason=reason,
                scrap_quantity=scrap_quantity,
                bin_code=bin_code,
                applies_from_entry_no=applies_from_entry_no,
            )
        )

    def capacity_entry(
        self,
        type_: CapacityType,
        no: str,
        work_center_no: str,
        quantity: Decimal,
        *,
        time_unit: TimeUnit,
        setup_time: Decimal = ZERO,
        run_time: Decimal = ZERO,
        stop_time: Decimal = ZERO,
        output_quantity: Decimal = ZERO,
        scrap_quantity: Decimal = ZERO,
        scrap_code: str | None = None,
        stop_code: str | None = None,
        order: tuple[str, OrderLine, Operation] | None = None,
        last_output_line: bool = False,
        finished: bool = False,
        description: str = "",
        origin: EntryOrigin = EntryOrigin.ORDINARY,
        operation_times: tuple[Decimal, Decimal] | None = None,
    ) -> int:
        """Append a new capacity ledger entry of this batch; returns its local number.

        ``order`` (order id, line, operation) ties the entry to an operation: it fills
        the order, line, operation and item numbers; without it the entry is a capacity
        journal's (no order). The quantity and times are rounded with
        :func:`capacity_quantity`; what the quantity lost is its ``rounding_residual``."""
        order_id, line, op = order if order is not None else (None, None, None)
        posted = capacity_quantity(quantity)
        return self.add_capacity_entry(
            CapacityLedgerEntry(
                -(len(self.caps) + 1),
                type_,
                no,
                work_center_no,
                posted,
                rounding_residual=quantity - posted,
                time_unit=time_unit,
                setup_time=capacity_quantity(setup_time),
                run_time=capacity_quantity(run_time),
                stop_time=capacity_quantity(stop_time),
                output_quantity=output_quantity,
                scrap_quantity=scrap_quantity,
                scrap_code=scrap_code,
                stop_code=stop_code,
                order_id=order_id,
                order_line_no=None if line is None else line.line_no,
                operation_no=None if op is None else op.operation_no,
                item_no=None if line is None else line.item_no,
                last_output_line=last_output_line,
                finished=finished,
                posted_at=self.at,
                registered_at=self._registered,
                document_no=self.document_no,
                description=description,
                origin=origin,
                operation_times=operation_times,
            )
        )

    def value_entry(
        self,
        entry_type: ValueEntryType,
        source: ValueSource,
        actual: Decimal,
        expected: Decimal,
        *,
        valued_quantity: Decimal = ZERO,
        item_entry_no: int | None = None,
        capacity_entry_no: int | None = None,
        item_no: str | None = None,
        order_id: str | None = None,
        order_line_no: int | None = None,
        variance_type: VarianceType | None = None,
        rounding_residual: Decimal = ZERO,
        currency: str | None = None,
        posted_at: dt.datetime | None = None,
    ) -> None:
        """Append a new value entry of this batch (``currency`` default: the setup's;
        ``posted_at`` default: the batch's) with its G/L lines."""
        value = ValueEntry(
            -(len(self.values) + 1),
            entry_type,
            source,
            actual,
            expected,
            currency=self.setup.currency if currency is None else currency,
            valued_quantity=valued_quantity,
            item_entry_no=item_entry_no,
            capacity_entry_no=capacity_entry_no,
            item_no=item_no,
            order_id=order_id,
            order_line_no=order_line_no,
            variance_type=variance_type,
            rounding_residual=rounding_residual,
            posted_at=self.at if posted_at is None else posted_at,
            registered_at=self._registered
            if posted_at is None
            else self._registered_for(posted_at),
            document_no=self.document_no,
        )
        self.values.append(value)

    def item_value(
        self,
        item_entry_no: int,
        item_no: str,
        quantity: Decimal,
        unit_cost: Decimal,
        *,
        sign: int = 1,
        expected: bool = False,
        order_id: str | None = None,
        order_line_no: int | None = None,
    ) -> None:
        """The direct cost of an item entry: ``quantity × unit_cost`` rounded to the
        currency (the rest kept as rounding residual), times ``sign``; as expected cost
        with ``expected`` (output before cost adjustment), else actual."""
        cost = quantity * unit_cost
        amount = self.money.apply(cost)
        signed = sign * amount
        self.value_entry(
            ValueEntryType.DIRECT_COST,
            ValueSource.ITEM,
            ZERO if expected else signed,
            signed if expected else ZERO,
            valued_quantity=sign * quantity,
            item_entry_no=item_entry_no,
            item_no=item_no,
            order_id=order_id,
            order_line_no=order_line_no,
            rounding_residual=sign * (cost - amount),
        )

    # --- the result -------------------------------------------------------------------------

    def result(self, idempotency_key: str | None = None) -> Execution:
        """The decision: the orders read (as changed) and the balanced batch; refused
        (:class:`~prodcore.errors.PostingDateError`) when an entry is dated outside the
        setup's allowed posting dates."""
        action = f"post document {self.document_no}"
        days = {e.posted_at.date() for e in self.items}
        days.update(e.posted_at.date() for e in self.caps)
        days.update(e.posted_at.date() for e in self.values)
        for day in sorted(days):
            check_posting_date(self.setup, day, action)
        batch = PostingBatch.build(
            document_no=self.document_no,
            posted_at=self.at,
            item_entries=tuple(self.items),
            capacity_entries=tuple(self.caps),
            value_entries=tuple(self.values),
            idempotency_key=idempotency_key,
            gl_setup=self.accounts,
        )
        if self.setup.average_cost_period.is_periodic:
            # a new entry changes its period's average: item cost adjustment revalues
            batch = revise(
                batch,
                cost_marked=tuple(
                    e.entry_no
                    for e in self.items
                    if self.item(e.item_no).costing_method is CostingMethod.AVERAGE
                ),
            )
        return Execution(
            tuple(self.orders.values()), batch, tuple(self.warnings), tuple(self.notes)
        )
