"""The case and contact queues: most urgent first, with "get next"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import TRACING_ROLES, require_capability, scope_for, scoped
from localtrace.cases import ladder
from localtrace.cases.models import OPEN_STATUSES, Case, Transfer
from localtrace.cases.queue import claim_next, current_claim
from localtrace.contacts.models import Contact

SHOW = {
    "open": "Open",
    "due_soon": "Due within 4 hours",
    "overdue": "Overdue",
    "doorstep": "Doorstep visits",
    "welsh": "Welsh speakers",
    "other_language": "Other languages",
    "closed": "Closed",
}


def _filtered(items: QuerySet[Any], shown: str, now: dt.datetime) -> QuerySet[Any]:
    doorstep = [i for i, s in enumerate(ladder.ladder()) if s.kind == ladder.DOORSTEP]
    open_items = items.filter(status__in=OPEN_STATUSES)
    return {
        "open": open_items,
        "due_soon": open_items.filter(
            reached_at__isnull=True, reach_deadline__gte=now, reach_deadline__lt=now + dt.timedelta(hours=4)
        ),
        "overdue": open_items.filter(reached_at__isnull=True, reach_deadline__lt=now),
        "doorstep": open_items.filter(reached_at__isnull=True, ladder_step__in=doorstep),
        "welsh": open_items.filter(person__preferred_language="cy"),
        "other_language": open_items.exclude(person__preferred_language__in=["en", "cy"]),
        "closed": items.exclude(status__in=OPEN_STATUSES),
    }[shown]


def _counts(items: QuerySet[Any], now: dt.datetime) -> dict[str, int]:
    # Counting a column of the case_queue_counts index (status is never null), not id, lets PostgreSQL
    # answer from that index alone instead of reading the area's whole history.
    open_q = Q(status__in=OPEN_STATUSES)
    unreached = open_q & Q(reached_at__isnull=True)
    return items.aggregate(
        open=Count("status", filter=open_q),
        due_soon=Count(
            "status", filter=unreached & Q(reach_deadline__gte=now, reach_deadline__lt=now + dt.timedelta(hours=4))
        ),
        overdue=Count("status", filter=unreached & Q(reach_deadline__lt=now)),
        closed=Count("status", filter=~open_q),
    )


def _queue(request: HttpRequest, kind: str) -> HttpResponse:
    require_capability(request.user, "case.queue")
    now = timezone.now()
    model = Case if kind == "case" else Contact
    items = scoped(request.user, f"{kind}.view", model.objects.all())
    shown = request.GET.get("show", "open")
    if shown not in SHOW:
        shown = "open"
    listed = _filtered(items, shown, now).select_related("area", "claimed_by")
    page = Paginator(listed.order_by("priority", "reach_deadline", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/queue.html",
        {
            "kind": kind,
            "page": page,
            "counts": _counts(items, now),
            "shown": shown,
            "filters": SHOW,
            "now": now,
            "mine": current_claim(items, request.user, now),
            "steps": {i: ladder.DESCRIPTIONS[s.kind] for i, s in enumerate(ladder.ladder())},
            "sent_away": _transferred_out(request, kind, now),
        },
    )


def _transferred_out(request: HttpRequest, kind: str, now: dt.datetime) -> QuerySet[Transfer]:
    """What this team sent to other areas lately: the reference and where it went, nothing personal."""
    areas = scope_for(request.user).areas_with(TRACING_ROLES)
    sent = Transfer.objects.filter(from_area_id__in=areas, transferred_at__gte=now - dt.timedelta(days=14))
    sent = sent.filter(case__isnull=False) if kind == "case" else sent.filter(contact__isnull=False)
    return sent.select_related("to_area", "from_area").order_by("-transferred_at")[:20]


def queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, "case")


def contact_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, "contact")


def _get_next(request: HttpRequest, kind: str) -> HttpResponse:
    require_capability(request.user, "case.queue")
    model = Case if kind == "case" else Contact
    item = claim_next(scoped(request.user, f"{kind}.view", model.objects.all()), request.user)
    if item is None:
        messages.info(request, f"There are no {kind}s waiting for a call right now.")
        return redirect("cases:queue" if kind == "case" else "contacts:queue")
    return redirect("cases:case-detail" if kind == "case" else "contacts:contact-detail", item.pk)


@require_POST
def get_next(request: HttpRequest) -> HttpResponse:
    return _get_next(request, "case")


@require_POST
def get_next_contact(request: HttpRequest) -> HttpResponse:
    return _get_next(request, "contact")
