"""The peer's side of ``peer.py``: Tryton's production flow, run by the peer's own
interpreter (the throwaway virtual environment ``peer.py --install`` makes).

    <peer venv>/bin/python benchmarks/peer_tryton.py --backend sqlite-memory -n 20 -k 5

It activates the ``production`` module in a fresh database, creates the same master data
as ``bench_flow.py`` (a top product whose BOM has K sub-assemblies, each made from K raw
materials) and a stock of raw materials, prints ``ready``, then runs one round of the
flow for each ``go`` line read on stdin and prints its figures as one JSON line: N top
productions, each preceded by its K sub-assembly productions, each production created
from its BOM, waited, assigned, run and done, with one commit per step, as a client
clicking the buttons would. Each production moves K inputs and one output, so a round
makes N x (K + 1) x (K + 1) stock moves, as many as prodcore's item entries.

This file never imports prodcore, and prodcore's environment never imports trytond.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from decimal import Decimal
from typing import Any


def _configure(backend: str, dsn: str | None, tmp: str, cache: str | None) -> None:
    """Tryton reads its database from the environment, before it is imported."""
    if cache:  # a database with the module activated, copied instead of activated again
        os.makedirs(cache, exist_ok=True)
        os.environ["DB_CACHE"] = cache
    if backend == "postgresql":
        assert dsn, "--dsn is required for postgresql"
        # the server of prodcore's DSN; Tryton puts its database's name in the path
        os.environ["TRYTOND_DATABASE__URI"] = urllib.parse.urlsplit(dsn)._replace(path="/").geturl()
        os.environ["DB_NAME"] = f"peer_{os.getpid()}"
    else:
        os.environ["TRYTOND_DATABASE__URI"] = "sqlite://"
        os.environ["TRYTOND_DATABASE__PATH"] = tmp
        os.environ["DB_NAME"] = ":memory:" if backend == "sqlite-memory" else "peer"
    os.environ.setdefault("TRYTOND_CACHE__CLEAN_TIMEOUT", "0")


class Flow:
    """Tryton's master data and the production flow over it."""

    def __init__(self, k: int) -> None:
        from trytond.modules.company.tests.test_module import create_company, set_company  # type: ignore[import-not-found]
        from trytond.pool import Pool  # type: ignore[import-not-found]
        from trytond.tests.test_tryton import DB_NAME, USER, activate_module  # type: ignore[import-not-found]
        from trytond.transaction import Transaction  # type: ignore[import-not-found]

        activate_module(["production"])
        self.k = k
        self.db = DB_NAME
        self.user = USER
        self.transaction = Transaction
        self.pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, USER) as transaction:
            company = create_company()
            with set_company(company):
                self._master_data()
                self.context = dict(transaction.context)
            transaction.commit()

    def _product(self, name: str, unit: Any, cost: int, *, producible: bool = False) -> Any:
        template = self.pool.get("product.template")(
            name=name,
            default_uom=unit,
            type="goods",
            producible=producible,
            list_price=Decimal(cost * 2),
        )
        template.save()
        product = self.pool.get("product.product")(template=template, cost_price=Decimal(cost))
        product.save()
        return product

    def _bom(self, name: str, output: Any, inputs: list[tuple[Any, int]]) -> Any:
        pool = self.pool
        bom = pool.get("production.bom")(
            name=name,
            inputs=[
                pool.get("production.bom.input")(product=p, quantity=q, unit=p.default_uom)
                for p, q in inputs
            ],
            outputs=[
                pool.get("production.bom.output")(
                    product=output, quantity=1, unit=output.default_uom
                )
            ],
        )
        bom.save()
        pool.get("product.product-production.bom")(product=output, bom=bom).save()
        return bom

    def _master_data(self) -> None:
        (unit,) = self.pool.get("product.uom").search([("name", "=", "Unit")])
        (storage,) = self.pool.get("stock.location").search([("code", "=", "STO")])
        self.subs: list[tuple[int, int]] = []
        raws: list[Any] = []
        subs: list[Any] = []
        for s in range(self.k):
            inputs = []
            for m in range(self.k):
                raw = self._product(f"R{s}-{m}", unit, m + 1)
                raws.append(raw)
                inputs.append((raw, m % 3 + 1))
            sub = self._product(f"S{s}", unit, 20 + s, producible=True)
            subs.append(sub)
            self.subs.append((sub.id, self._bom(f"S{s}-BOM", sub, inputs).id))
        top = self._product("TOP", unit, 200, producible=True)
        self.top = (top.id, self._bom("TOP-BOM", top, [(sub, 1) for sub in subs]).id)
        inventory = self.pool.get("stock.inventory")(
            location=storage,
            lines=[
                self.pool.get("stock.inventory.line")(product=raw, quantity=10**7) for raw in raws
            ],
        )
        inventory.save()
        self.pool.get("stock.inventory").confirm([inventory])

    def _click(self, call: Any) -> Any:
        """``call()`` in its own transaction, as Tryton's dispatcher runs a request: a
        transaction that must lock a table is started again with the lock taken."""
        from trytond.transaction import TransactionError

        extras: dict[str, Any] = {}
        while True:
            with self.transaction().start(
                self.db, self.user, context=self.context, **extras
            ) as transaction:
                try:
                    result = call()
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                transaction.commit()
                return result

    def _produce(self, product_id: int, bom_id: int, quantity: int) -> int:
        """One production through its buttons, one transaction per click; its stock moves."""
        pool = self.pool

        def create() -> int:
            product = pool.get("product.product")(product_id)
            production = pool.get("production")(
                product=product,
                bom=pool.get("production.bom")(bom_id),
                quantity=quantity,
                unit=product.default_uom,
            )
            production.planned_date = production.planned_start_date = dt.datetime.now(dt.UTC).date()
            production.explode_bom()
            production.save()
            return int(production.id)

        production_id = self._click(create)
        model = pool.get("production")
        for step in ("wait", "assign_try", "run", "do"):
            self._click(lambda step=step: getattr(model, step)([model(production_id)]))

        def moves() -> int:
            production = pool.get("production")(production_id)
            assert production.state == "done", production.state
            return len(production.inputs) + len(production.outputs)

        return int(self._click(moves))

    def round(self, n: int) -> dict[str, float]:
        """N top productions, each after its K sub-assembly productions."""
        moves = 0
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            for sub, bom in self.subs:
                moves += self._produce(sub, bom, 10)
            moves += self._produce(*self.top, 10)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        return {"seconds": seconds, "cpu": cpu, "moves": moves, "productions": n * (self.k + 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite-memory", "sqlite", "postgresql"))
    parser.add_argument("--dsn", help="PostgreSQL DSN (postgresql backend)")
    parser.add_argument("--cache", help="directory of activated databases to start from")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="prodcore-peer-") as tmp:
        _configure(args.backend, args.dsn, tmp, args.cache)
        flow = Flow(args.k)
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "go":
                break
            print(json.dumps(flow.round(args.n)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
