"""Every command prodcore handles, and the stable wire tag of each tagged record.

:data:`Command` is the union :func:`prodcore.app.handle` accepts. :data:`WIRE_TAGS` names
each member of a tagged union (commands, lifecycle events, master data records) the way
it travels in JSON (the ``"type"`` key): stores, scenario files and idempotency records
carry these tags, so renaming a class changes nothing on the wire. Before the tags,
records were tagged with their class name; :data:`LEGACY_TAGS` keeps those names
readable, written out here (not derived from the classes) so they survive a rename too.

>>> from prodcore.orders.lifecycle import CreateOrder
>>> WIRE_TAGS[CreateOrder], LEGACY_TAGS["CreateOrder"]
('order.create', 'order.create')
>>> put = PutMasterData((Item("BOLT", base_unit="PCS"),))
>>> WIRE_TAGS[type(put)], put.records[0].no
('masterdata.put', 'BOLT')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from prodcore.clock import supported_moment
from prodcore.costing.adjustment import AdjustCost
from prodcore.costing.item_adjustment import AdjustItemCosts, CorrectInboundCost
from prodcore.costing.standard import ImplementStandardCost
from prodcore.masterdata import (
    Item,
    Location,
    MachineCenter,
    ManufacturingSetup,
    ProductionBom,
    Routing,
    WorkCenter,
)
from prodcore.masterdata.standards import StandardCostHistory
from prodcore.numbers import member_of
from prodcore.orders.execution import (
    AdjustInventory,
    PickComponents,
    PostByProduct,
    PostCapacity,
    PostConsumption,
    PostingCommand,
    PostOutput,
    PostProductionJournal,
    ReverseEntry,
)
from prodcore.orders.lifecycle import (
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
from prodcore.orders.picking import ReturnSurplus
from prodcore.orders.quality import QualityCommand, RecordQualityResults, ResolveQualityOrder
from prodcore.orders.registering import RegisterJobEvent
from prodcore.orders.reverse_all import ReverseOrderPostings
from prodcore.orders.splitting import SplitOrder
from prodcore.orders.subcontracting import (
    CancelSubcontractRequest,
    ReceiveSubcontractedWork,
    RegisterSubcontractRequests,
    ShipToSubcontractor,
    SubcontractingCommand,
    UndoSubcontractReceipt,
)
from prodcore.ports import MasterDataRecord
from prodcore.scheduling.calendar import CentreAbsences, ShopCalendar
from prodcore.scheduling.schedule import CapacityMode, Direction

__all__ = [
    "LEGACY_TAGS",
    "TAGGED_UNIONS",
    "WIRE_TAGS",
    "Command",
    "LedgerCommand",
    "PutMasterData",
    "ScheduleOrder",
    "order_ids_of",
]


def _records(value: Any) -> tuple[MasterDataRecord, ...]:
    return tuple(value)


@attrs.frozen
class PutMasterData:
    """Insert or replace master data records (and the manufacturing setup, if given) in
    one unit of work; a BOM cycle is refused and nothing is written."""

    records: tuple[MasterDataRecord, ...] = attrs.field(converter=_records)
    setup: ManufacturingSetup | None = None
    name = "put master data"


@attrs.frozen
class ScheduleOrder:
    """Schedule (or reschedule) an order and save its operation dates.

    ``anchor``: the start (forward) or the ending (backward); by default the due date at
    the setup's normal ending time (backward) or the clock's now (forward).
    ``horizon_days`` bounds the search for capacity in finite mode.
    """

    order_id: str
    direction: Direction = attrs.field(default=Direction.BACKWARD, validator=member_of(Direction))
    mode: CapacityMode = attrs.field(
        default=CapacityMode.INFINITE, validator=member_of(CapacityMode)
    )
    anchor: dt.datetime | None = attrs.field(default=None, validator=supported_moment)
    horizon_days: int = 365
    name = "schedule"


def order_ids_of(command: object) -> tuple[str, ...]:
    """The orders a command names: its own ``order_id``, else those of its lines (or
    requests), sorted, each once; none for a command that names none.

    >>> from prodcore.orders.execution import OutputLine, PostOutput
    >>> order_ids_of(PostOutput("K", (OutputLine("PO-2", 10000, "10"),
    ...                               OutputLine("PO-1", 10000, "10"))))
    ('PO-1', 'PO-2')
    >>> order_ids_of(ScheduleOrder("PO-7")), order_ids_of(PutMasterData(()))
    (('PO-7',), ())
    """
    own = getattr(command, "order_id", None)
    if isinstance(own, str):
        return (own,) if own else ()
    lines = (*getattr(command, "lines", ()), *getattr(command, "requests", ()))
    found = {getattr(line, "order_id", None) for line in lines}
    return tuple(sorted(i for i in found if isinstance(i, str) and i))


#: Commands decided against the ledger and answered with a PostingResult (idempotent).
LedgerCommand = (
    PostingCommand
    | SubcontractingCommand
    | QualityCommand
    | ReverseOrderPostings
    | ReturnSurplus
    | RegisterJobEvent
)

#: Any command prodcore handles (what scenario steps and :func:`prodcore.app.handle` accept).
Command = (
    LifecycleCommand
    | LedgerCommand
    | AdjustCost
    | ImplementStandardCost
    | ScheduleOrder
    | CorrectInboundCost
    | AdjustItemCosts
    | PutMasterData
    | SplitOrder
)

#: The unions serialized with a ``"type"`` tag.
TAGGED_UNIONS: tuple[Any, ...] = (
    LifecycleCommand,
    LifecycleEvent,
    MasterDataRecord,
    PostingCommand,
    SubcontractingCommand,
    QualityCommand,
    LedgerCommand,
    Command,
)

# (class, wire tag, the class name it was tagged with before tags existed, if any)
_TABLE: tuple[tuple[type, str, str | None], ...] = (
    (CreateOrder, "order.create", "CreateOrder"),
    (RefreshOrder, "order.refresh", "RefreshOrder"),
    (ChangeOrder, "order.change", "ChangeOrder"),
    (ChangeStatus, "order.change_status", "ChangeStatus"),
    (AddComponent, "order.add_component", "AddComponent"),
    (ChangeComponent, "order.change_component", "ChangeComponent"),
    (RemoveComponent, "order.remove_component", "RemoveComponent"),
    (ChangeOperation, "order.change_operation", "ChangeOperation"),
    (DeleteOrder, "order.delete", "DeleteOrder"),
    (OrderCreated, "order.created", "OrderCreated"),
    (LinesExploded, "order.lines_exploded", "LinesExploded"),
    (HeaderChanged, "order.header_changed", "HeaderChanged"),
    (StatusChanged, "order.status_changed", "StatusChanged"),
    (ComponentAdded, "order.component_added", "ComponentAdded"),
    (ComponentChanged, "order.component_changed", "ComponentChanged"),
    (ComponentRemoved, "order.component_removed", "ComponentRemoved"),
    (OperationChanged, "order.operation_changed", "OperationChanged"),
    (OrderDeleted, "order.deleted", "OrderDeleted"),
    (PostConsumption, "posting.consumption", "PostConsumption"),
    (PostOutput, "posting.output", "PostOutput"),
    (PostProductionJournal, "posting.production_journal", "PostProductionJournal"),
    (PostCapacity, "posting.capacity", "PostCapacity"),
    (PickComponents, "posting.pick", "PickComponents"),
    (ReverseEntry, "posting.reverse", "ReverseEntry"),
    (AdjustInventory, "posting.adjust_inventory", "AdjustInventory"),
    (PostByProduct, "posting.by_product", "PostByProduct"),
    (RegisterSubcontractRequests, "subcontracting.register", "RegisterSubcontractRequests"),
    (CancelSubcontractRequest, "subcontracting.cancel", "CancelSubcontractRequest"),
    (ReceiveSubcontractedWork, "subcontracting.receive", "ReceiveSubcontractedWork"),
    (UndoSubcontractReceipt, "subcontracting.undo_receipt", "UndoSubcontractReceipt"),
    (ShipToSubcontractor, "subcontracting.ship", "ShipToSubcontractor"),
    (RecordQualityResults, "quality.record_results", "RecordQualityResults"),
    (ResolveQualityOrder, "quality.resolve", "ResolveQualityOrder"),
    (AdjustCost, "costing.adjust", "AdjustCost"),
    (ImplementStandardCost, "costing.implement_standard", "ImplementStandardCost"),
    (ScheduleOrder, "scheduling.schedule_order", "ScheduleOrder"),
    (PutMasterData, "masterdata.put", None),
    (Item, "masterdata.item", "Item"),
    (ProductionBom, "masterdata.bom", "ProductionBom"),
    (Routing, "masterdata.routing", "Routing"),
    (WorkCenter, "masterdata.work_center", "WorkCenter"),
    (MachineCenter, "masterdata.machine_center", "MachineCenter"),
    (ShopCalendar, "masterdata.shop_calendar", "ShopCalendar"),
    (Location, "masterdata.location", None),
    (ChangeOrderQuantity, "order.change_quantity", None),
    (HoldOrder, "order.hold", None),
    (ReleaseHold, "order.release_hold", None),
    (CancelOrder, "order.cancel", None),
    (ChangeD365Status, "order.change_d365_status", None),
    (SplitOrder, "order.split", None),
    (OrderHeld, "order.held", None),
    (HoldReleased, "order.hold_released", None),
    (OrderCancelled, "order.cancelled", None),
    (D365StatusChanged, "order.d365_status_changed", None),
    (ReverseOrderPostings, "posting.reverse_all", None),
    (ReturnSurplus, "posting.return_surplus", None),
    (RegisterJobEvent, "shopfloor.job_event", None),
    (CorrectInboundCost, "costing.correct_inbound_cost", None),
    (AdjustItemCosts, "costing.adjust_items", None),
    (StandardCostHistory, "masterdata.standard_cost_history", None),
    (CentreAbsences, "masterdata.centre_absences", None),
)

#: The wire tag of every member of a tagged union.
WIRE_TAGS: Mapping[type, str] = {cls: tag for cls, tag, _ in _TABLE}

#: The tag of each class name records were tagged with before (still read).
LEGACY_TAGS: Mapping[str, str] = {old: tag for _, tag, old in _TABLE if old is not None}
