"""The case's journey: one question per page, answers kept in the session, saved together at the end.

Saving calls the same actions as the tracer's forms (cases.investigation, contacts.services.name_contact,
places.services.record_visit, cases.needs.record_support_needs), so the case timeline shows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from localtrace.cases.investigation import ONSET_BEFORE_SPECIMEN_DAYS, InvestigationError
from localtrace.cases.models import Case
from localtrace.config import policy
from localtrace.core.phones import dialled
from localtrace.portal.answers import submit_case_answers
from localtrace.portal.forms import (
    CONTACT_KINDS,
    NEEDS,
    PLACE_KINDS,
    CloseContactForm,
    OnsetForm,
    PersonForm,
    PlaceForm,
    SupportForm,
    SymptomsForm,
)
from localtrace.portal.models import PortalLink
from localtrace.portal.views.base import ANSWERS_KEY, keep_for, kept_for, not_working, person_page

# Some of the sent answers could not be recorded as given: the confirmation says a tracer will check them.
TO_CHECK_KEY = "portal_answers_to_check"
# The most people (or places) one list takes online. The answers wait in the session until they are sent
# together: without a cap, a script could grow the session and send one huge submission. More than this is
# a matter for a call with the local team, not a web form.
MOST_ENTRIES_PER_LIST = 50
STEPS = ("symptoms", "onset", "household", "contacts", "places", "support", "check")


def _answers(request: HttpRequest, link: PortalLink) -> dict[str, Any]:
    answers = request.session.get(ANSWERS_KEY)
    if not isinstance(answers, dict) or answers.get("link") != link.pk:
        answers = {"link": link.pk, "household": [], "contacts": [], "places": []}
    return answers


def _save(request: HttpRequest, answers: dict[str, Any]) -> None:
    request.session[ANSWERS_KEY] = answers
    request.session.modified = True


def _anchor(case: Case, answers: dict[str, Any]) -> dt.date:
    if answers.get("symptomatic") == "yes" and answers.get("onset"):
        return dt.date.fromisoformat(answers["onset"])
    return case.specimen_date


def _windows(case: Case, answers: dict[str, Any]) -> dict[str, Any]:
    anchor = _anchor(case, answers)
    return {
        "infectious": policy.infectious_period(anchor),
        "backward": policy.backward_window(anchor),
        "isolation_ends_on": policy.case_isolation_ends_on(anchor),
        "today": timezone.localdate(),
    }


def case_page(view: Any) -> Any:
    """A page of the case journey: the link must be for a case, not yet used to send answers, and the case open.

    Once the answers are sent, or the local team has closed the case, the questions are not asked again:
    answers typed after that would be saved nowhere, and a closed case's record is the team's. The start
    page says why. A tracer's own record of the symptoms stands: the journey shows it rather than asking.
    """

    def wrapped(request: HttpRequest, link: PortalLink, *args: Any, **kwargs: Any) -> HttpResponse:
        if not link.case_id:
            return not_working(request)
        case = link.case
        finished = link.submitted_at is not None or not case.is_open  # type: ignore[union-attr]
        if finished and view.__name__ != "done":
            return redirect("portal:home")
        answers = _answers(request, link)
        if case.symptomatic is not None:  # type: ignore[union-attr]
            answers["symptomatic"], answers["recorded"] = ("yes" if case.symptomatic else "no"), True  # type: ignore[union-attr]
            if case.onset_date:  # type: ignore[union-attr]
                answers["onset"] = case.onset_date.isoformat()  # type: ignore[union-attr]
        return view(request, link, case, answers, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return person_page(wrapped)


def _page(request: HttpRequest, template: str, back: str, **context: Any) -> HttpResponse:
    return render(request, f"portal/case/{template}.html", {"back": back, **context})


@case_page
def symptoms(request: HttpRequest, link: PortalLink, case: Case, answers: dict[str, Any]) -> HttpResponse:
    if answers.get("recorded"):
        return redirect("portal:case-household")
    form = SymptomsForm(
        request.POST if request.method == "POST" else None, initial={"symptomatic": answers.get("symptomatic")}
    )
    if request.method == "POST" and form.is_valid():
        answers["symptomatic"] = form.cleaned_data["symptomatic"]
        if answers["symptomatic"] == "no":
            answers.pop("onset", None)
        _save(request, answers)
        return redirect("portal:case-onset" if answers["symptomatic"] == "yes" else "portal:case-household")
    return _page(request, "question", "portal:home", form=form, title=_("Your symptoms"))


@case_page
def onset(request: HttpRequest, link: PortalLink, case: Case, answers: dict[str, Any]) -> HttpResponse:
    if answers.get("recorded"):
        return redirect("portal:case-household")
    if answers.get("symptomatic") != "yes":
        return redirect("portal:case-symptoms")
    initial = {"onset_date": dt.date.fromisoformat(answers["onset"]) if answers.get("onset") else None}
    form = OnsetForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["onset_date"]
        earliest = case.specimen_date - dt.timedelta(days=ONSET_BEFORE_SPECIMEN_DAYS)
        if day < earliest:
            form.add_error(
                "onset_date",
                _("Symptoms that started more than %(days)s days before your test are unlikely to be this illness. "
                  "Check the date.") % {"days": ONSET_BEFORE_SPECIMEN_DAYS},
            )  # fmt: skip
        else:
            answers["onset"] = day.isoformat()
            _save(request, answers)
            return redirect("portal:case-household")
    return _page(request, "question", "portal:case-symptoms", form=form, title=_("When your symptoms started"))


def _list_page(
    request: HttpRequest, answers: dict[str, Any], *, key: str, form: Any, build: Any, next_url: str, back: str,
    template: str, too_many: str, case: Case, **context: Any,
) -> HttpResponse:  # fmt: skip
    """A "who or where, add another" page: the form adds one; Continue with it empty moves on.

    A list holds at most MOST_ENTRIES_PER_LIST entries; `too_many` says so, with %(most)s for the number, and
    gives the team's number when the case's area has one.
    """
    if request.method == "POST":
        remove = request.POST.get("remove", "")
        if remove.isdigit() and int(remove) < len(answers[key]):
            answers[key].pop(int(remove))
            _save(request, answers)
            return redirect(request.path)
        if form.is_valid():
            if not form.is_blank():
                if len(answers[key]) >= MOST_ENTRIES_PER_LIST:
                    call = _team_number(case)
                    form.add_error(None, (too_many % {"most": MOST_ENTRIES_PER_LIST}) + (f" {call}" if call else ""))
                    return _page(request, template, back, form=form, entries=answers[key], **context)
                answers[key].append(build(form.cleaned_data))
                _save(request, answers)
                return redirect(request.path if "add_another" in request.POST else next_url)
            if "add_another" not in request.POST:
                return redirect(next_url)
    return _page(request, template, back, form=form, entries=answers[key], **context)


def _team_number(case: Case) -> str:
    """ "Their number is 0306 999 0101.", or "" when the area has given none."""
    number = dialled(case.area.public_phone)
    return _("Their number is %(phone)s.") % {"phone": number} if number else ""


@case_page
def household(request: HttpRequest, link: PortalLink, case: Case, answers: dict[str, Any]) -> HttpResponse:
    form = PersonForm(request.POST if request.method == "POST" else None)
    back = (
        "portal:home"
        if answers.get("recorded")
        else ("portal:case-onset" if answers.get("symptomatic") == "yes" else "portal:case-symptoms")
    )

    def build(data: dict[str, Any]) -> dict[str, Any]:
        return {"given_name": data["given_name"].strip(), "family_name": data["family_name"].strip(),
                "phone": data["phone"].strip()}  # fmt: skip

    return _list_page(
        request, answers, key="household", form=form, build=build, next_url="portal:case-contacts", back=back,
        template="household", case=case,
        too_many=_("You can add up to %(most)s people you live with. If you live with more, call your local test "
                   "and trace team."),
    )  # fmt: skip


def _contacts_window(windows: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """The days someone can have last been close to them and still be named (`name_contact` refuses the others):
    in the infectious period, not after today, and recent enough that the person's own isolation is not over."""
    infectious, today = windows["infectious"], windows["today"]
    first = infectious.first
    while first < today and policy.contact_isolation_ends_on(first) < today:
        first += dt.timedelta(days=1)
    return first, min(infectious.last, today)


@case_page
def contacts(request: HttpRequest, link: PortalLink, case: Case, answers: dict[str, Any]) -> HttpResponse:
    windows = _windows(case, answers)
    first, last = _contacts_window(windows)
    form = CloseContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and not form.is_blank():
        last_met = form.cleaned_data["last_met"]
        if not first <= last_met <= last:
            form.add_error(
                "last_met",
                _("Only tell us about people you were close to between %(first)s and %(last)s.")
                % {"first": _words(first), "last": _words(last)},
            )

    def build(data: dict[str, Any]) -> dict[str, Any]:
        return {"given_name": data["given_name"].strip(), "family_name": data["family_name"].strip(),
                "phone": data["phone"].strip(), "kind": data["kind"], "last_met": data["last_met"].isoformat()}  # fmt: skip

    return _list_page(
        request, answers, key="contacts", form=form, build=build, next_url="portal:case-places",
        back="portal:case-household", template="contacts", case=case, kinds=dict(CONTACT_KINDS), contacts_from=first,
        contacts_until=last, **windows,
        too_many=_("You can add up to %(most)s people you were close to. If there were more, call your local test "
                   "and trace team."),
    )  # fmt: skip


@case_page
def places(request: HttpRequest, link: PortalLink, case: Case, answers: dict[str, Any]) -> HttpResponse:
    windows = _windows(case, answers)
    form = PlaceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and not form.is_blank():
        day = form.cleaned_data["visited_on"]
        if day not in windows["backward"] and day not in windows["infectious"]:
            form.add_error(
                "visited_on",
                _("Tell us about places you went between %(first)s and %(last)s.")
                % {"first": _words(windows["backward"].first), "last": _words(min(windows["infectious"].last, windows["today"]))},
            )  # fmt: skip

    def build(data: dict[str, Any]) -> dict[str, Any]:
        return {"name": " ".join(data["name"].split()), "kind": data["kind"], "visited_on": data["visited_on"].isoformat(),
                "postcode": data["postcode"].strip()}  # fmt: skip

    return _list_page(
        request, answers, key="places", form=form, build=build, next_url="portal:case-support",
        back="portal:case-contacts", template="places", case=case, kinds=PLACE_KINDS, **windows,
        too_many=_("You can add up to %(most)s places. If you went to more, call your local test and trace team."),
    )  # fmt: skip


@case_page
def support(request: HttpRequest, link: PortalLink, case: Case, answers: dict[str, Any]) -> HttpResponse:
    form = SupportForm(request.POST if request.method == "POST" else None, initial=answers.get("support") or {})
    if request.method == "POST" and form.is_valid():
        answers["support"] = {
            "needs": form.cleaned_data["needs"],
            "urgent": form.cleaned_data["urgent"] or "no",
            "consent": form.cleaned_data["consent"],
        }
        _save(request, answers)
        return redirect("portal:case-check")
    return _page(request, "question", "portal:case-places", form=form, title=_("Help while you isolate"))


def _words(day: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "l j F")


@case_page
def check(request: HttpRequest, link: PortalLink, case: Case, answers: dict[str, Any]) -> HttpResponse:
    if "symptomatic" not in answers or "support" not in answers:
        return redirect("portal:case-symptoms")
    if answers["symptomatic"] == "yes" and not answers.get("onset") and not answers.get("recorded"):
        # Changed to "yes" from here, then back here (the browser's Back button) before saying when they started.
        return redirect("portal:case-onset")
    error = ""
    if request.method == "POST":
        try:
            submitted = submit_case_answers(link, case, answers, request=request)
        except InvestigationError as problem:
            error = str(problem)
        else:
            keep_for(request, TO_CHECK_KEY, link, bool(submitted.not_recorded))
            return redirect("portal:case-done")
    return _page(
        request, "check", "portal:case-support", answers=answers, error=error, kinds=dict(CONTACT_KINDS),
        place_kinds=PLACE_KINDS, needs=[NEEDS[n] for n in answers["support"]["needs"]],
        onset=dt.date.fromisoformat(answers["onset"]) if answers.get("onset") else None,
        contacts=[{**c, "last_met": dt.date.fromisoformat(c["last_met"])} for c in answers["contacts"]],
        places=[{**p, "visited_on": dt.date.fromisoformat(p["visited_on"])} for p in answers["places"]],
    )  # fmt: skip


@case_page
def done(request: HttpRequest, link: PortalLink, case: Case, answers: dict[str, Any]) -> HttpResponse:
    if link.submitted_at is None:
        return redirect("portal:case-check")
    request.session.pop(ANSWERS_KEY, None)
    return render(
        request, "portal/case/done.html",
        {"isolation_ends_on": policy.case_isolation_ends_on(case.anchor_date), "person": link.person,
         "to_check": kept_for(request, TO_CHECK_KEY, link)},
    )  # fmt: skip
