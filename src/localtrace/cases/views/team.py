"""The team lead's view: queue health at a glance, who is doing what today, and assignment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import TRACING_ROLES, require_capability, scope_for, scoped
from localtrace.accounts.models import User
from localtrace.areas.models import Delegation, Membership, Role, Team
from localtrace.cases import listing
from localtrace.cases.models import OPEN_STATUSES, Attempt, Case, TraceEvent
from localtrace.cases.queue import assign as assign_items
from localtrace.cases.queue import claim_lapses_after, held_by, out_of_reach
from localtrace.contacts.models import Contact
from localtrace.core.forms import GovukForm


def _tracers(lead: Any) -> list[User]:
    """Everyone who can work the lead's areas now: local team members and delegated surge tracers."""
    return list(_tracer_users(lead).order_by("full_name"))


def _tracer_users(lead: Any) -> QuerySet[User]:
    areas = scope_for(lead).areas_with({Role.TEAM_LEAD, Role.AREA_LEAD})
    local = Membership.objects.filter(team__area_id__in=areas, team__kind=Team.Kind.LOCAL, role__in=TRACING_ROLES)
    surge_teams = Delegation.objects.active().filter(area_id__in=areas).values("team_id")
    surge = Membership.objects.filter(team_id__in=surge_teams, role__in=TRACING_ROLES)
    return User.objects.filter(Q(pk__in=local.values("user_id")) | Q(pk__in=surge.values("user_id")), is_active=True)


def _activity(lead: Any, cases: QuerySet[Case], contacts: QuerySet[Contact], now: dt.datetime) -> list[User]:
    """Each tracer with what they did today and what they hold now (cases and contacts), in three queries.

    Each figure reads an index that starts with the tracer ((made_by, made_at) for attempts,
    (actor, occurred_at) for events, claimed_by for cases): today's rows and each tracer's latest
    event, never their whole history. Attempts and completions are grouped queries rather than
    subqueries of the tracers' query: as subqueries the planner's estimate crossed PostgreSQL's
    JIT threshold, and compiling the query took 340 ms of a 350 ms page.
    """
    today = listing.start_of_day(now)
    tracer = OuterRef("pk")
    held = {"claimed_by": tracer, "claimed_at__gte": now - claim_lapses_after(), "status__in": OPEN_STATUSES}
    holding, holding_contacts = cases.filter(**held), contacts.filter(**held)
    last = TraceEvent.objects.filter(actor=tracer).order_by("-occurred_at").values("occurred_at")[:1]
    tracers: list[User] = list(
        _tracer_users(lead)
        .annotate(
            holding=Coalesce(Subquery(holding.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")), 0)
            + Coalesce(
                Subquery(holding_contacts.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")), 0
            ),
            last_action=Subquery(last),
        )
        .order_by("full_name")
    )
    ids = [t.pk for t in tracers]
    attempts = dict(
        Attempt.objects.filter(made_by__in=ids, made_at__gte=today)
        .values_list("made_by").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    completed = dict(
        TraceEvent.objects.filter(actor__in=ids, occurred_at__gte=today, kind="completed")
        .values_list("actor").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    for t in tracers:
        t.attempts_today = attempts.get(t.pk, 0)  # type: ignore[attr-defined]
        t.completed_today = completed.get(t.pk, 0)  # type: ignore[attr-defined]
    return tracers


def _since(now: dt.datetime, then: dt.datetime | None) -> str:
    """How long ago, as a team lead scans it: "12 min", "5 h 50 min", "2 days"."""
    if then is None:
        return "No action yet"
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days = minutes // (24 * 60)
    return f"{days} day{'s' if days != 1 else ''}"


def queue_health(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "team.lead")
    now = timezone.now()
    cases = scoped(request.user, "case.lead", Case.objects.all())
    # The contacts of the same areas as the case.lead rule: the areas the user leads.
    contacts = Contact.objects.filter(area_id__in=scope_for(request.user).areas_with({Role.TEAM_LEAD, Role.AREA_LEAD}))
    tracers = _activity(request.user, cases, contacts, now)
    activity = [
        {
            "tracer": t,
            "attempts": t.attempts_today,  # type: ignore[attr-defined]
            "completed": t.completed_today,  # type: ignore[attr-defined]
            "idle": _since(now, t.last_action),  # type: ignore[attr-defined]
            "holding": t.holding,  # type: ignore[attr-defined]
        }
        for t in tracers
    ]
    unassigned = (
        cases.filter(status__in=OPEN_STATUSES, reached_at__isnull=True)
        .filter(Q(claimed_by__isnull=True) | Q(claimed_at__lt=now - claim_lapses_after()))
        .only("id", "priority", "reach_deadline", "status", "reached_at")
        .order_by("priority", "reach_deadline", "pk")[:50]
    )
    return render(
        request,
        "cases/team.html",
        {
            "cases": listing.counts(cases, now),
            "contacts": listing.counts(contacts, now),
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


def _out_of_reach_message(name: str, references: list[str]) -> str:
    one = len(references) == 1
    return (
        f"Not assigned, as {name} does not work in {'its area' if one else 'their areas'} and could not open "
        f"{'it' if one else 'them'}: {', '.join(references)}. Choose a tracer who works there."
    )


@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    """Assign the chosen cases to a tracer, after a confirmation page.

    The tracers offered work in any of the lead's areas; a case the chosen tracer may not open is refused
    (and named), on the confirmation page and again when the lead confirms, and the rest are assigned.
    """
    require_capability(request.user, "team.lead")
    form = AssignForm(request.POST, tracers=_tracers(request.user))
    # Case ids as the page sends them; anything else (a hand-made form) chooses nothing rather than fail.
    ids = [int(value) for value in request.POST.getlist("case") if value.isdigit() and len(value) < 19]
    chosen = scoped(request.user, "case.lead", Case.objects.filter(pk__in=ids, status__in=OPEN_STATUSES))
    cases = list(chosen.select_related("area").order_by("priority", "reach_deadline"))
    if not cases or not form.is_valid():
        messages.error(request, "Choose at least one case and the tracer to assign them to.")
        return redirect("cases:team")
    tracer = form.cleaned_data["tracer"]
    name = tracer.full_name or tracer.username
    if request.POST.get("confirmed") != "yes":
        refused = out_of_reach(cases, tracer)
        if len(refused) == len(cases):
            messages.error(request, _out_of_reach_message(name, [c.reference for c in refused]))
            return redirect("cases:team")
        # What they hold already, so a lead sees the load they add to (references, nothing personal).
        holding = [
            *(c.reference for c in held_by(scoped(request.user, "case.view", Case.objects.only("id")), tracer)[:11]),
            *(
                k.reference
                for k in held_by(scoped(request.user, "contact.view", Contact.objects.only("id")), tracer)[:11]
            ),
        ]
        return render(
            request,
            "cases/assign_confirm.html",
            {
                "cases": [c for c in cases if c not in refused],
                "tracer": tracer,
                "refused": _out_of_reach_message(name, [c.reference for c in refused]) if refused else "",
                "holding": holding[:10],
                "more_holding": len(holding) > 10,
            },
        )
    result = assign_items(cases, tracer, by=request.user)
    if result.assigned:
        count = len(result.assigned)
        messages.success(request, f"{count} case{'s' if count != 1 else ''} assigned to {name}.")
    if result.refused:
        messages.error(request, _out_of_reach_message(name, [c.reference for c in result.refused]))
    if left := [c.reference for c in cases if c not in result.assigned and c not in result.refused]:
        # Taken (or closed) by someone else since the lead chose them; their hold stands.
        messages.error(
            request,
            f"Not assigned, as someone is already working on {'it' if len(left) == 1 else 'them'} or "
            f"{'it is' if len(left) == 1 else 'they are'} closed: {', '.join(left)}.",
        )
    return redirect("cases:team")
