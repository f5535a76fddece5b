"""What the store benchmarks share: the ``--pg`` and ``--stores`` options and a fresh
store of each kind asked for (memory, a SQLite file, PostgreSQL when a DSN is given).

A benchmark script imports it after putting this directory on ``sys.path``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from prodcore.adapters import Store, open_store

STORES = ("memory", "sqlite", "postgresql")


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """``--pg DSN`` (default ``PRODCORE_TEST_PG_DSN``) and ``--stores`` (default: all)."""
    parser.add_argument("--pg", metavar="DSN", default=os.environ.get("PRODCORE_TEST_PG_DSN"))
    parser.add_argument("--stores", nargs="*", choices=STORES, default=list(STORES))


def each_store(
    stores: Sequence[str], pg: str | None, file_name: str
) -> Iterator[tuple[str, Store]]:
    """Each store of ``stores`` in turn, opened, as (name, store); the SQLite one in the
    file ``file_name`` of a temporary directory; PostgreSQL is skipped, and said so,
    without a DSN."""
    with tempfile.TemporaryDirectory(prefix="prodcore-bench-") as tmp:
        openers: dict[str, Callable[[], Store]] = {
            "memory": lambda: open_store("memory:"),
            "sqlite": lambda: open_store(f"sqlite:///{Path(tmp) / file_name}"),
        }
        if pg:
            openers["postgresql"] = lambda: open_store(pg, migrate=True)
        for name in stores:
            if name not in openers:
                print("postgresql: skipped (no PRODCORE_TEST_PG_DSN, no --pg DSN)")
                continue
            with openers[name]() as store:
                yield name, store
