"""Benchmark of loading scenario files: parsing must grow linearly with the steps.

Run ``python benchmarks/bench_scenario.py`` for files of 10k, 40k and 100k steps, or
``--tiny`` for a smoke run. It prints the seconds to load each file (JSON, with every
step's line found) and the ratio of each time to the previous one next to the ratio of the
sizes: linear parsing keeps them close (a quadratic loader took 1.7 s, 23 s and 168 s).
It asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from prodcore.scenario import load_scenario


def scenario_text(steps: int) -> str:
    """A scenario of ``steps`` order creations, one step per line block as people write."""
    item = {"type": "masterdata.item", "no": "BOLT", "base_unit": "PCS"}
    body = ",\n".join(
        json.dumps(
            {
                "type": "order.create",
                "order_id": f"PO-{n}",
                "item_no": "BOLT",
                "quantity": "5",
                "due_date": "2026-03-09",
                "at": "2026-03-02T09:00:00+00:00",
            },
            indent=2,
        )
        for n in range(steps)
    )
    return (
        '{"scenario": "bench", "start": "2026-03-02T08:00:00+00:00",\n'
        f'"master_data": [{json.dumps(item)}],\n"steps": [\n{body}\n]}}\n'
    )


def measure(steps: int) -> float:
    """Seconds to load a file of ``steps`` steps."""
    text = scenario_text(steps)
    started = time.perf_counter()
    scenario = load_scenario(text)
    elapsed = time.perf_counter() - started
    assert len(scenario.steps) == steps
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tiny", action="store_true", help="smoke sizes (1k and 4k steps)")
    args = parser.parse_args(argv)
    sizes = (1_000, 4_000) if args.tiny else (10_000, 40_000, 100_000)
    measure(10)  # the converter builds its hooks on first use
    print("Scenario loading (JSON, lines of every step)")
    print(f"{'steps':>8}  {'seconds':>8}  {'time ratio':>10}  {'size ratio':>10}")
    previous: tuple[int, float] | None = None
    for steps in sizes:
        seconds = measure(steps)
        ratios = ("", "")
        if previous is not None:
            ratios = (f"{seconds / previous[1]:.1f}", f"{steps / previous[0]:.1f}")
        print(f"{steps:>8}  {seconds:>8.3f}  {ratios[0]:>10}  {ratios[1]:>10}")
        previous = (steps, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
