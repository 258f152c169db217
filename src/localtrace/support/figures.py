"""Isolation support figures for area leads (`/support/figures/`): requests by need, time to first contact,
outcomes, payments.

By area and period (local dates, first and last included). Requests are counted by the day they were asked
(a cohort: their first contact and outcome are followed wherever they fall); payments by the day they were
decided, and waiting claims by the day they were made. Medians and percentiles are the performance figures'
own (`reports.metrics.quantile`, linear interpolation), so the same hours give the same answer everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.cases.models import SUPPORT_NEEDS
from localtrace.reports.metrics import quantile
from localtrace.support.models import OPEN_REQUEST_STATUSES, PaymentClaim, RequestStatus, SupportRequest


@dataclass
class SupportFigures:
    area_id: int
    first: dt.date
    last: dt.date
    requests: int = 0
    urgent_requests: int = 0
    requests_by_need: dict[str, int] = field(default_factory=dict)
    first_contacted: int = 0
    first_contact_within_deadline: int = 0
    first_contact_hours_median: float | None = None
    first_contact_hours_p90: float | None = None
    still_open: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    claims_made: int = 0
    payments_approved: int = 0
    payments_declined: int = 0
    claims_waiting: int = 0
    amount_approved: Decimal = Decimal("0.00")


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def support_figures(areas: Iterable[Area | int], first: dt.date, last: dt.date) -> dict[int, SupportFigures]:
    """Figures for each area (by id) over the period; areas with nothing still get zeroes."""
    if last < first:
        raise ValueError("The period ends before it starts.")
    area_ids = [a.pk if isinstance(a, Area) else int(a) for a in areas]
    start, end = _bounds(first, last)
    figures = {a: SupportFigures(a, first, last) for a in area_ids}
    asked = SupportRequest.objects.filter(area_id__in=area_ids, requested_at__gte=start, requested_at__lt=end)
    waits: dict[int, list[float]] = {a: [] for a in area_ids}
    outcomes: dict[int, Counter[str]] = {a: Counter() for a in area_ids}
    needs: dict[int, Counter[str]] = {a: Counter() for a in area_ids}
    for area_id, need, urgent, status, requested_at, due_at, first_contact_at in asked.values_list(
        "area_id", "need", "urgent", "status", "requested_at", "due_at", "first_contact_at"
    ).iterator():
        f = figures[area_id]
        f.requests += 1
        f.urgent_requests += urgent
        needs[area_id][need] += 1
        if first_contact_at is not None:
            f.first_contacted += 1
            f.first_contact_within_deadline += first_contact_at <= due_at
            waits[area_id].append((first_contact_at - requested_at).total_seconds() / 3600)
        if status in OPEN_REQUEST_STATUSES:
            f.still_open += 1
        else:
            outcomes[area_id][status] += 1
    for area_id, f in figures.items():
        f.requests_by_need = {key: needs[area_id][key] for key in SUPPORT_NEEDS}
        f.outcomes = {key: outcomes[area_id][key] for key in RequestStatus.values if key not in OPEN_REQUEST_STATUSES}
        median, p90 = quantile(waits[area_id], 0.5), quantile(waits[area_id], 0.9)
        f.first_contact_hours_median = round(median, 2) if median is not None else None
        f.first_contact_hours_p90 = round(p90, 2) if p90 is not None else None
    claims = PaymentClaim.objects.filter(area_id__in=area_ids)
    for area_id, n in (
        claims.filter(claimed_at__gte=start, claimed_at__lt=end)
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        figures[area_id].claims_made = n
    for area_id, status, n, amount in (
        claims.filter(decided_at__gte=start, decided_at__lt=end)
        .values_list("area_id", "status")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    ):
        if status == PaymentClaim.Status.APPROVED:
            figures[area_id].payments_approved = n
            figures[area_id].amount_approved = Decimal(amount or 0).quantize(Decimal("0.01"))
        elif status == PaymentClaim.Status.DECLINED:
            figures[area_id].payments_declined = n
    for area_id, n in (
        claims.filter(status=PaymentClaim.Status.SUBMITTED, claimed_at__gte=start, claimed_at__lt=end)
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        figures[area_id].claims_waiting = n
    return figures
