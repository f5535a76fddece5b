"""Counting the statements a SQL store runs, for the tests of what it reads and writes."""

from __future__ import annotations

from typing import Any

from prodcore.adapters._sql import SqlStore


def count(target: Any, method: str, seen: list[str]) -> None:
    """Note in ``seen`` the SQL of each later call of ``target``'s ``method``."""
    run = getattr(target, method)

    def counted(sql: str, *args: Any) -> Any:
        seen.append(sql)
        return run(sql, *args)

    setattr(target, method, counted)


def count_in_writes(store: SqlStore, method: str) -> list[str]:
    """The SQL each later write transaction of ``store`` runs through ``method``
    (``query`` or ``execute``)."""
    seen: list[str] = []
    begin = store.begin_write

    def counted_begin(*args: Any) -> Any:  # (a unit of work's: with its lease)
        tx = begin(*args)
        count(tx, method, seen)
        return tx

    store.begin_write = counted_begin  # type: ignore[method-assign]
    return seen
