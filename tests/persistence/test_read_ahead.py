"""A SQL store reads the orders a posting command names in the statement that reads the
command's idempotency key (``OrderRepository.read_ahead``), not one statement later each;
what it read ahead is what the unit of work read, checked at commit like any read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from prodcore.adapters._sql import SqlStore, _ReadsOn
from prodcore.app import adjust_cost
from prodcore.errors import ConcurrencyError
from prodcore.integrity import verify
from prodcore.masterdata import CapacityType, Item, Replenishment, Routing, RoutingLine, WorkCenter
from prodcore.numbers import Duration
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.testing.contracts import sample_moves, sample_order
from prodcore.testing.shop import Shop


@pytest.fixture
def store(sql_store: SqlStore) -> SqlStore:
    return sql_store


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements units of work made from now on read with (outside commits)."""
    reads: list[str] = []
    run = _ReadsOn.query

    def counted(self: _ReadsOn, sql: str, params: Any = ()) -> Any:
        reads.append(sql)
        return run(self, sql, params)

    monkeypatch.setattr(_ReadsOn, "query", counted)
    return reads


def test_orders_read_ahead_come_with_the_next_read_and_an_absent_one_is_known(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store() as uow:
        uow.orders.add(sample_order("PO-1"))
        uow.orders.add(sample_order("PO-2"))
        uow.commit()
    reads = _count_reads(monkeypatch)
    with store() as uow:
        uow.orders.read_ahead(["PO-2", "PO-1", "NONE"])
        assert uow.ledger.idempotency("K") is None
        assert len(reads) == 1
        assert uow.orders.get("PO-1") == sample_order("PO-1")
        assert uow.orders.get("PO-2") == sample_order("PO-2")
        assert uow.orders.find("NONE") is None
        assert len(reads) == 1  # all three answered by the first statement


def test_an_order_read_ahead_and_changed_by_a_rival_refuses_the_commit(
    store: SqlStore,
) -> None:
    with store() as uow:
        uow.orders.add(sample_order("PO-1"))
        uow.commit()
    with store() as uow:
        uow.orders.read_ahead(["PO-1"])
        assert uow.ledger.idempotency("K") is None  # PO-1 read here, at version 1
        with store() as rival:
            order = rival.orders.get("PO-1")
            rival.orders.save(attrs.evolve(order, version=2), expected_version=1)
            rival.commit()
        order = uow.orders.get("PO-1")
        assert order.version == 1  # as read with the key
        uow.orders.save(attrs.evolve(order, description="mine", version=2), expected_version=1)
        with pytest.raises(ConcurrencyError):
            uow.commit()
    with store() as uow:
        assert uow.orders.get("PO-1").description == ""


def _released_shop(store: SqlStore) -> Shop:
    """A shop on ``store`` with PO-1 (5 SHELF, one operation on SAW) released."""
    shop = Shop(
        [
            WorkCenter("SAW", direct_unit_cost=Decimal(2)),
            Routing("R", (RoutingLine("10", CapacityType.WORK_CENTER, "SAW"),)),
            Item("SHELF", base_unit="PCS", replenishment=Replenishment.PRODUCTION, routing_no="R"),
        ],
        uow=store(),
    )
    shop.create("PO-1", "SHELF", 5)
    shop.release("PO-1")
    return shop


def test_a_posting_reads_its_key_and_its_order_in_one_statement(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _released_shop(store)
    reads = _count_reads(monkeypatch)
    post = PostOutput("OUT-1", (OutputLine("PO-1", 10000, "10", output_quantity=5),))
    result = shop.post(post)
    assert result.orders == (("PO-1", 3),)
    assert len([sql for sql in reads if "prodcore_orders" in sql]) == 1
    assert "prodcore_idempotency" in reads[0] and "prodcore_orders" in reads[0]
    reads.clear()
    assert shop.post(post) == result  # a replay: the key (with the order), then its batch
    assert len([sql for sql in reads if "prodcore_orders" in sql]) == 1
    with store() as uow:
        assert uow.ledger.output_quantity("PO-1", 10000) == 5


def _finished_shop(store: SqlStore) -> Shop:
    shop = _released_shop(store)
    line = OutputLine("PO-1", 10000, "10", output_quantity=5, run_time=Duration(30))
    shop.post(PostOutput("OUT-1", (line,)))
    shop.finish("PO-1")
    return shop


_COST_TABLES = ("prodcore_output_entries", "prodcore_bal_order_cost", "prodcore_bal_wip")


def test_an_orders_cost_reads_announced_come_in_one_statement_with_the_same_answers(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _finished_shop(store)
    with store() as uow:
        expected = (
            uow.ledger.output_entries("PO-1"),
            uow.ledger.output_values("PO-1"),
            uow.ledger.order_cost_sums("PO-1"),
            uow.ledger.wip("PO-1"),
        )
    assert expected[0] and expected[1] and expected[2] and expected[3]
    reads = _count_reads(monkeypatch)
    with store() as uow:
        uow.ledger.read_ahead_costs("PO-1")
        found = (
            uow.ledger.wip("PO-1"),  # the first of them reads all four
            uow.ledger.order_cost_sums("PO-1"),
            uow.ledger.output_values("PO-1"),
            uow.ledger.output_entries("PO-1"),
        )
    assert found == expected[::-1]
    assert len([sql for sql in reads if any(t in sql for t in _COST_TABLES)]) == 1


def test_cost_adjustment_reads_the_orders_costs_in_one_statement(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _finished_shop(store)
    reads = _count_reads(monkeypatch)
    result = adjust_cost(store(), "PO-1", clock=shop.clock, idempotency_key="ADJ")
    assert len([sql for sql in reads if any(t in sql for t in _COST_TABLES)]) == 1
    with store() as uow:
        assert uow.ledger.wip("PO-1") == 0
        assert verify(store).ok
    assert adjust_cost(store(), "PO-1", clock=shop.clock, idempotency_key="ADJ") == result


def test_costs_read_ahead_and_changed_by_a_rival_refuse_the_commit(store: SqlStore) -> None:
    shop = _finished_shop(store)
    with store() as uow:
        uow.ledger.read_ahead_costs("PO-1")
        assert uow.ledger.wip("PO-1") == 60  # read with the other three
        # the rival adjusts: WIP to 0, and a value entry of the output more
        adjust_cost(store(), "PO-1", clock=shop.clock, idempotency_key="RIVAL")
        assert len(uow.ledger.output_values("PO-1")) == 1  # as read with the WIP
        uow.ledger.append(sample_moves(("SHELF", "-1")))
        with pytest.raises(ConcurrencyError):
            uow.commit()
    with store() as uow:
        assert uow.ledger.wip("PO-1") == 0
        assert len(uow.ledger.output_values("PO-1")) == 2
        assert uow.ledger.on_hand("SHELF") == 5  # the refused move is not stored
