"""prodcore: production execution the way an ERP's manufacturing module does it.

The everyday names are importable from here; each subpackage (``prodcore.orders``,
``prodcore.ledger``, ``prodcore.scheduling``, ``prodcore.costing``) exports its own.

>>> import prodcore
>>> prodcore.Quantity("1.5", "KG")
Quantity('1.5', 'KG')
"""

from importlib.metadata import PackageNotFoundError, version

from prodcore.adapters import open_store
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle, preview, put_master_data
from prodcore.clock import Clock, FixedClock, SystemClock
from prodcore.errors import (
    ConcurrencyError,
    ConflictError,
    DomainError,
    DuplicateError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
    ProdcoreError,
)
from prodcore.masterdata import (
    BomLine,
    CapacityType,
    FlushingMethod,
    Item,
    MachineCenter,
    ManufacturingSetup,
    MasterData,
    ProductionBom,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, Money, Quantity, Rounding, TimeUnit
from prodcore.orders import (
    ChangeStatus,
    CreateOrder,
    OrderStatus,
    OutputLine,
    PostConsumption,
    PostOutput,
    ProductionOrder,
    ReverseEntry,
)
from prodcore.serialization import dumps, loads

try:
    __version__ = version("prodcore")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "BomLine",
    "CapacityType",
    "ChangeStatus",
    "Clock",
    "ConcurrencyError",
    "ConflictError",
    "CreateOrder",
    "DomainError",
    "DuplicateError",
    "Duration",
    "FixedClock",
    "FlushingMethod",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "InvalidTransitionError",
    "InvalidValueError",
    "Item",
    "MachineCenter",
    "ManufacturingSetup",
    "MasterData",
    "Money",
    "NotFoundError",
    "OrderStatus",
    "OutputLine",
    "PostConsumption",
    "PostOutput",
    "ProdcoreError",
    "ProductionBom",
    "ProductionOrder",
    "Quantity",
    "ReverseEntry",
    "Rounding",
    "Routing",
    "RoutingLine",
    "SystemClock",
    "TimeUnit",
    "WorkCenter",
    "__version__",
    "dumps",
    "handle",
    "loads",
    "open_store",
    "preview",
    "put_master_data",
]
