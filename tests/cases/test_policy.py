"""The date rules: infectious period, isolation ends, backward window; dated policy."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from localtrace.config import policy

days = st.dates(min_value=dt.date(2020, 3, 1), max_value=dt.date(2030, 12, 31))


@given(days)
def test_case_isolation_ends_ten_full_days_after_onset(onset: dt.date) -> None:
    assert policy.case_isolation_ends_on(onset) == onset + dt.timedelta(days=10)


@given(days)
def test_the_infectious_period_runs_from_two_days_before_to_ten_after(anchor: dt.date) -> None:
    window = policy.infectious_period(anchor)
    assert anchor in window
    assert window.first == anchor - dt.timedelta(days=2)
    assert window.days == 13


@given(days)
def test_the_backward_window_is_the_seven_days_before_the_infectious_period(anchor: dt.date) -> None:
    backward, infectious = policy.backward_window(anchor), policy.infectious_period(anchor)
    assert backward.days == 7
    assert backward.last == infectious.first - dt.timedelta(days=1)
    assert not set(_each_day(backward)) & set(_each_day(infectious))


@given(days)
def test_contact_isolation_was_fourteen_days_before_14_december_2020_and_ten_after(exposure: dt.date) -> None:
    expected = 14 if exposure < dt.date(2020, 12, 14) else 10
    assert policy.contact_isolation_ends_on(exposure) == exposure + dt.timedelta(days=expected)


def test_a_deployment_can_add_a_dated_change_without_rewriting_the_past(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOCALTRACE_POLICY = {"case_isolation_days": [(dt.date(2020, 1, 1), 10), (dt.date(2022, 1, 17), 5)]}
    assert policy.case_isolation_ends_on(dt.date(2021, 6, 1)) == dt.date(2021, 6, 11)
    assert policy.case_isolation_ends_on(dt.date(2022, 2, 1)) == dt.date(2022, 2, 6)


def _each_day(window: policy.Window) -> list[dt.date]:
    return [window.first + dt.timedelta(days=i) for i in range(window.days)]


def test_a_deployment_change_from_a_date_leaves_the_values_before_it(settings) -> None:  # type: ignore[no-untyped-def]
    # Contacts isolate 7 days from 16 August 2021: the 14 and then 10 days of the defaults still apply before it.
    settings.LOCALTRACE_POLICY = {"contact_isolation_days": [(dt.date(2021, 8, 16), 7)]}
    assert policy.value("contact_isolation_days", dt.date(2020, 6, 1)) == 14
    assert policy.value("contact_isolation_days", dt.date(2021, 1, 5)) == 10
    assert policy.value("contact_isolation_days", dt.date(2021, 8, 16)) == 7
    # An entry from the day a default starts replaces that default.
    settings.LOCALTRACE_POLICY = {"case_reach_hours": [(policy.BEGINNING, 48)]}
    assert policy.value("case_reach_hours", dt.date(2020, 6, 1)) == 48
