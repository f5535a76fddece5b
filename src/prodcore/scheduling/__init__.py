"""Capacity: calendars, capacity needs, scheduling and the load view (issue 7).

* :mod:`~prodcore.scheduling.calendar` – centre calendars and consolidated calendars,
  built from the shop calendars and absences of :mod:`prodcore.calendars` (re-exported);
* :mod:`~prodcore.scheduling.needs` – allocated time and duration of an operation;
* :mod:`~prodcore.scheduling.schedule` – forward/backward, infinite/finite scheduling;
* :mod:`~prodcore.scheduling.load` – the load view (data; :mod:`prodcore.reports` renders
  it as text, tables and charts).

See ``docs/capacity.md`` for the formulas and worked examples.
"""

from prodcore.calendars import (
    Absence,
    CentreAbsences,
    Holiday,
    ShopCalendar,
    WorkShift,
    from_micros,
    one_shift_per_weekday,
    to_micros,
)
from prodcore.scheduling.calendar import (
    CalendarEntry,
    Calendars,
    CentreCalendar,
    CentreKey,
    build_calendars,
    centre_calendar,
    centre_label,
    consolidated_calendar,
)
from prodcore.scheduling.errors import NoCapacityError
from prodcore.scheduling.load import (
    DEFAULT_STATUSES,
    LoadRow,
    LoadView,
    Period,
    load_view,
    period_start,
)
from prodcore.scheduling.needs import (
    ALLOCATION_QUANTUM,
    OperationNeed,
    capacity_need,
    operation_need,
    quantize_time,
    remaining_work,
)
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
    "CentreAbsences",
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
    "load_view",
    "one_shift_per_weekday",
    "operation_need",
    "period_start",
    "quantize_time",
    "remaining_work",
    "schedule_order",
    "schedule_orders",
    "to_micros",
]
