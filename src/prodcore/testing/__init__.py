"""What prodcore offers your test suite: contract tests for stores, strategies, and the
stateful machine (``pip install prodcore[testing]``).

>>> from prodcore.testing import StoreContract
>>> StoreContract.__name__
'StoreContract'
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

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
    StoreContract,
    UnitOfWorkContract,
    sample_batch,
    sample_master_data,
    sample_order,
)

if TYPE_CHECKING:
    from prodcore.testing.stateful import ProductionOrderMachine

__all__ = [
    "LedgerRepositoryContract",
    "MasterDataRepositoryContract",
    "OrderRepositoryContract",
    "ProductionOrderMachine",
    "StoreContract",
    "UnitOfWorkContract",
    "sample_batch",
    "sample_master_data",
    "sample_order",
]


def __getattr__(name: str) -> Any:
    # The stateful machine lives in its own module (and may not exist in every build):
    # imported on first use, so importing prodcore.testing stays cheap.
    if name == "ProductionOrderMachine":
        if importlib.util.find_spec("prodcore.testing.stateful") is None:
            raise AttributeError(name)
        return importlib.import_module("prodcore.testing.stateful").ProductionOrderMachine
    raise AttributeError(f"module 'prodcore.testing' has no attribute {name!r}")
