"""Shop calendars, centre calendars, absences and consolidated calendars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from prodcore.errors import InvalidValueError, NotFoundError
from prodcore.masterdata import CapacityType, MachineCenter, WorkCenter
from prodcore.numbers import Rounding, RoundingMode, TimeUnit
from prodcore.scheduling import (
    Absence,
    CentreCalendar,
    Holiday,
    ShopCalendar,
    WorkShift,
    build_calendars,
    centre_calendar,
    consolidated_calendar,
    from_micros,
    one_shift_per_weekday,
    to_micros,
)

JAN5 = dt.date(2026, 1, 5)
WC = CapacityType.WORK_CENTER


def at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=dt.UTC)


def test_weekdays_without_lines_do_not_work_and_holidays_are_skipped() -> None:
    shop = ShopCalendar(
        "S",
        shifts=one_shift_per_weekday(dt.time(8), dt.time(16)),
        holidays=(Holiday(dt.date(2026, 1, 7), "Closed"),),
    )
    periods = shop.working_periods(JAN5, JAN5 + dt.timedelta(days=14))
    days = [d for d, *_ in periods]
    assert dt.date(2026, 1, 7) not in days
    assert all(d.weekday() < 5 for d in days)
    assert len(days) == 9


def test_several_shifts_a_day_give_several_entries() -> None:
    shop = ShopCalendar(
        "TWO",
        shifts=(
            *one_shift_per_weekday(dt.time(6), dt.time(14), code="EARLY"),
            *one_shift_per_weekday(dt.time(14), dt.time(22), code="LATE"),
        ),
    )
    cal = centre_calendar(
        WorkCenter("1", calendar_code="TWO"), shop, JAN5, JAN5 + dt.timedelta(days=1)
    )
    assert [(e.shift, e.starting, e.ending, e.total) for e in cal.entries] == [
        ("EARLY", at(5, 6), at(5, 14), Decimal(480)),
        ("LATE", at(5, 14), at(5, 22), Decimal(480)),
    ]


def test_a_night_shift_ends_the_next_day_and_belongs_to_its_start_date() -> None:
    shop = ShopCalendar("N", shifts=(WorkShift(0, dt.time(22), dt.time(6), "NIGHT"),))
    cal = centre_calendar(
        WorkCenter("1", calendar_code="N"), shop, JAN5, JAN5 + dt.timedelta(days=7)
    )
    (entry,) = cal.entries
    assert (entry.date, entry.starting, entry.ending, entry.total) == (
        JAN5,
        at(5, 22),
        at(6, 6),
        Decimal(480),
    )


def test_units_hours_and_rounding_of_effective_capacity() -> None:
    shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(15, 20)))
    wc = WorkCenter("1", efficiency_percent=95, capacity_unit=TimeUnit.HOUR, calendar_code="S")
    cal = centre_calendar(
        wc,
        shop,
        JAN5,
        JAN5 + dt.timedelta(days=1),
        rounding=Rounding(Decimal("0.01"), RoundingMode.HALF_UP),
    )
    (entry,) = cal.entries
    assert entry.total == Decimal(22) / 3  # 7 h 20 min
    assert entry.effective == Decimal("6.97")


def test_overlapping_absences_and_an_absence_of_another_centre() -> None:
    shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    wc = WorkCenter("1", capacity=3, calendar_code="S")
    absences = [
        Absence(WC, "1", at(5, 9), at(5, 12), capacity=1),
        Absence(WC, "1", at(5, 11), at(5, 13), capacity=1),
        Absence(WC, "OTHER", at(5, 8), at(5, 16), capacity=3),
    ]
    cal = centre_calendar(wc, shop, JAN5, JAN5 + dt.timedelta(days=1), absences=absences)
    assert [(e.starting.hour, e.ending.hour, e.capacity) for e in cal.entries] == [
        (8, 9, Decimal(3)),
        (9, 11, Decimal(2)),
        (11, 12, Decimal(1)),
        (12, 13, Decimal(2)),
        (13, 16, Decimal(3)),
    ]
    assert sum(e.total for e in cal.entries) == 60 * (3 + 4 + 1 + 2 + 9)


def test_a_full_absence_removes_the_time() -> None:
    shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    cal = centre_calendar(
        WorkCenter("1", calendar_code="S"),
        shop,
        JAN5,
        JAN5 + dt.timedelta(days=2),
        absences=[Absence(WC, "1", at(4, 0), at(6, 0), capacity=5)],
    )
    assert [e.date for e in cal.entries] == [dt.date(2026, 1, 6)]


def test_build_calendars_machine_centres_inherit_their_work_centre_calendar() -> None:
    day = ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    late = ShopCalendar("LATE", shifts=one_shift_per_weekday(dt.time(14), dt.time(22)))
    wcs = [WorkCenter("W", calendar_code="DAY", capacity_unit=TimeUnit.HOUR)]
    mcs = [MachineCenter("M1", "W"), MachineCenter("M2", "W", calendar_code="LATE", capacity=2)]
    cals = build_calendars(wcs, mcs, [day, late], JAN5, JAN5 + dt.timedelta(days=1))
    m1 = cals.get(CapacityType.MACHINE_CENTER, "M1")
    m2 = cals.get(CapacityType.MACHINE_CENTER, "M2")
    assert (m1.entries[0].starting, m1.unit, m1.entries[0].total) == (
        at(5, 8),
        TimeUnit.HOUR,
        Decimal(8),
    )
    assert (m2.entries[0].starting, m2.entries[0].total) == (at(5, 14), Decimal(16))
    assert len(cals) == 3
    with pytest.raises(NotFoundError):
        cals.get(WC, "NOPE")


def test_consolidated_calendar_with_staggered_machine_shifts() -> None:
    day = ShopCalendar("DAY", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    late = ShopCalendar("LATE", shifts=one_shift_per_weekday(dt.time(12), dt.time(20)))
    wc = WorkCenter("W", consolidated_calendar=True, capacity_unit=TimeUnit.HOUR)
    mcs = [
        MachineCenter("M1", "W", calendar_code="DAY", efficiency_percent=80),
        MachineCenter("M2", "W", calendar_code="LATE", efficiency_percent=50),
    ]
    cals = build_calendars([wc], mcs, [day, late], JAN5, JAN5 + dt.timedelta(days=1))
    entries = cals.get(WC, "W").entries
    assert [(e.starting.hour, e.ending.hour, e.capacity, e.effective) for e in entries] == [
        (8, 12, Decimal("0.8"), Decimal("3.2")),
        (12, 16, Decimal("1.3"), Decimal("5.2")),
        (16, 20, Decimal("0.5"), Decimal("2.0")),
    ]
    assert sum(e.effective for e in entries) == Decimal("6.4") + 4


def test_consolidated_calendar_refuses_a_foreign_machine_centre() -> None:
    shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    other = centre_calendar(MachineCenter("M", "OTHER"), shop, JAN5, JAN5 + dt.timedelta(days=1))
    with pytest.raises(InvalidValueError):
        consolidated_calendar(WorkCenter("W", consolidated_calendar=True), [other])


def test_timezone_aware_calendar_over_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    shop = ShopCalendar("B", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)), timezone=berlin)
    cal = centre_calendar(
        WorkCenter("1", calendar_code="B"), shop, dt.date(2026, 3, 27), dt.date(2026, 3, 31)
    )
    utc_starts = [e.starting.astimezone(dt.UTC).hour for e in cal.entries]
    assert utc_starts == [7, 6]  # CET then CEST
    assert all(e.total == 480 for e in cal.entries)


@pytest.mark.parametrize(
    "make",
    [
        lambda: WorkShift(7, dt.time(8), dt.time(16)),
        lambda: WorkShift(0, dt.time(8), dt.time(8)),
        lambda: Absence(WC, "1", at(5, 10), at(5, 8)),
        lambda: Absence(WC, "1", at(5, 8), at(5, 10), capacity=-1),
        lambda: Absence(WC, "1", dt.datetime(2026, 1, 5, 8), at(5, 10)),  # noqa: DTZ001
        lambda: ShopCalendar("S", shifts=(), timezone="UTC"),  # type: ignore[arg-type]
        lambda: WorkCenter("W", capacity=-1),
        lambda: MachineCenter("M", "W", capacity=-2),
    ],
)
def test_bad_calendar_input_raises_typed_errors(make: object) -> None:
    with pytest.raises(InvalidValueError):
        make()  # type: ignore[operator]


def test_end_before_start_and_overlapping_shifts_are_refused() -> None:
    shop = ShopCalendar(
        "S",
        shifts=(WorkShift(0, dt.time(8), dt.time(16)), WorkShift(0, dt.time(12), dt.time(20))),
    )
    with pytest.raises(InvalidValueError):
        shop.working_periods(JAN5, JAN5 - dt.timedelta(days=1))
    with pytest.raises(InvalidValueError):
        build_calendars([], [], [shop], JAN5, JAN5 - dt.timedelta(days=1))
    with pytest.raises(InvalidValueError):
        centre_calendar(WorkCenter("1", calendar_code="S"), shop, JAN5, JAN5 + dt.timedelta(days=1))
    with pytest.raises(NotFoundError):
        build_calendars([WorkCenter("1", calendar_code="NOPE")], [], [shop], JAN5, JAN5)
    with pytest.raises(NotFoundError):
        build_calendars([], [MachineCenter("M", "NOWC")], [shop], JAN5, JAN5)


def test_centre_calendar_columns_must_agree() -> None:
    with pytest.raises(InvalidValueError):
        CentreCalendar(
            type=WC,
            no="1",
            work_center_no="1",
            unit=TimeUnit.MINUTE,
            capacity=Decimal(1),
            efficiency_percent=Decimal(100),
            timezone=dt.UTC,
            first_day=JAN5,
            end_day=JAN5,
            starts=(1,),
            ends=(),
            days=(),
            shifts=(),
            capacities=(),
            efficiencies=(),
            totals=(),
            effectives=(),
        )


def test_micros_round_trip_and_entry_lookup() -> None:
    moment = dt.datetime(2026, 1, 5, 9, 30, 0, 123456, tzinfo=dt.UTC)
    assert from_micros(to_micros(moment), dt.UTC) == moment
    shop = ShopCalendar("S", shifts=one_shift_per_weekday(dt.time(8), dt.time(16)))
    cal = centre_calendar(
        WorkCenter("1", calendar_code="S"), shop, JAN5, JAN5 + dt.timedelta(days=2)
    )
    assert cal.entry_index(at(5, 9)) == 0
    assert cal.entry_index(at(6, 15, 59)) == 1
    assert cal.entry_index(at(5, 16)) is None
    assert cal.entry_index(at(5, 7)) is None
    assert cal.effective_between(JAN5, JAN5 + dt.timedelta(days=1)) == 480
