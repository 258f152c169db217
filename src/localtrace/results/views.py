"""Intake pages: upload, submissions and their accounting, quarantine, data quality, results with no area."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import can, get_or_404, require_capability, scope_for, scoped
from localtrace.areas.models import Role
from localtrace.audit.services import Action, record
from localtrace.core.csvsafe import csv_lines
from localtrace.results import corrections, uploads
from localtrace.results.forms import COLUMN_LABELS, CorrectionForm, DismissForm, UploadForm
from localtrace.results.models import REASON_FIELD_LABELS, QuarantinedRow, Submission, TestResult
from localtrace.results.quality import quality_by_source
from localtrace.results.reading import COLUMNS


def submission_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "results.upload")
    submissions = scoped(request.user, "submission.view", Submission.objects.all()).select_related("submitter")
    page = Paginator(submissions, 50).get_page(request.GET.get("page"))
    return render(
        request, "results/submission_list.html", {"page": page, "may_see_no_area": can(request.user, "results.no_area")}
    )


def upload(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "results.upload")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            submission = uploads.store_upload(request, form.cleaned_data["file"], form.cleaned_data["submitter"])
        except uploads.UploadRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            return redirect("results:submission-detail", submission.pk)
    return render(
        request,
        "results/upload.html",
        {"form": form, "columns": COLUMN_LABELS, "max_mb": uploads.max_upload_bytes() // 1_048_576},
    )


def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_or_404(request.user, "submission.view", Submission.objects.select_related("submitter"), pk=pk)
    open_rows = scoped(
        request.user, "quarantine.fix", submission.quarantined_rows.filter(status=QuarantinedRow.Status.OPEN)
    )
    return render(
        request,
        "results/submission_detail.html",
        {
            "submission": submission,
            # A file's own name may name a person ("results for J Smith.csv"): only its uploader and the
            # administrators see it; other areas' leads read the accounting.
            "show_filename": submission.channel != Submission.Channel.UPLOAD  # a correction's own label
            or submission.created_by_id == request.user.pk
            or request.user.is_administrator,  # type: ignore[union-attr]
            "earlier": uploads.earlier_copy(submission) if submission.checksum else None,
            "open_rows_in_scope": open_rows.count(),
            "working": submission.status in (Submission.Status.QUEUED, Submission.Status.PROCESSING),
        },
    )


def _quarantine_queryset(request: HttpRequest):  # type: ignore[no-untyped-def]
    require_capability(request.user, "results.quarantine")
    rows = scoped(request.user, "quarantine.fix", QuarantinedRow.objects.all()).select_related("submission", "area")
    status = request.GET.get("status", QuarantinedRow.Status.OPEN)
    if status in QuarantinedRow.Status.values:
        rows = rows.filter(status=status)
    if submission := request.GET.get("submission", "").strip():
        rows = rows.filter(submission_id=submission) if submission.isdigit() else rows.none()
    if source := request.GET.get("source", "").strip():
        rows = rows.filter(source_id=source)
    if field := request.GET.get("field", "").strip():
        rows = rows.filter(reason_fields__contains=field) if field in REASON_FIELD_LABELS else rows.none()
    return rows, status


def quarantine_list(request: HttpRequest) -> HttpResponse:
    rows, status = _quarantine_queryset(request)
    page = Paginator(rows.order_by("-created_at", "row_number"), 50).get_page(request.GET.get("page"))
    # Listing raw rows shows personal data: one audit event per page viewed.
    record(Action.VIEW, request=request, object_type="results.quarantinedrow", detail={"ids": [r.pk for r in page]})
    return render(
        request,
        "results/quarantine_list.html",
        {
            "page": page,
            "status": status,
            "statuses": QuarantinedRow.Status.choices,
            "fields": REASON_FIELD_LABELS,
            "query": request.GET.urlencode(),
        },
    )


def quarantine_export(request: HttpRequest) -> StreamingHttpResponse:
    """The rows with their reasons, in the intake's own columns: fix them in a spreadsheet and upload again."""
    rows, _ = _quarantine_queryset(request)
    record(Action.EXPORT, request=request, object_type="results.quarantinedrow", detail={"filters": request.GET.dict()})
    lines = csv_lines(
        [*COLUMNS, "problems", "quarantine_reference"],
        (
            [*(r.fields.get(c, "") for c in COLUMNS), " | ".join(r.reasons), f"Q{r.pk}"]
            for r in rows.iterator(chunk_size=2000)
        ),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quarantined-rows-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


def quarantine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_or_404(
        request.user, "quarantine.fix", QuarantinedRow.objects.select_related("submission__submitter", "area"), pk=pk
    )
    form = CorrectionForm(request.POST or None, initial_fields=row.fields)
    if request.method == "POST" and row.status == QuarantinedRow.Status.OPEN and form.is_valid():
        outcome = corrections.correct(request, row, {c: form.cleaned_data[c] for c in COLUMNS})
        if outcome.problems:
            for reason in outcome.problems:
                form.add_error(None, reason)
        else:
            messages.success(request, outcome.message)
            return redirect("results:quarantine-list")
    else:
        record(Action.VIEW, request=request, obj=row)
    return render(
        request,
        "results/quarantine_detail.html",
        {"row": row, "form": form, "dismiss_form": DismissForm(), "labels": COLUMN_LABELS},
    )


@require_POST
def quarantine_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_or_404(request.user, "quarantine.fix", QuarantinedRow, pk=pk, status=QuarantinedRow.Status.OPEN)
    form = DismissForm(request.POST)
    if form.is_valid():
        corrections.dismiss(request, row, form.cleaned_data["reason"])
        messages.success(request, f"Row {row.row_number} of submission {row.submission_id} dismissed.")
        return redirect("results:quarantine-list")
    return render(
        request,
        "results/quarantine_detail.html",
        {"row": row, "form": CorrectionForm(initial_fields=row.fields), "dismiss_form": form, "labels": COLUMN_LABELS},
    )


def quality(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "results.quality")
    report = _quality_report(request)
    return render(request, "results/quality.html", {"sources": report, "labels": REASON_FIELD_LABELS})


def quality_export(request: HttpRequest) -> StreamingHttpResponse:
    require_capability(request.user, "results.quality")
    report = _quality_report(request)
    fields = list(REASON_FIELD_LABELS)
    rows = (
        [
            s.source_id,
            s.received,
            s.accepted,
            s.quarantined,
            f"{s.quarantined_share:.4f}",
            *(s.reasons.get(f, 0) for f in fields),
        ]
        for s in report
    )
    record(Action.EXPORT, request=request, object_type="results.quality")
    response = StreamingHttpResponse(
        csv_lines(["source", "received", "accepted", "quarantined", "quarantined_share", *fields], rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="data-quality-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


def _quality_report(request: HttpRequest):  # type: ignore[no-untyped-def]
    results = TestResult.objects.all()
    scope = scope_for(request.user)
    if not scope.administrator:
        # Area leads see the quality of what reached their areas.
        areas = scope.areas_with({Role.AREA_LEAD})
        results = results.filter(area_id__in=areas)
    return quality_by_source(results, scoped(request.user, "quarantine.fix", QuarantinedRow.objects.all()))


def no_area(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "results.no_area")
    results = (
        scoped(request.user, "result.unrouted", TestResult.objects.all())
        .select_related("submission")
        .order_by("-received_at")
    )
    summary = results.aggregate(total=Count("id"), positive=Count("id", filter=Q(result="positive")))
    page = Paginator(results, 50).get_page(request.GET.get("page"))
    record(
        Action.VIEW,
        request=request,
        object_type="results.testresult",
        detail={"ids": [r.pk for r in page], "unrouted": True},
    )
    return render(request, "results/no_area.html", {"page": page, "summary": summary})
