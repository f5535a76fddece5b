"""Contract tests every store must pass: subclass them and supply ``uow_factory``.

The classes are pytest test classes without the ``Test`` prefix, so they are collected
only through a subclass of yours::

    import pytest
    from prodcore.testing.contracts import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        def uow_factory(self, tmp_path):
            store = MyStore(tmp_path / "data")
            yield store.new_unit_of_work   # a callable returning a fresh UnitOfWork
            store.close()

Every unit of work the factory returns must share the same (initially empty) data.
The in-memory, SQLite and PostgreSQL adapters of prodcore run exactly these tests.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import zoneinfo
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest

from prodcore.errors import (
    ConcurrencyError,
    ConflictError,
    DuplicateError,
    InvalidValueError,
    NotFoundError,
    ProdcoreError,
    UnbalancedEntryError,
)
from prodcore.ledger.model import (
    AccountRole,
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemEntryType,
    ItemLedgerEntry,
    PostingBatch,
    PostingResult,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.masterdata import (
    Bin,
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    Location,
    MachineCenter,
    ManufacturingSetup,
    ProductionBom,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.masterdata.cost_shares import CostShares
from prodcore.masterdata.standards import StandardCostHistory, StandardCostVersion
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.model import (
    Component,
    Operation,
    OrderLine,
    OrderStatus,
    ProductionOrder,
    StatusChange,
)
from prodcore.orders.registering import find_registrations
from prodcore.orders.registration import Registration
from prodcore.ports import LedgerRepository, MasterDataRecord, UnitOfWork
from prodcore.scheduling.calendar import (
    Absence,
    CentreAbsences,
    Holiday,
    ShopCalendar,
    one_shift_per_weekday,
)
from prodcore.scheduling.schedule import Allocation, CapacityMode, Direction

__all__ = [
    "AllocationRepositoryContract",
    "BinContract",
    "ItemApplicationContract",
    "LedgerRepositoryContract",
    "MasterDataRepositoryContract",
    "OrderRepositoryContract",
    "PostingsByWhoContract",
    "SerializableDecisionContract",
    "StoreContract",
    "TrackingLedgerContract",
    "UnitOfWorkContract",
    "WorkerRegistrationContract",
    "sample_batch",
    "sample_master_data",
    "sample_moves",
    "sample_order",
]

UowFactory = Callable[[], UnitOfWork]
_AT = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)

#: Strings a store must keep exactly (quotes, SQL and JSON syntax, non-ASCII, long).
ODD_STRINGS = (
    "PO-1",
    'o\'brien "quoted"',
    "semi;colon -- DROP TABLE x",
    "ünïcødé ✓ 製造 🚲",
    "back\\slash {json: [1]}",
    "x" * 300,
)


def sample_order(
    order_id: str = "PO-1",
    *,
    version: int = 1,
    status: OrderStatus = OrderStatus.FIRM_PLANNED,
    description: str = "",
    quantity: Decimal | int | str = "10.000",
) -> ProductionOrder:
    """A rich order (a line with a component and an operation, a history, Decimals with
    trailing zeros, tz-aware datetimes) for round-trip checks."""
    component = Component(
        10000,
        "LEG",
        "PCS",
        quantity_per=Decimal("4.00"),
        expected_quantity=Decimal("40.000"),
        flushing_method=FlushingMethod.BACKWARD,
        scrap_percent=Decimal("2.5"),
        routing_link_code="100",
        bom_path=("TABLE", "LEG"),
        due_date=dt.date(2026, 3, 5),
    )
    operation = Operation(
        "10",
        CapacityType.WORK_CENTER,
        "WC-1",
        "WC-1",
        setup_time=Duration("15", TimeUnit.MINUTE),
        run_time=Duration("0.50", TimeUnit.HOUR),
        routing_link_code="100",
        starting=_AT,
        ending=_AT + dt.timedelta(hours=5),
    )
    line = OrderLine(
        10000,
        "TABLE",
        Decimal(quantity),
        bom_no="TABLE",
        routing_no="TABLE",
        components=(component,),
        operations=(operation,),
        unit_cost=Decimal("12.34500"),
        due_date=dt.date(2026, 3, 9),
    )
    return ProductionOrder(
        order_id,
        status,
        "TABLE",
        Decimal(quantity),
        due_date=dt.date(2026, 3, 9),
        description=description,
        lines=(line,),
        history=(StatusChange(None, status, _AT, reason="created"),),
        version=version,
        starting=_AT,
    )


def sample_master_data() -> tuple[MasterDataRecord, ...]:
    """One record of each master data kind."""
    return (
        Item("TABLE", base_unit="PCS", unit_cost="12.30", production_bom_no="TABLE"),
        Item("LEG", base_unit="PCS", unit_cost="0.10"),
        ProductionBom("TABLE", (BomLine("LEG", Decimal("4.00")),)),
        Routing(
            "TABLE",
            (RoutingLine("10", CapacityType.WORK_CENTER, "WC-1", run_time=Duration("0.5")),),
        ),
        WorkCenter("WC-1", name="Assembly"),
        MachineCenter("MC-1", "WC-1", name="Press"),
        ShopCalendar(
            "DAY",
            shifts=one_shift_per_weekday(dt.time(8), dt.time(16, 30)),
            holidays=(Holiday(dt.date(2026, 12, 25), "Christmas"),),
            timezone=zoneinfo.ZoneInfo("Europe/Berlin"),
        ),
        StandardCostHistory(
            "TABLE",
            (
                StandardCostVersion(
                    dt.date(2026, 3, 2), shares=CostShares(material="0.40", capacity="11.90")
                ),
            ),
        ),
    )


def _next(order: ProductionOrder, **changes: Any) -> ProductionOrder:
    return attrs.evolve(order, version=order.version + 1, **changes)


class _Base:
    @pytest.fixture
    def uow_factory(self) -> UowFactory:
        """Override: return a callable that opens a fresh unit of work on an empty store."""
        raise NotImplementedError("a contract subclass must define the uow_factory fixture")

    @staticmethod
    def add(factory: UowFactory, *orders: ProductionOrder) -> None:
        with factory() as uow:
            for order in orders:
                uow.orders.add(order)
            uow.commit()


_GETTERS: tuple[tuple[type, str], ...] = (
    (Item, "item"),
    (ProductionBom, "bom"),
    (Routing, "routing"),
    (WorkCenter, "work_center"),
    (MachineCenter, "machine_center"),
    (ShopCalendar, "shop_calendar"),
    (StandardCostHistory, "standard_costs"),
)
_LISTS = {
    Item: "items",
    ProductionBom: "boms",
    Routing: "routings",
    WorkCenter: "work_centers",
    MachineCenter: "machine_centers",
    ShopCalendar: "shop_calendars",
}


class MasterDataRepositoryContract(_Base):
    """``uow.master_data``: get, put (insert or replace), lists sorted by number, setup."""

    @pytest.mark.parametrize(("kind", "getter"), _GETTERS)
    def test_missing_record_raises_not_found(
        self, uow_factory: UowFactory, kind: type, getter: str
    ) -> None:
        with uow_factory() as uow, pytest.raises(NotFoundError):
            getattr(uow.master_data, getter)("NOPE")

    def test_put_is_visible_in_the_same_unit_of_work(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.master_data.put(Item("A", base_unit="PCS"))
            assert uow.master_data.item("A") == Item("A", base_unit="PCS")

    def test_committed_records_round_trip_equal(self, uow_factory: UowFactory) -> None:
        records = sample_master_data()
        with uow_factory() as uow:
            for record in records:
                uow.master_data.put(record)
            uow.commit()
        with uow_factory() as uow:
            for record in records:
                getter = dict(_GETTERS)[type(record)]
                assert getattr(uow.master_data, getter)(record.no) == record

    def test_centre_absences_round_trip_and_are_replaced(self, uow_factory: UowFactory) -> None:
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
        t = dt.datetime(2026, 3, 2, 10, tzinfo=berlin)
        broke = Absence(CapacityType.WORK_CENTER, "WC-1", t, t + dt.timedelta(hours=4),
                        description="Breakdown: spindle")  # fmt: skip
        half = Absence(CapacityType.WORK_CENTER, "WC-1", t + dt.timedelta(days=1),
                       t + dt.timedelta(days=2), capacity="0.50")  # fmt: skip
        machine = CentreAbsences(CapacityType.MACHINE_CENTER, "WC-1", (
            Absence(CapacityType.MACHINE_CENTER, "WC-1", t, t + dt.timedelta(hours=1)),))  # fmt: skip
        both = CentreAbsences(CapacityType.WORK_CENTER, "WC-1", (broke, half))
        with uow_factory() as uow:
            uow.master_data.put(both)
            uow.master_data.put(machine)  # same number, other kind of centre: its own record
            uow.commit()
        with uow_factory() as uow:
            assert list(uow.master_data.centre_absences()) == [machine, both]
            kept = next(r for r in uow.master_data.centre_absences() if r.no == "WC WC-1")
            assert (
                kept.absences[0].starting == t
            )  # the instant (a zone may come back as its offset)
            assert str(kept.absences[1].capacity) == "0.50"
            uow.master_data.put(attrs.evolve(both, absences=(half,)))  # the breakdown removed
            uow.commit()
        with uow_factory() as uow:
            assert [r.absences for r in uow.master_data.centre_absences()] == [
                machine.absences,
                (half,),
            ]

    def test_decimals_keep_their_exponent(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.master_data.put(Item("A", base_unit="PCS", unit_cost="0.10"))
            uow.commit()
        with uow_factory() as uow:
            assert str(uow.master_data.item("A").unit_cost) == "0.10"

    def test_put_replaces(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.master_data.put(Item("A", base_unit="PCS", description="old"))
            uow.commit()
        with uow_factory() as uow:
            uow.master_data.put(Item("A", base_unit="PCS", description="new"))
            uow.commit()
        with uow_factory() as uow:
            assert uow.master_data.item("A").description == "new"
            assert [i.no for i in uow.master_data.items()] == ["A"]

    def test_same_number_in_different_kinds_is_independent(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.master_data.put(Item("X", base_unit="PCS"))
            uow.master_data.put(WorkCenter("X"))
            uow.commit()
        with uow_factory() as uow:
            assert uow.master_data.item("X").no == uow.master_data.work_center("X").no == "X"
            with pytest.raises(NotFoundError):
                uow.master_data.bom("X")

    def test_uncommitted_put_is_rolled_back(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.master_data.put(Item("A", base_unit="PCS"))
        with uow_factory() as uow, pytest.raises(NotFoundError):
            uow.master_data.item("A")

    @pytest.mark.parametrize(("kind", "listing"), sorted(_LISTS.items(), key=str))
    def test_lists_are_sorted_by_number_and_include_staged(
        self, uow_factory: UowFactory, kind: type, listing: str
    ) -> None:
        records = [r for r in sample_master_data() if type(r) is kind]
        first: Any = records[0]  # a kind numbered by a field (not CentreAbsences)
        with uow_factory() as uow:
            uow.master_data.put(attrs.evolve(first, no="M"))
            uow.master_data.put(attrs.evolve(first, no="B"))
            uow.commit()
        with uow_factory() as uow:
            uow.master_data.put(attrs.evolve(first, no="A"))
            uow.master_data.put(attrs.evolve(first, no="Z"))
            assert [r.no for r in getattr(uow.master_data, listing)()] == ["A", "B", "M", "Z"]
        with uow_factory() as uow:
            assert [r.no for r in getattr(uow.master_data, listing)()] == ["B", "M"]

    def test_setup_defaults_until_put(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            assert uow.master_data.setup == ManufacturingSetup()
            setup = ManufacturingSetup(currency="USD", amount_precision="0.001")
            uow.master_data.put_setup(setup)
            assert uow.master_data.setup == setup
            uow.commit()
        with uow_factory() as uow:
            assert uow.master_data.setup == setup
            assert str(uow.master_data.setup.amount_precision) == "0.001"

    def test_put_refuses_what_is_not_a_record(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            for bad in ("ITEM", {"no": "A"}, None, 42, sample_order()):
                with pytest.raises(InvalidValueError):
                    uow.master_data.put(bad)  # type: ignore[arg-type]

    def test_put_setup_refuses_a_wrong_type(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow, pytest.raises(InvalidValueError):
            uow.master_data.put_setup({"currency": "EUR"})  # type: ignore[arg-type]

    @pytest.mark.parametrize("key", [42, None, b"A", ("A",)])
    def test_record_key_of_a_wrong_type_raises_a_typed_error(
        self, uow_factory: UowFactory, key: object
    ) -> None:
        with uow_factory() as uow, pytest.raises(ProdcoreError):
            uow.master_data.item(key)  # type: ignore[arg-type]


class OrderRepositoryContract(_Base):
    """``uow.orders``: optimistic versions, duplicates, lists, exact round trips."""

    def test_missing_order_raises_not_found(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow, pytest.raises(NotFoundError):
            uow.orders.get("NOPE")

    def test_added_order_is_visible_in_the_same_unit_of_work(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(sample_order())
            assert uow.orders.get("PO-1") == sample_order()

    def test_committed_order_round_trips_equal(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow:
            loaded = uow.orders.get("PO-1")
        assert loaded == sample_order()
        assert str(loaded.quantity) == "10.000"
        assert loaded.lines[0].operations[0].starting == _AT
        assert loaded.history[0].at.tzinfo is not None

    @pytest.mark.parametrize("text", ODD_STRINGS)
    def test_odd_strings_round_trip(self, uow_factory: UowFactory, text: str) -> None:
        order = sample_order(text, description=text)
        self.add(uow_factory, order)
        with uow_factory() as uow:
            assert uow.orders.get(text) == order
            assert [o.id for o in uow.orders.list()] == [text]

    def test_add_duplicate_in_same_unit_of_work_raises(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(sample_order())
            with pytest.raises(DuplicateError):
                uow.orders.add(sample_order())

    def test_add_duplicate_of_committed_raises(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow, pytest.raises(DuplicateError):
            uow.orders.add(sample_order(description="other"))

    @pytest.mark.parametrize("version", [0, 2, -1])
    def test_add_requires_version_one(self, uow_factory: UowFactory, version: int) -> None:
        with uow_factory() as uow, pytest.raises(InvalidValueError):
            uow.orders.add(sample_order(version=version))

    def test_add_refuses_what_is_not_an_order(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            for bad in ("PO-1", {"id": "PO-1"}, None, Item("A", base_unit="PCS")):
                with pytest.raises(InvalidValueError):
                    uow.orders.add(bad)  # type: ignore[arg-type]

    @pytest.mark.parametrize("key", [42, None, b"PO-1"])
    def test_order_key_of_a_wrong_type_raises_a_typed_error(
        self, uow_factory: UowFactory, key: object
    ) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow, pytest.raises(ProdcoreError):
            uow.orders.get(key)  # type: ignore[arg-type]

    def test_save_increments_the_version(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        for expected in (1, 2, 3):
            with uow_factory() as uow:
                order = uow.orders.get("PO-1")
                assert order.version == expected
                uow.orders.save(
                    _next(order, description=f"v{expected + 1}"), expected_version=expected
                )
                uow.commit()
        with uow_factory() as uow:
            assert uow.orders.get("PO-1").version == 4
            assert uow.orders.get("PO-1").description == "v4"

    def test_save_with_a_stale_version_raises_concurrency_error(
        self, uow_factory: UowFactory
    ) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow, pytest.raises(ConcurrencyError):
            uow.orders.save(sample_order(version=3), expected_version=2)

    def test_save_needs_expected_version_plus_one(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow, pytest.raises(InvalidValueError):
            uow.orders.save(sample_order(version=3), expected_version=1)

    def test_save_of_a_missing_order_raises_not_found(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow, pytest.raises(NotFoundError):
            uow.orders.save(sample_order(version=2), expected_version=1)

    def test_delete_removes_the_order(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow:
            uow.orders.delete("PO-1", expected_version=1)
            with pytest.raises(NotFoundError):
                uow.orders.get("PO-1")
            uow.commit()
        with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                uow.orders.get("PO-1")
            assert uow.orders.list() == []

    def test_delete_with_a_stale_version_raises(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow, pytest.raises(ConcurrencyError):
            uow.orders.delete("PO-1", expected_version=7)

    def test_delete_of_a_missing_order_raises_not_found(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow, pytest.raises(NotFoundError):
            uow.orders.delete("NOPE", expected_version=1)

    def test_an_id_can_be_reused_after_delete(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow:
            uow.orders.delete("PO-1", expected_version=1)
            uow.commit()
        self.add(uow_factory, sample_order(description="again"))
        with uow_factory() as uow:
            assert uow.orders.get("PO-1").description == "again"

    def test_list_is_sorted_by_id_and_filters_by_status(self, uow_factory: UowFactory) -> None:
        self.add(
            uow_factory,
            sample_order("B", status=OrderStatus.RELEASED),
            sample_order("A"),
            sample_order("C"),
        )
        with uow_factory() as uow:
            assert [o.id for o in uow.orders.list()] == ["A", "B", "C"]
            assert [o.id for o in uow.orders.list(status=OrderStatus.FIRM_PLANNED)] == ["A", "C"]
            assert [o.id for o in uow.orders.list(status=OrderStatus.RELEASED)] == ["B"]
            assert uow.orders.list(status=OrderStatus.FINISHED) == []

    def test_list_includes_staged_changes(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order("A"), sample_order("B"))
        with uow_factory() as uow:
            uow.orders.add(sample_order("0"))
            uow.orders.delete("A", expected_version=1)
            released = _next(sample_order("B"), status=OrderStatus.RELEASED)
            uow.orders.save(released, expected_version=1)
            assert [o.id for o in uow.orders.list()] == ["0", "B"]
            assert uow.orders.list(status=OrderStatus.RELEASED) == [released]
            assert [o.id for o in uow.orders.list(status=OrderStatus.FIRM_PLANNED)] == ["0"]

    def test_evolving_a_returned_order_cannot_change_stored_state(
        self, uow_factory: UowFactory
    ) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as uow:
            order = uow.orders.get("PO-1")
            attrs.evolve(order, description="changed", version=99)
            with pytest.raises(attrs.exceptions.FrozenInstanceError):
                order.description = "changed"  # type: ignore[misc]
            listed = uow.orders.list()[0]
            attrs.evolve(listed, quantity=Decimal(1))
        with uow_factory() as uow:
            assert uow.orders.get("PO-1") == sample_order()


class UnitOfWorkContract(_Base):
    """Atomicity and isolation of ``with uow: ... uow.commit()``."""

    def test_uncommitted_work_is_rolled_back(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(sample_order())
            uow.master_data.put(Item("A", base_unit="PCS"))
        with uow_factory() as uow:
            assert uow.orders.list() == []
            assert list(uow.master_data.items()) == []

    def test_an_exception_inside_the_block_rolls_back(self, uow_factory: UowFactory) -> None:
        with pytest.raises(RuntimeError, match="boom"), uow_factory() as uow:
            uow.orders.add(sample_order())
            raise RuntimeError("boom")
        with uow_factory() as uow, pytest.raises(NotFoundError):
            uow.orders.get("PO-1")

    def test_explicit_rollback_discards_staged_work(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(sample_order())
            uow.rollback()
            with pytest.raises(NotFoundError):
                uow.orders.get("PO-1")
            uow.commit()
        with uow_factory() as uow, pytest.raises(NotFoundError):
            uow.orders.get("PO-1")

    def test_work_after_commit_needs_its_own_commit(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(sample_order("A"))
            uow.commit()
            uow.orders.add(sample_order("B"))
        with uow_factory() as uow:
            assert [o.id for o in uow.orders.list()] == ["A"]

    def test_committed_work_is_visible_to_a_new_unit_of_work(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.orders.add(sample_order())
            uow.master_data.put(Item("A", base_unit="PCS"))
            uow.master_data.put_setup(ManufacturingSetup(currency="USD"))
            uow.commit()
        with uow_factory() as uow:
            assert uow.orders.get("PO-1") == sample_order()
            assert uow.master_data.item("A").no == "A"
            assert uow.master_data.setup.currency == "USD"

    def test_a_unit_of_work_can_be_used_for_several_blocks(self, uow_factory: UowFactory) -> None:
        uow = uow_factory()
        with uow:
            uow.orders.add(sample_order())
            uow.commit()
        with uow:
            uow.orders.save(_next(sample_order()), expected_version=1)
            uow.commit()
        with uow:
            assert uow.orders.get("PO-1").version == 2

    def test_concurrent_units_of_work_conflict_on_the_same_order(
        self, uow_factory: UowFactory
    ) -> None:
        self.add(uow_factory, sample_order())
        first, second = uow_factory(), uow_factory()
        with first, second:
            a = first.orders.get("PO-1")
            b = second.orders.get("PO-1")
            first.orders.save(_next(a, description="first"), expected_version=1)
            second.orders.save(_next(b, description="second"), expected_version=1)
            first.commit()
            with pytest.raises(ConcurrencyError):
                second.commit()
        with uow_factory() as uow:
            stored = uow.orders.get("PO-1")
            assert (stored.description, stored.version) == ("first", 2)
            # the loser reloads and retries
            uow.orders.save(_next(stored, description="second"), expected_version=2)
            uow.commit()
        with uow_factory() as uow:
            assert uow.orders.get("PO-1").description == "second"

    def test_a_save_after_someone_else_committed_is_refused(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        with uow_factory() as late:
            order = late.orders.get("PO-1")
            with uow_factory() as early:
                early.orders.save(_next(order, description="early"), expected_version=1)
                early.commit()
            with pytest.raises(ConcurrencyError):
                late.orders.save(_next(order, description="late"), expected_version=1)
                late.commit()

    def test_concurrent_delete_and_save_conflict(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        first, second = uow_factory(), uow_factory()
        with first, second:
            first.orders.delete("PO-1", expected_version=1)
            second.orders.save(_next(sample_order()), expected_version=1)
            second.commit()
            with pytest.raises(ConcurrencyError):
                first.commit()
        with uow_factory() as uow:
            assert uow.orders.get("PO-1").version == 2

    def test_concurrent_adds_of_the_same_id_conflict(self, uow_factory: UowFactory) -> None:
        first, second = uow_factory(), uow_factory()
        with first, second:
            first.orders.add(sample_order(description="first"))
            second.orders.add(sample_order(description="second"))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        with uow_factory() as uow:
            assert uow.orders.get("PO-1").description == "first"

    def test_concurrent_units_of_work_on_different_orders_both_commit(
        self, uow_factory: UowFactory
    ) -> None:
        self.add(uow_factory, sample_order("A"), sample_order("B"))
        first, second = uow_factory(), uow_factory()
        with first, second:
            first.orders.save(_next(sample_order("A")), expected_version=1)
            second.orders.save(_next(sample_order("B")), expected_version=1)
            first.commit()
            second.commit()
        with uow_factory() as uow:
            assert [o.version for o in uow.orders.list()] == [2, 2]

    def test_a_commit_with_one_stale_order_writes_nothing(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order("A"), sample_order("B"))
        first, second = uow_factory(), uow_factory()
        with first, second:
            second.orders.save(_next(sample_order("A"), description="ok"), expected_version=1)
            second.orders.save(_next(sample_order("B"), description="stale"), expected_version=1)
            second.master_data.put(Item("NEW", base_unit="PCS"))
            second.orders.add(sample_order("C"))
            first.orders.save(_next(sample_order("B"), description="winner"), expected_version=1)
            first.commit()
            with pytest.raises(ConcurrencyError):
                second.commit()
        with uow_factory() as uow:
            assert [(o.id, o.description) for o in uow.orders.list()] == [
                ("A", ""),
                ("B", "winner"),
            ]
            with pytest.raises(NotFoundError):
                uow.master_data.item("NEW")


def sample_batch(
    qty: Decimal | int | str = "2",
    amount: Decimal | int | str = "10",
    *,
    order_id: str = "PO-1",
    item_no: str = "STEEL",
    reverses: int | None = None,
    document_no: str = "D1",
    idempotency_key: str | None = None,
) -> PostingBatch:
    """A balanced consumption batch: an item entry, a capacity entry, a value entry and
    two G/L lines, all cross-referenced with local (negative) numbers. ``reverses``
    makes it a reversal (positive quantity, ``applies_to_entry_no``)."""
    # negated exactly (``copy_negate``): a product or ``-x`` rounds to the context's 28 digits
    quantity, cost = Decimal(qty), Decimal(amount)
    if reverses is None:
        quantity, cost = quantity.copy_negate(), cost.copy_negate()
    item = ItemLedgerEntry(
        -1,
        ItemEntryType.CONSUMPTION,
        item_no,
        quantity,
        unit="KG",
        order_id=order_id,
        order_line_no=10000,
        component_line_no=10000,
        location_code="MAIN",
        applies_to_entry_no=reverses,
        posted_at=_AT,
        document_no=document_no,
    )
    capacity = CapacityLedgerEntry(
        -1,
        CapacityType.MACHINE_CENTER,
        "MC-1",
        "WC-1",
        Decimal("3.0"),
        time_unit=TimeUnit.HOUR,
        run_time=Decimal("3.0"),
        order_id=order_id,
        order_line_no=10000,
        operation_no="10",
        posted_at=_AT,
        document_no=document_no,
    )
    value = ValueEntry(
        -1,
        ValueEntryType.DIRECT_COST,
        ValueSource.ITEM,
        cost,
        Decimal("0.00"),
        currency="EUR",
        valued_quantity=quantity,
        item_entry_no=-1,
        item_no=item_no,
        order_id=order_id,
        order_line_no=10000,
        posted_at=_AT,
        document_no=document_no,
    )
    gl = (
        GLEntry(
            -1,
            account="2140",
            role=AccountRole.WIP,
            amount=cost.copy_negate(),
            currency="EUR",
            value_entry_no=-1,
            order_id=order_id,
            posted_at=_AT,
            document_no=document_no,
        ),
        GLEntry(
            -2,
            account="2110",
            role=AccountRole.INVENTORY,
            amount=cost,
            currency="EUR",
            value_entry_no=-1,
            order_id=order_id,
            posted_at=_AT,
            document_no=document_no,
        ),
    )
    return PostingBatch.build(
        document_no=document_no,
        posted_at=_AT,
        item_entries=(item,),
        capacity_entries=(capacity,),
        value_entries=(value,),
        gl_entries=gl,
        idempotency_key=idempotency_key,
    )


def _check_output_lists(ledger: LedgerRepository) -> None:
    assert [e.entry_no for e in ledger.output_entries("PO-1")] == [2]
    assert [v.entry_no for v in ledger.output_values("PO-1")] == [2, 3, 4]
    assert ledger.output_entries("PO-2") == []
    assert ledger.output_values("PO-2") == []
    # an overhead on output is no material: only the consumption's cost (and the output)
    assert ledger.order_cost_sums("PO-1") == {
        (10000, "material"): Decimal("-10"),
        (10000, "output_quantity"): Decimal("2"),
    }


class LedgerRepositoryContract(_Base):
    """``uow.ledger``: numbering, atomic append-only batches, running balances, keys."""

    def test_append_numbers_entries_and_resolves_local_references(
        self, uow_factory: UowFactory
    ) -> None:
        with uow_factory() as uow:
            first = uow.ledger.append(sample_batch())
            second = uow.ledger.append(sample_batch())
            uow.commit()
        assert (first.posting_no, second.posting_no) == (1, 2)
        assert second.item_entries[0].entry_no == 2
        assert second.value_entries[0].item_entry_no == 2
        assert [g.value_entry_no for g in second.gl_entries] == [2, 2]
        assert [g.entry_no for g in second.gl_entries] == [3, 4]

    def test_numbering_continues_in_the_next_unit_of_work(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch())
            uow.commit()
        with uow_factory() as uow:
            third = uow.ledger.append(sample_batch())
            uow.commit()
        assert third.posting_no == 2
        assert third.capacity_entries[0].entry_no == 2
        assert [g.entry_no for g in third.gl_entries] == [3, 4]

    def test_committed_batches_and_entries_round_trip_equal(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            batch = uow.ledger.append(sample_batch(qty="2.500", amount="10.00"))
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.batch(1) == batch
            assert uow.ledger.item_entry(1) == batch.item_entries[0]
            assert uow.ledger.capacity_entry(1) == batch.capacity_entries[0]
            assert uow.ledger.value_entry(1) == batch.value_entries[0]
            assert str(uow.ledger.item_entry(1).quantity) == "-2.500"
            assert uow.ledger.gl_entries() == list(batch.gl_entries)

    @pytest.mark.parametrize("getter", ["batch", "item_entry", "capacity_entry", "value_entry"])
    def test_missing_entry_raises_not_found(self, uow_factory: UowFactory, getter: str) -> None:
        with uow_factory() as uow, pytest.raises(NotFoundError):
            getattr(uow.ledger, getter)(1)

    def test_balances_add_committed_and_staged(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("2", "10"))
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("1.5", "7.50"))
            ledger = uow.ledger
            assert ledger.on_hand("STEEL") == Decimal("-3.5")
            assert ledger.on_hand("STEEL", "MAIN") == Decimal("-3.5")
            assert ledger.on_hand("STEEL", "OTHER") == 0
            assert ledger.consumed_quantity("PO-1", 10000, 10000) == Decimal("3.5")
            assert ledger.output_quantity("PO-1", 10000) == 0
            assert ledger.wip("PO-1") == Decimal("17.50")
            assert ledger.account_balance("2110") == Decimal("-17.50")
            assert ledger.account_balance("2140") == Decimal("17.50")
            day = _AT.date()
            assert ledger.capacity_used("WC-1", day, day) == 6
            assert ledger.capacity_used("MC-1", day, day) == 6
            assert ledger.capacity_used("WC-1", day + dt.timedelta(1), day + dt.timedelta(9)) == 0

    def test_balances_keep_every_digit(self, uow_factory: UowFactory) -> None:
        # 33 significant digits, then a 1 in the 19th decimal place: a sum in Decimal's
        # default 28-digit context would round it away
        big, tiny = "12345678901234.1234567890123456789", "0.0000000000000000001"
        exact = Decimal("12345678901234.1234567890123456790")
        with uow_factory() as uow:
            uow.ledger.append(sample_batch(big, big))
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(sample_batch(tiny, tiny, document_no="D2"))
            self._check_exact_balances(uow.ledger, exact)  # committed plus staged
            uow.commit()
        with uow_factory() as uow:
            self._check_exact_balances(uow.ledger, exact)  # as stored

    @staticmethod
    def _check_exact_balances(ledger: LedgerRepository, exact: Decimal) -> None:
        minus = exact.copy_negate()  # (``-exact`` would round to 28 digits)
        assert ledger.on_hand("STEEL") == minus
        assert ledger.on_hand("STEEL", "MAIN") == minus
        assert ledger.on_hand_in_bin("STEEL", "MAIN", "") == minus
        assert ledger.consumed_quantity("PO-1", 10000, 10000) == exact
        assert ledger.wip("PO-1") == exact
        assert ledger.account_balance("2110") == minus
        assert ledger.account_balance("2140") == exact
        assert ledger.inventory_value("STEEL") == minus
        assert ledger.order_cost_sums("PO-1") == {(10000, "material"): minus}

    def test_balances_survive_the_commit(self, uow_factory: UowFactory) -> None:
        for qty, amount in (("2", "10"), ("1.5", "7.50")):
            with uow_factory() as uow:
                uow.ledger.append(sample_batch(qty, amount))
                uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.on_hand("STEEL") == Decimal("-3.5")
            assert uow.ledger.wip("PO-1") == Decimal("17.50")
            assert uow.ledger.account_balance("2110") == Decimal("-17.50")

    def test_order_cost_sums_add_committed_and_staged(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("2", "10"))
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("1.5", "7.50"))
            # the consumption's cost, as posted (actual cost takes minus it as material)
            assert uow.ledger.order_cost_sums("PO-1") == {(10000, "material"): Decimal("-17.50")}
            assert uow.ledger.order_cost_sums("PO-2") == {}
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("3.5", "17.50", reverses=1))  # nets to zero
            assert uow.ledger.order_cost_sums("PO-1") == {}

    def test_an_order_cost_sums_read_is_checked_at_commit(self, uow_factory: UowFactory) -> None:
        for order_id, refused in (("PO-1", True), ("PO-2", False)):
            with uow_factory() as reader:
                reader.ledger.order_cost_sums(order_id)
                reader.master_data.put(Item(f"READ-{order_id}", base_unit="PCS"))
                with uow_factory() as writer:
                    writer.ledger.append(sample_batch(order_id="PO-1"))
                    writer.commit()
                if refused:  # it read a sum that changed since
                    with pytest.raises(ConcurrencyError):
                        reader.commit()
                else:
                    reader.commit()

    def test_output_entries_and_the_values_on_them_are_listed_per_order(
        self, uow_factory: UowFactory
    ) -> None:
        from prodcore.ledger.posting import value_batch

        consumed = sample_batch()
        (item,) = consumed.item_entries
        output = attrs.evolve(
            item, entry_type=ItemEntryType.OUTPUT, quantity=-item.quantity, component_line_no=None
        )
        with uow_factory() as uow:
            uow.ledger.append(consumed)  # entries 1
            uow.ledger.append(attrs.evolve(consumed, item_entries=(output,)))  # entries 2
            uow.commit()
        on = ValueEntry(
            0,
            ValueEntryType.INDIRECT_COST,
            ValueSource.ITEM,
            Decimal(5),
            Decimal(0),
            currency="EUR",
            item_entry_no=2,  # committed
            order_id="PO-1",
            order_line_no=10000,
            posted_at=_AT,
        )
        on_none = attrs.evolve(on, entry_type=ValueEntryType.ROUNDING, item_entry_no=None)
        with uow_factory() as uow:
            uow.ledger.append(
                value_batch([on, on_none], PostingSetup(), document_no="A", posted_at=_AT)
            )
            _check_output_lists(uow.ledger)
            uow.commit()
        with uow_factory() as uow:
            _check_output_lists(uow.ledger)

    def test_lists_filter_and_keep_entry_order(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch(order_id="PO-1"))
            uow.ledger.append(sample_batch(order_id="PO-2", item_no="WOOD"))
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(sample_batch(order_id="PO-1"))
            ledger = uow.ledger
            assert [e.entry_no for e in ledger.item_entries()] == [1, 2, 3]
            assert [e.entry_no for e in ledger.item_entries(order_id="PO-1")] == [1, 3]
            assert [e.entry_no for e in ledger.item_entries(item_no="WOOD")] == [2]
            assert ledger.item_entries(order_id="PO-1", item_no="WOOD") == []
            assert [e.entry_no for e in ledger.capacity_entries(centre_no="MC-1")] == [1, 2, 3]
            assert [e.entry_no for e in ledger.capacity_entries(centre_no="WC-1")] == [1, 2, 3]
            assert [e.entry_no for e in ledger.capacity_entries(order_id="PO-2")] == [2]
            assert ledger.capacity_entries(centre_no="OTHER") == []
            assert [e.entry_no for e in ledger.value_entries(order_id="PO-1")] == [1, 3]
            assert [
                e.entry_no for e in ledger.value_entries(source=ValueSource.ITEM, source_entry_no=3)
            ] == [3]
            assert [e.entry_no for e in ledger.gl_entries(order_id="PO-2")] == [3, 4]
            assert len(ledger.gl_entries()) == 6

    def test_uncommitted_batches_are_rolled_back(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch())
        with uow_factory() as uow:
            assert uow.ledger.item_entries() == []
            assert uow.ledger.on_hand("STEEL") == 0
            with pytest.raises(NotFoundError):
                uow.ledger.item_entry(1)
            # a store may number again from 1 or leave the rolled-back numbers unused (a gap)
            assert uow.ledger.append(sample_batch()).posting_no in (1, 2)

    def test_an_unbalanced_batch_is_refused(self, uow_factory: UowFactory) -> None:
        good = sample_batch()
        bad = attrs.evolve(good, gl_entries=good.gl_entries[:1])
        with uow_factory() as uow:
            with pytest.raises(UnbalancedEntryError):
                uow.ledger.append(bad)
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.gl_entries() == []

    def test_append_refuses_what_is_not_a_batch(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            for bad in (None, "batch", sample_order()):
                with pytest.raises(InvalidValueError):
                    uow.ledger.append(bad)  # type: ignore[arg-type]

    def test_the_ledger_offers_no_update_or_delete(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            for name in ("update", "delete", "save", "remove", "put"):
                assert not hasattr(uow.ledger, name)

    def test_postings_take_turns_numbering_and_never_conflict(
        self, uow_factory: UowFactory
    ) -> None:
        one = uow_factory()
        numbered: list[PostingBatch] = []

        def post_while_one_holds_the_numbering() -> None:
            with uow_factory() as two:
                numbered.append(two.ledger.append(sample_batch(order_id="PO-2")))
                two.commit()

        with one:
            first = one.ledger.append(sample_batch())
            rival = threading.Thread(target=post_while_one_holds_the_numbering)
            rival.start()
            rival.join(0.2)
            assert rival.is_alive()  # waits for its turn to number: no conflict, no retry
            one.commit()
        rival.join(30)
        assert [first.posting_no, numbered[0].posting_no] == [1, 2]
        with uow_factory() as uow:
            assert [e.entry_no for e in uow.ledger.item_entries()] == [1, 2]
            assert uow.ledger.on_hand("STEEL") == Decimal("-4")

    def test_of_two_posters_in_one_thread_one_is_refused(self, uow_factory: UowFactory) -> None:
        # the second cannot wait for the first (same thread): refused at once or at commit
        one, two = uow_factory(), uow_factory()
        with one, two:
            one.ledger.append(sample_batch())
            with pytest.raises(ConcurrencyError):
                two.ledger.append(sample_batch(order_id="PO-2"))
                one.commit()
                two.commit()
        with uow_factory() as uow:
            assert [e.order_id for e in uow.ledger.item_entries()] in (["PO-1"], [])
            assert uow.ledger.append(sample_batch(order_id="PO-2")).posting_no in (1, 2)
            uow.commit()

    def test_a_refused_posting_changes_no_order_either(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order())
        one, two = uow_factory(), uow_factory()
        with one, two:
            two.orders.save(_next(sample_order(), has_postings=True), expected_version=1)
            one.orders.save(_next(sample_order(), description="first"), expected_version=1)
            one.commit()
            two.ledger.append(sample_batch())
            with pytest.raises(ConcurrencyError):
                two.commit()
        with uow_factory() as uow:
            assert uow.orders.get("PO-1").description == "first"
            assert uow.ledger.item_entries() == []

    def test_reversals_accumulate_reversed_quantity(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("2", "10"))
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("0.5", "2.50", reverses=1))
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.reversed_quantity(ValueSource.ITEM, 1) == Decimal("0.5")
            assert uow.ledger.reversed_quantity(ValueSource.ITEM, 2) == 0
            assert uow.ledger.on_hand("STEEL") == Decimal("-1.5")
            assert uow.ledger.item_entry(2).applies_to_entry_no == 1

    def test_idempotency_keys_are_unique(self, uow_factory: UowFactory) -> None:
        record = IdempotencyRecord("K1", "abc", PostingResult("PostOutput", None))
        with uow_factory() as uow:
            uow.ledger.remember(record)
            with pytest.raises(DuplicateError):
                uow.ledger.remember(record)
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.idempotency("K1") == record
            assert uow.ledger.idempotency("K2") is None
            with pytest.raises(DuplicateError):
                uow.ledger.remember(IdempotencyRecord("K1", "other", PostingResult("X", None)))

    def test_concurrent_units_of_work_cannot_both_claim_a_key(
        self, uow_factory: UowFactory
    ) -> None:
        one, two = uow_factory(), uow_factory()
        with one, two:
            one.ledger.remember(IdempotencyRecord("K", "1", PostingResult("A", None)))
            two.ledger.remember(IdempotencyRecord("K", "2", PostingResult("B", None)))
            one.commit()
            with pytest.raises(ConflictError):
                two.commit()
        with uow_factory() as uow:
            found = uow.ledger.idempotency("K")
            assert found is not None and found.command_hash == "1"

    def test_idempotency_record_with_a_batch_round_trips(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            batch = uow.ledger.append(sample_batch(idempotency_key="K"))
            record = IdempotencyRecord("K", "h", PostingResult("PostOutput", batch, (("PO-1", 2),)))
            uow.ledger.remember(record)
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.idempotency("K") == record
            assert uow.ledger.batch(1).idempotency_key == "K"

    def test_posting_setup_defaults_until_put(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            assert uow.ledger.posting_setup == PostingSetup()
            setup = PostingSetup(wip="9999", variance_accounts=(("MATERIAL", "7892"),))
            uow.ledger.put_posting_setup(setup)
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.posting_setup == setup
            with pytest.raises(InvalidValueError):
                uow.ledger.put_posting_setup("9999")  # type: ignore[arg-type]

    def test_a_late_value_entry_marks_its_item_entry_until_a_batch_clears_it(
        self, uow_factory: UowFactory
    ) -> None:
        from prodcore.ledger.posting import value_batch

        late = ValueEntry(
            0,
            ValueEntryType.DIRECT_COST,
            ValueSource.ITEM,
            Decimal("1.00"),
            Decimal(0),
            currency="EUR",
            item_entry_no=1,
            item_no="STEEL",
            posted_at=_AT,
        )

        def batch(cleared: tuple[int, ...] = ()) -> PostingBatch:
            built = value_batch([late], PostingSetup(), document_no="L", posted_at=_AT)
            return attrs.evolve(built, cost_adjusted=cleared)

        with uow_factory() as uow:
            uow.ledger.append(sample_batch())  # its own value entry marks nothing
            assert uow.ledger.cost_marks() == []
            uow.ledger.append(batch())
            assert uow.ledger.cost_marks() == [1]
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.cost_marks() == [1]
            uow.ledger.append(batch(cleared=(1,)))  # cleared, and marks nothing itself
            assert uow.ledger.cost_marks() == []
        with uow_factory() as uow:  # rolled back: still marked
            assert uow.ledger.cost_marks() == [1]
            clearing = uow.ledger.append(batch(cleared=(1,)))
            uow.commit()
        with uow_factory() as uow:  # (its number: 3, or later where rollbacks leave gaps)
            assert uow.ledger.cost_marks() == []
            assert uow.ledger.batch(clearing.posting_no).cost_adjusted == (1,)


# --- serializable decisions ---------------------------------------------------------------


class _Interleaved:
    """A unit of work that lets a rival command commit in the middle of it: before
    repository call number ``at`` (counting every read, and the commit), or before the
    first ``append`` if that comes first. From its first ``append`` on, a unit of work
    holds the store's numbering, so a rival that posts could only wait for it."""

    def __init__(self, inner: UnitOfWork, rival: Callable[[], object], at: int) -> None:
        self._inner = inner
        self._rival = rival
        self._at = at
        self.calls = 0
        self.rival_result: list[object] = []  # what the rival returned or raised
        self.appended = False

    def _step(self, name: str) -> None:
        if (
            not self.appended
            and not self.rival_result
            and (self.calls >= self._at or name == "append")
        ):
            self.rival_result.append(self._rival())
        self.appended = self.appended or name == "append"
        self.calls += 1

    def _wrap(self, repository: object) -> Any:
        step = self._step

        class Proxy:
            def __getattr__(self, name: str) -> Any:
                step(name)
                return getattr(repository, name)

        return Proxy()

    @property
    def orders(self) -> Any:
        return self._wrap(self._inner.orders)

    @property
    def master_data(self) -> Any:
        return self._wrap(self._inner.master_data)

    @property
    def ledger(self) -> Any:
        return self._wrap(self._inner.ledger)

    def __enter__(self) -> _Interleaved:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)

    def commit(self) -> None:
        self._step("commit")
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()


class _Shop:
    """A shop of its own (names prefixed): component ``C`` with 10 on hand (negative
    inventory refused), two released orders of ``P`` taking one ``C`` each, and a
    capacity journal entry of 60 minutes on work centre ``WC`` (no order)."""

    routed = False

    def __init__(self, factory: UowFactory, prefix: str) -> None:
        from prodcore.app import put_master_data
        from prodcore.clock import FixedClock
        from prodcore.orders.execution import AdjustInventory, AdjustmentLine, PostCapacity
        from prodcore.orders.execution import CapacityLine as Line
        from prodcore.orders.lifecycle import ChangeStatus, CreateOrder

        self.factory, self.p = factory, prefix
        self.clock = FixedClock(_AT)
        # a routing (operation 10 on WC) only where jobs are registered
        routing = Routing(
            f"{prefix}R", (RoutingLine("10", CapacityType.WORK_CENTER, f"{prefix}WC"),)
        )
        put_master_data(
            factory(),
            [
                Item(f"{prefix}C", base_unit="PCS", unit_cost="1"),
                WorkCenter(f"{prefix}WC"),
                *((routing,) if self.routed else ()),
                Item(
                    f"{prefix}P",
                    base_unit="PCS",
                    production_bom_no=f"{prefix}B",
                    routing_no=routing.no if self.routed else None,
                ),
                ProductionBom(f"{prefix}B", (BomLine(f"{prefix}C", Decimal(1)),)),
            ],
            setup=ManufacturingSetup(allow_negative_inventory=False),
        )
        self.run(AdjustInventory(f"{prefix}stock", (AdjustmentLine(f"{prefix}C", 10),)))
        for n in (1, 2):
            order_id = f"{prefix}PO-{n}"
            self.run(CreateOrder(order_id, f"{prefix}P", 10, due_date=dt.date(2026, 3, 9)))
            self.run(ChangeStatus(order_id, OrderStatus.RELEASED))
        minutes = Duration("60", TimeUnit.MINUTE)
        journal = self.run(
            PostCapacity(
                f"{prefix}cap", (Line(CapacityType.WORK_CENTER, f"{prefix}WC", run_time=minutes),)
            )
        )
        assert isinstance(journal, PostingResult) and journal.batch is not None, journal
        self.capacity_entry_no = journal.batch.capacity_entries[0].entry_no

    def consume(self, order: int, key: str) -> Any:
        """Consume all 10 ``C`` for order ``order`` (1 or 2)."""
        from prodcore.orders.execution import ConsumptionLine, PostConsumption

        line = ConsumptionLine(f"{self.p}PO-{order}", 10000, 10000, 10)
        return PostConsumption(f"{self.p}{key}", (line,))

    def reverse(self, key: str) -> Any:
        """Reverse the capacity journal entry."""
        from prodcore.orders.execution import ReverseEntry

        return ReverseEntry(f"{self.p}{key}", ValueSource.CAPACITY, self.capacity_entry_no)

    def run(self, command: Any, uow: Any = None, retries: int = 0) -> object:
        """The command's result, or the prodcore error it raised."""
        from prodcore.app import handle

        try:
            return handle(uow or self.factory(), command, clock=self.clock, retries=retries)
        except ProdcoreError as err:
            return err

    def state(self) -> tuple[object, ...]:
        """What the commands may change: stock of C, quantity reversed of the journal
        entry, time used on WC, item entries of each order."""
        with self.factory() as uow:
            return (
                uow.ledger.on_hand(f"{self.p}C"),
                uow.ledger.reversed_quantity(ValueSource.CAPACITY, self.capacity_entry_no),
                uow.ledger.capacity_used(f"{self.p}WC", _AT.date(), _AT.date()),
                *(len(uow.ledger.item_entries(order_id=f"{self.p}PO-{n}")) for n in (1, 2)),
            )


_PAIRS = ("same stock", "same entry", "unrelated")


def _commands(pair: str, shop: _Shop, other: _Shop) -> tuple[Any, Any]:
    """The command and its rival: both consume the 10 ``C`` of one shop, or both reverse
    the same entry, or they consume in two unrelated shops."""
    if pair == "same stock":
        return shop.consume(1, "a"), shop.consume(2, "b")
    if pair == "same entry":
        return shop.reverse("a"), shop.reverse("b")
    return shop.consume(1, "a"), other.consume(1, "b")


class SerializableDecisionContract(_Base):
    """Whatever a unit of work's decision read still holds when it commits, or the commit
    raises :class:`~prodcore.errors.ConcurrencyError` (``handle(retries=N)`` then decides
    again); work on unrelated orders, items and centres committed meanwhile refuses
    nothing."""

    def _race(self, factory: UowFactory, pair: str, at: int, retries: int) -> tuple[Any, ...]:
        shop = _Shop(factory, f"{pair[:4]}-{at}-{retries}-")
        other = _Shop(factory, f"{pair[:4]}-{at}-{retries}-o-") if pair == "unrelated" else shop
        command, rival = _commands(pair, shop, other)
        runner = other if pair == "unrelated" else shop
        uow = _Interleaved(factory(), lambda: runner.run(rival), at)
        outcome = shop.run(command, uow, retries=retries)
        assert uow.rival_result and not isinstance(uow.rival_result[0], ProdcoreError)
        return outcome, shop, other, uow

    def test_stock_decided_on_cannot_go_negative_through_a_rival_commit(
        self, uow_factory: UowFactory
    ) -> None:
        from prodcore.errors import InsufficientQuantityError

        outcome, shop, _, _ = self._race(uow_factory, "same stock", 10**6, 0)
        assert isinstance(outcome, ConcurrencyError)
        assert shop.state() == (0, 0, 60, 0, 1)  # the rival took the 10; nothing else landed
        again = shop.run(shop.consume(1, "a"), retries=2)
        assert isinstance(again, InsufficientQuantityError)  # decided again: stock is gone
        assert shop.state() == (0, 0, 60, 0, 1)

    def test_an_entry_reversed_by_a_rival_meanwhile_is_not_reversed_twice(
        self, uow_factory: UowFactory
    ) -> None:
        outcome, shop, _, _ = self._race(uow_factory, "same entry", 10**6, 0)
        assert isinstance(outcome, ConcurrencyError)
        assert shop.state()[1:3] == (1, 0)  # reversed once (all of it): the centre nets 0
        assert isinstance(shop.run(shop.reverse("a"), retries=2), ProdcoreError)
        assert shop.state()[1:3] == (1, 0)

    def test_unrelated_work_committed_meanwhile_refuses_nothing(
        self, uow_factory: UowFactory
    ) -> None:
        outcome, shop, other, _ = self._race(uow_factory, "unrelated", 10**6, 0)
        assert isinstance(outcome, PostingResult), outcome
        assert shop.state() == other.state() == (0, 0, 60, 1, 0)

    @pytest.mark.parametrize("pair", _PAIRS)
    def test_a_rival_committing_between_any_read_and_the_commit(
        self, uow_factory: UowFactory, pair: str
    ) -> None:
        """Randomized interleaving: the rival commits before a random repository call of
        the command; the command's outcome and the end state are those of the only
        serial order possible, the rival first."""
        import random

        serial = _Shop(uow_factory, f"{pair[:4]}-serial-")
        serial_other = (
            _Shop(uow_factory, f"{pair[:4]}-serial-o-") if pair == "unrelated" else serial
        )
        command, rival = _commands(pair, serial, serial_other)
        serial_other.run(rival)
        expected_outcome = type(serial.run(command, retries=3))
        expected = (serial.state(), serial_other.state())
        calls = self._race(uow_factory, pair, 10**6, 3)[3].calls
        rng = random.Random()
        for at in sorted(rng.sample(range(calls + 1), min(6, calls + 1))):
            outcome, shop, other, _ = self._race(uow_factory, pair, at, 3)
            assert type(outcome) is expected_outcome, (at, outcome)
            assert (shop.state(), other.state()) == expected, at


def _bin_move(qty: str, from_bin: str, to_bin: str) -> PostingBatch:
    """A transfer of ``qty`` STEEL at MAIN from one bin to another (no value: not needed)."""
    out = ItemLedgerEntry(
        -1,
        ItemEntryType.TRANSFER,
        "STEEL",
        -Decimal(qty),
        unit="KG",
        location_code="MAIN",
        bin_code=from_bin,
        posted_at=_AT,
    )
    into = attrs.evolve(out, entry_no=-2, quantity=Decimal(qty), bin_code=to_bin)
    return PostingBatch.build(document_no="T1", posted_at=_AT, item_entries=(out, into))


class BinContract(_Base):
    """Locations with bins as master data, and on-hand per bin as a running balance."""

    def test_a_location_with_bins_round_trips(self, uow_factory: UowFactory) -> None:
        main = Location("MAIN", bins=(Bin("S-01", description="shelf"), Bin("TO")))
        with uow_factory() as uow:
            uow.master_data.put(main)
            uow.commit()
        with uow_factory() as uow:
            assert uow.master_data.location("MAIN") == main
            assert list(uow.master_data.locations()) == [main]

    def test_on_hand_per_bin_adds_committed_and_staged(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(_bin_move("2.5", "S-01", "TO"))
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(_bin_move("1", "TO", "S-01"))
            ledger = uow.ledger
            assert ledger.on_hand_in_bin("STEEL", "MAIN", "S-01") == Decimal("-1.5")
            assert ledger.on_hand_in_bin("STEEL", "MAIN", "TO") == Decimal("1.5")
            assert ledger.on_hand_in_bin("STEEL", "OTHER", "TO") == 0
            assert ledger.on_hand("STEEL", "MAIN") == 0  # a transfer moves, never adds
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.on_hand_in_bin("STEEL", "MAIN", "TO") == Decimal("1.5")
            assert uow.ledger.item_entries(item_no="STEEL")[0].bin_code == "S-01"

    def test_entries_without_a_bin_count_in_bin_empty(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("2", "10"))
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.on_hand_in_bin("STEEL", "MAIN", "") == Decimal("-2")


def _tracked_batch(*moves: tuple[str, str, str, str, int]) -> PostingBatch:
    """Adjustments of lots / serials: (item, location, lot, serial, signed quantity)."""
    entries = tuple(
        ItemLedgerEntry(
            -(i + 1),
            ItemEntryType.POSITIVE_ADJUSTMENT if qty > 0 else ItemEntryType.NEGATIVE_ADJUSTMENT,
            item_no,
            qty,
            unit="PCS",
            location_code=location,
            lot_no=lot,
            serial_no=serial,
            expiry_date=dt.date(2026, 12, 31) if lot else None,
            posted_at=_AT,
        )
        for i, (item_no, location, lot, serial, qty) in enumerate(moves)
    )
    return PostingBatch.build(document_no="T", posted_at=_AT, item_entries=entries)


class TrackingLedgerContract(_Base):
    """Item tracking queries: on hand per lot / serial and location, the lots of an
    item, and the entries of a lot or serial (committed and staged together)."""

    def test_lot_balances_add_committed_and_staged(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(
                _tracked_batch(("FLOUR", "MAIN", "L1", "", 5), ("FLOUR", "EAST", "L1", "", 2))
            )
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(
                _tracked_batch(("FLOUR", "MAIN", "L1", "", -3), ("FLOUR", "MAIN", "L2", "", 4))
            )
            ledger = uow.ledger
            assert ledger.lot_on_hand("FLOUR", "L1") == 4
            assert ledger.lot_on_hand("FLOUR", "L1", "", "MAIN") == 2
            assert ledger.lot_on_hand("FLOUR", "L1", "", "EAST") == 2
            assert ledger.lot_on_hand("FLOUR", "L3") == 0
            assert [
                (b.location_code, b.lot_no, b.quantity) for b in ledger.lot_balances("FLOUR")
            ] == [
                ("EAST", "L1", Decimal(2)),
                ("MAIN", "L1", Decimal(2)),
                ("MAIN", "L2", Decimal(4)),
            ]
            assert [b.lot_no for b in ledger.lot_balances("FLOUR", "MAIN")] == ["L1", "L2"]
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.lot_on_hand("FLOUR", "L1", "", "MAIN") == 2
            assert uow.ledger.on_hand("FLOUR") == 8

    def test_lots_used_up_are_not_listed(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(
                _tracked_batch(("FLOUR", "", "L1", "", 5), ("FLOUR", "", "L1", "", -5))
            )
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.lot_balances("FLOUR") == []

    def test_tracked_entries_by_lot_and_by_serial(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(
                _tracked_batch(
                    ("BIKE", "", "L1", "SN1", 1),
                    ("BIKE", "", "L1", "SN2", 1),
                    ("BIKE", "", "", "SN3", 1),
                    ("FLOUR", "", "L1", "", 7),
                )
            )
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(_tracked_batch(("BIKE", "", "L1", "SN1", -1)))
            ledger = uow.ledger
            by_lot = ledger.tracked_entries("BIKE", lot_no="L1")
            assert [(e.entry_no, e.serial_no) for e in by_lot] == [
                (1, "SN1"),
                (2, "SN2"),
                (5, "SN1"),
            ]
            by_serial = ledger.tracked_entries("BIKE", serial_no="SN1")
            assert [e.quantity for e in by_serial] == [1, -1]
            assert ledger.tracked_entries("BIKE", lot_no="L2", serial_no="SN1") == []
            assert len(ledger.tracked_entries("BIKE", lot_no="L1", serial_no="SN1")) == 2
            assert ledger.tracked_entries("FLOUR", lot_no="L1")[0].expiry_date == dt.date(
                2026, 12, 31
            )
            assert ledger.lot_on_hand("BIKE", "L1", "SN1") == 0
            assert ledger.lot_on_hand("BIKE", "", "SN3") == 1

    def test_tracked_entries_need_a_lot_or_a_serial(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow, pytest.raises(InvalidValueError):
            uow.ledger.tracked_entries("BIKE")

    def test_untracked_entries_are_in_no_lot(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch())
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.lot_balances("STEEL") == []
            assert uow.ledger.lot_on_hand("STEEL", "") == 0


def sample_moves(
    *moves: tuple[str, str], applies_to: int | None = None, location: str = ""
) -> PostingBatch:
    """An adjustment batch (no value, no G/L): one item entry per ``(item, signed
    quantity)``, numbered locally -1, -2, ... in order.

    >>> batch = sample_moves(("A", "10"), ("B", "-4"))
    >>> [(e.entry_type.name, e.item_no, e.quantity) for e in batch.item_entries]
    [('POSITIVE_ADJUSTMENT', 'A', Decimal('10')), ('NEGATIVE_ADJUSTMENT', 'B', Decimal('-4'))]
    """
    entries = tuple(
        ItemLedgerEntry(
            -n,
            ItemEntryType.POSITIVE_ADJUSTMENT
            if Decimal(q) > 0
            else ItemEntryType.NEGATIVE_ADJUSTMENT,
            item_no,
            Decimal(q),
            unit="PCS",
            location_code=location,
            applies_to_entry_no=applies_to,
            posted_at=_AT,
        )
        for n, (item_no, q) in enumerate(moves, start=1)
    )
    return PostingBatch.build(document_no="MOVE", posted_at=_AT, item_entries=entries)


def _moves(*quantities: str, applies_to: int | None = None, location: str = "") -> PostingBatch:
    """Adjustments of item ``BAR``: one entry per signed quantity."""
    moves = tuple(("BAR", q) for q in quantities)
    return sample_moves(*moves, applies_to=applies_to, location=location)


class ItemApplicationContract(_Base):
    """The store applies each outbound item entry when a batch is appended: to the open
    inbound entries of its item and location, oldest first, or (a reversal) to the entry
    it reverses only; an inbound entry closes open outbound ones first. The remaining
    quantity per entry and the applications read the same staged and committed."""

    @staticmethod
    def _applied(uow: UnitOfWork, entry_no: int) -> list[tuple[int, int, Decimal]]:
        return [
            (a.outbound_entry_no, a.inbound_entry_no, a.quantity)
            for a in uow.ledger.item_applications(entry_no)
        ]

    def test_outbound_entries_take_the_oldest_open_units_first(
        self, uow_factory: UowFactory
    ) -> None:
        with uow_factory() as uow:
            uow.ledger.append(_moves("10", "10", "4", location="MAIN"))  # 3 is elsewhere
            uow.ledger.append(_moves("4"))
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(_moves("-15", location="MAIN"))  # entry 5
            staged = [uow.ledger.remaining_quantity(n) for n in (1, 2, 3, 4, 5)]
            uow.commit()
        with uow_factory() as uow:
            assert [uow.ledger.remaining_quantity(n) for n in (1, 2, 3, 4, 5)] == staged
            assert staged == [Decimal(q) for q in (0, 5, 4, 4, 0)]
            assert self._applied(uow, 5) == [(5, 1, Decimal(10)), (5, 2, Decimal(5))]
            assert self._applied(uow, 2) == [(5, 2, Decimal(5))]
            assert uow.ledger.open_entries("BAR", "MAIN", True) == [
                (2, Decimal(5)),
                (3, Decimal(4)),
            ]

    def test_an_outbound_entry_with_nothing_open_waits_for_the_next_receipt(
        self, uow_factory: UowFactory
    ) -> None:
        with uow_factory() as uow:
            uow.ledger.append(_moves("-5"))
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.remaining_quantity(1) == -5
            uow.ledger.append(_moves("8"))
            assert uow.ledger.open_entries("BAR", "", True) == [(2, Decimal(3))]
            uow.commit()
        with uow_factory() as uow:
            assert (uow.ledger.remaining_quantity(1), uow.ledger.remaining_quantity(2)) == (
                Decimal(0),
                Decimal(3),
            )
            assert self._applied(uow, 1) == [(1, 2, Decimal(5))]

    def test_a_reversal_is_applied_to_the_entry_it_reverses_only(
        self, uow_factory: UowFactory
    ) -> None:
        with uow_factory() as uow:
            uow.ledger.append(_moves("10", "10"))
            uow.ledger.append(_moves("-3", applies_to=2))
            uow.commit()
        with uow_factory() as uow:
            assert [uow.ledger.remaining_quantity(n) for n in (1, 2, 3)] == [
                Decimal(q) for q in (10, 7, 0)
            ]
            assert self._applied(uow, 3) == [(3, 2, Decimal(3))]

    def test_inventory_value_adds_committed_and_staged_item_values(
        self, uow_factory: UowFactory
    ) -> None:
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("2", "10.50"))  # consumption: -10.50
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(sample_batch("0.5", "2.25", reverses=1))
            assert uow.ledger.inventory_value("STEEL") == Decimal("-8.25")
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.inventory_value("STEEL") == Decimal("-8.25")
            assert uow.ledger.inventory_value("NONE") == 0

    def test_rolled_back_applications_leave_nothing(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            uow.ledger.append(_moves("10"))
            uow.commit()
        with uow_factory() as uow:
            uow.ledger.append(_moves("-10"))
            assert uow.ledger.remaining_quantity(1) == 0
        with uow_factory() as uow:
            assert uow.ledger.remaining_quantity(1) == 10
            assert uow.ledger.item_applications(1) == []
            assert uow.ledger.open_entries("BAR", "", True) == [(1, Decimal(10))]


def _allocation(
    order_id: str = "PO-1", hour: int = 8, run: Decimal | str = "60.00000"
) -> Allocation:
    start = dt.datetime(2026, 3, 2, hour, tzinfo=dt.UTC)
    return Allocation(
        order_id=order_id,
        status=OrderStatus.RELEASED,
        line_no=10000,
        operation_no="10",
        type=CapacityType.WORK_CENTER,
        no="WC-1",
        work_center_no="WC-1",
        date=start.date(),
        starting=start,
        ending=start + dt.timedelta(hours=1),
        setup=Decimal("0"),
        run=Decimal(run),
    )


class AllocationRepositoryContract(_Base):
    """Stored capacity allocations (``uow.orders.allocations``/``put_allocations``):
    kept per order as written, replaced whole, removed with the order, and the finite
    schedule of a store never double-books a centre."""

    def test_allocations_round_trip_equal_and_in_order(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order("PO-1"), sample_order("PO-2"))
        first = (_allocation("PO-1", 9), _allocation("PO-1", 8, "30.50000"))
        with uow_factory() as uow:
            uow.orders.put_allocations("PO-2", (_allocation("PO-2"),))
            uow.orders.put_allocations("PO-1", first)
            assert uow.orders.allocations("PO-1") == first
            uow.commit()
        with uow_factory() as uow:
            assert uow.orders.allocations("PO-1") == first
            assert str(uow.orders.allocations("PO-1")[1].run) == "30.50000"
            assert uow.orders.allocations() == (*first, _allocation("PO-2"))
            assert uow.orders.allocations("PO-3") == ()

    def test_put_replaces_and_empty_removes(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order("PO-1"))
        with uow_factory() as uow:
            uow.orders.put_allocations("PO-1", (_allocation(), _allocation(hour=9)))
            uow.commit()
        with uow_factory() as uow:
            uow.orders.put_allocations("PO-1", (_allocation(hour=10),))
            uow.commit()
        with uow_factory() as uow:
            assert uow.orders.allocations("PO-1") == (_allocation(hour=10),)
            uow.orders.put_allocations("PO-1", ())
            assert uow.orders.allocations() == ()
            uow.commit()
        with uow_factory() as uow:
            assert uow.orders.allocations("PO-1") == ()

    def test_uncommitted_allocations_are_rolled_back(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order("PO-1"))
        with uow_factory() as uow:
            uow.orders.put_allocations("PO-1", (_allocation(),))
        with uow_factory() as uow:
            assert uow.orders.allocations() == ()

    def test_refusals_change_nothing(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order("PO-1"))
        with uow_factory() as uow:
            with pytest.raises(NotFoundError):
                uow.orders.put_allocations("PO-9", (_allocation("PO-9"),))
            with pytest.raises(InvalidValueError):
                uow.orders.put_allocations("PO-1", (_allocation("PO-2"),))
            with pytest.raises(InvalidValueError):
                uow.orders.put_allocations("PO-1", ("not an allocation",))  # type: ignore[arg-type]
            uow.commit()
        with uow_factory() as uow:
            assert uow.orders.allocations() == ()

    def test_deleting_the_order_removes_its_allocations(self, uow_factory: UowFactory) -> None:
        self.add(uow_factory, sample_order("PO-1"))
        with uow_factory() as uow:
            uow.orders.put_allocations("PO-1", (_allocation(),))
            uow.commit()
        with uow_factory() as uow:
            uow.orders.delete("PO-1", expected_version=1)
            uow.commit()
        self.add(uow_factory, sample_order("PO-1"))
        with uow_factory() as uow:
            assert uow.orders.allocations("PO-1") == ()

    def test_allocations_read_then_changed_by_a_rival_refuse_the_commit(
        self, uow_factory: UowFactory
    ) -> None:
        self.add(uow_factory, sample_order("PO-1"), sample_order("PO-2"))
        with uow_factory() as uow:
            assert uow.orders.allocations() == ()
            with uow_factory() as rival:
                rival.orders.put_allocations("PO-2", (_allocation("PO-2"),))
                rival.commit()
            uow.orders.put_allocations("PO-1", (_allocation(),))
            with pytest.raises(ConcurrencyError):
                uow.commit()
        with uow_factory() as uow:
            assert uow.orders.allocations() == (_allocation("PO-2"),)

    def test_finite_schedules_through_the_store_never_double_book(
        self, uow_factory: UowFactory
    ) -> None:
        """08-16 calendar, 60 min a unit: X (7 units from Mon 09:00) fills Mon 09-16; Y
        (2 units, finite from Mon 08:00) takes Mon 08-09 and Tue 08-09; Z (1 unit, finite
        from Mon 08:00) goes to Tue 09-10, not on top of Y."""
        from prodcore.app import handle, put_master_data, store_load_view
        from prodcore.clock import FixedClock
        from prodcore.commands import ScheduleOrder
        from prodcore.orders.lifecycle import CreateOrder

        monday = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
        clock = FixedClock(monday)
        put_master_data(
            uow_factory(),
            [
                ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16))),
                WorkCenter("SAW", calendar_code="DAY"),
                Routing(
                    "R",
                    (RoutingLine("10", CapacityType.WORK_CENTER, "SAW", run_time=Duration(60)),),
                ),
                Item("SHELF", base_unit="PCS", routing_no="R"),
            ],
        )
        due = dt.date(2026, 3, 13)
        for order_id, quantity in (("X", 7), ("Y", 2), ("Z", 1)):
            handle(
                uow_factory(), CreateOrder(order_id, "SHELF", quantity, due_date=due), clock=clock
            )
        finite = CapacityMode.FINITE
        forward = Direction.FORWARD
        handle(
            uow_factory(),
            ScheduleOrder("X", forward, finite, anchor=monday + dt.timedelta(hours=1)),
            clock=clock,
        )
        handle(uow_factory(), ScheduleOrder("Y", forward, finite, anchor=monday), clock=clock)
        handle(uow_factory(), ScheduleOrder("Z", forward, finite, anchor=monday), clock=clock)
        with uow_factory() as uow:
            spans = {
                o.id: [
                    (a.starting.isoformat()[5:16], a.ending.isoformat()[11:16])
                    for a in uow.orders.allocations(o.id)
                ]
                for o in uow.orders.list()
            }
        assert spans == {
            "X": [("03-02T09:00", "16:00")],
            "Y": [("03-02T08:00", "09:00"), ("03-03T08:00", "09:00")],
            "Z": [("03-03T09:00", "10:00")],
        }
        view = store_load_view(uow_factory(), start=monday.date(), end=dt.date(2026, 3, 4))
        assert [(r.period_start.isoformat(), r.load_percent_display) for r in view.rows] == [
            ("2026-03-02", "100.0"),
            ("2026-03-03", "25.0"),
        ]


class WrongTypeContract(_Base):
    """What a store takes it can read back as it was: a str where an enum belongs, a
    naive datetime, None or a number for a text is refused with
    :class:`~prodcore.errors.InvalidValueError` when staged (attrs does not check
    annotations), the same on every store, and nothing of it is committed."""

    _NAIVE = dt.datetime(2026, 3, 2, 8, 30)  # noqa: DTZ001 (the naive moment refused)

    @pytest.mark.parametrize(
        "change",
        [
            {"status": "RELEASED"},
            {"starting": _NAIVE},
            {"description": None},
            {"item_no": 7},
        ],
        ids=["str-status", "naive-starting", "none-description", "int-item-no"],
    )
    def test_an_order_with_a_wrong_type_is_refused(
        self, uow_factory: UowFactory, change: dict[str, Any]
    ) -> None:
        with uow_factory() as uow:
            uow.orders.add(sample_order("PO-OK"))
            uow.commit()
        bad = attrs.evolve(sample_order("PO-BAD"), **change)
        with uow_factory() as uow:
            with pytest.raises(InvalidValueError):
                uow.orders.add(bad)
            with pytest.raises(InvalidValueError):
                uow.orders.save(
                    attrs.evolve(uow.orders.get("PO-OK"), version=2, **change),
                    expected_version=1,
                )
            uow.commit()
        with uow_factory() as uow:
            assert [o.id for o in uow.orders.list()] == ["PO-OK"]
            assert uow.orders.get("PO-OK") == sample_order("PO-OK")

    def test_a_batch_with_a_naive_or_mistyped_entry_is_refused(
        self, uow_factory: UowFactory
    ) -> None:
        good = sample_batch()
        naive = attrs.evolve(
            good, item_entries=(attrs.evolve(good.item_entries[0], posted_at=self._NAIVE),)
        )
        str_type = attrs.evolve(
            good,
            item_entries=(
                attrs.evolve(good.item_entries[0], entry_type="CONSUMPTION"),  # type: ignore[arg-type]
            ),
        )
        with uow_factory() as uow:
            for bad in (naive, str_type):
                with pytest.raises(InvalidValueError):
                    uow.ledger.append(bad)
            uow.commit()
        with uow_factory() as uow:
            assert uow.ledger.append(good).posting_no == 1  # nothing numbered before

    def test_a_record_with_a_wrong_type_is_refused(self, uow_factory: UowFactory) -> None:
        item = attrs.evolve(Item("A", base_unit="PCS"), blocked=1)  # type: ignore[arg-type]
        with uow_factory() as uow:
            with pytest.raises(InvalidValueError):
                uow.master_data.put(item)
            uow.commit()
        with uow_factory() as uow, pytest.raises(NotFoundError):
            uow.master_data.item("A")


class JobRegistrationContract(_Base):
    """Job registrations are stored with their order and read back equal (open, paused
    and stopped ones, moments in their zone, quantities with trailing zeros), per order,
    per worker and per centre."""

    def test_registrations_round_trip_and_are_found(self, uow_factory: UowFactory) -> None:
        stopped = Registration(
            "PO-1",
            10000,
            "10",
            "ANNA",
            _AT,
            pauses=((_AT + dt.timedelta(hours=1), _AT + dt.timedelta(minutes=75)),),
            stopped_at=_AT + dt.timedelta(minutes=90),
            output_quantity=Decimal("4.00"),
            scrap_quantity=Decimal("0.5"),
        )
        paused = Registration(
            "PO-1",
            10000,
            "10",
            "BEN",
            _AT.astimezone(zoneinfo.ZoneInfo("Europe/Berlin")),
            setup=True,
            pauses=((_AT + dt.timedelta(minutes=5), None),),
        )
        order = attrs.evolve(sample_order("PO-1"), registrations=(stopped, paused))
        self.add(uow_factory, order, sample_order("PO-2"))
        with uow_factory() as uow:
            assert uow.orders.get("PO-1").registrations == (stopped, paused)
            assert str(uow.orders.get("PO-1").registrations[0].output_quantity) == "4.00"
            orders = uow.orders.list()
            assert find_registrations(orders, worker="BEN") == (paused,)
            assert find_registrations(orders, centre="WC-1") == (stopped, paused)
            assert find_registrations(orders, centre="WC-2") == ()
            assert uow.orders.get("PO-2").registrations == ()


class _JobShop(_Shop):
    """A :class:`_Shop` whose item ``P`` is made on operation ``10`` of work centre
    ``WC``: both orders can take job registrations."""

    routed = True

    def job(self, order: int, worker: str, kind: str, minutes: int, key: str) -> Any:
        """``worker``'s event ``kind`` on operation 10 of order ``order``, ``minutes``
        after 08:00."""
        from prodcore.orders.registering import RegisterJobEvent
        from prodcore.orders.registration import JobEvent, JobEventType

        at = _AT + dt.timedelta(minutes=minutes)
        event = JobEvent(
            f"{self.p}PO-{order}", 10000, "10", f"{self.p}{worker}", JobEventType(kind), at
        )
        return RegisterJobEvent(f"{self.p}{key}", event)

    def registrations(self, worker: str) -> tuple[tuple[str, bool], ...]:
        """(order id, open) of each of ``worker``'s registrations, from the index."""
        with self.factory() as uow:
            regs = uow.orders.registrations(f"{self.p}{worker}")
        return tuple((r.order_id.removeprefix(self.p), r.is_open) for r in regs)


class WorkerRegistrationContract(_Base):
    """A worker's registrations are indexed per worker across orders: a worker registered
    on one order cannot start on another meanwhile, and the check is serializable (a
    rival registration of the same worker committed between the read and the commit
    refuses the commit; one of another worker refuses nothing)."""

    def test_a_worker_on_one_order_cannot_start_on_another(self, uow_factory: UowFactory) -> None:
        from prodcore.errors import NotAllowedError

        shop = _JobShop(uow_factory, "wx-")
        assert isinstance(shop.run(shop.job(1, "ANNA", "START", 0, "s1")), PostingResult)
        refused = shop.run(shop.job(2, "ANNA", "START", 30, "s2"))
        assert isinstance(refused, NotAllowedError), refused
        assert "still registered on wx-PO-1" in str(refused)
        assert shop.registrations("ANNA") == (("PO-1", True),)
        assert isinstance(shop.run(shop.job(1, "ANNA", "STOP", 60, "e1")), PostingResult)
        assert isinstance(shop.run(shop.job(2, "ANNA", "START", 60, "s3")), PostingResult)
        assert shop.registrations("ANNA") == (("PO-1", False), ("PO-2", True))
        with uow_factory() as uow:
            (open_one,) = uow.orders.registrations("wx-ANNA", after=_AT + dt.timedelta(hours=2))
            assert open_one.order_id == "wx-PO-2"
            assert uow.orders.registrations("wx-BEN") == ()

    @staticmethod
    def _calls(uow_factory: UowFactory, prefix: str) -> int:
        """How many repository calls (the commit included) a start makes."""
        alone = _JobShop(uow_factory, prefix)
        counting = _Interleaved(uow_factory(), lambda: None, 10**6)
        assert isinstance(
            alone.run(alone.job(2, "ANNA", "START", 30, "mine"), counting), PostingResult
        )
        return counting.calls

    def test_a_rival_registration_of_the_worker_meanwhile_refuses_the_commit(
        self, uow_factory: UowFactory
    ) -> None:
        """The rival (the worker starts on order 1) commits before each repository call
        of the command in turn (the worker starts on order 2), the commit included: the
        command sees it and is refused, or its commit is; never both registrations."""
        from prodcore.errors import NotAllowedError

        for at in range(self._calls(uow_factory, "wc1-")):
            shop = _JobShop(uow_factory, f"wr{at}-")
            rival = shop.job(1, "ANNA", "START", 0, "rival")
            uow = _Interleaved(uow_factory(), functools.partial(shop.run, rival), at)
            outcome = shop.run(shop.job(2, "ANNA", "START", 30, "mine"), uow)
            assert uow.rival_result and isinstance(uow.rival_result[0], PostingResult)
            assert isinstance(outcome, NotAllowedError | ConcurrencyError), (at, outcome)
            assert shop.registrations("ANNA") == (("PO-1", True),)
            again = shop.run(shop.job(2, "ANNA", "START", 30, "mine"), retries=2)
            assert isinstance(again, NotAllowedError)

    def test_a_rival_registration_of_another_worker_refuses_nothing(
        self, uow_factory: UowFactory
    ) -> None:
        shop = _JobShop(uow_factory, "wo-")
        last = self._calls(uow_factory, "wc2-") - 1  # the rival commits just before the commit
        uow = _Interleaved(
            uow_factory(), lambda: shop.run(shop.job(1, "BEN", "START", 0, "rival")), last
        )
        outcome = shop.run(shop.job(2, "ANNA", "START", 30, "mine"), uow)
        assert isinstance(outcome, PostingResult), outcome
        assert shop.registrations("ANNA") == (("PO-2", True),)
        assert shop.registrations("BEN") == (("PO-1", True),)


class PostingsByWhoContract(_Base):
    """The store finds postings by who posted them and through what (an index, not a
    read of every batch), committed and staged ones alike, in number order."""

    def test_postings_are_found_by_user_and_source(self, uow_factory: UowFactory) -> None:
        who = (("anna", "terminal-3"), ("ben", "mes"), (None, None), ("anna", "mes"))
        with uow_factory() as uow:
            for user, source in who[:3]:
                uow.ledger.append(attrs.evolve(sample_batch(), user=user, source=source))
            uow.commit()
        with uow_factory() as uow:
            staged = uow.ledger.append(attrs.evolve(sample_batch(), user="anna", source="mes"))
            ledger = uow.ledger

            def nos(**who: str) -> list[int]:
                return [b.posting_no for b in ledger.batches(**who)]

            assert nos() == [1, 2, 3, 4]
            assert nos(user="anna") == [1, staged.posting_no]
            assert nos(source="mes") == [2, 4]
            assert nos(user="anna", source="mes") == [4]
            assert nos(user="carl") == []
            assert ledger.batches(user="ben")[0] == ledger.batch(2)  # with its entries
            with pytest.raises(InvalidValueError):
                ledger.batches(user=1)  # type: ignore[arg-type]
            uow.commit()
        with uow_factory() as uow:
            assert [b.posting_no for b in uow.ledger.batches(user="anna")] == [1, 4]


class StoreContract(
    WrongTypeContract,
    MasterDataRepositoryContract,
    OrderRepositoryContract,
    UnitOfWorkContract,
    LedgerRepositoryContract,
    SerializableDecisionContract,
    BinContract,
    TrackingLedgerContract,
    ItemApplicationContract,
    AllocationRepositoryContract,
    JobRegistrationContract,
    WorkerRegistrationContract,
    PostingsByWhoContract,
):
    """All contracts of a complete store."""
