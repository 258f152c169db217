"""The data protection officer's view of the audit trail, and its CSV export."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from localtrace.accounts.access import require_capability, scoped
from localtrace.audit.filters import AuditFilterForm
from localtrace.audit.labels import record_label
from localtrace.audit.models import AuditEvent
from localtrace.audit.services import Action, record
from localtrace.core.csvsafe import csv_lines

EXPORT_COLUMNS = [
    "occurred_at",
    "actor",
    "action",
    "record",
    "object_type",
    "object_id",
    "area",
    "ip_address",
    "request_id",
    "detail",
]


# The filter is posted and kept in the session, so a username searched for never travels in a URL, a browser's
# history or an access log; the list's pages and the CSV export read it from there.
AUDIT_FILTER = "localtrace_audit_filter"


def _filtered(request: HttpRequest, data: dict[str, str]) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    require_capability(request.user, "audit.search")
    form = AuditFilterForm(data)
    events = form.filter(scoped(request.user, "audit.view", AuditEvent.objects.select_related("area")))
    return form, events


def event_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "audit.search")
    if request.method == "POST":
        data = {name: str(value)[:150] for name, value in request.POST.items() if name != "csrfmiddlewaretoken"}
        form, events = _filtered(request, data)
        if form.is_valid():
            request.session[AUDIT_FILTER] = data
            return redirect("audit:event-list")
    else:
        if request.GET.get("clear"):
            request.session.pop(AUDIT_FILTER, None)
            return redirect("audit:event-list")
        form, events = _filtered(request, request.session.get(AUDIT_FILTER, {}))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    kinds = {kind for kind, _ in form.fields["object_type"].choices if kind}  # type: ignore[attr-defined]
    for event in page:
        event.record = record_label(event.object_type, event.object_id)  # type: ignore[attr-defined]
        # A record's own id is a filter away: each row offers "every event on this record".
        event.record_filterable = event.object_type in kinds and bool(event.object_id)  # type: ignore[attr-defined]
    return render(request, "audit/event_list.html", {"form": form, "page": page})


def event_export(request: HttpRequest) -> StreamingHttpResponse:
    filters = request.session.get(AUDIT_FILTER, {})
    _, events = _filtered(request, filters)
    record(Action.EXPORT, request=request, object_type="audit.auditevent", detail={"filters": filters})
    rows = (
        [
            timezone.localtime(e.occurred_at).isoformat(),
            e.actor_username,
            e.action,
            record_label(e.object_type, e.object_id),
            e.object_type,
            e.object_id,
            e.area.code if e.area else "",
            e.ip_address or "",
            e.request_id,
            # JSON, which any tool reads back, not Python's own way of writing a dict.
            json.dumps(e.detail, ensure_ascii=False, sort_keys=True, default=str),
        ]
        for e in events.iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(csv_lines(EXPORT_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
