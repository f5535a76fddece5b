"""The canonical command hash is the one release 0.1.0 stored: keys remembered then still
match the same command today, whatever the wire tags are."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from prodcore.app import command_hash
from prodcore.costing import AdjustCost
from prodcore.ledger.model import ValueSource
from prodcore.orders.execution import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    PostConsumption,
    ReverseEntry,
)
from prodcore.serialization import to_jsonable
from prodcore.testing.strategies import decimals

keys = st.text(min_size=1, max_size=12)
nos = st.from_regex(r"[A-Z][A-Z0-9-]{0,8}", fullmatch=True)
amounts = decimals(min_value=1, max_value=10_000, places=3)


def _released_hash(command: Any) -> str:
    """How release 0.1.0 hashed a ledger command: its JSON tagged with the class name,
    without ``ReverseEntry.posted_at`` while it is None (a field added after the first
    keys were stored)."""
    data = {**to_jsonable(command), "type": type(command).__name__}
    if isinstance(command, ReverseEntry) and command.posted_at is None:
        del data["posted_at"]
    for lines in data.values():  # journal lines had no bins yet
        for line in lines if isinstance(lines, list) else ():
            for name in ("bin_code", "from_bin_code"):
                if line.get(name, "") in ("", None):
                    line.pop(name, None)
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


consumption = st.builds(
    PostConsumption,
    keys,
    st.lists(
        st.builds(ConsumptionLine, nos, st.just(10000), st.just(10000), amounts),
        min_size=1,
        max_size=3,
    ).map(tuple),
)
adjustment = st.builds(
    AdjustInventory,
    keys,
    st.lists(st.builds(AdjustmentLine, nos, amounts), min_size=1, max_size=3).map(tuple),
)
reversal = st.builds(
    ReverseEntry, keys, st.sampled_from(ValueSource), st.integers(min_value=1, max_value=10**6)
)


@given(st.one_of(consumption, adjustment, reversal))
def test_ledger_commands_hash_as_release_0_1_0_did(command: Any) -> None:
    assert to_jsonable(command)["type"] != type(command).__name__  # tagged differently now
    assert command_hash(command) == _released_hash(command)


@given(keys, nos)
def test_cost_adjustment_hashes_its_order_only_as_release_0_1_0_did(key: str, order: str) -> None:
    text = json.dumps({"type": "AdjustCost", "order_id": order}, sort_keys=True)
    assert command_hash(AdjustCost(key, order)) == hashlib.sha256(text.encode()).hexdigest()
