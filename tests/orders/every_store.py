"""The ``store`` fixture: a fresh, empty store of every kind (memory, SQLite, and
PostgreSQL when a server is given), for tests whose figures must hold on each.

Import it into a test module (``from tests.orders.every_store import every_store``) and
ask for ``store``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prodcore.adapters import Store
from tests.persistence.conftest import fresh_store

__all__ = ["every_store"]


@pytest.fixture(
    name="store",
    params=["memory", "sqlite-memory", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def every_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    dsn = request.getfixturevalue("pg_base_dsn") if request.param == "postgresql" else None
    with fresh_store(request.param, dsn) as opened:
        yield opened
