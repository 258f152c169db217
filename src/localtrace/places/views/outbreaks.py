"""Outbreaks: the list, the outbreak page (cases, contacts, settings, curve, actions, timeline) and its changes."""

from __future__ import annotations

import altair as alt
from django.contrib import messages
from django.db.models import Case as DbCase
from django.db.models import Count, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404, may, require_capability, scoped
from localtrace.accounts.models import User
from localtrace.areas.models import Membership, Role
from localtrace.audit.services import Action, record
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.core.charts import chart
from localtrace.core.forms import shown_as_now
from localtrace.places import outbreaks as actions
from localtrace.places.forms import MessageForm, StatusForm, TaskForm
from localtrace.places.models import Outbreak, OutbreakTask

# Open outbreaks first, then those being monitored, then closed ones (not the alphabetical order of the values).
STATUS_RANK = DbCase(
    When(status=Outbreak.Status.OPEN, then=Value(0)),
    When(status=Outbreak.Status.MONITORING, then=Value(1)),
    default=Value(2),
)


def outbreak_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "case.queue")
    outbreaks = list(
        scoped(request.user, "outbreak.view", Outbreak.objects.all())
        .select_related("area")
        .annotate(case_count=Count("cases", distinct=True), status_rank=STATUS_RANK)
        .order_by("status_rank", "-opened_at", "-pk")[:200]
    )
    return render(request, "places/outbreak_list.html", {"outbreaks": outbreaks})


def _outbreak(request: HttpRequest, pk: int, permission: str = "outbreak.view") -> Outbreak:
    return get_or_404(request.user, permission, Outbreak.objects.select_related("area", "opened_by"), pk=pk)


def _owners(outbreak: Outbreak) -> list[User]:
    """Staff who may own an action: the area's local team members with a tracing role."""
    ids = Membership.objects.filter(
        team__area_id=outbreak.area_id, role__in=[Role.TRACER, Role.TEAM_LEAD, Role.AREA_LEAD]
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("first_name", "last_name", "username"))


def outbreak_detail(request: HttpRequest, pk: int) -> HttpResponse:
    outbreak = _outbreak(request, pk)
    # A case from another area that visited the setting belongs to the outbreak, but its name is for its
    # own area's team: the lists go through the access module, and the rest is a count.
    case_ids = list(outbreak.cases.values_list("pk", flat=True))
    cases = list(
        scoped(request.user, "case.view", Case.objects.filter(pk__in=case_ids))
        .select_related("person")
        .order_by("specimen_date", "pk")
    )
    named = Contact.objects.filter(case__in=case_ids)
    contacts = list(
        scoped(request.user, "contact.view", named).select_related("person", "case").order_by("case_id", "pk")
    )
    contacts_elsewhere = named.count() - len(contacts)
    places = list(outbreak.settings.all())
    curve = actions.onset_curve(outbreak)
    epicurve = None
    if curve:
        values = [{"onset": f"{day.day} {day:%b}", "cases": n} for day, n in curve]
        spec = (
            alt.Chart(alt.Data(values=values))
            .mark_bar()
            .encode(
                # Days as ordered categories: one bar per day, every day shown, also when there is only one.
                x=alt.X("onset:O", title="Onset date (or test date without symptoms)", sort=None),
                y=alt.Y("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1)),
            )
            # No tooltip: vega-tooltip injects a <style> element, which the strict CSP refuses (the table has the figures).
            .properties(width="container", height=220, usermeta={"embedOptions": {"tooltip": False}})
        )
        epicurve = chart(
            "epicurve",
            "Cases by onset date",
            spec,
            columns=["Onset date", "Cases"],
            rows=[(day.strftime("%-d %b %Y"), n) for day, n in curve],
            summary=f"{sum(n for _, n in curve)} cases with onsets from {curve[0][0]:%-d %B} to {curve[-1][0]:%-d %B}.",
            collapse_table=len(curve) > 10,
            numeric_columns=[1],
        )
    record(
        Action.VIEW,
        request=request,
        obj=outbreak,
        area=outbreak.area,
        detail={"cases_listed": [c.pk for c in cases], "contacts_listed": [k.pk for k in contacts]},
    )
    tasks = list(outbreak.tasks.select_related("owner", "created_by"))
    return render(
        request,
        "places/outbreak_detail.html",
        {
            "outbreak": outbreak,
            "cases": cases,
            "cases_elsewhere": len(case_ids) - len(cases),
            "contacts": contacts,
            "contacts_elsewhere": contacts_elsewhere,
            "settings": places,
            "manager_reachable": any(s.has_manager_contact for s in places),
            "epicurve": epicurve,
            "actions": [t for t in tasks if t.kind == OutbreakTask.Kind.ACTION],
            "notes": [t for t in tasks if t.kind == OutbreakTask.Kind.NOTE],
            "events": list(outbreak.events.select_related("actor")[:200]),
            "may_manage": may(request.user, "outbreak.manage", outbreak),
        },
    )


def _back(outbreak: Outbreak) -> str:
    return reverse("places:outbreak-detail", args=[outbreak.pk])


def outbreak_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    outbreak = _outbreak(request, pk, "outbreak.manage")
    owners = _owners(outbreak)
    form = TaskForm(request.POST or None, owners=owners, initial={"kind": request.GET.get("kind", "action")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_task(
                outbreak,
                kind=data["kind"],
                text=data["text"],
                owner=form.owners.get(data.get("owner") or ""),
                due_on=data.get("due_on"),
                request=request,
            )
        except actions.OutbreakError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, "Action added." if data["kind"] == OutbreakTask.Kind.ACTION else "Note added.")
            return redirect(_back(outbreak))
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Add an action or note",
            "caption": f"{outbreak.reference} · {outbreak.name}",
            "introduction": actions.CLOSED_NO_ACTIONS + "." if outbreak.status == Outbreak.Status.CLOSED else "",
            "back_url": _back(outbreak),
            "button": "Add",
        },
    )


@require_POST
def outbreak_task_done(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    outbreak = _outbreak(request, pk, "outbreak.manage")
    task = outbreak.tasks.filter(pk=task_pk).first()
    if task is None:
        raise Http404
    try:
        actions.complete_task(task, request=request)
    except actions.OutbreakError as error:
        messages.error(request, str(error))
    return redirect(_back(outbreak))


def outbreak_status(request: HttpRequest, pk: int) -> HttpResponse:
    outbreak = _outbreak(request, pk, "outbreak.manage")
    form = StatusForm(request.POST or None, initial=_status_as_now(outbreak))
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_status(outbreak, form.cleaned_data["status"], request=request, seen=form.cleaned_data["seen"])
        except actions.StaleStatus as error:
            # The status as it is now (set_status read it), with a fresh fingerprint to save against.
            form = shown_as_now(StatusForm(initial=_status_as_now(outbreak)), str(error))
        else:
            messages.success(request, f"Status: {outbreak.get_status_display()}.")
            return redirect(_back(outbreak))
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Change the status",
            "caption": f"{outbreak.reference} · {outbreak.name}",
            "introduction": "Monitoring: no new cases expected, still watching. Closed: over.",
            "back_url": _back(outbreak),
            "button": "Save",
        },
    )


def _status_as_now(outbreak: Outbreak) -> dict[str, str]:
    return {"status": outbreak.status, "seen": actions.status_fingerprint(outbreak)}


NO_MANAGER_DETAILS = (
    "None of this outbreak's places has a manager's email address or phone number yet. Add them on the place's "
    "page (under Places), then send the message."
)


def outbreak_message(request: HttpRequest, pk: int) -> HttpResponse:
    outbreak = _outbreak(request, pk, "outbreak.manage")
    settings = list(outbreak.settings.all())
    if outbreak.status == Outbreak.Status.CLOSED:
        messages.info(request, actions.CLOSED_NO_MESSAGES)
        return redirect(_back(outbreak))
    if not any(s.has_manager_contact for s in settings):
        # Nothing to send to: say where to add the details, rather than offer a form that can only fail.
        messages.info(request, NO_MANAGER_DETAILS)
        return redirect(_back(outbreak))
    form = MessageForm(request.POST if request.method == "POST" else None, settings=settings)
    if request.method == "POST" and form.is_valid():
        setting = next(s for s in settings if str(s.pk) == form.cleaned_data["setting"])
        try:
            actions.message_manager(
                outbreak,
                setting,
                channel=form.cleaned_data["channel"],
                language=form.cleaned_data["language"],
                request=request,
            )
        except actions.OutbreakError as error:
            form.add_error("setting", str(error))
        else:
            messages.success(request, f"Message to the manager of {setting.name} sent.")
            return redirect(_back(outbreak))
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Message the setting's manager",
            "caption": f"{outbreak.reference} · {outbreak.name}",
            "introduction": "The message tells them cases linked to their setting are being followed up, and who to "
            "call. It names no one.",
            "back_url": _back(outbreak),
            "button": "Send message",
        },
    )
