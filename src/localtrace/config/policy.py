"""Public health policy: isolation periods, infectious windows, reach targets. Dated, so past figures stay right.

Each rule is a list of (in force from, value); the value in force on a date is the last one
whose start is on or before it. A deployment changes policy by adding a dated entry in
settings.LOCALTRACE_POLICY, never by editing the past.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

BEGINNING = dt.date(2020, 1, 1)

DEFAULTS: dict[str, list[tuple[dt.date, Any]]] = {
    # Days before symptom onset (or the test, if no symptoms) that a case is infectious.
    "infectious_days_before": [(BEGINNING, 2)],
    # Days after onset (or test) that the infectious period runs to.
    "infectious_days_after": [(BEGINNING, 10)],
    # Case isolation ends at the end of this many full days after onset or test (that day is day 0).
    "case_isolation_days": [(BEGINNING, 10)],
    # Contact isolation ends at the end of this many full days after last exposure.
    "contact_isolation_days": [(BEGINNING, 14), (dt.date(2020, 12, 14), 10)],
    # The backward window: days before the infectious period starts, to find where they caught it.
    "backward_window_days": [(BEGINNING, 7)],
    # Reach targets, in hours from the result (cases) or from being named (contacts).
    "case_reach_hours": [(BEGINNING, 24)],
    "contact_reach_hours": [(BEGINNING, 24)],
    # Isolation support (issue 8): hours to first contact a person about a need, from when it was asked.
    "support_urgent_hours": [(BEGINNING, 4)],
    "support_hours": [(BEGINNING, 48)],
    # The support payment in pounds, and who may have it, by the first day of the isolation claimed for.
    "support_payment_amount": [(BEGINNING, 500)],
    "support_payment_rules": [
        (BEGINNING, {"needs_low_income": True, "needs_cannot_work_from_home": True, "claim_within_days": 42})
    ],
}


def entries(rule: str) -> list[tuple[dt.date, Any]]:
    """The rule's dated values: the defaults with the deployment's entries added (`LOCALTRACE_POLICY`). A
    deployment's entry from a date a default also starts on replaces that default; the others stand, so a
    change from a date leaves the values before it as they were."""
    dated = dict(DEFAULTS[rule])
    dated.update(dict(getattr(settings, "LOCALTRACE_POLICY", {}).get(rule, [])))
    return sorted(dated.items())


def value(rule: str, on: dt.date) -> Any:
    entries_in_force = entries(rule)
    current = entries_in_force[0][1]
    for start, setting in entries_in_force:
        if start <= on:
            current = setting
    return current


@dataclass(frozen=True)
class Window:
    """Whole days, first and last included."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def infectious_period(anchor: dt.date) -> Window:
    """From N days before onset (or the test date if no symptoms) to M days after."""
    return Window(
        anchor - dt.timedelta(days=value("infectious_days_before", anchor)),
        anchor + dt.timedelta(days=value("infectious_days_after", anchor)),
    )


def backward_window(anchor: dt.date) -> Window:
    """The days just before the infectious period: where and from whom they may have caught it."""
    start = infectious_period(anchor).first
    return Window(start - dt.timedelta(days=value("backward_window_days", anchor)), start - dt.timedelta(days=1))


def case_isolation_ends_on(anchor: dt.date) -> dt.date:
    """The last day of isolation; the person may go out the day after."""
    return anchor + dt.timedelta(days=value("case_isolation_days", anchor))


def contact_isolation_ends_on(last_exposure: dt.date) -> dt.date:
    return last_exposure + dt.timedelta(days=value("contact_isolation_days", last_exposure))


def case_reach_within(on: dt.date) -> dt.timedelta:
    return dt.timedelta(hours=value("case_reach_hours", on))


def contact_reach_within(on: dt.date) -> dt.timedelta:
    return dt.timedelta(hours=value("contact_reach_hours", on))


# --- isolation support (issue 8) ------------------------------------------------------------


def support_first_contact_within(on: dt.date, *, urgent: bool) -> dt.timedelta:
    """How soon a support officer should first speak to someone about a need asked on this day."""
    return dt.timedelta(hours=value("support_urgent_hours" if urgent else "support_hours", on))


def support_payment_amount(isolation_starts_on: dt.date) -> Decimal:
    return Decimal(str(value("support_payment_amount", isolation_starts_on))).quantize(Decimal("0.01"))


def support_payment_rules(isolation_starts_on: dt.date) -> dict[str, Any]:
    return dict(value("support_payment_rules", isolation_starts_on))
