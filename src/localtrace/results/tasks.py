"""Background work for intake: a stored upload is processed by the task worker, never in the request."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from localtrace.results.models import Submission
from localtrace.results.services import CountedElsewhere, claim, finish, process_file


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
