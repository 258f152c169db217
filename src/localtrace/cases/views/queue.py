"""The case and contact queues: most urgent first, with "get next"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import TRACING_ROLES, require_capability, scope_for, scoped
from localtrace.cases import ladder, listing
from localtrace.cases.models import Case, Transfer, WorkItem
from localtrace.cases.queue import claim_next, current_claim
from localtrace.contacts.models import Contact

# Columns a queue row shows: the rest of each case (its investigation) is not read for the list.
_ROW_FIELDS = (
    "id", "area__name", "status", "priority", "reach_deadline", "ladder_step", "next_step_at", "reached_at",
    "claimed_by__full_name",
)  # fmt: skip


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(moment: dt.datetime) -> str:
    """ "14:05, 3 Nov", as the date filter's "H:i, j M" writes it, without its cost on every row."""
    local = timezone.localtime(moment)
    return f"{local:%H:%M}, {local.day} {_MONTHS[local.month]}"


@dataclass(frozen=True)
class Row:
    """One queue row, worked out here so the template only prints it (the row loop is most of a queue's time)."""

    url: str
    reference: str
    priority: str
    reasons: str
    area: str
    reach_by: str
    overdue: bool
    next_step: str
    next_step_from: str
    status: str
    claimed_by: str


def _rows(items: list[WorkItem], kind: str, now: dt.datetime) -> list[Row]:
    # Reversed once with a stand-in key, then filled in for each row: reversing 50 times costs more than the query.
    stand_in = 987654321
    url = reverse("cases:case-detail" if kind == "case" else "contacts:contact-detail", args=[stand_in])
    steps = {i: ladder.DESCRIPTIONS[s.kind] for i, s in enumerate(ladder.ladder())}
    rows = []
    for item in items:
        waiting = item.is_open and not item.reached_at
        rows.append(
            Row(
                url=url.replace(str(stand_in), str(item.pk)),
                reference=item.reference,  # type: ignore[attr-defined]
                priority=item.get_priority_display(),  # type: ignore[attr-defined]
                reasons="; ".join(getattr(item, "priority_reasons", None) or []),
                area=item.area.name,
                reach_by=_when(item.reach_deadline),
                overdue=waiting and item.reach_deadline < now,
                next_step=steps.get(item.ladder_step, "") if waiting else "",
                next_step_from=_when(item.next_step_at)
                if waiting and item.next_step_at and item.next_step_at > now
                else "",
                status=item.get_status_display(),  # type: ignore[attr-defined]
                claimed_by=item.claimed_by.full_name if item.claimed_by else "",
            )
        )
    return rows


def _queue(request: HttpRequest, kind: str) -> HttpResponse:
    require_capability(request.user, "case.queue")
    now = timezone.now()
    model = Case if kind == "case" else Contact
    items = scoped(request.user, f"{kind}.view", model.objects.all())
    shown = request.GET.get("show", "open")
    if shown not in listing.SHOW:
        shown = "open"
    counts = listing.counts(items, now, by_status=False)
    fields = (*_ROW_FIELDS, "priority_reasons") if kind == "case" else _ROW_FIELDS
    listed = listing.filtered(items, shown, now).select_related("area", "claimed_by").only(*fields)
    page = listing.page_of(
        listed,
        shown,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        # The open, due-soon and overdue filters are already counted; the others are counted up to a bound.
        count=counts[shown] if shown in ("open", "due_soon", "overdue") else None,
    )
    return render(
        request,
        "cases/queue.html",
        {
            "kind": kind,
            "page": page,
            "rows": _rows(page.items, kind, now),
            "counts": counts,
            "shown": shown,
            "filters": listing.SHOW,
            "mine": current_claim(items, request.user, now),
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
