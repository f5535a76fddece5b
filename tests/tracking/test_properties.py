"""Properties of item tracking: per lot, on hand = inbound − outbound ≥ 0 (negative
inventory off); every serial is on hand at most once; a trace forward then back returns
the starting lot."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prodcore.errors import DomainError
from prodcore.ledger.genealogy import trace_backward, trace_forward
from prodcore.masterdata import BomLine, Item, ItemTracking, ProductionBom, Replenishment
from prodcore.orders.journals import AdjustInventory, AdjustmentLine, TrackingLine
from prodcore.ports import MasterDataRecord
from prodcore.testing.shop import Shop
from tests.tracking.conftest import consume, lots, make_shop, output, receive

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

moves = st.lists(
    st.tuples(
        st.sampled_from(["L1", "L2", "L3"]),
        st.sampled_from(["", "EAST"]),
        st.integers(min_value=-6, max_value=6).filter(bool),
    ),
    max_size=12,
)


def _adjust(shop: Shop, item_no: str, qty: int, location: str, tracking: TrackingLine) -> bool:
    line = AdjustmentLine(item_no, qty, location_code=location, tracking=(tracking,))
    try:
        shop.post(AdjustInventory(shop.key(), (line,)))
    except DomainError:
        return False
    return True


@_SETTINGS
@given(moves)
def test_per_lot_on_hand_is_inbound_minus_outbound_and_never_negative(
    steps: list[tuple[str, str, int]],
) -> None:
    shop = make_shop()
    for lot, location, qty in steps:
        tracking = lots((lot, abs(qty)))[0]
        _adjust(shop, "STEEL", qty, location, tracking)
    with shop.uow as uow:
        for lot in ("L1", "L2", "L3"):
            entries = uow.ledger.tracked_entries("STEEL", lot_no=lot)
            for location in ("", "EAST"):
                moved = sum(
                    (e.quantity for e in entries if e.location_code == location), Decimal(0)
                )
                on_hand = uow.ledger.lot_on_hand("STEEL", lot, "", location)
                assert on_hand == moved >= 0
            assert sum((b.quantity for b in uow.ledger.lot_balances("STEEL")), Decimal(0)) == (
                uow.ledger.on_hand("STEEL")
            )


@_SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["SN1", "SN2"]), st.sampled_from([1, -1])), max_size=10))
def test_every_serial_is_on_hand_at_most_once(steps: list[tuple[str, int]]) -> None:
    shop = make_shop()
    for serial, qty in steps:
        _adjust(shop, "BIKE", qty, "", TrackingLine(serial_no=serial, quantity=1))
    with shop.uow as uow:
        for serial in ("SN1", "SN2"):
            assert uow.ledger.lot_on_hand("BIKE", "", serial) in (0, 1)
        assert all(b.quantity == 1 for b in uow.ledger.lot_balances("BIKE"))


def _chain(levels: int) -> list[MasterDataRecord]:
    records: list[MasterDataRecord] = [Item("I0", base_unit="PCS", tracking=ItemTracking(lot=True))]
    for level in range(1, levels + 1):
        records.append(ProductionBom(f"B{level}", (BomLine(f"I{level - 1}", 1),)))
        records.append(
            Item(
                f"I{level}",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no=f"B{level}",
                tracking=ItemTracking(lot=True),
            )
        )
    return records


@_SETTINGS
@given(
    levels=st.integers(min_value=1, max_value=4),
    raw=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=3),
    used=st.data(),
)
def test_trace_forward_then_back_returns_the_starting_lot(
    levels: int, raw: list[int], used: st.DataObject
) -> None:
    shop = Shop(_chain(levels))
    raw_lots = [(f"R{i}", qty) for i, qty in enumerate(raw)]
    receive(shop, "I0", [TrackingLine(lot, quantity=qty) for lot, qty in raw_lots])
    consumed = used.draw(st.lists(st.sampled_from(raw_lots), min_size=1, unique=True))
    for level in range(1, levels + 1):
        order_id = f"PO-{level}"
        shop.create(order_id, f"I{level}", 1)
        shop.release(order_id)
        if level == 1:
            tracking = [TrackingLine(lot, quantity=qty) for lot, qty in consumed]
        else:
            tracking = [TrackingLine(f"X{level - 1}", quantity=1)]
        consume(shop, order_id, f"I{level - 1}", tracking)
        output(shop, order_id, [TrackingLine(f"X{level}", quantity=1)])
    with shop.uow as uow:
        for lot, _ in raw_lots:
            forward = trace_forward(uow.ledger, "I0", lot_no=lot)
            if (lot, dict(raw_lots)[lot]) not in consumed:
                assert forward == []
                continue
            assert [(t.item_no, t.lot_no) for t in forward] == [
                (f"I{level}", f"X{level}") for level in range(1, levels + 1)
            ]
            for link in forward:
                back = trace_backward(uow.ledger, link.item_no, lot_no=link.lot_no)
                assert ("I0", lot) in {(t.item_no, t.lot_no) for t in back}
