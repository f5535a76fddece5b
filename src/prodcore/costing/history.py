"""The implemented standards an order's variances are measured against.

Cost adjustment and the variance views look up, per Standard-cost item, the standard
*Implement* stored (:mod:`prodcore.masterdata.standards`) that was in force on the
posting date of the order's output: the output was valued at that standard, so measuring the
variances against it leaves only the true rounding residual in the ``ROUNDING`` entry.
An item whose standard was never implemented falls back to a rollup of today's master
data (and cost adjustment warns when that differs from the item card).

>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> with uow:
...     stored_history(uow.master_data, "FRAME").versions
()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from prodcore.costing.actual import CostLedger
from prodcore.costing.adjustment import current_standard_shares
from prodcore.costing.shares import CostShares
from prodcore.masterdata.standards import StandardCostHistory, StandardCostVersion
from prodcore.ports import MasterDataRepository

__all__ = ["implemented_shares", "implemented_standards", "stored_history"]


def stored_history(repo: MasterDataRepository, item_no: str) -> StandardCostHistory:
    """The implemented standards of ``item_no`` (an empty history if none was stored)."""
    found = repo.find(StandardCostHistory, item_no)
    return StandardCostHistory(item_no) if found is None else found


def implemented_standards(
    repo: MasterDataRepository, ledger: CostLedger, order_id: str, item_nos: Iterable[str]
) -> dict[str, StandardCostVersion]:
    """Per item of ``item_nos``, the standard in force on the posting date of the order's
    last output of it (the latest one if the order has none); items never implemented
    are left out. Reads the order's output entries only.

    Output is valued at the standard in force on its posting date
    (:func:`prodcore.orders.output.output_unit_cost`), also when back-dated to before a
    later implementation, so the variances are measured against that same version."""
    wanted = set(item_nos)
    days: dict[str, dt.date] = {}
    for e in ledger.output_entries(order_id) if wanted else ():
        if e.item_no in wanted and e.quantity > 0:
            day = e.posted_at.date()
            days[e.item_no] = max(days.get(e.item_no, day), day)
    found = {}
    for no in sorted(wanted):
        history = stored_history(repo, no)
        version = history.in_force(days[no]) if no in days else history.latest
        if version is not None:
            found[no] = version
    return found


def implemented_shares(
    repo: MasterDataRepository,
    ledger: CostLedger,
    order_id: str,
    item_nos: Iterable[str],
    implemented: Mapping[str, StandardCostVersion] | None = None,
) -> dict[str, CostShares]:
    """The single-level shares the order's variances are measured against, per item: the
    implemented standard (:func:`implemented_standards`, or ``implemented`` when the
    caller looked them up already), else a rollup of the current master data (an item
    whose standard was never implemented)."""
    wanted = set(item_nos)
    if implemented is None:
        implemented = implemented_standards(repo, ledger, order_id, wanted)
    shares = {no: v.shares for no, v in implemented.items() if no in wanted}
    missing = wanted - set(shares)
    if missing:
        shares.update(current_standard_shares(repo, missing))
    return shares
