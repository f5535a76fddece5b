"""A consumption journal posts its lines in order, each seeing the ones before it, and
writes the changed components back once (not once per journal line)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prodcore.errors import InsufficientQuantityError, NotFoundError
from prodcore.masterdata import BomLine, Item, ManufacturingSetup, ProductionBom, Replenishment
from prodcore.orders.builder import PostingBuilder
from prodcore.orders.journals import ConsumptionLine, PostConsumption
from prodcore.testing.shop import Shop


def _shop(components: int = 3) -> Shop:
    items = [Item(f"C{n}", base_unit="PCS", unit_cost=Decimal(n + 1)) for n in range(components)]
    bom = ProductionBom("BOM", tuple(BomLine(i.no, Decimal(2)) for i in items))
    product = Item(
        "P", base_unit="PCS", replenishment=Replenishment.PRODUCTION, production_bom_no="BOM"
    )
    shop = Shop([*items, bom, product], setup=ManufacturingSetup(allow_negative_inventory=True))
    shop.create("PO-1", "P", 5)
    shop.release("PO-1")
    return shop


def _lines(shop: Shop, *pairs: tuple[int, str]) -> tuple[ConsumptionLine, ...]:
    line = shop.order().lines[0]
    return tuple(
        ConsumptionLine("PO-1", line.line_no, line.components[i].line_no, Decimal(q))
        for i, q in pairs
    )


def test_lines_post_in_order_and_each_sees_the_ones_before() -> None:
    shop = _shop()
    journal = _lines(shop, (0, "4"), (1, "1"), (0, "-3"), (2, "0"), (1, "2"))
    batch = shop.post(PostConsumption(shop.key(), journal)).batch
    assert batch is not None
    assert [(e.item_no, e.quantity) for e in batch.item_entries] == [
        ("C0", Decimal(-4)),
        ("C1", Decimal(-1)),
        ("C0", Decimal(3)),
        ("C1", Decimal(-2)),
    ]
    consumed = [c.consumed_quantity for c in shop.order().lines[0].components]
    assert consumed == [Decimal(1), Decimal(3), Decimal(0)]


def test_a_return_past_what_earlier_lines_consumed_is_refused_and_nothing_changes() -> None:
    shop = _shop()
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        shop.post(PostConsumption(shop.key(), _lines(shop, (0, "1"), (0, "-2"))))
    assert shop.snapshot() == before


def test_an_unknown_component_or_line_is_refused() -> None:
    shop = _shop()
    line_no = shop.order().lines[0].line_no
    for bad in (
        ConsumptionLine("PO-1", line_no, 999, Decimal(1)),
        ConsumptionLine("PO-1", 999, 10000, Decimal(1)),
    ):
        with pytest.raises(NotFoundError):
            shop.post(PostConsumption(shop.key(), (*_lines(shop, (0, "1")), bad)))


def test_components_are_written_back_once_not_per_journal_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Writing a component back rebuilds its order line (every component): per journal
    line that made a journal over a large BOM quadratic."""
    shop = _shop(components=50)
    calls: list[tuple[object, ...]] = []
    monkeypatch.setattr(PostingBuilder, "put_component", lambda _self, *args: calls.append(args))
    shop.post(PostConsumption(shop.key(), _lines(shop, *((n, "1") for n in range(50)))))
    assert calls == []
    assert all(c.consumed_quantity == 1 for c in shop.order().lines[0].components)
