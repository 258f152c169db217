"""Background work for settings and clusters, run by the task worker."""

from __future__ import annotations

from django_tasks import task

from localtrace.places.clusters import scan_if_due


@task()
def scan_clusters() -> int:
    """Queued every minute by `localtrace schedule`; scans only when the last scan is older than the interval."""
    summary = scan_if_due()
    return summary.found if summary is not None else 0
