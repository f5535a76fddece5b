"""The commands and events of the order lifecycle (decided and evolved by
:mod:`prodcore.orders.lifecycle`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from prodcore.clock import supported_date
from prodcore.errors import InvalidValueError
from prodcore.masterdata import FlushingMethod
from prodcore.numbers import (
    ZERO,
    Duration,
    as_decimal,
    member_of,
    non_negative,
    percent,
    tuple_of,
)
from prodcore.orders.model import (
    Component,
    D365Status,
    Operation,
    OrderLine,
    OrderStatus,
    ProductionOrder,
    StatusChange,
    StatusProfile,
)

# --- commands -------------------------------------------------------------------------


@attrs.frozen
class CoProductSpec:
    """A co-product of an order: ``quantity`` (base unit) of ``item_no``, carrying
    ``cost_share_percent`` of the order's cost (the main line carries 100 less the
    co-products' shares)."""

    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    cost_share_percent: Decimal = attrs.field(converter=as_decimal, validator=percent)


@attrs.frozen
class CreateOrder:
    """Create an order for ``quantity`` (base unit) of ``item_no`` and explode it.

    ``co_products`` adds a line per co-product (no BOM, no routing) after the exploded
    line; cost adjustment then shares the order's cost over the lines by their cost
    shares (``docs/costing.md``, "Co-products and by-products")."""

    order_id: str
    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    due_date: dt.date = attrs.field(kw_only=True, validator=supported_date)
    status: OrderStatus = attrs.field(
        default=OrderStatus.FIRM_PLANNED, kw_only=True, validator=member_of(OrderStatus)
    )
    location_code: str = attrs.field(default="", kw_only=True)
    description: str = attrs.field(default="", kw_only=True)
    make_to_order: bool = attrs.field(default=False, kw_only=True)
    co_products: tuple[CoProductSpec, ...] = attrs.field(
        default=(), validator=tuple_of(CoProductSpec), kw_only=True
    )
    #: D365: the order shows D365's statuses (created Created, on a Firm Planned order)
    profile: StatusProfile = attrs.field(default=StatusProfile.BC, kw_only=True)

    name = "create"


@attrs.frozen
class RefreshOrder:
    """Rebuild lines, components and operations from the current BOM and routing."""

    order_id: str
    name = "refresh"


@attrs.frozen
class ChangeOrder:
    """Change the header's quantity and/or due date; lines are re-exploded."""

    order_id: str
    quantity: Decimal | None = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(as_decimal)
    )
    due_date: dt.date | None = attrs.field(default=None, kw_only=True, validator=supported_date)
    description: str | None = attrs.field(default=None, kw_only=True)
    name = "change"


@attrs.frozen
class ChangeStatus:
    """Move the order to a later status (BC's Change Status)."""

    order_id: str
    to_status: OrderStatus = attrs.field(validator=member_of(OrderStatus))
    reason: str = ""
    #: finishing only: finish a line that has consumption or capacity but no output
    #: (allowed only when the setup's ``finish_order_without_output`` is on)
    finish_without_output: bool = attrs.field(default=False, kw_only=True)
    #: finishing only: put the main line's remaining quantity on a new order (None: as
    #: the setup's ``create_backorders`` says), numbered ``backorder_id`` (default: the
    #: order's number followed by ``-BO``)
    backorder: bool | None = attrs.field(default=None, kw_only=True)
    backorder_id: str | None = attrs.field(default=None, kw_only=True)
    name = "change status"

    def backorder_wanted(self, create_backorders: bool) -> bool:
        """Whether finishing puts the remainder on a backorder (the command first, then
        the setup's ``create_backorders``)."""
        return create_backorders if self.backorder is None else self.backorder


@attrs.frozen
class AddComponent:
    """Add a component to an order line; its expected quantity follows BC's formula."""

    order_id: str
    line_no: int
    item_no: str
    quantity_per: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    flushing_method: FlushingMethod | None = attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(member_of(FlushingMethod))
    )
    scrap_percent: Decimal = attrs.field(
        default=ZERO, converter=as_decimal, validator=percent, kw_only=True
    )
    routing_link_code: str | None = attrs.field(default=None, kw_only=True)
    unit: str | None = attrs.field(default=None, kw_only=True)
    name = "add component"


@attrs.frozen
class ChangeComponent:
    """Change a component; a new quantity per or scrap recalculates the expected quantity."""

    order_id: str
    line_no: int
    component_line_no: int
    quantity_per: Decimal | None = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(as_decimal)
    )
    scrap_percent: Decimal | None = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(as_decimal)
    )
    flushing_method: FlushingMethod | None = attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(member_of(FlushingMethod))
    )
    routing_link_code: str | None = attrs.field(default=None, kw_only=True)
    name = "change component"


@attrs.frozen
class RemoveComponent:
    """Remove a component that has no consumption posted."""

    order_id: str
    line_no: int
    component_line_no: int
    name = "remove component"


@attrs.frozen
class ChangeOperation:
    """Change an operation's times or concurrent capacities."""

    order_id: str
    line_no: int
    operation_no: str
    setup_time: Duration | None = attrs.field(default=None, kw_only=True)
    run_time: Duration | None = attrs.field(default=None, kw_only=True)
    concurrent_capacities: Decimal | None = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(as_decimal)
    )
    flushing_method: FlushingMethod | None = attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(member_of(FlushingMethod))
    )
    name = "change operation"


@attrs.frozen
class DeleteOrder:
    """Delete an order that has nothing posted and is not finished."""

    order_id: str
    name = "delete"


def _reason(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise InvalidValueError(field=attribute.name, value=value, reason="give a reason")


@attrs.frozen
class ChangeOrderQuantity:
    """Change the quantity of an order that may have postings: lines, components'
    expected quantities and operations' input quantities are rescaled in proportion,
    never below what is posted (finished, consumed, output + scrap)."""

    order_id: str
    quantity: Decimal = attrs.field(converter=as_decimal, validator=non_negative)
    name = "change quantity"


@attrs.frozen
class HoldOrder:
    """Put a released order on hold: postings are refused until the hold is released."""

    order_id: str
    reason: str = attrs.field(validator=_reason)
    name = "hold"


@attrs.frozen
class ReleaseHold:
    """Release an order from hold."""

    order_id: str
    name = "release hold"


@attrs.frozen
class CancelOrder:
    """Cancel an order with nothing posted: it stays, read-only, with the reason."""

    order_id: str
    reason: str = ""
    name = "cancel"


@attrs.frozen
class ChangeD365Status:
    """Move an order of the D365 profile to ``to_status`` (:data:`D365_TRANSITIONS`).

    ``quantity``: to Started, the quantity started now (default: what is not started
    yet); to Reported as finished, the quantity reported now (default: started and not
    yet finished). ``finish_without_output`` as for :class:`ChangeStatus` (to Ended)."""

    order_id: str
    to_status: D365Status
    quantity: Decimal | None = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(as_decimal)
    )
    reason: str = attrs.field(default="", kw_only=True)
    finish_without_output: bool = attrs.field(default=False, kw_only=True)
    name = "change D365 status"


LifecycleCommand = (
    CreateOrder
    | RefreshOrder
    | ChangeOrder
    | ChangeStatus
    | AddComponent
    | ChangeComponent
    | RemoveComponent
    | ChangeOperation
    | DeleteOrder
    | ChangeOrderQuantity
    | HoldOrder
    | ReleaseHold
    | CancelOrder
    | ChangeD365Status
)


def _dec(value: object) -> Decimal:
    from prodcore.numbers import to_decimal

    return to_decimal(value)


# --- events ---------------------------------------------------------------------------


@attrs.frozen
class OrderCreated:
    order: ProductionOrder


@attrs.frozen
class LinesExploded:
    order_id: str
    lines: tuple[OrderLine, ...] = attrs.field(validator=tuple_of(OrderLine))


@attrs.frozen
class HeaderChanged:
    order_id: str
    quantity: Decimal
    due_date: dt.date
    description: str


@attrs.frozen
class StatusChanged:
    order_id: str
    change: StatusChange


@attrs.frozen
class ComponentAdded:
    order_id: str
    line_no: int
    component: Component


@attrs.frozen
class ComponentChanged:
    order_id: str
    line_no: int
    component: Component


@attrs.frozen
class ComponentRemoved:
    order_id: str
    line_no: int
    component_line_no: int


@attrs.frozen
class OperationChanged:
    order_id: str
    line_no: int
    operation: Operation


@attrs.frozen
class OrderDeleted:
    order_id: str


@attrs.frozen
class OrderHeld:
    order_id: str
    reason: str


@attrs.frozen
class HoldReleased:
    order_id: str


@attrs.frozen
class OrderCancelled:
    order_id: str
    at: dt.datetime
    reason: str = ""


@attrs.frozen
class D365StatusChanged:
    """A move of a D365-profile order: ``change`` records the ledger status it stands
    on (in the history, as any status change); ``started_quantity`` is the order's after
    the move; ``clear_dates`` drops the scheduled dates (reset from Scheduled)."""

    order_id: str
    to_status: D365Status
    change: StatusChange
    started_quantity: Decimal = attrs.field(converter=as_decimal)
    clear_dates: bool = False


LifecycleEvent = (
    OrderCreated
    | LinesExploded
    | HeaderChanged
    | StatusChanged
    | ComponentAdded
    | ComponentChanged
    | ComponentRemoved
    | OperationChanged
    | OrderDeleted
    | OrderHeld
    | HoldReleased
    | OrderCancelled
    | D365StatusChanged
)
