"""The shipped stateful machine (real postings through the services) on the SQL stores."""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings

from prodcore.adapters import Store, open_store
from prodcore.ports import UnitOfWork
from prodcore.testing import ProductionOrderMachine

FAST = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=(HealthCheck.too_slow,),
)


class SqliteMachine(ProductionOrderMachine):
    def make_unit_of_work(self) -> UnitOfWork:
        self.store: Store = open_store("sqlite:///:memory:")
        return self.store()

    def teardown(self) -> None:
        self.store.close()


class PostgresMachine(ProductionOrderMachine):
    def make_unit_of_work(self) -> UnitOfWork:
        import psycopg

        dsn = os.environ["PRODCORE_TEST_PG_DSN"]
        self.schema = f"m_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {self.schema}")
        sep = "&" if "?" in dsn else "?"
        url = f"{dsn}{sep}options=-c%20search_path%3D{self.schema}"
        self.store: Store = open_store(url, migrate=True, max_size=1)
        return self.store()

    def teardown(self) -> None:
        import psycopg

        self.store.close()
        with psycopg.connect(os.environ["PRODCORE_TEST_PG_DSN"], autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {self.schema} CASCADE")


TestSqliteMachine = SqliteMachine.TestCase
TestSqliteMachine.settings = FAST


@pytest.mark.postgres
def test_postgres_machine(pg_base_dsn: str) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(PostgresMachine, settings=settings(FAST, max_examples=8))
