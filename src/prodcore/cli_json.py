"""The ``--json`` output of ``prodcore run`` and ``prodcore demo``: everything the tables
show, as one JSON document for programs.

The document follows the JSON Schema shipped as ``prodcore/schemas/run-output.v1.json``
(:func:`run_output_schema`); its ``schema_version`` changes only when a field is removed
or changes meaning (new fields may appear within a version). Amounts and quantities are
strings (exact decimals), moments ISO 8601 with their offset.

>>> schema = run_output_schema()
>>> schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from importlib import resources
from typing import Any

from prodcore.costing import roll_up
from prodcore.costing.shares import SHARE_NAMES, CostShares
from prodcore.costing.variance import D365Variances, order_cost_views
from prodcore.errors import ProdcoreError
from prodcore.masterdata import MasterData
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import UnitOfWork
from prodcore.reports.tables import postings
from prodcore.scenario import MasterDataChange, StepResult
from prodcore.scheduling import LoadView
from prodcore.serialization import to_jsonable

__all__ = ["SCHEMA_ID", "SCHEMA_VERSION", "posting_no", "run_output", "run_output_schema"]

SCHEMA_VERSION = 1
"""The version of the ``--json`` document (its ``schema_version`` field)."""

SCHEMA_ID = "urn:prodcore:run-output:1"
"""The ``$id`` of the JSON Schema of this version (the document's ``schema`` field)."""


def run_output_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the ``--json`` document, as shipped."""
    text = resources.files("prodcore").joinpath("schemas/run-output.v1.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _shares(shares: CostShares) -> dict[str, str]:
    return {
        **{name: str(getattr(shares, name)) for name in SHARE_NAMES},
        "total": str(shares.total),
    }


def posting_no(result: StepResult) -> int | None:
    """The number of the posting a step made (or replayed), None if it posted nothing."""
    batch = getattr(result.result, "batch", None) or getattr(result.result, "posting", None)
    return getattr(batch, "posting_no", None) or None


def _step(result: StepResult, summary: str) -> dict[str, Any]:
    """A step: its command, the posting it made, its warnings and notes, and the line the
    steps table shows for it (``summary``)."""
    return {
        "step": result.number,
        "at": result.at.isoformat(),
        "type": "expect" if result.command is None else type(result.command).__name__,
        "command": None if result.command is None else to_jsonable(result.command),
        "result": _result(result.result),
        "posting_no": posting_no(result),
        "warnings": list(getattr(result.result, "warnings", ())),
        "notes": list(getattr(result.result, "notes", ())),
        "summary": summary,
    }


def _result(value: object) -> Any:
    """A step's result as JSON data: a refusal as its type and message, a master data
    change as what it set."""
    if isinstance(value, ProdcoreError):
        return {"error": type(value).__name__, "message": str(value)}
    if isinstance(value, MasterDataChange):
        return {"type": value.record, "no": value.no, "set": dict(value.changes)}
    return to_jsonable(value)


def _cost_view(uow: UnitOfWork) -> list[dict[str, str]]:
    """The G/L balance per account and role (the "Cost view" table)."""
    balances: dict[tuple[str, str], Decimal] = {}
    for e in uow.ledger.gl_entries():
        key = (e.account, e.role.value)
        balances[key] = balances.get(key, Decimal(0)) + e.amount
    return [
        {
            "account": account,
            "role": role,
            "balance": str(amount),
            "debit": str(max(amount, Decimal(0))),
            "credit": str(max(-amount, Decimal(0))),
        }
        for (account, role), amount in sorted(balances.items())
    ]


def _d365(analysis: D365Variances) -> dict[str, Any]:
    return {**to_jsonable(analysis), "total": str(analysis.total)}


def _order_costs(uow_factory: Callable[[], UnitOfWork], order_id: str) -> dict[str, Any]:
    views = order_cost_views(uow_factory(), order_id)
    b = views.breakdown
    return {
        "order_id": b.order_id,
        "item_no": b.item_no,
        "currency": views.currency,
        "final": b.final,
        "output_quantity": str(b.output_quantity),
        "lines": b.lines,
        "standard": _shares(b.standard),
        "actual": _shares(b.actual),
        "variance": _shares(b.variance),
        "d365": [_d365(a) for a in views.analyses],
    }


def run_output(
    uow_factory: Callable[[], UnitOfWork],
    *,
    scenario: str,
    store: str,
    results: Sequence[StepResult],
    summaries: Sequence[str],
    load: LoadView | None,
) -> dict[str, Any]:
    """The ``--json`` document of a scenario run on the store of ``uow_factory``:
    ``summaries`` are the steps table's notes (one per result), ``load`` the load view
    the tables show (None: no scheduled open order)."""
    with uow_factory() as uow:
        orders: list[ProductionOrder] = uow.orders.list()
        ledger = uow.ledger
        items = ledger.item_entries()
        md = MasterData.snapshot(uow.master_data)
        document: dict[str, Any] = {
            "schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "scenario": scenario,
            "store": store,
            "steps": [_step(r, s) for r, s in zip(results, summaries, strict=True)],
            "orders": [to_jsonable(o) for o in orders],
            # every entry, with or without an order (opening stock is an adjustment)
            "item_ledger": [to_jsonable(e) for e in items],
            "capacity_ledger": [to_jsonable(e) for e in ledger.capacity_entries()],
            "value_entries": [to_jsonable(e) for e in ledger.value_entries()],
            "gl_entries": [to_jsonable(e) for e in ledger.gl_entries()],
            "cost_view": _cost_view(uow),
            "on_hand": [
                {"item_no": no, "location_code": loc, "on_hand": str(ledger.on_hand(no, loc))}
                for no, loc in sorted({(e.item_no, e.location_code) for e in items})
            ],
            "wip": {o.id: str(ledger.wip(o.id)) for o in orders},
            "postings": [
                {
                    "posting_no": b.posting_no,
                    "document_no": b.document_no,
                    "posted_at": b.posted_at.isoformat(),
                    "user": b.user,
                    "source": b.source,
                    "idempotency_key": b.idempotency_key,
                }
                for b in postings(ledger)
            ],
        }
    produced = sorted({line.item_no for o in orders for line in o.lines})
    rollup = roll_up(md, produced)
    document["load"] = None if load is None else load.to_dict()
    document["standard_costs"] = [
        {
            "item_no": no,
            "currency": md.setup.currency,
            "single_level": _shares(rollup[no].single_level),
            "rolled_up": _shares(rollup[no].rolled_up),
        }
        for no in produced
    ]
    document["order_costs"] = [
        _order_costs(uow_factory, o.id) for o in orders if o.status is OrderStatus.FINISHED
    ]
    return document
