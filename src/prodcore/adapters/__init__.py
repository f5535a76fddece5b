"""Stores: where units of work keep their data. :func:`open_store` picks one by URL.

=============================  ==============================================
URL                            store
=============================  ==============================================
``memory:``                    :class:`~prodcore.adapters.memory.InMemoryStore`
``sqlite:///orders.db``        a SQLite file, relative to the working directory
``sqlite:////var/lib/x.db``    a SQLite file, absolute path (four slashes)
``sqlite:///:memory:``         a private in-memory SQLite database (tests)
``postgresql://user@host/db``  PostgreSQL (``pip install prodcore[postgres]``)
=============================  ==============================================

The result is a unit-of-work factory: call it to get a fresh
:class:`~prodcore.ports.UnitOfWork`, and close it when done (it is a context manager).

>>> from prodcore.masterdata import Item
>>> with open_store("sqlite:///:memory:") as new_uow:
...     with new_uow() as uow:
...         uow.master_data.put(Item("BOLT", base_unit="PCS"))
...         uow.commit()
...     with new_uow() as uow:
...         [item.no for item in uow.master_data.items()]
['BOLT']
>>> open_store("sqlite:///no/such/store.db", create=False)
Traceback (most recent call last):
...
prodcore.errors.NotFoundError: SQLite store 'no/such/store.db' does not exist.
>>> open_store("mysql://localhost/db")
Traceback (most recent call last):
...
prodcore.errors.InvalidValueError: Invalid value for store URL: 'mysql://localhost/db' (use memory:, sqlite:///path/file.db or postgresql://...).
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any, Protocol, Self

from prodcore.errors import InvalidValueError, NotFoundError, StoreError
from prodcore.ports import UnitOfWork

__all__ = ["MemoryStoreFactory", "Store", "open_store", "upgrade_store"]


class Store(Protocol):
    """What :func:`open_store` returns: a unit-of-work factory that can be closed."""

    def __call__(self) -> UnitOfWork: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...


class MemoryStoreFactory:
    """Units of work over one :class:`~prodcore.adapters.memory.InMemoryStore`."""

    def __init__(self) -> None:
        from prodcore.adapters.memory import InMemoryStore

        self.store = InMemoryStore()

    def __call__(self) -> UnitOfWork:
        from prodcore.adapters.memory import InMemoryUnitOfWork

        return InMemoryUnitOfWork(self.store)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _bad(url: object, reason: str) -> InvalidValueError:
    return InvalidValueError(field="store URL", value=url, reason=reason)


def open_store(
    url: str, *, migrate: bool | None = None, create: bool = True, **options: Any
) -> Store:
    """Open the store named by ``url`` and return its unit-of-work factory.

    ``create=False`` opens only a store that exists: a SQLite file that is not there is a
    :class:`~prodcore.errors.NotFoundError` (and no file is made), so a mistyped path
    does not pass for a new, empty store.

    ``migrate``: create or upgrade the schema on opening. SQLite always does (it is
    embedded); PostgreSQL does only when asked, and otherwise refuses an outdated
    schema until ``prodcore db upgrade`` has run. Further ``options`` go to the store
    (``busy_timeout`` for SQLite; ``min_size``, ``max_size``, ``timeout`` for the
    PostgreSQL pool). A SQLite URL may also carry ``?busy_timeout=seconds``.
    """
    if not isinstance(url, str):
        raise _bad(url, "must be a str")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "memory":
        return MemoryStoreFactory()
    if scheme == "sqlite":
        from prodcore.adapters.sqlite import SqliteStore

        if not url.startswith("sqlite:///"):
            raise _bad(url, "a SQLite URL is sqlite:///relative/path.db or sqlite:////abs/path.db")
        path, _, query = url[len("sqlite:///") :].partition("?")
        if not path:
            raise _bad(url, "no file name")
        params = urllib.parse.parse_qs(query)
        if "busy_timeout" in params:
            try:
                options.setdefault("busy_timeout", float(params["busy_timeout"][-1]))
            except ValueError:
                raise _bad(url, "busy_timeout must be a number of seconds") from None
        file = urllib.parse.unquote(path)
        if not create and file != ":memory:" and not os.path.exists(file):
            raise NotFoundError(kind="SQLite store", key=file)
        return SqliteStore(file, **options)
    if scheme in ("postgresql", "postgres"):
        from prodcore.adapters.postgres import PostgresStore

        try:  # the driver is an extra; say how to install it rather than fail deep inside
            import psycopg  # noqa: F401
        except ImportError:
            raise StoreError(
                reason="PostgreSQL support is not installed: pip install 'prodcore[postgres]'"
            ) from None

        return PostgresStore(url, migrate=bool(migrate), **options)
    raise _bad(url, "use memory:, sqlite:///path/file.db or postgresql://...")


def upgrade_store(url: str) -> tuple[int, ...]:
    """Create or upgrade the schema of the store at ``url``; the versions applied.

    What ``prodcore db upgrade`` runs. A memory store has no schema (nothing to do);
    SQLite and PostgreSQL record their migrations in ``prodcore_schema_migrations``.

    >>> upgrade_store("sqlite:///:memory:")
    (1, 2, 3)
    >>> upgrade_store("memory:")
    ()
    """
    from prodcore.adapters._sql import SqlStore

    with open_store(url, migrate=True) as store:
        return store.applied_migrations if isinstance(store, SqlStore) else ()
