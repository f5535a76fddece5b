"""Ledger sums keep every digit of the supported range (15 digits before the point, down
to the finest rounding precision and beyond): balances, the batch's debit and credit
check, derived G/L lines and verify add in ``EXACT_SUMS``, never in Decimal's default
context of 28 digits, and a negation is exact (``copy_negate``, not ``-x``)."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from prodcore.adapters import open_store
from prodcore.adapters.sqlite import _add_decimal_texts
from prodcore.errors import UnbalancedEntryError
from prodcore.integrity import verify
from prodcore.ledger.balances import LedgerIndex
from prodcore.ledger.model import (
    AccountRole,
    GLEntry,
    LedgerCounters,
    PostingBatch,
    PostingSetup,
    ValueEntry,
    ValueEntryType,
    ValueSource,
    number_batch,
)
from prodcore.ledger.posting import gl_moves
from prodcore.numbers import MAX_DECIMAL_PLACES, MAX_INTEGER_DIGITS, exact_sum
from prodcore.testing.contracts import sample_batch

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
BIG = Decimal("12345678901234.1234567890123456789")  # 33 significant digits
TINY = Decimal("1E-19")
WIDE = decimal.Context(prec=200)  # a context no sum of the tests can round in


def in_range() -> st.SearchStrategy[Decimal]:
    """Numbers of the range with up to 20 decimal places (35 significant digits)."""
    limit = 10 ** (MAX_INTEGER_DIGITS + MAX_DECIMAL_PLACES) - 1
    return st.integers(-limit, limit).map(lambda n: Decimal(f"{n}E-{MAX_DECIMAL_PLACES}"))


def _gl(no: int, account: str, amount: Decimal) -> GLEntry:
    return GLEntry(no, account=account, role=AccountRole.WIP, amount=amount, currency="EUR",
                   value_entry_no=-1, posted_at=AT)  # fmt: skip


def test_a_batch_balanced_to_its_last_digit_is_accepted() -> None:
    assert BIG + 0 != BIG  # (Decimal's default context rounds these 33 digits)
    lines = (_gl(-1, "2140", BIG), _gl(-2, "2110", BIG.copy_negate()))
    PostingBatch.build(document_no="D", posted_at=AT, gl_entries=lines).check_balanced()


def test_a_batch_off_by_its_last_digit_is_refused() -> None:
    # debits and credits differ only in the 19th decimal place: equal at 28 digits
    lines = (_gl(-1, "2140", BIG), _gl(-2, "2110", (BIG - TINY).copy_negate()))
    with pytest.raises(UnbalancedEntryError) as info:
        PostingBatch.build(document_no="D", posted_at=AT, gl_entries=lines).check_balanced()
    assert info.value.debits == f"{BIG} EUR"


@given(in_range(), st.sampled_from(ValueEntryType), st.sampled_from([None, "PO-1"]))
@example(Decimal("100000000.00000000000000000001"), ValueEntryType.DIRECT_COST, None)
def test_derived_gl_moves_balance_exactly(
    amount: Decimal, entry_type: ValueEntryType, order_id: str | None
) -> None:
    value = ValueEntry(
        1, entry_type, ValueSource.CAPACITY, amount, 0, currency="EUR", capacity_entry_no=1,
        order_id=order_id, posted_at=AT,
    )  # fmt: skip
    moves = gl_moves(value, PostingSetup())
    assert WIDE.add(moves[0][2], moves[1][2]) == 0 if moves else not amount
    assert all(WIDE.abs(a) == WIDE.abs(amount) for _, _, a in moves)


@given(st.lists(in_range(), min_size=1, max_size=6))
def test_an_index_balance_is_the_exact_sum_of_its_entries(amounts: list[Decimal]) -> None:
    index, counters = LedgerIndex(), LedgerCounters()
    for n, amount in enumerate(amounts):
        batch = sample_batch(WIDE.abs(amount), WIDE.abs(amount), document_no=f"D{n}")
        numbered, counters = number_batch(batch, counters)
        index.apply(numbered)
    exact = exact_sum(WIDE.abs(a) for a in amounts)
    assert index.on_hand("STEEL") == exact.copy_negate()
    assert index.account_balance("2140") == exact
    assert index.wip("PO-1") == exact
    assert exact == WIDE.add(exact, 0)  # (exact_sum rounded nothing)


def test_sqlite_adds_stored_balances_exactly() -> None:
    assert _add_decimal_texts(str(BIG), str(TINY)) == "12345678901234.1234567890123456790"


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_verify_finds_nothing_wrong_with_balances_beyond_28_digits(
    kind: str, tmp_path: Path
) -> None:
    url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path}/s.db"
    with open_store(url) as store:  # (closed: an open SQLite connection warns when freed)
        for n, (qty, amount) in enumerate([(BIG, BIG), (TINY, TINY)]):
            with store() as uow:
                uow.ledger.append(sample_batch(qty, amount, document_no=f"D{n}"))
                uow.commit()
        report = verify(store)
    assert report.ok, report.problems
    assert report.checked > 0


def test_a_value_entry_off_by_its_last_digit_is_found_by_verify() -> None:
    store = open_store("memory://")
    batch = sample_batch(BIG, BIG)
    value = batch.value_entries[0]
    # the G/L lines move 1E-19 less than the value entry holds: balanced, but short
    short = attrs.evolve(value, cost_amount_actual=WIDE.subtract(value.cost_amount_actual, TINY))
    assert short.cost_amount_actual != value.cost_amount_actual
    with store() as uow:
        uow.ledger.append(attrs.evolve(batch, value_entries=(short,)))
        uow.commit()
    assert not verify(store).ok
