"""Costing services: cost adjustment of finished orders and implementing standard costs.

Cost adjustment (BC's "Adjust Cost – Item Entries", order level) is decided by
:mod:`prodcore.costing.adjustment`; :func:`adjust_cost` runs it in a unit of work,
idempotent by key. :func:`implement_standard_cost` is BC's Standard Cost Worksheet, *Roll
Up* then *Implement*: it rolls up the produced Standard-cost items and writes each new
standard cost onto its item card (as standard cost and unit cost), stores the standard
with its date (:mod:`prodcore.masterdata.standards`), revalues the stock on hand at the
new cost (:mod:`prodcore.costing.implement`), in one unit of work, and reports what
changed.

>>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
>>> from prodcore.app import put_master_data
>>> from prodcore.masterdata import BomLine, Item, ProductionBom, Replenishment
>>> uow = InMemoryUnitOfWork(InMemoryStore())
>>> put_master_data(uow, [
...     Item("STOOL", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="B",
...          standard_cost="9.99"),
...     Item("LEG", base_unit="PCS", unit_cost="2.50"), Item("SEAT", base_unit="PCS", unit_cost=7),
...     ProductionBom("B", (BomLine("LEG", 3), BomLine("SEAT", 1))),
... ])
>>> import datetime as dt
>>> from prodcore.clock import FixedClock
>>> march = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
>>> implement_standard_cost(uow, ImplementStandardCost(), clock=march)
(StandardCostChange(item_no='STOOL', old=Decimal('9.99'), new=Decimal('14.50000')),)
>>> with uow:
...     uow.master_data.item("STOOL").standard_cost
Decimal('14.50000')
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from prodcore.app.boundary import checked_command, vouch
from prodcore.app.idempotency import idempotent
from prodcore.clock import Clock, SystemClock, checked_now
from prodcore.commands import WIRE_TAGS
from prodcore.costing.actual import OrderCost, actual_cost
from prodcore.costing.adjustment import (
    AdjustCost,
    adjustment_entries,
)
from prodcore.costing.history import implemented_shares, implemented_standards, stored_history
from prodcore.costing.implement import standard_version, stock_revaluation
from prodcore.costing.item_adjustment import average_card_costs
from prodcore.costing.rollup import by_product_credit_check, roll_up
from prodcore.costing.shares import CostShares
from prodcore.costing.standard import ImplementStandardCost, StandardCostChange
from prodcore.errors import InvalidTransitionError
from prodcore.ledger.model import PostingBatch, PostingResult, ValueEntry
from prodcore.ledger.posting import value_batch
from prodcore.masterdata import CostingMethod, MasterData
from prodcore.numbers import ZERO, in_own_context
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import MasterDataRepository, ReadsCostsAhead, UnitOfWork, offered
from prodcore.records import revise

__all__ = ["adjust", "adjust_cost", "implement", "implement_standard_cost"]


@in_own_context
def adjust_cost(
    uow: UnitOfWork,
    order_id: str,
    *,
    clock: Clock,
    idempotency_key: str,
    standard: Mapping[str, CostShares] | None = None,
) -> PostingResult:
    """Adjust the cost of a finished order in one unit of work (the steps are in
    :mod:`prodcore.costing.adjustment`); ``handle(uow, AdjustCost(key, order_id))`` is the same.

    ``standard`` overrides the single-level shares per base unit of Standard-cost items
    (default: rolled up from the current master data, frozen at this adjustment).
    Returns a :class:`~prodcore.ledger.model.PostingResult` whose ``batch`` is None when
    there was nothing (left) to adjust; a warning names each Standard-cost item whose
    item-card standard cost differs from its rolled-up shares (the output was posted at
    the one, the variances are against the other: the difference is posted as rounding).
    Posting saves the order, unchanged, with a new version, so two concurrent adjustments
    of one order conflict
    (:class:`~prodcore.errors.ConcurrencyError`) instead of both posting.
    """
    return adjust(uow, AdjustCost(idempotency_key, order_id), clock, commit=True, standard=standard)


def adjust(
    uow: UnitOfWork,
    command: AdjustCost,
    clock: Clock,
    *,
    commit: bool,
    standard: Mapping[str, CostShares] | None = None,
) -> PostingResult:
    """The :class:`~prodcore.costing.adjustment.AdjustCost` handler (see :func:`adjust_cost`)."""
    checked_command(command)  # so the store takes what is decided from it unchecked
    with uow:
        # a store that can reads the order's costs together (one statement, not four)
        ahead = offered(uow.ledger, ReadsCostsAhead.read_ahead_costs)
        if ahead is not None:
            ahead.read_ahead_costs(command.order_id)
        return idempotent(
            uow, command, lambda: _adjust(uow, command, clock, standard), commit=commit
        )


def _adjust(
    uow: UnitOfWork, command: AdjustCost, clock: Clock, standard: Mapping[str, CostShares] | None
) -> PostingResult:
    order = uow.orders.get(command.order_id)
    if order.status is not OrderStatus.FINISHED:
        raise InvalidTransitionError(
            order_id=order.id,
            status=order.status.value,
            command="adjust cost",
            reason="only a finished order's cost is adjusted",
        )
    md = uow.master_data
    shares = dict(standard or {})
    needed = [
        line.item_no
        for line in order.lines
        if md.item(line.item_no).costing_method is CostingMethod.STANDARD
        and line.item_no not in shares
    ]
    implemented = implemented_standards(md, uow.ledger, order.id, needed)
    if needed:
        shares.update(implemented_shares(md, uow.ledger, order.id, needed, implemented))
    warnings = tuple(
        f"Standard cost of {no} on the item card ({md.item(no).standard_cost}) differs "
        f"from its single-level shares ({shares[no].total}); the difference goes to "
        "the rounding entry: implement the standard cost first."
        # an implemented version is what the output was valued at, whatever the card says
        for no in sorted(set(needed) - set(implemented))
        if md.item(no).standard_cost != shares[no].total
    )
    # one actual cost for the by-product check and the adjustment (nothing is posted
    # between them)
    cost = actual_cost(order, uow.ledger, md)
    warnings += _by_product_credits(order, cost, md)
    at = checked_now(clock)
    document_no = f"{order.id}/adjust"
    values = adjustment_entries(
        order,
        uow.ledger,
        md,
        standard=shares,
        wip=uow.ledger.wip(order.id),
        at=at,
        document_no=document_no,
        cost=cost,
    )
    batch: PostingBatch | None = None
    versions: tuple[tuple[str, int], ...] = ()
    if values:
        # a new version of the (unchanged) order: concurrent adjustments conflict
        saved = revise(order, version=order.version + 1)
        built = value_batch(
            values,
            uow.ledger.posting_setup,
            document_no=document_no,
            posted_at=at,
            idempotency_key=command.idempotency_key,
        )
        if standard is None:  # else shares a caller gave went in: the store checks them
            vouch(uow, saved)
            vouch(uow, built)
        uow.orders.save(saved, expected_version=order.version)
        versions = ((order.id, order.version + 1),)
        batch = uow.ledger.append(built)
        # an average-cost output's card takes the pooled average after adjustment
        for card in average_card_costs(uow.ledger, md, (line.item_no for line in order.lines)):
            md.put(card)
    return PostingResult(WIRE_TAGS[AdjustCost], batch, versions, warnings if batch else ())


def _by_product_credits(
    order: ProductionOrder, cost: OrderCost, md: MasterDataRepository
) -> tuple[str, ...]:
    """The by-product credit rule on the lines of the order's actual ``cost`` valued at
    actual cost (a Standard-cost output stays at its standard): raises, or the warnings
    (see :func:`~prodcore.costing.rollup.by_product_credit_check`)."""
    return tuple(
        warning
        for line in cost.lines
        if line.output_quantity
        and md.item(line.item_no).costing_method is not CostingMethod.STANDARD
        for warning in by_product_credit_check(
            line.item_no, line.actual.material, md.setup, f"order {order.id} line {line.line_no}"
        )
    )


@in_own_context
def implement_standard_cost(
    uow: UnitOfWork, command: ImplementStandardCost, *, clock: Clock | None = None
) -> tuple[StandardCostChange, ...]:
    """Write the rolled-up standard costs onto the item cards, store each item's new
    standard (shares and calculation) effective at ``clock``'s date, and revalue its
    stock on hand at that moment; returns the changes (steps in
    :mod:`prodcore.costing.implement`).

    ``clock`` is required: the date a standard takes effect decides which outputs are
    valued at it, so it must not silently be the machine's. Leaving it out still takes
    the wall clock, with a :class:`DeprecationWarning` (it will become an error).
    """
    if clock is None:
        warnings.warn(
            "implement_standard_cost without clock= is deprecated: pass the clock whose "
            "date the standard takes effect from (e.g. the one given to handle)",
            DeprecationWarning,
            stacklevel=2,
        )
        clock = SystemClock()
    return implement(uow, command, clock, commit=True)


def implement(
    uow: UnitOfWork, command: ImplementStandardCost, clock: Clock, *, commit: bool
) -> tuple[StandardCostChange, ...]:
    """The :class:`~prodcore.costing.standard.ImplementStandardCost` handler (see
    :func:`implement_standard_cost`)."""
    at = checked_now(clock)
    with uow:
        md = MasterData.snapshot(uow.master_data)
        rollup = roll_up(md, command.item_nos or None)
        changes = []
        values: list[ValueEntry] = []
        for cost in rollup.items():
            item = md.item(cost.item_no)
            if not cost.produced or item.costing_method is not CostingMethod.STANDARD:
                continue
            history = stored_history(uow.master_data, item.no)
            version = standard_version(cost, md, at.date())
            latest = history.latest
            if (
                item.standard_cost == cost.standard_cost
                and latest is not None
                and (revise(latest, effective_from=version.effective_from) == version)
            ):
                continue  # implemented already: nothing to store, nothing to revalue
            uow.master_data.put(history.with_version(version))
            if item.standard_cost == cost.standard_cost:
                continue
            revalued = stock_revaluation(uow.ledger, item.no, cost.standard_cost, at, md.setup)
            values.extend(revalued)
            uow.master_data.put(
                revise(item, standard_cost=cost.standard_cost, unit_cost=cost.standard_cost)
            )
            changes.append(
                StandardCostChange(
                    item.no,
                    item.standard_cost,
                    cost.standard_cost,
                    revaluation=sum((v.cost_amount for v in revalued), ZERO),
                )
            )
        if values:
            uow.ledger.append(
                value_batch(
                    values,
                    uow.ledger.posting_setup,
                    document_no=f"STD/{at.date().isoformat()}",
                    posted_at=at,
                )
            )
        if commit:
            uow.commit()
    return tuple(changes)
