"""A work or machine centre refuses an efficiency that is not positive."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prodcore.errors import InvalidValueError
from prodcore.masterdata import MachineCenter, WorkCenter


@pytest.mark.parametrize("efficiency", ["0", "-5"])
def test_centres_refuse_an_efficiency_that_is_not_positive(efficiency: str) -> None:
    for make in (
        lambda: WorkCenter("WC", efficiency_percent=efficiency),
        lambda: MachineCenter("MC", "WC", efficiency_percent=efficiency),
    ):
        with pytest.raises(InvalidValueError) as info:
            make()
        assert info.value.field == "efficiency_percent"
        assert info.value.value == Decimal(efficiency)
        assert info.value.reason == "must be positive"


def test_a_positive_efficiency_is_kept() -> None:
    assert WorkCenter("WC", efficiency_percent="80").efficiency_percent == Decimal(80)
    assert MachineCenter("MC", "WC", efficiency_percent="70").efficiency_percent == Decimal(70)
