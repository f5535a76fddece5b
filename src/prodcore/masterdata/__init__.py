"""Master data: items, production BOMs, routings, work and machine centres, setup.

Everything is a frozen attrs class. Numbers are Decimals (converted through
:func:`~prodcore.numbers.to_decimal`), times are :class:`~prodcore.numbers.Duration`.
Costs are unit amounts in the setup's currency (:attr:`ManufacturingSetup.currency`),
as Business Central keeps them in local currency.

>>> item = Item("BOLT", base_unit="PCS", unit_cost="0.10")
>>> item.unit_cost, item.replenishment.value
(Decimal('0.10'), 'PURCHASE')
>>> Item("BAD", base_unit="PCS", scrap_percent="120")
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for scrap_percent: Decimal('120') (must be between 0 and 100).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol, TypeVar

import attrs

from prodcore.errors import NotFoundError
from prodcore.masterdata.average_cost import AverageCostCalcType, AverageCostPeriod
from prodcore.masterdata.boms import (
    BomLine,
    BomOutputLine,
    BomVersion,
    CostAllocation,
    OutputKind,
    OutputValuation,
    ProductionBom,
)
from prodcore.masterdata.centres import Bin, Location, MachineCenter, ManufacturingSetup, WorkCenter
from prodcore.masterdata.common import (
    BomLineType,
    CalculationFormula,
    CapacityType,
    ConsumptionBasis,
    CostingMethod,
    FlushingMethod,
    QualityCheck,
    QualityFailureAction,
    QualityTest,
    Replenishment,
    UnitCostCalculation,
    VersionStatus,
)
from prodcore.masterdata.items import (
    QUANTITY_PRECISION,
    Item,
    ItemTracking,
    ItemUnitOfMeasure,
    LeadTime,
    NeedRounding,
)
from prodcore.masterdata.routings import Routing, RoutingLine, RoutingVersion

__all__ = [
    "QUANTITY_PRECISION",
    "AverageCostCalcType",
    "AverageCostPeriod",
    "Bin",
    "BomLine",
    "BomLineType",
    "BomOutputLine",
    "BomVersion",
    "CalculationFormula",
    "CapacityType",
    "ConsumptionBasis",
    "CostAllocation",
    "CostingMethod",
    "FlushingMethod",
    "Item",
    "ItemTracking",
    "ItemUnitOfMeasure",
    "LeadTime",
    "Location",
    "MachineCenter",
    "ManufacturingSetup",
    "MasterData",
    "MasterDataReader",
    "MasterDataSource",
    "NeedRounding",
    "OutputKind",
    "OutputValuation",
    "ProductionBom",
    "QualityCheck",
    "QualityFailureAction",
    "QualityTest",
    "Replenishment",
    "Routing",
    "RoutingLine",
    "RoutingVersion",
    "UnitCostCalculation",
    "VersionStatus",
    "WorkCenter",
]


_T = TypeVar("_T")


class MasterDataSource(Protocol):
    """Anything that lists master data (a ``MasterDataRepository`` does)."""

    @property
    def setup(self) -> ManufacturingSetup: ...
    def items(self) -> Iterable[Item]: ...
    def boms(self) -> Iterable[ProductionBom]: ...
    def routings(self) -> Iterable[Routing]: ...
    def work_centers(self) -> Iterable[WorkCenter]: ...
    def machine_centers(self) -> Iterable[MachineCenter]: ...
    def locations(self) -> Iterable[Location]: ...


class MasterDataReader(MasterDataSource, Protocol):
    """A source that also reads one record by number (a ``MasterDataRepository`` does)."""

    def item(self, no: str) -> Item: ...
    def bom(self, no: str) -> ProductionBom: ...
    def routing(self, no: str) -> Routing: ...
    def work_center(self, no: str) -> WorkCenter: ...
    def machine_center(self, no: str) -> MachineCenter: ...
    def location(self, code: str) -> Location: ...


class _Numbered(Protocol):
    @property
    def no(self) -> str: ...


_R = TypeVar("_R", bound=_Numbered)


class _Lazy(Mapping[str, _R]):
    """A snapshot table that reads each record from the repository when first asked for
    (and keeps it); only iterating reads the whole listing. A rollup of a few items
    touches a few records, not the whole master data."""

    def __init__(self, get: Callable[[str], _R], listing: Callable[[], Iterable[_R]]) -> None:
        self._get, self._listing = get, listing
        self._seen: dict[str, _R] = {}
        self._all: dict[str, _R] | None = None

    def __getitem__(self, no: str) -> _R:
        found = self._seen.get(no)
        if found is None:
            try:
                found = self._get(no)
            except NotFoundError:
                raise KeyError(no) from None
            self._seen[no] = found
        return found

    def _everything(self) -> dict[str, _R]:
        if self._all is None:
            self._all = {record.no: record for record in self._listing()}
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())


@attrs.frozen
class MasterData:
    """An immutable snapshot of master data, looked up by number.

    Used by pure functions (explosion, rollup, scheduling) and built by repositories.

    >>> md = MasterData.of(items=[Item("A", base_unit="PCS")])
    >>> md.item("A").no
    'A'
    >>> md.item("Z")
    Traceback (most recent call last):
    ...
    prodcore.errors.NotFoundError: Item 'Z' does not exist.
    """

    items: Mapping[str, Item] = attrs.field(factory=dict)
    boms: Mapping[str, ProductionBom] = attrs.field(factory=dict)
    routings: Mapping[str, Routing] = attrs.field(factory=dict)
    work_centers: Mapping[str, WorkCenter] = attrs.field(factory=dict)
    machine_centers: Mapping[str, MachineCenter] = attrs.field(factory=dict)
    setup: ManufacturingSetup = attrs.field(factory=ManufacturingSetup)
    locations: Mapping[str, Location] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls,
        *,
        items: Iterable[Item] = (),
        boms: Iterable[ProductionBom] = (),
        routings: Iterable[Routing] = (),
        work_centers: Iterable[WorkCenter] = (),
        machine_centers: Iterable[MachineCenter] = (),
        setup: ManufacturingSetup | None = None,
        locations: Iterable[Location] = (),
    ) -> MasterData:
        return cls(
            items={i.no: i for i in items},
            boms={b.no: b for b in boms},
            routings={r.no: r for r in routings},
            work_centers={w.no: w for w in work_centers},
            machine_centers={m.no: m for m in machine_centers},
            setup=setup or ManufacturingSetup(),
            locations={loc.no: loc for loc in locations},
        )

    @classmethod
    def snapshot(cls, source: MasterDataSource) -> MasterData:
        """A snapshot of everything a repository (or any source with listings) holds."""
        return cls.of(
            items=source.items(),
            boms=source.boms(),
            routings=source.routings(),
            work_centers=source.work_centers(),
            machine_centers=source.machine_centers(),
            setup=source.setup,
            locations=source.locations(),
        )

    @classmethod
    def lazy(cls, source: MasterDataReader) -> MasterData:
        """A snapshot that reads each record from ``source`` when first looked up (and
        keeps it): a rollup of a few items reads a few records, not the catalogue.

        >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
        >>> from prodcore.app import put_master_data
        >>> uow = InMemoryUnitOfWork(InMemoryStore())
        >>> put_master_data(uow, [Item("A", base_unit="PCS"), Item("B", base_unit="PCS")])
        >>> with uow:
        ...     md = MasterData.lazy(uow.master_data)
        ...     md.item("A").no, len(md.items)
        ('A', 2)
        """
        return cls(
            items=_Lazy(source.item, source.items),
            boms=_Lazy(source.bom, source.boms),
            routings=_Lazy(source.routing, source.routings),
            work_centers=_Lazy(source.work_center, source.work_centers),
            machine_centers=_Lazy(source.machine_center, source.machine_centers),
            setup=source.setup,
            locations=_Lazy(source.location, source.locations),
        )

    def item(self, no: str) -> Item:
        return _lookup(self.items, "Item", no)

    def bom(self, no: str) -> ProductionBom:
        return _lookup(self.boms, "Production BOM", no)

    def routing(self, no: str) -> Routing:
        return _lookup(self.routings, "Routing", no)

    def work_center(self, no: str) -> WorkCenter:
        return _lookup(self.work_centers, "Work center", no)

    def machine_center(self, no: str) -> MachineCenter:
        return _lookup(self.machine_centers, "Machine center", no)

    def location(self, code: str) -> Location:
        return _lookup(self.locations, "Location", code)


def _lookup(table: Mapping[str, _T], kind: str, no: str) -> _T:
    try:
        return table[no]
    except KeyError:
        raise NotFoundError(kind=kind, key=no) from None
