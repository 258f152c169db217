"""Background work for the performance figures, run by the task worker."""

from __future__ import annotations

from django_tasks import task

from localtrace.reports.rollup import STEP_BUDGET_S, refresh


@task()
def refresh_figures() -> str:
    # A rebuild gives up the worker after STEP_BUDGET_S (the ladder's messages wait behind it) and carries on
    # at the next minute's run.
    return refresh(budget=STEP_BUDGET_S).line()
