"""A contact: isolation advice, attempts, and the household handled together."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404, scoped
from localtrace.accounts.models import User
from localtrace.audit.services import Action, record
from localtrace.cases import investigation, ladder
from localtrace.cases.forms import AttemptForm
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case
from localtrace.cases.services import BECAME_CASE
from localtrace.cases.views.case import transfer_form, visit_sheet_page
from localtrace.contacts.forms import SymptomCheckForm
from localtrace.contacts.models import Contact
from localtrace.contacts.services import (
    case_they_became,
    household_member_now,
    household_of,
    record_symptom_report,
    tell_to_isolate,
)
from localtrace.core.addresses import address
from localtrace.core.forms import blank_form_html
from localtrace.people.details_views import change_details_page
from localtrace.support.services import section_for as support_section_for


def _contact(request: HttpRequest, pk: int) -> Contact:
    return get_or_404(
        request.user, "contact.view", Contact.objects.select_related("person", "area", "case", "claimed_by"), pk=pk
    )


def _visible_household(request: HttpRequest, contact: Contact) -> list[Contact]:
    """The contact's household as far as the user may see it, in one query however large it is."""
    return household_of(contact, within=scoped(request.user, "contact.view", Contact.objects.all()))


def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact_page(request, pk)


def _contact_page(
    request: HttpRequest, pk: int, attempt_form: AttemptForm | None = None, *, whole_household: bool = False
) -> HttpResponse:
    """The contact's page; with an attempt form that was refused, that form as sent with its errors (the page's
    error summary and title read `form`), so the tracer corrects it rather than types it all again."""
    # The page shows the case's reference only, and the holder's name only: neither row is read.
    contact = get_or_404(
        request.user,
        "contact.view",
        Contact.objects.select_related("person", "area").annotate(claimed_by_name=F("claimed_by__full_name")),
        pk=pk,
    )
    case = Case(pk=contact.case_id)
    record(Action.VIEW, request=request, obj=contact, area=contact.area)
    household = _visible_household(request, contact)
    events = list(contact.events.annotate(actor_name=F("actor__full_name")))
    # The case they became, as their timeline says (cases.services.close_contact_now_a_case): named, not read.
    became = next(
        (Case(pk=e.detail["case"]) for e in reversed(events) if e.kind == BECAME_CASE and e.detail.get("case")), None
    )
    # Which of the two cases the user may open, in one query.
    shown = Case.objects.filter(pk__in=[c.pk for c in (case, became) if c is not None])
    may_open = set(scoped(request.user, "case.view", shown).values_list("pk", flat=True))
    return render(
        request,
        "contacts/contact_detail.html",
        {
            "contact": contact,
            "household": household,
            "attempts": contact.attempts.all(),  # who made them is shown on the case page only
            "support_requests": support_section_for(contact),
            "events": events,
            "attempt_form": blank_form_html(AttemptForm) if attempt_form is None else attempt_form,
            "form": attempt_form,
            "whole_household": whole_household,
            "step": ladder.DESCRIPTIONS[ladder.step(contact.ladder_step).kind],
            "case_reference": case.reference,
            "case_in_scope": case.pk in may_open,
            "became_case": became,
            "became_case_in_scope": became is not None and became.pk in may_open,
            "is_mine": contact.is_held and contact.claimed_by_id == request.user.pk,
            "doorstep": ladder.step(contact.ladder_step).kind == ladder.DOORSTEP and contact.reached_at is None,
            "now": timezone.now(),
        },
    )


def details(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    return change_details_page(request, contact, back_url=address("contacts:contact-detail", contact.pk))


@require_POST
def attempt(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = AttemptForm(request.POST)
    whole_household = request.POST.get("whole_household") == "yes"
    if not form.is_valid():
        return _contact_page(request, contact.pk, form, whole_household=whole_household)
    targets: list[Contact] = [contact]
    held: list[tuple[Contact, str]] = []
    try:
        # One household's attempts together: a refusal part way through leaves none of them recorded.
        with transaction.atomic():
            if whole_household:
                targets, held = _household_to_record(request, contact)
            for target in targets:
                investigation.record_attempt(
                    target, channel=form.cleaned_data["channel"], outcome=form.cleaned_data["outcome"],
                    note_text=form.cleaned_data["note"], request=request,
                )  # fmt: skip
    except InvestigationError as error:
        # Refused (and rolled back): shown on the form as sent, on the answer at fault where there is one.
        form.add_error(getattr(error, "field", None), str(error))
        return _contact_page(request, contact.pk, form, whole_household=whole_household)
    said = f"Attempt recorded for {len(targets)} {'person' if len(targets) == 1 else 'people'}."
    if held:
        said += _left_to_holders(held, done="recorded")
    messages.success(request, said)
    return redirect("contacts:contact-detail", contact.pk)


def _household_to_record(request: HttpRequest, contact: Contact) -> tuple[list[Contact], list[tuple[Contact, str]]]:
    """The household members an attempt for everyone applies to, the contact on the page first; and those left to
    another tracer who holds them now (they may be on the phone to that person), each with the holder's name."""
    targets: list[Contact] = [contact]
    held: list[tuple[Contact, int]] = []
    for member in _visible_household(request, contact):
        if member.pk == contact.pk:
            continue
        current, holder = household_member_now(member, request.user)
        if current is None:
            continue
        if holder is not None:
            held.append((member, holder))
            continue
        targets.append(member)
    names = dict(User.objects.filter(pk__in=[h for _, h in held]).values_list("pk", "full_name"))
    return targets, [(member, names.get(holder) or "another tracer") for member, holder in held]


def _left_to_holders(held: list[tuple[Contact, str]], *, done: str) -> str:
    """What the message says of household members left to whoever holds them."""
    left = "; ".join(f"{m.person.full_name} ({m.reference}), held by {holder}" for m, holder in held)
    them = "it" if len(held) == 1 else "them"
    return f" Not {done}, because someone else is working on {them}: {left}. Leave {them} to them."


@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    """They have been told to isolate and given advice: for them, or for everyone in the household."""
    contact = _contact(request, pk)
    household = _visible_household(request, contact) if request.POST.get("whole_household") == "yes" else None
    try:
        told = tell_to_isolate(contact, household=household, request=request)
    except InvestigationError as error:
        messages.error(request, f"{error}.")
        return redirect("contacts:contact-detail", contact.pk)
    done = len(told.completed)
    said = f"{done} {'contact' if done == 1 else 'contacts'} told to isolate and completed."
    if told.held_by_others:
        # Left to whoever holds them: they may be on the phone to that person now.
        said += _left_to_holders(told.held_by_others, done="completed")
    messages.success(request, said)
    return redirect("contacts:queue")


def symptom_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's daily symptom check, given on a call (the contact's own check online is in the portal)."""
    contact = _contact(request, pk)
    back = address("contacts:contact-detail", contact.pk)
    ends = contact.isolation_ends_on
    if timezone.localdate() > ends:
        messages.error(request, "Their isolation has ended: there is no symptom check to record.")
        return redirect(back)
    became = case_they_became(contact)
    if became is not None:
        # Telling them to get a test and isolate to the contact's last day would contradict the case's advice.
        messages.error(
            request,
            f"They tested positive: now case {became.reference}. The case's isolation dates and advice apply, so "
            "there is no symptom check to record as a contact.",
        )
        return redirect(back)
    if request.method != "POST":
        record(Action.VIEW, request=request, obj=contact, area=contact.area, detail={"page": "symptom check"})
    form = SymptomCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        has_symptoms = form.cleaned_data["symptoms"] == "yes"
        try:
            record_symptom_report(contact, has_symptoms=has_symptoms, request=request, online=False)
        except InvestigationError as error:
            messages.error(request, f"{error}.")
            return redirect(back)
        if has_symptoms:
            messages.success(
                request,
                f"Symptoms recorded. Tell them to get a test, and to keep isolating until the end of {ends:%A} "
                f"{ends.day} {ends:%B}.",
            )
        else:
            messages.success(request, "No symptoms recorded for today.")
        return redirect(back)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Daily symptom check",
            "caption": f"{contact.reference} · {contact.person.full_name}",
            "introduction": f"Ask them today. They isolate until the end of {ends:%A} {ends.day} {ends:%B}.",
            "back_url": back,
            "back_text": f"Back to {contact.reference}",
            "button": "Save the check",
        },
    )


def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the contact to the area where they live, as a case is handed over (`investigation.transfer`)."""
    contact = _contact(request, pk)
    form = transfer_form(request, contact)
    if form is None:
        return redirect("contacts:queue")
    # The page shows who they are: a read of their record, as the case's own pages are.
    record(Action.VIEW, request=request, obj=contact, area=contact.area, detail={"page": "transfer"})
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Transfer to another area",
            "caption": f"{contact.reference} · {contact.person.full_name}",
            "back_url": address("contacts:contact-detail", contact.pk),
            "back_text": f"Back to {contact.reference}",
            "button": "Transfer",
        },
    )


def visit_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable sheet for the ladder's doorstep visit, as cases have."""
    contact = get_or_404(request.user, "contact.view", Contact.objects.select_related("person", "area"), pk=pk)
    return visit_sheet_page(request, contact, isolation_ends_on=contact.isolation_ends_on)
