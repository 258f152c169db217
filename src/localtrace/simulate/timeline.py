"""Simulation days (integers from the start date) and the dates they stand for."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache


class Timeline:
    """Maps day numbers (0 = start date, negative before it) to dates and ISO strings."""

    def __init__(self, start_date: dt.date) -> None:
        self.start_date = start_date
        self.start_ordinal = start_date.toordinal()

    def date(self, day: int) -> dt.date:
        return dt.date.fromordinal(self.start_ordinal + int(day))

    def iso(self, day: int) -> str:
        return _iso_from_ordinal(self.start_ordinal + int(day))

    def weekday(self, day: int) -> int:
        """Monday is 0, as in datetime."""
        return (self.start_ordinal + int(day) - 1) % 7


@lru_cache(maxsize=65536)
def _iso_from_ordinal(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def iso_from_ordinal(ordinal: int) -> str:
    """ISO date string for a proleptic Gregorian ordinal (dates of birth are stored this way)."""
    return _iso_from_ordinal(int(ordinal))
