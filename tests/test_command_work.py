"""Work a command no longer does: a store with no setup put answers one shared default
(not one built at every read); what the domain decides from a command checked where it
came in is not walked again when it is staged, while a wrong value a caller passes, in a
command or in a record it stages itself, is still refused and nothing stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from prodcore.adapters import Store, _storable, open_store
from prodcore.adapters._staging import StagingUnitOfWork
from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.app import adjust_cost, handle
from prodcore.errors import InvalidValueError
from prodcore.ledger.model import PostingBatch, PostingSetup
from prodcore.masterdata import (
    ManufacturingSetup,
)
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.testing.contracts import sample_batch
from prodcore.testing.shop import Shop
from tests.shopfloor.conftest import make_shop


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = "memory:" if request.param == "memory" else f"sqlite:///{tmp_path}/p.db"
    with open_store(url) as opened:
        yield opened


def test_a_store_without_setups_answers_one_shared_default_of_each(store: Store) -> None:
    first, second = store(), store()
    assert first.master_data.setup == ManufacturingSetup()
    assert first.ledger.posting_setup == PostingSetup()
    assert first.master_data.setup is second.master_data.setup
    assert first.ledger.posting_setup is second.ledger.posting_setup


def test_a_setup_put_replaces_the_default(store: Store) -> None:
    uow = store()
    put = ManufacturingSetup(currency="USD")
    uow.master_data.put_setup(put)
    uow.commit()
    assert store().master_data.setup == put


def _shop() -> Shop:
    """A table of four legs, sawn then painted; order PO-1 of 10 released."""
    return make_shop()


def _bent(record: Any, **wrong: object) -> Any:
    """``record`` with fields set behind attrs's back, as a buggy caller's copy would be."""
    record = attrs.evolve(record)
    for name, value in wrong.items():
        object.__setattr__(record, name, value)
    return record


def _output(**wrong: object) -> PostOutput:
    line = OutputLine("PO-1", 10000, "20", output_quantity=10, finished=True)
    return PostOutput("K-OUT", (_bent(line, **wrong),))


@pytest.fixture
def walked(monkeypatch: pytest.MonkeyPatch) -> list[type]:
    """The classes of the records the staging check walks from now on (vouching as the
    stores do, not as the suite's conftest does: it checks every record vouched for)."""
    monkeypatch.setattr(StagingUnitOfWork, "vouch", StagingUnitOfWork.vouch.__wrapped__)  # type: ignore[attr-defined]
    seen: list[type] = []
    for name in ("_record_check", "_since_check"):
        real: Callable[[type], Any] = getattr(_storable, name)

        def spy(cls: type, _real: Callable[[type], Any] = real) -> Any:
            seen.append(cls)
            return _real(cls)

        monkeypatch.setattr(_storable, name, spy)
    return seen


def test_what_a_command_decides_is_staged_without_walking_it_again(walked: list[type]) -> None:
    shop = _shop()
    walked.clear()
    result = shop.post(_output())
    assert result.batch is not None and result.batch.item_entries
    assert walked == [PostOutput]  # the command, where it came in; not its batch or order
    walked.clear()
    shop.finish("PO-1")
    adjust_cost(shop.uow, "PO-1", clock=shop.clock, idempotency_key="K-ADJ")
    assert PostingBatch not in walked and ProductionOrder not in walked


def test_a_batch_a_caller_appends_is_walked(walked: list[type]) -> None:
    shop = _shop()
    batch = shop.post(_output()).batch
    assert batch is not None
    copy = attrs.evolve(batch, posting_no=0, idempotency_key=None, item_applications=None)
    walked.clear()
    with shop.uow:
        shop.uow.ledger.append(copy)
        shop.uow.commit()
    assert PostingBatch in walked


@pytest.mark.parametrize(
    "command",
    [
        _output(order_id=1),
        _output(scrap_code=5),
        _output(bin_code=("A",)),
        _output(setup_time=Decimal(3)),  # a custom object where a Duration belongs
        _bent(ChangeStatus("PO-1", OrderStatus.FINISHED), to_status="FINISHED"),
        _bent(ChangeStatus("PO-1", OrderStatus.FINISHED), finish_without_output=1),
    ],
    ids=[
        "int order id",
        "int scrap code",
        "tuple bin",
        "Decimal duration",
        "str status",
        "int flag",
    ],
)
def test_a_command_with_a_value_that_would_not_store_is_refused_and_nothing_stored(
    command: Any,
) -> None:
    shop = _shop()
    before = shop.snapshot()
    with pytest.raises(InvalidValueError) as refused:
        handle(shop.uow, command, clock=shop.clock)
    assert refused.value.field == "command"
    assert shop.snapshot() == before


def test_a_creation_with_a_value_that_would_not_store_is_refused_and_nothing_stored() -> None:
    shop = _shop()
    before = shop.snapshot()
    command = _bent(
        CreateOrder("PO-2", "TABLE", 1, due_date=dt.date(2026, 3, 9)),
        due_date=dt.datetime(2026, 3, 9, tzinfo=dt.UTC),
    )
    with pytest.raises(InvalidValueError):
        handle(shop.uow, command, clock=shop.clock)
    assert shop.snapshot() == before


def test_an_adjustment_with_shares_a_caller_gives_is_checked_by_the_store(
    walked: list[type],
) -> None:
    shop = _shop()
    shop.post(_output())
    shop.finish("PO-1")
    walked.clear()
    adjust_cost(shop.uow, "PO-1", clock=shop.clock, idempotency_key="K-ADJ", standard={})
    assert ProductionOrder in walked


def test_a_vouch_takes_the_same_object_once_in_its_unit_of_work(walked: list[type]) -> None:
    uow = InMemoryUnitOfWork(InMemoryStore())
    batch = sample_batch()
    with uow:
        assert uow.vouch(batch) is batch
        with pytest.raises(InvalidValueError):  # a bent copy of it is no vouched object
            uow.ledger.append(_bent(batch, document_no=1))
        walked.clear()
        uow.ledger.append(batch)
        assert walked == []  # taken unchecked
        uow.ledger.append(batch)  # the second time: checked
        assert walked == [PostingBatch]
    walked.clear()
    with uow:
        uow.vouch(batch)
        uow.rollback()  # the vouch ends with its unit of work
        uow.ledger.append(batch)
        assert walked == [PostingBatch]
