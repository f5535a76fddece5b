"""After an order's cost adjustment, the average-cost cards of its outputs are brought to
the average on hand; the stock of an output of another costing method is not read (it
decides nothing: reading it noted a read to check at commit, and built the unit of
work's staged index over the batch just appended, for every adjustment)."""

from __future__ import annotations

from decimal import Decimal

from prodcore.costing.item_adjustment import average_card_costs
from prodcore.masterdata import CostingMethod, Item, ManufacturingSetup


class _Ledger:
    def __init__(self) -> None:
        self.read: list[str] = []

    def on_hand(self, item_no: str) -> Decimal:
        self.read.append(item_no)
        return Decimal(4)

    def inventory_value(self, item_no: str) -> Decimal:
        return Decimal(10)


class _Cards:
    setup = ManufacturingSetup()

    def __init__(self, *items: Item) -> None:
        self._items = {i.no: i for i in items}

    def item(self, no: str) -> Item:
        return self._items[no]


def test_only_average_cost_outputs_have_their_stock_read() -> None:
    fifo = Item("F", base_unit="PCS", costing_method=CostingMethod.FIFO, unit_cost=Decimal(1))
    std = Item("S", base_unit="PCS", costing_method=CostingMethod.STANDARD)
    avg = Item("A", base_unit="PCS", costing_method=CostingMethod.AVERAGE, unit_cost=Decimal(1))
    ledger = _Ledger()
    cards = average_card_costs(ledger, _Cards(fifo, std, avg), ["F", "S", "A", "F"])  # type: ignore[arg-type]
    assert ledger.read == ["A"]
    assert [(c.no, c.unit_cost) for c in cards] == [("A", Decimal("2.5"))]
