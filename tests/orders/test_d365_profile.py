"""The D365 status profile: every pair of statuses, allowed and refused; Start flushing
by the started quantity, Report as finished, End, and reset status."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from prodcore.app import handle
from prodcore.commands import ScheduleOrder
from prodcore.errors import InvalidTransitionError, InvalidValueError
from prodcore.masterdata import FlushingMethod
from prodcore.orders.lifecycle import (
    AddComponent,
    ChangeD365Status,
    ChangeStatus,
    CreateOrder,
    HoldOrder,
)
from prodcore.orders.model import D365Status, OrderStatus, ProductionOrder, StatusProfile
from prodcore.orders.profiles import D365_RESETS, D365_TRANSITIONS
from prodcore.orders.reverse_all import ReverseOrderPostings
from prodcore.testing.shop import DUE, Shop, weekday_calendar
from tests.orders.conftest import table_master_data

D365 = D365Status
D = Decimal
#: The forward path, and the quantity each step is taken with (a part is started first,
#: so that starting again is possible).
PATH = (
    (D365.ESTIMATED, None),
    (D365.SCHEDULED, None),
    (D365.RELEASED, None),
    (D365.STARTED, D(5)),
    (D365.REPORTED_AS_FINISHED, None),
    (D365.ENDED, None),
)


def d365_shop(*, screw: FlushingMethod = FlushingMethod.MANUAL) -> Shop:
    md = table_master_data()
    items = [
        attrs.evolve(i, flushing_method=screw) if i.no == "SCREW" else i for i in md.items.values()
    ]
    centres = [attrs.evolve(wc, calendar_code="S") for wc in md.work_centers.values()]
    shop = Shop([weekday_calendar(), *centres, *items, *md.boms.values(), *md.routings.values()])
    shop.apply(CreateOrder("PO-1", "TABLE", 10, due_date=DUE, profile=StatusProfile.D365))
    return shop


def move(shop: Shop, to: D365Status, quantity: Decimal | int | None = None) -> ProductionOrder:
    out = shop.apply(ChangeD365Status("PO-1", to, quantity=quantity))
    assert out.order is not None
    return out.order


def reach(shop: Shop, status: D365Status) -> None:
    for step, quantity in PATH[: [s for s, _ in PATH].index(status) + 1]:
        move(shop, step, quantity)


@pytest.mark.parametrize("pair", [(a, b) for a in D365 for b in D365], ids=str)
def test_every_pair_of_d365_statuses(pair: tuple[D365Status, D365Status]) -> None:
    src, dst = pair
    shop = d365_shop()
    if src is not D365.CREATED:
        reach(shop, src)
    if pair in D365_TRANSITIONS:
        order = move(shop, dst)
        assert order.d365_status is dst and order.status is dst.core
        assert order.history[-1].to_status is dst.core
    else:
        before = shop.snapshot()
        with pytest.raises(InvalidTransitionError):
            move(shop, dst)
        assert shop.snapshot() == before


def test_resets_go_back_one_step() -> None:
    assert all(b.rank == a.rank - 1 for a, b in D365_RESETS)


def test_a_d365_order_is_created_created_on_firm_planned() -> None:
    order = d365_shop().order()
    assert (order.profile, order.d365_status, order.status) == (
        StatusProfile.D365,
        D365.CREATED,
        OrderStatus.FIRM_PLANNED,
    )
    with pytest.raises(InvalidValueError):
        d365_shop().apply(
            CreateOrder(
                "PO-2",
                "TABLE",
                1,
                due_date=DUE,
                profile=StatusProfile.D365,
                status=OrderStatus.RELEASED,
            )
        )


def test_each_profile_refuses_the_other_profiles_status_command() -> None:
    shop = d365_shop()
    shop.create("PO-2", "TABLE", 1)
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError, match="D365"):
        shop.release("PO-1")
    with pytest.raises(InvalidTransitionError, match="Business Central"):
        shop.apply(ChangeD365Status("PO-2", D365.RELEASED))
    assert shop.snapshot() == before


def test_estimating_calculates_the_order_afresh() -> None:
    shop = d365_shop()
    shop.apply(AddComponent("PO-1", 10000, "LEG", 1))
    assert len(shop.order().lines[0].components) == 4
    assert len(move(shop, D365.ESTIMATED).lines[0].components) == 3


def test_releasing_flushes_nothing_and_starting_flushes_by_the_started_quantity() -> None:
    shop = d365_shop(screw=FlushingMethod.FORWARD)
    reach(shop, D365.SCHEDULED)
    released = move(shop, D365.RELEASED)
    assert released.lines[0].component(30000).consumed_quantity == 0
    # 168 screws for 10 tables: 4 started need 67.2, rounded to the screw's precision
    started = move(shop, D365.STARTED, 4)
    assert started.started_quantity == 4
    assert started.lines[0].component(30000).consumed_quantity == 67
    started = move(shop, D365.STARTED)  # the rest
    assert started.started_quantity == 10
    assert started.lines[0].component(30000).consumed_quantity == 168
    with pytest.raises(InvalidValueError, match="not started yet"):
        move(shop, D365.STARTED, 1)


def test_report_as_finished_posts_output_with_finish_flushing_and_end_finishes() -> None:
    shop = d365_shop()
    reach(shop, D365.STARTED)
    reported = move(shop, D365.REPORTED_AS_FINISHED, 4)
    line = reported.lines[0]
    assert line.finished_quantity == 4
    assert line.component(10000).consumed_quantity == 16  # legs: the Finish principle
    assert line.operation("20").output_quantity == 4
    again = move(shop, D365.REPORTED_AS_FINISHED)  # the rest of what is started: 1
    assert again.lines[0].finished_quantity == 5
    ended = move(shop, D365.ENDED)
    assert (ended.status, ended.d365_status) == (OrderStatus.FINISHED, D365.ENDED)
    assert ended.finished_at == shop.clock.now()


def test_a_negative_report_is_refused() -> None:
    shop = d365_shop()
    reach(shop, D365.STARTED)
    before = shop.snapshot()
    with pytest.raises(InvalidValueError):
        move(shop, D365.REPORTED_AS_FINISHED, -1)
    assert shop.snapshot() == before


def test_reset_from_started_needs_the_postings_reversed_first() -> None:
    shop = d365_shop(screw=FlushingMethod.FORWARD)
    reach(shop, D365.STARTED)
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError, match="reverse them"):
        move(shop, D365.RELEASED)
    assert shop.snapshot() == before
    shop.post(ReverseOrderPostings(shop.key(), "PO-1"))
    order = move(shop, D365.RELEASED)
    assert order.started_quantity == 0 and order.d365_status is D365.RELEASED


def test_a_held_d365_order_is_not_started() -> None:
    shop = d365_shop()
    reach(shop, D365.RELEASED)
    shop.apply(HoldOrder("PO-1", "material blocked"))
    before = shop.snapshot()
    with pytest.raises(InvalidTransitionError, match="on hold"):
        move(shop, D365.STARTED)
    assert shop.snapshot() == before


def test_bc_change_status_still_finishes_bc_orders() -> None:
    shop = d365_shop()
    shop.create("PO-2", "TABLE", 1)
    shop.release("PO-2")
    out = shop.apply(ChangeStatus("PO-2", OrderStatus.FINISHED))
    assert out.order is not None and out.order.d365_status is None


def test_reset_from_scheduled_drops_the_scheduled_dates() -> None:
    shop = d365_shop()
    move(shop, D365.SCHEDULED)
    handle(shop.uow, ScheduleOrder("PO-1"), clock=shop.clock)
    scheduled = shop.order()
    assert scheduled.ending is not None
    assert all(op.starting is not None for _, op in scheduled.iter_operations())
    estimated = move(shop, D365.ESTIMATED)
    assert (estimated.starting, estimated.ending) == (None, None)
    assert all((op.starting, op.ending) == (None, None) for _, op in estimated.iter_operations())
