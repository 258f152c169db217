"""Fixing a quarantined row: correct it and run it through intake again, or dismiss it with a reason."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.accounts.access import acting_user
from localtrace.audit.services import Action, record
from localtrace.results.models import QuarantinedRow, Submission
from localtrace.results.reading import COLUMNS, RawRow
from localtrace.results.services import claim, finish, process_batch
from localtrace.results.validation import Problems, validate


@dataclass
class CorrectionOutcome:
    message: str = ""
    problems: list[str] = field(default_factory=list)


def _as_csv(fields: dict[str, str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([fields.get(c, "") for c in COLUMNS])
    return buffer.getvalue()


def correct(request: HttpRequest, row: QuarantinedRow, fields: dict[str, str]) -> CorrectionOutcome:
    """Check the corrected row; if it passes, intake takes it as a one-row submission of its own."""
    source = row.submission.submitter.code if row.submission.submitter else None
    verdict = validate(fields, today=timezone.localdate(), source_id=source)
    if isinstance(verdict, Problems):
        return CorrectionOutcome(problems=list(verdict))
    with transaction.atomic():
        locked = QuarantinedRow.objects.select_for_update().get(pk=row.pk)
        if locked.status != QuarantinedRow.Status.OPEN:
            return CorrectionOutcome(problems=["Someone else has already dealt with this row."])
        submission = Submission.objects.create(
            channel=Submission.Channel.CORRECTION,
            submitter=row.submission.submitter,
            filename=f"Row {row.row_number} of submission {row.submission_id}",
            created_by=acting_user(request),
        )
        claim(submission.pk)
        (outcome,) = process_batch(
            submission, [RawRow(1, fields, _as_csv(fields))], today=timezone.localdate(), source_id=source
        )
        finish(submission)
        locked.status = (
            QuarantinedRow.Status.REPROCESSED if outcome.outcome == "accepted" else QuarantinedRow.Status.DUPLICATE
        )
        locked.test_result_id = outcome.result_id
        locked.resolved_by = acting_user(request)
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["status", "test_result", "resolved_by", "resolved_at"])
        record(
            Action.CHANGE,
            request=request,
            obj=locked,
            area=locked.area,
            detail={"outcome": outcome.outcome, "submission": submission.pk},
        )
    if outcome.outcome == "accepted":
        return CorrectionOutcome(message=f"Row {row.row_number} corrected and accepted.")
    return CorrectionOutcome(
        message=f"Row {row.row_number} corrected: that result had already arrived, so nothing was added."
    )


@transaction.atomic
def dismiss(request: HttpRequest, row: QuarantinedRow, reason: str) -> bool:
    """Dismiss an open row with its reason; False, changing nothing, when someone has dealt with it already."""
    changed = QuarantinedRow.objects.filter(pk=row.pk, status=QuarantinedRow.Status.OPEN).update(
        status=QuarantinedRow.Status.DISMISSED, resolved_by=acting_user(request), resolved_at=timezone.now(),
        dismissed_reason=reason.strip()[:500],
    )  # fmt: skip
    if changed:
        # The reason is on the row: the audit trail is kept for ever, and free text may name someone.
        record(Action.CHANGE, request=request, obj=row, area=row.area, detail={"outcome": "dismissed"})
    return bool(changed)
