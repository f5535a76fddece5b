"""The shipped stateful machine, run on the in-memory store."""

from __future__ import annotations

from hypothesis import settings

from prodcore.testing.stateful import ProductionOrderMachine

ProductionOrderMachine.TestCase.settings = settings(
    ProductionOrderMachine.TestCase.settings, stateful_step_count=30
)
TestProductionOrderMachine = ProductionOrderMachine.TestCase
