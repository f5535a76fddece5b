"""Putting master data: records written in one unit of work, BOM cycles refused."""

from __future__ import annotations

from collections.abc import Iterable

from prodcore.clock import Clock
from prodcore.commands import PutMasterData
from prodcore.errors import BomCycleError
from prodcore.masterdata import BomLineType, Item, ManufacturingSetup, ProductionBom
from prodcore.numbers import in_own_context
from prodcore.orders.explosion import find_bom_cycle, find_phantom_cycle
from prodcore.ports import MasterDataRecord, MasterDataRepository, UnitOfWork

__all__ = ["put", "put_master_data"]


@in_own_context
def put_master_data(
    uow: UnitOfWork,
    records: Iterable[MasterDataRecord],
    *,
    setup: ManufacturingSetup | None = None,
) -> None:
    """Insert or replace master data records in one unit of work (the
    :class:`~prodcore.commands.PutMasterData` command).

    BOM cycles (through phantoms or produced components) are refused with a
    :class:`~prodcore.errors.BomCycleError` naming the cycle, and nothing is written; a
    cycle made of phantom BOMs only is refused when they are written, even if no item
    uses it yet.
    """
    put(uow, PutMasterData(tuple(records), setup), commit=True)


def put(
    uow: UnitOfWork, command: PutMasterData, clock: Clock | None = None, *, commit: bool
) -> None:
    """The :class:`~prodcore.commands.PutMasterData` handler (committed when ``commit``;
    ``clock`` is not read: master data is not dated)."""
    with uow:
        if command.setup is not None:
            uow.master_data.put_setup(command.setup)
        items: set[str] = set()
        boms: set[str] = set()
        for record in command.records:
            uow.master_data.put(record)
            if isinstance(record, Item):
                items.add(record.no)
            elif isinstance(record, ProductionBom):
                boms.add(record.no)
        # only a written BOM with phantom lines can close a cycle of phantoms
        with_phantoms = sorted(
            r.no for r in command.records if isinstance(r, ProductionBom) and _has_phantoms(r)
        )
        phantom_cycle = find_phantom_cycle(uow.master_data, with_phantoms)
        if phantom_cycle is not None:
            raise BomCycleError(cycle=phantom_cycle)
        if items or boms:
            _refuse_bom_cycles(uow.master_data, items, boms)
        if commit:
            uow.commit()


def _has_phantoms(bom: ProductionBom) -> bool:
    return any(
        line.type is BomLineType.PRODUCTION_BOM
        for lines in (bom.lines, *(v.lines for v in bom.versions))
        for line in lines
    )


def _refuse_bom_cycles(md: MasterDataRepository, items: set[str], boms: set[str]) -> None:
    """Raise :class:`~prodcore.errors.BomCycleError` if the item graph has a cycle.

    A new cycle (or a broken reference) comes through a record just written, so the
    search starts from the written items and the items whose BOM is, or takes through
    phantom lines, a written BOM: it does not walk the whole catalogue on every put
    (which made loading items one at a time quadratic). Whatever that search finds, the
    search over every item runs again and reports it, so errors read as they always have.
    """
    roots = set(items)
    if boms:
        using = set(boms)  # BOMs that are, or take in through phantoms, a written BOM
        parents: dict[str, set[str]] = {}
        for bom in md.boms():
            for lines in (bom.lines, *(v.lines for v in bom.versions)):
                for line in lines:
                    if line.type is BomLineType.PRODUCTION_BOM:
                        parents.setdefault(line.no, set()).add(bom.no)
        todo = list(boms)
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in using:
                    using.add(parent)
                    todo.append(parent)
        roots.update(i.no for i in md.items() if i.production_bom_no in using)
    try:
        found = find_bom_cycle(md, sorted(roots)) is not None
    except Exception:  # a broken reference: the full search below raises it as before
        found = True
    if found:
        cycle = find_bom_cycle(md, (i.no for i in md.items()))
        if cycle is not None:
            raise BomCycleError(cycle=cycle)
