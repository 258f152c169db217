"""The team lead's view: queue health at a glance, who is doing what today, and assignment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Max, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import TRACING_ROLES, require_capability, scope_for, scoped
from localtrace.accounts.models import User
from localtrace.areas.models import Delegation, Membership, Role, Team
from localtrace.cases.models import OPEN_STATUSES, Attempt, Case, TraceEvent
from localtrace.cases.queue import assign as assign_items
from localtrace.cases.queue import claim_lapses_after
from localtrace.contacts.models import Contact
from localtrace.core.forms import GovukForm


def _health(items: Any, now: dt.datetime) -> dict[str, Any]:
    unreached = Q(status__in=OPEN_STATUSES, reached_at__isnull=True)
    # Counting a column of the *_queue_counts indexes (status is never null), not id, lets PostgreSQL
    # answer from the index alone instead of reading the area's whole history.
    figures = items.aggregate(
        new=Count("status", filter=Q(status="new")),
        in_progress=Count("status", filter=Q(status="in_progress")),
        reached=Count("status", filter=Q(status="reached")),
        completed_today=Count("status", filter=Q(status="completed", closed_at__date=timezone.localdate())),
        due_soon=Count(
            "status", filter=unreached & Q(reach_deadline__gte=now, reach_deadline__lt=now + dt.timedelta(hours=4))
        ),
        overdue=Count("status", filter=unreached & Q(reach_deadline__lt=now)),
        oldest=Min("reach_deadline", filter=unreached),
    )
    return figures


def _tracers(lead: Any) -> list[User]:
    """Everyone who can work the lead's areas now: local team members and delegated surge tracers."""
    areas = scope_for(lead).areas_with({Role.TEAM_LEAD, Role.AREA_LEAD})
    local = Membership.objects.filter(team__area_id__in=areas, team__kind=Team.Kind.LOCAL, role__in=TRACING_ROLES)
    surge_teams = Delegation.objects.active().filter(area_id__in=areas).values_list("team_id", flat=True)
    surge = Membership.objects.filter(team_id__in=surge_teams, role__in=TRACING_ROLES)
    ids = set(local.values_list("user_id", flat=True)) | set(surge.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name"))


def queue_health(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "team.lead")
    now = timezone.now()
    cases = scoped(request.user, "case.lead", Case.objects.all())
    areas = cases.values("area")
    contacts = Contact.objects.filter(area__in=areas)
    tracers = _tracers(request.user)
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    attempts = dict(
        Attempt.objects.filter(made_by__in=tracers, made_at__gte=start_of_day)
        .values_list("made_by")
        .annotate(n=Count("id"))
        .order_by()
    )
    completed = dict(
        TraceEvent.objects.filter(actor__in=tracers, kind="completed", occurred_at__gte=start_of_day)
        .values_list("actor").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    last_action = dict(
        TraceEvent.objects.filter(actor__in=tracers).values_list("actor").annotate(at=Max("occurred_at")).order_by()
    )
    holding = dict(
        cases.filter(claimed_by__in=tracers, claimed_at__gte=now - claim_lapses_after(), status__in=OPEN_STATUSES)
        .values_list("claimed_by").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    activity = [
        {
            "tracer": t,
            "attempts": attempts.get(t.pk, 0),
            "completed": completed.get(t.pk, 0),
            "minutes_idle": int((now - last_action[t.pk]).total_seconds() // 60) if t.pk in last_action else None,
            "holding": holding.get(t.pk, 0),
        }
        for t in tracers
    ]
    unassigned = (
        cases.filter(status__in=OPEN_STATUSES, reached_at__isnull=True)
        .filter(Q(claimed_by__isnull=True) | Q(claimed_at__lt=now - claim_lapses_after()))
        .select_related("area")
        .order_by("priority", "reach_deadline", "pk")[:50]
    )
    return render(
        request,
        "cases/team.html",
        {
            "cases": _health(cases, now),
            "contacts": _health(contacts, now),
            "activity": activity,
            "unassigned": unassigned,
            "assign_form": AssignForm(tracers=tracers),
            "now": now,
        },
    )


class AssignForm(GovukForm):
    tracer = forms.ModelChoiceField(
        label="Assign to", queryset=User.objects.none(), empty_label="Choose a tracer",
        error_messages={"required": "Choose who to assign them to"},
    )  # fmt: skip

    def __init__(self, *args: Any, tracers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tracer"]
        field.queryset = User.objects.filter(pk__in=[t.pk for t in tracers]).order_by("full_name")  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.full_name or u.username  # type: ignore[attr-defined]


@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    """Assign the chosen cases to a tracer, after a confirmation page."""
    require_capability(request.user, "team.lead")
    form = AssignForm(request.POST, tracers=_tracers(request.user))
    chosen = scoped(
        request.user, "case.lead", Case.objects.filter(pk__in=request.POST.getlist("case"), status__in=OPEN_STATUSES)
    )
    cases = list(chosen.select_related("area").order_by("priority", "reach_deadline"))
    if not cases or not form.is_valid():
        messages.error(request, "Choose at least one case and the tracer to assign them to.")
        return redirect("cases:team")
    tracer = form.cleaned_data["tracer"]
    if request.POST.get("confirmed") != "yes":
        return render(request, "cases/assign_confirm.html", {"cases": cases, "tracer": tracer})
    count = assign_items(cases, tracer, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"{count} case{'s' if count != 1 else ''} assigned to {tracer.full_name}.")
    return redirect("cases:team")
