"""Help to isolate, online: support needs and the support payment claim, through the support app's own actions.

Cases are asked about help inside their journey; these pages let a contact ask, and anyone with a link
ask again later or claim the support payment. The support officers' queue sees exactly what a tracer's call
would have recorded, marked as asked online.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from localtrace.audit.services import Action, record
from localtrace.portal.forms import NEEDS, YES_NO, PaymentClaimForm, SupportForm
from localtrace.portal.models import PortalLink
from localtrace.portal.views.base import keep_for, kept_for, person_page
from localtrace.support.services import SupportError, check_claimable, make_claim, record_needs

# Kept per link (base.keep_for): one browser may hold several household members' links in turn.
CLAIM_KEY = "portal_claim"
CLAIM_REFERENCE_KEY = "portal_claim_reference"
HELP_SENT_KEY = "portal_help_sent"


@person_page
def help_page(request: HttpRequest, link: PortalLink) -> HttpResponse:
    item = link.item
    form = SupportForm(request.POST if request.method == "POST" else None)
    # Asking for help with nothing ticked is not a request: say so rather than confirm help nobody asked for.
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["needs"]:
        form.add_error("needs", _("Select the help you need"))
    if request.method == "POST" and form.is_valid():
        needs = form.cleaned_data["needs"]
        # Their own answer, whatever it is: help does not depend on agreeing to share, and an unticked box is a
        # "no" that record_needs keeps (never a default "yes" over an earlier "do not share").
        answers = {"urgent": form.cleaned_data["urgent"] == "yes", "consent": bool(form.cleaned_data["consent"])}
        try:
            record_needs(item, needs, **answers, online=True)  # type: ignore[arg-type]
        except IntegrityError:
            # The same form sent twice at once, where the database could not make the second wait: the first's
            # request now exists, so sending again updates it instead of failing.
            record_needs(item, needs, **answers, online=True)  # type: ignore[arg-type]
        record(Action.CHANGE, request=request, obj=link, area=item.area, detail={"portal": "support needs sent"})  # type: ignore[attr-defined]
        keep_for(request, HELP_SENT_KEY, link, list(needs))
        return redirect("portal:help-sent")
    return render(request, "portal/support/help.html", {"form": form})


@person_page
def help_sent(request: HttpRequest, link: PortalLink) -> HttpResponse:
    needs = [NEEDS[n] for n in kept_for(request, HELP_SENT_KEY, link) or [] if n in NEEDS]
    return render(request, "portal/support/help_sent.html", {"needs": needs})


@person_page
def claim(request: HttpRequest, link: PortalLink) -> HttpResponse:
    try:
        # Said on the first page, not after every question: a claim this record cannot have (too late, not yet).
        check_claimable(link.item)  # type: ignore[arg-type]
    except SupportError as refused:
        return render(request, "portal/support/claim.html", {"refused": _in_their_words(refused)})
    form = PaymentClaimForm(
        request.POST if request.method == "POST" else None, initial=kept_for(request, CLAIM_KEY, link)
    )
    if request.method == "POST" and form.is_valid():
        keep_for(request, CLAIM_KEY, link, form.cleaned_data)
        return redirect("portal:claim-check")
    return render(request, "portal/support/claim.html", {"form": form})


@person_page
def claim_check(request: HttpRequest, link: PortalLink) -> HttpResponse:
    answers: dict[str, Any] | None = kept_for(request, CLAIM_KEY, link)
    if not answers:
        return redirect("portal:claim")
    item = link.item
    error, final = "", False
    try:
        # Before they press "Send": a claim this record cannot have is refused whatever the answers say.
        check_claimable(item)  # type: ignore[arg-type]
    except SupportError as refused:
        error, final = _in_their_words(refused), True
    if request.method == "POST" and not final:
        try:
            claim = make_claim(
                item,  # type: ignore[arg-type]
                told_to_isolate=answers["told_to_isolate"] == "yes",
                low_income=answers["low_income"] == "yes",
                cannot_work_from_home=answers["cannot_work_from_home"] == "yes",
                evidence_notes=answers.get("evidence_notes", ""),
                online=True,
            )
        except SupportError as refused:
            error, final = _in_their_words(refused), refused.code in FINAL_REFUSALS
        else:
            record(Action.CHANGE, request=request, obj=link, area=item.area, detail={"portal": "payment claim sent"})  # type: ignore[attr-defined]
            del request.session[CLAIM_KEY]
            keep_for(request, CLAIM_REFERENCE_KEY, link, claim.reference)
            return redirect("portal:claim-sent")
    yes_no = dict(YES_NO)
    rows = [
        (PaymentClaimForm.base_fields[name].label, yes_no.get(answers[name], answers[name]))
        for name in ("told_to_isolate", "low_income", "cannot_work_from_home")
    ]
    # The payment is for people told to isolate, on a low income, who cannot work from home: say so before
    # they send a claim their own answers rule out (they may still send it, or change an answer).
    unlikely = any(answers[name] != "yes" for name in ("told_to_isolate", "low_income", "cannot_work_from_home"))
    return render(
        request, "portal/support/claim_check.html",
        {"rows": rows, "answers": answers, "error": error, "final": final, "unlikely": unlikely},
    )  # fmt: skip


# Refusals that no change of answer can undo: the page offers no "Send your claim" after them.
FINAL_REFUSALS = {"transferred", "not_started", "too_late", "duplicate"}


def _in_their_words(refused: SupportError) -> str:
    """The refusal said to the person themselves, in their language: the action's message speaks to staff."""
    params = refused.params
    if refused.code == "not_started":
        return _("Your isolation has not started yet, so you cannot claim for it yet.")
    if refused.code == "too_late":
        return _("Your isolation ended on %(day)s, more than %(days)s days ago, so it is too late to claim.") % {
            "day": date_format(params["ended_on"], "j F Y"),
            "days": params["days"],
        }
    if refused.code == "duplicate":
        claim = params["claim"]
        return _(
            "You have already claimed for this isolation (claim %(reference)s, from %(first)s to %(last)s). "
            "You can claim once for each time you are told to isolate."
        ) % {
            "reference": claim.reference,
            "first": date_format(claim.isolation_starts_on, "j F"),
            "last": date_format(claim.isolation_ends_on, "j F Y"),
        }
    if refused.code == "notes_too_long":
        return _("Keep this to 2,000 characters")
    return _("Contact your council's support team, who can help you claim.")


@person_page
def claim_sent(request: HttpRequest, link: PortalLink) -> HttpResponse:
    return render(
        request, "portal/support/claim_sent.html", {"reference": kept_for(request, CLAIM_REFERENCE_KEY, link) or ""}
    )
