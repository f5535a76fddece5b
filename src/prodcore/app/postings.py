"""The ledger handler: posting, subcontracting and quality commands, decided against the
ledger, idempotent by key, answered with a :class:`~prodcore.ledger.model.PostingResult`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from prodcore.app.boundary import checked_command, vouch
from prodcore.app.idempotency import idempotent
from prodcore.clock import Clock, checked_now
from prodcore.commands import WIRE_TAGS, LedgerCommand
from prodcore.ledger.model import PostingResult
from prodcore.orders.execution import Execution
from prodcore.orders.model import ProductionOrder
from prodcore.orders.registering import reverse_registrations
from prodcore.ports import LedgerRepository, MasterDataRepository, UnitOfWork
from prodcore.records import revise

__all__ = ["Decider", "ledger_handler"]

#: A pure decision over the ledger: (command, get_order, master data, ledger, now).
Decider = Callable[
    [Any, Callable[[str], ProductionOrder], MasterDataRepository, LedgerRepository, dt.datetime],
    Execution,
]


def ledger_handler(
    decider: Decider,
) -> Callable[..., PostingResult]:
    """The handler of the commands ``decider`` decides."""

    def handle(
        uow: UnitOfWork, command: LedgerCommand, clock: Clock, *, commit: bool
    ) -> PostingResult:
        checked_command(command)  # so the store takes what is decided from it unchecked
        with uow:
            return idempotent(
                uow, command, lambda: _post(uow, command, decider, clock), commit=commit
            )

    return handle


def _post(uow: UnitOfWork, command: LedgerCommand, decider: Decider, clock: Clock) -> PostingResult:
    before: dict[str, ProductionOrder] = {}

    def get_order(order_id: str) -> ProductionOrder:
        if order_id not in before:
            before[order_id] = uow.orders.get(order_id)
        return before[order_id]

    execution = decider(command, get_order, uow.master_data, uow.ledger, checked_now(clock))
    execution = reverse_registrations(execution, get_order, uow.ledger, command.idempotency_key)
    versions: list[tuple[str, int]] = []
    for order in execution.orders:
        old = before[order.id]
        if order == old:
            continue
        new = revise(
            order,
            version=old.version + 1,
            has_postings=order.has_postings or not execution.batch.is_empty,
        )
        uow.orders.save(vouch(uow, new), expected_version=old.version)
        versions.append((new.id, new.version))
    batch = None if execution.batch.is_empty else uow.ledger.append(vouch(uow, execution.batch))
    return PostingResult(
        WIRE_TAGS[type(command)], batch, tuple(versions), execution.warnings, execution.notes
    )
