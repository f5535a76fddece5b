"""Who posted what and through what: shown in the ledger tables and the CLI's JSON,
filterable, checked by verify."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import handle
from prodcore.integrity import verify
from prodcore.orders.journals import AdjustInventory, AdjustmentLine
from prodcore.reports.tables import ledger_tables, postings, postings_table
from prodcore.testing.shop import Shop

SCHEMA = Path(__file__).parents[2] / "src/prodcore/schemas/run-output.v1.json"


def _post(shop: Shop, user: str | None, source: str | None) -> None:
    command = AdjustInventory(shop.key(), (AdjustmentLine("LEG", 1),))
    handle(shop.uow, command, clock=shop.clock, user=user, source=source)


def test_postings_show_and_filter_by_user_and_source(shop: Shop) -> None:
    _post(shop, "anna", "terminal-3")
    _post(shop, "ben", "mes")
    _post(shop, "anna", "mes")
    with shop.uow:
        ledger = shop.uow.ledger
        every = postings(ledger)
        assert [(b.user, b.source) for b in every[-3:]] == [
            ("anna", "terminal-3"),
            ("ben", "mes"),
            ("anna", "mes"),
        ]
        assert [b.source for b in postings(ledger, user="anna")] == ["terminal-3", "mes"]
        assert [b.user for b in postings(ledger, source="mes")] == ["ben", "anna"]
        assert [b.user for b in postings(ledger, user="anna", source="mes")] == ["anna"]
        text = postings_table(ledger, user="ben").text()
        tables = ledger_tables(ledger, [])
    assert "ben" in text and "anna" not in text and "terminal-3" not in text
    assert any(t.title == "Postings" and "terminal-3" in t.text() for t in tables)


def test_verify_covers_who_posted(shop: Shop) -> None:
    _post(shop, "anna", "terminal-3")
    assert verify(lambda: InMemoryUnitOfWork(shop.store)).ok
    store: InMemoryStore = shop.store
    last = max(store.ledger.batches)
    store.ledger.batches[last] = attrs.evolve(store.ledger.batches[last], user=" \n")
    report = verify(lambda: InMemoryUnitOfWork(store))
    assert not report.ok
    assert "not a readable name" in str(report)


def test_the_json_schema_describes_postings() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert "postings" in schema["properties"]
    assert schema["$defs"]["posting"]["required"] == [
        "posting_no",
        "document_no",
        "posted_at",
        "user",
        "source",
        "idempotency_key",
    ]


def test_back_dated_entries_pass_verify(shop: Shop) -> None:
    shop.post(
        AdjustInventory(shop.key(), (AdjustmentLine("LEG", 5),), posting_date=dt.date(2026, 2, 3))
    )
    assert verify(lambda: InMemoryUnitOfWork(shop.store)).ok
