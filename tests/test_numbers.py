from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.errors import InvalidValueError, UnitMismatchError
from prodcore.masterdata import BomLine, Item, ProductionBom, Replenishment
from prodcore.numbers import (
    ARITHMETIC,
    MAX_DECIMAL_PLACES,
    MAX_INTEGER_DIGITS,
    Duration,
    Money,
    Quantity,
    Rounding,
    RoundingMode,
    TimeUnit,
    as_decimal,
    to_decimal,
)
from prodcore.orders.execution import ConsumptionLine, PostConsumption
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.testing.strategies import decimals


@pytest.mark.parametrize(
    "bad",
    [0.5, float("nan"), True, False, None, [1], "abc", "NaN", "Infinity", "-inf", Decimal("NaN")],
)
def test_to_decimal_refuses_non_numbers(bad: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        to_decimal(bad)
    assert info.value.value is bad


def test_models_refuse_floats_with_typed_error() -> None:
    with pytest.raises(InvalidValueError):
        Quantity(1.5, "KG")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        Money(True, "EUR")


def test_arithmetic_within_one_unit_only() -> None:
    assert Quantity("1.25", "KG") + Quantity("0.75", "KG") == Quantity("2.00", "KG")
    assert Money(3, "EUR") - Money("0.5", "EUR") == Money("2.5", "EUR")
    with pytest.raises(UnitMismatchError):
        _ = Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(UnitMismatchError):
        _ = Quantity(1, "KG") < Quantity(1, "PCS")


@pytest.mark.parametrize(
    ("value", "precision", "mode", "expected"),
    [
        ("1.005", "0.01", RoundingMode.HALF_UP, "1.01"),
        ("1.005", "0.01", RoundingMode.HALF_EVEN, "1.00"),
        ("1.2", "0.5", RoundingMode.UP, "1.5"),
        ("14.4", "1", RoundingMode.UP, "15"),  # D365 E14: 14.4 cans round up to 15
        ("-1.25", "0.1", RoundingMode.HALF_UP, "-1.3"),
        ("27.846", "0.01", RoundingMode.HALF_UP, "27.85"),
    ],
)
def test_rounding_is_explicit(
    value: str, precision: str, mode: RoundingMode, expected: str
) -> None:
    assert Rounding(Decimal(precision), mode).apply(Decimal(value)) == Decimal(expected)


def test_rounding_precision_must_be_positive() -> None:
    with pytest.raises(InvalidValueError):
        Rounding(Decimal(0))


@given(decimals(min_value=-1000, max_value=1000, places=6))
def test_rounding_lands_on_a_multiple_within_half_a_step(value: Decimal) -> None:
    rounding = Rounding(Decimal("0.05"))
    rounded = rounding.apply(value)
    assert rounded % Decimal("0.05") == 0
    assert abs(rounded - value) <= Decimal("0.025")


def test_durations_convert_exactly() -> None:
    assert Duration(90, TimeUnit.MINUTE).in_units(TimeUnit.HOUR) == Decimal("1.5")
    assert Duration(1, TimeUnit.DAY).in_units(TimeUnit.HOUR) == 24
    assert Duration(1, TimeUnit.HOUR) + Duration(30, TimeUnit.MINUTE) == Duration(
        "1.5", TimeUnit.HOUR
    )


# ----------------------------------------------------------------- the supported range

TOO_LARGE = ["1E+999999", 10**23, "12345678901234567890123456789", "1E15", "-1000000000000000"]


@pytest.mark.parametrize("bad", [*TOO_LARGE, "1E-1000", "-1E-999999"])
def test_numbers_outside_the_range_are_refused(bad: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        to_decimal(bad, "quantity")
    assert (info.value.field, info.value.value) == ("quantity", bad)


@pytest.mark.parametrize(
    "good", ["999999999999999.99999999999999999999", "-999999999999999", "1E-999", 0, "0E+999999"]
)
def test_numbers_at_the_edges_of_the_range_are_accepted(good: object) -> None:
    assert to_decimal(good) == Decimal(good)  # type: ignore[arg-type]


@attrs.frozen
class _Line:
    quantity: Decimal = attrs.field(converter=as_decimal)
    cost: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_decimal)
    )


@pytest.mark.parametrize("bad", TOO_LARGE)
def test_converters_name_the_field_they_refuse(bad: int | str) -> None:
    with pytest.raises(InvalidValueError) as info:
        _Line(bad)
    assert info.value.field == "quantity"
    with pytest.raises(InvalidValueError) as info:
        _Line(1, bad)
    assert info.value.field == "cost"
    with pytest.raises(InvalidValueError) as info:
        Quantity(bad, "PCS")
    assert (info.value.field, info.value.value) == ("amount", bad)


def test_a_product_that_leaves_the_range_is_refused_not_rounded() -> None:
    big = Money("999999999999999", "EUR")
    with pytest.raises(InvalidValueError) as info:
        _ = big * 1000
    assert info.value.field == "amount"
    with pytest.raises(InvalidValueError):
        _ = big + big


def test_a_value_too_large_to_round_is_refused() -> None:
    with pytest.raises(InvalidValueError) as info:
        Rounding(Decimal("0.01")).apply(Decimal("1E+70"))
    assert info.value.field == "value"
    with pytest.raises(InvalidValueError):
        Rounding(Decimal("0.3")).apply(Decimal("1E+70"))


def test_a_rounding_precision_finer_than_the_range_is_refused() -> None:
    Rounding(Decimal(f"1E-{MAX_DECIMAL_PLACES}"))
    with pytest.raises(InvalidValueError) as info:
        Rounding(Decimal(f"1E-{MAX_DECIMAL_PLACES + 1}"))
    assert info.value.field == "precision"


def test_the_global_context_is_left_alone() -> None:
    assert decimal.getcontext().prec == 28
    assert ARITHMETIC is not decimal.getcontext()


def in_range() -> st.SearchStrategy[Decimal]:
    """Any number of the range with up to 20 decimal places (35 significant digits)."""
    limit = 10 ** (MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES) - 1
    return st.integers(-limit, limit).map(lambda n: Decimal(f"{n}E-{MAX_DECIMAL_PLACES}"))


@given(in_range(), in_range(), in_range(), st.sampled_from(["0.01", "0.00001", "1E-20", "0.05"]))
def test_quantity_times_cost_times_share_rounds_without_a_decimal_error(
    quantity: Decimal, cost: Decimal, share: Decimal, precision: str
) -> None:
    amount = ARITHMETIC.multiply(ARITHMETIC.multiply(quantity, cost), share)
    rounding = Rounding(Decimal(precision))
    rounded = rounding.apply(amount)
    exact = decimal.Context(prec=200).multiply(
        decimal.Context(prec=200).multiply(quantity, cost), share
    )
    assert abs(rounded - exact) <= rounding.precision


@given(in_range(), in_range())
def test_value_object_sums_are_exact_or_refused(a: Decimal, b: Decimal) -> None:
    exact = decimal.Context(prec=200).add(a, b)
    if exact.adjusted() < MAX_INTEGER_DIGITS:  # abs() would round to 28 digits
        assert (Quantity(a, "KG") + Quantity(b, "KG")).amount == exact
    else:
        with pytest.raises(InvalidValueError):
            _ = Quantity(a, "KG") + Quantity(b, "KG")


def test_a_posting_whose_cost_leaves_the_range_is_refused_and_changes_nothing() -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    clock = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
    put_master_data(
        uow,
        [
            Item("LEG", base_unit="PCS", unit_cost="99999999999999.99"),
            Item(
                "T", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B"
            ),
            ProductionBom("B", (BomLine("LEG", 1),)),
        ],
    )
    big = "99999999999999"  # in range, but quantity x unit cost is not
    handle(uow, CreateOrder("PO-1", "T", big, due_date=dt.date(2026, 3, 9)), clock=clock)
    handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
    post = PostConsumption("K", (ConsumptionLine("PO-1", 10000, 10000, big),))
    with pytest.raises(InvalidValueError) as info:
        handle(uow, post, clock=clock)
    assert info.value.field == "cost_amount_actual"
    assert uow.ledger.consumed_quantity("PO-1", 10000, 10000) == 0
    assert uow.ledger.idempotency("K") is None


def test_shared_rounding_is_one_record_per_precision_exponent_and_mode() -> None:
    from prodcore.numbers import Rounding, RoundingMode, shared_rounding

    cents = shared_rounding(Decimal("0.01"))
    assert cents == Rounding(Decimal("0.01"), RoundingMode.HALF_UP)
    assert shared_rounding(Decimal("0.01"), RoundingMode.HALF_UP) is cents
    assert shared_rounding(Decimal("0.01"), RoundingMode.UP) is not cents
    finer = shared_rounding(Decimal("0.010"))  # equal as a number, not as a precision
    assert finer is not cents and str(finer.precision) == "0.010"
    assert str(finer.apply(Decimal("1.2345"))) == "1.230"
    assert str(cents.apply(Decimal("1.2345"))) == "1.23"


@pytest.mark.parametrize(
    "precision", [Decimal(0), Decimal("-1"), Decimal("NaN"), Decimal("sNaN"), 0.5, "x"]
)
def test_shared_rounding_refuses_what_rounding_refuses(precision: object) -> None:
    from prodcore.numbers import shared_rounding

    with pytest.raises(InvalidValueError):
        shared_rounding(precision)  # type: ignore[arg-type]
