"""What reading a store gives, as plain JSON data: orders, every ledger entry, balances and
idempotency records. The fixture ``store_v0_1_0.json`` is this snapshot of
``store_v0_1_0.sqlite`` (both written by release 0.1.0 running the bundled demo); the
test reads that old file with the current code and compares.

Regenerate (only when deliberately re-recording a fixture)::

    python -m tests.app.store_snapshot tests/fixtures/store_v0_1_0.sqlite > tests/fixtures/store_v0_1_0.json
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from typing import Any

from prodcore.adapters import open_store
from prodcore.ports import UnitOfWork
from prodcore.serialization import to_jsonable

#: The idempotency keys of the bundled demo's steps (every step that has one).
DEMO = json.loads(resources.files("prodcore.examples").joinpath("bicycle.json").read_text())
KEYS = sorted(s["idempotency_key"] for s in DEMO["steps"] if "idempotency_key" in s)


def snapshot(uow: UnitOfWork) -> dict[str, Any]:
    """The store's content as read through ``uow``, as parsed JSON."""
    result: dict[str, Any] = _plain(_read(uow))
    return result


def _plain(data: Any) -> Any:
    """``data`` as JSON would give it back (lists, not tuples; enums as values)."""
    return json.loads(json.dumps(data))


def _read(uow: UnitOfWork) -> dict[str, Any]:
    with uow:
        orders = uow.orders.list()
        items = sorted(i.no for i in uow.master_data.items())
        gl = uow.ledger.gl_entries()
        return {
            "orders": [to_jsonable(o) for o in sorted(orders, key=lambda o: o.id)],
            "item_entries": [to_jsonable(e) for e in uow.ledger.item_entries()],
            "capacity_entries": [to_jsonable(e) for e in uow.ledger.capacity_entries()],
            "value_entries": [to_jsonable(e) for e in uow.ledger.value_entries()],
            "gl_entries": [to_jsonable(e) for e in gl],
            "on_hand": {no: str(uow.ledger.on_hand(no)) for no in items},
            "wip": {o.id: str(uow.ledger.wip(o.id)) for o in orders},
            "accounts": {
                a: str(uow.ledger.account_balance(a)) for a in sorted({e.account for e in gl})
            },
            "idempotency": {k: _record(uow, k) for k in KEYS},
        }


def _record(uow: UnitOfWork, key: str) -> Any:
    record = uow.ledger.idempotency(key)
    return None if record is None else to_jsonable(record)


if __name__ == "__main__":
    with open_store("sqlite:///" + sys.argv[1]) as factory:
        print(json.dumps(snapshot(factory()), indent=1, sort_keys=True))
