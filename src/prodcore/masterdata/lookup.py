"""Optional master data lookups, without an exception for what is not there.

A posting asks for records that may well be absent (a location not set up, an item whose
standards were never implemented): every store's repository answers those with
``find``, which returns None, so the common case costs no exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from prodcore.errors import NotFoundError

__all__ = ["find_record"]

_T = TypeVar("_T")


def find_record(md: object, kind: type[_T], no: str, get: Callable[[str], _T]) -> _T | None:
    """The ``kind`` record numbered ``no`` from ``md``, None if it has none: by
    ``md.find(kind, no)`` where ``md`` has it (every store's repository), else by
    ``get(no)``, its NotFoundError read as None (a snapshot, a caller's own lookup).

    >>> from prodcore.masterdata import Location, MasterData
    >>> md = MasterData.of(locations=[Location("BLUE")])
    >>> find_record(md, Location, "BLUE", md.location).no
    'BLUE'
    >>> find_record(md, Location, "RED", md.location) is None
    True
    >>> from prodcore.adapters import open_store
    >>> with open_store("memory:") as new_uow, new_uow() as uow:
    ...     uow.master_data.put(Location("BLUE"))
    ...     repo = uow.master_data
    ...     find_record(repo, Location, "BLUE", repo.location).no, repo.find(Location, "RED")
    ('BLUE', None)
    """
    find = getattr(md, "find", None)
    if find is not None:
        found: _T | None = find(kind, no)
        return found
    try:
        return get(no)
    except NotFoundError:
        return None
