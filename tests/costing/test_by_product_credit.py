"""A by-product credit larger than the material cost: refused or warned, per the setup.

OIL (lot 1) is pressed from 2 SEED @ 5 (material 10 per litre) and yields 0.5 kg of
HULLS credited at a fixed 30 per kg (15 per litre): the net material would be -5 per
litre, the main output valued below its other costs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import adjust_cost, handle, put_master_data
from prodcore.clock import FixedClock
from prodcore.costing import roll_up
from prodcore.errors import ByProductCreditError
from prodcore.masterdata import (
    BomLine,
    BomOutputLine,
    CostingMethod,
    Item,
    ManufacturingSetup,
    MasterData,
    OutputKind,
    OutputValuation,
    ProductionBom,
    Replenishment,
)
from prodcore.masterdata.standards import ByProductCredit
from prodcore.orders.execution import (
    ByProductLine,
    ConsumptionLine,
    OutputLine,
    PostByProduct,
    PostConsumption,
    PostOutput,
)
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.testing.shop import master_data_of

D = Decimal
CLOCK = FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))


def _records(price: str = "30") -> list[Item | ProductionBom]:
    return [
        Item(
            "OIL",
            base_unit="L",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="PRESS",
            costing_method=CostingMethod.AVERAGE,
        ),
        Item("SEED", base_unit="KG", unit_cost=5),
        Item("HULLS", base_unit="KG", unit_cost=30),
        ProductionBom(
            "PRESS",
            (BomLine("SEED", 2),),
            outputs=(
                BomOutputLine(
                    "HULLS",
                    "0.5",
                    kind=OutputKind.BY_PRODUCT,
                    valuation=OutputValuation.FIXED_PRICE,
                    price=price,
                ),
            ),
        ),
    ]


def _md(rule: ByProductCredit, price: str = "30") -> MasterData:
    records = _records(price)
    return master_data_of(records, ManufacturingSetup(by_product_credit=rule))


def test_the_rollup_warns_by_default() -> None:
    rollup = roll_up(_md(ByProductCredit.WARN))
    assert rollup["OIL"].single_level.material == D(-5)
    (warning,) = rollup.warnings
    assert "OIL" in warning and "-5" in warning


def test_the_rollup_refuses_when_the_setup_says_so() -> None:
    with pytest.raises(ByProductCreditError) as caught:
        roll_up(_md(ByProductCredit.REFUSE))
    assert caught.value.item_no == "OIL" and caught.value.material == D(-5)


def test_a_credit_below_the_material_cost_is_neither_warned_nor_refused() -> None:
    rollup = roll_up(_md(ByProductCredit.REFUSE, price="20"))  # credit 10 = material 10
    assert rollup["OIL"].single_level.material == 0
    assert rollup.warnings == ()


def _finished_order(rule: ByProductCredit) -> tuple[InMemoryStore, InMemoryUnitOfWork]:
    store = InMemoryStore()
    uow = InMemoryUnitOfWork(store)
    put_master_data(uow, _records(), setup=ManufacturingSetup(by_product_credit=rule))
    handle(
        uow,
        CreateOrder("PO-1", "OIL", 10, due_date=dt.date(2026, 3, 9), status=OrderStatus.RELEASED),
        clock=CLOCK,
    )
    handle(uow, PostConsumption("C", (ConsumptionLine("PO-1", 10000, 10000, D(20)),)), clock=CLOCK)
    handle(
        uow,
        PostByProduct("B", (ByProductLine("PO-1", 10000, "HULLS", D(5), unit_cost=D(30)),)),
        clock=CLOCK,
    )
    handle(uow, PostOutput("O", (OutputLine("PO-1", 10000, output_quantity=D(10)),)), clock=CLOCK)
    handle(uow, ChangeStatus("PO-1", OrderStatus.FINISHED), clock=CLOCK)
    return store, uow


def test_adjusting_an_actual_cost_output_warns() -> None:
    _, uow = _finished_order(ByProductCredit.WARN)
    result = adjust_cost(uow, "PO-1", clock=CLOCK, idempotency_key="ADJ")
    # material 100 - credit 150 = -50: the output takes -50 (warned, not hidden)
    assert any("By-product credit exceeds the material cost of OIL" in w for w in result.warnings)


def test_adjusting_an_actual_cost_output_is_refused_and_changes_nothing() -> None:
    store, uow = _finished_order(ByProductCredit.REFUSE)
    values, orders = dict(store.ledger.values), dict(store.orders)
    with pytest.raises(ByProductCreditError, match="order PO-1 line 10000"):
        adjust_cost(uow, "PO-1", clock=CLOCK, idempotency_key="ADJ")
    assert store.ledger.values == values and store.orders == orders
    # once the setup warns instead, it adjusts
    put_master_data(
        uow, [], setup=attrs.evolve(store.setup, by_product_credit=ByProductCredit.WARN)
    )
    assert adjust_cost(uow, "PO-1", clock=CLOCK, idempotency_key="ADJ").batch is not None


def test_an_incremental_update_that_makes_the_credit_exceed_is_refused() -> None:
    md = _md(ByProductCredit.REFUSE, price="20")  # credit 10 = material 10: fine
    rollup = roll_up(md)
    cheaper = attrs.evolve(
        md, items={**md.items, "SEED": Item("SEED", base_unit="KG", unit_cost=2)}
    )
    with pytest.raises(ByProductCreditError, match="OIL"):
        rollup.update(cheaper, items=["SEED"])
    warned = attrs.evolve(cheaper, setup=ManufacturingSetup(by_product_credit=ByProductCredit.WARN))
    assert len(roll_up(warned).warnings) == 1


def test_adjusting_works_out_the_actual_cost_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # the by-product check and the adjustment share one actual cost: nothing is posted
    # between them
    from prodcore.app import costing as app_costing
    from prodcore.costing import actual, adjustment

    _, uow = _finished_order(ByProductCredit.WARN)
    calls = []
    real = actual.actual_cost

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app_costing, "actual_cost", counted)
    monkeypatch.setattr(adjustment, "actual_cost", counted)
    result = adjust_cost(uow, "PO-1", clock=CLOCK, idempotency_key="ADJ")
    assert result.batch is not None and result.warnings
    assert len(calls) == 1
