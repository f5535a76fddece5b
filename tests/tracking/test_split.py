"""A journal line naming several lots / serials posts one part per lot."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prodcore.errors import InvalidValueError
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.journals import AdjustmentLine, OutputLine, TrackingLine
from prodcore.orders.tracking import split


def test_an_output_line_keeps_its_times_on_the_first_part_and_finished_on_the_last() -> None:
    line = OutputLine(
        "PO-1",
        10000,
        "10",
        output_quantity=3,
        scrap_quantity=1,
        run_time=Duration(Decimal(30), TimeUnit.MINUTE),
        finished=True,
        tracking=tuple(TrackingLine(serial_no=f"SN{n}", quantity=1) for n in (1, 2, 3)),
    )
    parts = list(split([line]))
    assert [p.output_quantity for p in parts] == [1, 1, 1]
    assert [p.run_time.amount for p in parts] == [30, 0, 0]
    assert [p.scrap_quantity for p in parts] == [1, 0, 0]
    assert [p.finished for p in parts] == [False, False, True]
    assert [p.tracking[0].serial_no for p in parts] == ["SN1", "SN2", "SN3"]


def test_a_negative_adjustment_splits_with_its_sign_and_keeps_an_untracked_rest() -> None:
    line = AdjustmentLine("STEEL", -5, tracking=(TrackingLine("L1", quantity=2),))
    parts = list(split([line]))
    assert [(p.quantity, p.tracking) for p in parts] == [
        (Decimal(-2), (TrackingLine("L1", quantity=2),)),
        (Decimal(-3), ()),
    ]


def test_untracked_lines_pass_unchanged() -> None:
    line = AdjustmentLine("BOLT", 5)
    assert list(split([line])) == [line]


def test_tracking_beyond_the_line_is_malformed() -> None:
    line = AdjustmentLine("STEEL", 1, tracking=(TrackingLine("L1", quantity=2),))
    with pytest.raises(InvalidValueError):
        list(split([line]))
