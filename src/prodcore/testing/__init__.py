"""What prodcore offers your test suite: contract tests for stores, strategies, and the
stateful machine (``pip install prodcore[testing]``).

>>> from prodcore.testing import StoreContract
>>> StoreContract.__name__
'StoreContract'
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
    import pytest  # noqa: F401
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "prodcore.testing needs hypothesis and pytest: install prodcore[testing] "
        "(pip install 'prodcore[testing]')"
    ) from err

from prodcore.testing.contracts import (
    LedgerRepositoryContract,
    MasterDataRepositoryContract,
    OrderRepositoryContract,
    SerializableDecisionContract,
    StoreContract,
    UnitOfWorkContract,
    sample_batch,
    sample_master_data,
    sample_moves,
    sample_order,
)
from prodcore.testing.stateful import ProductionOrderMachine
from prodcore.testing.strategies import (
    decimals,
    durations,
    master_data,
    money,
    percents,
    quantities,
)

__all__ = [
    "LedgerRepositoryContract",
    "MasterDataRepositoryContract",
    "OrderRepositoryContract",
    "ProductionOrderMachine",
    "SerializableDecisionContract",
    "StoreContract",
    "UnitOfWorkContract",
    "decimals",
    "durations",
    "master_data",
    "money",
    "percents",
    "quantities",
    "sample_batch",
    "sample_master_data",
    "sample_moves",
    "sample_order",
]
