"""The HTTP service sizes its PostgreSQL pool to the units of work it runs at once (one
connection each), so a request never waits for a connection another request holds."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
import pytest
import uvicorn

from prodcore.service import server


async def _worker_threads() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_the_service_runs_at_most_worker_threads_units_of_work_at_once() -> None:
    assert anyio.run(_worker_threads) == server.WORKER_THREADS


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("postgresql://db/prod", {"max_size": server.WORKER_THREADS}),
        ("sqlite:///p.db", {}),
    ],
)
def test_serve_gives_a_postgresql_pool_a_connection_per_worker_thread(
    monkeypatch: pytest.MonkeyPatch, url: str, options: dict[str, Any]
) -> None:
    opened: list[tuple[str, dict[str, Any]]] = []

    @contextlib.contextmanager
    def open_store(url: str, **options: Any) -> Iterator[Any]:
        opened.append((url, options))
        yield lambda: None

    monkeypatch.setattr(server, "open_store", open_store)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    server.serve(url)
    assert opened == [(url, options)]
