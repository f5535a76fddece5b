"""A stateful hypothesis machine that drives production orders through random commands.

:class:`ProductionOrderMachine` creates, releases, posts consumption and output to,
returns consumption to (applying from its entry), reverses entries of, and finishes
orders, mixing valid and invalid commands, against a
small reference model. After every step it checks the invariants: every value posting
balances, the order counters agree with the ledger balances and the model, WIP is the
unabsorbed cost, nothing is negative, a refused command changes nothing, a repeated
idempotency key posts nothing.

Run it against your own store by overriding :meth:`~ProductionOrderMachine.make_unit_of_work`::

    class MyStoreMachine(ProductionOrderMachine):
        def make_unit_of_work(self) -> UnitOfWork:
            return MyUnitOfWork(fresh_database())

    TestMyStore = MyStoreMachine.TestCase
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import (
    AlreadyReversedError,
    IdempotencyConflictError,
    InsufficientQuantityError,
    InvalidTransitionError,
    NotAllowedError,
    ProdcoreError,
)
from prodcore.ledger.balances import applied_from
from prodcore.ledger.model import ItemEntryType, ValueSource
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.numbers import ZERO, Duration
from prodcore.orders.execution import (
    ConsumptionLine,
    OutputLine,
    PostConsumption,
    PostingCommand,
    PostOutput,
    ReverseEntry,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.ports import UnitOfWork

__all__ = ["ProductionOrderMachine"]

_T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
_F = FlushingMethod
#: component line no -> (item, quantity per, flushing method, routing link)
_COMPONENTS = {
    10000: ("MANUAL-C", 1, _F.MANUAL, None),
    20000: ("LINKED-B", 2, _F.BACKWARD, "L10"),
    30000: ("FORWARD-C", 3, _F.FORWARD, None),
    40000: ("BACKWARD-C", 1, _F.BACKWARD, None),
}


def _master_data() -> list[Any]:
    return [
        WorkCenter("CUT", direct_unit_cost="0.75", indirect_cost_percent=10, overhead_rate="0.05"),
        WorkCenter(
            "PACK",
            direct_unit_cost="1.10",
            indirect_cost_percent=5,
            unit_cost_calculation=UnitCostCalculation.UNITS,
        ),
        *(
            Item(no, base_unit="PCS", unit_cost=cost, flushing_method=method)
            for (no, _, method, _), cost in zip(
                _COMPONENTS.values(), ("1.333", "0.25", "2.10", "0.07"), strict=True
            )
        ),
        Item(
            "PRODUCT",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="BOM",
            routing_no="RTG",
            standard_cost="17.35",
        ),
        ProductionBom(
            "BOM",
            tuple(
                BomLine(no, q, routing_link_code=link) for no, q, _, link in _COMPONENTS.values()
            ),
        ),
        Routing(
            "RTG",
            (
                RoutingLine(
                    "10",
                    CapacityType.WORK_CENTER,
                    "CUT",
                    setup_time=Duration(7),
                    run_time=Duration("1.5"),
                    routing_link_code="L10",
                ),
                RoutingLine("20", CapacityType.WORK_CENTER, "PACK", run_time=Duration(1)),
            ),
        ),
    ]


class _Model:
    """What a trivially correct implementation would hold for one order."""

    def __init__(self, quantity: int) -> None:
        self.quantity = quantity
        self.status = OrderStatus.FIRM_PLANNED
        self.consumed: dict[int, Decimal] = dict.fromkeys(_COMPONENTS, ZERO)
        self.finished = ZERO
        self.last_scrap = ZERO
        self.capacity_posted = False
        self.consumption_posted = False  # gross: reversed consumption still counts


class ProductionOrderMachine(RuleBasedStateMachine):
    """Random valid and invalid commands against a reference model (see the module doc)."""

    def __init__(self) -> None:
        super().__init__()
        self.uow = self.make_unit_of_work()
        self.clock = FixedClock(_T0)
        put_master_data(self.uow, _master_data(), setup=ManufacturingSetup())
        self.models: dict[str, _Model] = {}
        self.key_no = 0
        self.last_posting: tuple[PostingCommand, Any] | None = None

    def make_unit_of_work(self) -> UnitOfWork:
        """The unit of work under test: override to run the machine on your store (each
        call must return a fresh, empty store)."""
        return InMemoryUnitOfWork(InMemoryStore())

    # helpers

    def _key(self) -> str:
        self.key_no += 1
        return f"key-{self.key_no}"

    def _snapshot(self) -> tuple[Any, ...]:
        with self.uow:
            ledger = self.uow.ledger
            return (
                self.uow.orders.list(),
                ledger.item_entries(),
                ledger.capacity_entries(),
                ledger.value_entries(),
                ledger.gl_entries(),
            )

    def _refused(self, command: Any, *errors: type[ProdcoreError]) -> None:
        before = self._snapshot()
        try:
            handle(self.uow, command, clock=self.clock)
        except errors:
            pass
        else:
            raise AssertionError(f"{command!r} should have been refused")
        assert self._snapshot() == before, "a refused command changed the store"

    def _post(self, command: PostingCommand) -> Any:
        result = handle(self.uow, command, clock=self.clock)
        self.last_posting = (command, result)
        return result

    def _released(self) -> list[str]:
        return sorted(o for o, m in self.models.items() if m.status is OrderStatus.RELEASED)

    # rules

    @rule(quantity=st.integers(min_value=1, max_value=12))
    def create(self, quantity: int) -> None:
        order_id = f"PO-{len(self.models) + 1}"
        handle(
            self.uow,
            CreateOrder(order_id, "PRODUCT", quantity, due_date=_T0.date()),
            clock=self.clock,
        )
        self.models[order_id] = _Model(quantity)

    @precondition(
        lambda self: any(m.status is OrderStatus.FIRM_PLANNED for m in self.models.values())
    )
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        order_id = data.draw(
            st.sampled_from(
                sorted(o for o, m in self.models.items() if m.status is OrderStatus.FIRM_PLANNED)
            )
        )
        handle(self.uow, ChangeStatus(order_id, OrderStatus.RELEASED), clock=self.clock)
        model = self.models[order_id]
        model.status = OrderStatus.RELEASED
        model.consumed[30000] += 3 * model.quantity  # forward flushed at release
        model.consumption_posted = model.quantity > 0

    @precondition(lambda self: bool(self._released()))
    @rule(
        data=st.data(),
        component=st.sampled_from(sorted(_COMPONENTS)),
        quantity=st.decimals(min_value="0.01", max_value=5, places=2),
    )
    def consume(self, data: st.DataObject, component: int, quantity: Decimal) -> None:
        order_id = data.draw(st.sampled_from(self._released()))
        self._post(
            PostConsumption(self._key(), (ConsumptionLine(order_id, 10000, component, quantity),))
        )
        self.models[order_id].consumed[component] += quantity
        self.models[order_id].consumption_posted = True

    @precondition(lambda self: bool(self._released()))
    @rule(
        data=st.data(),
        operation=st.sampled_from(["10", "20"]),
        output=st.integers(min_value=0, max_value=5),
        scrap=st.integers(min_value=0, max_value=2),
        run=st.decimals(min_value=0, max_value=30, places=1),
    )
    def report_output(
        self, data: st.DataObject, operation: str, output: int, scrap: int, run: Decimal
    ) -> None:
        order_id = data.draw(st.sampled_from(self._released()))
        line = OutputLine(
            order_id,
            10000,
            operation,
            output_quantity=output,
            scrap_quantity=scrap,
            run_time=Duration(run),
        )
        self._post(PostOutput(self._key(), (line,)))
        model = self.models[order_id]
        model.capacity_posted = True
        if operation == "10":
            model.consumed[20000] += 2 * (output + scrap)  # backward, linked to op 10
            model.consumption_posted = model.consumption_posted or output + scrap > 0
        else:
            model.finished += output
            model.last_scrap += scrap

    @precondition(lambda self: bool(self._released()))
    @rule(data=st.data(), part=st.sampled_from(["all", "part", "too much"]))
    def reverse(self, data: st.DataObject, part: str) -> None:
        order_id = data.draw(st.sampled_from(self._released()))
        with self.uow:
            candidates = [
                (
                    e,
                    abs(e.quantity)
                    - self.uow.ledger.reversed_quantity(ValueSource.ITEM, e.entry_no),
                )
                for e in self.uow.ledger.item_entries(order_id=order_id)
                if e.applies_to_entry_no is None
            ]
        if not candidates:
            return
        entry, remaining = data.draw(st.sampled_from(candidates))
        if entry.applies_from_entry_no is not None:  # a return: consume again instead
            self._refused(
                ReverseEntry(self._key(), ValueSource.ITEM, entry.entry_no), NotAllowedError
            )
            return
        if remaining == 0:
            self._refused(
                ReverseEntry(self._key(), ValueSource.ITEM, entry.entry_no), AlreadyReversedError
            )
            return
        if part == "too much":
            self._refused(
                ReverseEntry(self._key(), ValueSource.ITEM, entry.entry_no, remaining + 1),
                InsufficientQuantityError,
            )
            return
        quantity = remaining if part == "all" else (remaining / 2).quantize(Decimal("0.01"))
        if quantity <= 0:
            return
        if entry.quantity > 0:  # an output: only its units still in inventory go back
            with self.uow:
                in_stock = self.uow.ledger.remaining_quantity(entry.entry_no)
            if quantity > in_stock:  # (applied to an outbound meanwhile)
                self._refused(
                    ReverseEntry(self._key(), ValueSource.ITEM, entry.entry_no, quantity),
                    InsufficientQuantityError,
                )
                return
        result = self._post(ReverseEntry(self._key(), ValueSource.ITEM, entry.entry_no, quantity))
        model = self.models[order_id]
        if entry.entry_type is ItemEntryType.CONSUMPTION:
            assert entry.component_line_no is not None
            model.consumed[entry.component_line_no] -= quantity
        else:
            model.finished -= quantity
            # the capacity entry is reversed in proportion, its scrap with it
            model.last_scrap += sum((c.scrap_quantity for c in result.batch.capacity_entries), ZERO)

    @precondition(lambda self: bool(self._released()))
    @rule(data=st.data(), part=st.sampled_from(["all", "part", "too much"]))
    def return_consumption(self, data: st.DataObject, part: str) -> None:
        """Return part of a consumption entry applying from it: never more than its
        reversals and earlier returns left of it."""
        order_id = data.draw(st.sampled_from(self._released()))
        with self.uow:
            ledger = self.uow.ledger
            candidates = [
                (e, -e.quantity - ledger.reversed_quantity(ValueSource.ITEM, e.entry_no))
                for e in ledger.item_entries(order_id=order_id)
                if e.entry_type is ItemEntryType.CONSUMPTION
                and e.quantity < 0
                and e.component_line_no is not None
                and e.applies_to_entry_no is None
            ]
        if not candidates:
            return
        entry, left = data.draw(st.sampled_from(candidates))
        assert entry.component_line_no is not None
        quantity = left if part == "all" else (left / 2).quantize(Decimal("0.01"))
        if part == "too much" or quantity <= 0:
            quantity = left + 1
        line = ConsumptionLine(
            order_id,
            entry.order_line_no,
            entry.component_line_no,
            -quantity,
            applies_from_entry_no=entry.entry_no,
        )
        if quantity > left:
            self._refused(PostConsumption(self._key(), (line,)), InsufficientQuantityError)
            return
        self._post(PostConsumption(self._key(), (line,)))
        self.models[order_id].consumed[entry.component_line_no] -= quantity

    @precondition(lambda self: bool(self._released()))
    @rule(data=st.data())
    def finish(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self._released()))
        model = self.models[order_id]
        # BC counts entries, not balances: a line whose consumption was reversed has some
        posted = model.capacity_posted or model.consumption_posted
        if model.finished == 0 and posted:  # consumption or capacity, no output: refused
            self._refused(ChangeStatus(order_id, OrderStatus.FINISHED), InvalidTransitionError)
            return
        handle(self.uow, ChangeStatus(order_id, OrderStatus.FINISHED), clock=self.clock)
        model.status = OrderStatus.FINISHED
        need = model.finished + model.last_scrap  # backward, unlinked, 1 per
        model.consumed[40000] += max(need - model.consumed[40000], ZERO)

    @precondition(
        lambda self: any(m.status is not OrderStatus.RELEASED for m in self.models.values())
    )
    @rule(data=st.data())
    def post_to_unreleased(self, data: st.DataObject) -> None:
        order_id = data.draw(
            st.sampled_from(
                sorted(o for o, m in self.models.items() if m.status is not OrderStatus.RELEASED)
            )
        )
        line = OutputLine(order_id, 10000, "20", output_quantity=1)
        self._refused(PostOutput(self._key(), (line,)), InvalidTransitionError)

    @precondition(lambda self: self.last_posting is not None)
    @rule()
    def repeat_last_posting(self) -> None:
        assert self.last_posting is not None
        command, result = self.last_posting
        before = self._snapshot()
        assert handle(self.uow, command, clock=self.clock) == result
        assert self._snapshot() == before
        if isinstance(command, PostConsumption):
            other = PostConsumption(
                command.idempotency_key,
                (ConsumptionLine(command.lines[0].order_id, 10000, 10000, "999"),),
            )
            self._refused(other, IdempotencyConflictError)

    # invariants

    @invariant()
    def ledger_balances(self) -> None:
        with self.uow:
            gl = self.uow.ledger.gl_entries()
            values = self.uow.ledger.value_entries()
        assert sum((g.amount for g in gl), ZERO) == 0
        per_value: dict[int, Decimal] = {}
        for g in gl:
            per_value[g.value_entry_no] = per_value.get(g.value_entry_no, ZERO) + g.amount
        assert all(total == 0 for total in per_value.values())
        assert {v.entry_no for v in values} >= set(per_value)

    @invariant()
    def orders_agree_with_ledger_and_model(self) -> None:
        with self.uow:
            for order_id, model in self.models.items():
                order = self.uow.orders.get(order_id)
                ledger = self.uow.ledger
                assert order.status is model.status
                line = order.lines[0]
                assert line.finished_quantity == model.finished
                assert ledger.output_quantity(order_id, 10000) == model.finished
                assert line.finished_quantity >= 0
                for comp in line.components:
                    assert comp.consumed_quantity == model.consumed[comp.line_no], comp
                    assert ledger.consumed_quantity(order_id, 10000, comp.line_no) == (
                        comp.consumed_quantity
                    )
                    assert comp.consumed_quantity >= 0
                    assert comp.remaining_quantity >= 0
                for op in line.operations:
                    assert op.output_quantity >= 0 and op.scrap_quantity >= 0
                values = ledger.value_entries(order_id=order_id)
                absorbed = sum(
                    (v.cost_amount for v in values if v.source is ValueSource.CAPACITY), ZERO
                ) - sum((v.cost_amount for v in values if v.source is ValueSource.ITEM), ZERO)
                assert ledger.wip(order_id) == absorbed

    @invariant()
    def reversals_net_to_zero(self) -> None:
        """An entry taken back in full by its reversals and returns nets to zero: in
        quantity, and in cost (each return is valued at its own cost per unit, rounded:
        a cent each at most; reversals take the rest exactly)."""
        with self.uow:
            ledger = self.uow.ledger
            entries = ledger.item_entries()
            for entry in entries:
                if applied_from(entry) is not None:
                    continue
                if ledger.reversed_quantity(ValueSource.ITEM, entry.entry_no) != abs(
                    entry.quantity
                ):
                    continue
                group = [entry] + [e for e in entries if applied_from(e) == entry.entry_no]
                assert sum((e.quantity for e in group), ZERO) == 0
                cost = ZERO
                for e in group:
                    for v in ledger.value_entries(
                        source=ValueSource.ITEM, source_entry_no=e.entry_no
                    ):
                        cost += v.cost_amount
                returns = sum(1 for e in group if e.applies_from_entry_no is not None)
                assert abs(cost) <= returns * Decimal("0.01")
