"""The actual cost of a production order, read from its ledgers (pure).

Business Central ("Calc. Inventory Adjmt. - Order", ``design-details-production-order-
posting.md``) splits an order line's actual cost into the five shares:

* material: what the line consumed, at the cost posted (``−Σ`` consumption value entries,
  returns, reversals and by-products (negative consumption, a credit) included);
* capacity: the direct cost of its capacity entries on own work and machine centres;
* subcontracted: the direct cost of capacity entries on a work centre with a
  subcontractor;
* capacity overhead: the indirect cost of all its capacity entries;
* manufacturing overhead: ``(Mat + Cap + Sub + CapOvhd) × Indirect% / 100 +
  OverheadRate × OutputQty`` with the produced item's indirect % and overhead rate,
  rounded to the currency's amount precision.

While the order runs these figures are the *expected* actual cost (``final`` is False);
once it is finished they are final and :func:`~prodcore.costing.adjustment.adjust_cost`
posts them. :func:`wip_at` is the WIP balance of an order at any moment, from the G/L
WIP lines posted up to then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

import attrs

from prodcore.costing.shares import CostShares
from prodcore.errors import NotFoundError
from prodcore.ledger.balances import (
    CAPACITY_OVERHEAD,
    DIRECT_CAPACITY,
    MATERIAL,
    MATERIAL_TYPES,
    OUTPUT_QUANTITY,
)
from prodcore.ledger.model import (
    AccountRole,
    ItemEntryType,
    ItemLedgerEntry,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.ledger.reader import LedgerReader
from prodcore.numbers import HUNDRED, ZERO, Rounding, as_decimal, in_own_context, tuple_of
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.records import revise

__all__ = [
    "MATERIAL_TYPES",
    "CostLedger",
    "LineCost",
    "OrderCost",
    "WipBreakdown",
    "actual_cost",
    "line_direct_cost",
    "manufacturing_overhead",
    "wip_at",
    "wip_breakdown_at",
]


class CostLedger(LedgerReader, Protocol):
    """What the cost functions read: the ledger's read view and the balances an order's
    cost is made of (a store's :class:`~prodcore.ports.LedgerRepository` fits it).

    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> ledger: CostLedger = InMemoryUnitOfWork(InMemoryStore()).ledger
    >>> ledger.order_cost_sums("PO-1"), ledger.output_quantity("PO-1", 10000)
    ({}, Decimal('0'))
    """

    def output_quantity(self, order_id: str, line_no: int) -> Decimal:
        """The net output quantity posted on an order line (base unit)."""

    def order_cost_sums(self, order_id: str) -> dict[tuple[int, str], Decimal]:
        """The order's cost sums by (order line, kind), those not zero (see
        :func:`~prodcore.ledger.balances.order_cost_key`)."""

    def output_entries(self, order_id: str) -> list[ItemLedgerEntry]:
        """The order's output entries, in entry order."""

    def output_values(self, order_id: str) -> list[ValueEntry]:
        """The order's item value entries on its output entries or on no item entry."""


@attrs.frozen
class LineCost:
    """The actual cost of one order line, per share (exact sums of posted amounts; the
    manufacturing overhead rounded to the amount precision)."""

    line_no: int
    item_no: str
    output_quantity: Decimal = attrs.field(converter=as_decimal)
    actual: CostShares

    @property
    def total(self) -> Decimal:
        return self.actual.total


@attrs.frozen
class OrderCost:
    """The actual cost of an order, per line. ``final``: the order is finished (else the
    figures are what the order would cost if it were finished now)."""

    order_id: str
    final: bool
    lines: tuple[LineCost, ...] = attrs.field(validator=tuple_of(LineCost))

    @property
    def actual(self) -> CostShares:
        total = CostShares()
        for line in self.lines:
            total = total + line.actual
        return total

    @property
    def total(self) -> Decimal:
        return self.actual.total

    def line(self, line_no: int) -> LineCost:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise NotFoundError(kind=f"Line of order {self.order_id}", key=line_no)


def manufacturing_overhead(
    direct: CostShares,
    output_quantity: Decimal,
    *,
    indirect_percent: Decimal,
    overhead_rate: Decimal,
    rounding: Rounding,
) -> Decimal:
    """``(Mat + Cap + Sub + CapOvhd) × Indirect% / 100 + OverheadRate × OutputQty``, rounded.

    Example: (105 + 130 + 26) × 5 % + 1 × 10:

    >>> from decimal import Decimal as D
    >>> manufacturing_overhead(CostShares(material=105, capacity=130, capacity_overhead=26),
    ...     D(10), indirect_percent=D(5), overhead_rate=D(1), rounding=Rounding(D("0.01")))
    Decimal('23.05')
    """
    base = direct.material + direct.capacity + direct.subcontracted + direct.capacity_overhead
    return rounding.apply(base * indirect_percent / HUNDRED + overhead_rate * output_quantity)


@in_own_context
def actual_cost(order: ProductionOrder, ledger: CostLedger, md: MasterDataLookup) -> OrderCost:
    """The order's actual cost per line and share (see the module docstring), from the
    running sums the ledger keeps per order line as entries are posted
    (:meth:`CostLedger.order_cost_sums`, its output quantities included): no entry of
    the order is read. Value entries posted by cost adjustment
    (on output entries) are not cost; they are what adjustment did with it."""
    sums = ledger.order_cost_sums(order.id)
    rounding = md.setup.amount_rounding
    lines = []
    for line in order.lines:
        direct = line_direct_cost(line.line_no, sums, md)
        output = sums.get((line.line_no, OUTPUT_QUANTITY), ZERO)
        item = md.item(line.item_no)
        mo = manufacturing_overhead(
            direct,
            output,
            indirect_percent=item.indirect_cost_percent,
            overhead_rate=item.overhead_rate,
            rounding=rounding,
        )
        actual = revise(direct, manufacturing_overhead=mo)
        lines.append(LineCost(line.line_no, line.item_no, output, actual))
    return OrderCost(order.id, order.status is OrderStatus.FINISHED, tuple(lines))


def line_direct_cost(
    line_no: int, sums: Mapping[tuple[int, str], Decimal], md: MasterDataLookup
) -> CostShares:
    """An order line's direct cost shares (material, capacity, subcontracted, capacity
    overhead) from the order's cost sums: the material is minus what its consumption
    was valued at; a work centre's direct capacity cost is subcontracted or not as the
    centre is now.

    >>> from decimal import Decimal as D
    >>> from prodcore.masterdata import MasterData, WorkCenter
    >>> md = MasterData.of(work_centers=[WorkCenter("WELD"), WorkCenter("PAINT", subcontractor_no="V")])
    >>> line_direct_cost(10000, {(10000, "material"): D(-105), (10000, "direct:WELD"): D(130),
    ...                          (10000, "direct:PAINT"): D(12), (20000, "material"): D(-1)}, md)
    CostShares(material=Decimal('105'), capacity=Decimal('130'), subcontracted=Decimal('12'), \
capacity_overhead=Decimal('0'), manufacturing_overhead=Decimal('0'))
    """
    mat = cap = sub = ovhd = ZERO
    for (no, kind), amount in sums.items():
        if no != line_no:
            continue
        if kind == MATERIAL:
            mat -= amount
        elif kind == CAPACITY_OVERHEAD:
            ovhd += amount
        elif kind == OUTPUT_QUANTITY:
            continue
        elif md.work_center(kind.removeprefix(DIRECT_CAPACITY)).is_subcontracted:
            sub += amount
        else:
            cap += amount
    return CostShares(mat, cap, sub, ovhd, ZERO)


@in_own_context
def wip_at(ledger: LedgerReader, order_id: str, at: dt.datetime | dt.date) -> Decimal:
    """The WIP balance of ``order_id`` at ``at``: the sum of its G/L WIP lines posted up
    to then (a date includes the whole day). Exact at any moment, before or after
    cost adjustment."""
    entries = ledger.gl_entries(order_id=order_id)
    if isinstance(at, dt.datetime):
        return sum(
            (g.amount for g in entries if g.role is AccountRole.WIP and g.posted_at <= at), ZERO
        )
    return sum(
        (g.amount for g in entries if g.role is AccountRole.WIP and g.posted_at.date() <= at),
        ZERO,
    )


@attrs.frozen
class WipBreakdown:
    """An order's WIP at a moment by what moved it (D365's "in process" view): material
    consumed, capacity (direct) and overhead (capacity indirect and manufacturing
    overhead) absorbed, less output (finished items), variances and rounding posted by
    cost adjustment (``rounding`` also holds any other kind of value entry that moves
    WIP, such as a revaluation). ``total`` equals :func:`wip_at`."""

    material: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    capacity: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    overhead: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    output: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    variance: Decimal = attrs.field(default=ZERO, converter=as_decimal)
    rounding: Decimal = attrs.field(default=ZERO, converter=as_decimal)

    @property
    def total(self) -> Decimal:
        return (
            self.material
            + self.capacity
            + self.overhead
            + self.output
            + self.variance
            + self.rounding
        )


@in_own_context
def wip_breakdown_at(
    ledger: LedgerReader, order_id: str, at: dt.datetime | dt.date
) -> WipBreakdown:
    """:func:`wip_at`, split by what posted each WIP line (see :class:`WipBreakdown`)."""
    values = {v.entry_no: v for v in ledger.value_entries(order_id=order_id)}
    items = {e.entry_no: e for e in ledger.item_entries(order_id=order_id)}
    sums = dict.fromkeys(
        ("material", "capacity", "overhead", "output", "variance", "rounding"), ZERO
    )
    for g in ledger.gl_entries(order_id=order_id):
        if g.role is not AccountRole.WIP:
            continue
        moment = g.posted_at if isinstance(at, dt.datetime) else g.posted_at.date()
        if moment > at:
            continue
        v = values.get(g.value_entry_no)
        if v is None:
            continue
        if v.entry_type is ValueEntryType.VARIANCE:
            key = "variance"
        elif v.entry_type is ValueEntryType.INDIRECT_COST:
            key = "overhead"
        elif v.entry_type is not ValueEntryType.DIRECT_COST:
            key = "rounding"  # rounding, revaluation and any other adjustment
        elif v.source is ValueSource.CAPACITY:
            key = "capacity"
        else:
            ile = items.get(v.item_entry_no) if v.item_entry_no is not None else None
            consumed = ile is not None and ile.entry_type is ItemEntryType.CONSUMPTION
            key = "material" if consumed else "output"
        sums[key] += g.amount
    return WipBreakdown(**sums)
