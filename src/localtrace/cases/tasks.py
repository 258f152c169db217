"""Background work for tracing, run by the task worker."""

from __future__ import annotations

from django_tasks import task

from localtrace.cases.escalation import advance_due


@task()
def advance_ladders() -> int:
    return advance_due()


@task()
def hand_back_stranded_holds() -> int:
    """Queued every minute by `localtrace schedule`: surge access runs out at the end of its last day with nobody
    pressing a button, and what its tracers held goes back to the area's queues then."""
    from localtrace.cases.queue import hand_back

    return hand_back("access to this area ended")


@task()
def refresh_chains() -> str:
    """Queued every minute by `localtrace schedule`; recomputes only the areas whose cases or visits changed."""
    from localtrace.cases.chains import refresh

    return refresh().line()
