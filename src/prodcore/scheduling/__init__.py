"""Capacity: calendars, capacity needs, scheduling and the load view (issue 7).

* :mod:`~prodcore.scheduling.calendar` – shop calendars, centre calendars, absences,
  consolidated calendars;
* :mod:`~prodcore.scheduling.needs` – allocated time and duration of an operation;
* :mod:`~prodcore.scheduling.schedule` – forward/backward, infinite/finite scheduling;
* :mod:`~prodcore.scheduling.load` – the load view, text table and text chart;
* :mod:`~prodcore.scheduling.notebook` – optional pandas/matplotlib helpers.

See ``docs/capacity.md`` for the formulas and worked examples.
"""

from prodcore.scheduling.calendar import (
    Absence,
    CalendarEntry,
    Calendars,
    CentreCalendar,
    CentreKey,
    Holiday,
    ShopCalendar,
    WorkShift,
    build_calendars,
    centre_calendar,
    centre_label,
    consolidated_calendar,
    from_micros,
    one_shift_per_weekday,
    to_micros,
)
from prodcore.scheduling.errors import NoCapacityError
from prodcore.scheduling.load import (
    DEFAULT_STATUSES,
    LoadRow,
    LoadView,
    Period,
    load_view,
    period_start,
    render_load_chart,
    render_load_table,
)
from prodcore.scheduling.needs import (
    ALLOCATION_QUANTUM,
    OperationNeed,
    capacity_need,
    operation_need,
    quantize_time,
    remaining_work,
)
from prodcore.scheduling.notebook import load_dataframe, plot_gantt, plot_load
from prodcore.scheduling.schedule import (
    Allocation,
    CapacityMode,
    Direction,
    ScheduledOperation,
    ScheduleResult,
    apply_schedule,
    due_anchor,
    schedule_order,
    schedule_orders,
)

__all__ = [
    "ALLOCATION_QUANTUM",
    "DEFAULT_STATUSES",
    "Absence",
    "Allocation",
    "CalendarEntry",
    "Calendars",
    "CapacityMode",
    "CentreCalendar",
    "CentreKey",
    "Direction",
    "Holiday",
    "LoadRow",
    "LoadView",
    "NoCapacityError",
    "OperationNeed",
    "Period",
    "ScheduleResult",
    "ScheduledOperation",
    "ShopCalendar",
    "WorkShift",
    "apply_schedule",
    "build_calendars",
    "capacity_need",
    "centre_calendar",
    "centre_label",
    "consolidated_calendar",
    "due_anchor",
    "from_micros",
    "load_dataframe",
    "load_view",
    "one_shift_per_weekday",
    "operation_need",
    "period_start",
    "plot_gantt",
    "plot_load",
    "quantize_time",
    "remaining_work",
    "render_load_chart",
    "render_load_table",
    "schedule_order",
    "schedule_orders",
    "to_micros",
]
