"""The support officer's queue and a support request: contact details and needs, never clinical details."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import acting_user, get_or_404, may, require_capability, scoped
from localtrace.audit.services import Action, record
from localtrace.cases.forms import SupportNeedsForm
from localtrace.cases.models import SUPPORT_NEEDS
from localtrace.contacts.models import Contact
from localtrace.core.forms import shown_as_now
from localtrace.support import services
from localtrace.support.forms import OutcomeForm, ReferralForm, SupportAttemptForm
from localtrace.support.models import OPEN_REQUEST_STATUSES, Organisation, PaymentClaim, SupportRequest
from localtrace.support.views.figures import led_areas

SHOW = {
    "open": "Open",
    "urgent": "Urgent",
    "overdue": "Overdue",
    "not_contacted": "Not yet contacted",
    "mine": "Yours",
    "no_consent": "Not to be shared",
    "closed": "Closed",
}


def _filtered(items: QuerySet[SupportRequest], shown: str, user: Any, now: dt.datetime) -> QuerySet[SupportRequest]:
    open_items = items.filter(status__in=OPEN_REQUEST_STATUSES)
    return {
        "open": open_items,
        "urgent": open_items.filter(urgent=True),
        "overdue": open_items.filter(first_contact_at__isnull=True, due_at__lt=now),
        "not_contacted": open_items.filter(first_contact_at__isnull=True),
        "mine": open_items.filter(claimed_by=user, claimed_at__gte=now - services.claim_lapses_after()),
        "no_consent": open_items.filter(consent=False),
        "closed": items.exclude(status__in=OPEN_REQUEST_STATUSES),
    }[shown]


def _counts(items: QuerySet[SupportRequest], now: dt.datetime) -> dict[str, Any]:
    open_q = Q(status__in=OPEN_REQUEST_STATUSES)
    counts = items.aggregate(
        open=Count("pk", filter=open_q),
        urgent=Count("pk", filter=open_q & Q(urgent=True)),
        overdue=Count("pk", filter=open_q & Q(first_contact_at__isnull=True, due_at__lt=now)),
        closed=Count("pk", filter=~open_q),
    )
    by_need = dict(items.filter(open_q).values_list("need").annotate(n=Count("pk")).values_list("need", "n"))
    counts["by_need"] = [(key, label, by_need.get(key, 0)) for key, label in SUPPORT_NEEDS.items()]
    return counts


def _name_their_other_needs(rows: Any, items: QuerySet[SupportRequest]) -> None:
    """Each row says what else its person needs, so one call can cover every need (one query for the page)."""
    open_needs: dict[int, list[tuple[int, str]]] = {}
    theirs = items.filter(person_id__in={r.person_id for r in rows}, status__in=OPEN_REQUEST_STATUSES)
    for pk, person_id, need in theirs.order_by("pk").values_list("pk", "person_id", "need"):
        open_needs.setdefault(person_id, []).append((pk, SUPPORT_NEEDS.get(need, need)))
    for row in rows:
        row.other_needs = [label for pk, label in open_needs.get(row.person_id, []) if pk != row.pk]


def queue(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "support.queue")
    user = acting_user(request)
    now = timezone.now()
    items = scoped(user, "support.view", SupportRequest.objects.all())
    shown = request.GET.get("show", "open")
    shown = shown if shown in SHOW else "open"
    need = request.GET.get("need", "")
    need = need if need in SUPPORT_NEEDS else ""
    listed = _filtered(items, shown, user, now)
    if need:
        listed = listed.filter(need=need)
    ordered = services.queue_order(listed) if shown != "closed" else listed.order_by("-closed_at", "-pk")
    page = Paginator(ordered.select_related("person", "area", "claimed_by"), 50).get_page(request.GET.get("page"))
    _name_their_other_needs(page, items)
    return render(
        request,
        "support/queue.html",
        {
            "page": page,
            "counts": _counts(items, now),
            "shown": shown,
            "need": need,
            "need_label": SUPPORT_NEEDS.get(need, ""),
            "filters": SHOW,
            "mine": services.current_claim(items, user, now),
            "now": now,
            "may_see_figures": bool(led_areas(user)),
        },
    )


@require_POST
def get_next(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "support.queue")
    user = acting_user(request)
    item = services.claim_next(scoped(user, "support.view", SupportRequest.objects.all()), user, request=request)
    if item is None:
        messages.info(request, "There are no open support requests waiting right now.")
        return redirect("support:queue")
    return redirect("support:request-detail", item.pk)


def _support_request(request: HttpRequest, pk: int) -> SupportRequest:
    return get_or_404(
        request.user,
        "support.view",
        SupportRequest.objects.select_related("person", "area", "case", "contact", "claimed_by", "requested_by"),
        pk=pk,
    )


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _support_request(request, pk))


def _detail_page(
    request: HttpRequest, support_request: SupportRequest, attempt_form: SupportAttemptForm | None = None
) -> HttpResponse:
    """The request's page; with the contact form and its errors when what was sent could not be recorded."""
    record(Action.VIEW, request=request, obj=support_request, area=support_request.area)
    item = support_request.item
    period = services.isolation_period(item)  # type: ignore[arg-type]
    others = scoped(
        request.user, "support.view", SupportRequest.objects.filter(person_id=support_request.person_id)
    ).exclude(pk=support_request.pk)
    claims = scoped(request.user, "claim.view", PaymentClaim.objects.filter(person_id=support_request.person_id))
    return render(
        request,
        "support/request_detail.html",
        {
            "sr": support_request,
            "person": support_request.person,
            "period": period,
            "others": others.order_by("-requested_at"),
            "attempts": support_request.attempts.select_related("made_by"),
            "referrals": support_request.referrals.select_related("organisation", "referred_by"),
            "claims": claims,
            "claim_this_period": (covering := services.claim_for_period(item, period)),  # type: ignore[arg-type]
            # Named only when the reader may open it (a claim on the person's record in another area is not).
            "claim_this_period_visible": covering is not None and may(request.user, "claim.view", covering),
            # A claim the form would refuse whatever the answers is not offered; the reason is given instead.
            "claim_refused": "" if covering else services.claim_refusal(item, for_area=support_request.area),  # type: ignore[arg-type]
            "attempt_form": attempt_form or SupportAttemptForm(),
            "form": attempt_form,  # the error summary's, and the title's "Error:"
            "is_mine": support_request.is_held and support_request.claimed_by_id == request.user.pk,
            "officers": services.officers_for(support_request.area_id)
            if support_request.is_open and may(request.user, "support.assign", support_request)
            else [],
            "now": timezone.now(),
        },
    )


@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = get_or_404(request.user, "support.assign", SupportRequest.objects.select_related("area"), pk=pk)
    officer = next(
        (o for o in services.officers_for(support_request.area_id) if str(o.pk) == request.POST.get("officer")), None
    )
    try:
        if officer is None:
            raise services.SupportError("Choose a support officer of this area.")
        services.assign(support_request, officer, by=acting_user(request), request=request)
    except services.SupportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{support_request.reference} assigned to {officer.full_name or officer.username}.")
    return redirect("support:request-detail", support_request.pk)


@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _support_request(request, pk)
    if not services.take(support_request, acting_user(request), request=request):
        messages.error(request, "Someone else is working on this request, or it is closed.")
    return redirect("support:request-detail", support_request.pk)


@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _support_request(request, pk)
    if not services.release(support_request, acting_user(request), request=request):
        messages.error(
            request,
            f"You were not working on {support_request.reference}, so there was nothing to put back: "
            "someone else may have it now.",
        )
        return redirect("support:request-detail", support_request.pk)
    messages.success(request, f"{support_request.reference} is back in the queue.")
    return redirect("support:queue")


@require_POST
def attempt(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _support_request(request, pk)
    form = SupportAttemptForm(request.POST)
    if not form.is_valid():
        # The page again with the error summary and each question marked, keeping what they typed.
        return _detail_page(request, support_request, attempt_form=form)
    try:
        services.record_attempt(
            support_request, channel=form.cleaned_data["channel"], outcome=form.cleaned_data["outcome"],
            note_text=form.cleaned_data["note"], request=request,
        )  # fmt: skip
    except services.SupportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Contact recorded.")
    return redirect("support:request-detail", support_request.pk)


def _page(request: HttpRequest, sr: SupportRequest, form: Any, title: str, **extra: Any) -> HttpResponse:
    return render(request, "support/request_form.html", {"sr": sr, "form": form, "title": title, **extra})


def _closed_already(request: HttpRequest, support_request: SupportRequest) -> HttpResponse | None:
    """A form for a request closed since its page was read (or a bookmark) is not offered: its page says why."""
    if request.method == "GET" and not support_request.is_open:
        messages.info(request, f"{support_request.reference} is closed, so it takes no referral and no outcome.")
        return redirect("support:request-detail", support_request.pk)
    return None


def refer(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _support_request(request, pk)
    if closed := _closed_already(request, support_request):
        return closed
    # Directories are small: which organisations offer this need is read in Python (no JSON lookups on SQLite).
    in_area = scoped(
        request.user, "organisation.view", Organisation.objects.filter(area_id=support_request.area_id, active=True)
    )
    organisations = Organisation.objects.filter(pk__in=[o.pk for o in in_area if support_request.need in o.services])
    form: ReferralForm | None = ReferralForm(request.POST or None, organisations=organisations)
    if not support_request.consent:
        form = None
    elif request.method == "POST" and form is not None and form.is_valid():
        try:
            services.refer(
                support_request, form.cleaned_data["organisation"], note_text=form.cleaned_data["note"], request=request
            )
        except services.SupportError as error:
            form.add_error("organisation", str(error))
        else:
            messages.success(request, f"Referred to {form.cleaned_data['organisation'].name}.")
            return redirect("support:request-detail", support_request.pk)
    return _page(
        request, support_request, form, "Refer to a local organisation", organisations=organisations,
        button="Record the referral",
    )  # fmt: skip


def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _support_request(request, pk)
    if closed := _closed_already(request, support_request):
        return closed
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_request(
                support_request, outcome=form.cleaned_data["outcome"], note_text=form.cleaned_data["note"],
                request=request,
            )  # fmt: skip
        except services.SupportError as error:
            form.add_error("outcome", str(error))
        else:
            messages.success(
                request, f"{support_request.reference} closed: {support_request.get_status_display().lower()}."
            )
            return redirect("support:queue")
    return _page(request, support_request, form, "Close the request", button="Close the request")


def contact_needs(request: HttpRequest, pk: int) -> HttpResponse:
    """The tracer asks a contact what they need to isolate: the same question, and action, as for a case."""
    contact = get_or_404(request.user, "contact.view", Contact.objects.select_related("person", "area"), pk=pk)
    form = SupportNeedsForm(request.POST or None, initial=SupportNeedsForm.as_now(contact))
    if request.method == "POST" and form.is_valid():
        try:
            services.record_needs(
                contact, form.cleaned_data["needs"], urgent=form.cleaned_data["urgent"] == "yes",
                consent=form.cleaned_data["consent"] == "yes", request=request, seen=form.cleaned_data["seen"],
            )  # fmt: skip
        except services.StaleNeeds as error:
            # The answers as they are now, with a fresh fingerprint to save against.
            form = shown_as_now(SupportNeedsForm(initial=SupportNeedsForm.as_now(contact)), str(error))
        else:
            messages.success(request, "Their answers are recorded; support officers see any needs in their queue.")
            return redirect("contacts:contact-detail", contact.pk)
    return render(request, "support/contact_needs.html", {"contact": contact, "form": form, "title": "Help to isolate"})
