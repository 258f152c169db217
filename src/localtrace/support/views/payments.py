"""Support payment claims: recorded, checked against the record, decided, and exported for finance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from localtrace.accounts.access import acting_user, get_or_404, may, require_capability, scoped
from localtrace.audit.services import Action, record
from localtrace.core.csvsafe import csv_lines
from localtrace.support import services
from localtrace.support.forms import ClaimForm, DecisionForm
from localtrace.support.models import PaymentClaim, SupportRequest
from localtrace.support.views.requests import _support_request

# As the request page says it: a claim in another area is not this officer's to read, only that it exists.
OTHER_AREAS_CLAIM = (
    "A claim made in another area covers this isolation: only one claim can be made for each period of isolation."
)
SHOW = {"submitted": "Waiting for a decision", "approved": "Approved", "declined": "Declined", "all": "All"}


def _claims(request: HttpRequest, shown: str):  # type: ignore[no-untyped-def]
    claims = scoped(request.user, "claim.view", PaymentClaim.objects.select_related("person", "area", "decided_by"))
    return claims if shown == "all" else claims.filter(status=shown)


def claim_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "support.payments")
    shown = request.GET.get("show", "submitted")
    shown = shown if shown in SHOW else "submitted"
    page = Paginator(_claims(request, shown), 50).get_page(request.GET.get("page"))
    counts = {key: _claims(request, key).count() for key in SHOW}
    return render(request, "support/claim_list.html", {"page": page, "shown": shown, "filters": SHOW, "counts": counts})


def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A support officer records a claim for the person behind a support request, against its record."""
    support_request = _support_request(request, pk)
    item = support_request.item
    # Said before the officer types anything, not after: the record must allow a claim, one per isolation.
    try:
        period = services.check_claimable(item, for_area=support_request.area)  # type: ignore[arg-type]
    except services.SupportError as refused:
        messages.error(request, str(refused))
        return redirect("support:request-detail", support_request.pk)
    existing = services.claim_for_period(item, period)  # type: ignore[arg-type]
    if existing is not None:
        # Another area's claim is not this officer's to read: that one exists is all they may learn.
        messages.info(
            request,
            services.duplicate_message(existing) if may(request.user, "claim.view", existing) else OTHER_AREAS_CLAIM,
        )
        return redirect("support:request-detail", support_request.pk)
    form = ClaimForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.make_claim(
                item,  # type: ignore[arg-type]
                for_area=support_request.area,
                told_to_isolate=form.cleaned_data["told_to_isolate"] == "yes",
                low_income=form.cleaned_data["low_income"] == "yes",
                cannot_work_from_home=form.cleaned_data["cannot_work_from_home"] == "yes",
                evidence_notes=form.cleaned_data["evidence_notes"],
                request=request,
            )
        except services.SupportError as error:
            # A claim that arrived from another area meanwhile is named only to those who may open it.
            other = error.params.get("claim")
            hidden = other is not None and not may(request.user, "claim.view", other)
            form.add_error(None, OTHER_AREAS_CLAIM if hidden else str(error))
        else:
            messages.success(request, f"Claim {claim.reference} recorded.")
            return redirect("support:claim-detail", claim.pk)
    return render(
        request,
        "support/request_form.html",
        {
            "sr": support_request,
            "form": form,
            "title": "Record a support payment claim",
            "introduction": f"For isolation from {period.first:%-d %B} to {period.last:%-d %B %Y}, "
            f"as on record {period.record}. The payment is £{services.policy.support_payment_amount(period.first)}.",
            "button": "Record the claim",
        },
    )


def _claim(request: HttpRequest, pk: int, permission: str = "claim.view") -> PaymentClaim:
    return get_or_404(
        request.user,
        permission,
        PaymentClaim.objects.select_related("person", "area", "claimed_by", "decided_by"),
        pk=pk,
    )


def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    record(Action.VIEW, request=request, obj=claim, area=claim.area)
    requests = scoped(request.user, "support.view", SupportRequest.objects.filter(person_id=claim.person_id))
    return render(
        request,
        "support/claim_detail.html",
        {
            "claim": claim,
            "unmet": services.unmet_rules(claim),
            "may_decide": may(request.user, "claim.decide", claim) and not services.recorded_it(claim, request.user),
            "recorded_it": services.recorded_it(claim, request.user),
            "requests": requests.order_by("-requested_at")[:10],
        },
    )


def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk, "claim.decide")
    if claim.status != PaymentClaim.Status.SUBMITTED:
        messages.info(request, f"{claim.reference} was already {claim.get_status_display().lower()}.")
        return redirect("support:claim-detail", claim.pk)
    if services.recorded_it(claim, request.user):
        messages.info(request, services.SOMEONE_ELSE_DECIDES)
        return redirect("support:claim-detail", claim.pk)
    form = DecisionForm(
        request.POST if request.method == "POST" else None, initial={"answers_as_of": claim.claimed_at.isoformat()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_claim(
                claim, approve=form.cleaned_data["decision"] == "approve", reason=form.cleaned_data["reason"],
                payment_reference=form.cleaned_data["payment_reference"], request=request,
                answers_as_of=form.cleaned_data["answers_as_of"],
            )  # fmt: skip
        except services.SupportError as error:
            form.add_error(None, str(error))
        else:
            claim.refresh_from_db()
            messages.success(request, f"{claim.reference} {claim.get_status_display().lower()}.")
            return redirect("support:claim-detail", claim.pk)
    return render(
        request,
        "support/claim_decide.html",
        {
            "claim": claim,
            "form": form,
            "unmet": services.unmet_rules(claim),
            "title": f"Decide claim {claim.reference}",
        },
    )


EXPORT_HEADER = [
    "claim", "area", "status", "amount", "payment_reference", "decided_on", "decision_reason", "given_name",
    "family_name", "address", "postcode", "phone", "email", "isolation_starts_on", "isolation_ends_on", "record",
]  # fmt: skip


def claim_export(request: HttpRequest) -> StreamingHttpResponse:
    """Decided claims (or those shown) for finance, every cell CSV-injection safe; the export is audited."""
    require_capability(request.user, "support.payments")
    user = acting_user(request)
    shown = request.GET.get("show", "approved")
    shown = shown if shown in SHOW else "approved"
    claims = scoped(user, "claim.decide", PaymentClaim.objects.select_related("person", "area"))
    chosen = claims if shown == "all" else claims.filter(status=shown)
    # The audit names every claim exported (finance may pay from this file), and the file holds exactly those,
    # even if one is decided while the file is being written.
    exported = list(chosen.order_by("claimed_at", "pk").values_list("pk", flat=True))
    record(
        Action.EXPORT,
        request=request,
        object_type="support.paymentclaim",
        detail={"show": shown, "rows": len(exported), "claims": exported},
    )
    stamp = timezone.localdate().isoformat()
    headers = {
        "Content-Disposition": f'attachment; filename="support-payments-{shown}-{stamp}.csv"',
        # Names, addresses and payments: no copy left in a shared browser's or proxy's cache.
        "Cache-Control": "no-store",
    }
    rows = (_export_row(c) for c in _in_order(claims, exported))
    return StreamingHttpResponse(
        csv_lines(EXPORT_HEADER, rows), content_type="text/csv; charset=utf-8", headers=headers
    )


def _in_order(claims: QuerySet[PaymentClaim], pks: list[int], size: int = 500) -> Iterator[PaymentClaim]:
    """These claims in this order, read a few hundred at a time (a long export never holds them all at once)."""
    for start in range(0, len(pks), size):
        chunk = pks[start : start + size]
        found = claims.in_bulk(chunk)
        yield from (found[pk] for pk in chunk if pk in found)


def _export_row(c: PaymentClaim) -> list[Any]:
    return [
        c.reference,
        c.area.name,
        c.status,
        c.amount,
        c.payment_reference,
        # The day it was decided here, not in UTC: a decision at 00:30 in summer is that day's.
        timezone.localdate(c.decided_at).isoformat() if c.decided_at else "",
        c.decision_reason,
        c.person.given_name,
        c.person.family_name,
        c.person.address_line_1,
        c.person.postcode,
        c.person.phone,
        c.person.email,
        c.isolation_starts_on.isoformat(),
        c.isolation_ends_on.isoformat(),
        c.record_reference,
    ]
