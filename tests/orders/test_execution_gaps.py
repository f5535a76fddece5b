"""The execution gaps closed after issue 4: finishing without output (WIP written off),
the gross finish check, reversal dating and rounding, scrap of lines without routing,
auto-retry on concurrent commits, and the capacity journal's (absent) valuation."""

# Decimal fields compared with int literals read best as written:
# mypy: disable-error-code="comparison-overlap"

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.clock import FixedClock
from prodcore.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidTransitionError,
    InvalidValueError,
    NotAllowedError,
)
from prodcore.ledger import AccountRole, ItemEntryType, PostingResult, ValueEntryType, ValueSource
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    Item,
    ItemUnitOfMeasure,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders import AdjustInventory, AdjustmentLine
from prodcore.orders.execution import (
    CapacityLine,
    ConsumptionLine,
    OutputLine,
    PostCapacity,
    PostConsumption,
    PostOutput,
    ReverseEntry,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.serialization import dumps, loads
from prodcore.services import handle, put_master_data

T0 = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 9)
D = Decimal


def records(*, routing: bool = True) -> list[object]:
    """P (standard 30) from 2 C (unit cost 2) per unit; with a routing, one operation on
    WC (direct 20, indirect 10 %, overhead 2: unit cost 24 per hour)."""
    out: list[object] = [
        WorkCenter(
            "WC",
            direct_unit_cost=20,
            indirect_cost_percent=10,
            overhead_rate=2,
            capacity_unit=TimeUnit.HOUR,
        ),
        Item("C", base_unit="PCS", unit_cost=2),
        Item(
            "P",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            standard_cost=30,
            production_bom_no="B",
            routing_no="R" if routing else None,
        ),
        ProductionBom("B", (BomLine("C", 2),)),
        Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "WC"),)),
    ]
    return out


class Shop:
    def __init__(self, *, routing: bool = True, **setup: object) -> None:
        self.store = InMemoryStore()
        self.uow = InMemoryUnitOfWork(self.store)
        self.clock = FixedClock(T0)
        put_master_data(
            self.uow,
            records(routing=routing),  # type: ignore[arg-type]
            setup=ManufacturingSetup(**setup),  # type: ignore[arg-type]
        )
        handle(self.uow, CreateOrder("PO-1", "P", 10, due_date=DUE), clock=self.clock)
        handle(self.uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=self.clock)
        self.keys = 0

    def key(self) -> str:
        self.keys += 1
        return f"K{self.keys}"

    def post(self, command: object) -> PostingResult:
        return handle(self.uow, command, clock=self.clock)  # type: ignore[call-overload,no-any-return]

    def consume(self, qty: int | str) -> PostingResult:
        return self.post(PostConsumption(self.key(), (ConsumptionLine("PO-1", 10000, 10000, qty),)))

    def output(self, line: OutputLine) -> PostingResult:
        return self.post(PostOutput(self.key(), (line,)))

    def finish(
        self, *, without_output: bool = False
    ) -> tuple[object, tuple[str, ...], tuple[str, ...]]:
        command = ChangeStatus("PO-1", OrderStatus.FINISHED, finish_without_output=without_output)
        out = handle(self.uow, command, clock=self.clock)
        return out.posting, out.warnings, out.notes

    def order(self) -> ProductionOrder:
        with self.uow:
            return self.uow.orders.get("PO-1")

    def snapshot(self) -> tuple[object, ...]:
        s = self.store
        return (
            dict(s.orders),
            s.counters,
            dict(s.ledger.on_hand_total),
            dict(s.ledger.accounts),
            dict(s.idempotency),
        )


# --- finish without output: WIP written off --------------------------------------------


def test_finish_without_output_writes_the_wip_off_to_inventory_adjustment() -> None:
    shop = Shop(finish_order_without_output=True)
    shop.consume(5)  # 5 x 2 = 10.00
    shop.output(OutputLine("PO-1", 10000, "10", setup_time=Duration(1, TimeUnit.HOUR)))
    with shop.uow:
        assert shop.uow.ledger.wip("PO-1") == D("34.00")  # 10 + 20 direct + 4 indirect
    shop.clock.advance(dt.timedelta(days=1))
    batch, warnings, notes = shop.finish(without_output=True)
    assert "Line 10000 is finished without output." in warnings
    assert "WIP of line 10000 written off to Inventory Adjustment: 34.00" in notes
    assert batch is not None
    (value,) = batch.value_entries  # type: ignore[attr-defined]
    assert value.entry_type is ValueEntryType.WIP_WRITE_OFF
    assert (value.cost_amount_actual, value.item_entry_no, value.order_line_no) == (
        D("34.00"),
        None,
        10000,
    )
    gl = [(g.account, g.role, g.amount) for g in batch.gl_entries]  # type: ignore[attr-defined]
    assert gl == [
        ("7270", AccountRole.INVENTORY_ADJUSTMENT, D("34.00")),
        ("2140", AccountRole.WIP, D("-34.00")),
    ]
    assert shop.order().status is OrderStatus.FINISHED
    with shop.uow:
        ledger = shop.uow.ledger
        assert ledger.wip("PO-1") == 0
        assert ledger.account_balance("7270") == D("34.00")
        assert ledger.account_balance("7890") == D("-20.00")  # direct cost applied
        assert ledger.account_balance("7891") == D("-4.00")  # overhead applied
        assert ledger.account_balance("2110") == D("-10.00")  # inventory of C


def test_finish_without_output_is_refused_unless_setup_and_command_allow_it() -> None:
    for setup_allows, asked in ((False, True), (True, False), (False, False)):
        shop = Shop(finish_order_without_output=setup_allows)
        shop.consume(5)
        before = shop.snapshot()
        with pytest.raises(InvalidTransitionError, match="no output"):
            shop.finish(without_output=asked)
        assert shop.snapshot() == before


def test_a_line_with_output_is_not_written_off() -> None:
    shop = Shop(finish_order_without_output=True)
    shop.consume(5)
    shop.output(
        OutputLine("PO-1", 10000, "10", output_quantity=1, run_time=Duration(1, TimeUnit.HOUR))
    )
    _, warnings, _ = shop.finish(without_output=True)
    assert "Line 10000 is finished without output." not in warnings
    with shop.uow:
        types = {v.entry_type for v in shop.uow.ledger.value_entries(order_id="PO-1")}
        assert ValueEntryType.WIP_WRITE_OFF not in types
        assert shop.uow.ledger.wip("PO-1") == D("4.00")  # 10 + 24 - 30: left for adjust cost


# --- the finish check counts entries, not balances --------------------------------------


def test_fully_reversed_consumption_still_needs_finish_without_output() -> None:
    shop = Shop()
    posted = shop.consume(5)
    assert posted.batch is not None
    shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, posted.batch.item_entries[0].entry_no))
    order = shop.order()
    assert order.lines[0].components[0].consumed_quantity == 0  # net: nothing consumed
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError, match="has consumption or capacity but no output"):
        shop.finish()
    assert shop.snapshot() == before

    allowed = Shop(finish_order_without_output=True)
    posted = allowed.consume(5)
    assert posted.batch is not None
    allowed.post(
        ReverseEntry(allowed.key(), ValueSource.ITEM, posted.batch.item_entries[0].entry_no)
    )
    batch, warnings, notes = allowed.finish(without_output=True)
    assert "Line 10000 is finished without output." in warnings
    assert batch is None  # WIP is 0: nothing to write off
    assert not any("written off" in n for n in notes)
    assert allowed.order().status is OrderStatus.FINISHED


def test_fully_reversed_capacity_counts_too_and_an_untouched_order_finishes() -> None:
    shop = Shop()
    posted = shop.output(OutputLine("PO-1", 10000, "10", run_time=Duration(1, TimeUnit.HOUR)))
    assert posted.batch is not None
    cap = posted.batch.capacity_entries[0].entry_no
    shop.post(ReverseEntry(shop.key(), ValueSource.CAPACITY, cap))
    with pytest.raises(InvalidTransitionError):
        shop.finish()
    untouched = Shop()
    _, warnings, _ = untouched.finish()
    assert untouched.order().status is OrderStatus.FINISHED
    assert "Output is missing on line 10000: 10 PCS remaining." in warnings


# --- reversal dating ----------------------------------------------------------------------


def test_reversal_entries_take_the_original_posting_date() -> None:
    shop = Shop()
    posted = shop.output(
        OutputLine("PO-1", 10000, "10", output_quantity=10, run_time=Duration(2, TimeUnit.HOUR))
    )
    assert posted.batch is not None
    out = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    later = T0 + dt.timedelta(days=3)
    shop.clock.at = later
    rev = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no, 4))
    assert rev.batch is not None
    assert rev.batch.posted_at == later  # when it was recorded
    batch = rev.batch
    stamps = (
        {e.posted_at for e in batch.item_entries}
        | {e.posted_at for e in batch.capacity_entries}
        | {e.posted_at for e in batch.value_entries}
        | {e.posted_at for e in batch.gl_entries}
    )
    assert stamps == {T0}
    with shop.uow:  # capacity used is taken back on the day it was used
        assert shop.uow.ledger.capacity_used("WC", T0.date(), T0.date()) == D("1.2")
        assert shop.uow.ledger.capacity_used("WC", later.date(), later.date()) == 0


def test_a_reversal_may_be_dated_explicitly_but_not_before_the_original() -> None:
    shop = Shop()
    posted = shop.output(OutputLine("PO-1", 10000, "10", output_quantity=10))
    assert posted.batch is not None
    out = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    before = shop.snapshot()
    with pytest.raises(NotAllowedError, match="before the entry it reverses"):
        shop.post(
            ReverseEntry(
                "early", ValueSource.ITEM, out.entry_no, posted_at=T0 - dt.timedelta(days=1)
            )
        )
    assert shop.snapshot() == before
    with pytest.raises(InvalidValueError, match="timezone"):
        ReverseEntry("naive", ValueSource.ITEM, 1, posted_at=dt.datetime(2026, 3, 5))  # noqa: DTZ001
    when = dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC)
    command = ReverseEntry("dated", ValueSource.ITEM, out.entry_no, posted_at=when)
    assert loads(dumps(command), ReverseEntry) == command
    rev = shop.post(command)
    assert rev.batch is not None
    assert {e.posted_at for e in rev.batch.item_entries} == {when}
    assert {e.posted_at for e in rev.batch.gl_entries} == {when}


# --- partial reversal rounding ------------------------------------------------------------


def test_partial_reversal_quantities_carry_no_trailing_zeros() -> None:
    shop = Shop()
    posted = shop.output(
        OutputLine(
            "PO-1",
            10000,
            "10",
            output_quantity=10,
            scrap_quantity=1,
            setup_time=Duration(15, TimeUnit.MINUTE),
            run_time=Duration(50, TimeUnit.MINUTE),
            finished=True,
        )
    )
    assert posted.batch is not None
    out = next(e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT)
    first = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no, "4"))
    assert first.batch is not None
    cap = first.batch.capacity_entries[0]
    # hours: 0.25 setup, 0.83333 run; 4 of 10 reversed
    texts = [
        str(x) for x in (cap.setup_time, cap.run_time, cap.output_quantity, cap.scrap_quantity)
    ]
    assert texts == ["-0.1", "-0.33333", "-4", "-0.4"]
    assert str(first.batch.item_entries[0].quantity) == "-4"
    assert str(first.batch.value_entries[0].valued_quantity) == "-0.43333"  # setup + run
    second = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no, "6.000"))
    assert second.batch is not None
    cap2 = second.batch.capacity_entries[0]
    assert [str(x) for x in (cap2.output_quantity, cap2.scrap_quantity)] == ["-6", "-0.6"]
    assert str(second.batch.item_entries[0].quantity) == "-6"
    # the parts add up exactly to the original
    assert cap.run_time + cap2.run_time == D("-0.83333")
    op = shop.order().lines[0].operations[0]
    assert (op.output_quantity, op.scrap_quantity) == (0, 0)


# --- scrap of a line without routing --------------------------------------------------------


def test_reversing_output_of_a_line_without_routing_reverses_its_scrap() -> None:
    shop = Shop(routing=False)
    posted = shop.output(OutputLine("PO-1", 10000, output_quantity=8, scrap_quantity=2))
    assert posted.batch is not None
    (out,) = [e for e in posted.batch.item_entries if e.entry_type is ItemEntryType.OUTPUT]
    assert (out.quantity, out.scrap_quantity, out.capacity_entry_no) == (8, 2, None)
    line = shop.order().lines[0]
    assert (line.finished_quantity, line.scrap_quantity) == (8, 2)
    part = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no, 2))
    assert part.batch is not None
    assert str(part.batch.item_entries[0].scrap_quantity) == "-0.5"
    line = shop.order().lines[0]
    assert (line.finished_quantity, line.scrap_quantity) == (6, D("1.5"))
    rest = shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, out.entry_no))
    assert rest.batch is not None
    assert str(rest.batch.item_entries[0].scrap_quantity) == "-1.5"
    line = shop.order().lines[0]
    assert (line.finished_quantity, line.scrap_quantity) == (0, 0)
    with shop.uow:
        assert shop.uow.ledger.on_hand("P") == 0


# --- capacity journal: no valuation -------------------------------------------------------


def test_capacity_journal_posts_capacity_entries_without_value() -> None:
    shop = Shop()
    result = shop.post(
        PostCapacity(
            shop.key(),
            (CapacityLine(CapacityType.WORK_CENTER, "WC", run_time=Duration(2, TimeUnit.HOUR)),),
        )
    )
    assert result.batch is not None
    (cap,) = result.batch.capacity_entries
    assert (cap.order_id, cap.quantity, cap.run_time) == (None, 2, 2)
    assert result.batch.value_entries == () and result.batch.gl_entries == ()
    with shop.uow:
        assert shop.uow.ledger.capacity_used("WC", T0.date(), T0.date()) == 2


# --- auto-retry -----------------------------------------------------------------------------


class RacingUnitOfWork(InMemoryUnitOfWork):
    """Runs ``race`` (another unit of work committing) just before its first commit."""

    def __init__(self, store: InMemoryStore, race: Callable[[], object] | None = None) -> None:
        super().__init__(store)
        self.race = race
        self.commits = 0

    def commit(self) -> None:
        self.commits += 1
        if self.race is not None:
            race, self.race = self.race, None
            race()
        super().commit()


def _stock_shop() -> tuple[InMemoryStore, FixedClock]:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    clock = FixedClock(T0)
    put_master_data(uow, [Item("C", base_unit="PCS", unit_cost=2)])
    return store, clock


def _adjust(key: str, qty: int) -> AdjustInventory:
    return AdjustInventory(key, (AdjustmentLine("C", qty),))


def test_retry_redecides_after_a_concurrent_commit() -> None:
    store, clock = _stock_shop()
    other = InMemoryUnitOfWork(store)
    uow = RacingUnitOfWork(store, lambda: handle(other, _adjust("theirs", 5), clock=clock))
    result = handle(uow, _adjust("mine", 3), clock=clock, retries=1)
    assert uow.commits == 2
    assert result.batch is not None and result.batch.posting_no == 2
    assert result.batch.item_entries[0].entry_no == 2
    assert store.ledger.on_hand("C") == 8
    assert store.counters.posting == 2


def test_without_retries_the_loser_raises_and_writes_nothing() -> None:
    store, clock = _stock_shop()
    other = InMemoryUnitOfWork(store)
    uow = RacingUnitOfWork(store, lambda: handle(other, _adjust("theirs", 5), clock=clock))
    with pytest.raises(ConcurrencyError):
        handle(uow, _adjust("mine", 3), clock=clock)
    assert store.ledger.on_hand("C") == 5
    assert set(store.idempotency) == {"theirs"}
    with pytest.raises(InvalidValueError):
        handle(uow, _adjust("again", 1), clock=clock, retries=-1)


def test_retry_of_an_order_posting_after_the_order_changed() -> None:
    shop = Shop()
    other = InMemoryUnitOfWork(shop.store)
    theirs = PostConsumption("theirs", (ConsumptionLine("PO-1", 10000, 10000, 2),))
    uow = RacingUnitOfWork(shop.store, lambda: handle(other, theirs, clock=shop.clock))
    mine = PostConsumption("mine", (ConsumptionLine("PO-1", 10000, 10000, 3),))
    handle(uow, mine, clock=shop.clock, retries=2)
    assert uow.commits == 2
    assert shop.order().lines[0].components[0].consumed_quantity == 5
    assert shop.store.ledger.on_hand("C") == -5


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=9), st.sampled_from(["same", "other", "none"])
        ),
        min_size=1,
        max_size=6,
    )
)
def test_retry_never_double_posts(steps: list[tuple[int, str]]) -> None:
    """A racer commits first: the same command (same key), another one, or nothing.
    With retries every command is posted exactly once."""
    store, clock = _stock_shop()
    expected = 0
    keys: set[str] = set()
    for n, (qty, race) in enumerate(steps):
        mine = _adjust(f"mine-{n}", qty)
        other = InMemoryUnitOfWork(store)
        racer: Callable[[], object] | None = None
        if race == "same":
            racer = lambda mine=mine, other=other: handle(other, mine, clock=clock)  # noqa: E731
        elif race == "other":
            theirs = _adjust(f"theirs-{n}", 1)
            racer = lambda theirs=theirs, other=other: handle(other, theirs, clock=clock)  # noqa: E731
            expected += 1
            keys.add(theirs.idempotency_key)
        uow = RacingUnitOfWork(store, racer)
        result = handle(uow, mine, clock=clock, retries=3)
        expected += qty
        keys.add(mine.idempotency_key)
        assert result.batch is not None
        assert store.idempotency[mine.idempotency_key].result == result
    assert store.ledger.on_hand("C") == expected
    assert store.counters.posting == len(keys)
    assert set(store.idempotency) == keys


# --- reversal counters in the component's unit ----------------------------------------------


def test_reversing_consumption_in_another_unit_updates_the_component_in_its_unit() -> None:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    clock = FixedClock(T0)
    put_master_data(
        uow,
        [
            Item("C", base_unit="PCS", unit_cost=2, units=(ItemUnitOfMeasure("BOX", 10),)),
            Item(
                "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B"
            ),
            ProductionBom("B", (BomLine("C", 1, unit="BOX"),)),
        ],
    )
    handle(uow, CreateOrder("PO-1", "P", 5, due_date=DUE), clock=clock)
    handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
    posted = handle(
        uow, PostConsumption("c", (ConsumptionLine("PO-1", 10000, 10000, 3),)), clock=clock
    )
    assert posted.batch is not None
    (entry,) = posted.batch.item_entries
    assert (entry.quantity, entry.unit) == (-30, "PCS")
    handle(uow, ReverseEntry("r1", ValueSource.ITEM, entry.entry_no, 10), clock=clock)
    with uow:
        comp = uow.orders.get("PO-1").lines[0].components[0]
    assert (comp.unit, comp.consumed_quantity) == ("BOX", 2)
    handle(uow, ReverseEntry("r2", ValueSource.ITEM, entry.entry_no), clock=clock)
    with uow:
        assert uow.orders.get("PO-1").lines[0].components[0].consumed_quantity == 0
        assert uow.ledger.on_hand("C") == 0


def test_retry_after_the_same_key_was_committed_by_a_racer_returns_its_result() -> None:
    """A command that posts nothing conflicts on its key alone (DuplicateError)."""
    shop = Shop()
    empty = PostCapacity("cap", (CapacityLine(CapacityType.WORK_CENTER, "WC"),))
    other = InMemoryUnitOfWork(shop.store)
    uow = RacingUnitOfWork(shop.store, lambda: handle(other, empty, clock=shop.clock))
    before = shop.store.counters
    result = handle(uow, empty, clock=shop.clock, retries=1)
    assert result.batch is None and uow.commits == 1  # the retry found the key
    assert shop.store.idempotency["cap"].result == result
    assert shop.store.counters == before
    racing = RacingUnitOfWork(
        shop.store,
        lambda: handle(other, PostCapacity("cap-2", empty.lines), clock=shop.clock),
    )
    with pytest.raises(DuplicateError):  # without retries the key conflict is raised
        handle(racing, PostCapacity("cap-2", empty.lines), clock=shop.clock)


def test_write_off_through_a_sqlite_store_passes_verify() -> None:
    from prodcore.adapters import open_store
    from prodcore.integrity import verify

    with open_store("sqlite:///:memory:") as store:
        uow = store()
        clock = FixedClock(T0)
        put_master_data(
            uow,
            records(),  # type: ignore[arg-type]
            setup=ManufacturingSetup(finish_order_without_output=True),
        )
        handle(uow, CreateOrder("PO-1", "P", 10, due_date=DUE), clock=clock)
        handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
        handle(uow, PostConsumption("c", (ConsumptionLine("PO-1", 10000, 10000, 3),)), clock=clock)
        command = ChangeStatus("PO-1", OrderStatus.FINISHED, finish_without_output=True)
        done = handle(uow, command, clock=clock)
        assert done.posting is not None
        assert [v.entry_type for v in done.posting.value_entries] == [ValueEntryType.WIP_WRITE_OFF]
        with uow:
            assert uow.ledger.wip("PO-1") == 0
            assert uow.ledger.account_balance("7270") == D("6.00")
        report = verify(store)
        assert report.ok, str(report)


def test_reverse_entry_hash_is_unchanged_by_the_new_posted_at_field() -> None:
    """Idempotency keys stored before ``posted_at`` existed still match their command."""
    import hashlib
    import json

    from prodcore.services import command_hash

    old = {
        "type": "ReverseEntry",
        "idempotency_key": "rev-1",
        "source": "ITEM",
        "entry_no": 1,
        "quantity": None,
        "include_flushed_consumption": False,
        "document_no": "",
    }
    text = json.dumps(old, sort_keys=True, separators=(",", ":"))
    before = hashlib.sha256(text.encode()).hexdigest()
    assert command_hash(ReverseEntry("rev-1", ValueSource.ITEM, 1)) == before
    dated = ReverseEntry("rev-1", ValueSource.ITEM, 1, posted_at=T0)
    assert command_hash(dated) != before
