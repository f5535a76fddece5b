"""The production documents, built from an order, master data and the ledger.

* :func:`picking_list` – what to bring to each production bin, grouped by that bin,
  with the storage bins that hold it (per order, or per centre over many orders);
* :func:`route_card` – the operations with their centres, times and quality checks;
* :func:`job_card` – one operation: what to make, with which components, where, and
  space to record start, stop and quantities;
* :func:`production_order` – the order with its lines, components and operations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from prodcore.documents.model import Document, Section
from prodcore.ledger.genealogy import fefo
from prodcore.ledger.reader import LedgerReader
from prodcore.orders.bins import centre_bins, location_bins, location_of, to_production_bin
from prodcore.orders.explosion import MasterDataLookup
from prodcore.orders.flushing import linked_operation
from prodcore.orders.model import Component, Operation, OrderLine, ProductionOrder
from prodcore.reports.tables import fmt

__all__ = ["job_card", "picking_list", "production_order", "route_card"]

PICK_COLUMNS = (
    "Order",
    "Line",
    "Item",
    "Description",
    "Needed",
    "Picked",
    "To pick",
    "Unit",
    "Take from",
    "Lot",
)


def _header(order: ProductionOrder, md: MasterDataLookup) -> tuple[tuple[str, str], ...]:
    return (
        ("Order", order.id),
        ("Item", order.item_no),
        ("Description", order.description or _item_description(md, order.item_no)),
        ("Quantity", fmt(order.quantity)),
        ("Due date", order.due_date.isoformat()),
        ("Location", order.location_code),
        ("Status", order.status.value),
    )


def _item_description(md: MasterDataLookup, item_no: str) -> str:
    return md.item(item_no).description


def _take_from(md: MasterDataLookup, ledger: LedgerReader, comp: Component, to_bin: str) -> str:
    """The bins of the component's location that hold it, e.g. ``S-01: 90``."""
    location = location_of(md, comp.location_code)
    codes = [b.code for b in location.bins] if location is not None else [""]
    held = [
        (code, ledger.on_hand_in_bin(comp.item_no, comp.location_code, code))
        for code in codes
        if code != to_bin
    ]
    return ", ".join(f"{code or '(no bin)'}: {fmt(q)}" for code, q in held if q > 0)


def _lots(md: MasterDataLookup, ledger: LedgerReader, comp: Component, to_pick: Decimal) -> str:
    """The lots / serials to pick, first expired first (a FEFO suggestion over the lots
    on hand at the component's location); empty for an untracked item."""
    item = md.item(comp.item_no)
    if item.tracking is None or not item.tracking.tracked or to_pick <= 0:
        return ""
    base = item.to_base(to_pick, comp.unit)
    suggestion = fefo(ledger, comp.item_no, base, location_code=comp.location_code)
    return ", ".join(f"{a.balance.serial_no or a.balance.lot_no}: {fmt(q)}" for a, q in suggestion)


def _centre_of(line: OrderLine, comp: Component) -> Operation | None:
    """The operation a component is used at: its linked one, else the first."""
    return linked_operation(line, comp) or (line.operations[0] if line.operations else None)


def picking_list(
    orders: Iterable[ProductionOrder],
    md: MasterDataLookup,
    ledger: LedgerReader,
    *,
    centre: str | None = None,
) -> Document:
    """What to pick for ``orders`` (only the components used at ``centre``, a work or
    machine centre, when given), one section per production bin."""
    orders = list(orders)
    groups: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for order in orders:
        for line in order.lines:
            for comp in line.components:
                op = _centre_of(line, comp)
                if centre is not None and (op is None or centre not in (op.no, op.work_center_no)):
                    continue
                to_bin = to_production_bin(md, line, comp)
                to_pick = max(comp.expected_quantity - comp.picked_quantity, Decimal(0))
                groups[to_bin].append(
                    (
                        order.id,
                        str(line.line_no),
                        comp.item_no,
                        _item_description(md, comp.item_no),
                        fmt(comp.expected_quantity),
                        fmt(comp.picked_quantity),
                        fmt(to_pick),
                        comp.unit,
                        _take_from(md, ledger, comp, to_bin),
                        _lots(md, ledger, comp, to_pick),
                    )
                )
    sections = tuple(
        Section(f"To bin {code or '(no bin)'}", PICK_COLUMNS, tuple(rows))
        for code, rows in sorted(groups.items())
    )
    if centre is not None:
        subject = centre
        fields: tuple[tuple[str, str], ...] = (
            ("Centre", centre),
            ("Orders", ", ".join(o.id for o in orders)),
        )
    else:
        (order,) = orders
        subject, fields = order.id, _header(order, md)
    return Document("picking-list", "Picking list", subject, fields, sections)


def _routing_line_text(md: MasterDataLookup, line: OrderLine, op: Operation) -> str:
    """The routing line's description (the operation's instructions), if any."""
    if line.routing_no is None:
        return ""
    for rl in md.routing(line.routing_no).lines:
        if rl.operation_no == op.operation_no:
            return rl.description
    return ""


def _centre_text(op: Operation) -> str:
    return op.no if op.no == op.work_center_no else f"{op.no} ({op.work_center_no})"


def _when(op: Operation) -> tuple[str, str]:
    return (
        op.starting.strftime("%Y-%m-%d %H:%M") if op.starting else "",
        op.ending.strftime("%Y-%m-%d %H:%M") if op.ending else "",
    )


def route_card(order: ProductionOrder, md: MasterDataLookup) -> Document:
    """The order's operations per line: centre, instructions, times, dates, checks."""
    columns = (
        "Op",
        "Centre",
        "Instructions",
        "Setup",
        "Run",
        "Per",
        "Start",
        "End",
        "Quality checks",
    )
    sections = tuple(
        Section(
            f"Line {line.line_no}: {fmt(line.quantity)} {line.unit} {line.item_no}",
            columns,
            tuple(
                (
                    op.operation_no,
                    _centre_text(op),
                    _routing_line_text(md, line, op),
                    fmt(op.setup_time),
                    fmt(op.run_time),
                    fmt(op.lot_size),
                    *_when(op),
                    ", ".join(c.code for c in op.quality_checks),
                )
                for op in line.operations
            ),
        )
        for line in order.lines
    )
    return Document("route-card", "Route card", order.id, _header(order, md), sections)


def job_card(
    order: ProductionOrder, md: MasterDataLookup, *, line_no: int, operation_no: str
) -> Document:
    """One operation of one line: what to make, components, bins, and space to record."""
    line = order.line(line_no)
    op = line.operation(operation_no)
    to_bin, from_bin = centre_bins(md, op.type, op.no)
    loc_to, loc_from = location_bins(md, order.location_code)
    fields = (
        *_header(order, md)[:3],
        ("Operation", f"{op.operation_no} {_routing_line_text(md, line, op)}".strip()),
        ("Centre", _centre_text(op)),
        ("To make", f"{fmt(max(line.quantity - op.output_quantity, 0))} {line.unit}"),
        ("Setup time", fmt(op.setup_time)),
        ("Run time", f"{fmt(op.run_time)} per {fmt(op.lot_size)}"),
        ("Components from bin", to_bin or loc_to),
        ("Output to bin", from_bin or loc_from),
        ("Quality checks", ", ".join(c.code for c in op.quality_checks)),
    )
    comps = tuple(
        (
            c.item_no,
            _item_description(md, c.item_no),
            fmt(c.expected_quantity),
            c.unit,
            to_production_bin(md, line, c),
        )
        for c in line.components
        if _centre_of(line, c) is op
    )
    sections = (
        Section("Components", ("Item", "Description", "Needed", "Unit", "Bin"), comps),
        Section(
            "Record",
            ("Date", "Start", "Stop", "Output", "Scrap", "Scrap code", "Signature"),
            blank_rows=6,
        ),
    )
    subject = f"{order.id} {line_no} {operation_no}"
    return Document("job-card", "Job card", subject, fields, sections)


def production_order(order: ProductionOrder, md: MasterDataLookup) -> Document:
    """The order: lines, components and operations with what was posted so far."""
    lines = Section(
        "Lines",
        ("Line", "Item", "Quantity", "Unit", "Finished", "Due date"),
        tuple(
            (
                str(ln.line_no),
                ln.item_no,
                fmt(ln.quantity),
                ln.unit,
                fmt(ln.finished_quantity),
                ln.due_date.isoformat() if ln.due_date else "",
            )
            for ln in order.lines
        ),
    )
    components = Section(
        "Components",
        ("Line", "Item", "Per", "Expected", "Picked", "Consumed", "Unit", "Flushing", "Bin"),
        tuple(
            (
                str(ln.line_no),
                c.item_no,
                fmt(c.quantity_per),
                fmt(c.expected_quantity),
                fmt(c.picked_quantity),
                fmt(c.consumed_quantity),
                c.unit,
                c.flushing_method.value,
                to_production_bin(md, ln, c),
            )
            for ln in order.lines
            for c in ln.components
        ),
    )
    operations = Section(
        "Operations",
        ("Line", "Op", "Centre", "Setup", "Run", "Output", "Scrap", "Status"),
        tuple(
            (
                str(ln.line_no),
                op.operation_no,
                _centre_text(op),
                fmt(op.setup_time),
                fmt(op.run_time),
                fmt(op.output_quantity),
                fmt(op.scrap_quantity),
                op.status.value,
            )
            for ln in order.lines
            for op in ln.operations
        ),
    )
    return Document(
        "production-order",
        "Production order",
        order.id,
        _header(order, md),
        (lines, components, operations),
    )
