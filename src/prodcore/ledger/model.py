"""Ledger records: item, capacity, value and G/L (cost view) entries, posted in batches.

Every record is frozen; ledgers are append-only. A :class:`PostingBatch` is what one
command posts, atomically: its entries reference each other with *local* numbers
(negative: ``-1`` is the first item entry of the batch, ...) and the store replaces them
with real entry numbers, assigned per ledger in append order, when the batch is appended
(:func:`number_batch` does it for any adapter). References to entries of earlier batches
(``applies_to_entry_no`` of a reversal) are always real, positive numbers.

Money amounts are rounded at posting with the setup's currency rounding; the part lost
to rounding is kept on the value entry (``rounding_residual``) so it stays visible.

The G/L lines of a batch balance (debits = credits, per currency), and so do the lines of
each value entry; :meth:`PostingBatch.build` refuses anything else:

>>> import datetime as dt
>>> from decimal import Decimal
>>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
>>> line = GLEntry(0, account="1140", role=AccountRole.WIP, amount=Decimal(10), currency="EUR",
...                value_entry_no=-1, order_id="PO-1", posted_at=at, document_no="D1")
>>> PostingBatch.build(document_no="D1", posted_at=at, gl_entries=(line,))
Traceback (most recent call last):
...
prodcore.errors.UnbalancedEntryError: Posting D1 does not balance: debits 10 EUR, credits 0 EUR.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from prodcore.errors import UnbalancedEntryError
from prodcore.masterdata import CapacityType
from prodcore.numbers import EXACT_SUMS, ZERO, TimeUnit, as_decimal, exact_sum, tuple_of
from prodcore.records import copy_function, revise

__all__ = [
    "AccountRole",
    "CapacityLedgerEntry",
    "EntryOrigin",
    "GLEntry",
    "IdempotencyRecord",
    "ItemApplication",
    "ItemEntryType",
    "ItemLedgerEntry",
    "LedgerCounters",
    "LotBalance",
    "PostingBatch",
    "PostingResult",
    "PostingSetup",
    "ValueEntry",
    "ValueEntryType",
    "ValueSource",
    "VarianceType",
    "number_batch",
]


class ItemEntryType(enum.StrEnum):
    """BC's item ledger entry types that prodcore posts. Consumption and output belong to
    a production order; the adjustments (BC's item journal) to none."""

    CONSUMPTION = "CONSUMPTION"
    OUTPUT = "OUTPUT"
    POSITIVE_ADJUSTMENT = "POSITIVE_ADJUSTMENT"
    NEGATIVE_ADJUSTMENT = "NEGATIVE_ADJUSTMENT"
    #: a move between bins (a pick, a return of surplus): an entry out and one in, of no order
    TRANSFER = "TRANSFER"

    @property
    def is_adjustment(self) -> bool:
        return self in (ItemEntryType.POSITIVE_ADJUSTMENT, ItemEntryType.NEGATIVE_ADJUSTMENT)


class ValueEntryType(enum.StrEnum):
    DIRECT_COST = "DIRECT_COST"
    INDIRECT_COST = "INDIRECT_COST"
    VARIANCE = "VARIANCE"
    REVALUATION = "REVALUATION"
    ROUNDING = "ROUNDING"
    #: an order's WIP written off to Inventory Adjustment (finished without output)
    WIP_WRITE_OFF = "WIP_WRITE_OFF"


class VarianceType(enum.StrEnum):
    MATERIAL = "MATERIAL"
    CAPACITY = "CAPACITY"
    SUBCONTRACTED = "SUBCONTRACTED"
    CAPACITY_OVERHEAD = "CAPACITY_OVERHEAD"
    MANUFACTURING_OVERHEAD = "MANUFACTURING_OVERHEAD"
    MATERIAL_NON_INVENTORY = "MATERIAL_NON_INVENTORY"
    PURCHASE = "PURCHASE"


class ValueSource(enum.StrEnum):
    """What a value entry values: an item ledger entry or a capacity ledger entry."""

    ITEM = "ITEM"
    CAPACITY = "CAPACITY"


class EntryOrigin(enum.StrEnum):
    """Which posting made a capacity entry, where that decides what may follow it: the
    entries of a subcontracting receipt are taken back by undoing the receipt, a quality
    scrap is final; anything else (``ORDINARY``) is reversed with a plain reversal.

    >>> EntryOrigin("SUBCONTRACT_RECEIPT") is EntryOrigin.SUBCONTRACT_RECEIPT
    True
    """

    ORDINARY = "ORDINARY"
    SUBCONTRACT_RECEIPT = "SUBCONTRACT_RECEIPT"
    QUALITY_SCRAP = "QUALITY_SCRAP"


class AccountRole(enum.StrEnum):
    """The role an account plays in the cost view; :class:`PostingSetup` maps roles to accounts."""

    INVENTORY = "INVENTORY"
    INVENTORY_INTERIM = "INVENTORY_INTERIM"
    WIP = "WIP"
    DIRECT_COST_APPLIED = "DIRECT_COST_APPLIED"
    OVERHEAD_APPLIED = "OVERHEAD_APPLIED"
    VARIANCE = "VARIANCE"
    INVENTORY_ADJUSTMENT = "INVENTORY_ADJUSTMENT"


#: The :class:`PostingSetup` field of each role's account.
_ROLE_FIELDS = {role: role.value.lower() for role in AccountRole}


@attrs.frozen
class PostingSetup:
    """The accounts of the cost view (BC's General/Inventory Posting Setup, simplified).

    One account per role; variances may get one account per variance type (else
    ``variance``).

    >>> PostingSetup().account(AccountRole.WIP)
    '2140'
    >>> PostingSetup(variance_accounts=(("MATERIAL", "7892"),)).variance_account(VarianceType.MATERIAL)
    '7892'
    """

    inventory: str = "2110"
    inventory_interim: str = "2111"
    wip: str = "2140"
    direct_cost_applied: str = "7890"
    overhead_applied: str = "7891"
    variance: str = "7893"
    inventory_adjustment: str = "7270"
    variance_accounts: tuple[tuple[str, str], ...] = attrs.field(default=())
    #: the account revaluations are posted against (BC: Inventory Adjustment, or a
    #: revaluation account of its own); None: ``inventory_adjustment``
    revaluation: str | None = None

    def account(self, role: AccountRole) -> str:
        return self.accounts[role]

    @functools.cached_property
    def accounts(self) -> Mapping[AccountRole, str]:
        """The account of each role, read-only (worked out once: each value entry
        posted reads two to four).

        >>> PostingSetup(wip="2150").accounts[AccountRole.WIP]
        '2150'
        """
        return MappingProxyType(
            {role: str(getattr(self, name)) for role, name in _ROLE_FIELDS.items()}
        )

    def variance_account(self, variance_type: VarianceType | None) -> str:
        for name, account in self.variance_accounts:
            if variance_type is not None and name == variance_type.value:
                return account
        return self.variance


@attrs.frozen
class ItemLedgerEntry:
    """A quantity movement of an item: consumption (negative; a return is positive),
    output, or an inventory adjustment (positive or negative, no order).

    ``order_id`` is empty (and ``order_line_no`` 0) for an entry of no order (an
    adjustment); entries stored before adjustments existed always carry both.
    ``capacity_entry_no`` links an output to the capacity entry posted with it;
    ``flushed_by_capacity_entry_no`` marks consumption flushed by an operation's posting;
    ``applies_to_entry_no`` marks a reversal and names the entry it reverses;
    ``applies_from_entry_no`` marks a return applied to the consumption it returns from;
    ``scrap_quantity`` is the scrap posted with an output on a line without routing (in
    the line's unit; a line with routing records scrap on its capacity entries).
    ``lot_no``, ``serial_no`` and ``expiry_date`` carry the item tracking of the
    movement (empty for an untracked item; entries stored before tracking load so).
    """

    entry_no: int
    entry_type: ItemEntryType
    item_no: str
    quantity: Decimal = attrs.field(converter=as_decimal)  # base unit, signed
    unit: str = attrs.field(kw_only=True)
    location_code: str = attrs.field(default="", kw_only=True)
    order_id: str = attrs.field(default="", kw_only=True)
    order_line_no: int = attrs.field(default=0, kw_only=True)
    component_line_no: int | None = attrs.field(default=None, kw_only=True)
    operation_no: str | None = attrs.field(default=None, kw_only=True)
    capacity_entry_no: int | None = attrs.field(default=None, kw_only=True)
    flushed_by_capacity_entry_no: int | None = attrs.field(default=None, kw_only=True)
    applies_to_entry_no: int | None = attrs.field(default=None, kw_only=True)
    posted_at: dt.datetime = attrs.field(kw_only=True)
    document_no: str = attrs.field(default="", kw_only=True)
    #: when it was registered (the clock), if not at ``posted_at`` (a back-dated posting)
    registered_at: dt.datetime | None = attrs.field(default=None, kw_only=True)
    reason: str = attrs.field(default="", kw_only=True)
    scrap_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    #: the bin of ``location_code`` the stock moved out of or into ("": no bin)
    bin_code: str = attrs.field(default="", kw_only=True)
    # item tracking ("": none); a serial's entry moves exactly one
    lot_no: str = attrs.field(default="", kw_only=True)
    serial_no: str = attrs.field(default="", kw_only=True)
    expiry_date: dt.date | None = attrs.field(default=None, kw_only=True)
    #: a return's fixed application: the consumption entry it returns units (and cost) to
    applies_from_entry_no: int | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class LotBalance:
    """On hand of one lot / serial number of an item at a location (base unit)."""

    item_no: str
    location_code: str
    lot_no: str
    serial_no: str
    quantity: Decimal = attrs.field(converter=as_decimal)


@attrs.frozen
class CapacityLedgerEntry:
    """Time and quantities posted on a work or machine centre.

    Times are in ``time_unit`` (the centre's capacity unit). ``quantity`` is the costed
    capacity quantity (time, or output + scrap for a units-based centre); a stop-time entry
    has ``quantity`` = stop time and no value entries. ``order_id`` is None for capacity
    journal postings (maintenance, ...). A reversal carries ``applies_to_entry_no`` and
    ``applied_quantity``: the share of the original it reverses, in output units (or 1 for
    a whole entry without output). ``origin`` tells a subcontracting receipt or a quality
    scrap from an ordinary posting (a reversal keeps its original's origin); documents
    stored before it existed load as ``ORDINARY``.
    """

    entry_no: int
    type: CapacityType
    no: str
    work_center_no: str
    quantity: Decimal = attrs.field(converter=as_decimal)
    time_unit: TimeUnit = attrs.field(kw_only=True)
    setup_time: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    run_time: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    stop_time: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    output_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    scrap_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    scrap_code: str | None = attrs.field(default=None, kw_only=True)
    stop_code: str | None = attrs.field(default=None, kw_only=True)
    order_id: str | None = attrs.field(default=None, kw_only=True)
    order_line_no: int | None = attrs.field(default=None, kw_only=True)
    operation_no: str | None = attrs.field(default=None, kw_only=True)
    item_no: str | None = attrs.field(default=None, kw_only=True)
    last_output_line: bool = attrs.field(default=False, kw_only=True)
    finished: bool = attrs.field(default=False, kw_only=True)
    applies_to_entry_no: int | None = attrs.field(default=None, kw_only=True)
    applied_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    posted_at: dt.datetime = attrs.field(kw_only=True)
    document_no: str = attrs.field(default="", kw_only=True)
    #: when it was registered (the clock), if not at ``posted_at`` (a back-dated posting)
    registered_at: dt.datetime | None = attrs.field(default=None, kw_only=True)
    description: str = attrs.field(default="", kw_only=True)
    origin: EntryOrigin = attrs.field(default=EntryOrigin.ORDINARY, kw_only=True)
    #: what rounding ``quantity`` to 0.00001 left out (exact − posted), as amounts keep theirs
    rounding_residual: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    #: the setup and run time this entry added to its operation's posted times, in the
    #: operation's units (a reversal takes back exactly its share); None: no operation,
    #: or stored before it was kept
    operation_times: tuple[Decimal, Decimal] | None = attrs.field(default=None, kw_only=True)

    @property
    def used_time(self) -> Decimal:
        """Setup plus run time (what capacity-used reports count)."""
        return self.setup_time + self.run_time


@attrs.frozen
class ValueEntry:
    """The cost of an item or capacity entry. Amounts are signed, rounded, in ``currency``.

    ``cost_amount_expected`` holds expected cost (output before cost adjustment),
    ``cost_amount_actual`` the actual cost. Exactly one of ``item_entry_no`` and
    ``capacity_entry_no`` is set, per ``source``.
    """

    entry_no: int
    entry_type: ValueEntryType
    source: ValueSource
    cost_amount_actual: Decimal = attrs.field(converter=as_decimal)
    cost_amount_expected: Decimal = attrs.field(converter=as_decimal)
    currency: str = attrs.field(kw_only=True)
    valued_quantity: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    item_entry_no: int | None = attrs.field(default=None, kw_only=True)
    capacity_entry_no: int | None = attrs.field(default=None, kw_only=True)
    item_no: str | None = attrs.field(default=None, kw_only=True)
    order_id: str | None = attrs.field(default=None, kw_only=True)
    order_line_no: int | None = attrs.field(default=None, kw_only=True)
    variance_type: VarianceType | None = attrs.field(default=None, kw_only=True)
    rounding_residual: Decimal = attrs.field(default=ZERO, converter=as_decimal, kw_only=True)
    posted_at: dt.datetime = attrs.field(kw_only=True)
    document_no: str = attrs.field(default="", kw_only=True)
    #: when it was registered (the clock), if not at ``posted_at`` (a back-dated posting)
    registered_at: dt.datetime | None = attrs.field(default=None, kw_only=True)

    @property
    def cost_amount(self) -> Decimal:
        """Actual plus expected cost, every digit kept."""
        actual, expected = self.cost_amount_actual, self.cost_amount_expected
        return EXACT_SUMS.add(actual, expected) if expected else actual


@attrs.frozen
class GLEntry:
    """One line of the double-entry cost view: ``amount`` > 0 is a debit, < 0 a credit."""

    entry_no: int
    account: str = attrs.field(kw_only=True)
    role: AccountRole = attrs.field(kw_only=True)
    amount: Decimal = attrs.field(converter=as_decimal, kw_only=True)
    currency: str = attrs.field(kw_only=True)
    value_entry_no: int = attrs.field(kw_only=True)
    order_id: str | None = attrs.field(default=None, kw_only=True)
    posted_at: dt.datetime = attrs.field(kw_only=True)
    document_no: str = attrs.field(default="", kw_only=True)
    #: when it was registered (the clock), if not at ``posted_at`` (a back-dated posting)
    registered_at: dt.datetime | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class ItemApplication:
    """``quantity`` (positive, base unit) of the outbound item entry ``outbound_entry_no``
    applied to the inbound entry ``inbound_entry_no`` (BC's item application entry); both
    are of ``item_no`` at ``location_code``. The numbers are local (negative) in a batch
    not yet appended, like every reference of a batch."""

    item_no: str
    location_code: str
    outbound_entry_no: int
    inbound_entry_no: int
    quantity: Decimal = attrs.field(converter=as_decimal)


@attrs.frozen
class PostingBatch:
    """Everything one command posts, appended atomically. ``posting_no`` 0: not yet appended.

    ``user`` and ``source`` say who posted it and through what (a service's user and,
    e.g., ``"http"``); :func:`prodcore.app.handle` stamps them when given. Batches stored
    before they existed load with None.
    """

    posting_no: int
    document_no: str
    posted_at: dt.datetime
    item_entries: tuple[ItemLedgerEntry, ...] = attrs.field(
        default=(), validator=tuple_of(ItemLedgerEntry)
    )
    capacity_entries: tuple[CapacityLedgerEntry, ...] = attrs.field(
        default=(), validator=tuple_of(CapacityLedgerEntry)
    )
    value_entries: tuple[ValueEntry, ...] = attrs.field(default=(), validator=tuple_of(ValueEntry))
    #: the G/L lines as given (constructor keyword ``gl_entries``); read ``gl_entries``
    _gl_entries: tuple[GLEntry, ...] = attrs.field(default=(), validator=tuple_of(GLEntry))
    idempotency_key: str | None = None
    user: str | None = None
    source: str | None = None
    #: decided by the store when the batch is appended (FIFO, fixed for a reversal);
    #: None on a batch stored before applications existed (see ``ledger.application``)
    item_applications: tuple[ItemApplication, ...] | None = None
    #: item cost adjustment's batch: the item entries whose cost change it forwarded
    #: (their marks cleared; its own value entries mark nothing, see ``cost_marks``)
    cost_adjusted: tuple[int, ...] = ()
    #: item entries of this batch to mark for item cost adjustment at once (an
    #: average-cost item's entries under an average cost period: they change the
    #: period's average of entries posted before)
    cost_marked: tuple[int, ...] = ()
    #: the posting setup (the accounts at posting) this batch's G/L lines derive from,
    #: by the rule of :func:`prodcore.ledger.posting.gl_lines` applied to each value
    #: entry in order, unless lines are given (None: the lines are the ones given)
    gl_setup: PostingSetup | None = None
    #: with ``gl_setup``: the G/L number before the batch's first line once numbered
    #: (None: not numbered yet, the lines carry local numbers -1, -2, ...)
    gl_after: int | None = None

    @property
    def derives_gl(self) -> bool:
        """Whether the G/L lines derive from the value entries (none are given)."""
        return self.gl_setup is not None and not self._gl_entries

    @functools.cached_property
    def gl_entries(self) -> tuple[GLEntry, ...]:
        """The batch's G/L lines: the ones given, or derived from the value entries and
        ``gl_setup`` (built on first read, then kept)."""
        if self.gl_setup is None or self._gl_entries:
            return self._gl_entries
        # the rule table's module imports this one
        from prodcore.ledger.posting import gl_lines

        lines: list[GLEntry] = []
        after = self.gl_after
        for value in self.value_entries:
            first = -(len(lines) + 1) if after is None else after + len(lines) + 1
            lines.extend(gl_lines(value, self.gl_setup, first, step=-1 if after is None else 1))
        return tuple(lines)

    @functools.cached_property
    def gl_postings(self) -> tuple[tuple[AccountRole, str, Decimal, str | None], ...]:
        """(role, account, amount, order id) of each G/L line, in line order, without
        building the lines of a batch that derives them (balances need no more)."""
        if self.gl_setup is None or self._gl_entries:
            return tuple((g.role, g.account, g.amount, g.order_id) for g in self._gl_entries)
        from prodcore.ledger.posting import gl_moves

        setup = self.gl_setup
        return tuple(
            (role, account, amount, value.order_id)
            for value in self.value_entries
            for role, account, amount in gl_moves(value, setup)
        )

    @property
    def gl_count(self) -> int:
        """How many G/L lines the batch has (what numbering counts)."""
        return len(self.gl_postings if self.derives_gl else self._gl_entries)

    def _facts(self) -> tuple[Any, ...]:
        """The fields, the G/L lines as read in place of how they are kept."""
        kept = tuple(getattr(self, name) for name in _BATCH_FACTS)
        return (*kept, self.gl_entries)

    def __eq__(self, other: object) -> bool:
        """Batches are equal when their records are, whether their G/L lines are given or
        derived."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, PostingBatch)
        return self._facts() == other._facts()

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def build(
        cls,
        *,
        document_no: str,
        posted_at: dt.datetime,
        item_entries: tuple[ItemLedgerEntry, ...] = (),
        capacity_entries: tuple[CapacityLedgerEntry, ...] = (),
        value_entries: tuple[ValueEntry, ...] = (),
        gl_entries: tuple[GLEntry, ...] = (),
        idempotency_key: str | None = None,
        gl_setup: PostingSetup | None = None,
    ) -> PostingBatch:
        """A batch whose G/L lines balance, in total and per value entry (or raise):
        the lines given, checked; or, with ``gl_setup``, the lines derived from the value
        entries, balanced by construction (each move of the rule is a debit and its
        credit), so neither built nor checked here."""
        batch = cls(
            0,
            document_no,
            posted_at,
            item_entries,
            capacity_entries,
            value_entries,
            gl_entries,
            idempotency_key,
            gl_setup=gl_setup,
        )
        if gl_setup is None:
            batch.check_balanced()
        return batch

    def check_balanced(self) -> None:
        """Raise :class:`UnbalancedEntryError` unless debits equal credits (per currency,
        and per value entry). Lines derived by the rule balance by construction (each
        move is a debit and its credit): only given lines are checked."""
        if self.derives_gl:
            return
        groups: dict[tuple[str, int | None], list[Decimal]] = defaultdict(list)
        for line in self.gl_entries:
            groups[(line.currency, None)].append(line.amount)
            groups[(line.currency, line.value_entry_no)].append(line.amount)
        for (currency, _), amounts in groups.items():
            if exact_sum(amounts) != 0:
                debits = exact_sum(a for a in amounts if a > 0)
                credits = EXACT_SUMS.minus(exact_sum(a for a in amounts if a < 0))
                raise UnbalancedEntryError(
                    document=self.document_no,
                    debits=f"{debits} {currency}",
                    credits=f"{credits} {currency}",
                )

    @property
    def is_empty(self) -> bool:
        return not (self.item_entries or self.capacity_entries or self.value_entries)


def _keep_cached(source: PostingBatch, copy: PostingBatch, names: tuple[str, ...]) -> None:
    """Give ``copy`` the values of ``source``'s cached properties ``names`` that
    ``source`` has worked out (a slot of attrs' cached property, unset until read)."""
    for name in names:
        slot = PostingBatch.__dict__[name]
        try:
            value = slot.__get__(source)
        except AttributeError:
            continue
        slot.__set__(copy, value)


#: The fields of a batch compared as they are (its G/L lines are compared as read).
_BATCH_FACTS = tuple(
    f.name
    for f in attrs.fields(PostingBatch)
    if f.name not in ("_gl_entries", "gl_setup", "gl_after")
)


@attrs.frozen
class LedgerCounters:
    """The last entry number used in each ledger (stores keep these)."""

    posting: int = 0
    item: int = 0
    capacity: int = 0
    value: int = 0
    gl: int = 0


@functools.cache
def _copier(cls: type, changed: tuple[str, ...]) -> Callable[..., Any]:
    """A function making a copy of a ``cls`` record with the fields ``changed`` given
    (keywords), without running its converters and validators again: numbering changes
    only entry numbers (ints), and every other field is the validated record's own
    (:func:`~prodcore.records.copy_function`; an :func:`attrs.evolve` per entry
    converted every Decimal of the batch again)."""
    return copy_function(cls, f"record, *, {', '.join(changed)}", {name: name for name in changed})


#: Which counter a reference field numbers after: LedgerCounters item, capacity, value, gl.
_ITEM, _CAPACITY, _VALUE, _GL = range(4)


@functools.cache
def _renumberer(cls: type, refs: tuple[tuple[str, int], ...]) -> Callable[[Any, Any], Any]:
    """A function copying a ``cls`` record with its local numbers made real: each field
    of ``refs`` holding a local number (0 or less) becomes that counter's last number
    minus it (-1 -> last + 1); other numbers, None and every other field are copied as
    they are (see :func:`_copier`). Written out once per class."""
    return copy_function(
        cls,
        "record, lasts",
        {
            name: f"no if (no := record.{name}) is None or no > 0 else lasts[{counter}] - no"
            for name, counter in refs
        },
    )


def number_batch(
    batch: PostingBatch,
    counters: LedgerCounters,
    decide: Callable[[tuple[ItemLedgerEntry, ...]], tuple[ItemApplication, ...]] | None = None,
) -> tuple[PostingBatch, LedgerCounters]:
    """Give a batch real numbers after ``counters``; local (negative) references are resolved.

    The numbered entries are copies made without converting and validating their fields
    again (:func:`_renumberer`, :func:`_copier`): the batch's records were validated when they were built.
    A batch without item applications gets ``decide``'s of its numbered item entries
    (a store's: FIFO, see ``ledger.application``), in the one copy of the batch.

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    >>> e = ItemLedgerEntry(-1, ItemEntryType.OUTPUT, "A", 5, unit="PCS", order_id="PO",
    ...                     order_line_no=10000, posted_at=at)
    >>> numbered, after = number_batch(PostingBatch.build(document_no="D", posted_at=at,
    ...                                item_entries=(e,)), LedgerCounters(item=41))
    >>> numbered.item_entries[0].entry_no, after.item, after.posting
    (42, 42, 1)
    >>> numbered.item_entries[0] == attrs.evolve(e, entry_no=42)
    True
    """
    lasts = (counters.item, counters.capacity, counters.value, counters.gl)
    items = _renumbered(batch.item_entries, _ITEM_REFS, lasts)
    applications = batch.item_applications
    numbered = _number_copy(
        batch,
        posting_no=counters.posting + 1,
        item_entries=items,
        capacity_entries=_renumbered(batch.capacity_entries, _CAPACITY_REFS, lasts),
        value_entries=_renumbered(batch.value_entries, _VALUE_REFS, lasts),
        _gl_entries=_renumbered(batch._gl_entries, _GL_REFS, lasts),
        item_applications=(None if decide is None else decide(items))
        if applications is None
        else _renumbered(applications, _APPLICATION_REFS, lasts),
        cost_marked=tuple(no if no > 0 else counters.item - no for no in batch.cost_marked)
        if batch.cost_marked
        else (),
        gl_after=counters.gl
        if batch.gl_setup is not None and batch.gl_after is None
        else batch.gl_after,
    )
    after = LedgerCounters(
        posting=counters.posting + 1,
        item=counters.item + len(batch.item_entries),
        capacity=counters.capacity + len(batch.capacity_entries),
        value=counters.value + len(batch.value_entries),
        gl=counters.gl + batch.gl_count,
    )
    # numbers change neither accounts, amounts nor order ids: the postings worked out
    # for the count serve the numbered batch's balances
    _keep_cached(batch, numbered, ("gl_postings",))
    return numbered, after


def _renumbered(records: tuple[Any, ...], refs: tuple[tuple[str, int], ...], lasts: Any) -> Any:
    """``records`` with their local numbers in the fields ``refs`` made real."""
    if not records:  # most batches have no G/L lines given, many no applications
        return ()
    # the copier of the first record's class, looked up once: a batch's records of one
    # kind are of one class
    cls = records[0].__class__
    copy = _renumberer(cls, refs)
    return tuple(
        [
            copy(r, lasts) if r.__class__ is cls else _renumberer(r.__class__, refs)(r, lasts)
            for r in records
        ]
    )


#: The reference fields of each kind of record numbering resolves, with their counter.
_ITEM_REFS = (
    ("entry_no", _ITEM),
    ("capacity_entry_no", _CAPACITY),
    ("flushed_by_capacity_entry_no", _CAPACITY),
)
_CAPACITY_REFS = (("entry_no", _CAPACITY),)
_VALUE_REFS = (("entry_no", _VALUE), ("item_entry_no", _ITEM), ("capacity_entry_no", _CAPACITY))
_GL_REFS = (("entry_no", _GL), ("value_entry_no", _VALUE))
_APPLICATION_REFS = (("outbound_entry_no", _ITEM), ("inbound_entry_no", _ITEM))

#: The copy of a batch numbering makes (:func:`_copier`).
_number_copy = _copier(
    PostingBatch,
    (
        "posting_no",
        "item_entries",
        "capacity_entries",
        "value_entries",
        "_gl_entries",
        "item_applications",
        "cost_marked",
        "gl_after",
    ),
)


@attrs.frozen
class PostingResult:
    """What a posting command did: the appended batch (None if nothing was posted), the
    orders it changed (id and new version), warnings, and notes on what was reversed."""

    command_type: str
    batch: PostingBatch | None
    orders: tuple[tuple[str, int], ...] = attrs.field(default=())
    warnings: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    notes: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))


@attrs.frozen
class IdempotencyRecord:
    """A processed command: its key, the SHA-256 of its canonical JSON, and its result.

    The batch the command posted is kept once, in the ledger: a record made with
    :meth:`pointing` holds the result without it and the batch's posting number
    (``batch_no``); :meth:`resolved` gives the result back whole. Records stored before
    (``batch_no`` None) hold the whole batch in their result.

    >>> import datetime as dt
    >>> batch = attrs.evolve(PostingBatch.build(document_no="D", posted_at=dt.datetime(
    ...     2026, 3, 2, tzinfo=dt.UTC)), posting_no=7)
    >>> record = IdempotencyRecord.pointing("K", "h", PostingResult("posting.output", batch))
    >>> record.result.batch, record.batch_no, record.posting_no
    (None, 7, 7)
    >>> record.resolved({7: batch}.__getitem__).batch is batch
    True
    """

    key: str
    command_hash: str
    result: PostingResult
    batch_no: int | None = None

    @classmethod
    def pointing(cls, key: str, command_hash: str, result: PostingResult) -> IdempotencyRecord:
        """The record of ``result``, pointing at its batch instead of holding it."""
        if result.batch is None:
            return cls(key, command_hash, result)
        without = revise(result, batch=None)
        return cls(key, command_hash, without, result.batch.posting_no)

    @property
    def posting_no(self) -> int | None:
        """The posting the command made (None: it posted nothing)."""
        if self.batch_no is not None:
            return self.batch_no
        return None if self.result.batch is None else self.result.batch.posting_no

    def resolved(self, batch: Callable[[int], PostingBatch]) -> PostingResult:
        """The whole result, its batch read with ``batch`` (a ledger's ``batch``)."""
        if self.batch_no is None:
            return self.result
        return revise(self.result, batch=batch(self.batch_no))
