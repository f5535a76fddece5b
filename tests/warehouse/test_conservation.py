"""Property: picks and returns conserve quantity and value per item across all bins."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.errors import InsufficientQuantityError
from prodcore.ledger.model import ItemEntryType

from .conftest import warehouse_shop
from .test_picking import BINS, bins, inventory_value, pick, return_surplus

STORAGE = ("S-01", "S-02")
moves = st.lists(
    st.tuples(
        st.sampled_from(("pick", "return")),
        st.integers(min_value=1, max_value=120),
        st.sampled_from(STORAGE),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None)
@given(moves=moves, negative=st.booleans())
def test_transfers_conserve_quantity_and_value(
    moves: list[tuple[str, int, str]], negative: bool
) -> None:
    shop = warehouse_shop(negative=negative)
    for kind, qty, bin_code in moves:
        try:
            if kind == "pick":
                pick(shop, qty, from_bin=bin_code)
            else:
                return_surplus(shop, qty, to_bin=bin_code)
        except InsufficientQuantityError:
            continue  # refused: nothing moved (the refusal tests show it)
        assert sum(bins(shop).values()) == 200
        assert inventory_value(shop) == Decimal("400.00")
    with shop.uow as uow:
        transfers = [
            e
            for e in uow.ledger.item_entries(item_no="COMP")
            if e.entry_type is ItemEntryType.TRANSFER
        ]
        assert sum(e.quantity for e in transfers) == 0
        values = [v for v in uow.ledger.value_entries() if v.item_no == "COMP"]
        assert sum(v.cost_amount for v in values) == Decimal("400.00")
        # what lies in the production bin is what was picked and not returned
        comp = uow.orders.get("PO-1").lines[0].components[0]
        assert uow.ledger.on_hand_in_bin("COMP", "MAIN", "ASSY-IN") == comp.picked_quantity
    assert set(bins(shop)) <= set(BINS)
