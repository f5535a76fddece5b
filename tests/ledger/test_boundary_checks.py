"""A value is checked once, where it enters: a Decimal field by the record's converter
when the record is built (the store does not walk it again), every other field by the
store when the record is staged. Either way a wrong value a caller passes is refused
with InvalidValueError and nothing is stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest

from prodcore.adapters import open_store
from prodcore.errors import InvalidValueError
from prodcore.testing.contracts import sample_batch


@pytest.mark.parametrize("url", ["memory:", "sqlite:///:memory:"])
def test_a_wrong_value_in_a_callers_batch_is_refused_and_nothing_stored(url: str) -> None:
    batch = sample_batch()
    entry = batch.item_entries[0]
    with open_store(url) as store:
        wrongs: tuple[Any, ...] = ("x", 1.5, True, Decimal("NaN"), Decimal("1E+20"))
        for wrong in wrongs:
            with pytest.raises(InvalidValueError, match="quantity"):
                attrs.evolve(entry, quantity=wrong)  # refused where it is built
        changes: tuple[tuple[str, Any], ...] = (
            ("item_no", 5),
            ("entry_type", "CONSUMPTION"),
            ("posted_at", dt.datetime(2026, 3, 2, 8)),  # noqa: DTZ001 (naive: refused)
        )
        for field, value in changes:
            bad = attrs.evolve(batch, item_entries=(attrs.evolve(entry, **{field: value}),))
            with store() as uow:
                with pytest.raises(InvalidValueError, match=field):
                    uow.ledger.append(bad)  # refused where it is staged
                uow.commit()
        with store() as uow:
            assert uow.ledger.item_entries() == []
            assert uow.ledger.on_hand("STEEL") == 0
            uow.ledger.append(batch)  # the good batch stores
            uow.commit()
        with store() as uow:
            assert uow.ledger.on_hand("STEEL") == Decimal(-2)
