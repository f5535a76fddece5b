from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

from prodcore.errors import InvalidValueError, UnitMismatchError
from prodcore.numbers import Duration, Money, Quantity, Rounding, RoundingMode, TimeUnit, to_decimal
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
