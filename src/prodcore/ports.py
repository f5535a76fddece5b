"""The ports: what a store must offer. Small ``Protocol`` classes, no base classes.

An adapter conforms structurally (mypy checks it); ``prodcore.testing`` ships the
contract tests every adapter must pass. All errors are prodcore's own:
:class:`~prodcore.errors.NotFoundError`, :class:`~prodcore.errors.DuplicateError`,
:class:`~prodcore.errors.ConcurrencyError`, never a driver's exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Concatenate, Protocol, Self, TypeVar, cast, runtime_checkable

from prodcore.calendars import CentreAbsences, ShopCalendar
from prodcore.ledger.model import (
    IdempotencyRecord,
    ItemLedgerEntry,
    PostingBatch,
    PostingSetup,
    ValueEntry,
)
from prodcore.ledger.reader import LedgerReader
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
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.orders.registration import Registration
from prodcore.scheduling.schedule import Allocation

_T = TypeVar("_T")
#: What a unit of work may be vouched for (see :class:`UnitOfWork`): an order or a batch.
Vouchable = TypeVar("Vouchable", ProductionOrder, PostingBatch)
_Capable = TypeVar("_Capable")

__all__ = [
    "LedgerRepository",
    "MasterDataRecord",
    "MasterDataRepository",
    "OrderRepository",
    "ReadsCostsAhead",
    "ReadsOrdersAhead",
    "TakesVouches",
    "UnitOfWork",
    "Vouchable",
    "offered",
]

MasterDataRecord = (
    Item
    | ProductionBom
    | Routing
    | WorkCenter
    | MachineCenter
    | ShopCalendar
    | Location
    | StandardCostHistory
    | CentreAbsences
)


class MasterDataRepository(Protocol):
    """Master data by number. ``put`` inserts or replaces (master data is not versioned).

    Lookups by number raise :class:`~prodcore.errors.NotFoundError` for an unknown
    number; the listings yield every record of their kind in number order. Hosts change
    master data through :func:`~prodcore.app.put_master_data` (it checks the records
    against each other), and read it here:

    >>> from prodcore.adapters import open_store
    >>> from prodcore.masterdata import Item
    >>> with open_store("memory:") as new_uow:
    ...     with new_uow() as uow:
    ...         uow.master_data.put(Item("BOLT", base_unit="PCS", unit_cost="0.10"))
    ...         uow.commit()
    ...     with new_uow() as uow:
    ...         uow.master_data.item("BOLT").unit_cost, [i.no for i in uow.master_data.items()]
    (Decimal('0.10'), ['BOLT'])
    """

    @property
    def setup(self) -> ManufacturingSetup:
        """The manufacturing setup (defaults until one is put)."""

    def put_setup(self, setup: ManufacturingSetup) -> None:
        """Replace the manufacturing setup."""

    def put(self, record: MasterDataRecord) -> None:
        """Insert or replace ``record`` (an item, BOM, routing, centre or shop calendar),
        keyed by its kind and number."""

    def item(self, no: str) -> Item:
        """The item ``no``."""

    def bom(self, no: str) -> ProductionBom:
        """The production BOM ``no``."""

    def routing(self, no: str) -> Routing:
        """The routing ``no``."""

    def work_center(self, no: str) -> WorkCenter:
        """The work centre ``no``."""

    def machine_center(self, no: str) -> MachineCenter:
        """The machine centre ``no``."""

    def shop_calendar(self, no: str) -> ShopCalendar:
        """The shop calendar ``no``."""

    def items(self) -> Iterator[Item]:
        """Every item."""

    def boms(self) -> Iterator[ProductionBom]:
        """Every production BOM."""

    def routings(self) -> Iterator[Routing]:
        """Every routing."""

    def work_centers(self) -> Iterator[WorkCenter]:
        """Every work centre."""

    def machine_centers(self) -> Iterator[MachineCenter]:
        """Every machine centre."""

    def shop_calendars(self) -> Iterator[ShopCalendar]:
        """Every shop calendar."""

    def standard_costs(self, item_no: str) -> StandardCostHistory:
        """The implemented standards of item ``item_no``."""

    def location(self, code: str) -> Location:
        """The location ``code`` with its bins."""

    def locations(self) -> Iterator[Location]:
        """Every location."""

    def centre_absences(self) -> Iterator[CentreAbsences]:
        """Every centre's registered absences (one record per centre that has any)."""

    def find(self, kind: type[_T], no: str) -> _T | None:
        """The ``kind`` record (an :class:`~prodcore.masterdata.Item`, a location, a
        standard cost history...) numbered ``no``, None if there is none: the lookup for
        a caller to whom absence is an answer (the getters raise NotFoundError)."""


class OrderRepository(Protocol):
    """Production orders with optimistic versions.

    ``add`` stores a new order (its version must be 1); ``save`` stores a changed order
    whose version is ``expected_version + 1`` and raises ``ConcurrencyError`` unless the
    stored version is ``expected_version``. Hosts change orders through
    :func:`~prodcore.app.handle` and read them here.

    A repository may also offer :class:`ReadsOrdersAhead`.

    >>> import datetime as dt
    >>> from prodcore.adapters import open_store
    >>> from prodcore.orders.model import OrderStatus, ProductionOrder
    >>> order = ProductionOrder("PO-1", OrderStatus.FIRM_PLANNED, "BIKE", "10",
    ...                         due_date=dt.date(2026, 3, 9), version=1)
    >>> with open_store("memory:") as new_uow:
    ...     with new_uow() as uow:
    ...         uow.orders.add(order)
    ...         uow.commit()
    ...     with new_uow() as uow:
    ...         [o.id for o in uow.orders.list(status=OrderStatus.FIRM_PLANNED)]
    ...         uow.orders.list(status=OrderStatus.RELEASED)
    ...         uow.orders.get("PO-1").quantity
    ['PO-1']
    []
    Decimal('10')
    """

    def get(self, order_id: str) -> ProductionOrder:
        """The order ``order_id``; :class:`~prodcore.errors.NotFoundError` if there is none."""

    def find(self, order_id: str) -> ProductionOrder | None:
        """The order ``order_id``, None if there is none (an order still to be created)."""

    def add(self, order: ProductionOrder) -> None:
        """Store a new order (version 1); :class:`~prodcore.errors.DuplicateError` if the
        id is taken."""

    def save(self, order: ProductionOrder, *, expected_version: int) -> None:
        """Store a changed order (version ``expected_version + 1``);
        :class:`~prodcore.errors.ConcurrencyError` if someone saved it in between."""

    def delete(self, order_id: str, *, expected_version: int) -> None:
        """Delete the order (checked against ``expected_version`` like :meth:`save`)."""

    def list(self, *, status: OrderStatus | None = None) -> list[ProductionOrder]:
        """Every order, or those in ``status``, by order id."""

    def allocations(self, order_id: str | None = None) -> tuple[Allocation, ...]:
        """The stored capacity allocations (BC: Prod. Order Capacity Need) of the order,
        or of every order (by order id), as the schedule produced them."""

    def put_allocations(self, order_id: str, allocations: Sequence[Allocation]) -> None:
        """Replace the order's stored allocations (none: remove them);
        :class:`~prodcore.errors.NotFoundError` if there is no such order. Deleting an
        order removes its allocations."""

    def registrations(
        self, worker: str, *, after: dt.datetime | None = None
    ) -> tuple[Registration, ...]:
        """The job registrations of ``worker`` (or machine) on every order, by start
        (then order, line and operation), from the store's per-worker index (kept with
        the orders). With ``after``: only those a new event at that moment is checked
        against (:func:`~prodcore.orders.registration.bears_on`: not reversed, and open
        or with an event after it)."""


class LedgerRepository(LedgerReader, Protocol):
    """The append-only ledgers (item, capacity, value, G/L), their balances, the posting
    setup and the idempotency keys of posting commands. No update, no delete. It reads
    what :class:`~prodcore.ledger.reader.LedgerReader` declares, and more.

    A repository may also offer :class:`ReadsCostsAhead`.

    ``append`` takes a whole :class:`~prodcore.ledger.model.PostingBatch` built with local
    (negative) entry references, assigns real numbers per ledger in append order
    (:func:`~prodcore.ledger.model.number_batch`) and returns the numbered batch; like
    every write it becomes visible to others only when the unit of work commits. The
    numbers are final and increase in commit order: either the first append takes the
    store's turn to number and others wait for it until this unit of work ends (no gaps:
    memory, SQLite), or numbers are set aside per batch and units of work commit in
    their order (PostgreSQL: one that rolls back leaves a gap). A batch
    whose G/L lines do not balance raises :class:`~prodcore.errors.UnbalancedEntryError`
    and nothing is written. Lists come back in entry-number order. Balances are answered
    by the store from data maintained on append (no rescans).

    Hosts read balances here; every amount is in the setup's currency, every quantity in
    the item's base unit:

    >>> import datetime as dt
    >>> from prodcore.adapters import open_store
    >>> from prodcore.app import handle, put_master_data
    >>> from prodcore.clock import FixedClock
    >>> from prodcore.masterdata import Item
    >>> from prodcore.orders.journals import AdjustInventory, AdjustmentLine
    >>> clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
    >>> with open_store("memory:") as new_uow:
    ...     put_master_data(new_uow(), [Item("BOLT", base_unit="PCS", unit_cost="0.10")])
    ...     result = handle(new_uow(), AdjustInventory("opening", (AdjustmentLine("BOLT", 500),)),
    ...                     clock=clock)
    ...     with new_uow() as uow:
    ...         posting = uow.ledger.batch(result.batch.posting_no)
    ...         uow.ledger.on_hand("BOLT"), posting.value_entries[0].cost_amount_actual
    (Decimal('500'), Decimal('50.00'))
    """

    def put_posting_setup(self, setup: PostingSetup) -> None:
        """Replace the posting setup (the G/L accounts per role)."""

    def append(self, batch: PostingBatch) -> PostingBatch:
        """Number and append ``batch`` (see the class docstring); the numbered batch."""

    def batch(self, posting_no: int) -> PostingBatch:
        """The posting ``posting_no`` with all its entries;
        :class:`~prodcore.errors.NotFoundError` for an unknown number."""

    def batches(self, *, user: str | None = None, source: str | None = None) -> list[PostingBatch]:
        """Every posting with its entries, in number order; only those posted by
        ``user`` and through ``source`` when given (from the store's index of who
        posted: the postings of one user are found without reading the others)."""

    def value_entry(self, entry_no: int) -> ValueEntry:
        """The value entry ``entry_no``; :class:`~prodcore.errors.NotFoundError` if none."""

    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal:
        """The net quantity consumed of a component (base unit; returns subtract)."""

    def output_quantity(self, order_id: str, line_no: int) -> Decimal:
        """The net output quantity posted on an order line (base unit)."""

    def wip(self, order_id: str) -> Decimal:
        """The order's work in process: the balance of its WIP account postings (zero
        once the order is finished and its cost adjusted)."""

    def output_entries(self, order_id: str) -> list[ItemLedgerEntry]:
        """The order's output entries (reversals of output included), in entry order:
        an indexed lookup, not a scan of the order's entries."""

    def output_values(self, order_id: str) -> list[ValueEntry]:
        """The order's item value entries on its output entries or on no item entry
        (what output posting, cost adjustment and finishing posted for its lines), in
        entry order."""

    def order_cost_sums(self, order_id: str) -> dict[tuple[int, str], Decimal]:
        """The running sums an order's actual cost is made of, by (order line, kind),
        those not zero: kept as entries are posted, so the cost is read without the
        order's entries (see :func:`~prodcore.ledger.balances.order_cost_key`)."""

    def account_balance(self, account: str) -> Decimal:
        """The balance of the G/L account (debit positive, credit negative)."""

    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal:
        """Setup plus run time posted on ``centre_no`` (a work centre includes its
        machine centres) from ``start`` to ``end`` inclusive, in the centre's capacity
        unit."""

    def cost_marks(self) -> list[int]:
        """The item entries item cost adjustment must look at again, in entry order:
        those a value entry of a later batch values (their cost changed), the outbound
        entries an inbound entry of a later batch was applied to, and tracked outbound
        entries; a batch's ``cost_adjusted`` clears them. Where
        :mod:`prodcore.costing.item_adjustment` starts."""

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        """What the command with idempotency ``key`` did, or None if no command used it."""

    def remember(self, record: IdempotencyRecord) -> None:
        """Keep ``record`` with the unit of work's writes;
        :class:`~prodcore.errors.KeyTakenError` if its key is taken already."""


class UnitOfWork(Protocol):
    """One atomic change: everything done inside ``with uow:`` is kept only if
    :meth:`commit` is called; leaving the block otherwise rolls it all back.

    Serializable: whatever the unit of work read from the store still holds when its
    commit lands, or :meth:`commit` raises :class:`~prodcore.errors.ConcurrencyError`
    and writes nothing (decide again); changes to what it did not read refuse nothing.

    A unit of work may also offer :class:`TakesVouches`.
    """

    @property
    def orders(self) -> OrderRepository:
        """The production orders."""

    @property
    def master_data(self) -> MasterDataRepository:
        """Items, BOMs, routings, centres, shop calendars and the manufacturing setup."""

    @property
    def ledger(self) -> LedgerRepository:
        """The ledgers, their balances and the idempotency keys."""

    def __enter__(self) -> Self:
        """Start the unit of work (reads see its own writes, and what is committed)."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End it: everything not committed is rolled back."""

    def commit(self) -> None:
        """Keep the writes made so far, atomically (a
        :class:`~prodcore.errors.ConflictError` keeps none of them)."""

    def rollback(self) -> None:
        """Drop the writes made since the last commit."""


# Optional capabilities: a store may offer them, the application uses them where offered
# (found with :func:`offered`), and a store without them works as before.


@runtime_checkable
class ReadsOrdersAhead(Protocol):
    """An order repository that can be told which orders its unit of work will read.

    The application calls ``read_ahead`` with the orders a posting command names, before
    it reads the command's idempotency key; prodcore's SQL stores then read those orders
    in that same statement. It is a hint: it reads and notes nothing by itself (an
    order read ahead counts as read only when the unit of work asks for it), and a
    repository without it reads each order when asked.

    >>> from prodcore.adapters import open_store
    >>> with open_store("memory:") as new_uow:
    ...     with new_uow() as uow:
    ...         isinstance(uow.orders, ReadsOrdersAhead)
    True
    """

    def read_ahead(self, order_ids: Sequence[str]) -> None:
        """Note that these orders (some perhaps absent) will be read."""


@runtime_checkable
class ReadsCostsAhead(Protocol):
    """A ledger repository that can be told an order's costs will be read.

    Cost adjustment calls ``read_ahead_costs`` before it asks for the order's output
    entries, output values, cost sums and WIP; prodcore's SQL stores then read the four
    in one statement. A hint, like :class:`ReadsOrdersAhead`.

    >>> from prodcore.adapters import open_store
    >>> with open_store("memory:") as new_uow:
    ...     with new_uow() as uow:
    ...         isinstance(uow.ledger, ReadsCostsAhead)
    True
    """

    def read_ahead_costs(self, order_id: str) -> None:
        """Note that the order's output entries, output values, cost sums and WIP will
        be read."""


@runtime_checkable
class TakesVouches(Protocol):
    """A unit of work that stages records the application vouches for unchecked.

    The application hands ``vouch`` an order or a batch it built from values it checked
    (the command where it came in, records read or staged); the unit of work may then
    stage that very object without checking again that every value stores as itself. A
    unit of work without it checks what it stages as always.

    >>> from prodcore.adapters import open_store
    >>> with open_store("memory:") as new_uow:
    ...     with new_uow() as uow:
    ...         isinstance(uow, TakesVouches)
    True
    """

    def vouch(self, record: Vouchable) -> Vouchable:
        """``record`` itself, taken unchecked when this unit of work stages it."""


def offered(obj: object, method: Callable[Concatenate[_Capable, ...], Any]) -> _Capable | None:
    """``obj`` as the optional capability whose ``method`` is given (one of this
    module's: :class:`ReadsOrdersAhead`, :class:`ReadsCostsAhead`,
    :class:`TakesVouches`), when ``obj`` has that method, else None. The method is found
    by name: ``isinstance`` of a runtime protocol costs microseconds, at every command.

    >>> from prodcore.adapters import open_store
    >>> with open_store("memory:") as new_uow:
    ...     with new_uow() as uow:
    ...         offered(uow.orders, ReadsOrdersAhead.read_ahead) is uow.orders
    True
    >>> class Plain:
    ...     pass
    >>> offered(Plain(), TakesVouches.vouch) is None
    True
    """
    return cast(_Capable, obj) if callable(getattr(obj, method.__name__, None)) else None
