"""The data protection officer's view of the audit trail, and its CSV export."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from localtrace.accounts.access import require_capability, scoped
from localtrace.audit.filters import AuditFilterForm
from localtrace.audit.models import AuditEvent
from localtrace.audit.services import Action, record
from localtrace.core.csvsafe import csv_lines

EXPORT_COLUMNS = [
    "occurred_at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "area",
    "ip_address",
    "request_id",
    "detail",
]


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    require_capability(request.user, "audit.search")
    form = AuditFilterForm(request.GET or {})
    events = form.filter(scoped(request.user, "audit.view", AuditEvent.objects.select_related("area")))
    return form, events


def event_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html", {"form": form, "page": page, "query": request.GET.urlencode()})


def event_export(request: HttpRequest) -> StreamingHttpResponse:
    _, events = _filtered(request)
    record(Action.EXPORT, request=request, object_type="audit.auditevent", detail={"filters": request.GET.dict()})
    rows = (
        [
            timezone.localtime(e.occurred_at).isoformat(),
            e.actor_username,
            e.action,
            e.object_type,
            e.object_id,
            e.area.code if e.area else "",
            e.ip_address or "",
            e.request_id,
            e.detail,
        ]
        for e in events.iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(csv_lines(EXPORT_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
