"""Tables for people: the one table renderer every report uses, as plain text (the CLI,
``print``) and as HTML (Jupyter shows a :class:`Table` or :class:`Report` as one), and the
order and ledger reports.

>>> print(table(["Item", "Qty"], [["BIKE", "10"], ["WHEEL", "20"]], title="Orders", align="lr"))
Orders
Item   Qty
-----  ---
BIKE    10
WHEEL   20
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from prodcore.ledger.model import PostingBatch
from prodcore.numbers import Duration, in_own_context
from prodcore.orders.model import ProductionOrder
from prodcore.ports import LedgerRepository

__all__ = [
    "Report",
    "Table",
    "fmt",
    "ledger_report",
    "ledger_tables",
    "orders_report",
    "orders_tables",
    "postings",
    "postings_table",
    "table",
]


def fmt(value: object) -> str:
    """A cell: Decimals without exponent noise, None as blank, enums by value."""
    if value is None:
        return ""
    if isinstance(value, Duration):
        return f"{fmt(value.amount)} {value.unit.value}"
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(getattr(value, "value", value))


def _cells(rows: Iterable[Sequence[object]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(fmt(c) for c in row) for row in rows)


class _Shown:
    """Shown as HTML in Jupyter (``_repr_html_``) and as text everywhere else."""

    __slots__ = ()

    def text(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return self.text()


@attrs.frozen(repr=False)
class Table(_Shown):
    """A titled table of cells (already formatted with :func:`fmt`): ``text()`` for people
    at a terminal, ``html()`` (and ``_repr_html_``, which Jupyter calls) for notebooks.

    >>> t = Table.of(["Item", "Qty"], [["BIKE", Decimal("10.50")]], title="Stock", align="lr")
    >>> print(t.html())
    <table class="prodcore">
    <caption>Stock</caption>
    <thead><tr><th style="text-align:left">Item</th><th style="text-align:right">Qty</th></tr></thead>
    <tbody>
    <tr><td style="text-align:left">BIKE</td><td style="text-align:right">10.5</td></tr>
    </tbody>
    </table>
    >>> t
    Stock
    Item   Qty
    ----  ----
    BIKE  10.5
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    align: str = ""
    footer: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(
        cls,
        headers: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        title: str = "",
        align: str = "",
        footer: Sequence[Sequence[object]] = (),
    ) -> Table:
        """A table of any cell values (formatted with :func:`fmt`)."""
        return cls(
            tuple(headers), _cells(rows), title, align.ljust(len(headers), "l"), _cells(footer)
        )

    def text(self) -> str:
        """The table as aligned plain text."""
        widths = [len(h) for h in self.headers]
        for row in (*self.rows, *self.footer):
            for i, c in enumerate(row):
                widths[i] = max(widths[i], len(c))

        def line(values: Sequence[str]) -> str:
            parts = [
                v.rjust(w) if a == "r" else v.ljust(w)
                for v, w, a in zip(values, widths, self.align, strict=True)
            ]
            return "  ".join(parts).rstrip()

        rule = line(["-" * w for w in widths])
        out = [self.title] if self.title else []
        out.append(line(self.headers))
        out.append(rule)
        out.extend(line(row) for row in self.rows)
        if not self.rows:
            out.append("(none)")
        if self.footer:
            out.append(rule)
            out.extend(line(row) for row in self.footer)
        return "\n".join(out)

    def html(self) -> str:
        """The table as an HTML ``<table>`` (cells escaped)."""
        styles = [f' style="text-align:{"right" if a == "r" else "left"}"' for a in self.align]

        def row(cells: Sequence[str], tag: str) -> str:
            inner = "".join(
                f"<{tag}{st}>{html.escape(c)}</{tag}>" for c, st in zip(cells, styles, strict=True)
            )
            return f"<tr>{inner}</tr>"

        out = ['<table class="prodcore">']
        if self.title:
            out.append(f"<caption>{html.escape(self.title)}</caption>")
        out.append(f"<thead>{row(self.headers, 'th')}</thead>")
        out.append("<tbody>")
        out.extend(row(r, "td") for r in self.rows)
        if not self.rows:
            out.append(f'<tr><td colspan="{len(self.headers)}">(none)</td></tr>')
        out.append("</tbody>")
        if self.footer:
            out.append("<tfoot>" + "".join(row(r, "td") for r in self.footer) + "</tfoot>")
        out.append("</table>")
        return "\n".join(out)


@attrs.frozen(repr=False)
class Report(_Shown):
    """Tables shown together (and notes after them): text with a blank line between,
    HTML one after the other.

    >>> r = Report((Table.of(["A"], [[1]]),), notes=("checked",))
    >>> print(r)
    A
    -
    1
    <BLANKLINE>
    checked
    >>> "<table" in r._repr_html_() and "<p>checked</p>" in r._repr_html_()
    True
    """

    tables: tuple[Table, ...]
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        """All tables as plain text, then the notes."""
        return "\n\n".join([*(t.text() for t in self.tables), *self.notes])

    def html(self) -> str:
        """All tables as HTML, then the notes as paragraphs."""
        notes = (f"<p>{html.escape(n)}</p>" for n in self.notes)
        return "\n".join([*(t.html() for t in self.tables), *notes])


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "",
    align: str = "",
    footer: Sequence[Sequence[object]] = (),
) -> str:
    """Render rows as an aligned text table. ``align`` holds 'l' or 'r' per column
    (default 'l'); ``footer`` rows (totals) follow a second rule. Cells go through
    :func:`fmt`. (:meth:`Table.of` gives the same as a :class:`Table`, with HTML too.)

    >>> print(table(["Share", "Cost"], [["Material", "10.00"]], align="lr",
    ...             footer=[["Total", "10.00"]]))
    Share     Cost
    --------  -----
    Material  10.00
    --------  -----
    Total     10.00
    >>> print(table(["Order"], [], title="Empty"))
    Empty
    Order
    -----
    (none)
    """
    return Table.of(headers, rows, title=title, align=align, footer=footer).text()


@in_own_context
def orders_report(orders: Iterable[ProductionOrder]) -> str:
    """Orders, their lines, components, operations and status history as text tables."""
    return Report(orders_tables(orders)).text()


def orders_tables(orders: Iterable[ProductionOrder]) -> tuple[Table, ...]:
    """Orders, their lines, components, operations and quality orders as tables."""
    orders = list(orders)
    parts = [
        Table.of(
            ["Order", "Item", "Quantity", "Due", "Status", "Version", "Changes"],
            [
                [
                    o.id,
                    o.item_no,
                    o.quantity,
                    o.due_date,
                    o.status,
                    o.version,
                    " > ".join(h.to_status.value for h in o.history),
                ]
                for o in orders
            ],
            title="Production orders",
            align="llrllrl",
        )
    ]
    for o in orders:
        parts.append(
            Table.of(
                ["Line", "Item", "Quantity", "Finished", "Remaining", "Level"],
                [
                    [
                        ln.line_no,
                        ln.item_no,
                        ln.quantity,
                        ln.finished_quantity,
                        ln.remaining_quantity,
                        ln.planning_level,
                    ]
                    for ln in o.lines
                ],
                title=f"{o.id}: lines",
                align="llrrrr",
            )
        )
        parts.append(
            Table.of(
                [
                    "Line",
                    "Comp",
                    "Item",
                    "Qty per",
                    "Expected",
                    "Consumed",
                    "Remaining",
                    "Unit",
                    "Flushing",
                    "Link",
                    "From BOM",
                ],
                [
                    [
                        ln.line_no,
                        c.line_no,
                        c.item_no,
                        c.quantity_per,
                        c.expected_quantity,
                        c.consumed_quantity,
                        c.remaining_quantity,
                        c.unit,
                        c.flushing_method,
                        c.routing_link_code,
                        " > ".join(c.bom_path),
                    ]
                    for ln, c in o.iter_components()
                ],
                title=f"{o.id}: components",
                align="lrlrrrrllll",
            )
        )
        parts.append(
            Table.of(
                [
                    "Line",
                    "Op",
                    "Centre",
                    "Setup",
                    "Run/unit",
                    "Input qty",
                    "Output",
                    "Scrap",
                    "Flushing",
                    "Status",
                    "Subcontracted (req/recv)",
                ],
                [
                    [
                        ln.line_no,
                        op.operation_no,
                        f"{op.type.value[0]}C {op.no}",
                        op.setup_time,
                        op.run_time,
                        op.input_quantity,
                        op.output_quantity,
                        op.scrap_quantity,
                        op.flushing_method,
                        op.status,
                        f"{fmt(op.subcontract_requested)} / {fmt(op.subcontract_received)}"
                        if op.subcontract_requested
                        else "",
                    ]
                    for ln, op in o.iter_operations()
                ],
                title=f"{o.id}: operations",
                align="lrlrrrrrlll",
            )
        )
        if o.quality_orders:
            parts.append(
                Table.of(
                    [
                        "Quality order",
                        "Line",
                        "Op",
                        "Check",
                        "Sample",
                        "Covers",
                        "Status",
                        "Results",
                    ],
                    [
                        [
                            q.no,
                            q.line_no,
                            q.operation_no,
                            q.check.code,
                            q.quantity,
                            q.covered_quantity,
                            q.status,
                            ", ".join(
                                f"{r.test_code}={fmt(r.value) if r.value is not None else r.passed}"
                                for r in q.results
                            ),
                        ]
                        for q in o.quality_orders
                    ],
                    title=f"{o.id}: quality orders",
                    align="lrllrrll",
                )
            )
    return tuple(parts)


def postings(
    ledger: LedgerRepository, *, user: str | None = None, source: str | None = None
) -> list[PostingBatch]:
    """Every posting (batch) in number order, those of ``user`` and ``source`` only when
    given: who posted what, and through what. The store answers from its index of who
    posted (:meth:`~prodcore.ports.LedgerRepository.batches`), not by reading every batch.

    >>> import datetime as dt
    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> from prodcore.app import handle, put_master_data
    >>> from prodcore.clock import FixedClock
    >>> from prodcore.masterdata import Item
    >>> from prodcore.orders.journals import AdjustInventory, AdjustmentLine
    >>> store, clock = InMemoryStore(), FixedClock(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC))
    >>> put_master_data(InMemoryUnitOfWork(store), [Item("BOLT", base_unit="PCS")])
    >>> for key, user in (("a", "anna"), ("b", "ben")):
    ...     _ = handle(InMemoryUnitOfWork(store), AdjustInventory(key, (AdjustmentLine("BOLT", 1),)),
    ...                clock=clock, user=user, source="terminal-3")
    >>> with InMemoryUnitOfWork(store) as uow:
    ...     [(b.posting_no, b.user, b.source) for b in postings(uow.ledger, user="ben")]
    [(2, 'ben', 'terminal-3')]
    """
    return ledger.batches(user=user, source=source)


def postings_table(
    ledger: LedgerRepository, *, user: str | None = None, source: str | None = None
) -> Table:
    """The postings of :func:`postings` as a table: number, document, date, user, source."""
    return Table.of(
        ["Posting", "Document", "Posted at", "User", "Source"],
        [
            [b.posting_no, b.document_no, b.posted_at.isoformat(), b.user, b.source]
            for b in postings(ledger, user=user, source=source)
        ],
        title="Postings",
        align="rllll",
    )


@in_own_context
def ledger_report(ledger: LedgerRepository, orders: Iterable[ProductionOrder]) -> str:
    """The item, capacity and value ledgers (all entries, with and without an order), the
    cost view by account, on hand and the WIP of ``orders``, as text tables."""
    return Report(ledger_tables(ledger, orders)).text()


def ledger_tables(ledger: LedgerRepository, orders: Iterable[ProductionOrder]) -> tuple[Table, ...]:
    """The tables of :func:`ledger_report`."""
    orders = list(orders)
    items = ledger.item_entries()
    capacity = ledger.capacity_entries()
    values = ledger.value_entries()
    gl = ledger.gl_entries()
    parts = [
        Table.of(
            [
                "Entry",
                "Type",
                "Item",
                "Quantity",
                "Unit",
                "Order",
                "Line",
                "Comp",
                "Op",
                "Applies to",
                "Lot",
                "Serial",
                "Expiry",
            ],
            [
                [
                    e.entry_no,
                    e.entry_type,
                    e.item_no,
                    e.quantity,
                    e.unit,
                    e.order_id,
                    e.order_line_no if e.order_id else None,
                    e.component_line_no,
                    e.operation_no,
                    e.applies_to_entry_no,
                    e.lot_no,
                    e.serial_no,
                    e.expiry_date,
                ]
                for e in sorted(items, key=lambda e: e.entry_no)
            ],
            title="Item ledger",
            align="rllrllrrlrlll",
        ),
        Table.of(
            [
                "Entry",
                "Centre",
                "Op",
                "Setup",
                "Run",
                "Stop",
                "Unit",
                "Output",
                "Scrap",
                "Code",
                "Cost qty",
                "Applies to",
            ],
            [
                [
                    e.entry_no,
                    f"{e.type.value[0]}C {e.no}",
                    e.operation_no,
                    e.setup_time,
                    e.run_time,
                    e.stop_time,
                    e.time_unit,
                    e.output_quantity,
                    e.scrap_quantity,
                    e.scrap_code or e.stop_code,
                    e.quantity,
                    e.applies_to_entry_no,
                ]
                for e in sorted(capacity, key=lambda e: e.entry_no)
            ],
            title="Capacity ledger",
            align="rllrrrlrrlrr",
        ),
        Table.of(
            ["Entry", "Type", "Source", "Item", "Expected", "Actual", "Variance type"],
            [
                [
                    e.entry_no,
                    e.entry_type,
                    f"{e.source.value} {e.item_entry_no or e.capacity_entry_no}",
                    e.item_no,
                    e.cost_amount_expected,
                    e.cost_amount_actual,
                    e.variance_type,
                ]
                for e in sorted(values, key=lambda e: e.entry_no)
            ],
            title="Value entries",
            align="rlllrrl",
        ),
    ]
    by_account: dict[tuple[str, str], Decimal] = {}
    for e in gl:
        key = (e.account, e.role.value)
        by_account[key] = by_account.get(key, Decimal(0)) + e.amount
    parts.append(
        Table.of(
            ["Account", "Role", "Debit", "Credit"],
            [
                [acc, role, amt if amt > 0 else None, -amt if amt < 0 else None]
                for (acc, role), amt in sorted(by_account.items())
            ],
            title="Cost view (balance by account)",
            align="llrr",
        )
    )
    item_nos = sorted({e.item_no for e in items})
    parts.append(
        Table.of(
            ["Item", "On hand"],
            [[no, ledger.on_hand(no)] for no in item_nos],
            title="On hand",
            align="lr",
        )
    )
    parts.append(postings_table(ledger))
    parts.append(
        Table.of(
            ["Order", "WIP"],
            [[o.id, ledger.wip(o.id)] for o in orders],
            title="Work in process",
            align="lr",
        )
    )
    return tuple(parts)
