"""With authentication on, nothing is reachable without a known key, and the key's user
is recorded on every batch the request posts (the "who" of the ledger)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from prodcore.service.http import api_key_auth
from prodcore.service.openapi import openapi_document
from prodcore.testing.shop import Shop
from tests.service.conftest import client_for, shelf_shop

KEYS = {"k-ana": "ana", "k-bob": "bob"}
OPENING = {"lines": [{"item_no": "BOLT", "quantity": "10", "unit_cost": "2.50"}]}


@pytest.fixture
def secured(shop: Shop) -> Iterator[httpx.Client]:
    yield from client_for(shop, api_key_auth(KEYS))


@pytest.fixture(scope="module")
def one_server() -> Iterator[tuple[Shop, httpx.Client]]:
    """One secured server for the many refusals (a refusal changes nothing)."""
    shop = shelf_shop()
    for client in client_for(shop, api_key_auth(KEYS)):
        yield shop, client


def _every_route() -> list[tuple[str, str]]:
    """Every documented operation (path parameters filled in), and a route that does not exist."""
    filled = {
        "{no}": "BOLT",
        "{order_id}": "PO-1",
        "{posting_no}": "1",
        "{item_no}": "BOLT",
        "{account}": "2110",
    }
    routes = [("GET", "/no/such/route"), ("POST", "/commands/no.such")]
    for path, operations in openapi_document(secured=True)["paths"].items():
        for name, value in filled.items():
            path = path.replace(name, value)
        routes += [(method.upper(), path) for method in operations]
    return routes


@pytest.mark.parametrize(("method", "path"), _every_route())
@pytest.mark.parametrize("key", [None, "", "k-an", "K-ANA", "wrong"])
def test_nothing_is_reachable_without_a_known_key(
    one_server: tuple[Shop, httpx.Client], method: str, path: str, key: str | None
) -> None:
    shop, secured = one_server
    before = shop.snapshot()
    headers = {} if key is None else {"X-API-Key": key}
    response = secured.request(method, path, json=OPENING, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "ApiKey"
    assert response.json()["error"] == "Unauthorized"
    assert shop.snapshot() == before


def test_the_users_key_stamps_the_batches_it_posts(secured: httpx.Client) -> None:
    posted = secured.post(
        "/commands/posting.adjust_inventory",
        json=OPENING,
        headers={"X-API-Key": "k-bob", "Idempotency-Key": "open"},
    )
    assert posted.status_code == 200
    assert (posted.json()["batch"]["user"], posted.json()["batch"]["source"]) == ("bob", "http")
    stored = secured.get("/batches/1", headers={"X-API-Key": "k-ana"}).json()
    assert (stored["user"], stored["source"]) == ("bob", "http")
    assert secured.get("/openapi.json", headers={"X-API-Key": "k-ana"}).json()["security"]
