"""Results derived from master data, kept with the records they were derived from.

Cost adjustment measures an order's variances against each item's standard; an item
whose standard was never implemented falls back to a standard cost rollup of the current
master data, and one rollup per order adjusted costs more than the rest of the
adjustment. :func:`derived` keeps such a result, in the memo of the store it read from,
with every record the computation read (and every record it found missing), and gives it again while each of them reads the same
(the same object, or an equal one); otherwise it computes again. So the answer is always
the one the computation gives on today's master data, and the records are read through
the repository as the computation reads them, so a unit of work notes the same reads and
a concurrent change of any of them still refuses its commit.

>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.app import put_master_data
>>> from prodcore.masterdata import Item
>>> store = InMemoryStore()
>>> put_master_data(InMemoryUnitOfWork(store), [Item("A", base_unit="PCS", unit_cost=2)])
>>> def cost(md):
...     return md.item("A").unit_cost
>>> with InMemoryUnitOfWork(store) as uow:
...     derived(uow.master_data, ("doctest", "A"), cost)
Decimal('2')
>>> put_master_data(InMemoryUnitOfWork(store), [Item("A", base_unit="PCS", unit_cost=3)])
>>> with InMemoryUnitOfWork(store) as uow:
...     derived(uow.master_data, ("doctest", "A"), cost)
Decimal('3')
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Final, TypeVar, cast

from prodcore.errors import NotFoundError
from prodcore.masterdata import (
    ManufacturingSetup,
    MasterData,
    MasterDataReader,
)

__all__ = ["MEMO_SIZE", "DerivedMemo", "derived"]

_T = TypeVar("_T")

MEMO_SIZE: Final = 4096
"""Results kept (the least recently used one is dropped beyond that)."""

#: A read: the getter's name and the number asked for ("setup": no number).
_Read = tuple[str, str]
_MISSING: Final = object()  # what a read found when the record does not exist


#: The getters of one record by number and the listings of a master data reader.
_GETTERS = frozenset(("item", "bom", "routing", "work_center", "machine_center", "location"))
_LISTINGS = frozenset(f"{name}s" for name in _GETTERS)


class _Recording:
    """A :class:`~prodcore.masterdata.MasterDataReader` over ``source`` noting every
    single-record read and its answer; a listing makes the result not worth keeping
    (it depends on every record of the table)."""

    def __init__(self, source: MasterDataReader) -> None:
        self._source = source
        self.reads: dict[_Read, object] = {}
        self.listed = False

    def _read(self, name: str, no: str) -> Any:
        try:
            found: object = getattr(self._source, name)(no)
        except NotFoundError:
            self.reads[(name, no)] = _MISSING
            raise
        self.reads[(name, no)] = found
        return found

    def _listing(self, name: str) -> Iterable[Any]:
        self.listed = True
        found: Iterable[Any] = getattr(self._source, name)()
        return found

    @property
    def setup(self) -> ManufacturingSetup:
        found = self._source.setup
        self.reads[("setup", "")] = found
        return found

    def __getattr__(self, name: str) -> Any:
        """``item(no)``, ``bom(no)``...: a read, noted; ``items()``, ``boms()``...: a
        listing."""
        if name in _GETTERS:
            return functools.partial(self._read, name)
        if name in _LISTINGS:
            return functools.partial(self._listing, name)
        raise AttributeError(name)


def _reads_now(source: MasterDataReader, name: str, no: str) -> object:
    if name == "setup":
        return source.setup
    try:
        found: object = getattr(source, name)(no)
    except NotFoundError:
        return _MISSING
    return found


def _still(source: MasterDataReader, reads: dict[_Read, object]) -> bool:
    """Every read answers as it did (the same record or an equal one)."""
    for (name, no), before in reads.items():
        now = _reads_now(source, name, no)
        if now is not before and (before is _MISSING or now is _MISSING or now != before):
            return False
    return True


class DerivedMemo:
    """Where a store keeps the results :func:`derived` gives again: the ``size`` most
    recently used (each with the records it read). A store owns one, so a result lives as
    long as the store that answered its reads, and nothing is kept per process."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, tuple[dict[_Read, object], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable) -> tuple[dict[_Read, object], Any] | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
            return kept

    def put(self, key: Hashable, reads: dict[_Read, object], result: object) -> None:
        with self._lock:
            self._kept[key] = (reads, result)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


def derived(source: MasterDataReader, key: Hashable, compute: Callable[[MasterData], _T]) -> _T:
    """``compute`` of a lazy snapshot of ``source`` (:meth:`MasterData.lazy`), given
    again without computing while every record it read reads the same from ``source``.

    ``key`` names the computation and its arguments (two computations never share one);
    ``compute`` must depend on nothing but the master data it reads and ``key``, and the
    result must be immutable (it is handed out again). Results are kept in the
    :class:`DerivedMemo` of the store behind ``source`` (its ``derived_memo``); a source
    without one computes every time.
    """
    memo: DerivedMemo | None = getattr(source, "derived_memo", None)
    kept = memo.get(key) if memo is not None else None
    if kept is not None and _still(source, kept[0]):
        result: _T = kept[1]
        return result
    recording = _Recording(source)
    result = compute(MasterData.lazy(cast(MasterDataReader, recording)))
    if memo is not None and not recording.listed:
        memo.put(key, recording.reads, result)
    return result
