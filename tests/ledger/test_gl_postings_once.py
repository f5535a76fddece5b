"""A posted batch works out its G/L postings once: numbering it and deciding its item
applications keep what was worked out, so the balances do not run the rule table
again for every value entry."""

from __future__ import annotations

import sys
from importlib import resources
from typing import Any

import pytest

from prodcore.adapters import open_store
from prodcore.ledger import posting
from prodcore.scenario import load_scenario, run_scenario


def test_each_value_entry_goes_through_the_rule_table_once_for_the_balances(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rule = posting.gl_moves
    by_batches = 0

    def counted(value: Any, setup: Any) -> Any:
        nonlocal by_batches
        if sys._getframe(1).f_code.co_name == "<genexpr>" and "gl_postings" in (
            sys._getframe(2).f_code.co_name
        ):
            by_batches += 1
        return rule(value, setup)

    monkeypatch.setattr(posting, "gl_moves", counted)
    text = resources.files("prodcore").joinpath("examples/bicycle.json").read_text()
    with open_store("memory:") as store:
        run_scenario(load_scenario(text), store)
        with store() as uow:
            derived = [b for b in uow.ledger.batches() if b.derives_gl]
    values = sum(len(b.value_entries) for b in derived)
    assert values > 0
    assert by_batches == values
