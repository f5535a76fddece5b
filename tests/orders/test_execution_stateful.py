"""The shipped stateful machine, run on the in-memory store and on SQLite."""

from __future__ import annotations

from hypothesis import settings

from prodcore.adapters.sqlite import SqliteStore
from prodcore.ports import UnitOfWork
from prodcore.testing.stateful import ProductionOrderMachine

ProductionOrderMachine.TestCase.settings = settings(
    ProductionOrderMachine.TestCase.settings, stateful_step_count=30
)
TestProductionOrderMachine = ProductionOrderMachine.TestCase


class SqliteOrderMachine(ProductionOrderMachine):
    """The same machine on a fresh in-memory SQLite store (the adapter hook in use)."""

    def make_unit_of_work(self) -> UnitOfWork:
        self.sqlite = SqliteStore(":memory:")
        return self.sqlite()

    def teardown(self) -> None:
        self.sqlite.close()


SqliteOrderMachine.TestCase.settings = settings(
    SqliteOrderMachine.TestCase.settings, max_examples=15, stateful_step_count=20
)
TestSqliteOrderMachine = SqliteOrderMachine.TestCase
