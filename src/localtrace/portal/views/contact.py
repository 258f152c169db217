"""The contact's pages: isolation dates and advice, and the daily symptom check until isolation ends."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from localtrace.audit.services import Action, record
from localtrace.cases.investigation import InvestigationError
from localtrace.contacts.models import Contact
from localtrace.contacts.services import case_they_became, record_symptom_report
from localtrace.portal import services
from localtrace.portal.forms import SymptomCheckForm
from localtrace.portal.models import PortalLink
from localtrace.portal.views.base import not_working, person_page


def contact_context(link: PortalLink) -> dict[str, Any]:
    """The contact's isolation and daily checks; for one who has tested positive since, the case's isolation dates,
    which replace theirs (`case_they_became`), and no daily check: they have had their test."""
    contact: Contact = link.contact  # type: ignore[assignment]
    today = timezone.localdate()
    became = case_they_became(contact)
    ends = services.isolation_ends_on(became) if became is not None else contact.isolation_ends_on
    return {
        "contact": contact,
        "became_case": became is not None,
        "isolation_ends_on": ends,
        "isolation_over": ends < today,
        "checks_open": became is None and today <= contact.isolation_ends_on,
        "today_report": contact.symptom_reports.filter(reported_on=today).first(),
    }


def shown_for(link: PortalLink) -> str:
    """What ties a form to the link it was shown for (an opaque value, not the link's id).

    A household sharing one phone may open one person's check in a tab, then another person's link in a second
    tab: the session then holds the second link, so an answer sent from the first tab must not become theirs.
    """
    return salted_hmac("localtrace.portal.symptom-check", str(link.pk)).hexdigest()[:24]


@person_page
def symptom_check(request: HttpRequest, link: PortalLink) -> HttpResponse:
    if not link.contact_id:
        return not_working(request)
    context = contact_context(link)
    if not context["checks_open"]:
        return redirect("portal:home")
    if request.method == "POST" and not constant_time_compare(request.POST.get("shown_for", ""), shown_for(link)):
        # Shown for someone else who used this phone since: nothing is recorded, and their page says whose it is.
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
    return render(request, "portal/contact/symptom_check.html", {"form": form, "shown_for": shown_for(link), **context})


@person_page
def symptoms_advice(request: HttpRequest, link: PortalLink) -> HttpResponse:
    if not link.contact_id:
        return not_working(request)
    context = contact_context(link)
    if context["became_case"]:
        return redirect("portal:home")  # "get a test" is no advice for someone who has had a positive one
    return render(request, "portal/contact/symptoms_advice.html", context)
