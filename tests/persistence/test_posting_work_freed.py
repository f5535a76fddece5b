"""A unit of work that posted is freed, with all it staged, as soon as its last
reference goes, without the cyclic collector: the staged ledger's index reaches the
ledger through a weak reference (a cycle would keep every posting's staged ledger, its
index and its batches until a collection)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from prodcore.adapters import open_store
from prodcore.adapters._staging import StagedLedger
from prodcore.app import adjust_cost
from tests.costing.test_actual_cost import Shop, d4_records


@pytest.mark.parametrize("url", ["memory:", "sqlite"])
def test_a_unit_of_work_that_adjusted_cost_is_freed_without_the_cyclic_collector(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[weakref.ref[StagedLedger]] = []
    init = StagedLedger.__init__

    def noted(self: StagedLedger, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    with open_store(url if url == "memory:" else f"sqlite:///{tmp_path}/p.db") as store:
        shop = Shop(d4_records(), store())
        shop.run_d5()  # finished, with output and consumption to adjust
        monkeypatch.setattr(StagedLedger, "__init__", noted)
        gc.collect()
        gc.disable()  # (what it leaves behind stays until the end of the test)
        try:
            uow = store()
            result = adjust_cost(uow, "PO-1", clock=shop.clock, idempotency_key="ADJ")
            assert result.batch is not None and result.batch.value_entries  # of committed entries
            del uow
            alive = [ref() for ref in made]
        finally:
            gc.enable()
        assert made and alive == [None] * len(made)
