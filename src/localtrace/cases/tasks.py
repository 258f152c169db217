"""Background work for tracing, run by the task worker."""

from __future__ import annotations

from django_tasks import task

from localtrace.cases.escalation import advance_due


@task()
def advance_ladders() -> int:
    return advance_due()


@task()
def refresh_chains() -> str:
    """Queued every minute by `localtrace schedule`; recomputes only the areas whose cases or visits changed."""
    from localtrace.cases.chains import refresh

    return refresh().line()
