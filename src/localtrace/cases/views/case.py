"""A case: the interview as a GOV.UK task list, attempts, contacts and the timeline."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404
from localtrace.audit.services import Action, record
from localtrace.cases import investigation, ladder
from localtrace.cases.forms import (
    AttemptForm,
    ContactForm,
    IdentityForm,
    OutcomeForm,
    SupportNeedsForm,
    SymptomsForm,
    TransferForm,
    VisitForm,
)
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import SUPPORT_NEEDS, Attempt, Case, Status
from localtrace.cases.needs import record_support_needs
from localtrace.cases.services import BECAME_CASE
from localtrace.config import policy
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.core.addresses import address
from localtrace.core.forms import blank_form_html, shown_as_now
from localtrace.people.details_views import change_details_page
from localtrace.places.services import (
    record_visit,
    search_settings,
    setting_search_attrs,
    settings_for_case,
    visit_days_hint,
)
from localtrace.support.services import StaleNeeds
from localtrace.support.services import section_for as support_section_for


def _case(request: HttpRequest, pk: int) -> Case:
    return get_or_404(
        request.user, "case.view", Case.objects.select_related("person", "area", "first_result", "claimed_by"), pk=pk
    )


def _dates(case: Case) -> dict[str, Any]:
    anchor = case.anchor_date
    return {
        "isolation_ends_on": policy.case_isolation_ends_on(anchor),
        "infectious": policy.infectious_period(anchor),
        "backward": policy.backward_window(anchor),
        "anchor_is_onset": bool(case.symptomatic and case.onset_date),
    }


_CONTACT_COLUMNS = ("id", "case", "person", "kind", "relationship", "last_exposure", "isolation_ends_on", "status")
_VISIT_COLUMNS = ("id", "case", "setting", "visited_on", "direction")


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The page needs one column each of the first result and of whoever holds the case, not their rows:
    # most of a page's time is compiling and reading the columns it selects.
    case = get_or_404(
        request.user,
        "case.view",
        Case.objects.select_related("person", "area").annotate(
            test_type=F("first_result__test_type"), claimed_by_name=F("claimed_by__full_name")
        ),
        pk=pk,
    )
    record(Action.VIEW, request=request, obj=case, area=case.area)
    # Only the columns the page prints: compiling and reading unused ones was a large share of its time.
    contacts = list(
        case.contacts.select_related("person")
        .only(*_CONTACT_COLUMNS, "person__given_name", "person__family_name", "person__erased_at")
        .order_by("kind", "pk")
    )
    household = [c for c in contacts if c.kind == Contact.Kind.HOUSEHOLD]
    visits = list(case.visits.select_related("setting").only(*_VISIT_COLUMNS, "setting__name", "setting__kind"))
    tasks = [
        ("Confirm identity", address("cases:identity", case.pk), case.identity_confirmed_at is not None),
        ("Symptoms and isolation dates", address("cases:symptoms", case.pk), case.symptomatic is not None),
        (f"Household members ({len(household)})", address("cases:contact-add", case.pk) + "?kind=household",
         bool(household) or case.household_asked_at is not None),
        (f"Other close contacts ({len(contacts) - len(household)})", address("cases:contact-add", case.pk) + "?kind=close",
         len(contacts) > len(household) or case.contacts_asked_at is not None),
        (f"Places they went ({len(visits)})", address("cases:visit-add", case.pk), bool(visits) or case.places_asked_at is not None),
        ("Help to isolate", address("cases:support-needs", case.pk), case.support_needs is not None),
        ("Outcome", address("cases:outcome", case.pk), not case.is_open),
    ]  # fmt: skip
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "tasks": tasks,
            "contacts": contacts,
            "visits": visits,
            "needs": [SUPPORT_NEEDS[n] for n in case.support_needs or []],
            "support_requests": support_section_for(case),
            "attempts": case.attempts.annotate(made_by_name=F("made_by__full_name")),
            "events": case.events.annotate(actor_name=F("actor__full_name")),
            "attempt_form": blank_form_html(AttemptForm),
            "step": ladder.DESCRIPTIONS[ladder.step(case.ladder_step).kind],
            "doorstep": ladder.step(case.ladder_step).kind == ladder.DOORSTEP and case.reached_at is None,
            "is_mine": case.is_held and case.claimed_by_id == request.user.pk,
            "now": timezone.now(),
            "source": case.source_contact.case if case.source_contact else None,
            **_dates(case),
        },
    )


# What the "nothing more" button on each add page asks and says (investigation.ASKED holds what it records).
_NOTHING_MORE = {
    "household": ("Do they live alone, or is everyone they live with added?", "No more household members"),
    "close": ("Is there no one else they were close to?", "No more close contacts"),
    "places": ("Are there no other places they went?", "No more places"),
}


def _nothing_more(part: str) -> dict[str, str]:
    question, button = _NOTHING_MORE[part]
    return {"part": part, "question": question, "button": button}


@require_POST
def nothing_more(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    try:
        investigation.nothing_more_to_add(case, request.POST.get("part", ""), request=request)
    except InvestigationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Recorded: {investigation.ASKED[request.POST['part']][1].lower()}.")
    return redirect("cases:case-detail", case.pk)


@require_POST
def attempt(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = AttemptForm(request.POST)
    if form.is_valid():
        try:
            investigation.record_attempt(
                case, channel=form.cleaned_data["channel"], outcome=form.cleaned_data["outcome"],
                note_text=form.cleaned_data["note"], request=request,
            )  # fmt: skip
        except InvestigationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Attempt recorded.")
        return redirect("cases:case-detail", case.pk)
    return _form_page(request, case, form, "Record an attempt to reach them", reverse("cases:attempt", args=[case.pk]))


def _audit_read(request: HttpRequest, case: Case) -> None:
    """A page of the case's that shows the person (a name at least) is a read of their record, as the case page is."""
    page = request.resolver_match.url_name if request.resolver_match else ""
    record(Action.VIEW, request=request, obj=case, area=case.area, detail={"page": page})


def _form_page(request: HttpRequest, case: Case, form: Any, title: str, action: str, **extra: Any) -> HttpResponse:
    _audit_read(request, case)
    return render(
        request,
        "cases/case_form.html",
        {"case": case, "form": form, "title": title, "action": action, **extra},
    )


def details(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return change_details_page(request, case, back_url=address("cases:case-detail", case.pk))


def identity(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        investigation.confirm_identity(request, case)
        return redirect("cases:case-detail", case.pk)
    return _form_page(
        request, case, form, f"Are you speaking to {case.person.full_name}?", request.path, button="Continue"
    )


def _symptoms_as_now(case: Case) -> dict[str, Any]:
    return {
        "symptomatic": {True: "yes", False: "no"}.get(case.symptomatic),  # type: ignore[arg-type]
        "onset_date": case.onset_date,
        "seen": investigation.symptoms_fingerprint(case),
    }


def symptoms(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = SymptomsForm(request.POST or None, initial=_symptoms_as_now(case))
    if request.method == "POST" and form.is_valid():
        try:
            investigation.record_symptoms(
                case,
                symptomatic=form.cleaned_data["symptomatic"] == "yes",
                onset_date=form.cleaned_data["onset_date"],
                request=request,
                seen=form.cleaned_data["seen"],
            )
        except investigation.StaleAnswers as error:
            # The answers as they are now (record_symptoms read them), with a fresh fingerprint to save against.
            form = shown_as_now(SymptomsForm(initial=_symptoms_as_now(case)), str(error))
        except InvestigationError as error:
            form.add_error("onset_date", str(error))
        else:
            ends = policy.case_isolation_ends_on(case.anchor_date)
            messages.success(request, f"They must isolate until the end of {ends:%A} {ends.day} {ends:%B}.")
            return redirect("cases:case-detail", case.pk)
    return _form_page(request, case, form, "Symptoms", request.path, button="Save and work out the dates")


def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    window = policy.infectious_period(case.anchor_date)
    # Someone who still lives with them was last exposed today, or on the last infectious day if that has passed.
    still_together = min(timezone.localdate(), window.last)
    kind = request.GET.get("kind", "close")
    form = ContactForm(
        request.POST or None,
        initial={"kind": kind if kind in Contact.Kind.values else "close"},
        window_hint=(
            f"They were infectious from {window.first:%A} {window.first.day} {window.first:%B} to "
            f"{window.last:%A} {window.last.day} {window.last:%B}. For someone they still live with, "
            f"{still_together:%A} {still_together.day} {still_together:%B}."
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = name_contact(
                case,
                NamedContact(
                    given_name=data["given_name"], family_name=data["family_name"], kind=data["kind"],
                    last_exposure=data["last_exposure"], relationship=data["relationship"],
                    date_of_birth=data["date_of_birth"], phone=data["phone"], email=data["email"], postcode=data["postcode"],
                ),
                request=request,
            )  # fmt: skip
        except InvestigationError as error:
            # On the answer at fault where there is one (the date, the phone number, the postcode).
            form.add_error(getattr(error, "field", None), str(error))
        else:
            messages.success(request, _added(contact, f"{data['given_name']} {data['family_name']}"))
            if "add_another" in request.POST:
                return redirect(reverse("cases:contact-add", args=[case.pk]) + f"?kind={data['kind']}")
            return redirect("cases:case-detail", case.pk)
    part = "household" if kind == Contact.Kind.HOUSEHOLD else "close"
    return _form_page(
        request, case, form, "Add a contact", request.path, add_another=True, nothing_more=_nothing_more(part)
    )


def _added(contact: Contact, name: str) -> str:
    """What the tracer is told of someone just named: their isolation, or the case they already are."""
    if contact.status == Status.BECAME_CASE:
        # Closed as they were named: a contact's isolation advice would contradict the case's.
        became = contact.events.filter(kind=BECAME_CASE).values_list("detail", flat=True).first() or {}
        reference = Case(pk=became["case"]).reference if became.get("case") else "a case"
        return (
            f"{name} added. They are already case {reference}: the case's isolation dates and advice apply, not a "
            "contact's, and this contact record is closed."
        )
    ends = contact.isolation_ends_on
    return f"{name} added. They must isolate until the end of {ends:%A} {ends.day} {ends:%B}."


def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["outcome"] == "completed":
                investigation.complete(case, request=request, summary="Interview completed and advice given")
            else:
                investigation.close_unreachable(case, form.cleaned_data["reason"], request=request)
        except InvestigationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Case {case.reference} closed.")
            return redirect("cases:queue")
    return _form_page(request, case, form, "Outcome", request.path)


def transfer_form(request: HttpRequest, item: Case | Contact) -> TransferForm | None:
    """The transfer form for a case or a contact, with its errors; None once it was transferred (and said so)."""
    form = TransferForm(request.POST or None)
    form.fields["to_area"].queryset = form.fields["to_area"].queryset.exclude(pk=item.area_id)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            investigation.transfer(item, form.cleaned_data["to_area"], form.cleaned_data["reason"], request=request)
        except InvestigationError as error:
            form.add_error("to_area", str(error))
        else:
            what = "Case" if isinstance(item, Case) else "Contact"
            messages.success(request, f"{what} {item.reference} transferred to {form.cleaned_data['to_area'].name}.")
            return None
    return form


def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = transfer_form(request, case)
    if form is None:
        return redirect("cases:queue")
    return _form_page(request, case, form, "Transfer to another area", request.path, button="Transfer")


def visit_sheet_page(request: HttpRequest, item: Case | Contact, *, isolation_ends_on: Any) -> HttpResponse:
    """The printable sheet for a doorstep visit to a case or a contact; printing it is an export of their details."""
    record(Action.EXPORT, request=request, obj=item, area=item.area, detail={"visit_sheet": True})
    # The boxes to tick are the outcomes a doorstep visit can be recorded with, in the words the form uses.
    outcomes = [Attempt.Outcome(o).label.lower() for o in Attempt.OUTCOMES[Attempt.Channel.DOORSTEP]]
    kind = "case" if isinstance(item, Case) else "contact"
    return render(
        request,
        "cases/visit_sheet.html",
        {
            "item": item, "kind": kind, "attempts": item.attempts.all(), "outcomes": outcomes,
            "isolation_ends_on": isolation_ends_on, "back_url": address(f"{kind}s:{kind}-detail", item.pk),
        },
    )  # fmt: skip


def visit_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return visit_sheet_page(request, case, isolation_ends_on=_dates(case)["isolation_ends_on"])


def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Places they went: in the backward window (where they may have caught it) and while infectious."""
    case = _case(request, pk)
    hint = visit_days_hint(case)  # the days that matter, none after today
    form = VisitForm(request.POST or None, window_hint=hint)
    # The register's matching settings are offered first (as they type, with htmx; after a submit, without).
    suggestions = search_settings(settings_for_case(case), request.POST.get("name", "")) if request.POST else []
    form.offer(suggestions)
    form.fields["name"].widget.attrs.update(setting_search_attrs(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next((s for s in suggestions if str(s.pk) == data.get("setting")), None)
        try:
            visit = record_visit(
                case, name=data["name"], kind=data["kind"], visited_on=data["visited_on"], postcode=data["postcode"],
                request=request, setting=chosen,
            )  # fmt: skip
        except InvestigationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"{visit.setting.name} added ({visit.get_direction_display().split(' (')[0].lower()})."
            )
            if "add_another" in request.POST:
                return redirect("cases:visit-add", case.pk)
            return redirect("cases:case-detail", case.pk)
    _audit_read(request, case)
    return render(
        request,
        "places/visit_form.html",
        {
            "case": case,
            "form": form,
            "title": "Add a place they went",
            "action": request.path,
            "add_another": True,
            "nothing_more": _nothing_more("places"),
        },
    )


def support_needs(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = SupportNeedsForm(request.POST or None, initial=SupportNeedsForm.as_now(case))
    if request.method == "POST" and form.is_valid():
        try:
            record_support_needs(
                case, form.cleaned_data["needs"], urgent=form.cleaned_data["urgent"] == "yes",
                consent=form.cleaned_data["consent"] == "yes", request=request, seen=form.cleaned_data["seen"],
            )  # fmt: skip
        except StaleNeeds as error:
            form = shown_as_now(SupportNeedsForm(initial=SupportNeedsForm.as_now(case)), str(error))
        else:
            return redirect("cases:case-detail", case.pk)
    return _form_page(request, case, form, "Help to isolate", request.path)
