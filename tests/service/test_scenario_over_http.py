"""The bundled scenario sent over HTTP, step by step as a client would send it, posts
the same ledger as ``prodcore run``."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from prodcore.adapters import MemoryStoreFactory
from prodcore.cli import main
from prodcore.clock import FixedClock
from prodcore.commands import LEGACY_TAGS, WIRE_TAGS, PutMasterData
from prodcore.scenario import load_scenario, run_scenario
from prodcore.serialization import to_jsonable
from prodcore.service.http import create_app
from prodcore.service.openapi import MASTER_DATA
from prodcore.service.server import background_server

KIND_OF = {kind.cls: name for name, kind in MASTER_DATA.items()}
LEDGERS = {
    "item": "item_ledger",
    "capacity": "capacity_ledger",
    "value": "value_entries",
    "gl": "gl_entries",
}


def _bicycle() -> str:
    return resources.files("prodcore").joinpath("examples/bicycle.json").read_text("utf-8")


def _pages(client: httpx.Client, ledger: str, **filters: str) -> list[Any]:
    """Every entry of a ledger, read a few at a time (the pages must join up)."""
    entries: list[Any] = []
    after: int | None = 0
    while after is not None:
        page = client.get(f"/ledgers/{ledger}", params={**filters, "after": after, "limit": 7})
        assert page.status_code == 200
        entries += page.json()["entries"]
        after = page.json()["next_after"]
    return entries


def _run_over_http(client: httpx.Client, clock: FixedClock, text: str) -> list[httpx.Response]:
    scenario = load_scenario(text)
    # all master data in one unit of work: records refer to each other
    put = PutMasterData(scenario.master_data, setup=scenario.setup)
    assert client.post("/commands/masterdata.put", json=to_jsonable(put)).status_code == 200
    assert client.put("/posting-setup", json=to_jsonable(scenario.posting_setup)).status_code == 200
    for record in scenario.master_data:
        path = f"/master-data/{KIND_OF[type(record)]}/{record.no}"
        assert client.get(path).json() == to_jsonable(record)
    responses = []
    for raw, step in zip(json.loads(text)["steps"], scenario.steps, strict=True):
        if step.at is not None:
            clock.at = step.at
        if step.command is None:  # a step that only states expectations
            continue
        body = {k: v for k, v in raw.items() if k not in {"at", "expect", "expect_error"}}
        tag = LEGACY_TAGS.get(raw["type"], raw["type"])
        assert tag == WIRE_TAGS[type(step.command)]
        responses.append(client.post(f"/commands/{tag}", json=body))
    return responses


def test_the_bundled_scenario_over_http_posts_the_ledger_of_prodcore_run(tmp_path: Path) -> None:
    text = _bicycle()
    scenario_file = tmp_path / "bicycle.json"
    scenario_file.write_text(text, encoding="utf-8")
    out = io.StringIO()
    assert main(["run", str(scenario_file), "--json", "--store", "memory:"], out=out) == 0
    expected = json.loads(out.getvalue())

    clock = FixedClock(load_scenario(text).start)
    with MemoryStoreFactory() as store:
        app = create_app(store, clock=clock)
        with background_server(app) as base, httpx.Client(base_url=base, timeout=10) as client:
            responses = _run_over_http(client, clock, text)
            assert [r.status_code for r in responses] == [200] * len(responses)
            orders = client.get("/orders").json()
            got = {
                name: [
                    entry
                    for order in orders
                    for entry in _pages(client, ledger, order_id=order["id"])
                ]
                for ledger, name in LEDGERS.items()
            }
            wip = {o["id"]: client.get(f"/balances/wip/{o['id']}").json()["wip"] for o in orders}
            whole = {ledger: _pages(client, ledger) for ledger in LEDGERS}
            batches = [client.get(f"/batches/{n}").json() for n in (1, 2)]

    assert orders == expected["orders"]
    order_ids = {o["id"] for o in orders}
    for name in LEDGERS.values():  # the run's ledgers also hold entries of no order
        assert got[name] == [e for e in expected[name] if e.get("order_id") in order_ids], name
    assert wip == expected["wip"]
    # the whole ledger (adjustments of no order too) is the one run_scenario posts
    direct = MemoryStoreFactory()
    run_scenario(load_scenario(text), direct)
    with direct() as uow:
        assert whole["item"] == [to_jsonable(e) for e in uow.ledger.item_entries()]
        assert whole["gl"] == [to_jsonable(e) for e in uow.ledger.gl_entries()]
    # the step that repeats an idempotency key got the first result back
    batches_posted = [r.json().get("batch") for r in responses if isinstance(r.json(), dict)]
    assembly = [b["posting_no"] for b in batches_posted if b and b["idempotency_key"] == "assembly"]
    assert len(assembly) == 2 and assembly[0] == assembly[1]
    # the batches say they came over HTTP (no user: authentication is off)
    assert all(b["source"] == "http" and "user" not in b for b in batches)


def test_every_answer_of_the_scenario_validates_against_the_openapi_document() -> None:
    from tests.service.test_openapi import DOC, validator

    def check(path: str, method: str, response: httpx.Response) -> None:
        assert response.status_code == 200, response.text
        ok = DOC["paths"][path][method]["responses"]["200"]
        validator(ok["content"]["application/json"]["schema"]).validate(response.json())

    text = _bicycle()
    clock = FixedClock(load_scenario(text).start)
    with (
        MemoryStoreFactory() as store,
        background_server(create_app(store, clock=clock)) as base,
        httpx.Client(base_url=base, timeout=10) as client,
    ):
        responses = _run_over_http(client, clock, text)
        for raw, response in zip(json.loads(text)["steps"], responses, strict=True):
            tag = LEGACY_TAGS.get(raw["type"], raw["type"])
            check(f"/commands/{tag}", "post", response)
        check("/orders", "get", client.get("/orders"))
        check("/orders/{order_id}", "get", client.get("/orders/PO-1001"))
        for ledger in LEDGERS:
            check(f"/ledgers/{ledger}", "get", client.get(f"/ledgers/{ledger}"))
        check("/batches/{posting_no}", "get", client.get("/batches/3"))
        check("/reports/cost/{order_id}", "get", client.get("/reports/cost/PO-1001"))
        load = client.get("/reports/load", params={"from": "2026-03-02", "to": "2026-03-14"})
        check("/reports/load", "get", load)
        assert load.json()["rows"]
        for kind in MASTER_DATA:
            check(f"/master-data/{kind}", "get", client.get(f"/master-data/{kind}"))
        check("/master-data/setup", "get", client.get("/master-data/setup"))
        check("/posting-setup", "get", client.get("/posting-setup"))
