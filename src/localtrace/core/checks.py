"""Django system checks for the rules a deployment sets in its settings module.

`LOCALTRACE_POLICY`, `LOCALTRACE_LADDER`, `LOCALTRACE_CLUSTERS` and `LOCALTRACE_REPORT_WEEK_STARTS` are read where
they are used, which for some is a nightly task. A mistake in one is reported by `localtrace check`, `migrate`,
`serve`, `schedule` and the task worker before they start, not by the first task that reads it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def configured_rules(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from localtrace.cases.ladder import ladder
    from localtrace.places.detection import Rule
    from localtrace.reports.weeks import week_starts

    errors: list[CheckMessage] = []
    for setting, read in (
        ("LOCALTRACE_REPORT_WEEK_STARTS", week_starts),
        ("LOCALTRACE_LADDER", ladder),
        ("LOCALTRACE_CLUSTERS", Rule.configured),
    ):
        try:
            read()
        except (TypeError, ValueError, AttributeError) as problem:
            errors.append(Error(f"{setting}: {problem}", id=f"localtrace.{setting}"))
    errors += [
        Error(f"LOCALTRACE_POLICY: {problem}", id="localtrace.LOCALTRACE_POLICY") for problem in policy_problems()
    ]
    return errors


def policy_problems() -> list[str]:
    """What is wrong with the deployment's dated policy entries: each rule must be one of the defaults', each
    entry a (date, value) pair, and each value of the kind the default has (a number, or the same set of keys)."""
    from localtrace.config.policy import DEFAULTS

    configured = getattr(settings, "LOCALTRACE_POLICY", {})
    if not isinstance(configured, dict):
        return ["it must be a dict of rule names to lists of (date, value) entries."]
    problems: list[str] = []
    for rule, entries in configured.items():
        if rule not in DEFAULTS:
            problems.append(f"{rule!r} is not a policy rule; the rules are {', '.join(sorted(DEFAULTS))}.")
            continue
        default = DEFAULTS[rule][0][1]
        if not isinstance(entries, list | tuple):
            problems.append(f"{rule}: give a list of (date, value) entries.")
            continue
        for entry in entries:
            if not (isinstance(entry, list | tuple) and len(entry) == 2 and type(entry[0]) is dt.date):
                problems.append(f"{rule}: {entry!r} is not a (date, value) entry.")
            elif isinstance(default, dict):
                problems += _rules_problems(rule, entry[0], entry[1], default)
            elif isinstance(entry[1], bool) or not isinstance(entry[1], int | Decimal | float) or entry[1] < 0:
                problems.append(f"{rule}: the value from {entry[0]} must be a number, 0 or more.")
            elif rule.endswith("_days") and not isinstance(entry[1], int):
                problems.append(f"{rule}: the value from {entry[0]} must be a whole number of days.")
    return problems


def _rules_problems(rule: str, start: dt.date, value: Any, default: dict[str, Any]) -> list[str]:
    """A dict of rules may leave keys out (the code reads each with the default's value); each given must be
    known and of the default's kind."""
    if not isinstance(value, dict):
        return [f"{rule}: the value from {start} must be a dict with some of the keys {', '.join(sorted(default))}."]
    problems = [
        f"{rule}: {key!r} (from {start}) is not one of {', '.join(sorted(default))}."
        for key in value.keys() - default.keys()
    ]
    for key, given in value.items():
        if key not in default:
            continue
        if isinstance(default[key], bool) and not isinstance(given, bool):
            problems.append(f"{rule}: {key} (from {start}) must be True or False, not {given!r}.")
        elif type(default[key]) is int and (isinstance(given, bool) or not isinstance(given, int) or given < 0):
            problems.append(f"{rule}: {key} (from {start}) must be a whole number, 0 or more, not {given!r}.")
    return problems
