"""Round trips through the owned converter for every record type, and its refusals."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.commands import LEGACY_TAGS, TAGGED_UNIONS, WIRE_TAGS
from prodcore.errors import InvalidValueError
from prodcore.masterdata import Item, ManufacturingSetup, MasterData
from prodcore.numbers import Duration, Money, Quantity
from prodcore.orders.explosion import explode_order_lines
from prodcore.orders.lifecycle import (
    AddComponent,
    ChangeComponent,
    ChangeOperation,
    ChangeOrder,
    ChangeStatus,
    CreateOrder,
    DeleteOrder,
    LifecycleCommand,
    LifecycleEvent,
    OrderCreated,
    RefreshOrder,
    RemoveComponent,
    decide,
)
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRecord
from prodcore.serialization import dumps, loads, make_converter, to_jsonable
from prodcore.testing.strategies import dates, decimals, durations, master_data, money, quantities

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)


@given(st.one_of(quantities(), money(), durations()))
def test_value_objects_round_trip_with_exponent_kept(value: Quantity | Money | Duration) -> None:
    text = dumps(value)
    back = loads(text, type(value))
    assert back == value
    assert str(back.amount) == str(value.amount)  # "10.50" stays "10.50"


@given(master_data())
def test_every_master_data_record_round_trips(md: MasterData) -> None:
    records: list[MasterDataRecord] = [
        *md.items.values(),
        *md.boms.values(),
        *md.routings.values(),
        *md.work_centers.values(),
        *md.machine_centers.values(),
    ]
    for record in records:
        assert loads(dumps(record), MasterDataRecord) == record
        assert loads(dumps(record), type(record)) == record
    assert loads(dumps(md.setup), ManufacturingSetup) == md.setup


@given(master_data(), decimals(min_value=1, max_value=500, places=2), dates())
def test_orders_and_their_events_round_trip(
    md: MasterData, quantity: Decimal, due: dt.date
) -> None:
    produced = [i for i in md.items.values() if i.production_bom_no]
    item = produced[0] if produced else next(iter(md.items.values()))
    (event,) = decide(
        None, CreateOrder("PO-1", item.no, quantity, due_date=due, make_to_order=True), md, AT
    )
    assert loads(dumps(event), LifecycleEvent) == event
    assert isinstance(event, OrderCreated)
    order = event.order
    assert loads(dumps(order), ProductionOrder) == order
    lines = explode_order_lines(item.no, quantity, md, due_date=due)
    assert len(lines) >= 1


COMMANDS: list[LifecycleCommand] = [
    CreateOrder(
        "PO-1",
        "A",
        Decimal("2.50"),
        due_date=dt.date(2026, 1, 2),
        status=OrderStatus.SIMULATED,
        make_to_order=True,
    ),
    RefreshOrder("PO-1"),
    ChangeOrder("PO-1", quantity=Decimal(3), due_date=dt.date(2026, 2, 1)),
    ChangeStatus("PO-1", OrderStatus.RELEASED, "go"),
    AddComponent("PO-1", 10000, "X", Decimal("0.125"), unit="BOX"),
    ChangeComponent("PO-1", 10000, 20000, scrap_percent=Decimal(3)),
    RemoveComponent("PO-1", 10000, 20000),
    ChangeOperation("PO-1", 10000, "10", run_time=Duration("1.5")),
    DeleteOrder("PO-1"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: type(c).__name__)
def test_commands_round_trip_with_a_stable_tag(command: LifecycleCommand) -> None:
    data = to_jsonable(command)
    assert data["type"] == WIRE_TAGS[type(command)]
    assert data["type"].startswith("order.")
    assert loads(json.dumps(data), LifecycleCommand) == command
    # stored before the wire tags: tagged with the class name, still read
    old = {**data, "type": type(command).__name__}
    assert loads(json.dumps(old), LifecycleCommand) == command


@pytest.mark.parametrize(
    "payload",
    [
        '{"amount": 1.5, "currency": "EUR"}',  # a float
        '{"amount": "NaN", "currency": "EUR"}',
        '{"amount": "1", "currency": "EUR", "extra": 1}',  # unknown key
        '{"amount": "1"}',  # missing key
        '{"amount": true, "currency": "EUR"}',
        "not json",
        "[1, 2]",
    ],
)
def test_bad_json_is_a_typed_error(payload: str) -> None:
    with pytest.raises(InvalidValueError):
        loads(payload, Money)


def test_unknown_tag_and_wrong_tag_are_refused() -> None:
    with pytest.raises(InvalidValueError):
        loads('{"type": "Nope", "order_id": "X"}', LifecycleCommand)
    with pytest.raises(InvalidValueError):
        loads(dumps(RefreshOrder("X")), DeleteOrder)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidValueError):
        loads('"2026-01-01T08:00:00"', dt.datetime)


def test_converters_are_independent() -> None:
    a, b = make_converter(), make_converter()
    assert a is not b
    value: Any = a.unstructure(Quantity("1.0", "KG"))
    assert value == {"amount": "1.0", "unit": "KG"}


def test_every_tagged_class_has_one_unique_wire_tag() -> None:
    members = {cls for union in TAGGED_UNIONS for cls in get_args(union)}
    assert members == set(WIRE_TAGS)
    assert len(set(WIRE_TAGS.values())) == len(WIRE_TAGS)
    assert set(LEGACY_TAGS.values()) <= set(WIRE_TAGS.values())
    # the old names are the class names of release 0.1.0, written out, not derived
    assert all(WIRE_TAGS[cls] == LEGACY_TAGS.get(cls.__name__, WIRE_TAGS[cls]) for cls in members)


def test_master_data_records_travel_with_their_tag_and_old_class_names_still_load() -> None:
    item = Item("BOLT", base_unit="PCS")
    data = json.loads(dumps(item))
    assert data["type"] == "masterdata.item"
    assert loads({**data, "type": "Item"}, Item) == item
    assert loads({**data, "type": "Item"}, MasterDataRecord) == item
    with pytest.raises(InvalidValueError):
        loads({**data, "type": "Bolt"}, MasterDataRecord)


def test_a_command_tag_loads_as_its_own_class_only() -> None:
    data = to_jsonable(RefreshOrder("PO-1"))
    with pytest.raises(InvalidValueError, match=r"tagged 'order\.refresh'"):
        loads(data, DeleteOrder)


# --- strict bool, int, str and enums ----------------------------------------------------------

_OUTPUT = {"order_id": "PO-1", "line_no": 10000, "operation_no": "10", "output_quantity": "1"}


@pytest.mark.parametrize("value", ["false", "no", 1, [0], None, 0, [], "true", 1.0])
def test_a_bool_field_takes_only_true_or_false(value: object) -> None:
    from prodcore.orders.journals import OutputLine

    with pytest.raises(InvalidValueError) as err:
        loads({**_OUTPUT, "finished": value}, OutputLine)
    assert "$.finished" in str(err.value) and repr(value) in str(err.value)
    assert loads({**_OUTPUT, "finished": False}, OutputLine).finished is False
    assert loads({**_OUTPUT, "finished": True}, OutputLine).finished is True


@pytest.mark.parametrize("value", [True, False, 10000.9, 10000.0, "10000", None, [10000]])
def test_an_int_field_takes_only_a_json_integer(value: object) -> None:
    from prodcore.orders.journals import ReverseEntry

    document = {"type": "posting.reverse", "idempotency_key": "k", "source": "ITEM"}
    with pytest.raises(InvalidValueError) as err:
        loads({**document, "entry_no": value}, ReverseEntry)
    assert "$.entry_no" in str(err.value) and repr(value) in str(err.value)
    assert loads({**document, "entry_no": 1}, ReverseEntry).entry_no == 1


@pytest.mark.parametrize("value", [None, ["x"], 12, 1.5, True, {"a": 1}])
def test_a_str_field_takes_only_a_json_string(value: object) -> None:
    with pytest.raises(InvalidValueError, match=r"\$\.order_id"):
        loads({"order_id": value, "to_status": "RELEASED"}, ChangeStatus)


def test_an_optional_str_field_still_takes_null() -> None:
    from prodcore.orders.journals import OutputLine

    assert loads({**_OUTPUT, "operation_no": None}, OutputLine).operation_no is None
    with pytest.raises(InvalidValueError, match=r"\$\.operation_no"):
        loads({**_OUTPUT, "operation_no": 10}, OutputLine)


@pytest.mark.parametrize("value", [1, True, None, ["RELEASED"], "released", "NOPE"])
def test_an_enum_field_takes_only_one_of_its_values(value: object) -> None:
    with pytest.raises(InvalidValueError) as err:
        loads({"order_id": "PO-1", "to_status": value}, ChangeStatus)
    assert "$.to_status" in str(err.value) and "'RELEASED'" in str(err.value)
    assert loads({"order_id": "PO-1", "to_status": "RELEASED"}, ChangeStatus).to_status is (
        OrderStatus.RELEASED
    )


@given(st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.lists(st.text())))
def test_no_non_text_becomes_text(value: object) -> None:
    with pytest.raises(InvalidValueError):
        loads({"no": value, "base_unit": "PCS"}, Item)


def test_the_strict_types_hold_for_stored_documents_too() -> None:
    """Stores read their documents through the same converter: a tampered document with a
    number for a bool is refused, not read as true."""
    from prodcore.orders.journals import OutputLine

    stored = json.loads(dumps(loads(_OUTPUT, OutputLine)))
    assert loads(stored, OutputLine) == loads(_OUTPUT, OutputLine)
    with pytest.raises(InvalidValueError, match="finished"):
        loads(json.dumps({**stored, "finished": 1}), OutputLine)
