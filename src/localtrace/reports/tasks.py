"""Background work for the performance figures, run by the task worker."""

from __future__ import annotations

from django_tasks import task

from localtrace.reports.rollup import refresh


@task()
def refresh_figures() -> str:
    return refresh().line()
