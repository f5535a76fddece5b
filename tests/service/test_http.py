"""HTTP semantics over a real server: idempotency keys, previews, optimistic writes with
ETag/If-Match, the status of every refusal, and that a refused request changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from prodcore.adapters.memory import InMemoryUnitOfWork
from prodcore.app import handle
from prodcore.orders.lifecycle import ChangeOrder
from prodcore.service.http import MAX_BODY, create_app
from prodcore.service.server import background_server
from prodcore.testing.shop import Shop
from tests.service.conftest import client_for, shelf_shop

OPENING = {"lines": [{"item_no": "BOLT", "quantity": "10", "unit_cost": "2.50"}]}
CREATE = {"order_id": "PO-1", "item_no": "SHELF", "quantity": "5", "due_date": "2026-03-09"}


def post(client: httpx.Client, tag: str, body: Any, **headers: str) -> httpx.Response:
    return client.post(f"/commands/{tag}", json=body, headers=headers)


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[Shop, httpx.Client]]:
    """One server with order PO-1, for the many refusals (a refusal changes nothing)."""
    shop = shelf_shop()
    for client in client_for(shop):
        assert post(client, "order.create", CREATE).status_code == 200
        yield shop, client


def test_a_retried_post_returns_the_first_result_with_the_same_status(
    client: httpx.Client, shop: Shop
) -> None:
    first = post(client, "posting.adjust_inventory", OPENING, **{"Idempotency-Key": "open-1"})
    after_first = shop.snapshot()
    again = post(client, "posting.adjust_inventory", OPENING, **{"Idempotency-Key": "open-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert first.json()["batch"]["idempotency_key"] == "open-1"
    assert shop.snapshot() == after_first


def test_the_same_key_for_another_command_is_refused_and_changes_nothing(
    client: httpx.Client, shop: Shop
) -> None:
    post(client, "posting.adjust_inventory", OPENING, **{"Idempotency-Key": "open-1"})
    before = shop.snapshot()
    other = {"lines": [{"item_no": "BOLT", "quantity": "11", "unit_cost": "2.50"}]}
    response = post(client, "posting.adjust_inventory", other, **{"Idempotency-Key": "open-1"})
    assert response.status_code == 422
    assert response.json()["error"] == "IdempotencyConflictError"
    assert response.json()["fields"] == {"key": "open-1"}
    assert shop.snapshot() == before


def test_the_key_may_travel_in_the_body_instead(client: httpx.Client) -> None:
    response = post(client, "posting.adjust_inventory", {**OPENING, "idempotency_key": "b"})
    assert response.status_code == 200
    assert response.json()["batch"]["idempotency_key"] == "b"


def test_preview_decides_and_writes_nothing(client: httpx.Client, shop: Shop) -> None:
    before = shop.snapshot()
    response = client.post(
        "/commands/posting.adjust_inventory?preview=true",
        json=OPENING,
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 200
    assert response.headers["Prodcore-Preview"] == "true"
    assert response.json()["batch"]["item_entries"][0]["quantity"] == "10"
    assert shop.snapshot() == before


def test_orders_carry_an_etag_and_if_match_guards_a_change(
    client: httpx.Client, shop: Shop
) -> None:
    created = post(client, "order.create", CREATE)
    assert created.status_code == 200 and created.headers["ETag"] == '"1"'
    got = client.get("/orders/PO-1")
    assert got.headers["ETag"] == '"1"' and got.json()["version"] == 1
    assert client.get("/orders/PO-1", headers={"If-None-Match": '"1"'}).status_code == 304
    released = post(
        client,
        "order.change_status",
        {"order_id": "PO-1", "to_status": "RELEASED"},
        **{"If-Match": '"1"'},
    )
    assert released.status_code == 200 and released.headers["ETag"] == '"2"'
    before = shop.snapshot()
    stale = post(
        client, "order.change", {"order_id": "PO-1", "description": "late"}, **{"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert shop.snapshot() == before


def test_a_concurrent_change_is_409_with_the_current_version(shop: Shop) -> None:
    """A unit of work whose order is changed by someone else between read and save."""
    handle(InMemoryUnitOfWork(shop.store), _create(), clock=shop.clock)

    class Interfered(InMemoryUnitOfWork):
        """Reading an order lets someone else change it before this unit of work saves."""

        @property
        def orders(self) -> Any:
            orders = super().orders
            read = orders.get

            def get(order_id: str) -> Any:
                order = read(order_id)
                meanwhile = ChangeOrder(order_id, description="meanwhile")
                handle(InMemoryUnitOfWork(shop.store), meanwhile, clock=shop.clock)
                return order

            orders.get = get  # type: ignore[method-assign]
            return orders

    app = create_app(lambda: Interfered(shop.store), clock=shop.clock, retries=0)
    with background_server(app) as base:
        response = httpx.post(
            f"{base}/commands/order.change", json={"order_id": "PO-1", "description": "mine"}
        )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "ConcurrencyError" and body["current_version"] >= 2


def _create() -> Any:
    from prodcore.commands import Command
    from prodcore.serialization import loads

    return loads({**CREATE, "type": "order.create"}, Command)


def test_a_domain_refusal_is_422_with_the_typed_fields(client: httpx.Client, shop: Shop) -> None:
    post(client, "order.create", CREATE)
    before = shop.snapshot()
    response = post(client, "order.change_status", {"order_id": "PO-1", "to_status": "FINISHED"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "InvalidTransitionError"
    assert body["fields"] == {
        "order_id": "PO-1",
        "status": "FIRM_PLANNED",
        "command": "change status to FINISHED",
    }
    assert shop.snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/orders/NOPE",
        "/batches/99",
        "/master-data/items/NOPE",
        "/master-data/widgets",
        "/ledgers/stock",
        "/balances/wip/NOPE",
        "/balances/on-hand/NOPE",
        "/reports/cost/NOPE",
        "/no/such/route",
    ],
)
def test_what_does_not_exist_is_404(seeded: tuple[Shop, httpx.Client], path: str) -> None:
    response = seeded[1].get(path)
    assert response.status_code == 404
    assert response.json()["error"] in ("NotFoundError", "HTTPException")


def test_an_unknown_command_is_404(client: httpx.Client, shop: Shop) -> None:
    before = shop.snapshot()
    assert post(client, "order.explode", CREATE).status_code == 404
    assert shop.snapshot() == before


_FLOAT = b'{"order_id": "PO-9", "item_no": "SHELF", "quantity": 5.0, "due_date": "2026-03-09"}'

#: (what is wrong, command tag, raw body, headers, status)
MALFORMED: list[tuple[str, str, bytes, dict[str, str], int]] = [
    ("not JSON", "order.create", b'{"order_id": ', {}, 400),
    ("not UTF-8", "order.create", b'{"order_id": "\xff"}', {}, 400),
    ("a float", "order.create", _FLOAT, {}, 400),
    (
        "NaN",
        "posting.adjust_inventory",
        b'{"lines": [{"item_no": "BOLT", "quantity": NaN}]}',
        {"Idempotency-Key": "n"},
        400,
    ),
    ("a key twice", "order.create", b'{"order_id": "A", "order_id": "B"}', {}, 400),
    ("an array", "order.create", b"[]", {}, 400),
    (
        "another command's tag",
        "order.create",
        b'{"type": "order.delete", "order_id": "PO-1"}',
        {},
        400,
    ),
    ("an unknown field", "order.delete", b'{"order_id": "PO-1", "colour": "red"}', {}, 400),
    ("a missing field", "order.delete", b"{}", {}, 400),
    (
        "an unknown status",
        "order.change_status",
        b'{"order_id": "PO-1", "to_status": "DONE"}',
        {},
        400,
    ),
    (
        "a bad date",
        "order.create",
        b'{"order_id": "PO-9", "item_no": "SHELF", "quantity": "5", "due_date": "9/3/2026"}',
        {},
        400,
    ),
    (
        "a bool for a number",
        "order.create",
        b'{"order_id": "PO-9", "item_no": "SHELF", "quantity": true, "due_date": "2026-03-09"}',
        {},
        400,
    ),
    (
        "a negative quantity",
        "posting.adjust_inventory",
        b'{"lines": [{"item_no": "BOLT", "quantity": "0"}]}',
        {"Idempotency-Key": "z"},
        400,
    ),
    (
        "a key for a keyless command",
        "order.delete",
        b'{"order_id": "PO-1"}',
        {"Idempotency-Key": "k"},
        400,
    ),
    (
        "two different keys",
        "posting.adjust_inventory",
        b'{"idempotency_key": "a", "lines": []}',
        {"Idempotency-Key": "b"},
        400,
    ),
    ("a bad If-Match", "order.delete", b'{"order_id": "PO-1"}', {"If-Match": "yesterday"}, 400),
    ("If-Match without an order", "costing.implement_standard", b"{}", {"If-Match": '"1"'}, 400),
    ("a stale If-Match", "order.delete", b'{"order_id": "PO-1"}', {"If-Match": '"5"'}, 412),
    ("too large", "order.create", b'{"x": "' + b"a" * MAX_BODY + b'"}', {}, 413),
]


@pytest.mark.parametrize(
    ("tag", "body", "headers", "status"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_every_malformed_command_gets_its_status_and_changes_nothing(
    seeded: tuple[Shop, httpx.Client], tag: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    shop, client = seeded
    before = shop.snapshot()
    response = client.post(f"/commands/{tag}", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert set(response.json()) >= {"error", "message", "fields"}
    assert shop.snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/orders?status=DONE",
        "/orders?colour=red",
        "/ledgers/item?limit=0",
        "/ledgers/item?limit=1001",
        "/ledgers/item?after=-1",
        "/ledgers/value?item_no=BOLT",
        "/reports/load?from=2026-03-01",
        "/reports/load?from=2026-03-01&to=2026-03-09&period=FORTNIGHT",
    ],
)
def test_a_malformed_query_is_400(seeded: tuple[Shop, httpx.Client], path: str) -> None:
    response = seeded[1].get(path)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "InvalidValueError"


def test_a_malformed_preview_flag_is_400(client: httpx.Client, shop: Shop) -> None:
    before = shop.snapshot()
    response = client.post("/commands/order.create?preview=maybe", json=CREATE)
    assert response.status_code == 400
    assert shop.snapshot() == before


def test_master_data_put_and_get(client: httpx.Client) -> None:
    item = {"no": "NUT", "base_unit": "PCS", "unit_cost": "0.10"}
    put = client.put("/master-data/items/NUT", json=item)
    assert put.status_code == 200 and put.json()["unit_cost"] == "0.10"
    assert client.get("/master-data/items/NUT").json() == put.json()
    assert "NUT" in [i["no"] for i in client.get("/master-data/items").json()]
    setup = client.get("/master-data/setup").json()
    changed = client.put("/master-data/setup", json={**setup, "currency": "USD"})
    assert changed.json()["currency"] == "USD"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/master-data/items/NUT", {"no": "BOLT", "base_unit": "PCS"}, 400),
        ("/master-data/items/NUT", {"type": "masterdata.bom", "no": "NUT", "lines": []}, 400),
        ("/master-data/items/NUT", {"no": "NUT"}, 400),
        ("/master-data/widgets/NUT", {"no": "NUT"}, 404),
        ("/master-data/setup", {"currency": 1.5}, 400),
        ("/posting-setup", {"wip": "2140", "colour": "red"}, 400),
        # a BOM naming its own item: a cycle, refused by the application layer
        ("/master-data/boms/B", {"no": "B", "lines": [{"no": "SHELF"}]}, 422),
    ],
)
def test_malformed_master_data_is_refused_and_changes_nothing(
    seeded: tuple[Shop, httpx.Client], path: str, body: Any, status: int
) -> None:
    client = seeded[1]
    before = [client.get(f"/master-data/{kind}").json() for kind in ("items", "boms")]
    setups = client.get("/master-data/setup").json(), client.get("/posting-setup").json()
    assert client.put(path, json=body).status_code == status
    assert [client.get(f"/master-data/{kind}").json() for kind in ("items", "boms")] == before
    assert (client.get("/master-data/setup").json(), client.get("/posting-setup").json()) == setups


def test_ledgers_page_and_filter(client: httpx.Client) -> None:
    for n in range(5):
        body = {"lines": [{"item_no": "BOLT", "quantity": "1", "unit_cost": "1"}]}
        post(client, "posting.adjust_inventory", body, **{"Idempotency-Key": f"k{n}"})
    first = client.get("/ledgers/item?limit=2").json()
    assert [e["entry_no"] for e in first["entries"]] == [1, 2] and first["next_after"] == 2
    rest = client.get("/ledgers/item?after=2&limit=3").json()
    assert [e["entry_no"] for e in rest["entries"]] == [3, 4, 5] and rest["next_after"] is None
    assert client.get("/ledgers/item?item_no=SHELF").json()["entries"] == []
    assert client.get("/balances/on-hand/BOLT").json()["on_hand"] == "5"
    gl = client.get("/ledgers/gl").json()["entries"]
    account = gl[0]["account"]
    balance = sum(Decimal(e["amount"]) for e in gl if e["account"] == account)
    assert Decimal(client.get(f"/balances/accounts/{account}").json()["balance"]) == balance
