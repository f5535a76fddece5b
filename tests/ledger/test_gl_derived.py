"""A batch's G/L lines derive from its value entries and the posting setup: the rule
balances them by construction, numbering gives them the numbers given lines got, a
posting builds none until they are read, and the wire carries them as before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prodcore.errors import UnbalancedEntryError
from prodcore.ledger.model import (
    AccountRole,
    GLEntry,
    LedgerCounters,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    VarianceType,
    number_batch,
)
from prodcore.ledger.posting import gl_lines, gl_moves
from prodcore.masterdata import Item, Replenishment
from prodcore.orders.execution import OutputLine, PostOutput
from prodcore.serialization import dumps, loads, to_jsonable
from prodcore.testing.shop import Shop

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)

_amounts = st.decimals(min_value=-1000, max_value=1000, places=2)


@st.composite
def value_entries(draw: st.DrawFn, entry_no: int = -1) -> ValueEntry:
    """A value entry of any type and source, of an order or of none."""
    source = draw(st.sampled_from(ValueSource))
    return ValueEntry(
        entry_no,
        draw(st.sampled_from(ValueEntryType)),
        source,
        draw(_amounts),
        draw(_amounts),
        currency=draw(st.sampled_from(["EUR", "USD"])),
        item_entry_no=1 if source is ValueSource.ITEM else None,
        capacity_entry_no=1 if source is ValueSource.CAPACITY else None,
        order_id=draw(st.sampled_from([None, "PO-1", "PO-2"])),
        variance_type=draw(st.none() | st.sampled_from(VarianceType)),
        posted_at=AT,
    )


setups = st.builds(
    PostingSetup,
    variance_accounts=st.sampled_from([(), (("MATERIAL", "7892"), ("CAPACITY", "7894"))]),
    revaluation=st.sampled_from([None, "7271"]),
)


def _derived(values: list[ValueEntry], setup: PostingSetup) -> PostingBatch:
    numbered = tuple(attrs.evolve(v, entry_no=-n) for n, v in enumerate(values, start=1))
    return PostingBatch.build(document_no="D", posted_at=AT, value_entries=numbered, gl_setup=setup)


def _given(batch: PostingBatch) -> PostingBatch:
    """The same batch with its lines built one by one by gl_lines and given (as before)."""
    assert batch.gl_setup is not None
    lines: list[GLEntry] = []
    for v in batch.value_entries:
        lines.extend(gl_lines(v, batch.gl_setup, -(len(lines) + 1)))
    return PostingBatch.build(
        document_no="D", posted_at=AT, value_entries=batch.value_entries, gl_entries=tuple(lines)
    )


@given(st.lists(value_entries(), max_size=8), setups)
def test_derived_lines_balance_per_value_entry_and_in_total(
    values: list[ValueEntry], setup: PostingSetup
) -> None:
    for v in values:
        assert sum((amount for _, _, amount in gl_moves(v, setup)), Decimal(0)) == 0
    batch = _derived(values, setup)
    # the check of given lines accepts them: in total and per value entry, per currency
    _given(batch).check_balanced()
    totals: dict[str, Decimal] = {}
    for line in batch.gl_entries:
        totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.amount
    assert all(total == 0 for total in totals.values())


@given(st.lists(value_entries(), max_size=8), setups)
def test_derived_lines_are_the_lines_posting_gave_before(
    values: list[ValueEntry], setup: PostingSetup
) -> None:
    batch = _derived(values, setup)
    given_lines = _given(batch)
    assert batch.gl_entries == given_lines.gl_entries
    assert batch == given_lines
    assert batch.gl_count == len(given_lines.gl_entries)
    assert list(batch.gl_postings) == [
        (g.role, g.account, g.amount, g.order_id) for g in given_lines.gl_entries
    ]


@given(st.lists(value_entries(), min_size=1, max_size=8), setups, st.integers(0, 10**6))
def test_numbering_gives_derived_lines_the_numbers_given_lines_get(
    values: list[ValueEntry], setup: PostingSetup, last_gl: int
) -> None:
    counters = LedgerCounters(posting=4, item=9, capacity=3, value=17, gl=last_gl)
    derived, after = number_batch(_derived(values, setup), counters)
    given_lines, after_given = number_batch(_given(_derived(values, setup)), counters)
    assert after == after_given
    assert derived.gl_entries == given_lines.gl_entries
    assert derived.gl_after == last_gl and derived.gl_setup == setup
    # numbered again (a store reading its own batch): the numbers stay
    assert number_batch(derived, after)[0].gl_entries == derived.gl_entries


def test_a_batch_that_derives_its_lines_differs_from_one_with_other_lines() -> None:
    v = ValueEntry(
        -1, ValueEntryType.DIRECT_COST, ValueSource.CAPACITY, Decimal(80), Decimal(0),
        currency="EUR", capacity_entry_no=-1, order_id="PO-1", posted_at=AT,
    )  # fmt: skip
    batch = _derived([v], PostingSetup())
    assert batch != _derived([v], PostingSetup(wip="2141"))
    assert batch != attrs.evolve(_given(batch), gl_entries=())
    assert [(g.account, g.amount) for g in batch.gl_entries] == [
        ("2140", Decimal(80)),
        ("7890", Decimal(-80)),
    ]


@given(st.lists(value_entries(), max_size=4), setups)
def test_the_wire_carries_derived_lines_and_reads_back_deriving_them(
    values: list[ValueEntry], setup: PostingSetup
) -> None:
    batch, _ = number_batch(_derived(values, setup), LedgerCounters(gl=5))
    doc = to_jsonable(batch)
    assert doc["gl_entries"] == [to_jsonable(g) for g in batch.gl_entries]
    again = loads(dumps(batch), PostingBatch)
    assert again == batch
    assert again.gl_setup == setup and again.gl_after == 5


def test_a_batch_with_given_lines_reads_as_before() -> None:
    line = GLEntry(
        1, account="2140", role=AccountRole.WIP, amount=Decimal(0), currency="EUR",
        value_entry_no=1, posted_at=AT,
    )  # fmt: skip
    batch = PostingBatch(1, "D", AT, gl_entries=(line,))
    doc = to_jsonable(batch)
    assert "gl_setup" not in doc and "gl_after" not in doc
    assert loads(dumps(batch), PostingBatch).gl_entries == (line,)


def test_a_posting_builds_no_gl_line_until_one_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    init = GLEntry.__init__

    def counting(self: GLEntry, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        init(self, *args, **kwargs)

    monkeypatch.setattr(GLEntry, "__init__", counting)
    shop = Shop([Item("BOX", base_unit="PCS", unit_cost=3, replenishment=Replenishment.PRODUCTION)])
    shop.create("PO-1", "BOX", 5)
    shop.release()
    result = shop.post(
        PostOutput(shop.key(), (OutputLine("PO-1", 10000, output_quantity=Decimal(5)),))
    )
    assert result.batch is not None
    assert built == []
    # balances come from the rule's moves: WIP credited, interim inventory debited
    assert shop.store.ledger.accounts == {"2111": Decimal(15), "2140": Decimal(-15)}
    assert shop.store.ledger.wip_by_order["PO-1"] == Decimal(-15)
    with shop.uow:
        lines = shop.uow.ledger.gl_entries(order_id="PO-1")
    assert [(g.entry_no, g.account, g.amount) for g in lines] == [
        (1, "2111", Decimal("15.00")),
        (2, "2140", Decimal("-15.00")),
    ]
    assert len(built) == 2
    assert lines == list(result.batch.gl_entries)


def test_lines_given_beside_a_setup_are_the_lines_read_and_checked() -> None:
    """A store that reads a batch's stored lines gives them with the setup: they are
    read as stored (a changed row shows), and checked."""
    v = ValueEntry(
        -1, ValueEntryType.DIRECT_COST, ValueSource.CAPACITY, Decimal(80), Decimal(0),
        currency="EUR", capacity_entry_no=-1, order_id="PO-1", posted_at=AT,
    )  # fmt: skip
    batch = _derived([v], PostingSetup())
    assert batch.derives_gl
    stored = attrs.evolve(batch, gl_entries=batch.gl_entries[:1])
    assert not stored.derives_gl
    assert stored.gl_entries == batch.gl_entries[:1] and stored.gl_count == 1
    with pytest.raises(UnbalancedEntryError):
        stored.check_balanced()
