"""Plain-text tables for people (the CLI and notebooks' ``print``): the one table renderer
every text report uses, and the order and ledger reports.

>>> print(table(["Item", "Qty"], [["BIKE", "10"], ["WHEEL", "20"]], title="Orders", align="lr"))
Orders
Item   Qty
-----  ---
BIKE    10
WHEEL   20
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from prodcore.numbers import Duration
from prodcore.orders.model import ProductionOrder
from prodcore.ports import LedgerRepository

__all__ = ["fmt", "ledger_report", "orders_report", "table"]


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
    :func:`fmt`.

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
    cells = [[fmt(c) for c in row] for row in rows]
    totals = [[fmt(c) for c in row] for row in footer]
    widths = [len(h) for h in headers]
    for row in (*cells, *totals):
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    aligns = align.ljust(len(headers), "l")

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if a == "r" else v.ljust(w)
            for v, w, a in zip(values, widths, aligns, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = line(["-" * w for w in widths])
    out = [title] if title else []
    out.append(line(list(headers)))
    out.append(rule)
    out.extend(line(row) for row in cells)
    if not cells:
        out.append("(none)")
    if totals:
        out.append(rule)
        out.extend(line(row) for row in totals)
    return "\n".join(out)


def orders_report(orders: Iterable[ProductionOrder]) -> str:
    """Orders, their lines, components, operations and status history as tables."""
    orders = list(orders)
    parts = [
        table(
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
            table(
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
            table(
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
            table(
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
                table(
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
    return "\n\n".join(parts)


def ledger_report(ledger: LedgerRepository, orders: Iterable[ProductionOrder]) -> str:
    """The item, capacity and value ledgers (all entries, with and without an order), the
    cost view by account, on hand and the WIP of ``orders``."""
    orders = list(orders)
    items = ledger.item_entries()
    capacity = ledger.capacity_entries()
    values = ledger.value_entries()
    gl = ledger.gl_entries()
    parts = [
        table(
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
                ]
                for e in sorted(items, key=lambda e: e.entry_no)
            ],
            title="Item ledger",
            align="rllrllrrlr",
        ),
        table(
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
        table(
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
        table(
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
        table(
            ["Item", "On hand"],
            [[no, ledger.on_hand(no)] for no in item_nos],
            title="On hand",
            align="lr",
        )
    )
    parts.append(
        table(
            ["Order", "WIP"],
            [[o.id, ledger.wip(o.id)] for o in orders],
            title="Work in process",
            align="lr",
        )
    )
    return "\n\n".join(parts)
