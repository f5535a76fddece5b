"""Reversals on a :class:`~prodcore.orders.builder.PostingBuilder` (BC's *Reverse
Production Order Transaction*), fully or in part.

A reversal entry carries ``applies_to_entry_no`` and the opposite share of the
original's quantities; its value entries reverse the same share of the original's value
entries, each rounded so that all parts add up to the original exactly. Reversing an
output also reverses the capacity entry posted with it (and, only when asked, the
consumption that entry flushed); reversing a capacity entry whose output went to
inventory reverses through its output entry. Each reversal is dated at the original's
posting date unless one is given (never before the original).

Refused (:class:`~prodcore.errors.NotAllowedError`): reversing a reversal, a return
applying from a consumption (consume again), an inventory adjustment (correct it with an
opposite adjustment), an entry of a subcontracting receipt (undo the receipt) or a
quality scrap; see :func:`refuse_reversal_of_origin`. What a consumption has had
returned counts as taken back: only the rest can be reversed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prodcore.errors import (
    AlreadyReversedError,
    InsufficientQuantityError,
    InvalidValueError,
    NotAllowedError,
)
from prodcore.ledger.model import EntryOrigin, ItemEntryType, ValueSource
from prodcore.ledger.posting import posted_quantity
from prodcore.ledger.reader import LedgerReader
from prodcore.numbers import Duration, Rounding
from prodcore.orders.builder import LEDGER_QUANTITY, PostingBuilder, in_unit
from prodcore.orders.model import ProductionOrder, RoutingStatus
from prodcore.records import revise

__all__ = [
    "exact_share",
    "refuse_reversal_of_origin",
    "reversal_date",
    "reverse_capacity",
    "reverse_item",
    "reverse_values",
    "share",
]


def refuse_reversal_of_origin(ledger: LedgerReader, source: ValueSource, entry_no: int) -> None:
    """Refuse a plain reversal of entries whose capacity entry came from a subcontracting
    receipt (BC: undo the receipt instead) or a quality scrap (final)."""
    cap_no: int | None = entry_no
    if source is ValueSource.ITEM:
        cap_no = ledger.item_entry(entry_no).capacity_entry_no
    if cap_no is None:
        return
    origin = ledger.capacity_entry(cap_no).origin
    if origin is EntryOrigin.SUBCONTRACT_RECEIPT:
        raise NotAllowedError(
            action=f"reverse entry {entry_no}",
            reason="it was posted by a subcontracting receipt; undo the receipt instead",
        )
    if origin is EntryOrigin.QUALITY_SCRAP:
        raise NotAllowedError(
            action=f"reverse entry {entry_no}", reason="a quality scrap cannot be reversed"
        )


def _part_to_reverse(
    what: str, entry_no: int, total: Decimal, done: Decimal, wanted: Decimal | None
) -> Decimal:
    """What a reversal takes of an entry of ``total``, ``done`` reversed already: all
    that is left, or ``wanted`` (positive, at most what is left)."""
    remaining = total - done
    if remaining <= 0:
        raise AlreadyReversedError(entry_id=entry_no)
    qty = remaining if wanted is None else wanted
    if qty <= 0:
        raise InvalidValueError(field="quantity", value=qty, reason="must be positive")
    if qty > remaining:
        raise InsufficientQuantityError(
            what=f"Reversal of {what}", requested=qty, available=remaining
        )
    return qty


def _not_a_reversal(applies_to_entry_no: int | None, entry_no: int) -> None:
    if applies_to_entry_no is not None:
        raise NotAllowedError(action=f"reverse entry {entry_no}", reason="it is itself a reversal")


def share(amount: Decimal, done: Decimal, new: Decimal, total: Decimal, r: Rounding) -> Decimal:
    """The part of ``amount`` between fractions done/total and new/total, rounded so
    that the parts add up exactly to ``amount``.

    >>> from prodcore.numbers import Rounding
    >>> cent = Rounding(Decimal("0.01"))
    >>> [share(Decimal(10), Decimal(n), Decimal(n + 1), Decimal(3), cent) for n in range(3)]
    [Decimal('3.33'), Decimal('3.34'), Decimal('3.33')]
    """
    return r.apply(amount * new / total) - r.apply(amount * done / total)


def exact_share(amount: Decimal, done: Decimal, new: Decimal, total: Decimal) -> Decimal:
    """The part of ``amount`` between fractions done/total and new/total: each fraction's
    amount is rounded to 0.00001 but the whole is ``amount`` itself, so the parts of
    successive reversals add up to ``amount`` exactly.

    >>> parts = [exact_share(Decimal(20), Decimal(n), Decimal(n + 1), Decimal(3)) for n in range(3)]
    >>> parts, sum(parts) == 20
    ([Decimal('6.66667'), Decimal('6.66666'), Decimal('6.66667')], True)
    """

    def upto(k: Decimal) -> Decimal:
        return amount if k == total else LEDGER_QUANTITY.apply(amount * k / total)

    return upto(new) - upto(done)


def reverse_values(
    b: PostingBuilder,
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
    dated ``at`` (default: the batch's time). One of no order (a revaluation of stock on
    hand, posted Inventory against Inventory Adjustment) is reversed of no order too:
    it never went through the order's WIP."""
    at = at or b.at
    for v in b.ledger.value_entries(source=source, source_entry_no=original_no):
        of_order = v.order_id is not None
        actual = -share(v.cost_amount_actual, done, new, total, b.money)
        expected = -share(v.cost_amount_expected, done, new, total, b.money)
        qty = posted_quantity(
            -share(v.valued_quantity, done, new, total, LEDGER_QUANTITY), LEDGER_QUANTITY
        )
        b.value_entry(
            v.entry_type,
            v.source,
            actual,
            expected,
            currency=v.currency,
            valued_quantity=qty,
            item_entry_no=new_ref if source is ValueSource.ITEM else None,
            capacity_entry_no=new_ref if source is ValueSource.CAPACITY else None,
            item_no=v.item_no,
            order_id=order_id if of_order else None,
            order_line_no=line_no if of_order else None,
            variance_type=v.variance_type,
            posted_at=at,
        )


def reversal_date(original: dt.datetime, explicit: dt.datetime | None) -> dt.datetime:
    """BC: a reversal takes the original's posting date, unless one is given."""
    if explicit is None:
        return original
    if explicit < original:
        raise NotAllowedError(
            action=f"date a reversal at {explicit.isoformat()}",
            reason=f"it is before the entry it reverses ({original.isoformat()})",
        )
    return explicit


def reverse_item(
    b: PostingBuilder,
    entry_no: int,
    quantity: Decimal | None,
    include_flushed: bool,
    command: str,
    posted_at: dt.datetime | None = None,
) -> None:
    """Reverse ``quantity`` (default: what is left) of a consumption, by-product or
    output entry, with its capacity entry for an output; the component's or line's
    counters move back."""
    orig = b.ledger.item_entry(entry_no)
    _not_a_reversal(orig.applies_to_entry_no, entry_no)
    if orig.applies_from_entry_no is not None:
        # its consumption keeps counting it as returned (BC: consume again instead)
        raise NotAllowedError(
            action=f"reverse entry {entry_no}",
            reason=f"it is a return applying from entry {orig.applies_from_entry_no}; "
            "post that consumption again instead",
        )
    if orig.entry_type.is_adjustment:
        raise NotAllowedError(
            action=f"reverse entry {entry_no}",
            reason="an inventory adjustment is corrected by an opposite adjustment",
        )
    at = reversal_date(orig.posted_at, posted_at)
    item = b.md.item(orig.item_no)
    total = abs(orig.quantity)
    done = b.reversed(ValueSource.ITEM, entry_no)
    wanted = None if quantity is None else posted_quantity(quantity, item.rounding)
    qty = _part_to_reverse(f"item ledger entry {entry_no}", entry_no, total, done, wanted)
    order = b.order(orig.order_id, command=command)
    line = order.line(orig.order_line_no)
    sign = -1 if orig.quantity > 0 else 1
    if sign < 0:
        # BC: the reversal is applied to this entry, so only its units still in
        # inventory can go back, whatever the negative-inventory setting
        remaining = b.ledger.remaining_quantity(entry_no)
        if qty > remaining:
            raise InsufficientQuantityError(
                what=f"Remaining quantity of item ledger entry {entry_no} to reverse",
                requested=qty,
                available=remaining,
            )
    if sign < 0 and not b.setup.allow_negative_inventory:
        on_hand = b.on_hand(orig.item_no, orig.location_code)
        if qty > on_hand:
            raise InsufficientQuantityError(
                what=f"Inventory of {orig.item_no} to reverse output",
                requested=qty,
                available=on_hand,
            )
    cap_ref: int | None = None
    if orig.entry_type is ItemEntryType.OUTPUT and orig.capacity_entry_no is not None:
        cap = b.ledger.capacity_entry(orig.capacity_entry_no)
        cap_total = cap.output_quantity or Decimal(1)
        cap_share = qty * cap_total / total
        cap_ref = reverse_capacity(
            b, cap.entry_no, cap_share, include_flushed, command, via_output=True, posted_at=at
        )
    # scrap posted with an output of a line without routing (no capacity entry)
    scrap = posted_quantity(
        -share(orig.scrap_quantity, done, done + qty, total, item.rounding),
        item.rounding,
    )
    ref = b.add_item_entry(
        revise(
            orig,
            quantity=sign * qty,
            capacity_entry_no=cap_ref,
            flushed_by_capacity_entry_no=None,
            applies_to_entry_no=entry_no,
            posted_at=at,
            document_no=b.document_no,
            reason=f"Reversal of entry {entry_no}",
            scrap_quantity=scrap,
        )
    )
    reverse_values(
        b, ValueSource.ITEM, entry_no, ref, done, done + qty, total, order.id, line.line_no, at
    )
    line = b.orders[order.id].line(line.line_no)
    if orig.entry_type is ItemEntryType.CONSUMPTION and orig.component_line_no is None:
        what = "by-product"  # negative consumption of no component: no counter moves
    elif orig.entry_type is ItemEntryType.CONSUMPTION:
        comp = b.component(order.id, line.line_no, orig.component_line_no or 0)
        b.put_component(
            order.id,
            line.line_no,
            revise(comp, consumed_quantity=comp.consumed_quantity - in_unit(item, qty, comp.unit)),
        )
        what = "consumption"
    else:
        b.put_line(
            order.id,
            revise(
                line,
                finished_quantity=line.finished_quantity - in_unit(item, qty, line.unit),
                scrap_quantity=line.scrap_quantity + scrap,
            ),
        )
        what = "output"
    b.notes.append(f"Reversed {what} entry {entry_no}: {qty} {orig.unit} of {orig.item_no}")


def reverse_capacity(
    b: PostingBuilder,
    entry_no: int,
    quantity: Decimal | None,
    include_flushed: bool,
    command: str,
    *,
    via_output: bool = False,
    posted_at: dt.datetime | None = None,
) -> int:
    """Reverse ``quantity`` output units (default: what is left) of a capacity entry;
    the operation's counters move back and, with ``include_flushed``, the consumption it
    flushed is reversed in proportion. Returns the reversal's local number (0 when it went
    through the output entry)."""
    orig = b.ledger.capacity_entry(entry_no)
    _not_a_reversal(orig.applies_to_entry_no, entry_no)
    at = posted_at if via_output and posted_at is not None else None
    at = at or reversal_date(orig.posted_at, posted_at)
    if (
        not via_output
        and orig.order_id is not None
        and orig.output_quantity
        and orig.last_output_line
    ):
        # its output went to inventory: reverse through the output entry
        for e in b.ledger.item_entries(order_id=orig.order_id):
            if e.capacity_entry_no == entry_no and e.applies_to_entry_no is None:
                portion = (
                    None if quantity is None else quantity * abs(e.quantity) / orig.output_quantity
                )
                reverse_item(b, e.entry_no, portion, include_flushed, command, posted_at)
                return 0
    total = orig.output_quantity or Decimal(1)
    done = b.reversed(ValueSource.CAPACITY, entry_no)
    qty = _part_to_reverse(f"capacity ledger entry {entry_no}", entry_no, total, done, quantity)
    new = done + qty
    units = b.md.item(orig.item_no).rounding if orig.item_no is not None else LEDGER_QUANTITY

    def part(x: Decimal, rounding: Rounding = LEDGER_QUANTITY) -> Decimal:
        return posted_quantity(-share(x, done, new, total, rounding), rounding)

    order: ProductionOrder | None = None
    if orig.order_id is not None:
        order = b.order(orig.order_id, command=command)
    reversed_qty = part(orig.quantity)
    exact = orig.quantity + orig.rounding_residual  # before rounding: the residual nets out
    # the share of what the original added to its operation (the shares add up to it)
    op_times = None
    if orig.operation_times is not None:
        op_times = (
            exact_share(orig.operation_times[0], done, new, total),
            exact_share(orig.operation_times[1], done, new, total),
        )
    ref = b.add_capacity_entry(
        revise(
            orig,
            quantity=reversed_qty,
            rounding_residual=exact * done / total - exact * new / total - reversed_qty,
            setup_time=part(orig.setup_time),
            run_time=part(orig.run_time),
            stop_time=part(orig.stop_time),
            output_quantity=part(orig.output_quantity, units),
            scrap_quantity=part(orig.scrap_quantity, units),
            finished=False,
            applies_to_entry_no=entry_no,
            applied_quantity=qty,
            posted_at=at,
            document_no=b.document_no,
            operation_times=None if op_times is None else (-op_times[0], -op_times[1]),
        )
    )
    reverse_values(
        b,
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
    rev = b.caps[-ref - 1]
    if order is not None and orig.order_line_no is not None and orig.operation_no is not None:
        line = b.orders[order.id].line(orig.order_line_no)
        op = b.operation(order.id, line.line_no, orig.operation_no)
        setup_unit, run_unit = op.setup_time.unit, op.run_time.unit
        if op_times is None:  # an entry stored before it kept its operation's times
            op_times = (
                -Duration(rev.setup_time, orig.time_unit).in_units(setup_unit),
                -Duration(rev.run_time, orig.time_unit).in_units(run_unit),
            )
        b.put_operation(
            order.id,
            line.line_no,
            revise(
                op,
                output_quantity=op.output_quantity + rev.output_quantity,
                scrap_quantity=op.scrap_quantity + rev.scrap_quantity,
                posted_setup_time=op.posted_setup_time - op_times[0],
                posted_run_time=op.posted_run_time - op_times[1],
                status=RoutingStatus.IN_PROGRESS,
            ),
        )
        if op.is_last and rev.scrap_quantity:
            line = b.orders[order.id].line(line.line_no)
            b.put_line(
                order.id,
                revise(line, scrap_quantity=line.scrap_quantity + rev.scrap_quantity),
            )
    b.notes.append(f"Reversed capacity entry {entry_no} ({orig.no}): {qty} of {total}")
    if include_flushed and orig.order_id is not None:
        with b.parts_together():  # n flushed components reversed: each line rebuilt once
            for e in b.ledger.item_entries(order_id=orig.order_id):
                if e.flushed_by_capacity_entry_no == entry_no and e.applies_to_entry_no is None:
                    e_total = abs(e.quantity)
                    e_left = e_total - b.reversed(ValueSource.ITEM, e.entry_no)
                    rounding = b.md.item(e.item_no).rounding
                    portion = min(share(e_total, done, new, total, rounding), e_left)
                    if portion > 0:
                        reverse_item(b, e.entry_no, portion, False, command, posted_at)
    return ref
