"""The case queue: an area team's cases, most urgent first."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from localtrace.accounts.access import require_capability, scoped
from localtrace.cases.models import Case

FILTERS = {
    "open": Q(status__in=[Case.Status.NEW, Case.Status.IN_PROGRESS]),
    "overdue": Q(status=Case.Status.NEW),  # narrowed to past deadlines below
    "all": Q(),
}


def queue(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "case.queue")
    now = timezone.now()
    cases = scoped(request.user, "case.view", Case.objects.all()).select_related("area")
    counts = cases.aggregate(
        open=Count("id", filter=FILTERS["open"]),
        overdue=Count("id", filter=Q(status=Case.Status.NEW, reach_deadline__lt=now)),
        due_soon=Count(
            "id",
            filter=Q(status=Case.Status.NEW, reach_deadline__gte=now, reach_deadline__lt=now + dt.timedelta(hours=4)),
        ),
        all=Count("id"),
    )
    shown = request.GET.get("show", "open")
    if shown not in FILTERS:
        shown = "open"
    listed = cases.filter(FILTERS[shown])
    if shown == "overdue":
        listed = listed.filter(reach_deadline__lt=now)
    page = Paginator(listed.order_by("priority", "reach_deadline", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "cases/queue.html", {"page": page, "counts": counts, "shown": shown, "now": now})
