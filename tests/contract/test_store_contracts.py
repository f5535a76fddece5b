"""prodcore's three stores run the shipped contract suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prodcore.adapters import Store, open_store
from prodcore.testing import StoreContract


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def uow_factory(self) -> Iterator[Store]:
        with open_store("memory:") as store:
            yield store


class TestSqliteFileStore(StoreContract):
    @pytest.fixture
    def uow_factory(self, tmp_path: Path) -> Iterator[Store]:
        with open_store(f"sqlite:///{tmp_path / 'prodcore.db'}") as store:
            yield store


class TestSqliteMemoryStore(StoreContract):
    @pytest.fixture
    def uow_factory(self) -> Iterator[Store]:
        with open_store("sqlite:///:memory:") as store:
            yield store


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    @pytest.fixture
    def uow_factory(self, pg_dsn: str) -> Iterator[Store]:
        with open_store(pg_dsn, migrate=True) as store:
            yield store
