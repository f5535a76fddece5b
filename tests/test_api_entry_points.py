"""The Python API for callers without a type checker (notebooks, services): a value of
the wrong kind is refused with a typed error that says what to pass, and nothing changes."""

from __future__ import annotations

import datetime as dt
import enum
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.adapters import open_store
from prodcore.app import calculate_consumption_lines, handle, store_load_view
from prodcore.commands import ScheduleOrder
from prodcore.costing.allocation import CoProduct
from prodcore.errors import InvalidValueError, NotAllowedError, NotFoundError, StoreError
from prodcore.ledger.model import ValueSource
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import (
    CapacityType,
    CostingMethod,
    FlushingMethod,
    Item,
    ManufacturingSetup,
    RoutingLine,
)
from prodcore.numbers import Duration, Rounding, TimeUnit, check_member
from prodcore.orders.journals import (
    CapacityLine,
    ConsumptionLine,
    PostConsumption,
    PostOutput,
    ReverseEntry,
)
from prodcore.orders.lifecycle import AddComponent, ChangeStatus, CreateOrder
from prodcore.orders.model import Component, Operation, OrderLine, OrderStatus, ProductionOrder
from prodcore.ports import LedgerRepository, MasterDataRepository, OrderRepository, UnitOfWork
from prodcore.scheduling import Period
from prodcore.testing.shop import DUE, Shop

# --- enums: the member only; its value string, an int or a bool are refused -----------


@pytest.mark.parametrize(
    ("build", "field", "hint"),
    [
        (lambda v: ChangeStatus("PO-1", v), "to_status", "OrderStatus"),
        (lambda v: ReverseEntry("K", v, 1), "source", "ValueSource"),
        (lambda v: CapacityLine(v, "WC"), "type", "CapacityType"),
        (lambda v: ScheduleOrder("PO-1", direction=v), "direction", "Direction"),
        (lambda v: Item("P", base_unit="PCS", costing_method=v), "costing_method", "CostingMethod"),
        (lambda v: RoutingLine("10", v, "WC"), "type", "CapacityType"),
        (lambda v: ManufacturingSetup(default_flushing_method=v), "default_flushing_method", ""),
        (lambda v: AddComponent("PO-1", 10000, "C", 1, flushing_method=v), "flushing_method", ""),
        (lambda v: Duration(5, v), "unit", "TimeUnit"),
        (lambda v: Rounding(Decimal("0.01"), v), "mode", "RoundingMode"),
        (lambda v: CoProduct("P", 10, kind=v), "kind", "ProductKind"),
    ],
)
@pytest.mark.parametrize("value", [0, 1, True, 2.5, object()])
def test_a_non_member_where_an_enum_belongs_is_an_invalid_value(
    build: Any, field: str, hint: str, value: object
) -> None:
    with pytest.raises(InvalidValueError) as err:
        build(value)
    assert err.value.field == field
    assert f"pass a {hint}" in str(err.value) or f"pass an {hint}" in str(err.value)
    assert "one of " in str(err.value)  # the allowed values are listed


def test_a_duration_in_a_unit_string_is_refused_where_it_was_an_attribute_error() -> None:
    with pytest.raises(InvalidValueError, match=r"TimeUnit\('MIN'\) or TimeUnit.MINUTE"):
        Duration(5, "MIN")  # type: ignore[arg-type]
    assert str(Duration(5, TimeUnit("MIN"))) == "5 MIN"


def test_an_int_is_no_longer_taken_as_capacity() -> None:
    with pytest.raises(InvalidValueError, match=r"ValueSource\.CAPACITY"):
        ReverseEntry("K", 1, 5)  # type: ignore[arg-type]
    assert ReverseEntry("K", ValueSource.CAPACITY, 5).source is ValueSource.CAPACITY


def test_the_value_string_of_an_enum_is_refused_with_the_explicit_conversion() -> None:
    with pytest.raises(InvalidValueError) as err:
        ChangeStatus("PO-1", "RELEASED")  # type: ignore[arg-type]
    assert "OrderStatus('RELEASED') or OrderStatus.RELEASED" in str(err.value)
    # the explicit conversion is what the message says to do
    assert ChangeStatus("PO-1", OrderStatus("RELEASED")).to_status is OrderStatus.RELEASED
    with pytest.raises(InvalidValueError, match="not_a_status"):
        ChangeStatus("PO-1", "not_a_status")  # type: ignore[arg-type]


def test_optional_enum_fields_accept_none_and_members() -> None:
    assert AddComponent("PO-1", 10000, "C", 1).flushing_method is None
    line = AddComponent("PO-1", 10000, "C", 1, flushing_method=FlushingMethod.BACKWARD)
    assert line.flushing_method is FlushingMethod.BACKWARD
    assert Item("P", base_unit="PCS", costing_method=CostingMethod.AVERAGE).costing_method
    assert Rounding(Decimal("0.01")).mode  # the default member passes its own validator


# --- tuples: a list, a str or a set is refused, naming the field -------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([ConsumptionLine("PO-1", 10000, 10000, 1)], "a list; pass a tuple of ConsumptionLine"),
        ("lines", "a str; pass a tuple of ConsumptionLine"),
        ((ConsumptionLine("PO-1", 10000, 10000, 1), "x"), "a str in a tuple of ConsumptionLine"),
        (None, "a NoneType; pass a tuple"),
    ],
)
def test_a_tuple_field_refuses_other_kinds_with_an_invalid_value(
    value: object, reason: str
) -> None:
    with pytest.raises(InvalidValueError) as err:
        PostConsumption("K", value)  # type: ignore[arg-type]
    assert err.value.field == "lines"
    assert reason in str(err.value)
    assert not isinstance(err.value, TypeError)  # no attrs TypeError any more


def test_a_list_refusal_says_how_to_convert() -> None:
    with pytest.raises(InvalidValueError, match=r"tuple\(lines\)"):
        PostOutput("K", [])  # type: ignore[arg-type]


# --- a refused entry point changes nothing -----------------------------------------------


def test_a_refused_command_leaves_the_store_usable_and_unchanged() -> None:
    shop = Shop([Item("P", base_unit="PCS")])
    shop.create("PO-1", "P", 1)
    before = shop.snapshot()
    with pytest.raises(InvalidValueError):
        shop.apply(ChangeStatus("PO-1", "RELEASED"))  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        shop.post(PostConsumption("K", []))  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="not a unit of work"):
        handle(shop.store, CreateOrder("PO-2", "P", 1, due_date=DUE), clock=shop.clock)  # type: ignore[call-overload]
    assert shop.snapshot() == before
    assert shop.release("PO-1").order is not None  # later calls still work


# --- stores ------------------------------------------------------------------------------


def test_a_postgresql_url_without_the_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    with pytest.raises(StoreError, match=r"pip install 'prodcore\[postgres\]'"):
        open_store("postgresql://nobody@localhost/none")


# --- consumption lines by item -----------------------------------------------------------


def _order() -> ProductionOrder:
    """TABLE from LEG (twice: at operations 10 and 20) and TOP; a second line uses TOP."""
    ops = tuple(
        Operation(no, CapacityType.WORK_CENTER, "WC", "WC", routing_link_code=link)
        for no, link in (("10", "L10"), ("20", "L20"))
    )
    table = OrderLine(
        10000,
        "TABLE",
        "1",
        components=(
            Component(10000, "LEG", "PCS", "2", "2", routing_link_code="L10"),
            Component(20000, "LEG", "PCS", "2", "2", routing_link_code="L20"),
            Component(30000, "TOP", "PCS", "1", "1"),
        ),
        operations=ops,
    )
    shelf = OrderLine(20000, "SHELF", "1", components=(Component(10000, "TOP", "PCS", "1", "1"),))
    return ProductionOrder(
        "PO-1",
        OrderStatus.RELEASED,
        "TABLE",
        "1",
        due_date=dt.date(2026, 3, 9),
        lines=(table, shelf),
    )


def test_a_consumption_line_by_item_resolves_to_its_component_line() -> None:
    order = _order()
    by_op = ConsumptionLine.for_item(order, "LEG", "2", operation_no="20")
    assert (by_op.line_no, by_op.component_line_no, by_op.quantity) == (10000, 20000, Decimal(2))
    by_line = ConsumptionLine.for_item(order, "TOP", "1", line_no=20000)
    assert (by_line.line_no, by_line.component_line_no) == (20000, 10000)


@pytest.mark.parametrize(
    ("item", "kw", "lines"),
    [("LEG", {}, "10000/10000, 10000/20000"), ("TOP", {}, "10000/30000, 20000/10000")],
)
def test_an_item_on_several_component_lines_is_refused_naming_them(
    item: str, kw: dict[str, Any], lines: str
) -> None:
    with pytest.raises(NotAllowedError) as err:
        ConsumptionLine.for_item(_order(), item, "1", **kw)
    assert lines in str(err.value)


def test_an_item_the_order_does_not_use_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="operation 30"):
        ConsumptionLine.for_item(_order(), "LEG", "1", operation_no="30")
    with pytest.raises(NotFoundError, match="'SCREW'"):
        ConsumptionLine.for_item(_order(), "SCREW", "1")


# --- the reading methods hosts call are documented ---------------------------------------


@pytest.mark.parametrize(
    "protocol",
    [LedgerReader, LedgerRepository, MasterDataRepository, OrderRepository, UnitOfWork],
)
def test_every_public_method_of_the_ports_has_a_docstring(protocol: type) -> None:
    members = {
        name: member.fget if isinstance(member, property) else member
        for name, member in vars(protocol).items()
        if (not name.startswith("_") or name in ("__enter__", "__exit__"))
        and (callable(member) or isinstance(member, property))
    }
    assert members  # the protocol declares methods
    assert [name for name, f in members.items() if not (f.__doc__ or "").strip()] == []


def test_query_functions_refuse_a_string_where_an_enum_belongs() -> None:
    with open_store("memory:") as new_uow:
        with pytest.raises(InvalidValueError, match=r"Period\('DAY'\)"):
            store_load_view(
                new_uow(),
                start=dt.date(2026, 3, 2),
                end=dt.date(2026, 3, 9),
                period="DAY",  # type: ignore[arg-type]
            )
        with pytest.raises(InvalidValueError, match="basis"):
            calculate_consumption_lines(new_uow(), [], basis="EXPECTED_OUTPUT")  # type: ignore[arg-type]
        view = store_load_view(
            new_uow(), start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 9), period=Period.WEEK
        )
        assert view.period is Period.WEEK


ENUMS = [OrderStatus, ValueSource, CapacityType, FlushingMethod, TimeUnit, Period, CostingMethod]


@given(
    enum_cls=st.sampled_from(ENUMS),
    value=st.one_of(st.integers(), st.booleans(), st.text(), st.none(), st.floats(allow_nan=False)),
)
def test_check_member_refuses_every_non_member_naming_the_field(
    enum_cls: type[enum.Enum], value: object
) -> None:
    with pytest.raises(InvalidValueError) as err:
        check_member(value, enum_cls, "the_field")
    assert err.value.field == "the_field" and enum_cls.__name__ in str(err.value)


@given(data=st.data(), enum_cls=st.sampled_from(ENUMS))
def test_check_member_returns_every_member_unchanged(
    data: st.DataObject, enum_cls: type[enum.Enum]
) -> None:
    member = data.draw(st.sampled_from(list(enum_cls)))
    assert check_member(member, enum_cls, "the_field") is member
