"""A lot's or serial's genealogy as tables and as JSON (what ``prodcore trace`` prints).

>>> import datetime as dt
>>> from prodcore.adapters import open_store
>>> from prodcore.ledger.model import ItemEntryType, ItemLedgerEntry, PostingBatch
>>> from prodcore.masterdata import Item, ItemTracking
>>> at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
>>> def entry(no, type_, item, qty, lot="", serial="", **kw):
...     return ItemLedgerEntry(no, type_, item, qty, unit="PCS", order_id="PO-1",
...                            order_line_no=10000, lot_no=lot, serial_no=serial,
...                            posted_at=at, **kw)
>>> with open_store("memory:") as new_uow:
...     with new_uow() as uow:
...         uow.master_data.put(Item("FLOUR", base_unit="KG", tracking=ItemTracking(lot=True)))
...         _ = uow.ledger.append(PostingBatch.build(document_no="D", posted_at=at, item_entries=(
...             entry(-1, ItemEntryType.CONSUMPTION, "FLOUR", -2, "L1", component_line_no=10000),
...             entry(-2, ItemEntryType.OUTPUT, "CAKE", 1, serial="SN1"))))
...         uow.commit()
...     traces = trace_lot(new_uow(), "L1")
>>> print(trace_tables(traces)[1])
Forward from FLOUR lot L1
Level  Order   Line  Item  Lot  Serial  Quantity  From   From lot  On hand
-----  -----  -----  ----  ---  ------  --------  -----  --------  -------
    1  PO-1   10000  CAKE       SN1            1  FLOUR  L1              1
>>> trace_json(traces)[0]["forward"][0]["serial_no"]
'SN1'
"""

from __future__ import annotations

from typing import Any

import attrs

from prodcore.ledger.genealogy import TraceLink, trace_backward, trace_forward
from prodcore.ports import UnitOfWork
from prodcore.reports.tables import Table, fmt

__all__ = ["LotTrace", "trace_json", "trace_lot", "trace_tables"]


@attrs.frozen
class LotTrace:
    """Both traces of one item's lot / serial."""

    item_no: str
    lot_no: str
    serial_no: str
    backward: tuple[TraceLink, ...]
    forward: tuple[TraceLink, ...]

    @property
    def name(self) -> str:
        return " ".join(
            f"{kind} {no}" for kind, no in (("lot", self.lot_no), ("serial", self.serial_no)) if no
        )


def trace_lot(
    uow: UnitOfWork, lot_no: str = "", *, serial_no: str = "", item_no: str | None = None
) -> list[LotTrace]:
    """The traces of lot ``lot_no`` / serial ``serial_no`` of ``item_no``, or of every
    tracked item that has it when ``item_no`` is None (one indexed query per tracked
    item, no ledger scan)."""
    with uow:
        if item_no is None:
            candidates = [i.no for i in uow.master_data.items() if i.tracking is not None]
        else:
            candidates = [item_no]
        found = []
        for no in candidates:
            if not uow.ledger.tracked_entries(no, lot_no=lot_no, serial_no=serial_no):
                continue
            found.append(
                LotTrace(
                    no,
                    lot_no,
                    serial_no,
                    tuple(trace_backward(uow.ledger, no, lot_no=lot_no, serial_no=serial_no)),
                    tuple(trace_forward(uow.ledger, no, lot_no=lot_no, serial_no=serial_no)),
                )
            )
        return found


def _table(title: str, via: str, links: tuple[TraceLink, ...]) -> Table:
    return Table.of(
        [
            "Level",
            "Order",
            "Line",
            "Item",
            "Lot",
            "Serial",
            "Quantity",
            via,
            f"{via} lot",
            "On hand",
        ],
        [
            [
                t.level,
                t.order_id,
                t.order_line_no,
                t.item_no,
                t.lot_no,
                t.serial_no,
                t.quantity,
                t.via_item_no,
                t.via_lot_no or t.via_serial_no,
                t.on_hand,
            ]
            for t in links
        ],
        title=title,
        align="rlrlllrllr",
    )


def trace_tables(traces: list[LotTrace]) -> tuple[Table, ...]:
    """A backward and a forward table per trace."""
    tables: list[Table] = []
    for t in traces:
        tables.append(_table(f"Backward from {t.item_no} {t.name}", "Into", t.backward))
        tables.append(_table(f"Forward from {t.item_no} {t.name}", "From", t.forward))
    return tuple(tables)


def _link(t: TraceLink) -> dict[str, Any]:
    return {
        name: fmt(value) if not isinstance(value, int) else value
        for name, value in attrs.asdict(t).items()
    }


def trace_json(traces: list[LotTrace]) -> list[dict[str, Any]]:
    """The traces as JSON-ready dicts (quantities as decimal strings)."""
    return [
        {
            "item_no": t.item_no,
            "lot_no": t.lot_no,
            "serial_no": t.serial_no,
            "backward": [_link(x) for x in t.backward],
            "forward": [_link(x) for x in t.forward],
        }
        for t in traces
    ]
