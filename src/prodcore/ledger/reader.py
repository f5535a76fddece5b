"""The one read view of the ledger that pure decisions and cost functions take.

Posting decisions (:func:`~prodcore.orders.execution.decide_posting` and the quality and
subcontracting deciders) and the cost functions (:mod:`prodcore.costing.actual`,
:mod:`prodcore.costing.adjustment`) read the ledger through :class:`LedgerReader` only;
a store's :class:`~prodcore.ports.LedgerRepository` fits it, and so does a small fake in
a unit test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from prodcore.ledger.average_periods import AveragePoolKey
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    ItemApplication,
    ItemLedgerEntry,
    LotBalance,
    PostingSetup,
    ValueEntry,
    ValueSource,
)

__all__ = ["LedgerReader"]


class LedgerReader(Protocol):
    """What decisions and cost functions read from the ledger.

    Lookups by number raise :class:`~prodcore.errors.NotFoundError` for an unknown entry;
    the listings return entries in entry-number order.

    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> reader: LedgerReader = InMemoryUnitOfWork(InMemoryStore()).ledger
    >>> reader.item_entries(order_id="PO-1")
    []
    """

    @property
    def posting_setup(self) -> PostingSetup:
        """The G/L accounts per role that postings use."""

    def on_hand(self, item_no: str, location_code: str | None = None) -> Decimal:
        """The quantity of ``item_no`` on hand (base unit): at ``location_code``, or at
        every location together when it is None.

        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> reader: LedgerReader = InMemoryUnitOfWork(InMemoryStore()).ledger
        >>> reader.on_hand("BOLT"), reader.on_hand("BOLT", "MAIN")
        (Decimal('0'), Decimal('0'))
        """

    def on_hand_in_bin(self, item_no: str, location_code: str, bin_code: str) -> Decimal:
        """The quantity of ``item_no`` on hand in bin ``bin_code`` of ``location_code``
        (base unit; bin "" holds what was posted without a bin).

        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> InMemoryUnitOfWork(InMemoryStore()).ledger.on_hand_in_bin("BOLT", "MAIN", "S-01")
        Decimal('0')
        """

    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal:
        """How much of the item (``ValueSource.ITEM``) or capacity entry ``entry_no``
        has been taken back so far (zero if none): reversed, and for a consumption also
        returned by returns applying from it (BC's *Applies-from Entry*), since both are
        applied to that entry and together never take back more than it holds."""

    def remaining_quantity(self, entry_no: int) -> Decimal:
        """What the item entry ``entry_no`` still has open (base unit): an inbound
        entry's units not yet applied to outbound entries (positive), or an outbound
        entry's units not yet applied to inbound ones (negative: it drove inventory below
        zero); zero for a closed or unknown entry."""

    def item_applications(self, entry_no: int) -> list[ItemApplication]:
        """The applications of the item entry ``entry_no`` (as outbound or inbound
        entry), by outbound then inbound entry number."""

    def open_entries(
        self, item_no: str, location_code: str, inbound: bool
    ) -> list[tuple[int, Decimal]]:
        """The inbound (positive remaining quantity) or outbound (negative) item entries
        of ``item_no`` at ``location_code`` still open: (entry number, remaining
        quantity), in entry order."""

    def inventory_value(self, item_no: str) -> Decimal:
        """The value of ``item_no`` in inventory: the cost (actual and expected) of its
        item value entries, at every location together."""

    def average_unit_cost(self, key: AveragePoolKey, start: dt.date | None) -> Decimal | None:
        """The average cost of the average pool ``key`` in the period starting
        ``start`` (None: the moving average of the whole pool); None when the pool holds
        nothing. A store keeps the pools as entries arrive (see
        :class:`~prodcore.ledger.average_periods.AveragePool`): no scan of the item's
        entries per posting."""

    def item_entry(self, entry_no: int) -> ItemLedgerEntry:
        """The item ledger entry ``entry_no``."""

    def capacity_entry(self, entry_no: int) -> CapacityLedgerEntry:
        """The capacity ledger entry ``entry_no``."""

    def item_entries(
        self, *, order_id: str | None = None, item_no: str | None = None
    ) -> list[ItemLedgerEntry]:
        """The item ledger entries, all or those of ``order_id`` and/or ``item_no``
        (entries without an order, like opening stock, have ``order_id`` "")."""

    def capacity_entries(
        self, *, order_id: str | None = None, centre_no: str | None = None
    ) -> list[CapacityLedgerEntry]:
        """The capacity ledger entries, all or those of ``order_id`` and/or the work or
        machine centre ``centre_no``."""

    def value_entries(
        self,
        *,
        order_id: str | None = None,
        source: ValueSource | None = None,
        source_entry_no: int | None = None,
    ) -> list[ValueEntry]:
        """The value entries, all or those of ``order_id``, and/or those valuing the
        item or capacity entry (``source``) numbered ``source_entry_no``."""

    def gl_entries(self, *, order_id: str | None = None) -> list[GLEntry]:
        """The G/L entries, all or those of ``order_id``."""

    def lot_on_hand(
        self, item_no: str, lot_no: str, serial_no: str = "", location_code: str | None = None
    ) -> Decimal:
        """The quantity of one lot / serial of ``item_no`` on hand (``lot_no`` and
        ``serial_no`` as posted together, "" for none): at ``location_code``, or at every
        location together when it is None.

        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> reader: LedgerReader = InMemoryUnitOfWork(InMemoryStore()).ledger
        >>> reader.lot_on_hand("FLOUR", "L1"), reader.lot_on_hand("BIKE", "", "SN1", "MAIN")
        (Decimal('0'), Decimal('0'))
        """

    def tracked_entries(
        self, item_no: str, *, lot_no: str = "", serial_no: str = ""
    ) -> list[ItemLedgerEntry]:
        """The entries of ``item_no`` with serial ``serial_no`` (of lot ``lot_no`` too when
        both are given), or with lot ``lot_no`` (any serial), in entry-number order; an
        indexed lookup, never a scan of the ledger."""

    def lot_balances(self, item_no: str, location_code: str | None = None) -> list[LotBalance]:
        """The lots / serials of ``item_no`` on hand (non-zero), at ``location_code`` or
        at every location, ordered by location, lot and serial."""
