"""Intake pages: upload, submissions and their accounting, quarantine, data quality, results with no area."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import can, get_or_404, require_capability, scope_for, scoped
from localtrace.audit.services import Action, record
from localtrace.core.csvsafe import csv_lines
from localtrace.results import corrections, uploads
from localtrace.results.forms import COLUMN_LABELS, CorrectionForm, DismissForm, UploadForm
from localtrace.results.models import REASON_FIELD_LABELS, QuarantinedRow, Submission, TestResult
from localtrace.results.quality import NOT_BY_SOURCE, report_for
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
    open_count = scoped(
        request.user, "quarantine.fix", submission.quarantined_rows.filter(status=QuarantinedRow.Status.OPEN)
    ).count()
    earlier = uploads.earlier_copy(submission) if submission.checksum else None
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
            "earlier": earlier,
            "earlier_note": _identical_file_note(submission) if earlier else "",
            "open_rows_in_scope": open_count,
            "quarantine_note": _quarantine_note(open_count, submission.quarantined),
            "working": submission.status in (Submission.Status.QUEUED, Submission.Status.PROCESSING),
        },
    )


def _identical_file_note(submission: Submission) -> str:
    """What became of an identical file's rows, from its own counts: an identical file need not be all
    duplicates (its first copy's rows may have been quarantined, or sent as from another source)."""
    if submission.status in (Submission.Status.QUEUED, Submission.Status.PROCESSING):
        return "A row that repeats a result already received is counted as a duplicate, not as a new result."
    received, duplicate = submission.received, submission.duplicate
    if not received:
        return ""
    if duplicate == received:
        if received == 1:
            return "Its one row was a duplicate of a result already received, so nothing new was added."
        return f"All {received:,} of its rows were duplicates of results already received, so nothing new was added."
    if duplicate == 0:
        if received == 1:
            return "Its one row was not a duplicate of a result already received: what happened to it is below."
        return (
            f"None of its {received:,} rows were duplicates of results already received: what happened to "
            "each is counted below."
        )
    return (
        f"{duplicate:,} of its {received:,} rows "
        + ("was a duplicate of a result" if duplicate == 1 else "were duplicates of results")
        + " already received; the rest are counted below."
    )


def _quarantine_note(waiting: int, quarantined: int) -> str:
    """Why fewer quarantined rows are waiting for this user than the submission quarantined."""
    if waiting >= quarantined:
        return ""
    elsewhere = "a row goes to the area of its postcode; rows with no area go to administrators"
    if waiting == 0:
        if quarantined == 1:
            return (
                "The quarantined row is not waiting for you: it was fixed or dismissed already, or is for "
                f"another area’s team ({elsewhere})."
            )
        return (
            f"None of the {quarantined:,} quarantined rows are waiting for you: they were fixed or dismissed "
            f"already, or are for another area’s team ({elsewhere})."
        )
    others = quarantined - waiting
    return (
        f"{waiting:,} of the {quarantined:,} quarantined rows {'is' if waiting == 1 else 'are'} waiting for you. "
        + ("The other one was" if others == 1 else f"The other {others:,} were")
        + f" fixed or dismissed already, or {'is' if others == 1 else 'are'} for another area’s team ({elsewhere})."
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
        if field in REASON_FIELD_LABELS:
            # As JSON text, the list holds the name in quotes; SQLite has no JSON "contains" lookup.
            rows = rows.annotate(reason_fields_text=Cast("reason_fields", TextField())).filter(
                reason_fields_text__contains=f'"{field}"'
            )
        else:
            rows = rows.none()
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
        if not outcome.problems:
            messages.success(request, outcome.message)
            return redirect("results:quarantine-list")
        for reason in outcome.problems:
            form.add_error(None, reason)
        row.refresh_from_db()  # another officer may have dealt with it: the page shows what it is now
    # Shown again with the row's data (a correction refused included): a read like any other.
    record(Action.VIEW, request=request, obj=row)
    return render(
        request,
        "results/quarantine_detail.html",
        {"row": row, "form": form, "dismiss_form": DismissForm(), "labels": COLUMN_LABELS},
    )


@require_POST
def quarantine_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_or_404(request.user, "quarantine.fix", QuarantinedRow, pk=pk)
    form = DismissForm(request.POST)
    open_ = row.status == QuarantinedRow.Status.OPEN
    if open_ and form.is_valid():
        if corrections.dismiss(request, row, form.cleaned_data["reason"]):
            messages.success(request, f"Row {row.row_number} of submission {row.submission_id} dismissed.")
            return redirect("results:quarantine-list")
        open_ = False  # another officer dealt with it in the meantime
    if not open_:
        # A second click, or another officer first: the row's page says what became of it.
        messages.info(request, "Someone has already dealt with this row; nothing was changed.")
        return redirect("results:quarantine-detail", row.pk)
    record(Action.VIEW, request=request, obj=row)
    return render(
        request,
        "results/quarantine_detail.html",
        {"row": row, "form": CorrectionForm(initial_fields=row.fields), "dismiss_form": form, "labels": COLUMN_LABELS},
    )


def quality(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "results.quality")
    report = report_for(scope_for(request.user))
    return render(request, "results/quality.html", {"report": report, "labels": REASON_FIELD_LABELS})


def quality_export(request: HttpRequest) -> StreamingHttpResponse:
    require_capability(request.user, "results.quality")
    report = report_for(scope_for(request.user))
    fields = list(REASON_FIELD_LABELS)
    rows: list[list[object]] = [
        [
            s.source_id,
            s.received,
            s.accepted,
            s.quarantined,
            s.duplicate if report.counts_duplicates else "",
            f"{s.quarantined_share:.4f}",
            s.still_to_fix,
            s.fixed,
            s.dismissed,
            *(s.reasons.get(f, 0) for f in fields),
        ]
        for s in report.sources
    ]
    if report.duplicates_not_by_source:
        n = report.duplicates_not_by_source
        rows.append([NOT_BY_SOURCE, n, 0, 0, n, "", 0, 0, 0, *(0 for _ in fields)])
    record(Action.EXPORT, request=request, object_type="results.quality")
    header = ["source", "received", "accepted", "quarantined", "duplicate", "quarantined_share",
              "quarantined_to_fix", "quarantined_fixed", "quarantined_dismissed", *fields]  # fmt: skip
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-quality-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


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
