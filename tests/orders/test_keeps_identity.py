"""Decisions keep what they do not change: every order line, component, operation (and
tuple of them) a decision leaves alone is the very object it was before, and the work a
decision does on the order does not grow with the parts it leaves alone; a flush of n
components of one line rebuilds that line and the order once.

The flow is the benchmark's: release with forward flushing, a consumption journal,
output with linked backward flushing, finish with backward flushing. Each decision is
called directly on the order as the store holds it (the app would pass the same), then
handled through the app to move the shop on.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import prodcore.records
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration
from prodcore.orders import (
    AdjustInventory,
    AdjustmentLine,
    ChangeStatus,
    ConsumptionLine,
    OrderStatus,
    OutputLine,
    PostConsumption,
    PostOutput,
    ProductionOrder,
    decide_posting,
)
from prodcore.orders.builder import Execution, PostingBuilder
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.finishing import flush_at_finish, flush_at_release
from prodcore.orders.model import Component, OrderLine
from prodcore.testing.shop import T0, Shop

FWD, BWD, MAN = FlushingMethod.FORWARD, FlushingMethod.BACKWARD, FlushingMethod.MANUAL
MAIN, SUB = 10000, 20000  # the order's lines: P, and S made to order


def _shop(untouched: int, backward: int) -> Shop:
    """P is made of F (forward), L (backward, linked to operation 10), M (manual,
    consumed by a journal), ``backward`` backward components B0.. (flushed at finish),
    ``untouched`` manual components X0.. (never posted) and S, a sub-assembly made to
    order on a line of its own (its component R is never posted either)."""
    bwd = [f"B{i}" for i in range(backward)]
    extra = [f"X{i}" for i in range(untouched)]
    return Shop(
        [
            WorkCenter("WC", direct_unit_cost=Decimal(1)),
            Item(
                "P",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="P-BOM",
                routing_no="P-RTG",
            ),
            Item(
                "S",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                production_bom_no="S-BOM",
                unit_cost=Decimal(3),
            ),
            Item("F", base_unit="PCS", unit_cost=Decimal(1), flushing_method=FWD),
            Item("L", base_unit="PCS", unit_cost=Decimal(1), flushing_method=BWD),
            Item("M", base_unit="PCS", unit_cost=Decimal(1), flushing_method=MAN),
            Item("R", base_unit="PCS", unit_cost=Decimal(1), flushing_method=MAN),
            *(Item(no, base_unit="PCS", unit_cost=Decimal(1), flushing_method=BWD) for no in bwd),
            *(Item(no, base_unit="PCS", unit_cost=Decimal(1), flushing_method=MAN) for no in extra),
            ProductionBom(
                "P-BOM",
                (
                    BomLine("F", 1),
                    BomLine("L", 2, routing_link_code="ASM"),
                    BomLine("M", 1),
                    *(BomLine(no, 1) for no in bwd),
                    *(BomLine(no, 1) for no in extra),
                    BomLine("S", 1),
                ),
            ),
            ProductionBom("S-BOM", (BomLine("R", 1),)),
            Routing(
                "P-RTG",
                (
                    RoutingLine(
                        "10",
                        CapacityType.WORK_CENTER,
                        "WC",
                        run_time=Duration(1),
                        routing_link_code="ASM",
                    ),
                    RoutingLine(
                        "20",
                        CapacityType.WORK_CENTER,
                        "WC",
                        run_time=Duration(1),
                        flushing_method=BWD,
                    ),
                ),
            ),
        ]
    )


@contextmanager
def _counting_revisions() -> Iterator[Counter[str]]:
    """Count :func:`~prodcore.records.revise` calls by the class revised."""
    counts: Counter[str] = Counter()
    real = prodcore.records._reviser

    def counted(cls: type, changed: tuple[str, ...]) -> Callable[[Any, dict[str, Any]], Any]:
        counts[cls.__name__] += 1
        return real(cls, changed)

    prodcore.records._reviser = counted  # type: ignore[assignment]
    try:
        yield counts
    finally:
        prodcore.records._reviser = real


def _component(order: ProductionOrder, item_no: str) -> Component:
    return next(c for c in order.line(MAIN).components if c.item_no == item_no)


def _after(execution: Execution, order_id: str) -> ProductionOrder:
    return next(o for o in execution.orders if o.id == order_id)


def _assert_kept(
    before: ProductionOrder,
    after: ProductionOrder,
    *,
    components: AbstractSet[str] = frozenset(),
    operations: AbstractSet[str] = frozenset(),
) -> None:
    """Everything of ``before`` but the named components and operations of the main line
    is the same object in ``after``; the named ones are new objects."""
    assert after.line(SUB) is before.line(SUB)
    old, new = before.line(MAIN), after.line(MAIN)
    assert (new is old) == (not components and not operations)
    for was, now in zip(old.components, new.components, strict=True):
        assert (now is was) == (was.item_no not in components), was.item_no
    assert (new.components is old.components) == (not components)
    for was_op, now_op in zip(old.operations, new.operations, strict=True):
        assert (now_op is was_op) == (was_op.operation_no not in operations)
    assert (new.operations is old.operations) == (not operations)
    for line in before.lines:
        assert after.line(line.line_no).line_no == line.line_no


Decide = Callable[[], Execution]


def _posting(
    command: PostConsumption | PostOutput,
    order: ProductionOrder,
    md: MasterDataLookup,
    ledger: LedgerReader,
    at: dt.datetime,
) -> Decide:
    return lambda: decide_posting(command, lambda _id: order, md, ledger, at)


def _decisions(shop: Shop, backward: int) -> Iterator[tuple[str, ProductionOrder, Decide]]:
    """The flow's decisions on PO-1, each with the order before it and the call that
    decides it (to be called at once); the shop moves on after each."""
    shop.post(AdjustInventory(shop.key(), tuple(AdjustmentLine(no, 100) for no in "FLM")))
    if backward:
        bwd = tuple(AdjustmentLine(f"B{i}", 100) for i in range(backward))
        shop.post(AdjustInventory(shop.key(), bwd))
    planned = shop.create("PO-1", "P", 5, make_to_order=True)
    at = shop.clock.now()
    with shop.uow:
        md, ledger = shop.uow.master_data, shop.uow.ledger
        released = prodcore.records.revise(planned, status=OrderStatus.RELEASED)
        yield "release", released, lambda: flush_at_release(released, md, ledger, at, "R")
    shop.release()

    for name in ("consumption", "output"):
        order = shop.order()
        command: PostConsumption | PostOutput = (
            PostConsumption(
                shop.key(),
                (ConsumptionLine("PO-1", MAIN, _component(order, "M").line_no, 1),),
            )
            if name == "consumption"
            else PostOutput(
                shop.key(),
                (OutputLine("PO-1", MAIN, "10", output_quantity=5, finished=True),),
            )
        )
        with shop.uow:
            md, ledger = shop.uow.master_data, shop.uow.ledger
            yield name, order, _posting(command, order, md, ledger, at)
        shop.post(command)

    order = shop.order()
    with shop.uow:
        md, ledger = shop.uow.master_data, shop.uow.ledger
        yield "finish", order, lambda: flush_at_finish(order, md, ledger, at, "F")
    shop.apply(ChangeStatus("PO-1", OrderStatus.FINISHED))


#: what each decision changes on the main line (components by item, operations by no.)
CHANGES: dict[str, tuple[set[str], set[str]]] = {
    "release": ({"F"}, set()),
    "consumption": ({"M"}, set()),
    "output": ({"L"}, {"10"}),
    "finish": (set(), {"20"}),  # and the B components, when there are any
}


@pytest.mark.parametrize(("untouched", "backward"), [(0, 0), (3, 2)])
def test_a_decision_keeps_every_part_it_does_not_change(untouched: int, backward: int) -> None:
    shop = _shop(untouched, backward)
    for name, before, decide in _decisions(shop, backward):
        execution = decide()
        comps, ops = CHANGES[name]
        if name == "finish":
            comps = comps | {f"B{i}" for i in range(backward)}
        _assert_kept(before, _after(execution, "PO-1"), components=comps, operations=ops)


def _revisions(untouched: int, backward: int) -> dict[str, Counter[str]]:
    """The revisions each decision of the flow makes, by class revised."""
    found: dict[str, Counter[str]] = {}
    for name, _before, decide in _decisions(_shop(untouched, backward), backward):
        with _counting_revisions() as counts:
            decide()
        found[name] = counts
    return found


def test_revisions_do_not_grow_with_untouched_parts() -> None:
    assert _revisions(0, 0) == _revisions(6, 0)


def test_a_flush_of_n_components_rebuilds_the_line_and_the_order_once() -> None:
    one, many = _revisions(0, 1)["finish"], _revisions(0, 5)["finish"]
    assert many[OrderLine.__name__] == one[OrderLine.__name__]
    assert many[ProductionOrder.__name__] == one[ProductionOrder.__name__]
    assert many[Component.__name__] == one[Component.__name__] + 4  # one per component


def test_putting_what_is_there_keeps_the_order() -> None:
    shop = _shop(1, 0)
    order = shop.create("PO-1", "P", 5, make_to_order=True)
    line = order.line(MAIN)
    assert order.replace_line(line) is order
    changed = prodcore.records.revise(line, quantity=Decimal(4))
    replaced = order.replace_line(changed)
    assert replaced.line(MAIN) is changed
    assert replaced.line(SUB) is order.line(SUB)
    assert replaced.line(MAIN).quantity == Decimal(4)


def _builder(order: ProductionOrder) -> PostingBuilder:
    ledger = InMemoryUnitOfWork(InMemoryStore()).ledger
    b = PostingBuilder(MasterData.of(), ledger, lambda _id: order, T0, "D")
    b.order(order.id, released=False)
    return b


@functools.cache
def _planned() -> ProductionOrder:
    return _shop(4, 2).create("PO-1", "P", 5, make_to_order=True)


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(1, 3)), max_size=10))
def test_components_put_at_once_are_those_put_one_by_one(changes: list[tuple[int, int]]) -> None:
    """Putting changed components together gives the order putting them one at a time
    gives, and every component not given stays the same object."""
    planned = _planned()
    comps = planned.line(MAIN).components
    given_comps = [
        prodcore.records.revise(comps[i], consumed_quantity=Decimal(q)) for i, q in changes
    ]
    together, one_by_one = _builder(planned), _builder(planned)
    together.put_components("PO-1", MAIN, given_comps)
    for comp in given_comps:
        one_by_one.put_component("PO-1", MAIN, comp)
    after = together.orders["PO-1"]
    assert after == one_by_one.orders["PO-1"]
    assert (after is planned) == (not changes)
    touched = {comps[i].line_no for i, _q in changes}
    for was, now in zip(comps, after.line(MAIN).components, strict=True):
        assert (now is was) == (was.line_no not in touched)
