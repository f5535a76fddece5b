"""Valuing a batch's outbound entries one after the other gives what valuing each one
against the whole batch before it gives (the costs a FIFO item's entries take, with
their rounding, and the item applications a store decides), checked against a naive
reference that re-applies every earlier entry of the batch for each one; and the work
per entry does not grow with the entries before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from prodcore.ledger.application import Applier, decide_applications
from prodcore.ledger.model import ItemApplication, ItemEntryType, ItemLedgerEntry
from prodcore.ledger.posting import item_unit_cost
from prodcore.ledger.reader import LedgerReader
from prodcore.ledger.valuation import BatchCosts, entry_value, outbound_unit_cost
from prodcore.masterdata import CostingMethod, Item, ManufacturingSetup
from prodcore.orders import AdjustInventory, AdjustmentLine
from prodcore.orders.builder import PostingBuilder
from prodcore.testing.shop import T0, Shop

AT = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
BATCH = 10**15  # the reference numbers a batch's entries after every ledger entry


def _entry(
    no: int, item_no: str, qty: int, applies_to: int | None = None, lot: str = ""
) -> ItemLedgerEntry:
    kind = ItemEntryType.POSITIVE_ADJUSTMENT if qty > 0 else ItemEntryType.NEGATIVE_ADJUSTMENT
    return ItemLedgerEntry(
        no,
        kind,
        item_no,
        Decimal(qty),
        unit="PCS",
        posted_at=AT,
        applies_to_entry_no=applies_to,
        lot_no=lot,
    )


def _naive_apply(
    remaining: dict[int, Decimal],
    no: int,
    qty: Decimal,
    fixed: int | None,
    allowed: set[int] | None,
) -> list[tuple[int, Decimal]]:
    """Apply an entry of one item and location against ``remaining`` (every open entry
    there, signed) by scanning all of it: (other entry, quantity) taken."""
    inbound = qty > 0
    opposite = sorted(k for k, v in remaining.items() if (v < 0) == inbound)
    order = [fixed] if fixed in opposite else []
    if fixed is None or inbound:
        order += [k for k in opposite if k != fixed and (allowed is None or k in allowed)]
    left, taken = abs(qty), []
    for k in order:
        if not left:
            break
        q = min(left, abs(remaining[k]))
        taken.append((k, q))
        remaining[k] += q if inbound else -q
        if not remaining[k]:
            del remaining[k]
        left -= q
    if left:
        remaining[no] = left if inbound else -left
    return taken


def _naive_applications(
    entries: Iterable[ItemLedgerEntry],
    ledger_open: dict[tuple[str, str], dict[int, Decimal]],
    lots: dict[int, str] | None,
) -> list[ItemApplication]:
    remaining = {key: dict(pool) for key, pool in ledger_open.items()}
    same_lot: dict[tuple[str, str], set[int]] = {}
    found = []
    for e in entries:
        key = (e.item_no, e.location_code)
        allowed = None
        if lots is not None and e.lot_no:
            allowed = same_lot.setdefault(
                (e.item_no, e.lot_no), {n for n, lot in lots.items() if lot == e.lot_no}
            )
        fixed = e.applies_to_entry_no
        for other, q in _naive_apply(
            remaining.setdefault(key, {}), e.entry_no, e.quantity, fixed, allowed
        ):
            out, into = (other, e.entry_no) if e.quantity > 0 else (e.entry_no, other)
            found.append(ItemApplication(e.item_no, e.location_code, out, into, q))
        if allowed is not None:
            allowed.add(e.entry_no)
    return found


_QTY = st.integers(1, 6) | st.integers(-6, -1)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.sampled_from("AB"), _QTY, st.sampled_from(["", "L1"])), max_size=12),
    st.lists(
        st.tuples(st.sampled_from("AB"), _QTY, st.integers(0, 14), st.sampled_from(["", "L1"])),
        max_size=25,
    ),
    st.booleans(),
)
def test_applications_one_at_a_time_are_the_naive_ones(
    ledger: list[tuple[str, int, str]], batch: list[tuple[str, int, int, str]], tracked: bool
) -> None:
    """Open ledger entries 1..n (A and B, both directions, some of lot L1), then a batch
    whose entries may apply to a ledger entry (a reversal) and carry lot L1."""
    ledger_open: dict[tuple[str, str], dict[int, Decimal]] = {}
    lots = {}
    for no, (item_no, qty, lot) in enumerate(ledger, 1):
        ledger_open.setdefault((item_no, ""), {})[no] = Decimal(qty)
        lots[no] = lot
    entries = [
        _entry(100 + n, item_no, qty, applies_to or None, lot)
        for n, (item_no, qty, applies_to, lot) in enumerate(batch)
    ]

    def open_entries(item_no: str, location: str, inbound: bool) -> list[tuple[int, Decimal]]:
        pool = ledger_open.get((item_no, location), {})
        return [(no, q) for no, q in pool.items() if (q > 0) == inbound]

    def tracked_entries(item_no: str, lot: str, serial: str) -> list[ItemLedgerEntry]:
        return [
            _entry(no, item_no, 1, lot=lots[no])
            for no in ledger_open.get((item_no, ""), {})
            if lots[no] == lot
        ]

    found = decide_applications(entries, open_entries, tracked_entries if tracked else None)
    assert list(found) == _naive_applications(entries, ledger_open, lots if tracked else None)


def _reference_unit_cost(
    ledger: LedgerReader, item: Item, location: str, qty: Decimal, pending: list[ItemLedgerEntry]
) -> Decimal:
    """The unit cost an outbound entry took before batches were valued in one pass: the
    batch's entries of its item and location re-applied, then the entry itself."""
    if item.costing_method is not CostingMethod.FIFO:
        return outbound_unit_cost(ledger, item, location, qty)  # nothing of the batch read
    remaining = {
        no: q
        for inbound in (True, False)
        for no, q in ledger.open_entries(item.no, location, inbound)
    }
    same = [e for e in pending if (e.item_no, e.location_code) == (item.no, location)]
    for n, e in enumerate(same):
        fixed = e.applies_to_entry_no
        _naive_apply(remaining, BATCH + n, e.quantity, fixed, None)
    total = applied = Decimal(0)
    for no, q in _naive_apply(remaining, BATCH + len(same), -qty, None, None):
        if no < BATCH:
            total += q * (entry_value(ledger, no) / ledger.item_entry(no).quantity)
            applied += q
    return (total + (qty - applied) * item_unit_cost(item)) / qty


_ITEMS = [
    Item("A", base_unit="PCS", unit_cost=Decimal("5.13"), costing_method=CostingMethod.FIFO),
    Item("B", base_unit="PCS", unit_cost=Decimal("0.7"), costing_method=CostingMethod.FIFO),
    Item("V", base_unit="PCS", unit_cost=Decimal(3), costing_method=CostingMethod.AVERAGE),
    Item("S", base_unit="PCS", unit_cost=Decimal(2), costing_method=CostingMethod.STANDARD),
]
_LOCATION = st.sampled_from(["", "", "", "W2"])  # mostly one pool, so the batch crosses receipts
_COST = st.decimals(Decimal("0.01"), Decimal(20), places=3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("AAAABVS"), _LOCATION, _QTY, _COST),
        min_size=2,
        max_size=10,
    ),
    st.lists(
        st.tuples(st.sampled_from("AAAABVS"), _LOCATION, _QTY, st.integers(0, 10), st.booleans()),
        min_size=4,
        max_size=30,
    ),
)
@example(  # a move out of the pool before the first valuation there shifts it
    history=[("A", "", 2, Decimal(1)), ("A", "", 2, Decimal(3))],
    batch=[("A", "", -1, 0, False), ("A", "", -2, 0, True)],
)
def test_a_batch_valued_in_one_pass_takes_the_reference_costs(
    history: list[tuple[str, str, int, Decimal]], batch: list[tuple[str, str, int, int, bool]]
) -> None:
    """Posted receipts and issues at various costs (negative inventory allowed), then a
    batch of receipts, issues and reversals of posted entries, some outbound ones not
    valued (as a move between bins or an output's reversal is not): each outbound entry
    valued is valued at the reference cost, exactly (same digits)."""
    shop = Shop(_ITEMS, setup=ManufacturingSetup(allow_negative_inventory=True))
    for item_no, location, qty, cost in history:
        line = AdjustmentLine(item_no, qty, location_code=location, unit_cost=cost)
        shop.post(AdjustInventory(shop.key(), (line,)))
    items = {item.no: item for item in _ITEMS}
    with shop.uow:
        ledger = shop.uow.ledger
        b = PostingBuilder(shop.uow.master_data, ledger, lambda _id: None, T0, "B")  # type: ignore[arg-type,return-value]
        for item_no, location, qty, applies_to, valued in batch:
            item = items[item_no]
            if 0 < applies_to <= len(history) and history[applies_to - 1][:2] == (
                item_no,
                location,
            ):
                target = ledger.item_entry(applies_to)
                qty = -int(target.quantity) or qty  # a reversal of a posted entry
            else:
                applies_to = 0
            if qty < 0 and valued:
                got = b.costs.unit_cost(item, location, Decimal(-qty), b.setup, T0.date())
                want = _reference_unit_cost(ledger, item, location, Decimal(-qty), b.items)
                assert (got, str(got)) == (want, str(want))
            kind = (
                ItemEntryType.POSITIVE_ADJUSTMENT if qty > 0 else ItemEntryType.NEGATIVE_ADJUSTMENT
            )
            b.item_entry(
                kind,
                item_no,
                Decimal(qty),
                unit="PCS",
                location_code=location,
                applies_to_entry_no=applies_to or None,
            )


def test_valuing_the_kth_entry_applies_each_entry_of_the_batch_once() -> None:
    """n issues of one FIFO item from n receipts: each issue applies the entries added
    since the one before, not the whole batch again (n applications in all, and one
    read of the open receipts)."""
    item = _ITEMS[0]
    reads: list[tuple[str, str, bool]] = []
    receipts = [(no, Decimal(1)) for no in range(1, 201)]

    class Ledger:
        def open_entries(
            self, item_no: str, location: str, inbound: bool
        ) -> list[tuple[int, Decimal]]:
            reads.append((item_no, location, inbound))
            return receipts if inbound else []

    entries: list[ItemLedgerEntry] = []
    costs = BatchCosts(Ledger(), entries)  # type: ignore[arg-type]
    costs._unit_cost = lambda no: Decimal(no)  # type: ignore[method-assign,assignment]
    for n in range(200):
        assert costs.unit_cost(item, "", Decimal(1)) == Decimal(n + 1)  # the oldest left
        entries.append(_entry(-(n + 1), "A", -1))
    assert costs._fifo is not None and len(costs._fifo.found) == 199  # each applied once
    assert reads == [("A", "", True)]


def test_an_applier_keeps_what_it_would_take_untouched() -> None:
    applier = Applier(
        lambda item, location, inbound: [(1, Decimal(3)), (2, Decimal(3))] if inbound else []
    )
    assert applier.would_take("A", "", Decimal(4)) == [(1, Decimal(3)), (2, Decimal(1))]
    assert applier.would_take("A", "", Decimal(4)) == [(1, Decimal(3)), (2, Decimal(1))]
    assert applier.found == []
