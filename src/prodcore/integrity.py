"""Re-check what a store holds: documents load, versions are sane, the ledger adds up.

:func:`verify` works through the ports, so it checks any store; for prodcore's SQL
stores it also loads every stored JSON document on its own (one bad row is reported,
not fatal) and compares key columns with the documents. Problems come back as data:

>>> from prodcore.adapters import open_store
>>> from prodcore.testing.contracts import sample_batch, sample_order
>>> with open_store("sqlite:///:memory:") as store:
...     with store() as uow:
...         uow.orders.add(sample_order())
...         _ = uow.ledger.append(sample_batch())
...         uow.commit()
...     report = verify(store)
>>> report.ok, report.checked
(True, 7)
>>> print(report)
OK: 7 records checked, no problems.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from typing import Any

import attrs

from prodcore.errors import NotFoundError, ProdcoreError
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    CapacityLedgerEntry,
    GLEntry,
    IdempotencyRecord,
    ItemLedgerEntry,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.orders.model import ProductionOrder
from prodcore.ports import UnitOfWork
from prodcore.serialization import loads, to_jsonable

__all__ = ["IntegrityReport", "Problem", "ledger_hash_chain", "verify"]


@attrs.frozen
class Problem:
    """One thing wrong: where (``area``, ``key``) and what."""

    area: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.area} {self.key}: {self.message}"


@attrs.frozen
class IntegrityReport:
    """What :func:`verify` found. ``checked`` counts records looked at."""

    checked: int
    problems: tuple[Problem, ...] = ()
    ledger_hash: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.checked} records checked, no problems."
        lines = [f"{len(self.problems)} problem(s) in {self.checked} records checked:"]
        lines += [f"- {p}" for p in self.problems]
        return "\n".join(lines)


class _Collector:
    def __init__(self) -> None:
        self.checked = 0
        self.problems: list[Problem] = []

    def add(self, area: str, key: object, message: str) -> None:
        self.problems.append(Problem(area, str(key), message))

    def guard(self, area: str, key: object, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except ProdcoreError as err:
            self.add(area, key, f"{type(err).__name__}: {err}")
            return None


def _batches(uow: UnitOfWork, out: _Collector) -> Iterator[PostingBatch]:
    n = 1
    while True:
        try:
            batch = uow.ledger.batch(n)
        except NotFoundError:
            return
        except ProdcoreError as err:
            out.add("ledger batch", n, f"cannot be read: {err}")
        else:
            yield batch
        n += 1


def _check_orders(uow: UnitOfWork, out: _Collector) -> None:
    orders = out.guard("orders", "*", uow.orders.list) or []
    for order in orders:
        out.checked += 1
        if order.version < 1:
            out.add("order", order.id, f"version {order.version} is below 1")
        if not order.history:
            out.add("order", order.id, "has no status history")
        elif order.history[-1].to_status is not order.status:
            out.add(
                "order",
                order.id,
                f"status {order.status} differs from its last history entry "
                f"{order.history[-1].to_status}",
            )


def _listed(listing: Callable[[], Iterator[Any]]) -> list[Any]:
    return list(listing())


def _check_master_data(uow: UnitOfWork, out: _Collector) -> None:
    md = uow.master_data
    out.guard("setup", "setup", lambda: md.setup)
    listings: tuple[Callable[[], Iterator[Any]], ...] = (
        md.items,
        md.boms,
        md.routings,
        md.work_centers,
        md.machine_centers,
    )
    for listing in listings:
        records: list[Any] | None = out.guard(
            "master data", listing.__name__, partial(_listed, listing)
        )
        out.checked += len(records or ())


def _check_ledger(uow: UnitOfWork, out: _Collector) -> list[PostingBatch]:
    index = LedgerIndex()
    batches: list[PostingBatch] = []
    expected = {"item": 1, "capacity": 1, "value": 1, "gl": 1}
    for batch in _batches(uow, out):
        batches.append(batch)
        out.checked += 1 + sum(
            map(
                len,
                (batch.item_entries, batch.capacity_entries, batch.value_entries, batch.gl_entries),
            )
        )
        key = batch.posting_no
        out.guard("ledger batch", key, batch.check_balanced)
        for name, entries in (
            ("item", batch.item_entries),
            ("capacity", batch.capacity_entries),
            ("value", batch.value_entries),
            ("gl", batch.gl_entries),
        ):
            for entry in entries:
                if entry.entry_no != expected[name]:
                    out.add(
                        f"{name} entry",
                        entry.entry_no,
                        f"numbering gap: expected {expected[name]} (posting {key})",
                    )
                expected[name] = entry.entry_no + 1
        for item in batch.item_entries:
            _check_reversal(index, item, out)
        for cap in batch.capacity_entries:
            if cap.applies_to_entry_no is not None and (
                cap.applies_to_entry_no not in index.capacity
            ):
                out.add(
                    "capacity entry",
                    cap.entry_no,
                    f"reverses capacity entry {cap.applies_to_entry_no}, which does not precede it",
                )
        index.apply(batch)
        for value in batch.value_entries:
            if value.entry_type is ValueEntryType.WIP_WRITE_OFF and value.order_id is not None:
                continue  # an order line's WIP written off at finishing: values no entry
            source = (
                value.item_entry_no if value.source is ValueSource.ITEM else value.capacity_entry_no
            )
            table = index.items if value.source is ValueSource.ITEM else index.capacity
            if source is None or source not in table:
                out.add(
                    "value entry",
                    value.entry_no,
                    f"values {value.source} entry {source}, which does not exist",
                )
        for gl in batch.gl_entries:
            if gl.value_entry_no not in index.values:
                out.add(
                    "G/L entry", gl.entry_no, f"refers to missing value entry {gl.value_entry_no}"
                )
    _check_balances(uow, index, out)
    return batches


def _check_reversal(index: LedgerIndex, item: ItemLedgerEntry, out: _Collector) -> None:
    target_no = item.applies_to_entry_no
    if target_no is None:
        return
    target = index.items.get(target_no)
    if target is None:
        out.add(
            "item entry",
            item.entry_no,
            f"reverses item entry {target_no}, which does not precede it",
        )
        return
    if target.item_no != item.item_no or (target.quantity > 0) == (item.quantity > 0):
        out.add("item entry", item.entry_no, f"does not offset item entry {target_no}")
    already = index.reversed_quantity(ValueSource.ITEM, target_no)
    if already + abs(item.quantity) > abs(target.quantity):
        out.add(
            "item entry", item.entry_no, f"reverses more of item entry {target_no} than it holds"
        )


def _check_balances(uow: UnitOfWork, index: LedgerIndex, out: _Collector) -> None:
    """The store's running balances equal the entries re-added from scratch."""
    ledger = uow.ledger
    checks: list[tuple[str, object, Decimal, Callable[[], Decimal]]] = []
    for (item_no, location), qty in index.on_hand_by_location.items():
        checks.append(
            ("on hand", (item_no, location), qty, partial(ledger.on_hand, item_no, location))
        )
    for item_no, qty in index.on_hand_total.items():
        checks.append(("on hand", item_no, qty, partial(ledger.on_hand, item_no)))
    for (order_id, line_no, comp_no), qty in index.consumed.items():
        checks.append(
            (
                "consumed",
                (order_id, line_no, comp_no),
                qty,
                partial(ledger.consumed_quantity, order_id, line_no, comp_no),
            )
        )
    for (order_id, line_no), qty in index.output.items():
        checks.append(
            ("output", (order_id, line_no), qty, partial(ledger.output_quantity, order_id, line_no))
        )
    for order_id, amount in index.wip_by_order.items():
        checks.append(("WIP", order_id, amount, partial(ledger.wip, order_id)))
    for account, amount in index.accounts.items():
        checks.append(("account", account, amount, partial(ledger.account_balance, account)))
    for (source, entry_no), qty in index.reversed.items():
        checks.append(
            (
                "reversed",
                (source, entry_no),
                qty,
                partial(ledger.reversed_quantity, source, entry_no),
            )
        )
    for (centre, day), used in index.capacity_used_by_day.items():
        checks.append(
            ("capacity used", (centre, day), used, partial(ledger.capacity_used, centre, day, day))
        )
    for area, key, expected, stored in checks:
        got = out.guard(f"{area} balance", key, stored)
        if got is not None and got != expected:
            out.add(f"{area} balance", key, f"stored {got}, entries add up to {expected}")


_LEDGER_DOCS: dict[str, type] = {
    "ledger:batch": PostingBatch,
    "ledger:item": ItemLedgerEntry,
    "ledger:capacity": CapacityLedgerEntry,
    "ledger:value": ValueEntry,
    "ledger:gl": GLEntry,
}


def _check_documents(store: Any, out: _Collector) -> None:
    """prodcore's SQL stores: every raw document loads and matches its key columns."""
    from prodcore.adapters._sql import KINDS
    from prodcore.masterdata import ManufacturingSetup

    for table, key, version, doc in store.documents():
        try:
            if table == "setup":
                loads(doc, ManufacturingSetup)
            elif table.startswith("master_data:"):
                kind = table.split(":", 1)[1]
                record: Any = loads(doc, KINDS[kind])
                if record.no != key:
                    out.add(table, key, f"document says number {record.no!r}")
            elif table.startswith("orders:"):
                order = loads(doc, ProductionOrder)
                status = table.split(":", 1)[1]
                if order.id != key or order.version != version or order.status.value != status:
                    out.add(
                        "order",
                        key,
                        f"columns (id {key!r}, version {version}, {status}) differ from the "
                        f"document (id {order.id!r}, version {order.version}, {order.status})",
                    )
            elif table == "posting_setup":
                loads(doc, PostingSetup)
            elif table == "idempotency":
                if loads(doc, IdempotencyRecord).key != key:
                    out.add(table, key, "the document carries another key")
            elif table.startswith("ledger:"):
                cls = _LEDGER_DOCS[table]
                record = loads(doc, cls)
                number = record.posting_no if cls is PostingBatch else record.entry_no
                if str(number) != key:
                    out.add(table, key, f"the document says number {number}")
        except (ProdcoreError, KeyError) as err:
            out.add(table, key, f"stored document does not load: {err}")


def ledger_hash_chain(batches: list[PostingBatch]) -> str:
    """A SHA-256 chain over the batches' canonical JSON, in posting order.

    Each link hashes the previous hash and one batch; keep the result somewhere else
    (a report, a log) and a later :func:`verify` shows whether history was rewritten.
    """
    digest = ""
    for batch in batches:
        canonical = json.dumps(to_jsonable(batch), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256((digest + canonical).encode()).hexdigest()
    return digest


def verify(
    uow_factory: Callable[[], UnitOfWork], *, expected_hash: str | None = None
) -> IntegrityReport:
    """Check everything ``uow_factory``'s store holds; never raises for bad data.

    ``expected_hash``: a :func:`ledger_hash_chain` value taken earlier; the ledger must
    still start with exactly those batches.
    """
    out = _Collector()
    from prodcore.adapters._sql import SqlStore

    if isinstance(uow_factory, SqlStore):
        _check_documents(uow_factory, out)
    with uow_factory() as uow:
        _check_master_data(uow, out)
        _check_orders(uow, out)
        batches = _check_ledger(uow, out)
    digest = ledger_hash_chain(batches)
    if expected_hash is not None and expected_hash not in {
        ledger_hash_chain(batches[:n]) for n in range(len(batches) + 1)
    }:
        out.add(
            "ledger", "hash chain", "the ledger no longer starts with the batches hashed earlier"
        )
    return IntegrityReport(out.checked, tuple(out.problems), digest)
