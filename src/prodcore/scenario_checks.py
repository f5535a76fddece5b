"""The expectations of a scenario step: what must be true of the store after it.

An ``"expect"`` block maps sections to expected figures; every figure names a field of a
record (dotted for nested fields: ``"run_time.amount"``, ``"actual.material"``).
Decimals compare exactly unless a tolerance is stated, for the block (``"tolerance"``)
or one figure (``{"value": "10.00", "tolerance": "0.01"}``).

========================  =============================================================
``orders``                ``{"PO-1": {"status": "RELEASED", "quantity": "10"}}``
``components``            ``{"PO-1/LEG": {...}}`` (``"PO-1/10000/LEG"`` names the line)
``operations``            ``{"PO-1/10": {...}}`` (``"PO-1/10000/10"`` names the line)
``on_hand``               ``{"LEG": "12", "LEG@MAIN": "12"}`` (item, at a location);
                          ``"FLOUR#L1"``, ``"FLOUR#L1@MAIN"``, ``"BIKE#/SN1"`` (a lot,
                          a serial: ``ITEM#LOT/SERIAL`` as posted together)
``wip``                   ``{"PO-1": "0"}`` (the order's work in process value)
``accounts``              ``{"2140": "0"}`` (the G/L balance of an account)
``consumed``/``output``   ``{"PO-1/LEG": "29.7"}``, ``{"PO-1": "8"}`` (net quantities)
``ledger``                ``[{"ledger": "item", "where": {...}, "count": 1,
                          "sum": {"quantity": "-3"}, "entries": [{...}]}]``
``costs``                 ``{"PO-1": {"standard.total": "...", "variance.material": "..."}}``
``variances``             ``{"PO-1": {"MATERIAL": "15.25"}}`` (posted, by variance type)
``standard_cost``         ``{"STOOL": {"rolled_up.total": "15.25"}}``
``load``                  ``{"from": DAY, "to": DAY, "rows": {"WC ASSEMBLY/DAY": {...}},
                          "overloads": 0}``
========================  =============================================================

>>> validate_expectations({"orders": {"PO-1": {"status": "RELEASED"}}, "colour": {}})
Traceback (most recent call last):
...
ValueError: unknown expectation section 'colour' (expected one of accounts, components, consumed, costs, ledger, load, on_hand, operations, orders, output, standard_cost, tolerance, variances, wip)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from prodcore.app import store_load_view
from prodcore.costing import roll_up
from prodcore.costing.variance import order_cost_views
from prodcore.errors import NotFoundError, ProdcoreError
from prodcore.ledger.model import ItemEntryType
from prodcore.ledger.reader import LedgerReader
from prodcore.masterdata import MasterData
from prodcore.numbers import EXACT_SUMS, ZERO, Duration, exact_sum, in_own_context
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import UnitOfWork
from prodcore.scheduling import Period

__all__ = [
    "Mismatch",
    "check_error",
    "check_expectations",
    "store_fingerprint",
    "validate_expectations",
]

_SECTIONS = frozenset(
    {
        "accounts",
        "components",
        "consumed",
        "costs",
        "ledger",
        "load",
        "on_hand",
        "operations",
        "orders",
        "output",
        "standard_cost",
        "tolerance",
        "variances",
        "wip",
    }
)
_LEDGERS = ("item", "capacity", "value", "gl")


@attrs.frozen
class Mismatch:
    """One failed expectation: the step and line it belongs to, what was checked, the
    expected and the actual figure."""

    step: int
    line: int
    what: str
    expected: str
    got: str

    def message(self) -> str:
        """``what``: expected vs got, in one line.

        >>> Mismatch(3, 12, "orders.PO-1.status", "RELEASED", "FIRM_PLANNED").message()
        'orders.PO-1.status = RELEASED, got FIRM_PLANNED'
        >>> Mismatch(3, 12, "orders.PO-9", "to exist", "no such order").message()
        'orders.PO-9 to exist, got no such order'
        """
        link = " " if self.expected.startswith("to ") else " = "
        return f"{self.what}{link}{self.expected}, got {self.got}"

    def __str__(self) -> str:
        return f"step {self.step} (line {self.line}): expected {self.message()}"


#: Sections mapping a key to an object of figures, and those mapping a key to one figure.
_RECORD_SECTIONS = frozenset(
    {"orders", "components", "operations", "costs", "variances", "standard_cost"}
)
_FIGURE_SECTIONS = frozenset({"on_hand", "wip", "accounts", "consumed", "output"})


def validate_expectations(expect: Any) -> None:
    """Refuse (``ValueError``) an expect block of the wrong shape before anything runs.

    >>> validate_expectations({"wip": {"PO-1": {"value": "1", "tolerance": "x"}}})
    Traceback (most recent call last):
    ...
    ValueError: expect.wip.PO-1: a tolerance is a decimal number in a string, not 'x'
    """
    if not isinstance(expect, dict):
        raise ValueError("expect must be an object of sections")
    for section, body in expect.items():
        if section not in _SECTIONS:
            raise ValueError(
                f"unknown expectation section {section!r} "
                f"(expected one of {', '.join(sorted(_SECTIONS))})"
            )
        if section == "tolerance":
            _tolerance(body, "expect.tolerance")
        elif section == "ledger":
            _validate_ledger(body)
        elif section == "load":
            _validate_load(body)
        elif not isinstance(body, dict):
            raise ValueError(f"expect.{section} must be an object")
        elif section in _RECORD_SECTIONS:
            for key, figures in body.items():
                _figures(figures, f"expect.{section}.{key}")
        else:
            for key, figure in body.items():
                _figure(figure, f"expect.{section}.{key}")


def _tolerance(value: Any, place: str) -> None:
    if not isinstance(value, str) or _decimal(value) is None:
        raise ValueError(f"{place}: a tolerance is a decimal number in a string, not {value!r}")


def _figure(value: Any, place: str) -> None:
    if isinstance(value, dict):
        if set(value) - {"value", "tolerance"} or "value" not in value:
            raise ValueError(
                f'{place}: a figure with a tolerance is {{"value": ..., "tolerance": ...}}'
            )
        _tolerance(value.get("tolerance", "0"), place)
    elif isinstance(value, list):
        raise ValueError(f"{place}: a figure is a string, number, true, false or null")


def _figures(value: Any, place: str) -> None:
    if not isinstance(value, dict):
        raise ValueError(f"{place} must be an object of figures")
    for key, figure in value.items():
        _figure(figure, f"{place}.{key}")


def _validate_ledger(body: Any) -> None:
    if not isinstance(body, list):
        raise ValueError("expect.ledger is a list of queries")
    for n, query in enumerate(body):
        place = f"expect.ledger[{n}]"
        if not isinstance(query, dict) or query.get("ledger") not in _LEDGERS:
            raise ValueError(f'{place} needs "ledger": item, capacity, value or gl')
        unknown = set(query) - {"ledger", "where", "count", "sum", "entries"}
        if unknown:
            raise ValueError(f"{place}: unknown keys {sorted(unknown)}")
        _figures(query.get("where", {}), f"{place}.where")
        _figures(query.get("sum", {}), f"{place}.sum")
        entries = query.get("entries", [])
        if not isinstance(entries, list):
            raise ValueError(f"{place}.entries is a list of objects of figures")
        for k, fields in enumerate(entries):
            _figures(fields, f"{place}.entries[{k}]")


def _validate_load(body: Any) -> None:
    if not isinstance(body, dict) or not {"from", "to"} <= body.keys():
        raise ValueError('expect.load needs "from" and "to" (days)')
    try:
        dt.date.fromisoformat(body["from"])
        dt.date.fromisoformat(body["to"])
        Period(str(body.get("period", "DAY")).upper())
    except (TypeError, ValueError):
        raise ValueError(
            'expect.load: "from" and "to" are days (YYYY-MM-DD), "period" one of '
            + ", ".join(p.value.lower() for p in Period)
        ) from None
    rows = body.get("rows", {})
    if not isinstance(rows, dict):
        raise ValueError('expect.load.rows maps "CENTRE/DAY" to an object of figures')
    for key, figures in rows.items():
        _figures(figures, f"expect.load.rows.{key}")


def _text(value: Any) -> str:
    """A figure as the file would write it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Duration):
        return f"{_text(value.amount)} {value.unit.value}"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _same(expected: Any, got: Any, tolerance: Decimal) -> bool:
    if isinstance(expected, dict) and "value" in expected:
        tolerance = Decimal(str(expected.get("tolerance", "0")))
        expected = expected["value"]
    if isinstance(got, bool) or got is None or isinstance(expected, bool) or expected is None:
        return expected is got or expected == got
    if isinstance(got, Decimal | int):
        wanted = _decimal(expected)
        return wanted is not None and abs(Decimal(got) - wanted) <= tolerance
    return _text(expected) == _text(got)


def _shown(expected: Any) -> str:
    if isinstance(expected, dict) and "value" in expected:
        return f"{_text(expected['value'])} ± {expected.get('tolerance', '0')}"
    return _text(expected)


_MISSING = object()


def _field(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, Mapping):
            obj = obj.get(part, _MISSING)
        elif part.isdigit() and isinstance(obj, tuple | list):
            obj = obj[int(part)] if int(part) < len(obj) else _MISSING
        else:
            obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:
            return _MISSING
    return obj


class _Checker:
    def __init__(self, step: int, line: int, tolerance: Decimal) -> None:
        self.step, self.line, self.tolerance = step, line, tolerance
        self.found: list[Mismatch] = []

    def figure(self, what: str, expected: Any, got: Any) -> None:
        if got is _MISSING:
            self.found.append(
                Mismatch(self.step, self.line, what, _shown(expected), "no such field")
            )
        elif not _same(expected, got, self.tolerance):
            self.found.append(Mismatch(self.step, self.line, what, _shown(expected), _text(got)))

    def fields(self, what: str, expected: Mapping[str, Any], record: Any) -> None:
        for path, value in expected.items():
            self.figure(f"{what}.{path}", value, _field(record, path))

    def missing(self, what: str, why: str) -> None:
        self.found.append(Mismatch(self.step, self.line, what, "to exist", why))


@in_own_context
def check_expectations(
    expect: Mapping[str, Any], uow_factory: Callable[[], UnitOfWork], *, step: int, line: int
) -> list[Mismatch]:
    """Every expectation of ``expect`` that the store does not meet (read only)."""
    c = _Checker(step, line, Decimal(str(expect.get("tolerance", "0"))))
    with uow_factory() as uow:
        orders = {o.id: o for o in uow.orders.list()}
        ledger = uow.ledger
        for key, fields in expect.get("orders", {}).items():
            if key in orders:
                c.fields(f"orders.{key}", fields, orders[key])
            else:
                c.missing(f"orders.{key}", "no such order")
        for section in ("components", "operations"):
            for key, fields in expect.get(section, {}).items():
                record = _order_part(orders, section, key)
                if isinstance(record, str):
                    c.missing(f"{section}.{key}", record)
                else:
                    c.fields(f"{section}.{key}", fields, record)
        for key, value in expect.get("on_hand", {}).items():
            c.figure(f"on_hand.{key}", value, _on_hand(ledger, key))
        for key, value in expect.get("wip", {}).items():
            c.figure(f"wip.{key}", value, ledger.wip(key))
        for key, value in expect.get("accounts", {}).items():
            c.figure(f"accounts.{key}", value, ledger.account_balance(key))
        for section, entry_type, negated in (
            ("consumed", ItemEntryType.CONSUMPTION, True),
            ("output", ItemEntryType.OUTPUT, False),
        ):
            for key, value in expect.get(section, {}).items():
                order_id, _, item_no = key.partition("/")
                entries = ledger.item_entries(order_id=order_id, item_no=item_no or None)
                net = exact_sum(e.quantity for e in entries if e.entry_type is entry_type)
                c.figure(f"{section}.{key}", value, net.copy_negate() if negated else net)
        for n, query in enumerate(expect.get("ledger", [])):
            _check_ledger(c, f"ledger[{n}]", query, uow)
        for key, value in expect.get("variances", {}).items():
            posted: dict[str, Decimal] = {}
            for v in ledger.value_entries(order_id=key):
                if v.variance_type is not None:
                    kind = v.variance_type.value
                    posted[kind] = EXACT_SUMS.add(posted.get(kind, ZERO), v.cost_amount_actual)
            for kind, amount in value.items():
                c.figure(f"variances.{key}.{kind}", amount, posted.get(kind, ZERO))
        if "standard_cost" in expect:
            md = MasterData.snapshot(uow.master_data)
    for key, fields in expect.get("costs", {}).items():
        try:
            breakdown = order_cost_views(uow_factory(), key, d365=False).breakdown
        except NotFoundError:
            c.missing(f"costs.{key}", "no such order")
            continue
        c.fields(f"costs.{key}", fields, breakdown)
    if "standard_cost" in expect:
        rollup = roll_up(md, list(expect["standard_cost"]))
        for key, fields in expect["standard_cost"].items():
            c.fields(f"standard_cost.{key}", fields, rollup[key])
    if "load" in expect:
        _check_load(c, expect["load"], uow_factory)
    return c.found


def _order_part(orders: Mapping[str, ProductionOrder], section: str, key: str) -> Any:
    """The component or operation a key names, or why there is none."""
    order_id, *rest = key.split("/")
    if order_id not in orders or len(rest) not in (1, 2):
        return "no such order" if order_id not in orders else "name it ORDER[/LINE]/KEY"
    wanted = rest[-1]
    found: list[Any] = []
    for ln in orders[order_id].lines:
        if len(rest) == 2 and str(ln.line_no) != rest[0]:
            continue
        if section == "components":
            found += [c for c in ln.components if c.item_no == wanted]
        else:
            found += [o for o in ln.operations if o.operation_no == wanted]
    if len(found) != 1:
        return f"{len(found)} match (name the line: ORDER/LINE/KEY)" if found else "none match"
    return found[0]


def _check_ledger(c: _Checker, what: str, query: Mapping[str, Any], uow: UnitOfWork) -> None:
    entries: list[Any] = getattr(uow.ledger, f"{query['ledger']}_entries")()
    where = query.get("where", {})
    chosen = [e for e in entries if all(_same(v, _field(e, k), ZERO) for k, v in where.items())]
    if "count" in query:
        c.figure(f"{what}.count", query["count"], len(chosen))
    for path, value in query.get("sum", {}).items():
        figures = [_field(e, path) for e in chosen]
        total = sum((f for f in figures if isinstance(f, Decimal)), ZERO)
        c.figure(f"{what}.sum.{path}", value, total)
    expected_entries = query.get("entries")
    if expected_entries is not None:
        if len(expected_entries) != len(chosen):
            c.figure(
                f"{what}.entries", f"{len(expected_entries)} entries", f"{len(chosen)} entries"
            )
            return
        for n, (fields, entry) in enumerate(zip(expected_entries, chosen, strict=True)):
            c.fields(f"{what}.entries[{n}]", fields, entry)


def _check_load(
    c: _Checker, spec: Mapping[str, Any], uow_factory: Callable[[], UnitOfWork]
) -> None:
    view = store_load_view(
        uow_factory(),
        start=dt.date.fromisoformat(spec["from"]),
        end=dt.date.fromisoformat(spec["to"]),
        period=Period(spec.get("period", "DAY").upper()),
        statuses=list(OrderStatus),
    )
    rows = {f"{r.label}/{r.period_start.isoformat()}": r for r in view.rows}
    for key, fields in spec.get("rows", {}).items():
        if key in rows:
            c.fields(f"load.{key}", fields, rows[key])
        else:
            c.missing(f"load.{key}", "no such centre and period")
    if "overloads" in spec:
        c.figure("load.overloads", spec["overloads"], len(view.overloads()))


def check_error(
    expected: Mapping[str, Any], err: ProdcoreError, *, step: int, line: int
) -> list[Mismatch]:
    """How ``err`` differs from the expected refusal: its class (or a base class) named by
    ``"type"``, and each other key a field of the error."""
    names = [k.__name__ for k in type(err).__mro__]
    if expected["type"] not in names:
        return [Mismatch(step, line, "error", expected["type"], f"{type(err).__name__}: {err}")]
    c = _Checker(step, line, ZERO)
    for key, value in expected.items():
        if key != "type":
            c.figure(f"error.{key}", value, getattr(err, key, _MISSING))
    return c.found


def store_fingerprint(uow_factory: Callable[[], UnitOfWork]) -> tuple[Any, ...]:
    """What a refused step must leave as it was: every order's version and the number of
    entries in each ledger."""
    with uow_factory() as uow:
        versions = tuple((o.id, o.version) for o in uow.orders.list())
        counts: Iterable[int] = (len(getattr(uow.ledger, f"{name}_entries")()) for name in _LEDGERS)
        return versions, tuple(counts)


def _on_hand(ledger: LedgerReader, key: str) -> Decimal:
    """On hand named by an ``on_hand`` key: ``ITEM``, ``ITEM@LOCATION``, and with a lot or
    serial ``ITEM#LOT``, ``ITEM#LOT/SERIAL`` (each optionally ``@LOCATION``).

    >>> from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
    >>> _on_hand(InMemoryUnitOfWork(InMemoryStore()).ledger, "FLOUR#L1@MAIN")
    Decimal('0')
    """
    what, _, location = key.partition("@")
    item_no, tracked, lot_serial = what.partition("#")
    if not tracked:
        return ledger.on_hand(item_no, location or None)
    lot_no, _, serial_no = lot_serial.partition("/")
    return ledger.lot_on_hand(item_no, lot_no, serial_no, location or None)
