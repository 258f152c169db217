"""A contact: isolation advice, attempts, and the household handled together."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404, may, scoped
from localtrace.audit.services import Action, record
from localtrace.cases import investigation, ladder
from localtrace.cases.forms import AttemptForm
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.contacts.services import household_of
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
    # The page shows the case's reference only: its row and the holder's are not read.
    contact = get_or_404(request.user, "contact.view", Contact.objects.select_related("person", "area"), pk=pk)
    case = Case(pk=contact.case_id)
    record(Action.VIEW, request=request, obj=contact, area=contact.area)
    household = _visible_household(request, contact)
    return render(
        request,
        "contacts/contact_detail.html",
        {
            "contact": contact,
            "household": household,
            "attempts": contact.attempts.all(),  # who made them is shown on the case page only
            "support_requests": support_section_for(contact),
            "events": contact.events.annotate(actor_name=F("actor__full_name")),
            "attempt_form": blank_form_html(AttemptForm),
            "step": ladder.DESCRIPTIONS[ladder.step(contact.ladder_step).kind],
            "case_reference": case.reference,
            "case_in_scope": may(request.user, "case.view", case),
        },
    )


def details(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    return change_details_page(request, contact, back_url=address("contacts:contact-detail", contact.pk))


@require_POST
def attempt(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        messages.error(request, ". ".join(error for errors in form.errors.values() for error in errors) + ".")
        return redirect("contacts:contact-detail", contact.pk)
    targets = [contact]
    if request.POST.get("whole_household") == "yes":
        targets = [c for c in _visible_household(request, contact) if c.is_open]
    try:
        for target in targets:
            investigation.record_attempt(
                target, channel=form.cleaned_data["channel"], outcome=form.cleaned_data["outcome"],
                note_text=form.cleaned_data["note"], request=request,
            )  # fmt: skip
    except InvestigationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Attempt recorded for {len(targets)} {'person' if len(targets) == 1 else 'people'}.")
    return redirect("contacts:contact-detail", contact.pk)


@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    """They have been told to isolate and given advice: for them, or for everyone in the household."""
    contact = _contact(request, pk)
    targets = [contact]
    if request.POST.get("whole_household") == "yes":
        targets = [c for c in _visible_household(request, contact) if c.is_open]
    done = 0
    for target in targets:
        try:
            investigation.complete(
                target,
                request=request,
                summary=f"Told to isolate until the end of {target.isolation_ends_on:%A} {target.isolation_ends_on.day} {target.isolation_ends_on:%B}",
            )
            done += 1
        except InvestigationError:
            continue
    messages.success(request, f"{done} {'contact' if done == 1 else 'contacts'} told to isolate and completed.")
    return redirect("contacts:queue")
