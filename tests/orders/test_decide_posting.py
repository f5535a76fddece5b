"""decide_posting as a pure function: MasterData, an order built by the lifecycle's own
decide/evolve, and a small fake LedgerReader (no store, no service)."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from prodcore.errors import (
    BlockedError,
    InsufficientQuantityError,
    InvalidTransitionError,
    NotAllowedError,
    NotFoundError,
)
from prodcore.ledger import (
    AccountRole,
    CapacityLedgerEntry,
    EntryOrigin,
    GLEntry,
    ItemApplication,
    ItemLedgerEntry,
    LedgerReader,
    PostingSetup,
    ValueEntry,
    ValueSource,
)
from prodcore.ledger.average_periods import AveragePoolKey
from prodcore.ledger.model import LotBalance
from prodcore.masterdata import CapacityType, MasterData
from prodcore.numbers import ZERO, TimeUnit
from prodcore.orders import (
    ChangeStatus,
    ConsumptionLine,
    CreateOrder,
    OrderStatus,
    OutputLine,
    PostConsumption,
    PostOutput,
    ProductionOrder,
    ReverseEntry,
    decide,
    decide_posting,
    evolve,
)

from .conftest import DUE, T0, table_master_data


@attrs.define
class FakeReader:
    """A ledger of a few entries held in lists; only what decisions read."""

    items: list[ItemLedgerEntry] = attrs.Factory(list)
    caps: list[CapacityLedgerEntry] = attrs.Factory(list)
    posting_setup: PostingSetup = attrs.Factory(PostingSetup)
    stock: dict[str, Decimal] = attrs.Factory(dict)

    def on_hand(self, item_no: str, location_code: str | None = None) -> Decimal:
        return self.stock.get(item_no, ZERO)

    def on_hand_in_bin(self, item_no: str, location_code: str, bin_code: str) -> Decimal:
        return self.stock.get(item_no, ZERO)

    def lot_on_hand(
        self, item_no: str, lot_no: str, serial_no: str = "", location_code: str | None = None
    ) -> Decimal:
        return ZERO  # no tracked item here

    def lot_balances(self, item_no: str, location_code: str | None = None) -> list[LotBalance]:
        return []

    def tracked_entries(
        self, item_no: str, *, lot_no: str = "", serial_no: str = ""
    ) -> list[ItemLedgerEntry]:
        return []

    def reversed_quantity(self, source: ValueSource, entry_no: int) -> Decimal:
        if source is ValueSource.CAPACITY:
            return sum(
                (c.applied_quantity for c in self.caps if c.applies_to_entry_no == entry_no), ZERO
            )
        return sum((abs(e.quantity) for e in self.items if e.applies_to_entry_no == entry_no), ZERO)

    def remaining_quantity(self, entry_no: int) -> Decimal:
        return self.item_entry(entry_no).quantity - self.reversed_quantity(
            ValueSource.ITEM, entry_no
        )

    def item_applications(self, entry_no: int) -> list[ItemApplication]:
        return []

    def open_entries(
        self, item_no: str, location_code: str, inbound: bool
    ) -> list[tuple[int, Decimal]]:
        return []

    def inventory_value(self, item_no: str) -> Decimal:
        return ZERO

    def average_unit_cost(self, key: AveragePoolKey, start: dt.date | None) -> Decimal | None:
        return None

    def item_entry(self, entry_no: int) -> ItemLedgerEntry:
        for e in self.items:
            if e.entry_no == entry_no:
                return e
        raise NotFoundError(kind="Item ledger entry", key=entry_no)

    def capacity_entry(self, entry_no: int) -> CapacityLedgerEntry:
        for c in self.caps:
            if c.entry_no == entry_no:
                return c
        raise NotFoundError(kind="Capacity ledger entry", key=entry_no)

    def item_entries(
        self, *, order_id: str | None = None, item_no: str | None = None
    ) -> list[ItemLedgerEntry]:
        return [e for e in self.items if order_id in (None, e.order_id)]

    def capacity_entries(
        self, *, order_id: str | None = None, centre_no: str | None = None
    ) -> list[CapacityLedgerEntry]:
        return [c for c in self.caps if order_id in (None, c.order_id)]

    def value_entries(
        self,
        *,
        order_id: str | None = None,
        source: ValueSource | None = None,
        source_entry_no: int | None = None,
    ) -> list[ValueEntry]:
        return []

    def gl_entries(self, *, order_id: str | None = None) -> list[GLEntry]:
        return []


def released_order(md: MasterData) -> ProductionOrder:
    """PO-1 for 2 tables, created and released by the lifecycle's decide/evolve."""
    order: ProductionOrder | None = None
    for command in (
        CreateOrder("PO-1", "TABLE", 2, due_date=DUE),
        ChangeStatus("PO-1", OrderStatus.RELEASED),
    ):
        for event in decide(order, command, md, T0):
            order = evolve(order, event)
    assert order is not None
    return order


def decide_on(
    command: object, md: MasterData, order: ProductionOrder, reader: LedgerReader
) -> object:
    return decide_posting(command, lambda _id: order, md, reader, T0)  # type: ignore[arg-type]


def test_consumption_is_decided_without_a_store() -> None:
    md = table_master_data()
    order = released_order(md)
    reader = FakeReader(stock={"TOP": Decimal(5)})
    done = decide_posting(
        PostConsumption("c-1", (ConsumptionLine("PO-1", 10000, 20000, 2),)),
        lambda _id: order,
        md,
        reader,
        T0,
    )
    (entry,) = done.batch.item_entries
    assert (entry.entry_no, entry.item_no, entry.quantity) == (-1, "TOP", -2)
    assert (entry.posted_at, entry.document_no) == (T0, "c-1")
    (value,) = done.batch.value_entries
    assert (value.cost_amount_actual, value.currency, value.item_entry_no) == (-40, "EUR", -1)
    assert [(g.role, g.amount) for g in done.batch.gl_entries] == [
        (AccountRole.INVENTORY, -40),
        (AccountRole.WIP, 40),
    ]
    (changed,) = done.orders
    assert changed.line(10000).component(20000).consumed_quantity == 2
    assert order.line(10000).component(20000).consumed_quantity == 0  # pure


def strict_stock(md: MasterData) -> MasterData:
    """``md`` with negative inventory not allowed."""
    return attrs.evolve(md, setup=attrs.evolve(md.setup, allow_negative_inventory=False))


def test_consumption_beyond_stock_and_of_a_blocked_item_is_refused() -> None:
    md = strict_stock(table_master_data())
    order = released_order(md)
    command = PostConsumption("c-1", (ConsumptionLine("PO-1", 10000, 20000, 2),))
    with pytest.raises(InsufficientQuantityError, match="requested 2, only 1 available"):
        decide_on(command, md, order, FakeReader(stock={"TOP": Decimal(1)}))
    blocked = attrs.evolve(
        md, items={**md.items, "TOP": attrs.evolve(md.item("TOP"), blocked=True)}
    )
    with pytest.raises(BlockedError, match="Item 'TOP' is blocked"):
        decide_on(command, blocked, order, FakeReader(stock={"TOP": Decimal(5)}))


def test_output_at_a_blocked_centre_is_refused() -> None:
    md = table_master_data()
    saw = attrs.evolve(md.work_center("SAW"), blocked=True)
    md = attrs.evolve(md, work_centers={**md.work_centers, "SAW": saw})
    output = PostOutput("o-1", (OutputLine("PO-1", 10000, "10", output_quantity=1),))
    with pytest.raises(BlockedError, match="Work center 'SAW' is blocked"):
        decide_on(output, md, released_order(md), FakeReader())


def test_only_a_released_order_takes_postings() -> None:
    md = table_master_data()
    order = attrs.evolve(released_order(md), status=OrderStatus.FINISHED)
    with pytest.raises(InvalidTransitionError, match="Only released orders take postings"):
        decide_on(
            PostConsumption("c-1", (ConsumptionLine("PO-1", 10000, 20000, 1),)),
            md,
            order,
            FakeReader(stock={"TOP": Decimal(5)}),
        )


def _capacity(entry_no: int, **fields: object) -> CapacityLedgerEntry:
    return CapacityLedgerEntry(
        entry_no,
        CapacityType.WORK_CENTER,
        "SAW",
        "SAW",
        Decimal(1),
        time_unit=TimeUnit.MINUTE,
        run_time=Decimal(1),
        posted_at=T0,
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("origin", "reason"),
    [
        (EntryOrigin.SUBCONTRACT_RECEIPT, "undo the receipt instead"),
        (EntryOrigin.QUALITY_SCRAP, "a quality scrap cannot be reversed"),
    ],
)
def test_reversal_is_refused_by_the_entry_origin(origin: EntryOrigin, reason: str) -> None:
    md = table_master_data()
    reader = FakeReader(caps=[_capacity(1, origin=origin)])
    with pytest.raises(NotAllowedError, match=reason):
        decide_on(ReverseEntry("r-1", ValueSource.CAPACITY, 1), md, released_order(md), reader)


def test_a_description_alone_does_not_make_a_receipt() -> None:
    """A capacity journal entry described like a receipt is an ordinary entry."""
    md = table_master_data()
    reader = FakeReader(caps=[_capacity(1, description="Subcontracting receipt R-9")])
    done = decide_posting(
        ReverseEntry("r-1", ValueSource.CAPACITY, 1),
        lambda _id: released_order(md),
        md,
        reader,
        T0,
    )
    (rev,) = done.batch.capacity_entries
    assert (rev.applies_to_entry_no, rev.run_time, rev.origin) == (1, -1, EntryOrigin.ORDINARY)


def test_a_reversal_is_not_reversed() -> None:
    md = table_master_data()
    reader = FakeReader(
        caps=[_capacity(1), _capacity(2, applies_to_entry_no=1, applied_quantity=Decimal(1))]
    )
    with pytest.raises(NotAllowedError, match="it is itself a reversal"):
        decide_on(ReverseEntry("r-2", ValueSource.CAPACITY, 2), md, released_order(md), reader)


def test_an_unknown_command_is_not_silently_an_empty_posting() -> None:
    @attrs.frozen
    class Unknown:
        idempotency_key: str = "u-1"
        document_no: str = ""

    md = table_master_data()
    with pytest.raises(AssertionError):
        decide_on(Unknown(), md, released_order(md), FakeReader())


def test_a_refusal_leaves_the_inputs_as_they_were() -> None:
    md = strict_stock(table_master_data())
    order = released_order(md)
    reader = FakeReader(stock={"TOP": Decimal(5)})
    before = (order, attrs.evolve(reader))
    command = PostConsumption(
        "c-1",
        (
            ConsumptionLine("PO-1", 10000, 20000, 1),
            ConsumptionLine("PO-1", 10000, 20000, 9),  # more than on hand: refused
        ),
    )
    with pytest.raises(InsufficientQuantityError, match="only 4 available"):
        decide_on(command, md, order, reader)
    assert (order, reader) == before
