"""Read-only questions over the store: journals and worksheets to review before posting."""

from __future__ import annotations

from collections.abc import Sequence

from prodcore.masterdata import ConsumptionBasis
from prodcore.numbers import check_member, in_own_context
from prodcore.orders.execution import ConsumptionLine, calculate_consumption
from prodcore.orders.model import OrderStatus
from prodcore.orders.subcontracting import SubcontractRequest, calculate_subcontracts
from prodcore.ports import UnitOfWork

__all__ = ["calculate_consumption_lines", "calculate_subcontract_requests"]


@in_own_context
def calculate_consumption_lines(
    uow: UnitOfWork, order_ids: Sequence[str], basis: ConsumptionBasis | None = None
) -> tuple[ConsumptionLine, ...]:
    """BC's "Calculate Consumption" over released orders: the lines of a consumption
    journal to review and post with :class:`~prodcore.orders.execution.PostConsumption`."""
    if basis is not None:
        check_member(basis, ConsumptionBasis, "basis")
    with uow:
        orders = [uow.orders.get(order_id) for order_id in order_ids]
        return calculate_consumption(orders, uow.master_data, basis)


@in_own_context
def calculate_subcontract_requests(
    uow: UnitOfWork, order_ids: Sequence[str] | None = None, *, work_center_no: str | None = None
) -> tuple[SubcontractRequest, ...]:
    """BC's subcontracting worksheet over released orders (all, or ``order_ids``): the
    purchase requests to hand to purchasing, then to register with
    :class:`~prodcore.orders.subcontracting.RegisterSubcontractRequests`."""
    with uow:
        if order_ids is None:
            orders = uow.orders.list(status=OrderStatus.RELEASED)
        else:
            orders = [uow.orders.get(order_id) for order_id in order_ids]
        return calculate_subcontracts(orders, uow.master_data, work_center_no=work_center_no)
