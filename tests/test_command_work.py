"""Work a command no longer does: a store with no setup put answers one shared default
(not one built at every read)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prodcore.adapters import Store, open_store
from prodcore.ledger.model import PostingSetup
from prodcore.masterdata import ManufacturingSetup


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = "memory:" if request.param == "memory" else f"sqlite:///{tmp_path}/p.db"
    with open_store(url) as opened:
        yield opened


def test_a_store_without_setups_answers_one_shared_default_of_each(store: Store) -> None:
    first, second = store(), store()
    assert first.master_data.setup == ManufacturingSetup()
    assert first.ledger.posting_setup == PostingSetup()
    assert first.master_data.setup is second.master_data.setup
    assert first.ledger.posting_setup is second.ledger.posting_setup


def test_a_setup_put_replaces_the_default(store: Store) -> None:
    uow = store()
    put = ManufacturingSetup(currency="USD")
    uow.master_data.put_setup(put)
    uow.commit()
    assert store().master_data.setup == put
