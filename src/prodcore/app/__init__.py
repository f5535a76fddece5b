"""The application layer: the one way in.

Every command (:data:`prodcore.commands.Command`) goes through :func:`handle` (or
:func:`preview`, which decides the same and writes nothing). Each service opens the unit
of work, reads what it needs, calls the pure decision, writes the result and commits. A
refused command raises before anything is written, so the store is unchanged.

>>> import datetime as dt
>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.clock import FixedClock
>>> from prodcore.costing.adjustment import AdjustCost
>>> from prodcore.masterdata import Item
>>> from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
>>> from prodcore.orders.model import OrderStatus
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
>>> put_master_data(uow, [Item("TABLE", base_unit="PCS")])
>>> out = handle(uow, CreateOrder("PO-1", "TABLE", 5, due_date=dt.date(2026, 3, 9)), clock=clock)
>>> out.order.status.value, out.order.version
('FIRM_PLANNED', 1)
>>> handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock).order.status.value
'RELEASED'
>>> handle(uow, ChangeStatus("PO-1", OrderStatus.PLANNED), clock=clock)
Traceback (most recent call last):
...
prodcore.errors.InvalidTransitionError: Order 'PO-1' is RELEASED; the command 'change status to PLANNED' is not allowed in that status.
>>> handle(uow, AdjustCost("ADJ-1", "PO-1"), clock=clock)
Traceback (most recent call last):
...
prodcore.errors.InvalidTransitionError: Order 'PO-1' is RELEASED; the command 'adjust cost' is not allowed in that status. only a finished order's cost is adjusted
"""

from prodcore.app.bulk import handle_many
from prodcore.app.costing import adjust_cost, implement_standard_cost
from prodcore.app.dispatch import HANDLERS, Handler, Result, handle, preview
from prodcore.app.idempotency import command_hash
from prodcore.app.masterdata import put_master_data
from prodcore.app.orders import Outcome
from prodcore.app.queries import calculate_consumption_lines, calculate_subcontract_requests
from prodcore.app.scheduling import reschedule, store_load_view

__all__ = [
    "HANDLERS",
    "Handler",
    "Outcome",
    "Result",
    "adjust_cost",
    "calculate_consumption_lines",
    "calculate_subcontract_requests",
    "command_hash",
    "handle",
    "handle_many",
    "implement_standard_cost",
    "preview",
    "put_master_data",
    "reschedule",
    "store_load_view",
]
