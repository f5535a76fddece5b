"""Eight clients post at once over HTTP, retrying what fails and re-sending what
succeeded (as after a lost response): nothing is lost and nothing is posted twice.

On SQLite always; on PostgreSQL when the test run has a server."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from prodcore.adapters import Store, open_store
from prodcore.integrity import verify
from prodcore.serialization import to_jsonable
from prodcore.service.http import create_app
from prodcore.service.server import background_server
from tests.service.conftest import shelf_shop

CLIENTS, COMMANDS = 8, 6
OPENING = 1000


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        url = request.getfixturevalue("pg_dsn")
        with open_store(url, migrate=True, max_size=8) as pg:
            yield pg
    else:
        with open_store(f"sqlite:///{tmp_path / 'clients.db'}?busy_timeout=30") as sqlite:
            yield sqlite


#: The answers that asked the client to retry (409, 503), by status: shown, not asserted
#: (how often clients collide depends on timing).
RETRIED: Counter[int] = Counter()


def _send(client: httpx.Client, tag: str, body: Any, key: str | None = None) -> Any:
    """POST until it answers 200, retrying conflicts, store failures and lost connections
    with the same idempotency key."""
    headers = {"Idempotency-Key": key} if key else {}
    for _ in range(100):
        try:
            response = client.post(f"/commands/{tag}", json=body, headers=headers)
        except httpx.TransportError:
            continue
        if response.status_code not in (409, 503):
            assert response.status_code == 200, response.text
            return response.json()
        RETRIED[response.status_code] += 1
    raise AssertionError(f"{tag} {key} never went through")


def _client(base: str, number: int) -> list[tuple[str, Any]]:
    """One client's postings: an adjustment and a consumption per round, each re-sent
    now and then; the answers by key."""
    rng = random.Random(number)
    answers = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for k in range(COMMANDS):
            for tag, key, body in (
                (
                    "posting.adjust_inventory",
                    f"adj-{number}-{k}",
                    {"lines": [{"item_no": "BOLT", "quantity": "1", "unit_cost": "2"}]},
                ),
                (
                    "posting.consumption",
                    f"cons-{number}-{k}",
                    {
                        "lines": [
                            {
                                "order_id": "PO-1",
                                "line_no": 10000,
                                "component_line_no": 10000,
                                "quantity": "1",
                            }
                        ]
                    },
                ),
            ):
                first = _send(client, tag, body, key)
                if rng.random() < 0.5:
                    assert _send(client, tag, body, key) == first
                answers.append((key, first))
    return answers


def test_eight_clients_with_retries_lose_and_double_nothing(store: Store) -> None:
    # the server does not retry: the clients do, with their keys
    app = create_app(store, retries=0)
    RETRIED.clear()
    with background_server(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        records = [to_jsonable(r) for r in shelf_shop().records]
        _send(client, "masterdata.put", {"records": records})
        _send(
            client,
            "posting.adjust_inventory",
            {"lines": [{"item_no": "BOLT", "quantity": str(OPENING), "unit_cost": "2"}]},
            "opening",
        )
        _send(
            client,
            "order.create",
            {"order_id": "PO-1", "item_no": "SHELF", "quantity": "500", "due_date": "2026-03-09"},
        )
        _send(client, "order.change_status", {"order_id": "PO-1", "to_status": "RELEASED"})
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = [
                a for run in pool.map(lambda n: _client(base, n), range(CLIENTS)) for a in run
            ]

        keys = [key for key, _ in answers]
        assert len(set(keys)) == CLIENTS * COMMANDS * 2
        postings = {answer["batch"]["posting_no"] for _, answer in answers}
        assert len(postings) == len(keys)  # every key posted its own batch
        entries = client.get("/ledgers/item", params={"limit": 1000}).json()["entries"]
        by_key: dict[str, int] = {}
        for entry in entries:
            by_key[entry["document_no"]] = by_key.get(entry["document_no"], 0) + 1
        assert all(by_key[key] == 1 for key in keys)  # each posted exactly once
        assert len(entries) == 1 + len(keys)
        on_hand = client.get("/balances/on-hand/BOLT").json()["on_hand"]
        assert Decimal(on_hand) == OPENING  # +1 and -1 per client and round
        gl = client.get("/ledgers/gl", params={"limit": 1000}).json()["entries"]
        assert sum(Decimal(e["amount"]) for e in gl) == 0
    assert verify(store).ok
    print(f"clients retried after {dict(RETRIED)} answers")
