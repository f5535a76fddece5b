"""Serving the application with uvicorn: :func:`serve` for ``prodcore serve``, and
:func:`background_server` for tests and benchmarks (a real server on a loopback port,
in a thread of the calling process)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import uvicorn
from starlette.applications import Starlette

from prodcore.adapters import open_store
from prodcore.service.http import api_key_auth, create_app

__all__ = ["WORKER_THREADS", "background_server", "read_api_keys", "serve"]

#: The most units of work the service runs at once: Starlette runs blocking store work
#: in anyio's worker threads (40 at most, its default limiter), one unit of work each.
#: A unit of work holds one PostgreSQL connection, so :func:`serve` sizes the pool to
#: this: no request waits for a connection.
WORKER_THREADS = 40


def serve(
    url: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_keys: Mapping[str, str] | None = None,
    log_level: str = "info",
) -> None:
    """Open the store at ``url`` and serve it over HTTP until interrupted; with
    ``api_keys`` (key to user) every request needs a known ``X-API-Key``. The store is
    closed when the server stops. A PostgreSQL pool may open up to
    :data:`WORKER_THREADS` connections."""
    options: dict[str, Any] = {}
    if url.split(":", 1)[0].lower() in ("postgresql", "postgres"):
        options["max_size"] = WORKER_THREADS
    with open_store(url, **options) as store:
        app = create_app(store, authenticate=api_key_auth(api_keys) if api_keys else None)
        uvicorn.run(app, host=host, port=port, log_level=log_level)


def read_api_keys(text: str) -> dict[str, str]:
    """API keys from a file's text: one ``user key`` pair a line; ``#`` starts a comment.

    >>> read_api_keys("# planners\\nana k-1\\n\\nbob k-2\\n")
    {'k-1': 'ana', 'k-2': 'bob'}
    """
    keys: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 2:
            raise ValueError(f"line {number}: expected 'user key'")
        keys[words[1]] = words[0]
    return keys


@contextlib.contextmanager
def background_server(app: Starlette, *, timeout: float = 10.0) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port in a thread; yield its base URL
    (``http://127.0.0.1:<port>``), stop it on leaving."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
