"""The contact's pages: isolation dates and advice, and the daily symptom check until isolation ends."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from localtrace.audit.services import Action, record
from localtrace.cases.investigation import InvestigationError
from localtrace.contacts.models import Contact
from localtrace.contacts.services import record_symptom_report
from localtrace.portal.forms import SymptomCheckForm
from localtrace.portal.models import PortalLink
from localtrace.portal.views.base import not_working, person_page


def contact_context(link: PortalLink) -> dict[str, Any]:
    contact: Contact = link.contact  # type: ignore[assignment]
    today = timezone.localdate()
    return {
        "contact": contact,
        "checks_open": today <= contact.isolation_ends_on,
        "today_report": contact.symptom_reports.filter(reported_on=today).first(),
    }


@person_page
def symptom_check(request: HttpRequest, link: PortalLink) -> HttpResponse:
    if not link.contact_id:
        return not_working(request)
    context = contact_context(link)
    if not context["checks_open"]:
        return redirect("portal:home")
    form = SymptomCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        has_symptoms = form.cleaned_data["symptoms"] == "symptoms"
        try:
            record_symptom_report(context["contact"], has_symptoms=has_symptoms, request=request)
        except InvestigationError:
            return redirect("portal:home")
        record(Action.CHANGE, request=request, obj=link, area=context["contact"].area,
               detail={"portal": "symptom check submitted"})  # fmt: skip
        return redirect("portal:contact-symptoms-advice" if has_symptoms else "portal:home")
    return render(request, "portal/contact/symptom_check.html", {"form": form, **context})


@person_page
def symptoms_advice(request: HttpRequest, link: PortalLink) -> HttpResponse:
    if not link.contact_id:
        return not_working(request)
    return render(request, "portal/contact/symptoms_advice.html", contact_context(link))
