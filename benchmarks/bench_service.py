"""Load benchmark of the HTTP service: requests per second and latency percentiles.

A real ``prodcore serve`` process on a loopback port, C clients (threads of this
process, one HTTP connection each) sending N requests each, a mix of what a shop-floor
UI sends: per round an inventory adjustment and a consumption posting (each with its
own idempotency key), the order (GET), a page of its item ledger and the on-hand
balance. Every posting goes through the whole stack: JSON, the application layer, the
store's commit. Runs on the in-memory store, a SQLite file and PostgreSQL (when
``PRODCORE_TEST_PG_DSN`` or ``--pg DSN`` is given)::

    python benchmarks/bench_service.py              # C=8 clients, N=250 requests each
    python benchmarks/bench_service.py -c 16 -n 500
    python benchmarks/bench_service.py --tiny       # smoke run

Latencies are measured by the clients (wall clock, request sent to answer read), so
they include the client's own share of the CPU. No assertion is made about time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import httpx

from prodcore.adapters import upgrade_store

#: Master data: BOLT (bought) goes into SHELF (made); every client posts on PO-1.
RECORDS = [
    {"type": "masterdata.item", "no": "BOLT", "base_unit": "PCS", "costing_method": "AVERAGE"},
    {"type": "masterdata.bom", "no": "B", "lines": [{"no": "BOLT", "quantity_per": "2"}]},
    {
        "type": "masterdata.item",
        "no": "SHELF",
        "base_unit": "PCS",
        "replenishment": "PRODUCTION",
        "production_bom_no": "B",
    },
]
CONSUME = {"lines": [{"order_id": "PO-1", "line_no": 10000, "component_line_no": 10000,
                      "quantity": "1"}]}  # fmt: skip
ADJUST = {"lines": [{"item_no": "BOLT", "quantity": "1", "unit_cost": "2"}]}

#: The request kinds of one round, in order.
KINDS = ("adjust", "consume", "order", "ledger page", "on hand")


@attrs.define
class Result:
    """One store's run: every request's kind and latency (seconds), and the wall time."""

    store: str
    clients: int
    latencies: list[tuple[str, float]]
    seconds: float

    @property
    def per_s(self) -> float:
        return len(self.latencies) / (self.seconds or 1e-9)

    def percentiles(self, kinds: Sequence[str] = KINDS) -> tuple[float, float, float]:
        """p50, p95, p99 in milliseconds of the requests of ``kinds``."""
        times = sorted(t for kind, t in self.latencies if kind in kinds)
        if len(times) < 2:
            return (times[0] * 1e3,) * 3 if times else (0.0, 0.0, 0.0)
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        return cuts[49] * 1e3, cuts[94] * 1e3, cuts[98] * 1e3


#: The results of the last :func:`main` run (for tests).
LAST_RESULTS: list[Result] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _server(url: str) -> Iterator[str]:
    """``prodcore serve`` on ``url`` in its own process; its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "prodcore", "serve", "--store", url, "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health")
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(10)
        if process.stderr is not None:
            process.stderr.close()


def _post(client: httpx.Client, tag: str, body: Any, key: str | None = None) -> httpx.Response:
    """POST, re-sending with the same key while the store reports a conflict."""
    headers = {"Idempotency-Key": key} if key else {}
    while True:
        response = client.post(f"/commands/{tag}", json=body, headers=headers)
        if response.status_code != 409:
            response.raise_for_status()
            return response


def _prepare(base: str, rounds: int) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        _post(client, "masterdata.put", {"records": RECORDS})
        _post(client, "order.create", {"order_id": "PO-1", "item_no": "SHELF",
                                       "quantity": str(rounds), "due_date": "2026-03-09"})  # fmt: skip
        _post(client, "order.change_status", {"order_id": "PO-1", "to_status": "RELEASED"})


def _client(base: str, number: int, requests: int) -> list[tuple[str, float]]:
    latencies = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for n in range(requests):
            kind = KINDS[n % len(KINDS)]
            start = time.perf_counter()
            if kind == "adjust":
                _post(client, "posting.adjust_inventory", ADJUST, f"a-{number}-{n}")
            elif kind == "consume":
                _post(client, "posting.consumption", CONSUME, f"c-{number}-{n}")
            elif kind == "order":
                client.get("/orders/PO-1").raise_for_status()
            elif kind == "ledger page":
                client.get("/ledgers/item", params={"order_id": "PO-1", "limit": 50})
            else:
                client.get("/balances/on-hand/BOLT").raise_for_status()
            latencies.append((kind, time.perf_counter() - start))
    return latencies


def run(store: str, url: str, clients: int, requests: int) -> Result:
    """Serve ``url`` and let ``clients`` send ``requests`` each."""
    with _server(url) as base:
        _prepare(base, clients * requests)
        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            runs = list(pool.map(lambda n: _client(base, n, requests), range(clients)))
        seconds = time.perf_counter() - start
    return Result(store, clients, [lat for r in runs for lat in r], seconds)


def _print(result: Result) -> None:
    posts = result.percentiles(("adjust", "consume"))
    reads = result.percentiles(("order", "ledger page", "on hand"))
    every = result.percentiles()
    print(
        f"\n{result.store}: {len(result.latencies)} requests from {result.clients} clients "
        f"in {result.seconds:.2f} s, {result.per_s:.0f} requests/s"
    )
    for name, (p50, p95, p99) in (("all", every), ("postings", posts), ("reads", reads)):
        print(f"  {name:<9} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  p99 {p99:7.2f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-c", "--clients", type=int, default=8)
    parser.add_argument("-n", "--requests", type=int, default=250, help="per client")
    parser.add_argument("--tiny", action="store_true", help="smoke sizes: 2 clients, 10 each")
    parser.add_argument("--pg", default=os.environ.get("PRODCORE_TEST_PG_DSN"))
    args = parser.parse_args(argv)
    clients, requests = (2, 10) if args.tiny else (args.clients, args.requests)
    print(f"C={clients} clients, N={requests} requests each ({', '.join(KINDS)} in turn)")
    LAST_RESULTS.clear()
    with tempfile.TemporaryDirectory(prefix="prodcore-bench-") as tmp:
        stores = [("memory", "memory:"), ("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if args.pg:
            upgrade_store(args.pg)
            stores.append(("postgres", args.pg))
        for name, url in stores:
            result = run(name, url, clients, requests)
            LAST_RESULTS.append(result)
            _print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
