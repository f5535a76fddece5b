"""``bench_rollup.py --split`` adds the graph rows' and the floor's CPU times per size."""

from __future__ import annotations

import pytest

from tests.test_benchmarks import load


def test_split_adds_rows_and_floor_columns(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load("bench_rollup")
    assert bench.main(["--tiny"]) == 0
    plain = capsys.readouterr().out.splitlines()[1:]
    assert bench.main(["--tiny", "--split"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[-4:] == ["rows", "s", "floor", "s"]
    assert [row.split()[0] for row in rows] == ["100", "1000"]
    for row, without in zip(rows, plain, strict=True):
        assert len(row.split()) == len(without.split()) + 2
        rows_s, floor_s = (float(v) for v in row.split()[-2:])
        assert rows_s >= 0 and floor_s >= 0
