"""Cost adjustment of finished orders (BC's "Adjust Cost – Item Entries", order level).

For a **finished** order, :func:`prodcore.app.adjust_cost` posts, per order line, value entries on the
line's output entries so that the order's WIP is cleared:

1. **expected → actual**: each output entry's expected cost is reversed and actual cost
   posted (``actual +a, expected −e``). A Standard-cost item keeps its
   output at the standard it was posted at (``a = e``); any other item (Average, FIFO...)
   takes the line's actual cost (all five shares) at one unit cost over its output
   entries (each rounded; a fully reversed output takes exactly minus its reversals;
   the rest goes to the last output not reversed).
2. **manufacturing overhead** ``o`` (see :func:`~prodcore.costing.actual.manufacturing_overhead`)
   as an ``INDIRECT_COST`` value entry on the output: absorbed by the order, G/L
   ``WIP +o / Overhead Applied −o`` (like capacity overhead).
3. **variances** (Standard-cost items, and any line without output): per BC share,
   ``variance = actual − standard`` with ``standard = round(OutputQty × single-level
   share)``, as ``VARIANCE`` value entries on the output (G/L ``Variance +v / WIP −v``,
   prodcore's convention of :func:`~prodcore.ledger.posting.gl_lines`; BC writes the
   same amount with the opposite sign on the output and credits inventory instead).
4. **rounding**: what is left on the order's WIP after 1–3 (the standard shares rounded
   one by one against the output valued at the unit standard cost) as a ``ROUNDING``
   value entry, G/L ``Inventory Adjustment +r / WIP −r``. The order's WIP is then
   exactly zero.

Steps 2–4 go on the line's last output entry that is not fully reversed (on no item
entry if none is left). An output entry's inventory value is the sum of its
``DIRECT_COST`` entries; the ``INDIRECT_COST``, ``VARIANCE`` and ``ROUNDING`` entries of
adjustment move WIP against the overhead, variance and adjustment accounts, not inventory.

**Co-products** (an order created with ``co_products``): before step 1 the order's actual
cost is shared over its lines by their cost shares, each of the five shares with
:func:`~prodcore.costing.allocation.allocate_cost`'s rule (each part rounded, the rest
to the largest share), and each line is then adjusted with its part as its actual cost:
a non-standard co-product's output takes its part, a Standard-cost one keeps its
standard and its variances are, per type, its part of that type's actual cost less its
own standard of that type. The manufacturing overhead shared is the order's total (each
line's own, from its item), frozen at the first adjustment like a single line's.

Adjustment is idempotent by content: every amount is a target minus what earlier
adjustments already posted, so adjusting twice posts nothing new; the same idempotency
key returns the first result. A refused adjustment (the order is not finished) raises
:class:`~prodcore.errors.InvalidTransitionError` and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs

from prodcore.costing.actual import CostLedger, LineCost, OrderCost, actual_cost
from prodcore.costing.allocation import allocate_line_costs, order_plan
from prodcore.costing.derived import derived
from prodcore.costing.rollup import roll_up
from prodcore.costing.shares import SHARE_NAMES, CostShares
from prodcore.ledger.model import (
    ItemEntryType,
    ItemLedgerEntry,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    VarianceType,
)
from prodcore.ledger.posting import wip_change
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import CostingMethod, MasterData
from prodcore.numbers import ZERO, Rounding
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import ProductionOrder
from prodcore.ports import MasterDataRepository

__all__ = [
    "VARIANCE_TYPES",
    "AdjustCost",
    "adjust_document",
    "adjustment_entries",
    "allocate_by_quantity",
    "current_standard_shares",
    "forward_document",
    "posted_variances",
    "standard_shares",
]

VARIANCE_TYPES: Mapping[str, VarianceType] = {
    "material": VarianceType.MATERIAL,
    "capacity": VarianceType.CAPACITY,
    "subcontracted": VarianceType.SUBCONTRACTED,
    "capacity_overhead": VarianceType.CAPACITY_OVERHEAD,
    "manufacturing_overhead": VarianceType.MANUFACTURING_OVERHEAD,
}
"""BC's variance type of each cost share."""


def adjust_document(order_id: str) -> str:
    """The document of an order's cost adjustment entries.

    >>> adjust_document("PO-1"), forward_document("PO-1")
    ('PO-1/adjust', 'PO-1/forward')
    """
    return f"{order_id}/adjust"


def forward_document(order_id: str) -> str:
    """The document of the entries item cost adjustment
    (:mod:`prodcore.costing.item_adjustment`) posts into an order: its consumption's
    new cost and, once the order is adjusted, the output or variance that takes it."""
    return f"{order_id}/forward"


def allocate_by_quantity(
    total: Decimal, quantities: Sequence[Decimal], rounding: Rounding
) -> tuple[Decimal, ...]:
    """Split ``total`` in proportion to ``quantities``: each part rounded, the rest to the
    part with the largest absolute quantity (the first of equals); the parts add up to
    ``total`` exactly. All zero when the quantities add up to zero.

    >>> from decimal import Decimal as D
    >>> allocate_by_quantity(D("10.00"), [D(1), D(1), D(1)], Rounding(D("0.01")))
    (Decimal('3.34'), Decimal('3.33'), Decimal('3.33'))
    """
    whole = sum(quantities, ZERO)
    if not quantities or whole == 0:
        return tuple(ZERO for _ in quantities)
    parts = [rounding.apply(total * q / whole) for q in quantities]
    largest = max(range(len(quantities)), key=lambda i: (abs(quantities[i]), -i))
    parts[largest] += total - sum(parts, ZERO)
    return tuple(parts)


def standard_shares(md: MasterData, item_nos: Iterable[str]) -> dict[str, CostShares]:
    """Each item's single-level shares per base unit, from a standard cost rollup."""
    wanted = sorted(set(item_nos))
    rollup = roll_up(md, wanted)
    return {no: rollup[no].single_level for no in wanted}


def current_standard_shares(
    repo: MasterDataRepository, item_nos: Iterable[str]
) -> dict[str, CostShares]:
    """:func:`standard_shares` from a master data repository (a snapshot of it); the
    rollup is kept with the records it read and done again only when one of them changed
    (:func:`~prodcore.costing.derived.derived`), not once per order adjusted."""
    wanted = tuple(sorted(set(item_nos)))
    shares = derived(repo, ("standard_shares", wanted), lambda md: standard_shares(md, wanted))
    return dict(shares)


def posted_variances(ledger: LedgerReader, order_id: str) -> CostShares:
    """The variances cost adjustment posted for the order, per share."""
    amounts = dict.fromkeys(SHARE_NAMES, ZERO)
    names = {vtype: name for name, vtype in VARIANCE_TYPES.items()}
    for v in ledger.value_entries(order_id=order_id):
        if v.entry_type is ValueEntryType.VARIANCE and v.variance_type in names:
            amounts[names[v.variance_type]] += v.cost_amount
    return CostShares(**amounts)


def _carrier(outputs: Sequence[ItemLedgerEntry]) -> int | None:
    """The output entry that carries the line's overhead, variance and rounding entries:
    the last one not (fully) reversed, else None (no output left: the entries value no
    item entry, and a reversed output with its reversal still nets to zero)."""
    reversed_qty: dict[int, Decimal] = {}
    for e in outputs:
        if e.applies_to_entry_no is not None:
            reversed_qty[e.applies_to_entry_no] = reversed_qty.get(
                e.applies_to_entry_no, ZERO
            ) + abs(e.quantity)
    standing = [
        e
        for e in outputs
        if e.quantity > 0
        and e.applies_to_entry_no is None
        and reversed_qty.get(e.entry_no, ZERO) < e.quantity
    ]
    return standing[-1].entry_no if standing else None


def _actual_targets(
    outputs: Sequence[ItemLedgerEntry],
    total: Decimal,
    quantity: Decimal,
    carrier: int | None,
    rounding: Rounding,
) -> list[Decimal]:
    """The actual value of each output entry of a non-standard item: ``total`` at the
    same unit cost for every entry, each rounded; a fully reversed output takes exactly
    minus its reversals (the pair nets to zero) and the rest goes to ``carrier``."""
    unit = total / quantity
    targets = {e.entry_no: rounding.apply(unit * e.quantity) for e in outputs}
    reversals: dict[int, list[int]] = {}
    for e in outputs:
        if e.applies_to_entry_no is not None:
            reversals.setdefault(e.applies_to_entry_no, []).append(e.entry_no)
    for e in outputs:
        undone = reversals.get(e.entry_no, [])
        if undone and sum((o.quantity for o in outputs if o.entry_no in undone), ZERO) == (
            -e.quantity
        ):
            targets[e.entry_no] = -sum((targets[r] for r in undone), ZERO)
    if carrier is not None:
        targets[carrier] += total - sum(targets.values(), ZERO)
    return [targets[e.entry_no] for e in outputs]


@attrs.frozen
class _Line:
    """One order line as adjustment sees it: its actual cost (manufacturing overhead
    frozen once adjusted), its output entries and the item-side value entries on them (or
    on no item entry), and the output entry that carries steps 2–4."""

    order_id: str
    cost: LineCost
    outputs: tuple[ItemLedgerEntry, ...]
    on_output: tuple[ValueEntry, ...]
    carrier: int | None
    adjusted_before: bool
    #: what item cost adjustment forwarded into the line after its first adjustment
    #: (material) less the variances it posted for it: kept out of the frozen standard
    forwarded: CostShares
    at_standard: bool
    at: dt.datetime
    document_no: str
    currency: str

    @property
    def has_output(self) -> bool:
        return self.cost.output_quantity != 0

    def entry(
        self,
        entry_type: ValueEntryType,
        actual: Decimal,
        expected: Decimal,
        item_entry_no: int | None,
        variance_type: VarianceType | None = None,
    ) -> tuple[ValueEntry, ...]:
        """The value entry of one step (none when both amounts are zero)."""
        if actual == 0 and expected == 0:
            return ()
        return (
            ValueEntry(
                0,
                entry_type,
                ValueSource.ITEM,
                actual,
                expected,
                currency=self.currency,
                item_entry_no=item_entry_no,
                item_no=self.cost.item_no,
                order_id=self.order_id,
                order_line_no=self.cost.line_no,
                variance_type=variance_type,
                posted_at=self.at,
                document_no=self.document_no,
            ),
        )


def _expected_to_actual(line: _Line, rounding: Rounding) -> tuple[ValueEntry, ...]:
    """Step 1: each output entry's expected cost reversed and its actual cost posted (a
    Standard-cost item, or a line without output, keeps what it was posted at)."""
    direct = [v for v in line.on_output if v.entry_type is ValueEntryType.DIRECT_COST]
    if line.at_standard or not line.has_output:
        targets = [
            sum((v.cost_amount for v in direct if v.item_entry_no == e.entry_no), ZERO)
            if line.has_output
            else ZERO
            for e in line.outputs
        ]
    else:
        targets = _actual_targets(
            line.outputs, line.cost.total, line.cost.output_quantity, line.carrier, rounding
        )
    out: list[ValueEntry] = []
    for e, target in zip(line.outputs, targets, strict=True):
        mine = [v for v in direct if v.item_entry_no == e.entry_no]
        expected = sum((v.cost_amount_expected for v in mine), ZERO)
        posted = sum((v.cost_amount_actual for v in mine), ZERO)
        out.extend(line.entry(ValueEntryType.DIRECT_COST, target - posted, -expected, e.entry_no))
    return tuple(out)


def _posted_overhead(on_output: Iterable[ValueEntry]) -> Decimal:
    return sum(
        (v.cost_amount for v in on_output if v.entry_type is ValueEntryType.INDIRECT_COST), ZERO
    )


def _manufacturing_overhead(line: _Line) -> tuple[ValueEntry, ...]:
    """Step 2: the manufacturing overhead not yet posted, on the carrier."""
    mo = line.cost.actual.manufacturing_overhead - _posted_overhead(line.on_output)
    return line.entry(ValueEntryType.INDIRECT_COST, mo, ZERO, line.carrier)


def _variances(
    line: _Line, standard: Mapping[str, CostShares], rounding: Rounding
) -> tuple[ValueEntry, ...]:
    """Step 3 (Standard-cost items and lines without output): per share, actual less
    standard less what earlier adjustments posted; a line adjusted before keeps the
    standard frozen then (actual − posted variances)."""
    if not (line.at_standard or not line.has_output):
        return ()
    posted_v = CostShares(
        *(
            sum(
                (
                    v.cost_amount
                    for v in line.on_output
                    if v.entry_type is ValueEntryType.VARIANCE
                    and v.variance_type is VARIANCE_TYPES[name]
                ),
                ZERO,
            )
            for name in SHARE_NAMES
        )
    )
    if line.adjusted_before:
        std = line.cost.actual - posted_v - line.forwarded
    else:
        shares = standard.get(line.cost.item_no, CostShares()) if line.has_output else CostShares()
        std = (shares * line.cost.output_quantity).rounded(rounding)
    variance = line.cost.actual - std - posted_v
    return tuple(
        v
        for name in SHARE_NAMES
        for v in line.entry(
            ValueEntryType.VARIANCE,
            getattr(variance, name),
            ZERO,
            line.carrier,
            VARIANCE_TYPES[name],
        )
    )


def _rounding(
    line: _Line | None, wip: Decimal, so_far: Sequence[ValueEntry]
) -> tuple[ValueEntry, ...]:
    """Step 4: whatever the entries of steps 1–3 leave on the order's WIP, as a
    ``ROUNDING`` entry on the last line's carrier (the WIP is then exactly zero)."""
    residual = wip + wip_change(so_far)
    if not residual or line is None:
        return ()
    return line.entry(ValueEntryType.ROUNDING, residual, ZERO, line.carrier)


def adjustment_entries(
    order: ProductionOrder,
    ledger: CostLedger,
    md: MasterDataLookup,
    *,
    standard: Mapping[str, CostShares],
    wip: Decimal,
    at: dt.datetime,
    document_no: str,
    cost: OrderCost | None = None,
) -> tuple[ValueEntry, ...]:
    """The value entries that adjust a finished order (pure; see the module docstring).

    ``standard`` maps each Standard-cost item of the order to its single-level shares per
    base unit; ``wip`` is the order's WIP balance now. Only differences to what earlier
    adjustments posted come back (nothing when the order is adjusted already). A line
    adjusted before (it has entries of ``document_no``) keeps what was frozen then: its
    manufacturing overhead (BC copies the item's indirect % and overhead rate to the
    order line) and its standard, ``actual − posted variances``.
    """
    cost = cost or actual_cost(order, ledger, md)
    rounding = md.setup.amount_rounding
    # the entries settled one by one: the outputs and what is posted on them (or on no
    # item entry); the rest of the cost comes from the order's cost sums
    outputs = ledger.output_entries(order.id)
    values = ledger.output_values(order.id)
    plan = order_plan(order)
    if plan is not None:
        # co-products: each line adjusts its part of the order's cost
        # frozen by the order's first adjustment (item cost adjustment forwards into
        # an adjusted order only; its entries on consumption freeze nothing, and
        # adjustment's own entries are all on output or on no item entry)
        forwarded = forward_document(order.id)
        adjusted = {document_no, adjust_document(order.id)} - {forwarded}
        frozen_mo = (
            sum(
                (
                    v.cost_amount
                    for v in values
                    if v.document_no in (*adjusted, forwarded)
                    and v.source is ValueSource.ITEM
                    and v.entry_type is ValueEntryType.INDIRECT_COST
                ),
                ZERO,
            )
            if any(v.document_no in adjusted for v in values)
            else None
        )
        cost = allocate_line_costs(cost, plan, rounding, manufacturing_overhead=frozen_mo)
    # an order finished without output may have had its WIP written off at finishing
    written_off = any(v.entry_type is ValueEntryType.WIP_WRITE_OFF for v in values)
    out: list[ValueEntry] = []
    last: _Line | None = None
    earlier = _Earlier(ledger, order.id)
    for line_cost in cost.lines:
        line = _line(order.id, line_cost, outputs, values, md, at, document_no, earlier)
        out.extend(_expected_to_actual(line, rounding))
        last = line
        if not line.has_output and written_off:
            # finished without output and its WIP written off: nothing left to adjust
            continue
        out.extend(_manufacturing_overhead(line))
        out.extend(_variances(line, standard, rounding))
    out.extend(_rounding(last, wip, out))
    return tuple(out)


class _Earlier:
    """The order's item and value entries, read when first asked for: only a line
    adjusted before needs them (what item cost adjustment forwarded into its
    consumption since)."""

    def __init__(self, ledger: LedgerReader, order_id: str) -> None:
        self._ledger = ledger
        self._order_id = order_id
        self._found: tuple[dict[int, ItemLedgerEntry], list[ValueEntry]] | None = None

    def entries(self) -> tuple[dict[int, ItemLedgerEntry], list[ValueEntry]]:
        if self._found is None:
            items = self._ledger.item_entries(order_id=self._order_id)
            values = self._ledger.value_entries(order_id=self._order_id)
            self._found = ({e.entry_no: e for e in items}, values)
        return self._found


def _line(
    order_id: str,
    cost: LineCost,
    order_outputs: Sequence[ItemLedgerEntry],
    values: Sequence[ValueEntry],
    md: MasterDataLookup,
    at: dt.datetime,
    document_no: str,
    earlier: _Earlier,
) -> _Line:
    outputs = tuple(e for e in order_outputs if e.order_line_no == cost.line_no)
    output_nos = {e.entry_no for e in outputs}
    on_output = tuple(
        v
        for v in values
        if v.source is ValueSource.ITEM
        and v.order_line_no == cost.line_no
        and (v.item_entry_no in output_nos or v.item_entry_no is None)
    )
    adjusting = (document_no, adjust_document(order_id))
    first = min((v.entry_no for v in on_output if v.document_no in adjusting), default=None)
    adjusted_before = first is not None or any(
        v.document_no == forward_document(order_id) for v in on_output
    )
    if adjusted_before:
        # manufacturing overhead and standard are frozen at the first adjustment
        cost = attrs.evolve(
            cost,
            actual=attrs.evolve(cost.actual, manufacturing_overhead=_posted_overhead(on_output)),
        )
    return _Line(
        order_id=order_id,
        cost=cost,
        outputs=outputs,
        on_output=on_output,
        carrier=_carrier(outputs),
        adjusted_before=adjusted_before,
        forwarded=_forwarded(order_id, cost.line_no, first, earlier, on_output),
        at_standard=md.item(cost.item_no).costing_method is CostingMethod.STANDARD,
        at=at,
        document_no=document_no,
        currency=md.setup.currency,
    )


def _forwarded(
    order_id: str,
    line_no: int,
    first: int | None,
    earlier: _Earlier,
    on_output: Sequence[ValueEntry],
) -> CostShares:
    """The material item cost adjustment forwarded into the line after its first
    adjustment (value entry ``first``; none if the line was not adjusted), less the
    variances it posted on the line's output: the frozen standard is ``actual − posted
    variances − this``."""
    document = forward_document(order_id)
    material = ZERO
    if first is not None:
        items, values = earlier.entries()
        consumption = {n for n, e in items.items() if e.entry_type is ItemEntryType.CONSUMPTION}
        material = -sum(
            (
                v.cost_amount
                for v in values
                if v.document_no == document
                and v.order_line_no == line_no
                and v.entry_no > first
                and v.item_entry_no in consumption
            ),
            ZERO,
        )
    posted = {
        name: sum(
            (
                v.cost_amount
                for v in on_output
                if v.document_no == document
                and v.entry_type is ValueEntryType.VARIANCE
                and v.variance_type is VARIANCE_TYPES[name]
            ),
            ZERO,
        )
        for name in SHARE_NAMES
    }
    return CostShares(material=material) - CostShares(**posted)


@attrs.frozen
class AdjustCost:
    """Adjust the cost of a finished order (BC's Adjust Cost - Item Entries, one order),
    handled by :func:`prodcore.app.handle` (or :func:`prodcore.app.adjust_cost`)."""

    idempotency_key: str
    order_id: str
    name = "adjust cost"
