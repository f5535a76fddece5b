"""What the memory and SQL stores share: staged writes over committed state, the note
of what a unit of work read, and the check of those reads at commit.

A store supplies a :class:`Committed` reader (its committed state) and applies the
staged writes at commit. The repositories here stage every write, answer every read as
committed plus staged, and note each committed value a read returned in :class:`Reads`;
a record, a setup, a balance or a list asked for again is answered as it was first (one
read of the committed state per key and unit of work: its decisions see one state).
At commit the store takes its commit lock, asks a :class:`Committed` reader inside that
lock for every noted value again (:func:`check_reads`) and refuses the commit with a
:class:`~prodcore.errors.ConcurrencyError` if one changed, so whatever a decision read
still holds when its unit of work commits (the unit of work is serializable).

Entry numbers are handed out at ``append``. Either the store reserves the numbering at
the first ``append`` (``reserve``) and keeps it until the unit of work commits or rolls
back, so numbers increase in commit order without gaps (memory, SQLite); or it sets
each batch's numbers aside in a short step (``allocate``) and commits its units of
work in the order of their numbers, so numbers increase in commit order but a unit of
work that rolls back leaves a gap (PostgreSQL). Such a store checks the reads under
per-key locks (:func:`conflict_keys`) instead of one commit lock, so unrelated units
of work commit side by side.
"""

from __future__ import annotations

import abc
import datetime as dt
import itertools
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import attrs

from prodcore.adapters._base import READABLE_KINDS, MasterDataGetters, StagedUnitOfWork
from prodcore.adapters._storable import storable_problem
from prodcore.clock import check_moment
from prodcore.costing.derived import DerivedMemo
from prodcore.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidValueError,
    KeyTakenError,
    NotFoundError,
)
from prodcore.ledger.application import decide_applications
from prodcore.ledger.average_periods import AveragePool, AveragePoolKey
from prodcore.ledger.balances import LedgerIndex, empty_read_only_index
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemApplication,
    ItemLedgerEntry,
    LedgerCounters,
    LotBalance,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueSource,
    number_batch,
)
from prodcore.ledger.valuation import entry_value, moves_inventory
from prodcore.masterdata import CapacityType, ManufacturingSetup
from prodcore.numbers import EXACT_SUMS, ZERO, in_own_context
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.orders.registration import Registration, bears_on, registration_order
from prodcore.ports import MasterDataRecord, Vouchable
from prodcore.scheduling.schedule import Allocation

__all__ = [
    "RECORD_KEYS",
    "Committed",
    "ConflictKeys",
    "NumberingGuard",
    "Reads",
    "StagedLedger",
    "StagedMasterData",
    "StagedOrders",
    "StagingUnitOfWork",
    "check_reads",
    "conflict_keys",
    "current_reads",
    "numbering_busy",
]

_T = TypeVar("_T")
_ORDER = "Production order"
ReadKey = tuple[Any, ...]
#: An open-entry pool: (item, location, inbound).
OpenKey = tuple[str, str, bool]

#: Ledger lists and the kind of their entries (checked by count: the ledger only grows).
_LISTS = (
    "item_entries",
    "capacity_entries",
    "value_entries",
    "gl_entries",
    "tracked_entries",
    "output_entries",
    "output_values",
)
_BALANCES = (
    "on_hand",
    "consumed_quantity",
    "output_quantity",
    "wip",
    "account_balance",
    "reversed_quantity",
    "capacity_used",
    "on_hand_in_bin",
    "lot_on_hand",
    "remaining_quantity",
    "inventory_value",
)


class Committed(abc.ABC):
    """A store's committed state, as the staged repositories and the commit check read it."""

    #: where the store keeps results derived from its master data (None: nowhere)
    derived_memo: DerivedMemo | None = None
    #: whether reading several keys at once (:meth:`open_entries_of`) saves statements
    reads_together: bool = False

    @abc.abstractmethod
    def order(self, order_id: str) -> ProductionOrder | None: ...
    def read_ahead(self, order_ids: Sequence[str]) -> None:
        """A hint that :meth:`order` will be asked for these: a store may read them with
        its next read (a SQL store: in the same statement). Nothing is noted."""
        return  # a store that reads each order by itself ignores it

    def read_ahead_costs(self, order_id: str) -> None:
        """A hint that the order's output entries, output values, cost sums and WIP will
        be asked for: a store may read them together at the first. Nothing is noted."""
        return  # a store that reads each by itself ignores it

    @abc.abstractmethod
    def order_version(self, order_id: str) -> int:
        """The committed version (0: no such order)."""

    @abc.abstractmethod
    def orders(self, status: OrderStatus | None) -> list[ProductionOrder]:
        """Sorted by id."""

    @abc.abstractmethod
    def allocations(self, order_id: str | None) -> tuple[Allocation, ...]:
        """The stored allocations of the order, or of every order (by order id)."""

    @abc.abstractmethod
    def registrations(self, worker: str, after: dt.datetime | None) -> list[Registration]:
        """The worker's registrations (those bearing on ``after`` when given), sorted
        by :func:`registration_order`."""

    @abc.abstractmethod
    def record(self, kind: type, no: str) -> MasterDataRecord | None: ...
    @abc.abstractmethod
    def records(self, kind: type) -> list[MasterDataRecord]:
        """Sorted by number."""

    @abc.abstractmethod
    def setup(self) -> ManufacturingSetup | None: ...
    @abc.abstractmethod
    def posting_setup(self) -> PostingSetup | None: ...
    @abc.abstractmethod
    def counters(self) -> LedgerCounters: ...
    @abc.abstractmethod
    def batch(self, posting_no: int) -> PostingBatch | None: ...
    @abc.abstractmethod
    def batch_nos(self, user: str | None, source: str | None) -> list[int]:
        """The numbers of the batches posted by ``user`` and through ``source`` (None:
        any), ascending."""

    @abc.abstractmethod
    def entry(self, table: str, entry_no: int) -> Any:
        """An entry of ``table`` ("items", "capacity", "values") or None."""

    @abc.abstractmethod
    def item_entries(self, order_id: str | None, item_no: str | None) -> list[ItemLedgerEntry]: ...
    @abc.abstractmethod
    def capacity_entries(
        self, order_id: str | None, centre_no: str | None
    ) -> list[CapacityLedgerEntry]: ...
    @abc.abstractmethod
    def value_entries(
        self, order_id: str | None, source: ValueSource | None, source_entry_no: int | None
    ) -> list[ValueEntry]: ...
    @abc.abstractmethod
    def gl_entries(self, order_id: str | None) -> list[GLEntry]: ...
    @abc.abstractmethod
    def on_hand(self, item_no: str, location_code: str | None) -> Decimal: ...

    @abc.abstractmethod
    def lot_on_hand(
        self, item_no: str, lot_no: str, serial_no: str, location_code: str | None
    ) -> Decimal: ...

    @abc.abstractmethod
    def tracked_entries(
        self, item_no: str, lot_no: str, serial_no: str
    ) -> list[ItemLedgerEntry]: ...

    @abc.abstractmethod
    def lot_balances(self, item_no: str, location_code: str | None) -> list[LotBalance]: ...

    @abc.abstractmethod
    def on_hand_in_bin(self, item_no: str, location_code: str, bin_code: str) -> Decimal: ...
    @abc.abstractmethod
    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal: ...
    @abc.abstractmethod
    def output_quantity(self, order_id: str, line_no: int) -> Decimal: ...
    @abc.abstractmethod
    def wip(self, order_id: str) -> Decimal: ...
    @abc.abstractmethod
    def output_entries(self, order_id: str) -> list[ItemLedgerEntry]: ...
    @abc.abstractmethod
    def output_values(self, order_id: str) -> list[ValueEntry]:
        """See ``LedgerIndex.output_values``."""

    @abc.abstractmethod
    def order_cost_sums(self, order_id: str) -> dict[tuple[int, str], Decimal]:
        """The order's cost sums not zero (see ``LedgerIndex.order_cost_sums``)."""

    @abc.abstractmethod
    def account_balance(self, account: str) -> Decimal: ...
    @abc.abstractmethod
    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal: ...
    @abc.abstractmethod
    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal: ...
    @abc.abstractmethod
    def idempotency(self, key: str) -> IdempotencyRecord | None: ...
    @abc.abstractmethod
    def remaining_quantity(self, entry_no: int) -> Decimal: ...
    @abc.abstractmethod
    def inventory_value(self, item_no: str) -> Decimal: ...
    @abc.abstractmethod
    def open_entries(
        self, item_no: str, location_code: str, inbound: bool
    ) -> list[tuple[int, Decimal]]:
        """The open inbound or outbound item entries of ``item_no`` at
        ``location_code``: (entry number, remaining quantity), in entry order."""

    def open_entries_of(
        self, keys: Sequence[tuple[str, str, bool]]
    ) -> dict[tuple[str, str, bool], list[tuple[int, Decimal]]]:
        """:meth:`open_entries` of each (item, location, inbound) key; a store may read
        them together."""
        return {key: self.open_entries(*key) for key in keys}

    @abc.abstractmethod
    def item_applications(self, entry_no: int) -> list[ItemApplication]: ...
    @abc.abstractmethod
    def cost_marks(self) -> list[int]:
        """The marked item entries (see ``LedgerIndex.cost_marks``), in entry order."""

    @abc.abstractmethod
    def average_unit_cost(self, key: AveragePoolKey, start: dt.date | None) -> Decimal | None:
        """The average cost of a pool's period (see ``LedgerIndex.average_unit_cost``),
        from pools the store keeps, not from a scan of the item's entries."""

    def average_pool(self, key: AveragePoolKey) -> tuple[AveragePool, object] | None:
        """A copy of the pool the store keeps, for a unit of work to add its staged
        entries to, and a mark of what it holds (:meth:`average_pool_mark`); None: the
        store keeps none (the pool is built from the entries)."""
        return None

    def average_pool_mark(self, key: AveragePoolKey) -> object:
        """What changes when a commit adds to the pool (of a store whose
        :meth:`average_pool` gives one)."""
        raise NotImplementedError

    def count(self, name: str, args: tuple[Any, ...]) -> int:
        """How many entries the ledger list ``name`` has (a store may count without loading)."""
        found: list[Any] = getattr(self, name)(*args)
        return len(found)

    def current(self, key: ReadKey) -> object:
        """The value a read noted under ``key`` would note now."""
        name, args = key[0], key[1:]
        if name == "order":
            return self.order_version(args[0])
        if name == "orders":
            return tuple((o.id, o.version) for o in self.orders(args[0]))
        if name == "records":
            return tuple(self.records(args[0]))
        if name in ("batch", "entry"):
            return (self.batch(args[0]) if name == "batch" else self.entry(*args)) is not None
        if name in _LISTS:
            return self.count(name, args)
        method: Callable[..., object] = getattr(self, name)  # record, setups, balances
        return method(*args)


#: Not read yet (a record read absent is noted as None).
_UNSEEN: Any = object()

#: The setups a store answers when none was put: one each, shared (frozen), not one
#: built at every read (a command reads them about twice)
_DEFAULT_SETUP = ManufacturingSetup()
_DEFAULT_POSTING_SETUP = PostingSetup()


class Reads:
    """The committed values a unit of work read, by what was asked (the first answer)."""

    def __init__(self) -> None:
        self.seen: dict[ReadKey, object] = {}

    def note(self, key: ReadKey, value: _T) -> _T:
        self.seen.setdefault(key, value)
        return value

    def once(self, key: ReadKey, read: Callable[[], _T]) -> _T:
        """The answer noted under ``key``, else ``read()``'s, noted: a unit of work asks
        the committed state once per key and then answers as then (what the commit
        checks).

        >>> reads = Reads()
        >>> reads.once(("wip", "PO-1"), lambda: Decimal(5)), reads.once(("wip", "PO-1"), int)
        (Decimal('5'), Decimal('5'))
        """
        seen = self.seen
        found = seen.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = seen[key] = read()
        return found  # type: ignore[return-value]


def check_reads(
    reads: Reads,
    committed: Committed,
    *,
    skip: Callable[[ReadKey], bool] | None = None,
    pools: Sequence[OpenKey] = (),
    found: dict[OpenKey, list[tuple[int, Decimal]]] | None = None,
) -> None:
    """Raise :class:`~prodcore.errors.ConcurrencyError` if a noted read answers
    differently now (call it inside the commit lock); the reads ``skip`` accepts are
    known to hold. ``pools`` and ``found``: see :func:`current_reads`."""
    for key, seen, now in current_reads(reads, committed, skip=skip, pools=pools, found=found):
        if now != seen:
            if key[0] == "order":
                raise ConcurrencyError(kind=_ORDER, key=key[1], expected=seen, actual=now)
            raise ConcurrencyError(kind="Read", key=key, expected=_short(seen), actual=_short(now))


def current_reads(
    reads: Reads,
    committed: Committed,
    *,
    skip: Callable[[ReadKey], bool] | None = None,
    pools: Sequence[OpenKey] = (),
    found: dict[OpenKey, list[tuple[int, Decimal]]] | None = None,
) -> Iterator[tuple[ReadKey, object, object]]:
    """Each noted read ``skip`` does not accept, in the order noted, with its noted and
    current answers. The open entries of all such keys, and of the other ``pools``
    (item, location, inbound) the caller needs, are read together, when the first of
    them comes (else at the end): one statement on a SQL store instead of one per key.
    Those read are put in ``found``.

    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> reads = Reads()
    >>> _ = reads.note(("open_entries", "RM", "", True), [(1, Decimal(5))])
    >>> _ = reads.note(("on_hand", "RM", None), Decimal(5))
    >>> committed = InMemoryUnitOfWork(InMemoryStore())._committed()
    >>> [(key[0], seen, now) for key, seen, now in current_reads(reads, committed)]
    [('open_entries', [(1, Decimal('5'))], []), ('on_hand', Decimal('5'), Decimal('0'))]
    """
    keys = [key for key in reads.seen if skip is None or not skip(key)]
    wanted = list(dict.fromkeys([*(key[1:] for key in keys if key[0] == "open_entries"), *pools]))
    found = {} if found is None else found
    pending = bool(wanted)
    for key in keys:
        if key[0] != "open_entries":
            yield key, reads.seen[key], committed.current(key)
            continue
        if pending:
            found.update(committed.open_entries_of(wanted))
            pending = False
        yield key, reads.seen[key], found[key[1:]]
    if pending:
        found.update(committed.open_entries_of(wanted))


#: Reads by item (first argument) and by order (first argument, when given).
_ITEM_READS = frozenset(
    ("on_hand", "on_hand_in_bin", "lot_on_hand", "lot_balances", "tracked_entries")
)
_ORDER_READS = frozenset(("consumed_quantity", "output_quantity", "wip", "order_cost_sums"))
#: Conflict keys of single records: a writer excludes readers and other writers. Every
#: other key is of something postings add to (a balance, a list): only a reader and a
#: writer exclude each other.
RECORD_KEYS = frozenset(("setup", "posting_setup", "order", "record", "allocation", "key"))


def _read_key(key: ReadKey) -> tuple[Any, ...]:
    """The conflict key of a noted read (see :func:`conflict_keys`)."""
    name, args = key[0], key[1:]
    if name in ("setup", "posting_setup", "order", "record"):
        return (name, *args)
    if name in ("records", "orders"):
        return (name, args[0] if name == "records" else None)
    if name == "allocations":
        return ("allocation", args[0]) if args[0] is not None else ("allocations",)
    if name in _ITEM_READS or name == "inventory_value":
        return ("i", args[0])
    if name in ("average_unit_cost", "average_pool_mark"):
        return ("i", args[0].item_no)
    if name == "open_entries":
        return ("open", *args)
    if name in _ORDER_READS:
        return ("o", args[0])
    if name == "account_balance":
        return ("a", args[0])
    if name == "registrations":  # a worker's registrations on every order
        return ("w", args[0])
    if name == "reversed_quantity":
        return ("r", ValueSource(args[0]).value, args[1])
    if name == "capacity_used":
        return ("c", args[0])
    if name in ("remaining_quantity", "item_applications"):
        return ("rem", args[0])
    if name == "value_entries" and args[1] is not None and args[2] is not None:
        return ("v", ValueSource(args[1]).value, args[2])
    if name in _LISTS and args[0] is not None:  # by order
        return ("o", args[0])
    if name in ("item_entries", "capacity_entries") and args[1] is not None:
        return ("i" if name == "item_entries" else "c", args[1])
    return ("ledger",)  # an unfiltered list, or a batch or entry read as absent


def _write_keys(
    master: StagedMasterData, orders: StagedOrders, ledger: StagedLedger
) -> Iterator[tuple[Any, ...]]:
    if master.staged_setup is not None:
        yield ("setup",)
    if ledger.staged_setup is not None:
        yield ("posting_setup",)
    for kind, no in master.staged:
        yield ("record", kind, no)
        yield ("records", kind)
    for order_id, order in orders.staged.items():
        yield ("order", order_id)
        yield ("orders", None)
        for worker in {r.worker for r in order.registrations} if order else ():
            yield ("w", worker)
    for order_id in orders.staged_allocations:
        yield ("allocation", order_id)
        yield ("allocations",)
    for key in ledger.staged_keys:
        yield ("key", key)
    if not ledger.staged_batches:
        return
    yield ("ledger",)
    index = ledger.staged
    for batch in ledger.staged_batches:
        if batch.idempotency_key is not None:
            yield ("key", batch.idempotency_key)
    for e in index.items.values():
        yield ("i", e.item_no)
    for item_no in index.item_value:
        yield ("i", item_no)
    for c in index.capacity.values():
        yield ("c", c.no)
        yield ("c", c.work_center_no)
    for v in index.values.values():
        source_no = v.item_entry_no if v.source is ValueSource.ITEM else v.capacity_entry_no
        yield ("v", v.source.value, source_no)
    for account in index.accounts:
        yield ("a", account)
    # a G/L line's order is its value entry's
    for entries in (index.items, index.capacity, index.values):
        for entry in entries.values():
            yield ("o", entry.order_id)
    for source, entry_no in index.reversed:
        yield ("r", source.value, entry_no)
    for pool, deltas in index.open_by_key.items():
        yield ("open", *pool)
        for open_no in deltas:
            yield ("rem", open_no)
    for applied_no in index.applications:
        yield ("rem", applied_no)


@attrs.frozen
class ConflictKeys:
    """The keys of what a committing unit of work read and of what it writes."""

    read: frozenset[tuple[Any, ...]]
    written: frozenset[tuple[Any, ...]]


def conflict_keys(
    reads: Reads, master: StagedMasterData, orders: StagedOrders, ledger: StagedLedger
) -> ConflictKeys:
    """The conflict keys of a committing unit of work: two units of work conflict (and
    commit one at a time, or one is refused) when one writes a key the other reads or,
    for a key of :data:`RECORD_KEYS`, writes; so a noted read cannot change while its
    unit of work checks and commits.

    Master data, setups, orders, allocations and idempotency keys are single records.
    Ledger balances and lists (by order ``o``, item ``i``, centre ``c``, account ``a``,
    value source ``v``, reversed entry ``r``, open entries of an item at a location in
    one direction ``open``, an entry's remaining quantity ``rem``, or the whole
    ``ledger``), a worker's job registrations on every order ``w``, and the lists of orders and master data only grow by adding: two writers
    do not conflict, so postings that read nothing the other writes (unrelated orders,
    items and centres) commit side by side.

    >>> reads = Reads()
    >>> _ = reads.note(("on_hand", "C-1", None), Decimal(10))
    >>> _ = reads.note(("order", "PO-1"), 1)
    >>> ledger = StagedLedger(None, reads, LedgerCounters)  # type: ignore[arg-type]
    >>> orders = StagedOrders(None, reads)  # type: ignore[arg-type]
    >>> keys = conflict_keys(reads, StagedMasterData(None, reads), orders, ledger)
    >>> sorted(keys.read), sorted(keys.written)
    ([('i', 'C-1'), ('order', 'PO-1')], [])
    """
    index = ledger.staged
    # an earlier entry's remaining quantity is read and rewritten at commit, as if read
    rewritten = (
        ("open", *pool)
        for pool, deltas in index.open_by_key.items()
        if any(no not in index.items for no in deltas)
    )
    return ConflictKeys(
        frozenset((*map(_read_key, reads.seen), *rewritten)),
        frozenset(_write_keys(master, orders, ledger)),
    )


def _short(value: object) -> object:
    return value if isinstance(value, int | Decimal | bool | None) else type(value).__name__


class NumberingGuard:
    """The right to number ledger entries, held by one unit of work of a store from its
    first ``append`` until it commits or rolls back; others wait up to ``timeout``.

    A unit of work that needs it while another unit of work of the same thread holds it
    would wait for itself. With ``share_in_thread`` (the memory store, whose commit
    checks the counters anyway) it numbers without the guard and the later of the two
    commits is refused; otherwise it gets a ConcurrencyError at once.
    """

    def __init__(self, timeout: float = 30.0, *, share_in_thread: bool = False) -> None:
        self.timeout = timeout
        self.share_in_thread = share_in_thread
        self._lock = threading.Lock()
        self._owner: object | None = None
        self._thread: int | None = None

    def acquire(self, owner: object) -> None:
        if self._owner is owner:
            return
        thread = threading.get_ident()
        if self._thread == thread:
            if self.share_in_thread:
                return
            raise numbering_busy("another unit of work of this thread is posting")
        # free (the usual case): taken without a timed wait
        if not (self._lock.acquire(False) or self._lock.acquire(timeout=self.timeout)):
            raise numbering_busy(f"no turn within {self.timeout} s")
        self._owner, self._thread = owner, thread

    def release(self, owner: object) -> None:
        if self._owner is owner:
            self._owner = self._thread = None
            self._lock.release()


def numbering_busy(reason: str) -> ConcurrencyError:
    return ConcurrencyError(kind="Ledger", key="numbering", expected="a turn", actual=reason)


def _check_str(kind: str, key: object) -> str:
    if not isinstance(key, str):
        raise NotFoundError(kind=kind, key=key)
    return key


def _check_storable(field: str, value: _T, known: _T | None = None) -> _T:
    """``value`` if it reads back as itself from its document, else
    :class:`~prodcore.errors.InvalidValueError`: a str where an enum belongs, a naive
    datetime, an int for a text (a bool for a number was refused where
    the record was built, by its converter). Every store checks here, when the value is staged,
    so none takes what another refuses (the SQL stores crashed writing such a value, or
    wrote a document they could not read back). The check is compiled per type
    (:func:`~prodcore.adapters._storable.storable_problem`), not a write and read back;
    what ``value`` shares with ``known`` (a storable record it replaces) is not checked
    again."""
    problem = storable_problem(value, known)
    if problem is not None:
        raise InvalidValueError(field=field, value=value, reason=problem)
    return value


def _check_unless_vouched(
    vouched: dict[int, Any], field: str, value: _T, known: _T | None = None
) -> _T:
    """``value``, taken unchecked if it was vouched for (that object, once: the vouch is
    used up), else through :func:`_check_storable`."""
    if vouched.pop(id(value), None) is not value:
        _check_storable(field, value, known)
    return value


def _is_str(key: object) -> bool:
    return isinstance(key, str)


def _check_version(field: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValueError(field=field, value=value, reason="must be an int")
    return value


class StagedMasterData(MasterDataGetters):
    """Master data puts staged over the committed records."""

    def __init__(self, committed: Committed, reads: Reads) -> None:
        self._committed = committed
        self._reads = reads
        self.staged: dict[tuple[type, str], MasterDataRecord] = {}
        self.staged_setup: ManufacturingSetup | None = None
        #: what ``find`` answers, by kind and number: a record staged, or the answer of
        #: the committed read (None: absent), read once per unit of work and noted; a
        #: decision asks for the same item or centre several times
        self._found: dict[tuple[type, str], MasterDataRecord | None] = {}

    @property
    def setup(self) -> ManufacturingSetup:
        if self.staged_setup is not None:
            return self.staged_setup
        return self._reads.once(("setup",), self._committed.setup) or _DEFAULT_SETUP

    @property
    def derived_memo(self) -> DerivedMemo | None:
        """The store's memo of results derived from master data
        (:func:`~prodcore.costing.derived.derived`)."""
        return self._committed.derived_memo

    def put_setup(self, setup: ManufacturingSetup) -> None:
        if not isinstance(setup, ManufacturingSetup):
            raise InvalidValueError(field="setup", value=setup, reason="not a ManufacturingSetup")
        self.staged_setup = _check_storable("setup", setup)

    def put(self, record: MasterDataRecord) -> None:
        if type(record) not in READABLE_KINDS:
            raise InvalidValueError(field="record", value=record, reason="not a master data record")
        key = (type(record), record.no)
        self.staged[key] = self._found[key] = _check_storable("record", record)

    def find(self, kind: type[_T], no: str) -> _T | None:
        try:
            found = self._found.get((kind, no), _UNSEEN)
        except TypeError:  # an unhashable number: refused or answered below
            found = _UNSEEN
        return found if found is not _UNSEEN else self._find(kind, no)

    def _find(self, kind: type[_T], no: str) -> _T | None:
        """``find`` of a record not asked for before in this unit of work (one staged
        is in ``_found`` already): read once, its answer noted (None: absent), the one
        checked at commit."""
        if kind not in READABLE_KINDS:
            raise InvalidValueError(field="kind", value=kind, reason="not a master data kind")
        if not _is_str(no):
            return None  # names no record, as get says (NotFoundError)
        found = self._committed.record(kind, no)
        self._reads.seen[("record", kind, no)] = self._found[(kind, no)] = found
        return found  # type: ignore[return-value]

    def _get(self, kind: type[_T], no: str) -> _T:
        found = self.find(kind, no)
        if found is None:
            raise NotFoundError(kind=READABLE_KINDS[kind], key=no)
        return found

    def _all(self, kind: type[_T]) -> Iterator[_T]:
        committed = self._reads.note(("records", kind), tuple(self._committed.records(kind)))
        merged: dict[str, Any] = {r.no: r for r in committed}
        merged.update({no: r for (k, no), r in self.staged.items() if k is kind})
        for no in sorted(merged):
            yield merged[no]


class StagedOrders:
    """Order writes staged over the committed orders, with their optimistic versions."""

    def __init__(self, committed: Committed, reads: Reads) -> None:
        self._committed = committed
        self._reads = reads
        self.staged: dict[str, ProductionOrder | None] = {}  # None: deleted
        self.read_versions: dict[str, int] = {}  # stored version when first written (0: none)
        self.staged_allocations: dict[str, tuple[Allocation, ...]] = {}  # (): removed
        #: the committed orders read (the latest read of each), for a store to write
        #: only what changed
        self.read: dict[str, ProductionOrder] = {}
        #: orders vouched for (:meth:`StagingUnitOfWork.vouch`), by identity, until staged
        self.vouched: dict[int, ProductionOrder] = {}

    def _current(self, order_id: str) -> ProductionOrder | None:
        if order_id in self.staged:
            return self.staged[order_id]
        order = self._committed.order(order_id)
        self._reads.note(("order", order_id), order.version if order else 0)
        if order is not None:
            self.read[order_id] = order
        return order

    def _current_version(self, order_id: str) -> int:
        """The order's version (0: no such order), without loading the order."""
        if order_id in self.staged:
            staged = self.staged[order_id]
            return 0 if staged is None else staged.version
        noted = self._reads.seen.get(("order", order_id))  # read already: not again
        if isinstance(noted, int):
            return noted
        return self._reads.note(("order", order_id), self._committed.order_version(order_id))

    def read_ahead(self, order_ids: Iterable[str]) -> None:
        """A hint that this unit of work will read these orders (those it has not read
        or staged yet): a SQL store reads them with its next read, in the same
        statement; nothing is read or noted now. The application announces the orders
        a posting command names before it reads the command's idempotency key."""
        wanted = [
            i for i in order_ids if _is_str(i) and i not in self.staged and i not in self.read
        ]
        if wanted:
            self._committed.read_ahead(wanted)

    def get(self, order_id: str) -> ProductionOrder:
        order = self.find(order_id)
        if order is None:
            raise NotFoundError(kind=_ORDER, key=order_id)
        return order

    def find(self, order_id: str) -> ProductionOrder | None:
        return self._current(order_id) if _is_str(order_id) else None

    def add(self, order: ProductionOrder) -> None:
        if not isinstance(order, ProductionOrder):
            raise InvalidValueError(field="order", value=order, reason="not a ProductionOrder")
        if self._current_version(order.id):
            raise DuplicateError(kind=_ORDER, key=order.id)
        if order.version != 1:
            raise InvalidValueError(
                field="version", value=order.version, reason="a new order has version 1"
            )
        self.read_versions.setdefault(order.id, 0)
        self.staged[order.id] = _check_unless_vouched(self.vouched, "order", order)

    def _check(self, order_id: str, expected_version: int) -> None:
        version = self._current_version(order_id)
        if not version:
            raise NotFoundError(kind=_ORDER, key=order_id)
        if version != expected_version:
            raise ConcurrencyError(
                kind=_ORDER, key=order_id, expected=expected_version, actual=version
            )
        self.read_versions.setdefault(order_id, expected_version)

    def save(self, order: ProductionOrder, *, expected_version: int) -> None:
        if not isinstance(order, ProductionOrder):
            raise InvalidValueError(field="order", value=order, reason="not a ProductionOrder")
        _check_version("expected_version", expected_version)
        if order.version != expected_version + 1:
            raise InvalidValueError(
                field="version",
                value=order.version,
                reason=f"must be expected_version + 1 = {expected_version + 1}",
            )
        self._check(order.id, expected_version)
        known = self.staged.get(order.id) or self.read.get(order.id)
        self.staged[order.id] = _check_unless_vouched(self.vouched, "order", order, known)

    def delete(self, order_id: str, *, expected_version: int) -> None:
        _check_str(_ORDER, order_id)
        _check_version("expected_version", expected_version)
        self._check(order_id, expected_version)
        self.staged[order_id] = None
        self.staged_allocations[order_id] = ()

    def list(self, *, status: OrderStatus | None = None) -> list[ProductionOrder]:
        if status is not None and not isinstance(status, OrderStatus):
            raise InvalidValueError(field="status", value=status, reason="not an OrderStatus")
        committed = self._committed.orders(status)
        self._reads.note(("orders", status), tuple((o.id, o.version) for o in committed))
        merged: dict[str, ProductionOrder | None] = {o.id: o for o in committed}
        merged.update(self.staged)
        return [
            o
            for _, o in sorted(merged.items())
            if o is not None and (status is None or o.status is status)
        ]

    def allocations(self, order_id: str | None = None) -> tuple[Allocation, ...]:
        if order_id is not None:
            _check_str(_ORDER, order_id)
            staged = self.staged_allocations.get(order_id)
            if staged is not None:
                return staged
        committed = self._reads.note(
            ("allocations", order_id), self._committed.allocations(order_id)
        )
        if order_id is not None:
            return committed
        # committed allocations come by order id, each order's together
        merged = {k: tuple(g) for k, g in itertools.groupby(committed, lambda a: a.order_id)}
        merged.update(self.staged_allocations)
        return tuple(a for _, found in sorted(merged.items()) for a in found)

    def put_allocations(self, order_id: str, allocations: Sequence[Allocation]) -> None:
        if self._current(_check_str(_ORDER, order_id)) is None:
            raise NotFoundError(kind=_ORDER, key=order_id)
        kept = tuple(allocations)
        for a in kept:
            record: object = a  # callers outside mypy may pass anything
            if not isinstance(record, Allocation) or record.order_id != order_id:
                raise InvalidValueError(
                    field="allocations", value=a, reason=f"not an Allocation of {order_id}"
                )
        self.staged_allocations[order_id] = kept

    def registrations(
        self, worker: str, *, after: dt.datetime | None = None
    ) -> tuple[Registration, ...]:
        if not isinstance(worker, str):
            raise InvalidValueError(field="worker", value=worker, reason="must be a str")
        if after is not None:
            check_moment(after, "after")
        committed = self._reads.note(
            ("registrations", worker, after), self._committed.registrations(worker, after)
        )
        # an order written here replaces its stored registrations
        found = [r for r in committed if r.order_id not in self.staged]
        for order in self.staged.values():
            found.extend(
                r
                for r in (order.registrations if order is not None else ())
                if r.worker == worker and (after is None or bears_on(r, after))
            )
        return tuple(sorted(found, key=registration_order))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def capacity_entry_matches(
    e: CapacityLedgerEntry, order_id: str | None, centre_no: str | None
) -> bool:
    """Whether ``capacity_entries(order_id=..., centre_no=...)`` lists ``e``: by order
    (then any centre it names), else by centre (a work centre or its machine centre)."""
    if order_id is not None:
        return e.order_id == order_id and (
            centre_no is None or centre_no in (e.no, e.work_center_no)
        )
    if centre_no is not None:
        return e.work_center_no == centre_no or (
            e.type is CapacityType.MACHINE_CENTER and e.no == centre_no
        )
    return True


def value_entry_matches(
    e: ValueEntry, order_id: str | None, source: ValueSource | None, source_entry_no: int | None
) -> bool:
    """Whether ``value_entries(...)`` lists ``e`` (the source filter needs both parts)."""
    if source is not None and source_entry_no is not None:
        no = e.item_entry_no if e.source is ValueSource.ITEM else e.capacity_entry_no
        if e.source is not source or no != source_entry_no:
            return False
    return order_id is None or e.order_id == order_id


#: The staged index of every staged ledger nothing was appended to.
_NOTHING_STAGED = empty_read_only_index()


def _every(entry: object) -> bool:
    return True


class StagedLedger:
    """Staged batches over the committed ledger; queries see both.

    ``reserve`` is called at the first append: it secures the store's numbering for this
    unit of work (until it ends) and returns the committed counters to number after.
    With ``allocate`` instead, each append asks it for the counters to number the batch
    after (the store sets the batch's numbers aside for it).
    """

    def __init__(
        self,
        committed: Committed,
        reads: Reads,
        reserve: Callable[[], LedgerCounters],
        allocate: Callable[[PostingBatch], LedgerCounters] | None = None,
    ) -> None:
        self._committed = committed
        self._reads = reads
        self._reserve = reserve
        self._allocate = allocate
        self.base_counters: LedgerCounters | None = None
        self.counters: LedgerCounters | None = None
        self._index: LedgerIndex | None = None
        self._unindexed: list[PostingBatch] = []  # appended, not yet in the index
        self.staged_batches: list[PostingBatch] = []
        self.staged_keys: dict[str, IdempotencyRecord] = {}
        self.staged_setup: PostingSetup | None = None
        self.absent_keys: set[str] = set()  # read absent (a rival is refused at commit)
        #: committed entries looked up or listed (they never change), by table and number
        self._known: dict[tuple[str, int], Any] = {}
        #: the committed lists read (see ``_list``), by what was asked
        self._lists: dict[ReadKey, list[Any]] = {}
        #: batches vouched for (:meth:`StagingUnitOfWork.vouch`), by identity, until staged
        self.vouched: dict[int, PostingBatch] = {}

    @property
    def staged(self) -> LedgerIndex:
        """The index of the staged batches, built when first asked for after an append
        (a unit of work that appends and commits without querying again never builds
        it); before any, an empty one that refuses writes, shared."""
        index = self._index
        if index is None:
            if not self._unindexed:
                return _NOTHING_STAGED  # (not made for a unit of work that only reads)
            index = self._index = LedgerIndex()
        if self._unindexed:
            # a staged value entry of a committed entry (cost adjustment's, on output);
            # through a weak reference: the index held here holding this ledger would
            # be a cycle, keeping each posting unit of work for the cyclic collector
            ledger = weakref.ref(self)
            index.outside_items = partial(_committed_entry_of, ledger, "items")
            index.outside_capacity = partial(_committed_entry_of, ledger, "capacity")
            for batch in self._unindexed:
                index.apply(batch)
            self._unindexed.clear()
        return index

    @property
    def posting_setup(self) -> PostingSetup:
        if self.staged_setup is not None:
            return self.staged_setup
        return self._reads.once(("posting_setup",), self._committed.posting_setup) or (
            _DEFAULT_POSTING_SETUP
        )

    def put_posting_setup(self, setup: PostingSetup) -> None:
        if not isinstance(setup, PostingSetup):
            raise InvalidValueError(field="setup", value=setup, reason="not a PostingSetup")
        self.staged_setup = _check_storable("setup", setup)

    def append(self, batch: PostingBatch) -> PostingBatch:
        if not isinstance(batch, PostingBatch):
            raise InvalidValueError(field="batch", value=batch, reason="not a PostingBatch")
        _check_unless_vouched(self.vouched, "batch", batch)
        batch.check_balanced()
        if self._allocate is not None:
            self.counters = self._allocate(batch)
            if self.base_counters is None:
                self.base_counters = self.counters
        elif self.counters is None:
            self.base_counters = self.counters = self._reserve()
        numbered, self.counters = number_batch(batch, self.counters, self._applications)
        self._unindexed.append(numbered)
        self.staged_batches.append(numbered)
        return numbered

    def _applications(self, entries: tuple[ItemLedgerEntry, ...]) -> tuple[ItemApplication, ...]:
        """The applications of a numbered batch's item ``entries`` (decided as the batch
        is numbered: one copy of it, not a second with its applications)."""
        self._read_open_entries(entries)
        return decide_applications(entries, self.open_entries, self._tracked)

    def _read_open_entries(self, entries: Sequence[ItemLedgerEntry]) -> None:
        """Read together the committed open entries that deciding the applications of
        ``entries`` asks for (each entry's pool of the other direction), so a SQL store
        answers them in one statement instead of one per item."""
        if not self._committed.reads_together or len(entries) < 2:
            return
        seen = self._reads.seen
        keys = sorted(
            key
            for key in {(e.item_no, e.location_code, e.quantity <= 0) for e in entries}
            if ("open_entries", *key) not in seen
        )
        if len(keys) > 1:
            for key, found in self._committed.open_entries_of(keys).items():
                self._reads.note(("open_entries", *key), found)

    def _tracked(self, item_no: str, lot_no: str, serial_no: str) -> list[ItemLedgerEntry]:
        return self.tracked_entries(item_no, lot_no=lot_no, serial_no=serial_no)

    # --- single records -------------------------------------------------------------

    def batch(self, posting_no: int) -> PostingBatch:
        if _is_int(posting_no):
            found = self.staged.batches.get(posting_no) or self._committed.batch(posting_no)
            if found is not None:
                return found
            self._reads.note(("batch", posting_no), False)
        raise NotFoundError(kind="Posting", key=posting_no)

    def batches(self, *, user: str | None = None, source: str | None = None) -> list[PostingBatch]:
        for field, value in (("user", user), ("source", source)):
            if value is not None and not isinstance(value, str):
                raise InvalidValueError(field=field, value=value, reason="must be a str")
        nos = self._reads.note(("batch_nos", user, source), self._committed.batch_nos(user, source))
        found = [self._committed.batch(no) for no in nos]
        return [b for b in found if b is not None] + [
            b
            for b in self.staged_batches
            if (user is None or b.user == user) and (source is None or b.source == source)
        ]

    def _one(self, table: str, kind: str, no: int) -> Any:
        if _is_int(no):
            found = getattr(self.staged, table).get(no) or self._committed.entry(table, no)
            if found is not None:
                return found
            self._reads.note(("entry", table, no), False)
        raise NotFoundError(kind=kind, key=no)

    def item_entry(self, entry_no: int) -> ItemLedgerEntry:
        found: ItemLedgerEntry = self._one("items", "Item ledger entry", entry_no)
        return found

    def capacity_entry(self, entry_no: int) -> CapacityLedgerEntry:
        found: CapacityLedgerEntry = self._one("capacity", "Capacity ledger entry", entry_no)
        return found

    def value_entry(self, entry_no: int) -> ValueEntry:
        found: ValueEntry = self._one("values", "Value entry", entry_no)
        return found

    # --- lists (committed entries, then staged ones: numbers keep increasing) ---------

    def _list(
        self, name: str, args: tuple[Any, ...], staged: Iterable[Any], keep: Callable[[Any], bool]
    ) -> list[Any]:
        key = (name, *args)
        found: list[Any] | None = self._lists.get(key)
        if found is None:  # read once per unit of work, as a balance (its count noted)
            found = self._lists[key] = getattr(self._committed, name)(*args)
            self._reads.note(key, len(found))
        return found + [e for e in staged if keep(e)]

    def item_entries(
        self, *, order_id: str | None = None, item_no: str | None = None
    ) -> list[ItemLedgerEntry]:
        return self._list(
            "item_entries",
            (order_id, item_no),
            self.staged.items.values(),
            lambda e: (
                (order_id is None or e.order_id == order_id)
                and (item_no is None or e.item_no == item_no)
            ),
        )

    def capacity_entries(
        self, *, order_id: str | None = None, centre_no: str | None = None
    ) -> list[CapacityLedgerEntry]:
        return self._list(
            "capacity_entries",
            (order_id, centre_no),
            self.staged.capacity.values(),
            lambda e: capacity_entry_matches(e, order_id, centre_no),
        )

    def value_entries(
        self,
        *,
        order_id: str | None = None,
        source: ValueSource | None = None,
        source_entry_no: int | None = None,
    ) -> list[ValueEntry]:
        if source is not None:
            source = ValueSource(source)
        return self._list(
            "value_entries",
            (order_id, source, source_entry_no),
            self.staged.values.values(),
            lambda e: value_entry_matches(e, order_id, source, source_entry_no),
        )

    def _committed_entry(self, table: str, entry_no: int) -> Any:
        key = (table, entry_no)
        if key not in self._known:
            self._known[key] = self._committed.entry(table, entry_no)
        return self._known[key]

    def read_ahead_costs(self, order_id: str) -> None:
        """A hint that this unit of work will ask for the order's output entries, output
        values, cost sums and WIP (cost adjustment does): a SQL store reads them in one
        statement at the first of them; nothing is read or noted now."""
        if _is_str(order_id):
            self._committed.read_ahead_costs(order_id)

    def output_entries(self, order_id: str) -> list[ItemLedgerEntry]:
        found: list[ItemLedgerEntry] = self._list(
            "output_entries", (order_id,), self.staged.output_entries(order_id), _every
        )
        # what cost adjustment then values: its staged index looks them up here
        self._known.update((("items", e.entry_no), e) for e in found)
        return found

    def output_values(self, order_id: str) -> list[ValueEntry]:
        return self._list("output_values", (order_id,), self.staged.output_values(order_id), _every)

    def gl_entries(self, *, order_id: str | None = None) -> list[GLEntry]:
        return self._list(
            "gl_entries",
            (order_id,),
            self.staged.gl_entries(),
            lambda e: order_id is None or e.order_id == order_id,
        )

    # --- balances: committed (noted) plus staged ----------------------------------------

    def _balance(self, name: str, *args: Any) -> Decimal:
        committed: Decimal = self._reads.once(
            (name, *args), partial(getattr(self._committed, name), *args)
        )
        staged: Decimal = getattr(self.staged, name)(*args)
        return EXACT_SUMS.add(committed, staged)

    def on_hand(self, item_no: str, location_code: str | None = None) -> Decimal:
        return self._balance("on_hand", item_no, location_code)

    def on_hand_in_bin(self, item_no: str, location_code: str, bin_code: str) -> Decimal:
        return self._balance("on_hand_in_bin", item_no, location_code, bin_code)

    def consumed_quantity(self, order_id: str, line_no: int, component_line_no: int) -> Decimal:
        return self._balance("consumed_quantity", order_id, line_no, component_line_no)

    def lot_on_hand(
        self, item_no: str, lot_no: str, serial_no: str = "", location_code: str | None = None
    ) -> Decimal:
        return self._balance("lot_on_hand", item_no, lot_no, serial_no, location_code)

    def lot_balances(self, item_no: str, location_code: str | None = None) -> list[LotBalance]:
        committed = self._reads.note(
            ("lot_balances", item_no, location_code),
            self._committed.lot_balances(item_no, location_code),
        )
        total: dict[tuple[str, str, str], Decimal] = {}
        for bal in (*committed, *self.staged.lot_balances(item_no, location_code)):
            key = (bal.location_code, bal.lot_no, bal.serial_no)
            total[key] = EXACT_SUMS.add(total.get(key, ZERO), bal.quantity)
        return [LotBalance(item_no, *key, qty) for key, qty in sorted(total.items()) if qty]

    def tracked_entries(
        self, item_no: str, *, lot_no: str = "", serial_no: str = ""
    ) -> list[ItemLedgerEntry]:
        if not (lot_no or serial_no):
            raise InvalidValueError(
                field="tracked_entries", value=item_no, reason="name a lot or a serial number"
            )
        staged = self.staged
        return self._list(
            "tracked_entries",
            (item_no, lot_no, serial_no),
            (staged.items[n] for n in staged.tracked_entry_nos(item_no, lot_no, serial_no)),
            lambda e: True,
        )

    def output_quantity(self, order_id: str, line_no: int) -> Decimal:
        return self._balance("output_quantity", order_id, line_no)

    def wip(self, order_id: str) -> Decimal:
        return self._balance("wip", order_id)

    def order_cost_sums(self, order_id: str) -> dict[tuple[int, str], Decimal]:
        committed = self._reads.note(
            ("order_cost_sums", order_id), self._committed.order_cost_sums(order_id)
        )
        total = dict(committed)
        for key, amount in self.staged.order_cost_sums(order_id).items():
            total[key] = EXACT_SUMS.add(total.get(key, ZERO), amount)
        return {key: amount for key, amount in total.items() if amount}

    def account_balance(self, account: str) -> Decimal:
        return self._balance("account_balance", account)

    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal:
        return self._balance("reversed_quantity", ValueSource(source), entry_no)

    def capacity_used(self, centre_no: str, start: dt.date, end: dt.date) -> Decimal:
        return self._balance("capacity_used", centre_no, start, end)

    def remaining_quantity(self, entry_no: int) -> Decimal:
        return self._balance("remaining_quantity", entry_no)

    def inventory_value(self, item_no: str) -> Decimal:
        return self._balance("inventory_value", item_no)

    @in_own_context  # it divides: in prodcore's context, whatever the caller's
    def average_unit_cost(self, key: AveragePoolKey, start: dt.date | None) -> Decimal | None:
        staged = self.staged
        if None in staged.revalued_items:  # a value change of an unknown item: from scratch
            entries = self.item_entries(item_no=key.item_no)
            return AveragePool.build(key, entries, partial(entry_value, self)).unit_cost(start)
        if key.item_no in staged.items_by_item or key.item_no in staged.revalued_items:
            # staged entries of the item: its pool over committed and staged entries,
            # built once and kept by the staged index as further batches are staged
            pools = staged.average_pools[key.item_no]
            pool = pools.get(key)
            if pool is None:
                pool = pools[key] = self._staged_pool(key)
            return pool.unit_cost(start)
        committed = self._committed.average_unit_cost(key, start)
        return self._reads.note(("average_unit_cost", key, start), committed)

    def _staged_pool(self, key: AveragePoolKey) -> AveragePool:
        """The pool over the committed and the staged entries: a copy of the store's
        (its mark noted) with the staged batches added as the staged index adds them,
        else built from the entries (a value read per entry)."""
        kept = self._committed.average_pool(key)
        if kept is None:
            entries = self.item_entries(item_no=key.item_no)
            return AveragePool.build(key, entries, partial(entry_value, self))
        pool, mark = kept
        self._reads.note(("average_pool_mark", key), mark)
        for batch in self.staged.batches.values():
            for e in batch.item_entries:
                if key.holds(e):
                    pool.add(e, ZERO)  # its value entries follow
            for v in batch.value_entries:
                if (
                    v.source is ValueSource.ITEM
                    and v.item_entry_no is not None
                    and moves_inventory(v)
                ):
                    pool.revalue(v.item_entry_no, v.cost_amount)
        return pool

    def open_entries(
        self, item_no: str, location_code: str, inbound: bool
    ) -> list[tuple[int, Decimal]]:
        key = ("open_entries", item_no, location_code, inbound)
        committed = self._reads.seen.get(key)  # read before: answered as then
        if not isinstance(committed, list):
            committed = self._reads.note(
                key, self._committed.open_entries(item_no, location_code, inbound)
            )
        staged = self.staged.open_entries(item_no, location_code, inbound)
        if not staged:  # the committed pool as read (in entry order): nothing to merge
            return [(no, qty) for no, qty in committed if qty]
        pool = dict(committed)
        for no, delta in staged:
            pool[no] = pool.get(no, ZERO) + delta
        return sorted((no, qty) for no, qty in pool.items() if qty)

    def item_applications(self, entry_no: int) -> list[ItemApplication]:
        committed = self._reads.note(
            ("item_applications", entry_no), self._committed.item_applications(entry_no)
        )
        return committed + self.staged.item_applications(entry_no)

    def cost_marks(self) -> list[int]:
        marks = dict.fromkeys(self._reads.note(("cost_marks",), self._committed.cost_marks()), True)
        marks.update(self.staged.marks)
        return sorted(no for no, marked in marks.items() if marked)

    # --- idempotency keys (unique at commit; a key read absent is not a read to check) --

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        if not isinstance(key, str):
            raise InvalidValueError(field="idempotency key", value=key, reason="must be a str")
        found = self.staged_keys.get(key)
        if found is None and key not in self.absent_keys:
            found = self._committed.idempotency(key)
            if found is None:
                self.absent_keys.add(key)
        return found

    def remember(self, record: IdempotencyRecord) -> None:
        if not isinstance(record, IdempotencyRecord):
            raise InvalidValueError(field="record", value=record, reason="not an IdempotencyRecord")
        if self.idempotency(record.key) is not None:
            raise KeyTakenError(kind="Idempotency key", key=record.key)
        self.staged_keys[record.key] = record


def _committed_entry_of(ledger: weakref.ref[StagedLedger], table: str, entry_no: int) -> Any:
    """The committed entry ``entry_no`` of ``table``, as the staged ledger ``ledger``
    refers to weakly reads it: see :attr:`StagedLedger.staged`."""
    held = ledger()
    assert held is not None  # (its index is used only through the staged ledger)
    return held._committed_entry(table, entry_no)


def _reserve_of(uow: weakref.ref[StagingUnitOfWork]) -> LedgerCounters:
    """The ``_reserve`` of the unit of work ``uow`` refers to weakly: see
    :meth:`StagingUnitOfWork._numbering`."""
    held = uow()
    assert held is not None  # a staged ledger is used through its unit of work
    return held._reserve()


def _allocate_of(uow: weakref.ref[StagingUnitOfWork], batch: PostingBatch) -> LedgerCounters:
    """The ``_allocator()`` of the unit of work ``uow`` refers to weakly, on ``batch``."""
    held = uow()
    allocate = None if held is None else held._allocator()
    assert allocate is not None  # (given only to a unit of work that allocates)
    return allocate(batch)


class _Work:
    """What one unit of work read and staged: its reads and its three repositories."""

    __slots__ = ("ledger", "master", "orders", "reads")

    def __init__(
        self, reads: Reads, master: StagedMasterData, orders: StagedOrders, ledger: StagedLedger
    ) -> None:
        self.reads = reads
        self.master = master
        self.orders = orders
        self.ledger = ledger


class StagingUnitOfWork(StagedUnitOfWork):
    """A unit of work whose repositories stage over a store's committed state.

    A store supplies :meth:`_committed` (its reader), :meth:`_reserve` (numbering for
    the first append), :meth:`_apply` (check the reads and write everything, inside its
    commit lock) and :meth:`_release` (give back what ``_reserve`` took). A refused
    commit discards the staged work, like a rollback: decide again.

    Its state (the reads and the staged repositories) is made at its first use and
    dropped when it ends (``with`` entered, commit, rollback: :meth:`_begin`), so a
    command that enters, commits and leaves makes it once, and nothing read or staged
    outlives the unit of work that did it.
    """

    #: the state of the unit of work begun (None: none since the last end)
    _work: _Work | None = None

    def _committed(self) -> Committed:
        raise NotImplementedError

    def _reserve(self) -> LedgerCounters:
        raise NotImplementedError

    def _apply(self) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError

    def _allocator(self) -> Callable[[PostingBatch], LedgerCounters] | None:
        """The store's per-batch number allocation, if it numbers that way."""
        return None

    def _begin(self) -> None:
        """End the current unit of work: drop what it read and staged, give back what it
        reserved. The next one starts at the first use (:meth:`_start`)."""
        if self._work is not None:
            self._work = None
            self._release()

    def _start(self) -> _Work:
        """A new unit of work's state, over the store's committed state as of now."""
        reads = Reads()
        committed = self._committed()
        return _Work(
            reads,
            StagedMasterData(committed, reads),
            StagedOrders(committed, reads),
            StagedLedger(committed, reads, *self._numbering()),
        )

    def _state(self) -> _Work:
        work = self._work
        if work is None:
            work = self._work = self._start()
        return work

    def vouch(self, record: Vouchable) -> Vouchable:
        """``record``, which the application built from values it checked (a command
        checked where it came in, records read or staged), to be staged in this unit of
        work without the storable check (:func:`_check_storable`): it stores by
        construction. Only the same object is taken so, once; the vouch ends with the
        unit of work.

        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> from prodcore.ledger.model import PostingBatch
        >>> import datetime as dt
        >>> uow = InMemoryUnitOfWork(InMemoryStore())
        >>> batch = PostingBatch.build(document_no="D", posted_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
        >>> uow.vouch(batch) is batch
        True
        """
        work = self._state()
        if isinstance(record, ProductionOrder):
            work.orders.vouched[id(record)] = record
        else:
            work.ledger.vouched[id(record)] = record
        return record

    def _numbering(self) -> tuple[Any, Any]:
        """The store's ``_reserve`` and ``_allocator()`` (None if it numbers by
        reserving), through one weak reference to this unit of work (made once per unit
        of work object), so that the staged ledger it keeps does not refer back to it: a
        unit of work no longer used is freed at once by reference counting, where a
        reference cycle waited for the cyclic collector (every unit of work of a run
        accumulated until a collection found it, with its staged batches)."""
        calls: tuple[Any, Any] | None = getattr(self, "_weak_numbering", None)
        if calls is None:
            ref = weakref.ref(self)
            allocate = None if self._allocator() is None else partial(_allocate_of, ref)
            calls = self._weak_numbering = (partial(_reserve_of, ref), allocate)
        return calls

    @property
    def reads(self) -> Reads:
        work = self._work
        return (work if work is not None else self._state()).reads

    @property
    def master_data(self) -> StagedMasterData:
        work = self._work
        return (work if work is not None else self._state()).master

    @property
    def orders(self) -> StagedOrders:
        work = self._work
        return (work if work is not None else self._state()).orders

    @property
    def ledger(self) -> StagedLedger:
        work = self._work
        return (work if work is not None else self._state()).ledger

    # the stores' own names for them
    _master = master_data
    _orders = orders
    _ledger = ledger

    @property
    def has_writes(self) -> bool:
        work = self._work
        if work is None:
            return False
        master, orders, ledger = work.master, work.orders, work.ledger
        return bool(
            master.staged
            or master.staged_setup
            or orders.staged
            or orders.staged_allocations
            or ledger.staged_batches
            or ledger.staged_keys
            or ledger.staged_setup
        )

    def commit(self) -> None:
        """Check the reads and apply every staged write at once, or raise and apply none."""
        try:
            if self.has_writes:
                self._apply()
        finally:
            self._begin()
