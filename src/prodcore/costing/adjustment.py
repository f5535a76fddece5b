"""Cost adjustment of finished orders (BC's "Adjust Cost – Item Entries", order level).

For a **finished** order, :func:`prodcore.app.adjust_cost` posts, per order line, value entries on the
line's output entries so that the order's WIP is cleared:

1. **expected → actual**: each output entry's expected cost is reversed and actual cost
   posted (E11's mechanism: ``actual +a, expected −e``). A Standard-cost item keeps its
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
from prodcore.costing.rollup import roll_up
from prodcore.costing.shares import SHARE_NAMES, CostShares
from prodcore.ledger.model import (
    AccountRole,
    GLEntry,
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    VarianceType,
)
from prodcore.ledger.posting import gl_lines
from prodcore.masterdata import CostingMethod, MasterData
from prodcore.numbers import ZERO, Rounding
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.model import ProductionOrder
from prodcore.ports import MasterDataRepository

__all__ = [
    "VARIANCE_TYPES",
    "AdjustCost",
    "adjustment_batch",
    "adjustment_entries",
    "adjustment_gl_lines",
    "allocate_by_quantity",
    "current_standard_shares",
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
    """:func:`standard_shares` from a master data repository (a snapshot of it)."""
    return standard_shares(MasterData.lazy(repo), item_nos)


def posted_variances(ledger: CostLedger, order_id: str) -> CostShares:
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
    currency = md.setup.currency
    rounding = md.setup.amount_rounding
    items = {e.entry_no: e for e in ledger.item_entries(order_id=order.id)}
    values = ledger.value_entries(order_id=order.id)
    plan = order_plan(order)
    if plan is not None:
        # co-products: each line adjusts its part of the order's cost
        frozen_mo = (
            sum(
                (
                    v.cost_amount
                    for v in values
                    if v.document_no == document_no
                    and v.source is ValueSource.ITEM
                    and v.entry_type is ValueEntryType.INDIRECT_COST
                ),
                ZERO,
            )
            if any(v.document_no == document_no for v in values)
            else None
        )
        cost = allocate_line_costs(cost, plan, rounding, manufacturing_overhead=frozen_mo)
    out: list[ValueEntry] = []

    def entry(
        entry_type: ValueEntryType,
        actual: Decimal,
        expected: Decimal,
        line: LineCost,
        item_entry_no: int | None,
        variance_type: VarianceType | None = None,
    ) -> None:
        if actual == 0 and expected == 0:
            return
        out.append(
            ValueEntry(
                0,
                entry_type,
                ValueSource.ITEM,
                actual,
                expected,
                currency=currency,
                item_entry_no=item_entry_no,
                item_no=line.item_no,
                order_id=order.id,
                order_line_no=line.line_no,
                variance_type=variance_type,
                posted_at=at,
                document_no=document_no,
            )
        )

    wip_change = ZERO  # how the entries below move the order's WIP
    # an order finished without output may have had its WIP written off at finishing
    written_off = any(v.entry_type.value == "WIP_WRITE_OFF" for v in values)
    last_line: LineCost | None = None
    last_carrier: int | None = None
    for line in cost.lines:
        outputs = [
            e
            for e in items.values()
            if e.entry_type is ItemEntryType.OUTPUT and e.order_line_no == line.line_no
        ]
        output_nos = {e.entry_no for e in outputs}
        on_output = [
            v
            for v in values
            if v.source is ValueSource.ITEM
            and v.order_line_no == line.line_no
            and (v.item_entry_no in output_nos or v.item_entry_no is None)
        ]
        carrier = _carrier(outputs)
        adjusted_before = any(v.document_no == document_no for v in on_output)
        posted_mo = sum(
            (v.cost_amount for v in on_output if v.entry_type is ValueEntryType.INDIRECT_COST),
            ZERO,
        )
        if adjusted_before:
            # manufacturing overhead and standard are frozen at the first adjustment
            line = attrs.evolve(
                line, actual=attrs.evolve(line.actual, manufacturing_overhead=posted_mo)
            )
        item = md.item(line.item_no)
        at_standard = item.costing_method is CostingMethod.STANDARD
        has_output = line.output_quantity != 0
        # 1. expected -> actual
        direct = [v for v in on_output if v.entry_type is ValueEntryType.DIRECT_COST]
        if at_standard or not has_output:
            targets = [
                sum((v.cost_amount for v in direct if v.item_entry_no == e.entry_no), ZERO)
                if has_output
                else ZERO
                for e in outputs
            ]
        else:
            targets = _actual_targets(outputs, line.total, line.output_quantity, carrier, rounding)
        for e, target in zip(outputs, targets, strict=True):
            mine = [v for v in direct if v.item_entry_no == e.entry_no]
            expected = sum((v.cost_amount_expected for v in mine), ZERO)
            posted = sum((v.cost_amount_actual for v in mine), ZERO)
            entry(ValueEntryType.DIRECT_COST, target - posted, -expected, line, e.entry_no)
            wip_change -= target - posted - expected
        if not has_output and written_off:
            # finished without output and its WIP written off: nothing left to adjust
            last_line, last_carrier = line, carrier
            continue
        # 2. manufacturing overhead
        mo = line.actual.manufacturing_overhead - posted_mo
        entry(ValueEntryType.INDIRECT_COST, mo, ZERO, line, carrier)
        wip_change += mo
        # 3. variances
        if at_standard or not has_output:
            posted_v = CostShares(
                *(
                    sum(
                        (
                            v.cost_amount
                            for v in on_output
                            if v.entry_type is ValueEntryType.VARIANCE
                            and v.variance_type is VARIANCE_TYPES[name]
                        ),
                        ZERO,
                    )
                    for name in SHARE_NAMES
                )
            )
            if adjusted_before:
                # the standard frozen then: actual − what was posted
                std = line.actual - posted_v
            else:
                shares = standard.get(line.item_no, CostShares()) if has_output else CostShares()
                std = (shares * line.output_quantity).rounded(rounding)
            variance = line.actual - std - posted_v
            for name in SHARE_NAMES:
                amount = getattr(variance, name)
                entry(ValueEntryType.VARIANCE, amount, ZERO, line, carrier, VARIANCE_TYPES[name])
                wip_change -= amount
        last_line, last_carrier = line, carrier
    # 4. rounding: whatever is left on WIP
    residual = wip + wip_change
    if residual and last_line is not None:
        entry(ValueEntryType.ROUNDING, residual, ZERO, last_line, last_carrier)
    return tuple(out)


def adjustment_gl_lines(
    value: ValueEntry, setup: PostingSetup, first_entry_no: int
) -> tuple[GLEntry, ...]:
    """The G/L lines of an adjustment value entry.

    Manufacturing overhead (``INDIRECT_COST`` on an output entry): ``WIP +o / Overhead
    Applied −o``; rounding of an order: ``Inventory Adjustment +r / WIP −r``; anything
    else as :func:`~prodcore.ledger.posting.gl_lines`.
    """
    if value.source is ValueSource.ITEM and value.order_id is not None:
        pair: tuple[AccountRole, AccountRole] | None = None
        if value.entry_type is ValueEntryType.INDIRECT_COST:
            pair = (AccountRole.WIP, AccountRole.OVERHEAD_APPLIED)
        elif value.entry_type is ValueEntryType.ROUNDING:
            pair = (AccountRole.INVENTORY_ADJUSTMENT, AccountRole.WIP)
        if pair is not None:
            amount = value.cost_amount
            if not amount:
                return ()
            return tuple(
                GLEntry(
                    first_entry_no - n,
                    account=setup.account(role),
                    role=role,
                    amount=signed,
                    currency=value.currency,
                    value_entry_no=value.entry_no,
                    order_id=value.order_id,
                    posted_at=value.posted_at,
                    document_no=value.document_no,
                )
                for n, (role, signed) in enumerate(((pair[0], amount), (pair[1], -amount)))
            )
    return gl_lines(value, setup, first_entry_no)


def adjustment_batch(
    values: Iterable[ValueEntry],
    setup: PostingSetup,
    *,
    document_no: str,
    posted_at: dt.datetime,
    idempotency_key: str | None = None,
) -> PostingBatch:
    """A balanced batch of adjustment value entries (local numbers) and their G/L lines."""
    numbered: list[ValueEntry] = []
    lines: list[GLEntry] = []
    for n, value in enumerate(values, start=1):
        entry = attrs.evolve(value, entry_no=-n)
        numbered.append(entry)
        lines.extend(adjustment_gl_lines(entry, setup, -(len(lines) + 1)))
    return PostingBatch.build(
        document_no=document_no,
        posted_at=posted_at,
        value_entries=tuple(numbered),
        gl_entries=tuple(lines),
        idempotency_key=idempotency_key,
    )


@attrs.frozen
class AdjustCost:
    """Adjust the cost of a finished order (BC's Adjust Cost - Item Entries, one order),
    handled by :func:`prodcore.app.handle` (or :func:`prodcore.app.adjust_cost`)."""

    idempotency_key: str
    order_id: str
    name = "adjust cost"
