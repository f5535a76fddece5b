"""The order lifecycle as pure functions: ``decide(order, command) -> events``, ``evolve``.

Statuses only move forward (Business Central's Change Status):

>>> for (src, dst) in sorted(TRANSITIONS, key=lambda t: (t[0].rank, t[1].rank)):
...     print(f"{src.value:>12} -> {dst.value}")
   SIMULATED -> FIRM_PLANNED
   SIMULATED -> RELEASED
     PLANNED -> FIRM_PLANNED
     PLANNED -> RELEASED
FIRM_PLANNED -> RELEASED
    RELEASED -> FINISHED

What may change in each status (``EDIT_RULES``): Simulated, Planned and Firm Planned
orders may be edited, refreshed and deleted freely; a Released order may be edited, but
refreshed, re-exploded for a new quantity (``ChangeOrder``) or deleted only while nothing
is posted to it (``ChangeOrderQuantity`` rescales it with postings, never below what is
posted), and a component that has consumption may not be removed; a Finished order is
read-only. A cancelled order takes no command at all; an order on hold is not finished.
Orders of the D365 profile move by ``ChangeD365Status`` over
:data:`~prodcore.orders.profiles.D365_TRANSITIONS` instead of ``ChangeStatus``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final, assert_never

from prodcore.errors import BlockedError, DuplicateError, InvalidTransitionError, InvalidValueError
from prodcore.masterdata import CalculationFormula
from prodcore.numbers import (
    HUNDRED,
    ZERO,
    in_own_context,
)
from prodcore.orders.explosion import (
    MasterDataLookup,
    component_expected_quantity,
    explode_order_lines,
)
from prodcore.orders.lifecycle_messages import (
    AddComponent,
    CancelOrder,
    ChangeComponent,
    ChangeD365Status,
    ChangeOperation,
    ChangeOrder,
    ChangeOrderQuantity,
    ChangeStatus,
    ComponentAdded,
    ComponentChanged,
    ComponentRemoved,
    CoProductSpec,
    CreateOrder,
    D365StatusChanged,
    DeleteOrder,
    HeaderChanged,
    HoldOrder,
    HoldReleased,
    LifecycleCommand,
    LifecycleEvent,
    LinesExploded,
    OperationChanged,
    OrderCancelled,
    OrderCreated,
    OrderDeleted,
    OrderHeld,
    RefreshOrder,
    ReleaseHold,
    RemoveComponent,
    StatusChanged,
)
from prodcore.orders.model import (
    Component,
    D365Status,
    OrderLine,
    OrderStatus,
    ProductionOrder,
    StatusChange,
    StatusProfile,
)
from prodcore.orders.outputs import co_product_specs
from prodcore.orders.profiles import D365_RESETS, D365_TRANSITIONS
from prodcore.orders.rescaling import rescale_lines
from prodcore.records import revise

__all__ = [
    "D365_TRANSITIONS",
    "EDITABLE_STATUSES",
    "TRANSITIONS",
    "AddComponent",
    "CancelOrder",
    "ChangeComponent",
    "ChangeD365Status",
    "ChangeOperation",
    "ChangeOrder",
    "ChangeOrderQuantity",
    "ChangeStatus",
    "CoProductSpec",
    "ComponentAdded",
    "ComponentChanged",
    "ComponentRemoved",
    "CreateOrder",
    "D365StatusChanged",
    "DeleteOrder",
    "HeaderChanged",
    "HoldOrder",
    "HoldReleased",
    "LifecycleCommand",
    "LifecycleEvent",
    "LinesExploded",
    "OperationChanged",
    "OrderCancelled",
    "OrderCreated",
    "OrderDeleted",
    "OrderHeld",
    "RefreshOrder",
    "ReleaseHold",
    "RemoveComponent",
    "StatusChanged",
    "decide",
    "evolve",
]

S = OrderStatus
TRANSITIONS: Final[frozenset[tuple[OrderStatus, OrderStatus]]] = frozenset(
    {
        (S.SIMULATED, S.FIRM_PLANNED),
        (S.SIMULATED, S.RELEASED),
        (S.PLANNED, S.FIRM_PLANNED),
        (S.PLANNED, S.RELEASED),
        (S.FIRM_PLANNED, S.RELEASED),
        (S.RELEASED, S.FINISHED),
    }
)
EDITABLE_STATUSES: Final = frozenset({S.SIMULATED, S.PLANNED, S.FIRM_PLANNED, S.RELEASED})
_CREATABLE: Final = frozenset({S.SIMULATED, S.PLANNED, S.FIRM_PLANNED, S.RELEASED})


# --- decide ---------------------------------------------------------------------------


def _refuse(
    order: ProductionOrder, command: LifecycleCommand, why: str = ""
) -> InvalidTransitionError:
    return InvalidTransitionError(
        order_id=order.id, status=order.status.value, command=command.name, reason=why
    )


def _require_editable(order: ProductionOrder, command: LifecycleCommand) -> None:
    if order.status not in EDITABLE_STATUSES:
        raise _refuse(order, command)


def _require_no_postings(order: ProductionOrder, command: LifecycleCommand) -> None:
    _require_editable(order, command)
    if order.has_postings:
        raise _refuse(order, command, "Entries are posted to it.")


@in_own_context
def decide(
    order: ProductionOrder | None,
    command: LifecycleCommand,
    md: MasterDataLookup,
    at: dt.datetime,
) -> tuple[LifecycleEvent, ...]:
    """The events that ``command`` causes on ``order`` (None for :class:`CreateOrder`).

    Pure: reads master data through ``md``, raises a :class:`~prodcore.errors.ProdcoreError`
    to refuse, and changes nothing.
    """
    if isinstance(command, CreateOrder):
        if order is not None:
            raise DuplicateError(kind="Production order", key=command.order_id)
        return (OrderCreated(_new_order(command, md, at)),)
    if order is None:
        raise InvalidValueError(
            field="order", value=None, reason=f"{command.name} needs an existing order"
        )
    if order.cancelled_at is not None:
        raise _refuse(order, command, "The order is cancelled.")
    match command:
        case RefreshOrder():
            _require_no_postings(order, command)
            return (LinesExploded(order.id, _explode(order, order.quantity, order.due_date, md)),)
        case ChangeOrder():
            _require_no_postings(order, command)
            quantity = order.quantity if command.quantity is None else command.quantity
            if quantity < 0:
                raise InvalidValueError(
                    field="quantity", value=quantity, reason="must not be negative"
                )
            due = command.due_date or order.due_date
            header = HeaderChanged(
                order.id,
                quantity,
                due,
                command.description if command.description is not None else order.description,
            )
            return (header, LinesExploded(order.id, _explode(order, quantity, due, md)))
        case ChangeStatus():
            if order.profile is not StatusProfile.BC:
                raise _refuse(order, command, "Its statuses are D365's: change its D365 status.")
            if order.hold_reason is not None:
                raise _refuse(order, command, f"The order is on hold: {order.hold_reason}")
            if (order.status, command.to_status) not in TRANSITIONS:
                raise InvalidTransitionError(
                    order_id=order.id,
                    status=order.status.value,
                    command=f"{command.name} to {command.to_status.value}",
                )
            change = StatusChange(order.status, command.to_status, at, command.reason)
            return (StatusChanged(order.id, change),)
        case AddComponent():
            _require_editable(order, command)
            line = order.line(command.line_no)
            item = md.item(command.item_no)
            unit = command.unit or item.base_unit
            item.qty_per_unit(unit)  # refuses an unknown unit
            comp = Component(
                line_no=max((c.line_no for c in line.components), default=0) + 10000,
                item_no=item.no,
                unit=unit,
                quantity_per=command.quantity_per,
                expected_quantity=0,
                flushing_method=command.flushing_method or item.flushing_method,
                scrap_percent=command.scrap_percent,
                routing_link_code=command.routing_link_code,
                location_code=order.location_code,
                due_date=order.due_date,
            )
            return (ComponentAdded(order.id, line.line_no, _recalculate(comp, line, md)),)
        case ChangeComponent():
            _require_editable(order, command)
            line = order.line(command.line_no)
            comp = line.component(command.component_line_no)
            changed = revise(
                comp,
                quantity_per=comp.quantity_per
                if command.quantity_per is None
                else command.quantity_per,
                scrap_percent=comp.scrap_percent
                if command.scrap_percent is None
                else command.scrap_percent,
                flushing_method=command.flushing_method or comp.flushing_method,
                routing_link_code=command.routing_link_code
                if command.routing_link_code is not None
                else comp.routing_link_code,
            )
            return (ComponentChanged(order.id, line.line_no, _recalculate(changed, line, md)),)
        case RemoveComponent():
            _require_editable(order, command)
            comp = order.line(command.line_no).component(command.component_line_no)
            if comp.consumed_quantity:
                raise _refuse(order, command, f"Component {comp.item_no} has consumption posted.")
            return (ComponentRemoved(order.id, command.line_no, comp.line_no),)
        case ChangeOperation():
            _require_editable(order, command)
            op = order.line(command.line_no).operation(command.operation_no)
            changed_op = revise(
                op,
                setup_time=command.setup_time or op.setup_time,
                run_time=command.run_time or op.run_time,
                concurrent_capacities=command.concurrent_capacities or op.concurrent_capacities,
                flushing_method=command.flushing_method or op.flushing_method,
            )
            return (OperationChanged(order.id, command.line_no, changed_op),)
        case DeleteOrder():
            _require_no_postings(order, command)
            return (OrderDeleted(order.id),)
        case ChangeOrderQuantity():
            _require_editable(order, command)
            lines = rescale_lines(
                order.lines, order.quantity, command.quantity, md, order_id=order.id
            )
            header = HeaderChanged(order.id, command.quantity, order.due_date, order.description)
            return (header, LinesExploded(order.id, lines))
        case HoldOrder():
            if order.status is not S.RELEASED or order.hold_reason is not None:
                raise _refuse(order, command, "Only a released order not on hold is held.")
            return (OrderHeld(order.id, command.reason),)
        case ReleaseHold():
            if order.hold_reason is None:
                raise _refuse(order, command, "The order is not on hold.")
            return (HoldReleased(order.id),)
        case CancelOrder():
            _require_no_postings(order, command)
            return (OrderCancelled(order.id, at, command.reason),)
        case ChangeD365Status():
            return _decide_d365(order, command, md, at)
        case _:
            assert_never(command)


def _decide_d365(
    order: ProductionOrder, command: ChangeD365Status, md: MasterDataLookup, at: dt.datetime
) -> tuple[LifecycleEvent, ...]:
    """A D365 move: the table says which; a reset below Started needs nothing posted
    (reverse the postings first); starting may not exceed the order's quantity."""
    current = order.d365_status
    if order.profile is not StatusProfile.D365 or current is None:
        raise _refuse(order, command, "Its statuses are Business Central's: change its status.")
    if (current, command.to_status) not in D365_TRANSITIONS:
        raise InvalidTransitionError(
            order_id=order.id,
            status=current.value,
            command=f"{command.name} to {command.to_status.value}",
        )
    if order.hold_reason is not None and command.to_status.rank >= D365Status.STARTED.rank:
        raise _refuse(order, command, f"The order is on hold: {order.hold_reason}")
    reset = (current, command.to_status) in D365_RESETS
    if reset and command.to_status.rank < D365Status.STARTED.rank and order.has_net_postings:
        raise _refuse(order, command, "Entries are posted to it: reverse them first.")
    started = order.started_quantity
    if command.to_status is D365Status.STARTED and not reset:
        started += _start_quantity(order, command)
    elif command.to_status.rank < D365Status.STARTED.rank:
        started = ZERO
    core = command.to_status.core
    change = StatusChange(order.status, core, at, command.reason or command.to_status.value)
    events: list[LifecycleEvent] = [
        D365StatusChanged(
            order.id,
            command.to_status,
            change,
            started,
            clear_dates=(current, command.to_status)
            == (D365Status.SCHEDULED, D365Status.ESTIMATED),
        )
    ]
    if command.to_status is D365Status.ESTIMATED and not reset:
        # estimating calculates the material and route consumption afresh
        events.append(LinesExploded(order.id, _explode(order, order.quantity, order.due_date, md)))
    return tuple(events)


def _start_quantity(order: ProductionOrder, command: ChangeD365Status) -> Decimal:
    left = order.quantity - order.started_quantity
    quantity = left if command.quantity is None else command.quantity
    if quantity <= 0 or quantity > left:
        raise InvalidValueError(
            field="quantity",
            value=quantity,
            reason=f"the quantity started must be positive and at most {left} (not started yet)",
        )
    return quantity


def _new_order(command: CreateOrder, md: MasterDataLookup, at: dt.datetime) -> ProductionOrder:
    if command.status not in _CREATABLE:
        raise InvalidValueError(
            field="status", value=command.status.value, reason="orders cannot be created finished"
        )
    item = md.item(command.item_no)
    if item.blocked:
        raise BlockedError(kind="Item", key=item.no)
    lines = explode_order_lines(
        item.no,
        command.quantity,
        md,
        due_date=command.due_date,
        at=command.due_date,
        location_code=command.location_code,
        make_to_order=command.make_to_order,
    )
    if not command.co_products:  # the co-products of the item's BOM, if it lists any
        specs = co_product_specs(item.no, command.quantity, md, command.due_date)
        command = revise(command, co_products=tuple(CoProductSpec(*s) for s in specs))
    if command.co_products:
        lines = _with_co_products(lines, command, md)
    d365 = command.profile is StatusProfile.D365
    if d365 and command.status is not S.FIRM_PLANNED:
        raise InvalidValueError(
            field="status",
            value=command.status.value,
            reason="a D365 order is created Created (on Firm Planned): leave the status out",
        )
    return ProductionOrder(
        id=command.order_id,
        status=command.status,
        profile=command.profile,
        d365_status=D365Status.CREATED if d365 else None,
        item_no=item.no,
        quantity=command.quantity,
        due_date=command.due_date,
        location_code=command.location_code,
        description=command.description or item.description,
        lines=lines,
        history=(StatusChange(None, command.status, at, "created"),),
    )


def _with_co_products(
    lines: tuple[OrderLine, ...], command: CreateOrder, md: MasterDataLookup
) -> tuple[OrderLine, ...]:
    """The exploded line with its share (100 less the co-products') and a line per
    co-product; refuses what would not allocate (shares over 100, repeated items, a
    made-to-order order)."""
    if command.make_to_order:
        raise InvalidValueError(
            field="co_products",
            value=command.order_id,
            reason="an order with co-products is not made to order "
            "(its sub-assembly lines would carry costs of their own)",
        )
    names = [command.item_no, *(spec.item_no for spec in command.co_products)]
    if len(set(names)) != len(names):
        raise InvalidValueError(
            field="co_products", value=tuple(names), reason="items repeat (main item included)"
        )
    others = sum((spec.cost_share_percent for spec in command.co_products), ZERO)
    if others > HUNDRED:
        raise InvalidValueError(
            field="cost_share_percent",
            value=others,
            reason="the co-products' shares add up to more than 100 "
            "(the main line's share, 100 less theirs, would be negative)",
        )
    (main,) = lines
    added: list[OrderLine] = []
    for n, spec in enumerate(command.co_products, start=2):
        item = md.item(spec.item_no)
        if item.blocked:
            raise BlockedError(kind="Item", key=item.no)
        added.append(
            OrderLine(
                line_no=n * 10000,
                item_no=item.no,
                quantity=spec.quantity,
                unit=item.base_unit,
                unit_cost=item.unit_cost,
                due_date=command.due_date,
                quality_checks=item.quality_checks,
                cost_share_percent=spec.cost_share_percent,
                co_product=True,
            )
        )
    return (revise(main, cost_share_percent=HUNDRED - others), *added)


def _explode(
    order: ProductionOrder, quantity: Decimal, due: dt.date, md: MasterDataLookup
) -> tuple[OrderLine, ...]:
    make_to_order = any(line.planning_level > 0 for line in order.lines)
    lines = explode_order_lines(
        order.item_no,
        quantity,
        md,
        due_date=due,
        at=due,
        location_code=order.location_code,
        make_to_order=make_to_order,
    )
    co_lines = [line for line in order.lines if line.co_product]
    if not co_lines:
        return lines
    # co-products keep their shares; their quantities follow the order's quantity
    main_share = order.lines[0].cost_share_percent

    def scaled(line: OrderLine) -> Decimal:
        if not order.quantity:
            return line.quantity
        return md.item(line.item_no).rounding.apply(line.quantity * quantity / order.quantity)

    return (
        revise(lines[0], cost_share_percent=main_share),
        *lines[1:],
        *(revise(line, quantity=scaled(line), due_date=due) for line in co_lines),
    )


def _recalculate(comp: Component, line: OrderLine, md: MasterDataLookup) -> Component:
    """Recompute a component's expected quantity from its quantity per and scrap (BC formula)."""
    item = md.item(comp.item_no)
    basis = line.operation_for_link(comp.routing_link_code) or (
        line.operations[0] if line.operations else None
    )
    expected = component_expected_quantity(
        quantity_per=comp.quantity_per,
        line_quantity=line.quantity,
        line_scrap_percent=line.scrap_percent,
        component_scrap_percent=comp.scrap_percent,
        accumulated_scrap=basis.accumulated_scrap_factor if basis else Decimal(0),
        accumulated_fixed_scrap=basis.accumulated_fixed_scrap if basis else Decimal(0),
        formula=comp.formula
        if comp.formula is CalculationFormula.FIXED_QUANTITY
        else CalculationFormula.NONE,
        rounding=item.need_rounding(comp.unit),
    )
    return revise(comp, expected_quantity=expected)


# --- evolve ---------------------------------------------------------------------------


@in_own_context
def evolve(order: ProductionOrder | None, event: LifecycleEvent) -> ProductionOrder | None:
    """Apply one event; returns None once the order is deleted. Total and pure."""
    if isinstance(event, OrderCreated):
        return event.order
    assert order is not None, f"{type(event).__name__} needs an order"
    match event:
        case LinesExploded():
            return revise(order, lines=event.lines)
        case HeaderChanged():
            return revise(
                order,
                quantity=event.quantity,
                due_date=event.due_date,
                description=event.description,
            )
        case StatusChanged():
            return _status_changed(order, event.change)
        case ComponentAdded():
            line = order.line(event.line_no)
            return order.replace_line(revise(line, components=(*line.components, event.component)))
        case ComponentChanged():
            line = order.line(event.line_no)
            comps = tuple(
                event.component if c.line_no == event.component.line_no else c
                for c in line.components
            )
            return order.replace_line(revise(line, components=comps))
        case ComponentRemoved():
            line = order.line(event.line_no)
            comps = tuple(c for c in line.components if c.line_no != event.component_line_no)
            return order.replace_line(revise(line, components=comps))
        case OperationChanged():
            line = order.line(event.line_no)
            ops = tuple(
                event.operation if o.operation_no == event.operation.operation_no else o
                for o in line.operations
            )
            return order.replace_line(revise(line, operations=ops))
        case OrderDeleted():
            return None
        case OrderHeld():
            return revise(order, hold_reason=event.reason)
        case HoldReleased():
            return revise(order, hold_reason=None)
        case OrderCancelled():
            return revise(order, cancelled_at=event.at, cancel_reason=event.reason)
        case D365StatusChanged():
            moved = revise(
                _status_changed(order, event.change),
                d365_status=event.to_status,
                started_quantity=event.started_quantity,
            )
            if not event.clear_dates:
                return moved
            return revise(
                moved,
                starting=None,
                ending=None,
                lines=tuple(
                    revise(
                        line,
                        operations=tuple(
                            revise(op, starting=None, ending=None) for op in line.operations
                        ),
                    )
                    for line in moved.lines
                ),
            )
        case _:
            assert_never(event)


def _status_changed(order: ProductionOrder, change: StatusChange) -> ProductionOrder:
    finished_at = change.at if change.to_status is S.FINISHED else order.finished_at
    return revise(
        order,
        status=change.to_status,
        history=(*order.history, change),
        finished_at=finished_at,
    )
