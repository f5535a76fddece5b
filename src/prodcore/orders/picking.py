"""The warehouse hand-off: picks move components to the production bin, surplus goes back.

A pick (:class:`~prodcore.orders.journals.PickComponents`) stages components for the
PICK_* flushing methods. Where the component has a To-Production bin (its centre's, else
its location's; :mod:`prodcore.orders.bins`), the pick *moves* the stock there from the
line's ``from_bin_code``: a ``TRANSFER`` item entry out of the source bin and one into the
production bin, each valued at the item's cost (the same amount out and in, so inventory
value neither grows nor shrinks; the G/L lines, Inventory against Inventory Adjustment,
cancel out). Without negative inventory the source bin must hold what is picked.

:class:`ReturnSurplus` (BC's put-away of excess) moves what was picked and not consumed
back from the production bin to a storage bin; more than that surplus is refused.

>>> from decimal import Decimal
>>> ReturnLine(10000, 10000, Decimal(10), "S-01").quantity
Decimal('10')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import attrs

from prodcore.errors import InsufficientQuantityError, InvalidValueError
from prodcore.ledger.genealogy import lot_expiry
from prodcore.ledger.model import ItemEntryType
from prodcore.ledger.posting import item_unit_cost
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import Item
from prodcore.numbers import ZERO, as_decimal, tuple_of
from prodcore.orders.bins import to_production_bin
from prodcore.orders.builder import Execution, PostingBuilder
from prodcore.orders.consumption import check_bin_on_hand, consume, postable_item
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.flushing import (
    available_in_bin,
    flushable,
    linked_operation,
    operation_started,
)
from prodcore.orders.journals import PickComponents, TrackingLine
from prodcore.orders.model import ProductionOrder
from prodcore.orders.tracking import check_tracking
from prodcore.records import revise

__all__ = ["ReturnLine", "ReturnSurplus", "decide_return_surplus", "pick", "transfer"]


def _positive(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value <= 0:
        raise InvalidValueError(field=attribute.name, value=value, reason="must be positive")


@attrs.frozen
class ReturnLine:
    """Return ``quantity`` (the component's unit) of a component's surplus from the
    production bin to the bin ``to_bin_code``."""

    line_no: int
    component_line_no: int
    quantity: Decimal = attrs.field(converter=as_decimal, validator=_positive)
    to_bin_code: str
    #: the lots / serials returned (they move with the stock), as on a pick line
    tracking: tuple[TrackingLine, ...] = attrs.field(
        default=(), validator=tuple_of(TrackingLine), kw_only=True, repr=False
    )


@attrs.frozen
class ReturnSurplus:
    """Move what was picked and not consumed back from the production bin (BC's
    put-away of excess picks). Refused beyond the surplus (picked − consumed)."""

    idempotency_key: str
    order_id: str
    lines: tuple[ReturnLine, ...] = attrs.field(validator=tuple_of(ReturnLine))
    document_no: str = ""
    name = "return surplus"


def transfer(
    b: PostingBuilder,
    item: Item,
    location: str,
    from_bin: str,
    to_bin: str,
    base_qty: Decimal,
    reason: str,
    tracking: tuple[TrackingLine, ...] = (),
    unit: str = "",
) -> None:
    """Move ``base_qty`` of ``item`` between two bins of ``location``: a ``TRANSFER``
    entry out and one in, each valued at the item's cost (refused if the source bin
    holds less, unless the setup allows negative inventory). Each lot / serial of
    ``tracking`` (quantities in ``unit``) moves as its own pair of entries carrying its
    lot, serial and expiry; a remainder no lot covers moves untracked."""
    check_bin_on_hand(b, item, location, from_bin, base_qty)
    unit_cost = item_unit_cost(item)
    parts = [(item.to_base(t.quantity, unit or item.base_unit), t) for t in tracking]
    rest = base_qty - sum((qty for qty, _ in parts), ZERO)
    if rest < 0:
        raise InvalidValueError(
            field="tracking", value=tracking, reason=f"adds up to more than {base_qty}"
        )
    moves: list[tuple[Decimal, TrackingLine | None]] = [*parts, (rest, None)]
    for qty, t in moves:
        if not qty:
            continue
        expiry = None
        if t is not None:
            expiry = lot_expiry(b.ledger, item.no, t.lot_no, t.serial_no) or t.expiry_date
        for sign, bin_code in ((-1, from_bin), (1, to_bin)):
            ref = b.item_entry(
                ItemEntryType.TRANSFER,
                item.no,
                sign * qty,
                unit=item.base_unit,
                location_code=location,
                bin_code=bin_code,
                reason=reason,
            )
            if t is not None:
                # the lot keeps its own expiry on both sides of the move
                i = len(b.items) - 1
                b.items[i] = revise(
                    b.items[i], lot_no=t.lot_no, serial_no=t.serial_no, expiry_date=expiry
                )
            b.item_value(ref, item.no, qty, unit_cost, sign=sign)


def pick(b: PostingBuilder, command: PickComponents) -> None:
    """Stage components in the production bin, moving the stock where the component has
    a To-Production bin; a PICK_FORWARD component whose flushing moment has passed (its
    linked operation started, or it has none) is flushed from the bin at once."""
    order = b.order(command.order_id, command=command.name)
    with b.parts_together():  # each line rebuilt once, however many lines are picked
        for pl in command.lines:
            line = b.orders[order.id].line(pl.line_no)
            comp = b.component(order.id, line.line_no, pl.component_line_no)
            to_bin = to_production_bin(b.md, line, comp)
            if pl.quantity and to_bin != pl.from_bin_code:
                item = postable_item(b, comp.item_no)
                base_qty = item.to_base(pl.quantity, comp.unit)
                reason = f"Pick for {order.id}"
                transfer(
                    b,
                    item,
                    comp.location_code,
                    pl.from_bin_code,
                    to_bin,
                    base_qty,
                    reason,
                    pl.tracking,
                    comp.unit,
                )
            comp = revise(comp, picked_quantity=comp.picked_quantity + pl.quantity)
            b.put_component(order.id, line.line_no, comp)
            op = linked_operation(line, comp)
            due = op is None or operation_started(op)
            if comp.flushing_method.is_forward and comp.flushing_method.needs_pick and due:
                qty = flushable(comp, comp.remaining_quantity)
                consume(
                    b,
                    order.id,
                    line.line_no,
                    comp.line_no,
                    qty,
                    reason="Forward flush from the pick",
                )


def decide_return_surplus(
    command: ReturnSurplus,
    get_order: Callable[[str], ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
) -> Execution:
    """What returning the surplus posts; pure, a refusal changes nothing."""
    b = PostingBuilder(md, ledger, get_order, at, command.document_no or command.idempotency_key)
    order = b.order(command.order_id, command=command.name)
    with b.parts_together():  # each line rebuilt once
        for rl in command.lines:
            line = b.orders[order.id].line(rl.line_no)
            comp = b.component(order.id, line.line_no, rl.component_line_no)
            surplus = available_in_bin(comp)
            if rl.quantity > surplus:
                raise InsufficientQuantityError(
                    what=f"Surplus of {comp.item_no} picked for {order.id}",
                    requested=rl.quantity,
                    available=surplus,
                )
            from_bin = to_production_bin(b.md, line, comp)
            if from_bin != rl.to_bin_code:
                item = postable_item(b, comp.item_no)
                base_qty = item.to_base(rl.quantity, comp.unit)
                reason = f"Surplus returned from {order.id}"
                transfer(
                    b,
                    item,
                    comp.location_code,
                    from_bin,
                    rl.to_bin_code,
                    base_qty,
                    reason,
                    rl.tracking,
                    comp.unit,
                )
            comp = revise(comp, picked_quantity=comp.picked_quantity - rl.quantity)
            b.put_component(order.id, line.line_no, comp)
            b.notes.append(
                f"Returned {rl.quantity} {comp.unit} of {comp.item_no} to {rl.to_bin_code}"
            )
    check_tracking(b)
    return b.result(command.idempotency_key)
