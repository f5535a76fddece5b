"""A return with a fixed application (BC's *Applies-from Entry* on a negative consumption
line): valued at the cost per unit of the consumption it returns from, applied to that
consumption while it is open, refused for anything but a return of that very
consumption, and never beyond what it has left to return."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from prodcore.adapters import Store, open_store
from prodcore.adapters._sql import SqlStore
from prodcore.app import handle
from prodcore.costing.item_adjustment import AdjustItemCosts, CorrectInboundCost
from prodcore.errors import AlreadyReversedError, InsufficientQuantityError, NotAllowedError
from prodcore.integrity import verify
from prodcore.ledger.model import ItemEntryType, ValueSource
from prodcore.ledger.valuation import entry_value
from prodcore.masterdata import (
    BomLine,
    CostingMethod,
    Item,
    ManufacturingSetup,
    ProductionBom,
    Replenishment,
)
from prodcore.orders.journals import (
    AdjustInventory,
    AdjustmentLine,
    ConsumptionLine,
    PostConsumption,
    ReverseEntry,
)
from prodcore.orders.reverse_all import ReverseOrderPostings
from prodcore.ports import MasterDataRecord, UnitOfWork
from prodcore.testing.shop import Shop
from tests.integrity.test_tamper import assert_reports, tamper
from tests.orders.every_store import every_store  # noqa: F401 (the store fixture)
from tests.persistence.conftest import fresh_store, pg_schema


def _shop(*, negative: bool = False, uow: UnitOfWork | None = None) -> Shop:
    records: list[MasterDataRecord] = [
        Item("STEEL", base_unit="KG", unit_cost=6, costing_method=CostingMethod.FIFO),
        Item("BOLT", base_unit="PCS", unit_cost="0.1"),
        ProductionBom("FRAME-BOM", (BomLine("STEEL", 1), BomLine("BOLT", 1))),
        Item(
            "FRAME",
            base_unit="PCS",
            replenishment=Replenishment.PRODUCTION,
            production_bom_no="FRAME-BOM",
        ),
    ]
    setup = ManufacturingSetup(allow_negative_inventory=negative)
    shop = Shop(records, setup=setup, uow=uow)
    if not negative:
        for cost in ("5.00", "7.00"):
            line = AdjustmentLine("STEEL", 10, unit_cost=Decimal(cost))
            shop.post(AdjustInventory(shop.key(), (line,)))
        shop.post(AdjustInventory(shop.key(), (AdjustmentLine("BOLT", 10),)))
    shop.create("PO-1", "FRAME", 15)
    shop.release("PO-1")
    shop.create("PO-2", "FRAME", 15)
    shop.release("PO-2")
    return shop


def _consume(
    shop: Shop,
    quantity: int,
    item_no: str = "STEEL",
    order_id: str = "PO-1",
    *,
    applies_from_entry_no: int | None = None,
) -> int:
    """Post one consumption line; the number of the item entry it posted."""
    line = ConsumptionLine.for_item(shop.order(order_id), item_no, quantity)
    line = attrs.evolve(line, applies_from_entry_no=applies_from_entry_no)
    shop.post(PostConsumption(shop.key(), (line,)))
    with shop.uow:
        return shop.uow.ledger.item_entries(order_id=order_id)[-1].entry_no


def test_a_return_takes_back_the_cost_of_the_consumption_it_applies_from(store: Store) -> None:
    shop = _shop(uow=store())
    used = _consume(shop, 15)
    back = _consume(shop, -5, applies_from_entry_no=used)
    with shop.uow:
        ledger = shop.uow.ledger
        assert entry_value(ledger, used) == Decimal("-85.00")  # 10 × 5.00 + 5 × 7.00
        returned = ledger.item_entry(back)
        assert (returned.entry_type, returned.quantity) == (ItemEntryType.CONSUMPTION, Decimal(5))
        assert returned.applies_from_entry_no == used
        assert entry_value(ledger, back) == Decimal("28.33")  # 85 / 15 × 5, to the cent
        assert ledger.remaining_quantity(back) == 5  # the returned steel is on hand again


def test_without_applies_from_a_return_is_valued_at_the_items_cost() -> None:
    shop = _shop()
    _consume(shop, 15)
    back = _consume(shop, -5)
    with shop.uow:
        ledger = shop.uow.ledger
        assert ledger.item_entry(back).applies_from_entry_no is None
        assert entry_value(ledger, back) == Decimal("30.00")  # the card's 6.00


def test_a_return_is_applied_to_its_consumption_while_that_is_open() -> None:
    shop = _shop(negative=True)  # nothing on hand: each consumption stays open
    first = _consume(shop, 10)
    second = _consume(shop, 5)
    back = _consume(shop, -3, applies_from_entry_no=second)
    with shop.uow:
        ledger = shop.uow.ledger
        apps = [(a.outbound_entry_no, a.quantity) for a in ledger.item_applications(back)]
        assert apps == [(second, Decimal(3))]  # not the oldest open one (FIFO)
        assert ledger.remaining_quantity(first) == -10
        assert ledger.remaining_quantity(second) == -2


@pytest.mark.parametrize(
    ("quantity", "item_no", "order_id", "target", "error"),
    [
        (5, "STEEL", "PO-1", "steel", NotAllowedError),  # not a return
        (-5, "STEEL", "PO-1", "receipt", NotAllowedError),  # not a consumption
        (-5, "STEEL", "PO-2", "steel", NotAllowedError),  # another order's
        (-5, "BOLT", "PO-1", "steel", NotAllowedError),  # another component's
        (-5, "STEEL", "PO-1", "return", NotAllowedError),  # itself a return
        (-12, "STEEL", "PO-1", "steel", InsufficientQuantityError),  # 11 left on it
    ],
)
def test_refusals_change_nothing(
    quantity: int, item_no: str, order_id: str, target: str, error: type[Exception]
) -> None:
    shop = _shop()
    _consume(shop, 2, order_id="PO-2")
    _consume(shop, 5, "BOLT")
    steel = _consume(shop, 15)
    returned = _consume(shop, -4, applies_from_entry_no=steel)  # 11 left on it
    _consume(shop, 1)  # the component has 12 consumed, but not by that entry
    entries = {"steel": steel, "receipt": 1, "return": returned}
    before = shop.snapshot()
    with pytest.raises(error):
        _consume(shop, quantity, item_no, order_id, applies_from_entry_no=entries[target])
    assert shop.snapshot() == before


@pytest.mark.parametrize(
    ("method", "before", "after"),
    [
        # receipt 1 becomes 10 @ 6.00: 15 take 10 × 6.00 + 5 × 7.00 = 95.00
        (CostingMethod.FIFO, "28.33", "31.67"),
        # the average becomes (60.00 + 70.00) / 20 = 6.50
        (CostingMethod.AVERAGE, "30.00", "32.50"),
    ],
)
def test_cost_adjustment_carries_a_consumptions_new_cost_to_its_return(
    method: CostingMethod, before: str, after: str
) -> None:
    shop = _shop()
    with shop.uow:
        steel = shop.uow.master_data.item("STEEL")
    shop.uow.master_data.put(attrs.evolve(steel, costing_method=method))
    shop.uow.commit()
    used = _consume(shop, 15)
    back = _consume(shop, -5, applies_from_entry_no=used)
    with shop.uow:
        assert entry_value(shop.uow.ledger, back) == Decimal(before)
    handle(shop.uow, CorrectInboundCost(shop.key(), 1, Decimal(6)), clock=shop.clock)
    handle(shop.uow, AdjustItemCosts(shop.key()), clock=shop.clock)
    with shop.uow:
        assert entry_value(shop.uow.ledger, back) == Decimal(after)


def _reverse(shop: Shop, entry_no: int, quantity: int | None = None) -> None:
    qty = None if quantity is None else Decimal(quantity)
    shop.post(ReverseEntry(shop.key(), ValueSource.ITEM, entry_no, qty))


def test_reversing_a_partly_returned_consumption_takes_only_what_is_left(store: Store) -> None:
    shop = _shop(uow=store())
    used = _consume(shop, 15)
    _consume(shop, -5, applies_from_entry_no=used)
    _reverse(shop, used)
    with shop.uow:
        ledger = shop.uow.ledger
        reversal = ledger.item_entries(order_id="PO-1")[-1]
        assert (reversal.applies_to_entry_no, reversal.quantity) == (used, Decimal(10))
        assert entry_value(ledger, reversal.entry_no) == Decimal("56.67")  # 85.00 − 28.33
        assert ledger.reversed_quantity(ValueSource.ITEM, used) == 15
        steel = shop.order("PO-1").lines[0].components[0]
        assert steel.consumed_quantity == 0


@pytest.mark.parametrize(
    ("returned", "reversed_", "error"),
    [
        (5, 11, InsufficientQuantityError),  # 10 left to reverse
        (15, None, AlreadyReversedError),  # all of it came back
    ],
)
def test_a_returned_consumption_is_not_reversed_beyond_what_is_left(
    returned: int, reversed_: int | None, error: type[Exception]
) -> None:
    shop = _shop()
    used = _consume(shop, 15)
    _consume(shop, -returned, applies_from_entry_no=used)
    before = shop.snapshot()
    with pytest.raises(error):
        _reverse(shop, used, reversed_)
    assert shop.snapshot() == before


def test_a_reversed_consumption_takes_no_return_beyond_what_is_left() -> None:
    shop = _shop()
    used = _consume(shop, 15)
    _reverse(shop, used, 12)
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        _consume(shop, -4, applies_from_entry_no=used)  # 3 left
    assert shop.snapshot() == before


def test_returns_in_one_journal_see_each_other() -> None:
    shop = _shop()
    used = _consume(shop, 15)
    line = ConsumptionLine.for_item(shop.order("PO-1"), "STEEL", -8)
    line = attrs.evolve(line, applies_from_entry_no=used)
    before = shop.snapshot()
    with pytest.raises(InsufficientQuantityError):
        shop.post(PostConsumption(shop.key(), (line, line)))  # 16 of 15
    assert shop.snapshot() == before


def test_a_return_reads_no_list_of_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a consumption has had returned is a running balance: checking a return
    reads the entry it applies from, never a list of the order's entries."""
    shop = _shop()
    used = _consume(shop, 15)
    for _ in range(3):
        _consume(shop, 1)
    line = ConsumptionLine.for_item(shop.order("PO-1"), "STEEL", -2)
    line = attrs.evolve(line, applies_from_entry_no=used)
    with shop.uow:
        reader = type(shop.uow.ledger)
    listed: list[object] = []
    listing = reader.item_entries

    def counted(self: object, **kwargs: object) -> object:
        listed.append(kwargs)
        return listing(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "item_entries", counted)
    shop.post(PostConsumption(shop.key(), (line,)))
    assert listed == []


def test_verify_recomputes_what_was_returned_and_reversed(store: Store) -> None:
    shop = _shop(uow=store())
    used = _consume(shop, 15)
    _consume(shop, -5, applies_from_entry_no=used)
    _reverse(shop, used, 4)
    report = verify(store)
    assert report.ok, str(report)
    with shop.uow:
        assert shop.uow.ledger.reversed_quantity(ValueSource.ITEM, used) == 9


@pytest.fixture(params=["sqlite-memory", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    dsn = request.getfixturevalue("pg_base_dsn") if request.param == "postgresql" else None
    with fresh_store(request.param, dsn) as opened:
        yield opened


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "UPDATE prodcore_bal_reversed SET qty = '0' WHERE entry_no = {used}",
            (
                "reversed balance (<ValueSource.ITEM: 'ITEM'>, {used}): stored 0, "
                "entries add up to 5"
            ),
        ),
        (
            (
                "UPDATE prodcore_item_entries SET doc = replace(doc, "
                "'\"applies_from_entry_no\": {used}', '\"applies_from_entry_no\": 1') "
                "WHERE entry_no = {back}"
            ),
            "item entry {back}: returns from item entry 1, not an earlier consumption",
        ),
        (
            (
                "UPDATE prodcore_item_entries SET doc = replace(doc, "
                '\'"quantity": "5"\', \'"quantity": "16"\') WHERE entry_no = {back}'
            ),
            "item entry {back}: returns more of item entry {used} than it holds",
        ),
    ],
)
def test_verify_reports_a_tampered_return(sql_store: Store, statement: str, expected: str) -> None:
    assert isinstance(sql_store, SqlStore)
    shop = _shop(uow=sql_store())
    used = _consume(shop, 15)
    back = _consume(shop, -5, applies_from_entry_no=used)
    assert verify(sql_store).ok
    report = tamper(sql_store, statement.format(used=used, back=back))
    assert_reports(report, expected.format(used=used, back=back))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def reopened(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens one database again and again (upgrading it to the current schema)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        yield lambda: open_store(url)
        return
    with pg_schema(request.getfixturevalue("pg_base_dsn")) as url:
        yield lambda: open_store(url, migrate=True)


def test_an_upgraded_store_counts_its_returns_in_the_reversed_balance(
    reopened: Callable[[], Store],
) -> None:
    """A store written before returns counted with reversals gets them on upgrade."""
    with reopened() as store:
        shop = _shop(uow=store())
        used = _consume(shop, 15)
        _consume(shop, -5, applies_from_entry_no=used)
        _consume(shop, -2, applies_from_entry_no=used)
        _reverse(shop, used, 3)
        assert isinstance(store, SqlStore)
        with store.transaction() as tx:  # as the release before wrote it
            tx.execute("UPDATE prodcore_bal_reversed SET qty = '3' WHERE entry_no = ?", (used,))
            tx.execute("DELETE FROM prodcore_schema_migrations WHERE version >= 12")
        assert not verify(store).ok
    with reopened() as store:
        assert verify(store).ok
        with store() as uow:
            assert uow.ledger.reversed_quantity(ValueSource.ITEM, used) == 10


def test_a_return_is_not_reversed_itself() -> None:
    """Reversing a return would leave its consumption counting it as returned; BC posts
    the consumption again instead."""
    shop = _shop()
    used = _consume(shop, 15)
    back = _consume(shop, -5, applies_from_entry_no=used)
    before = shop.snapshot()
    with pytest.raises(NotAllowedError, match=f"a return applying from entry {used}"):
        _reverse(shop, back)
    assert shop.snapshot() == before


def test_reversing_all_of_an_order_nets_a_returned_consumption_to_zero(store: Store) -> None:
    shop = _shop(uow=store())
    used = _consume(shop, 15)
    back = _consume(shop, -5, applies_from_entry_no=used)
    result = shop.post(ReverseOrderPostings(shop.key(), "PO-1"))
    assert any(f"entry {back} is not reversed: it is a return" in w for w in result.warnings)
    with shop.uow:
        ledger = shop.uow.ledger
        steel = [e for e in ledger.item_entries(order_id="PO-1") if e.item_no == "STEEL"]
        assert sum((e.quantity for e in steel), Decimal(0)) == 0
        assert sum((entry_value(ledger, e.entry_no) for e in steel), Decimal(0)) == 0
        assert ledger.consumed_quantity("PO-1", 10000, 10000) == 0
    assert shop.order("PO-1").lines[0].components[0].consumed_quantity == 0
