"""A :class:`StandardCostVersion` holds a :class:`CostShares` (defined with the master data,
the same class as ``prodcore.costing.CostShares``) while its JSON keeps the flat shape
stored before: a history written then reads, and writes back, unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import prodcore.costing
import prodcore.costing.shares
from prodcore.clock import EARLIEST, LATEST
from prodcore.errors import InvalidValueError
from prodcore.masterdata.cost_shares import SHARE_NAMES, CostShares
from prodcore.masterdata.standards import (
    StandardCalculation,
    StandardCostHistory,
    StandardCostVersion,
    StandardLine,
)
from prodcore.ports import MasterDataRecord
from prodcore.serialization import dumps, loads

#: a history as the release before wrote it (shares beside the date, zeros included)
STORED_BEFORE = (
    '{"no": "FRAME", "versions": [{"effective_from": "2026-03-02", "material": "10.00", '
    '"capacity": "12", "subcontracted": "0", "capacity_overhead": "2.4", '
    '"manufacturing_overhead": "2.22", "calculation": {"item_no": "FRAME", '
    '"costing_lot_size": "10", "lines": [{"kind": "MATERIAL", "key": "TUBE", '
    '"std_price": "5", "var_qty_per_unit": "2", "const_qty": "0"}], '
    '"indirect_percent": "0", "overhead_rate": "0"}}], '
    '"type": "masterdata.standard_cost_history"}'
)
FRAME = StandardCostHistory(
    "FRAME",
    (
        StandardCostVersion(
            dt.date(2026, 3, 2),
            shares=CostShares(
                material=Decimal("10.00"),
                capacity=12,
                capacity_overhead="2.4",
                manufacturing_overhead="2.22",
            ),
            calculation=StandardCalculation("FRAME", 10, (StandardLine("MATERIAL", "TUBE", 5, 2),)),
        ),
    ),
)


def test_cost_shares_is_one_class_everywhere() -> None:
    assert prodcore.costing.CostShares is CostShares
    assert prodcore.costing.shares.CostShares is CostShares
    assert prodcore.costing.SHARE_NAMES is SHARE_NAMES


def test_a_history_stored_before_reads_and_writes_back_the_same() -> None:
    record = loads(STORED_BEFORE, MasterDataRecord)
    assert record == FRAME
    assert record.versions[0].standard_cost == Decimal("26.62")
    assert dumps(FRAME) == STORED_BEFORE


def test_a_share_left_out_of_the_json_is_zero_and_an_unknown_key_is_refused() -> None:
    text = '{"no": "X", "versions": [{"effective_from": "2026-03-02", "material": "1"}]}'
    (version,) = loads(text, StandardCostHistory).versions
    assert version.shares == CostShares(material=1)
    with pytest.raises(InvalidValueError):
        loads(text.replace('"material"', '"materials"'), StandardCostHistory)


amounts = st.decimals(min_value=-1000, max_value=1000, places=3)


@given(
    st.tuples(amounts, amounts, amounts, amounts, amounts),
    st.dates(min_value=EARLIEST, max_value=LATEST),
)
def test_every_version_round_trips(values: tuple[Decimal, ...], day: dt.date) -> None:
    history = StandardCostHistory("X", (StandardCostVersion(day, shares=CostShares(*values)),))
    text = dumps(history)
    assert loads(text, StandardCostHistory) == history
    assert '"shares"' not in text
