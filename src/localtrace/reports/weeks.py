"""Reporting weeks: seven local days starting on a configured weekday (settings.LOCALTRACE_REPORT_WEEK_STARTS).

The default, Monday, gives ISO weeks (Monday to Sunday, "weeks ending Sunday"); a deployment that
reports as NHS Test and Trace did sets "thursday" (Thursday to Wednesday).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def week_starts() -> str:
    name = str(getattr(settings, "LOCALTRACE_REPORT_WEEK_STARTS", "monday")).lower()
    if name not in WEEKDAYS:
        raise ValueError(f"LOCALTRACE_REPORT_WEEK_STARTS must be a weekday name, not {name!r}.")
    return name


def week_of(day: dt.date) -> dt.date:
    """The first day of the reporting week that holds `day`."""
    start = WEEKDAYS.index(week_starts())
    return day - dt.timedelta(days=(day.weekday() - start) % 7)


def week_end(week_start: dt.date) -> dt.date:
    """The last day of the week (included)."""
    return week_start + dt.timedelta(days=6)


def describe() -> str:
    first = week_starts()
    last = WEEKDAYS[(WEEKDAYS.index(first) + 6) % 7]
    return f"{first.title()} to {last.title()}"


def local_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The week as moments: local midnight of its first day, and of the day after its last (excluded)."""
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    first = dt.datetime.combine(week_start, dt.time.min, tzinfo=zone)
    return first, dt.datetime.combine(week_start + dt.timedelta(days=7), dt.time.min, tzinfo=zone)
