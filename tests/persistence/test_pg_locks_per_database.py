"""Two prodcore databases on one PostgreSQL server post side by side without taking each
other's posting tickets for their own: ``pg_locks`` spans the server, an advisory lock
belongs to one database (migration 16). Read unfiltered, a poster waited at commit on
the ticket of the other database's number here, held by a later poster of its own
database that waited for it: a deadlock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._sql import SqlStore, SqlUnitOfWork
from prodcore.testing.contracts import sample_batch
from tests.conftest import _worker_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def other_database(pg_base_dsn: str) -> Iterator[str]:
    import psycopg

    name = f"prodcore_other_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_base_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield _worker_url(pg_base_dsn, name)
    with psycopg.connect(pg_base_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_a_poster_waits_for_no_ticket_of_another_database(pg_dsn: str, other_database: str) -> None:
    with (
        open_store(pg_dsn, migrate=True) as here,
        open_store(other_database, migrate=True) as there,
    ):
        assert isinstance(here, SqlStore) and isinstance(there, SqlStore)
        with there() as rival:  # holds its ticket in the other database
            rival.ledger.append(sample_batch(order_id="PO-9"))
            with here() as uow:
                assert isinstance(uow, SqlUnitOfWork)
                uow.ledger.append(sample_batch())
                assert uow._earlier == set()  # the other database's poster is not earlier
                uow.commit()
            rival.commit()
        with here() as uow, there() as rival:
            assert [b.posting_no for b in map(uow.ledger.batch, [1])] == [1]
            assert rival.ledger.batch(1).posting_no == 1
