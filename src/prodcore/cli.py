"""The ``prodcore`` command: run scenario files and the bundled demo.

``prodcore run FILE [--json] [--store PATH]`` executes a scenario; ``prodcore demo``
runs the bundled bicycle scenario; ``prodcore transitions`` prints the status table.
Exit status: 0 on success, 1 when a step fails (the error and its line are printed on
stderr, and the failed step wrote nothing), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TextIO

from prodcore.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from prodcore.errors import ProdcoreError
from prodcore.orders.lifecycle import TRANSITIONS
from prodcore.ports import UnitOfWork
from prodcore.report import orders_report, table
from prodcore.scenario import StepResult, load_scenario, run_scenario
from prodcore.serialization import to_jsonable

__all__ = ["main"]


def _open_store(location: str | None) -> Callable[[], UnitOfWork]:
    """A unit-of-work factory for ``location`` (``memory:`` or a path/URL)."""
    if location in (None, "memory:"):
        store = InMemoryStore()
        return lambda: InMemoryUnitOfWork(store)
    raise ProdcoreError(message=f"unsupported store {location!r}")


def _run(text: str, store: str | None, as_json: bool, out: TextIO) -> int:
    scenario = load_scenario(text)
    uow_factory = _open_store(store)
    results: list[StepResult] = []
    try:
        run_scenario(scenario, uow_factory, on_step=results.append)
    except ProdcoreError as err:
        print(f"error: {err}", file=sys.stderr)
        _print_state(uow_factory, scenario.name, results, as_json, out)
        return 1
    _print_state(uow_factory, scenario.name, results, as_json, out)
    return 0


def _print_state(
    uow_factory: Callable[[], UnitOfWork],
    name: str,
    results: list[StepResult],
    as_json: bool,
    out: TextIO,
) -> None:
    with uow_factory() as uow:
        orders = uow.orders.list()
    if as_json:
        payload = {
            "scenario": name,
            "steps": [
                {"step": r.number, "command": to_jsonable(r.command), "at": r.at.isoformat()}
                for r in results
            ],
            "orders": [to_jsonable(o) for o in orders],
        }
        json.dump(payload, out, indent=2)
        out.write("\n")
        return
    out.write(f"Scenario: {name} ({len(results)} steps)\n\n")
    out.write(
        table(
            ["Step", "At", "Command", "Order"],
            [
                [
                    r.number,
                    r.at.strftime("%Y-%m-%d %H:%M"),
                    type(r.command).__name__,
                    getattr(r.command, "order_id", ""),
                ]
                for r in results
            ],
            title="Steps",
            align="rlll",
        )
    )
    out.write("\n\n" + orders_report(orders) + "\n")


def _demo_text() -> str:
    return resources.files("prodcore").joinpath("examples/bicycle.json").read_text(encoding="utf-8")


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
    sub.add_parser("transitions", help="print the allowed status changes")
    args = parser.parse_args(argv)
    try:
        if args.command == "transitions":
            rows = sorted(TRANSITIONS, key=lambda t: (t[0].rank, t[1].rank))
            out.write(
                table(["From", "To"], [[a, b] for a, b in rows], title="Allowed status changes")
                + "\n"
            )
            return 0
        text = args.file.read_text(encoding="utf-8") if args.command == "run" else _demo_text()
        return _run(text, args.store, args.json, out)
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ProdcoreError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
