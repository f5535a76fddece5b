"""What every store's repositories share: the typed master data getters over two
primitives, the readable names of the record kinds, and the unit of work's skeleton."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Final, Self, TypeVar

from prodcore.calendars import CentreAbsences, ShopCalendar
from prodcore.masterdata import Item, Location, MachineCenter, ProductionBom, Routing, WorkCenter
from prodcore.masterdata.standards import StandardCostHistory

__all__ = ["READABLE_KINDS", "MasterDataGetters", "StagedUnitOfWork"]

_T = TypeVar("_T")

#: Master data classes and how errors name them.
READABLE_KINDS: Final[dict[type, str]] = {
    Item: "Item",
    ProductionBom: "Production BOM",
    Routing: "Routing",
    WorkCenter: "Work center",
    MachineCenter: "Machine center",
    ShopCalendar: "Shop calendar",
    Location: "Location",
    StandardCostHistory: "Standard cost history",
    CentreAbsences: "Centre absences",
}


class MasterDataGetters:
    """``item()``, ``items()``... of a master data repository, over ``_get`` and ``_all``."""

    def _get(self, kind: type[_T], no: str) -> _T:
        raise NotImplementedError

    def _all(self, kind: type[_T]) -> Iterator[_T]:
        raise NotImplementedError

    def item(self, no: str) -> Item:
        return self._get(Item, no)

    def bom(self, no: str) -> ProductionBom:
        return self._get(ProductionBom, no)

    def routing(self, no: str) -> Routing:
        return self._get(Routing, no)

    def work_center(self, no: str) -> WorkCenter:
        return self._get(WorkCenter, no)

    def machine_center(self, no: str) -> MachineCenter:
        return self._get(MachineCenter, no)

    def shop_calendar(self, no: str) -> ShopCalendar:
        return self._get(ShopCalendar, no)

    def location(self, code: str) -> Location:
        return self._get(Location, code)

    def locations(self) -> Iterator[Location]:
        return self._all(Location)

    def items(self) -> Iterator[Item]:
        return self._all(Item)

    def boms(self) -> Iterator[ProductionBom]:
        return self._all(ProductionBom)

    def routings(self) -> Iterator[Routing]:
        return self._all(Routing)

    def work_centers(self) -> Iterator[WorkCenter]:
        return self._all(WorkCenter)

    def machine_centers(self) -> Iterator[MachineCenter]:
        return self._all(MachineCenter)

    def shop_calendars(self) -> Iterator[ShopCalendar]:
        return self._all(ShopCalendar)

    def standard_costs(self, item_no: str) -> StandardCostHistory:
        return self._get(StandardCostHistory, item_no)

    def centre_absences(self) -> Iterator[CentreAbsences]:
        return self._all(CentreAbsences)


class StagedUnitOfWork:
    """A unit of work whose repositories stage writes: ``_begin`` ends what the last
    unit of work held (fresh repositories follow), and leaving the ``with`` block (or
    :meth:`rollback`) drops whatever was not committed."""

    def _begin(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def rollback(self) -> None:
        self._begin()
