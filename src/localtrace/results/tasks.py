"""Background work for intake: a stored upload is processed by the task worker, never in the request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from localtrace.results.models import Submission
from localtrace.results.services import CountedElsewhere, claim, finish, process_file

# An upload still "Processing" with no batch counted for this long has lost its worker (stopped, killed, or the
# machine restarted): a batch of 2,000 rows takes seconds.
STALLED_AFTER = dt.timedelta(minutes=10)
# Put back on the queue at most this many times; then it is refused, with what was counted kept.
MAX_RESUMES = 3


@task()
def process_submission(submission_id: int) -> None:
    """Safe to run twice: a finished submission is left alone, an interrupted one resumes."""
    submission = claim(submission_id)
    if submission is None:
        return
    if not submission.file:
        finish(submission, failure="The stored file is missing.")
        return
    try:
        process_file(submission, Path(submission.file.path))
    except CountedElsewhere:
        return  # another run of this task is further on; it finishes the submission


def enqueue(submission: Submission) -> None:
    process_submission.enqueue(submission.pk)


@task()
def resume_stalled_uploads() -> int:
    """Queued every minute by `localtrace schedule`: put each upload whose worker was lost back on the queue,
    where it resumes from its last counted batch. Returns how many were put back or refused.

    A worker that was only slow is harmless: of two runs on one submission only one counts each batch
    (`CountedElsewhere`). An upload that stalls again and again (a file that stops every worker) is refused
    after `MAX_RESUMES` tries, so it shows as refused rather than "Processing" for ever.
    """
    now = timezone.now()
    cutoff = now - STALLED_AFTER
    stalled = (
        Submission.objects.filter(status=Submission.Status.PROCESSING, channel=Submission.Channel.UPLOAD)
        .exclude(file="")
        .filter(Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True, started_at__lt=cutoff))
    )
    handled = 0
    for submission in stalled.order_by("pk"):
        # Conditional, so that two schedulers at once put it back once.
        taken = Submission.objects.filter(
            pk=submission.pk, status=Submission.Status.PROCESSING, resumes=submission.resumes
        ).update(resumes=F("resumes") + 1, progressed_at=now)
        if not taken:
            continue
        handled += 1
        if submission.resumes >= MAX_RESUMES:
            submission.refresh_from_db()
            finish(
                submission,
                failure=(
                    f"Processing stopped {submission.resumes} times without finishing, so it was not tried again. "
                    f"The {submission.received:,} rows counted before it stopped are kept. Send the file again: "
                    "rows already in are counted as duplicates, and the rest go in."
                ),
            )
        else:
            process_submission.enqueue(submission.pk)
    return handled
