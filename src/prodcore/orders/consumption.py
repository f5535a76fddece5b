"""Material postings on a :class:`~prodcore.orders.builder.PostingBuilder`: consumption
(and returns), by-products (negative consumption) and inventory adjustments (picks:
:mod:`prodcore.orders.picking`).

Each posts an item ledger entry and its direct-cost value entry at the item's cost by
costing method (:func:`~prodcore.ledger.posting.item_unit_cost`; what goes out of
inventory at :func:`~prodcore.ledger.valuation.outbound_unit_cost`): consumption and
by-products against the order's WIP, adjustments against Inventory Adjustment. A blocked
item is refused (:class:`~prodcore.errors.BlockedError`); without negative inventory
(setup) nothing may take more than is on hand at its location.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal

from prodcore.errors import (
    BlockedError,
    InsufficientQuantityError,
    NotAllowedError,
    PrecisionError,
)
from prodcore.ledger.model import ItemEntryType, ValueSource
from prodcore.ledger.posting import item_unit_cost, posted_quantity
from prodcore.ledger.valuation import entry_value
from prodcore.masterdata import Item
from prodcore.orders.bins import to_production_bin
from prodcore.orders.builder import BY_PRODUCT, LEDGER_QUANTITY, PostingBuilder
from prodcore.orders.flushing import (
    available_in_bin,
)
from prodcore.orders.journals import AdjustmentLine, ByProductLine, ConsumptionLine, PostByProduct
from prodcore.orders.model import Component, OrderLine
from prodcore.records import revise

__all__ = [
    "adjust",
    "by_product",
    "check_bin_on_hand",
    "consume",
    "consume_components",
    "consume_journal",
    "postable_item",
]


def postable_item(b: PostingBuilder, item_no: str) -> Item:
    """The item, refused with :class:`~prodcore.errors.BlockedError` if it is blocked."""
    item = b.item(item_no)
    if item.blocked:
        raise BlockedError(kind="Item", key=item.no)
    return item


def _check_on_hand(b: PostingBuilder, item: Item, location: str, base_qty: Decimal) -> None:
    """Refuse taking ``base_qty`` when it is more than on hand (unless the setup allows
    negative inventory)."""
    if b.setup.allow_negative_inventory:
        return
    on_hand = b.on_hand(item.no, location)
    if base_qty > on_hand:
        raise InsufficientQuantityError(
            what=f"Inventory of {item.no} at {location or 'no location'}",
            requested=base_qty,
            available=on_hand,
        )


def check_bin_on_hand(
    b: PostingBuilder, item: Item, location: str, bin_code: str, base_qty: Decimal
) -> None:
    """Refuse taking ``base_qty`` out of a bin that holds less (unless the setup allows
    negative inventory)."""
    if b.setup.allow_negative_inventory:
        return
    in_bin = b.on_hand_in_bin(item.no, location, bin_code)
    if base_qty > in_bin:
        raise InsufficientQuantityError(
            what=f"Inventory of {item.no} in bin {bin_code} at {location or 'no location'}",
            requested=base_qty,
            available=in_bin,
        )


def consume(
    b: PostingBuilder,
    order_id: str,
    line_no: int,
    comp_line_no: int,
    quantity: Decimal,
    *,
    flushed_by: int | None = None,
    reason: str = "",
    check_bin: bool = True,
) -> None:
    """Consume ``quantity`` (the component's unit; < 0 returns up to what was consumed)
    of a component; ``flushed_by`` names the capacity entry whose posting flushed it,
    ``reason`` (a flush) goes to the entry and the notes. With ``check_bin``, a pick
    component takes no more than is staged in the production bin."""
    consume_components(
        b,
        order_id,
        line_no,
        ((comp_line_no, quantity, reason),),
        flushed_by=flushed_by,
        check_bin=check_bin,
    )


def consume_components(
    b: PostingBuilder,
    order_id: str,
    line_no: int,
    takes: Iterable[tuple[int, Decimal, str]],
    *,
    flushed_by: int | None = None,
    check_bin: bool = True,
) -> None:
    """Consume components of one order line in one pass: ``takes`` gives (component
    line number, quantity, reason) in posting order, each posted as :func:`consume`
    posts it (a zero quantity posts nothing). The changed components are put on the line
    together, so a flush of n components rebuilds the line and the order once."""
    posted = [take for take in takes if take[1] != 0]
    if not posted:
        return
    b.order(order_id)
    with b.parts_together():
        for comp_line_no, quantity, reason in posted:
            comp = b.component(order_id, line_no, comp_line_no)  # refuses an unknown one
            b.put_component(
                order_id,
                line_no,
                _consumed(b, order_id, line_no, comp, quantity, flushed_by, reason, check_bin),
            )


def consume_journal(
    b: PostingBuilder,
    lines: Iterable[ConsumptionLine],
    *,
    around: Callable[[ConsumptionLine], AbstractContextManager[None]] | None = None,
) -> None:
    """Consume a journal's lines in their order, in time linear in the lines.

    Each line sees the lines before it (what they consumed, what is left on hand); the
    changed components are kept aside and written back once per order at the end, since
    writing each back at once rebuilds its order line (every component) per journal line.
    ``around`` wraps the posting of each line (its posting date, its lot).
    """
    orders: dict[str, dict[int, OrderLine]] = {}
    working: dict[tuple[str, int], dict[int, Component]] = {}
    for cl in lines:
        if cl.quantity == 0:
            continue
        order = b.order(cl.order_id)
        comps = working.get((order.id, cl.line_no))
        if comps is None:
            by_no = orders.get(order.id)
            if by_no is None:
                by_no = orders[order.id] = {ln.line_no: ln for ln in order.lines}
            line = by_no.get(cl.line_no) or order.line(cl.line_no)  # refuses an unknown line
            comps = working[order.id, cl.line_no] = {c.line_no: c for c in line.components}
        # an unknown component is refused by the line's own lookup
        comp = comps.get(cl.component_line_no) or orders[order.id][cl.line_no].component(
            cl.component_line_no
        )
        with around(cl) if around is not None else nullcontext():
            comps[comp.line_no] = _consumed(
                b, order.id, cl.line_no, comp, cl.quantity, applies_from=cl.applies_from_entry_no
            )
    for order_id in orders:
        order = b.orders[order_id]
        b.put_order(
            revise(
                order,
                lines=tuple(
                    revise(ln, components=tuple(working[order_id, ln.line_no].values()))
                    if (order_id, ln.line_no) in working
                    else ln
                    for ln in order.lines
                ),
            )
        )


def _consumed(
    b: PostingBuilder,
    order_id: str,
    line_no: int,
    comp: Component,
    quantity: Decimal,
    flushed_by: int | None = None,
    reason: str = "",
    check_bin: bool = True,
    *,
    applies_from: int | None = None,
) -> Component:
    """Post the consumption of ``quantity`` of ``comp``; returns the component as it is
    after it (the caller puts it on the order). A return ``applies_from`` a consumption
    entry is valued at that entry's cost per unit."""
    item = postable_item(b, comp.item_no)
    base_qty = _expressible_base(item, quantity, comp.unit)
    returned_cost = (
        None
        if applies_from is None
        else _returned_unit_cost(b, order_id, line_no, comp, base_qty, applies_from)
    )
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
    # a pick component lies in its production bin; others are taken from no bin
    bin_code = (
        to_production_bin(b.md, b.order(order_id).line(line_no), comp)
        if comp.flushing_method.needs_pick
        else ""
    )
    if quantity > 0:
        _check_on_hand(b, item, location, base_qty)
        if bin_code:
            check_bin_on_hand(b, item, location, bin_code, base_qty)
    # valued before its entry joins the batch: the batch so far is what precedes it (no
    # copy of the batch per line)
    unit_cost = (
        b.costs.unit_cost(item, location, base_qty, b.setup, b.at.date())
        if returned_cost is None
        else returned_cost
    )
    ref = b.item_entry(
        ItemEntryType.CONSUMPTION,
        item.no,
        -base_qty,
        unit=item.base_unit,
        location_code=location,
        order_id=order_id,
        order_line_no=line_no,
        component_line_no=comp.line_no,
        flushed_by_capacity_entry_no=flushed_by,
        reason=reason,
        bin_code=bin_code,
        applies_from_entry_no=applies_from,
    )
    b.item_value(
        ref,
        item.no,
        base_qty,
        unit_cost,
        sign=-1,
        order_id=order_id,
        order_line_no=line_no,
    )
    if reason:
        shown = posted_quantity(quantity, LEDGER_QUANTITY)  # 26.4, not 26.40000
        b.notes.append(f"{reason}: {shown:f} {comp.unit} of {comp.item_no} ({order_id})")
    return revise(comp, consumed_quantity=comp.consumed_quantity + quantity)


def _returned_unit_cost(
    b: PostingBuilder,
    order_id: str,
    line_no: int,
    comp: Component,
    base_qty: Decimal,
    entry_no: int,
) -> Decimal:
    """The cost per unit of the consumption entry ``entry_no`` a return of ``base_qty``
    (negative) applies from: refused (:class:`~prodcore.errors.NotAllowedError`) unless
    it is a return and the entry a consumption (not itself a reversal or a return) of
    this order line's component, and
    (:class:`~prodcore.errors.InsufficientQuantityError`) beyond what the entry has not
    yet had reversed or returned."""
    action = f"return {comp.item_no} applying from entry {entry_no}"
    if base_qty >= 0:
        raise NotAllowedError(action=action, reason="only a return (negative quantity) applies")
    entry = b.ledger.item_entry(entry_no)
    if (
        entry.entry_type is not ItemEntryType.CONSUMPTION
        or entry.quantity >= 0
        or entry.applies_to_entry_no is not None
        or (entry.order_id, entry.order_line_no, entry.component_line_no, entry.item_no)
        != (order_id, line_no, comp.line_no, comp.item_no)
    ):
        raise NotAllowedError(
            action=action,
            reason=f"it is not a consumption of component {comp.line_no} of order "
            f"{order_id} line {line_no}",
        )
    # a running balance of what reversals and earlier returns (posted, then in this
    # batch) took back from it
    available = -entry.quantity - b.reversed(ValueSource.ITEM, entry_no)
    if -base_qty > available:
        raise InsufficientQuantityError(
            what=f"Return to consumption entry {entry_no}",
            requested=-base_qty,
            available=available,
        )
    return entry_value(b.ledger, entry_no) / entry.quantity


def _expressible_base(item: Item, quantity: Decimal, unit: str) -> Decimal:
    """``quantity`` of ``unit`` in base units, refused with
    :class:`~prodcore.errors.PrecisionError` when the item's rounding precision cannot
    express it (BC refuses such a base quantity rather than rounding it): 0.04 BOX of 12
    is 0.48 PCS, which a whole-piece item cannot post."""
    base_qty = item.to_base(quantity, unit)
    if item.rounding.apply(base_qty) != base_qty:
        raise _precision_error(item, base_qty)
    return base_qty


def _base_quantity(item: Item, quantity: Decimal, per: Decimal) -> Decimal:
    """``quantity`` × ``per`` at the item's rounding; refused when it rounds to zero."""
    base_qty = posted_quantity(quantity * per, item.rounding)
    if base_qty == 0:
        raise _precision_error(item, quantity)
    return base_qty


def _precision_error(item: Item, quantity: Decimal) -> PrecisionError:
    return PrecisionError(
        item_no=item.no, unit=item.base_unit, quantity=quantity, precision=item.rounding_precision
    )


def by_product(b: PostingBuilder, bl: ByProductLine) -> None:
    """A by-product: an inbound consumption entry of no component, valued at its unit
    cost (default: the item's cost), G/L Inventory against the order's WIP."""
    order = b.order(bl.order_id, command=PostByProduct.name)
    line = order.line(bl.line_no)
    item = postable_item(b, bl.item_no)
    base_qty = _base_quantity(item, bl.quantity, Decimal(1))
    ref = b.item_entry(
        ItemEntryType.CONSUMPTION,
        item.no,
        base_qty,
        unit=item.base_unit,
        location_code=order.location_code if bl.location_code is None else bl.location_code,
        order_id=order.id,
        order_line_no=line.line_no,
        reason=BY_PRODUCT,
    )
    unit_cost = item_unit_cost(item) if bl.unit_cost is None else bl.unit_cost
    b.item_value(ref, item.no, base_qty, unit_cost, order_id=order.id, order_line_no=line.line_no)
    # nothing on the order changes but that it has postings now
    b.put_order(revise(b.orders[order.id], has_postings=True))
    b.notes.append(f"{BY_PRODUCT}: {base_qty} {item.base_unit} of {item.no} ({order.id})")


def adjust(b: PostingBuilder, al: AdjustmentLine) -> None:
    """An inventory adjustment: a positive or negative adjustment entry of no order,
    valued at ``unit_cost`` per the line's unit (default: the item's cost)."""
    item = postable_item(b, al.item_no)
    per = item.qty_per_unit(al.unit or item.base_unit)
    base_qty = _base_quantity(item, al.quantity, per)
    location = al.location_code
    if base_qty < 0:
        _check_on_hand(b, item, location, -base_qty)
        if al.bin_code:
            check_bin_on_hand(b, item, location, al.bin_code, -base_qty)
    entry_type = (
        ItemEntryType.POSITIVE_ADJUSTMENT if base_qty > 0 else ItemEntryType.NEGATIVE_ADJUSTMENT
    )
    if al.unit_cost is not None:
        unit_cost = al.unit_cost / per
    elif base_qty < 0:  # valued before its entry joins the batch, as a consumption is
        unit_cost = b.costs.unit_cost(item, location, -base_qty, b.setup, b.at.date())
    else:
        unit_cost = item_unit_cost(item)
    ref = b.item_entry(
        entry_type,
        item.no,
        base_qty,
        unit=item.base_unit,
        location_code=location,
        reason=al.reason,
        bin_code=al.bin_code,
    )
    b.item_value(ref, item.no, base_qty, unit_cost)
