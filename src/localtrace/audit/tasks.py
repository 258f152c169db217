"""Background work for the audit app, run by the task worker: the daily retention run."""

from __future__ import annotations

from django_tasks import task

from localtrace.audit.retention import erase_if_due


@task()
def erase_expired_data() -> int:
    """Queued every minute by `localtrace schedule`; erases at most once a day. Returns how many people it erased."""
    erased = erase_if_due()
    return erased.people if erased is not None else 0
