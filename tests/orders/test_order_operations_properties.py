"""Properties: a split conserves expected quantities and never moves posted quantities;
reversing all of an order then posting the same commands again gives the same balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.errors import InsufficientQuantityError
from prodcore.orders.journals import (
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostingCommand,
    PostOutput,
)
from prodcore.orders.lifecycle import CreateOrder, OrderCreated, decide
from prodcore.orders.model import OrderStatus
from prodcore.orders.reverse_all import ReverseOrderPostings
from prodcore.orders.splitting import SplitOrder, split_order
from tests.orders.conftest import DUE, T0, table_master_data
from tests.orders.test_order_operations import _balances, counters, released, table_shop

MD = table_master_data()


def _posted_order(quantity: int, finished: int, consumed: list[int], op_output: int) -> Any:
    """A released order of ``quantity`` with counters as postings would leave them."""
    (event,) = decide(None, CreateOrder("PO-1", "TABLE", quantity, due_date=DUE), MD, T0)
    assert isinstance(event, OrderCreated)
    order = event.order
    (line,) = order.lines
    line = attrs.evolve(
        line,
        finished_quantity=finished,
        components=tuple(
            attrs.evolve(c, consumed_quantity=n)
            for c, n in zip(line.components, consumed, strict=True)
        ),
        operations=tuple(
            attrs.evolve(o, output_quantity=op_output if o.is_first else finished)
            for o in line.operations
        ),
    )
    return attrs.evolve(order, status=OrderStatus.RELEASED, lines=(line,))


@settings(max_examples=150, deadline=None)
@given(
    quantity=st.integers(2, 300),
    finished_share=st.fractions(0, 1),
    consumed=st.lists(st.integers(0, 2000), min_size=3, max_size=3),
    op_output_share=st.fractions(0, 1),
    split_share=st.fractions(0, 1),
)
def test_a_split_conserves_expected_quantities_and_moves_nothing_posted(
    quantity: int,
    finished_share: Any,
    consumed: list[int],
    op_output_share: Any,
    split_share: Any,
) -> None:
    finished = int(quantity * finished_share)
    order = _posted_order(quantity, finished, consumed, int(quantity * op_output_share))
    moved = max(1, min(quantity - 1, int(quantity * split_share)))
    try:
        origin, new = split_order(order, SplitOrder("PO-1", "PO-2", moved), MD, T0)
    except InsufficientQuantityError:
        assert moved > quantity - finished  # only more than is not finished is refused
        return
    assert origin.quantity + new.quantity == order.quantity
    for before, kept, split_off in zip(order.lines, origin.lines, new.lines, strict=True):
        assert kept.quantity + split_off.quantity == before.quantity
        for c0, c1, c2 in zip(
            before.components, kept.components, split_off.components, strict=True
        ):
            assert c1.expected_quantity + c2.expected_quantity == c0.expected_quantity
            assert c2.expected_quantity >= 0
        for o0, o1, o2 in zip(
            before.operations, kept.operations, split_off.operations, strict=True
        ):
            assert o1.input_quantity + o2.input_quantity == o0.input_quantity
    assert counters(origin) == counters(order)
    assert not new.has_net_postings


_COMMAND = st.one_of(
    st.tuples(st.just("consume"), st.sampled_from([10000, 20000, 30000]), st.integers(1, 30)),
    st.tuples(st.just("output"), st.sampled_from(["10", "20"]), st.integers(1, 6)),
)


def _command(key: str, spec: tuple[str, Any, int]) -> PostingCommand:
    kind, target, quantity = spec
    if kind == "consume":
        return PostConsumption(key, (ConsumptionLine("PO-1", 10000, target, quantity),))
    return PostOutput(key, (OutputLine("PO-1", 10000, target, output_quantity=quantity),))


@settings(max_examples=30, deadline=None)
@given(specs=st.lists(_COMMAND, min_size=1, max_size=8))
def test_reversing_all_then_posting_again_gives_the_same_balances(
    specs: list[tuple[str, Any, int]],
) -> None:
    shop = table_shop()
    released(shop, 10)
    for n, spec in enumerate(specs):
        shop.post(_command(f"first-{n}", spec))
    balances = _balances(shop)
    result = shop.post(ReverseOrderPostings("reverse", "PO-1"))
    assert result.warnings == ()
    wip, on_hand, _ = _balances(shop)
    assert wip == 0 and all(q == Decimal(0) for q in on_hand.values())
    assert not shop.order().has_net_postings
    for n, spec in enumerate(specs):
        shop.post(_command(f"again-{n}", spec))
    assert _balances(shop) == balances
