"""What a SQL unit of work writes at commit: an order saved with its job registrations
unchanged keeps its rows of the per-worker index; changed, they follow it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs

from prodcore.adapters import open_store
from prodcore.adapters._sql import SqlStore
from prodcore.orders.registration import Registration
from prodcore.testing.contracts import sample_order
from tests.persistence.counting import count_in_writes

_AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)


def test_an_order_saved_with_the_same_registrations_keeps_its_index_rows(
    tmp_path: Path,
) -> None:
    anna = Registration("PO-1", 10000, "10", "ANNA", _AT)
    with open_store(f"sqlite:///{tmp_path}/p.db") as store:
        assert isinstance(store, SqlStore)
        with store() as uow:
            uow.orders.add(attrs.evolve(sample_order("PO-1"), registrations=(anna,)))
            uow.commit()
        written = count_in_writes(store, "execute")
        with store() as uow:
            order = uow.orders.get("PO-1")
            uow.orders.save(
                attrs.evolve(order, description="renamed", version=2), expected_version=1
            )
            uow.commit()
        assert not [s for s in written if "prodcore_registrations" in s]
        with store() as uow:
            assert uow.orders.registrations("ANNA") == (anna,)
            order = uow.orders.get("PO-1")
            ben = Registration("PO-1", 10000, "10", "BEN", _AT)
            uow.orders.save(
                attrs.evolve(order, registrations=(ben,), version=3), expected_version=2
            )
            uow.commit()
        assert [s for s in written if "DELETE FROM prodcore_registrations" in s]
        with store() as uow:
            assert uow.orders.registrations("ANNA") == ()
            assert uow.orders.registrations("BEN") == (ben,)
