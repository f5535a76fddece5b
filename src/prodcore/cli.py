"""The ``prodcore`` command: run scenario files and the bundled demo.

``prodcore run FILE [--json] [--store URL]`` executes a scenario (JSON, or TOML for a
``.toml`` file); ``prodcore demo``
runs the bundled bicycle scenario; ``prodcore test FILE... [--store KIND] [--junit-xml PATH]``
runs scenario files as tests (their expectations checked, one line per file and per
failure); ``prodcore transitions`` prints the status table;
``prodcore db upgrade --store URL`` creates or upgrades a store's schema;
``prodcore verify --store URL`` checks a store's integrity;
``prodcore load --store URL --from DAY --to DAY`` shows the load per centre and period;
``prodcore serve --store URL`` serves the store over HTTP (``pip install prodcore[service]``).
Exit status: see ``EXIT_CODES`` (also at the end of ``prodcore --help``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from xml.etree import ElementTree

import attrs

from prodcore import __version__
from prodcore.adapters import Store, open_store, upgrade_store
from prodcore.app import store_load_view
from prodcore.cli_json import posting_no, run_output
from prodcore.commands import order_ids_of
from prodcore.costing import StandardCostChange, roll_up
from prodcore.errors import NotFoundError, ProdcoreError, ScenarioFileError
from prodcore.integrity import seal_ledger, verify
from prodcore.masterdata import MasterData
from prodcore.orders.lifecycle import TRANSITIONS
from prodcore.orders.model import OrderStatus, ProductionOrder
from prodcore.ports import UnitOfWork
from prodcore.reports import (
    fmt,
    ledger_report,
    order_cost_report,
    orders_report,
    render_cost_breakdown,
    render_load_chart,
    render_load_table,
    table,
)
from prodcore.reports.tracking import trace_json, trace_lot, trace_tables
from prodcore.reports.valuation import render_valuation, valuation_report
from prodcore.scenario import (
    Scenario,
    StepResult,
    check_scenario,
    load_scenario,
    read_scenario_file,
    run_scenario,
)
from prodcore.scenario_checks import Mismatch
from prodcore.scheduling import LoadView, Period, ScheduleResult

__all__ = ["EXIT_CODES", "FileOutcome", "check_file", "junit_report", "main", "run_tests"]

EXIT_CODES = """\
exit status:
  0    success
  1    a step or an expectation failed (its error and line are on stderr; the
       failed step wrote nothing), verify found problems, valuation did not
       reconcile, or the store refused the request
  2    bad usage: an unknown option, a file that cannot be read, a malformed
       scenario file (the place in the file is named), a store that does not
       exist (only run, demo and db upgrade create stores)
  141  the reader of the output went away (e.g. piped into head): stops quietly"""


def _store_url(location: str) -> str:
    """A store URL from ``--store``: a URL as is, a bare path as a SQLite file."""
    if location == "memory:" or "://" in location:
        return location
    return "sqlite:///" + location


def _run(scenario: Scenario, url: str, as_json: bool, out: TextIO, options: _RunOptions) -> int:
    with open_store(url) as uow_factory:
        results: list[StepResult] = []
        code = 0
        progress = _Progress(len(scenario.steps), sys.stderr, enabled=not options.quiet)
        try:
            run_scenario(scenario, uow_factory, on_step=progress.wrap(results.append))
        except ProdcoreError as err:
            progress.clear()
            _error(err)
            code = 1
        progress.clear()
        if options.quiet:
            return code
        if options.summary and not as_json:
            _print_summary(uow_factory, scenario.name, results, out)
            return code
        _print_state(uow_factory, scenario.name, url, results, as_json, out)
    return code


def _print_state(
    uow_factory: Callable[[], UnitOfWork],
    name: str,
    url: str,
    results: list[StepResult],
    as_json: bool,
    out: TextIO,
) -> None:
    if as_json:
        _print_json(uow_factory, name, url, results, out)
        return
    with uow_factory() as uow:
        orders = uow.orders.list()
        out.write(f"Scenario: {name} ({len(results)} steps) on {url}\n\n")
        out.write(
            table(
                ["Step", "At", "Command", "Order", "Notes"],
                [
                    [
                        r.number,
                        r.at.strftime("%Y-%m-%d %H:%M"),
                        type(r.command).__name__,
                        _order_ids(r.command) or _changed_orders(r.result),
                        note,
                    ]
                    for r, note in zip(results, _step_notes(results), strict=True)
                ],
                title="Steps",
                align="rllll",
            )
        )
        out.write(
            "\n\n" + orders_report(orders) + "\n\n" + ledger_report(uow.ledger, orders) + "\n"
        )
    out.write("\n" + _load_section(uow_factory, orders) + "\n")
    out.write("\n" + _cost_section(uow_factory, orders) + "\n")


def _window(orders: list[ProductionOrder]) -> tuple[dt.date, dt.date] | None:
    """The days the open, scheduled orders span."""
    open_orders = [o for o in orders if o.status is not OrderStatus.FINISHED]
    starts = [o.starting for o in open_orders if o.starting]
    ends = [o.ending for o in open_orders if o.ending]
    if not starts or not ends:
        return None
    return min(starts).date(), max(ends).date() + dt.timedelta(days=1)


def _load_view(
    uow_factory: Callable[[], UnitOfWork], orders: list[ProductionOrder]
) -> LoadView | None:
    """The load of the scheduled orders per centre and day (None: none is scheduled)."""
    window = _window(orders)
    if window is None:
        return None
    return store_load_view(
        uow_factory(), start=window[0], end=window[1], statuses=list(OrderStatus)
    )


def _load_section(uow_factory: Callable[[], UnitOfWork], orders: list[ProductionOrder]) -> str:
    """The load of the scheduled orders per centre and day, as a table and a chart."""
    view = _load_view(uow_factory, orders)
    if view is None:
        return "Load: no scheduled orders."
    return "\n\n".join(
        [
            "Load of the open orders per centre and day (minutes)\n" + render_load_table(view),
            "Load chart (# up to capacity, ! overload)\n" + render_load_chart(view),
        ]
    )


def _cost_section(uow_factory: Callable[[], UnitOfWork], orders: list[ProductionOrder]) -> str:
    """Standard cost of the produced items, and each finished order's actual cost."""
    with uow_factory() as uow:
        md = MasterData.snapshot(uow.master_data)
    produced = sorted({line.item_no for o in orders for line in o.lines})
    rollup = roll_up(md, produced)
    setup = md.setup
    parts = [
        f"Standard cost of {no} (per unit)\n"
        + render_cost_breakdown(
            rollup[no], currency=setup.currency, rounding=setup.unit_amount_rounding
        )
        for no in produced
    ]
    parts += [
        order_cost_report(uow_factory(), o.id) for o in orders if o.status is OrderStatus.FINISHED
    ]
    return "\n\n".join(parts)


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "?"


def _order_ids(command: object) -> str:
    return ", ".join(order_ids_of(command))


def _changed_orders(result: object) -> str:
    """The orders a posting changed (a reversal names entries, not orders)."""
    return ", ".join(order_id for order_id, _ in getattr(result, "orders", ()))


def _step_notes(results: list[StepResult]) -> list[str]:
    """Per step: what it posted (or that it replayed an earlier step), warnings, notes."""
    seen: dict[int, int] = {}
    out = []
    for r in results:
        batch: Any = getattr(r.result, "batch", None) or getattr(r.result, "posting", None)
        parts: list[str] = []
        posting_no = getattr(batch, "posting_no", 0)
        if posting_no and posting_no in seen:
            parts.append(
                f"replay of step {seen[posting_no]} (same idempotency key): nothing posted"
            )
        else:
            if posting_no:
                seen[posting_no] = r.number
                parts.append(
                    f"posting {posting_no}: {len(batch.item_entries)} item, "
                    f"{len(batch.capacity_entries)} capacity, {len(batch.value_entries)} value entries"
                )
            parts += [*getattr(r.result, "warnings", ()), *getattr(r.result, "notes", ())]
            if isinstance(r.result, ScheduleResult):
                o = r.result.order
                parts.append(f"scheduled {_when(o.starting)} to {_when(o.ending)}")
            elif isinstance(r.result, tuple):
                parts += [
                    f"{c.item_no}: standard cost {fmt(c.old)} -> {fmt(c.new)}"
                    for c in r.result
                    if isinstance(c, StandardCostChange)
                ]
        out.append("; ".join(parts))
    return out


def _print_json(
    uow_factory: Callable[[], UnitOfWork],
    name: str,
    url: str,
    results: list[StepResult],
    out: TextIO,
) -> None:
    """The ``--json`` document (:mod:`prodcore.cli_json`): everything the tables show."""
    with uow_factory() as uow:
        orders = uow.orders.list()
    document = run_output(
        uow_factory,
        scenario=name,
        store=url,
        results=results,
        summaries=_step_notes(results),
        load=_load_view(uow_factory, orders),
    )
    json.dump(document, out, indent=2)
    out.write("\n")


def _print_summary(
    uow_factory: Callable[[], UnitOfWork], name: str, results: list[StepResult], out: TextIO
) -> None:
    """``--summary``: a few lines instead of the tables (steps, postings, orders)."""
    postings = {posting_no(r) for r in results} - {None}
    warnings = sum(len(getattr(r.result, "warnings", ())) for r in results)
    with uow_factory() as uow:
        orders = uow.orders.list()
        entries = len(uow.ledger.item_entries()), len(uow.ledger.value_entries())
    by_status = Counter(o.status.value for o in orders)
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
    out.write(
        f"Scenario: {name}: {len(results)} steps, {len(postings)} postings, "
        f"{warnings} warnings\n"
        f"Orders: {len(orders)} ({statuses or 'none'})\n"
        f"Ledgers: {entries[0]} item entries, {entries[1]} value entries\n"
    )


@attrs.frozen
class _RunOptions:
    """The options of ``run`` and ``demo`` that are not about the scenario."""

    quiet: bool = False
    summary: bool = False

    @classmethod
    def of(cls, args: argparse.Namespace) -> _RunOptions:
        return cls(quiet=args.quiet, summary=args.summary)


#: a progress bar appears only when a run takes longer than this (seconds)
_PROGRESS_DELAY = 0.5


class _Progress:
    """A one-line progress bar on ``stream`` for long runs, drawn only on a terminal and
    at most ten times a second; :meth:`clear` wipes it before anything else is printed."""

    def __init__(self, total: int, stream: TextIO, *, enabled: bool) -> None:
        self.total = total
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.width = 0

    def wrap(self, on_step: Callable[[StepResult], None]) -> Callable[[StepResult], None]:
        """``on_step`` that also advances the bar."""

        def step(result: StepResult) -> None:
            on_step(result)
            self.advance(result.number)

        return step

    def advance(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.started < _PROGRESS_DELAY or now - self.drawn_at < 0.1:
            return
        self.drawn_at = now
        filled = 30 * done // max(self.total, 1)
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} steps"
        self.width = len(line)
        self.stream.write("\r" + line)
        self.stream.flush()

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set or ``TERM=dumb``."""
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _paint(text: str, code: str, stream: TextIO) -> str:
    """``text`` in the ANSI colour ``code`` (31 red, 32 green) if ``stream`` shows colour."""
    return f"\033[{code}m{text}\033[0m" if _colour(stream) else text


def _error(err: object) -> None:
    print(f"{_paint('error:', '31', sys.stderr)} {err}", file=sys.stderr)


@contextlib.contextmanager
def _scenario_store(location: str | None, *, keep: bool) -> Iterator[str]:
    """The store URL of a run: ``--store`` as given; without it a fresh SQLite file in a
    temporary directory, removed after the run unless ``keep`` (``--keep-store``)."""
    if location is not None:
        yield _store_url(location)
        return
    if keep:
        directory = tempfile.mkdtemp(prefix="prodcore-")
        print(f"store kept in {directory}", file=sys.stderr)
        yield "sqlite:///" + str(Path(directory) / "prodcore.db")
        return
    with tempfile.TemporaryDirectory(prefix="prodcore-", ignore_cleanup_errors=True) as directory:
        yield "sqlite:///" + str(Path(directory) / "prodcore.db")


class _UsageError(Exception):
    """Bad usage found after parsing (exit status 2)."""


def _open_existing_store(location: str) -> Store:
    """The store at ``location``, which must exist (commands that only read or check)."""
    try:
        return open_store(_store_url(location), create=False)
    except NotFoundError as err:
        raise _UsageError(
            f"{err} Check the path: only run, demo and db upgrade create a store."
        ) from None


def _valuation(args: argparse.Namespace, out: TextIO) -> int:
    """``prodcore valuation``: the report; exit 1 when the G/L does not reconcile."""
    with _open_existing_store(args.store) as uow_factory:
        report = valuation_report(uow_factory(), args.as_of)
    if args.json:
        json.dump(report.to_dict(), out, indent=2)
        out.write("\n")
    else:
        out.write(render_valuation(report) + "\n")
    return 0 if report.reconciled else 1


def _trace(args: argparse.Namespace, out: TextIO) -> int:
    """``prodcore trace``: both traces of a lot / serial; exit 1 when no item has it."""
    if not (args.lot or args.serial):
        raise _UsageError("trace needs --lot or --serial")
    with _open_existing_store(args.store) as uow_factory:
        traces = trace_lot(uow_factory(), args.lot, serial_no=args.serial, item_no=args.item)
    if args.json:
        json.dump(trace_json(traces), out, indent=2)
        out.write("\n")
    else:
        out.write("\n\n".join(str(t) for t in trace_tables(traces)) + "\n")
        if not traces:
            out.write("No item has that lot or serial number.\n")
    return 0 if traces else 1


def _add_options(parser: argparse.ArgumentParser, sub: Any) -> None:
    """The options every invocation has, and those of the scenario commands."""
    parser.add_argument("--version", action="version", version=f"prodcore {__version__}")
    parser.epilog = EXIT_CODES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for command in ("run", "demo"):
        p = sub.choices[command]
        output = p.add_mutually_exclusive_group()
        output.add_argument(
            "--quiet", "-q", action="store_true", help="print nothing but errors, no progress bar"
        )
        output.add_argument(
            "--summary", action="store_true", help="print a few summary lines instead of tables"
        )
        p.add_argument(
            "--keep-store",
            action="store_true",
            help="keep the temporary store of a run without --store (its path goes to stderr)",
        )


def _broken_pipe(out: TextIO) -> int:
    """The reader of ``out`` went away: stop quietly (and keep Python from complaining
    when it flushes stdout on exit)."""
    if out is sys.stdout:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


def _demo_text() -> str:
    return resources.files("prodcore").joinpath("examples/bicycle.json").read_text(encoding="utf-8")


def _serve(args: argparse.Namespace) -> int:
    try:  # the service is an optional extra: plain prodcore never imports it
        from prodcore.service.server import read_api_keys, serve
    except ImportError as err:
        print(f"error: {err.name} is missing: pip install 'prodcore[service]'", file=sys.stderr)
        return 2
    keys = None
    if args.api_keys is not None:
        try:
            keys = read_api_keys(args.api_keys.read_text(encoding="utf-8"))
        except ValueError as err:
            print(f"error: {args.api_keys}: {err}", file=sys.stderr)
            return 2
    serve(_store_url(args.store), host=args.host, port=args.port, api_keys=keys)
    return 0


def _add_document_parser(sub: Any) -> None:
    from prodcore.documents import KINDS, PAPERS

    p = sub.add_parser("document", help="print a production document of a store's order")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--store", required=True, help="a store URL or a SQLite file path")
    p.add_argument("--order", help="the production order (all but a picking list per centre)")
    p.add_argument("--centre", help="a picking list per work or machine centre")
    p.add_argument("--line", type=int, help="the order line of a job card (default: the first)")
    p.add_argument("--operation", help="the operation of a job card")
    p.add_argument("--html", type=Path, help="write printable HTML to this file")
    p.add_argument("--paper", choices=PAPERS, default="A4", help="paper of the HTML page")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _document(args: argparse.Namespace, out: TextIO) -> int:
    """``prodcore document``: text (or JSON) on ``out``, HTML to ``--html``."""
    from prodcore.documents import load_document, render_html, render_json, render_text

    with _open_existing_store(args.store) as uow_factory:
        doc = load_document(
            uow_factory(),
            args.kind,
            order_id=args.order,
            centre=args.centre,
            line_no=args.line,
            operation_no=args.operation,
        )
    if args.html is not None:
        args.html.write_text(render_html(doc, paper=args.paper), encoding="utf-8")
    out.write((render_json(doc) if args.json else render_text(doc)) + "\n")
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of the ``prodcore`` command."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="prodcore", description=__doc__.splitlines()[0] if __doc__ else None
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run a scenario file")
    run_p.add_argument("file", type=Path)
    demo_p = sub.add_parser("demo", help="run the bundled bicycle scenario")
    for p in (run_p, demo_p):
        p.add_argument(
            "--json", action="store_true", help="print JSON for programs instead of tables"
        )
        p.add_argument(
            "--store", default=None, help="store location (default: a fresh SQLite file)"
        )
    test_p = sub.add_parser("test", help="run scenario files as tests of their expectations")
    test_p.add_argument("files", type=Path, nargs="+")
    test_p.add_argument(
        "--store",
        default="sqlite",
        help="memory, sqlite (a fresh file per scenario, the default) or a postgresql:// URL "
        "(a fresh schema per scenario, dropped afterwards)",
    )
    test_p.add_argument("--junit-xml", type=Path, default=None, help="write a JUnit XML report")
    sub.add_parser("transitions", help="print the allowed status changes")
    db_p = sub.add_parser("db", help="store schema commands")
    db_sub = db_p.add_subparsers(dest="db_command", required=True)
    upgrade_p = db_sub.add_parser("upgrade", help="create or upgrade the schema of a store")
    verify_p = sub.add_parser("verify", help="check the integrity of a store")
    for p in (upgrade_p, verify_p):
        p.add_argument("--store", required=True, help="a store URL or a SQLite file path")
    verify_p.add_argument(
        "--head", action="store_true", help="print the ledger's hash chain head (to keep elsewhere)"
    )
    verify_p.add_argument(
        "--expect-head", metavar="H", default=None, help="check the ledger still starts with H"
    )
    load_p = sub.add_parser("load", help="the load per work/machine centre and period of a store")
    load_p.add_argument("--store", required=True, help="a store URL or a SQLite file path")
    load_p.add_argument(
        "--from",
        dest="start",
        required=True,
        type=dt.date.fromisoformat,
        help="first day (YYYY-MM-DD)",
    )
    load_p.add_argument(
        "--to", dest="end", required=True, type=dt.date.fromisoformat, help="day after the last"
    )
    load_p.add_argument("--period", choices=[p.value.lower() for p in Period], default="day")
    load_p.add_argument(
        "--json", action="store_true", help="print JSON instead of a table and a chart"
    )
    valuation_p = sub.add_parser(
        "valuation", help="stock and WIP value at a date, reconciled with the G/L"
    )
    valuation_p.add_argument("--store", required=True, help="a store URL or a SQLite file path")
    valuation_p.add_argument(
        "--as-of", required=True, type=dt.date.fromisoformat, help="the day (YYYY-MM-DD)"
    )
    valuation_p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    trace_p = sub.add_parser("trace", help="the genealogy of a lot or serial number in a store")
    trace_p.add_argument("--store", required=True, help="a store URL or a SQLite file path")
    trace_p.add_argument("--lot", default="", help="the lot number")
    trace_p.add_argument("--serial", default="", help="the serial number")
    trace_p.add_argument("--item", default=None, help="the item (default: every tracked item)")
    trace_p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    schedule_p = sub.add_parser("schedule", help="the open orders' schedule against due dates")
    schedule_p.add_argument("--store", required=True, help="a store URL or a SQLite file path")
    schedule_p.add_argument(
        "--reschedule",
        action="store_true",
        help="first sequence all open orders finite by due date from now (saved in the store)",
    )
    schedule_p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    serve_p = sub.add_parser("serve", help="serve a store over HTTP (prodcore[service])")
    serve_p.add_argument("--store", required=True, help="a store URL or a SQLite file path")
    serve_p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_p.add_argument("--port", type=int, default=8000)
    serve_p.add_argument(
        "--api-keys", type=Path, default=None, help="file of 'user key' lines: require a key"
    )
    _add_document_parser(sub)
    _add_options(parser, sub)
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "document":
            return _document(args, out)
        if args.command == "transitions":
            rows = sorted(TRANSITIONS, key=lambda t: (t[0].rank, t[1].rank))
            out.write(
                table(["From", "To"], [[a, b] for a, b in rows], title="Allowed status changes")
                + "\n"
            )
            return 0
        if args.command == "db":
            applied = upgrade_store(_store_url(args.store))
            out.write(
                f"Schema migrations applied: {', '.join(map(str, applied)) or 'none (up to date)'}\n"
            )
            return 0
        if args.command == "load":
            with _open_existing_store(args.store) as uow_factory:
                view = store_load_view(
                    uow_factory(),
                    start=args.start,
                    end=args.end,
                    period=Period(args.period.upper()),
                )
            if args.json:
                json.dump(view.to_dict(), out, indent=2)
                out.write("\n")
            else:
                out.write(render_load_table(view) + "\n\n" + render_load_chart(view) + "\n")
                overloads = view.overloads()
                out.write(f"\n{len(overloads)} overloaded period(s).\n")
            return 0
        if args.command == "trace":
            return _trace(args, out)
        if args.command == "valuation":
            return _valuation(args, out)
        if args.command == "schedule":
            return _schedule(args, out)
        if args.command == "verify":
            with _open_existing_store(args.store) as uow_factory:
                report = verify(uow_factory, expected_hash=args.expect_head)
                if report.ok:  # seal what committed since the last seal
                    seal_ledger(uow_factory)
            out.write(_paint(str(report), "32" if report.ok else "31", out) + "\n")
            if args.head:
                out.write(f"head: {report.ledger_hash}\n")
            return 0 if report.ok else 1
        if args.command == "test":
            return run_tests(args.files, store=args.store, junit_xml=args.junit_xml, out=out)
        scenario = (
            read_scenario_file(args.file) if args.command == "run" else load_scenario(_demo_text())
        )
        with _scenario_store(args.store, keep=args.keep_store) as url:
            return _run(scenario, url, args.json, out, _RunOptions.of(args))
    except BrokenPipeError:
        return _broken_pipe(out)
    except (OSError, _UsageError, ScenarioFileError) as err:
        _error(err)
        return 2
    except ProdcoreError as err:
        _error(err)
        return 1


def _schedule(args: argparse.Namespace, out: TextIO) -> int:
    """``prodcore schedule``: the open orders' schedule as a table (or JSON)."""
    from prodcore.app.scheduling import reschedule_shop, scheduled_orders
    from prodcore.clock import SystemClock
    from prodcore.reports.gantt import render_schedule_table, schedule_json

    with _open_existing_store(args.store) as uow_factory:
        if args.reschedule:
            reschedule_shop(uow_factory(), clock=SystemClock())
        orders = scheduled_orders(uow_factory())
    late = [o.order_id for o in orders if o.late]
    if args.json:
        json.dump({"orders": schedule_json(orders), "late": late}, out, indent=2)
        out.write("\n")
    else:
        out.write(render_schedule_table(orders) + "\n")
        out.write(f"\n{len(late)} late order(s){': ' + ', '.join(late) if late else ''}.\n")
    return 0


@contextlib.contextmanager
def _fresh_store(kind: str) -> Iterator[str]:
    """The URL of an empty store of ``kind`` for one scenario file."""
    if kind in ("memory", "memory:"):
        yield "memory:"
    elif kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="prodcore-test-") as folder:
            yield f"sqlite:///{folder}/prodcore.db"
    elif kind.split(":", 1)[0] in ("postgresql", "postgres"):
        import psycopg

        schema = f"prodcore_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(kind, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            sep = "&" if "?" in kind else "?"
            yield f"{kind}{sep}options={urllib.parse.quote(f'-c search_path={schema}')}"
        finally:
            with psycopg.connect(kind, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    else:
        raise OSError(f"--store for tests is memory, sqlite or a postgresql:// URL, not {kind!r}")


@attrs.frozen
class FileOutcome:
    """One scenario file run as a test: its failures (none: it passed) or why it could not
    be read."""

    path: Path
    steps: int
    failures: tuple[Mismatch, ...]
    seconds: float
    malformed: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures and not self.malformed


def check_file(path: Path, *, store: str = "memory") -> FileOutcome:
    """Run one scenario file as a test on an empty store of the kind ``store``."""
    started = time.perf_counter()
    try:
        scenario = read_scenario_file(path)
    except (OSError, ScenarioFileError) as err:
        return FileOutcome(path, 0, (), time.perf_counter() - started, malformed=str(err))
    with _fresh_store(store) as url, open_store(url, migrate=True) as uow_factory:
        failures = check_scenario(scenario, uow_factory)
    return FileOutcome(path, len(scenario.steps), tuple(failures), time.perf_counter() - started)


def run_tests(files: Sequence[Path], *, store: str, junit_xml: Path | None, out: TextIO) -> int:
    """``prodcore test``: one line per file and per failure; 0 when all pass, 1 when an
    expectation or a step failed, 2 when a file could not be read."""
    outcomes = [check_file(path, store=store) for path in files]
    for o in outcomes:
        if o.malformed:
            out.write(f"ERROR {o.path}: {o.malformed}\n")
            continue
        verdict = "PASS" if o.passed else f"FAIL ({len(o.failures)} failed)"
        out.write(f"{verdict} {o.path} ({o.steps} steps, {o.seconds:.2f} s)\n")
        out.writelines(f"  {o.path}:{f.line}: {f}\n" for f in o.failures)
    passed = sum(o.passed for o in outcomes)
    out.write(f"{passed} of {len(outcomes)} scenario files passed\n")
    if junit_xml is not None:
        junit_xml.write_text(junit_report(outcomes), encoding="utf-8")
    if any(o.malformed for o in outcomes):
        return 2
    return 0 if passed == len(outcomes) else 1


def junit_report(outcomes: Sequence[FileOutcome]) -> str:
    """The outcomes as JUnit XML (one test case per file), for CI systems to show."""
    suite = ElementTree.Element(
        "testsuite",
        name="prodcore scenarios",
        tests=str(len(outcomes)),
        failures=str(sum(bool(o.failures) for o in outcomes)),
        errors=str(sum(bool(o.malformed) for o in outcomes)),
        time=f"{sum(o.seconds for o in outcomes):.3f}",
    )
    for o in outcomes:
        case = ElementTree.SubElement(
            suite, "testcase", classname="scenario", name=str(o.path), time=f"{o.seconds:.3f}"
        )
        if o.malformed:
            ElementTree.SubElement(case, "error", message=o.malformed)
        elif o.failures:
            failed = ElementTree.SubElement(
                case, "failure", message=f"{len(o.failures)} expectation(s) failed"
            )
            failed.text = "\n".join(f"{o.path}:{f.line}: {f}" for f in o.failures)
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
