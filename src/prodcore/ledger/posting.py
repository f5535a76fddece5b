"""Posting rules: how value entries are costed and which accounts they move (pure).

Capacity cost follows Business Central: a work centre with direct
unit cost 20, indirect 10 % and overhead rate 2 (unit cost 24), time-based, cost includes
setup; 1 h setup + 3 h run:

>>> from decimal import Decimal
>>> from prodcore.numbers import Rounding
>>> split = capacity_cost(Decimal(4), unit_cost=Decimal(24), indirect_percent=Decimal(10),
...                       overhead_rate=Decimal(2), rounding=Rounding(Decimal("0.01")))
>>> split.direct, split.indirect
(Decimal('80.00'), Decimal('16.00'))

The cost view (double entry) of each value entry, per :func:`gl_lines`:

=========================  ==========================================  ======================
value entry                 debit (amount > 0)                          credit
=========================  ==========================================  ======================
consumption (actual −c)     WIP +c                                      Inventory −c
output (expected +e)        Inventory (interim) +e                      WIP −e
capacity direct +d          WIP +d                                      Direct Cost Applied −d
capacity indirect +i        WIP +i                                      Overhead Applied −i
variance +v (on output)     Variance +v                                 WIP −v
overhead +o (on output)     WIP +o                                      Overhead Applied −o
rounding of an order +r     Inventory Adjustment +r                     WIP −r
revaluation / rounding +r   Inventory +r                                Inventory Adjustment −r
adjustment, no order ±a     Inventory ±a                                Inventory Adjustment ∓a
WIP write-off +w            Inventory Adjustment +w                     WIP −w
=========================  ==========================================  ======================

The two rows "on output" and "of an order" are cost adjustment's
(:mod:`prodcore.costing.adjustment`): the manufacturing overhead an order absorbs and the
rounding left on its WIP, both item-side value entries of an order. Revaluation and
rounding of no order move inventory against Inventory Adjustment.

Quantities are posted through :func:`posted_quantity`: rounded to the item's (or the
ledger's) precision and written without trailing zeros:

>>> posted_quantity(Decimal("-15.000004"), Rounding(Decimal("0.00001")))
Decimal('-15')
>>> posted_quantity(Decimal("2.50000"), Rounding(Decimal("0.00001")))
Decimal('2.5')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import attrs

from prodcore.ledger.model import (
    AccountRole,
    GLEntry,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
)
from prodcore.masterdata import CostingMethod, Item
from prodcore.numbers import HUNDRED, ONE, ZERO, Rounding, exact_sum
from prodcore.records import revise

__all__ = [
    "CapacityCost",
    "GLMove",
    "capacity_cost",
    "gl_lines",
    "gl_moves",
    "item_unit_cost",
    "posted_quantity",
    "value_batch",
    "wip_change",
]


def posted_quantity(value: Decimal, rounding: Rounding) -> Decimal:
    """``value`` as a ledger entry carries it: rounded with ``rounding`` (the item's
    rounding precision, or the ledger's 0.00001) and without trailing zeros, so a
    reversed 15 reads ``-15``, not ``-15.00000`` (never ``-0``)."""
    rounded = rounding.apply(value)
    if rounded == rounded.to_integral_value():
        return rounded.quantize(ONE) + ZERO
    return rounded.normalize()


def item_unit_cost(item: Item) -> Decimal:
    """The unit cost postings use: the standard cost for a standard-cost item (its unit
    cost when no standard cost is set), else the unit cost."""
    if item.costing_method is CostingMethod.STANDARD and item.standard_cost:
        return item.standard_cost
    return item.unit_cost


@attrs.frozen
class CapacityCost:
    """A capacity posting's cost, split into direct and indirect (both rounded)."""

    direct: Decimal
    indirect: Decimal
    residual: Decimal  # unrounded cost minus the rounded total: what rounding dropped

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect


def capacity_cost(
    cap_qty: Decimal,
    *,
    unit_cost: Decimal,
    indirect_percent: Decimal,
    overhead_rate: Decimal,
    rounding: Rounding,
) -> CapacityCost:
    """BC: ``CostAmt = CapQty × UnitCost``,
    ``Direct = round((CostAmt − CapQty × OverheadRate) / (1 + Indirect%/100))``,
    ``Indirect = round(CostAmt) − Direct``."""
    cost = cap_qty * unit_cost
    total = rounding.apply(cost)
    direct = rounding.apply((cost - cap_qty * overhead_rate) / (ONE + indirect_percent / HUNDRED))
    return CapacityCost(direct=direct, indirect=total - direct, residual=cost - total)


#: One G/L line as the rule gives it: its account's role, the account and the amount.
GLMove = tuple[AccountRole, str, Decimal]


# The enum members the rule reads, bound to module names: Python 3.11 does not specialize
# an attribute read on a class, so each ``ValueEntryType.VARIANCE`` in the rule was a
# lookup through the class (up to ten per value entry, every value entry posted).
_ITEM = ValueSource.ITEM
_DIRECT_COST = ValueEntryType.DIRECT_COST
_INDIRECT_COST = ValueEntryType.INDIRECT_COST
_VARIANCE = ValueEntryType.VARIANCE
_REVALUATION = ValueEntryType.REVALUATION
_ROUNDING = ValueEntryType.ROUNDING
_WIP_WRITE_OFF = ValueEntryType.WIP_WRITE_OFF
_INVENTORY = AccountRole.INVENTORY
_INVENTORY_INTERIM = AccountRole.INVENTORY_INTERIM
_WIP = AccountRole.WIP
_DIRECT_COST_APPLIED = AccountRole.DIRECT_COST_APPLIED
_OVERHEAD_APPLIED = AccountRole.OVERHEAD_APPLIED
_VARIANCE_ROLE = AccountRole.VARIANCE
_INVENTORY_ADJUSTMENT = AccountRole.INVENTORY_ADJUSTMENT


def gl_moves(value: ValueEntry, setup: PostingSetup) -> list[GLMove]:
    """The G/L lines of one value entry as (role, account, amount), in line order: each
    move is a debit and its credit, so they balance. Zero amounts make no lines. This is
    the one rule table: :func:`gl_lines` builds the records from it, and balances (which
    need only accounts and amounts) read it without building any.

    >>> import datetime as dt
    >>> v = ValueEntry(1, ValueEntryType.DIRECT_COST, ValueSource.CAPACITY, Decimal(80), 0,
    ...                currency="EUR", capacity_entry_no=1, order_id="PO-1",
    ...                posted_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    >>> [(role.value, account, amount) for role, account, amount in gl_moves(v, PostingSetup())]
    [('WIP', '2140', Decimal('80')), ('DIRECT_COST_APPLIED', '7890', Decimal('-80'))]
    """
    accounts = setup.accounts
    entry_type = value.entry_type
    of_order = value.order_id is not None
    counter = _WIP if of_order else _INVENTORY_ADJUSTMENT
    item_side = value.source is _ITEM
    if entry_type is _WIP_WRITE_OFF or (item_side and of_order and entry_type is _ROUNDING):
        # the order's WIP goes to Inventory Adjustment (write-off, adjustment's rounding)
        debit, credit = _INVENTORY_ADJUSTMENT, _WIP
        return _move(debit, accounts[debit], credit, accounts[credit], value.cost_amount)
    if item_side and of_order and entry_type is _INDIRECT_COST:
        # manufacturing overhead of cost adjustment: absorbed by the order
        debit, credit = _WIP, _OVERHEAD_APPLIED
        return _move(debit, accounts[debit], credit, accounts[credit], value.cost_amount)
    if entry_type is _VARIANCE:
        return _move(
            _VARIANCE_ROLE,
            setup.variance_account(value.variance_type),
            counter,
            accounts[counter],
            value.cost_amount,
        )
    if entry_type is _REVALUATION or entry_type is _ROUNDING:
        credit = _INVENTORY_ADJUSTMENT
        return _move(
            _INVENTORY,
            accounts[_INVENTORY],
            credit,
            (entry_type is _REVALUATION and setup.revaluation) or accounts[credit],
            value.cost_amount,
        )
    if item_side:
        # the item side carries the amount, the order's WIP the opposite
        inventory, interim = _INVENTORY, _INVENTORY_INTERIM
        return _move(
            inventory, accounts[inventory], counter, accounts[counter], value.cost_amount_actual
        ) + _move(
            interim, accounts[interim], counter, accounts[counter], value.cost_amount_expected
        )
    credit = _DIRECT_COST_APPLIED if entry_type is _DIRECT_COST else _OVERHEAD_APPLIED
    return _move(counter, accounts[counter], credit, accounts[credit], value.cost_amount)


def _move(
    debit: AccountRole,
    debit_account: str,
    credit: AccountRole,
    credit_account: str,
    amount: Decimal,
) -> list[GLMove]:
    """A debit and its credit of ``amount``; none for zero."""
    if not amount:
        return []
    # negated exactly: ``-amount`` rounds to the context's 28 digits
    return [(debit, debit_account, amount), (credit, credit_account, amount.copy_negate())]


def wip_change(values: Iterable[ValueEntry]) -> Decimal:
    """How ``values`` move their orders' WIP: the sum of their WIP lines by
    :func:`gl_moves` (roles, not account numbers, matter here).

    >>> import datetime as dt
    >>> v = ValueEntry(1, ValueEntryType.DIRECT_COST, ValueSource.CAPACITY, Decimal(80), 0,
    ...                currency="EUR", capacity_entry_no=1, order_id="PO-1",
    ...                posted_at=dt.datetime(2026, 3, 9, tzinfo=dt.UTC))
    >>> wip_change([v, v])
    Decimal('160')
    """
    return exact_sum(a for v in values for role, _, a in gl_moves(v, _ROLES_ONLY) if role is _WIP)


#: Any setup gives the same roles: :func:`wip_change` reads roles only.
_ROLES_ONLY = PostingSetup()


def gl_lines(
    value: ValueEntry, setup: PostingSetup, first_entry_no: int, *, step: int = -1
) -> tuple[GLEntry, ...]:
    """The balanced G/L lines of one value entry (:func:`gl_moves`), numbered from
    ``first_entry_no`` downward (local numbers are negative), or upward with ``step`` 1."""
    return tuple(
        GLEntry(
            first_entry_no + step * n,
            account=account,
            role=role,
            amount=amount,
            currency=value.currency,
            value_entry_no=value.entry_no,
            order_id=value.order_id,
            posted_at=value.posted_at,
            registered_at=value.registered_at,
            document_no=value.document_no,
        )
        for n, (role, account, amount) in enumerate(gl_moves(value, setup))
    )


def value_batch(
    values: Iterable[ValueEntry],
    setup: PostingSetup,
    *,
    document_no: str,
    posted_at: dt.datetime,
    idempotency_key: str | None = None,
) -> PostingBatch:
    """A balanced batch of value entries on existing item or capacity entries (cost
    adjustment, variances, revaluation), whose G/L lines derive from them and ``setup``
    by :func:`gl_lines`; append it with ``uow.ledger.append``.

    The value entries get local numbers; their ``item_entry_no`` / ``capacity_entry_no``
    must name appended entries.

    >>> import datetime as dt
    >>> from prodcore.ledger.model import VarianceType
    >>> at = dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    >>> v = ValueEntry(0, ValueEntryType.VARIANCE, ValueSource.ITEM, Decimal("5.00"), Decimal(0),
    ...                currency="EUR", item_entry_no=7, order_id="PO-1", posted_at=at,
    ...                variance_type=VarianceType.MATERIAL)
    >>> batch = value_batch([v], PostingSetup(), document_no="ADJ-1", posted_at=at)
    >>> [(g.role.value, g.amount) for g in batch.gl_entries]
    [('VARIANCE', Decimal('5.00')), ('WIP', Decimal('-5.00'))]
    """
    numbered = tuple(revise(value, entry_no=-n) for n, value in enumerate(values, start=1))
    return PostingBatch.build(
        document_no=document_no,
        posted_at=posted_at,
        value_entries=numbered,
        gl_setup=setup,
        idempotency_key=idempotency_key,
    )
