"""A mistake in a rule the deployment sets in its settings stops the commands before they start."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from localtrace.cases.ladder import DEFAULT_LADDER, Step
from localtrace.config.policy import BEGINNING
from localtrace.core.checks import configured_rules


def test_the_defaults_and_a_well_formed_policy_pass() -> None:
    assert configured_rules() == []
    good = {
        "contact_isolation_days": [(dt.date(2021, 8, 16), 7)],
        "support_payment_amount": [(BEGINNING, Decimal("500.00"))],
        "case_reach_hours": [(dt.date(2021, 1, 4), 1.5)],  # read as a timedelta of hours: fractions work
        "support_urgent_hours": [(dt.date(2021, 1, 4), 2)],
        "support_payment_rules": [
            (BEGINNING, {"needs_low_income": False, "needs_cannot_work_from_home": True, "claim_within_days": 28}),
            (dt.date(2021, 6, 1), {"needs_low_income": True}),  # the others as the code's defaults
        ],
    }
    with override_settings(LOCALTRACE_POLICY=good, LOCALTRACE_REPORT_WEEK_STARTS="Thursday"):
        assert configured_rules() == []


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("LOCALTRACE_REPORT_WEEK_STARTS", "thursdy", "must be a weekday name"),
        ("LOCALTRACE_LADDER", (*DEFAULT_LADDER[:-1],), "end with unreachable"),
        ("LOCALTRACE_LADDER", ("call", "unreachable"), "must be a list of Step(kind, timedelta) steps, not 'call'"),
        ("LOCALTRACE_LADDER", (Step("call", 4), DEFAULT_LADDER[-1]), "must be a list of Step(kind, timedelta)"),
        ("LOCALTRACE_LADDER", (Step("phone", dt.timedelta(hours=1)), DEFAULT_LADDER[-1]), "must use call"),
        ("LOCALTRACE_CLUSTERS", {"window": 3}, "Unknown cluster detection settings: window"),
        ("LOCALTRACE_CLUSTERS", {"min_households": 1}, "min_households ≥ 2"),
        ("LOCALTRACE_CLUSTERS", {"window_days": "2"}, "window_days must be a whole number, not '2'"),
        ("LOCALTRACE_POLICY", {"case_isolation_dayz": [(BEGINNING, 5)]}, "'case_isolation_dayz' is not a policy rule"),
        ("LOCALTRACE_POLICY", {"case_isolation_days": [("2022-01-17", 5)]}, "is not a (date, value) entry"),
        ("LOCALTRACE_POLICY", {"case_isolation_days": (dt.date(2022, 1, 17), 5)}, "is not a (date, value) entry"),
        ("LOCALTRACE_POLICY", {"case_isolation_days": [(dt.date(2022, 1, 17), "5")]}, "must be a number"),
        ("LOCALTRACE_POLICY", {"case_isolation_days": [(dt.date(2022, 1, 17), 5.5)]}, "a whole number of days"),
        ("LOCALTRACE_POLICY", {"case_isolation_days": [(dt.date(2022, 1, 17), -1)]}, "0 or more"),
        (
            "LOCALTRACE_POLICY",
            {"support_payment_rules": [(BEGINNING, {"needs_low_incme": True})]},
            "'needs_low_incme' (from 2020-01-01) is not one of",
        ),
        (
            "LOCALTRACE_POLICY",
            {"support_payment_rules": [(BEGINNING, {"needs_low_income": "no"})]},
            "needs_low_income (from 2020-01-01) must be True or False, not 'no'",
        ),
        (
            "LOCALTRACE_POLICY",
            {"support_payment_rules": [(BEGINNING, {"claim_within_days": 4.5})]},
            "claim_within_days (from 2020-01-01) must be a whole number",
        ),
        ("LOCALTRACE_POLICY", {"support_payment_rules": [(BEGINNING, 42)]}, "must be a dict with some of the keys"),
        ("LOCALTRACE_POLICY", [("case_isolation_days", 5)], "must be a dict"),
    ],
)
def test_a_mistake_in_a_rule_is_named_with_its_setting(setting: str, value: Any, says: str) -> None:
    with override_settings(**{setting: value}):
        errors = configured_rules()
    assert errors and all(e.id == f"localtrace.{setting}" and e.msg.startswith(f"{setting}: ") for e in errors)
    assert any(says in e.msg for e in errors), [e.msg for e in errors]


def test_the_commands_refuse_to_start_with_it() -> None:
    with override_settings(LOCALTRACE_REPORT_WEEK_STARTS="someday"), pytest.raises(SystemCheckError, match="weekday"):
        call_command("check")
