"""An upload whose worker was lost (stopped, killed, the machine restarted) is put back on the queue and resumes."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone

from localtrace.results.models import Submission, TestResult
from localtrace.results.reading import read_results
from localtrace.results.services import claim, commit_batch, prepare_batch
from localtrace.results.tasks import MAX_RESUMES, resume_stalled_uploads
from tests.personas import World
from tests.results.factories import csv_bytes, many_rows, row


def upload_stopped_after_two_rows(*, minutes_ago: int) -> Submission:
    """A five-row upload whose worker counted one batch of two rows, then was killed `minutes_ago`."""
    data = csv_bytes(many_rows(5))
    submission = Submission.objects.create(channel=Submission.Channel.UPLOAD, filename="results.csv")
    submission.file.save("stalled.csv", io.BytesIO(data), save=True)
    claim(submission.pk)
    first_two = list(read_results(io.BytesIO(data)))[:2]
    commit_batch(submission, prepare_batch(first_two, today=timezone.localdate()))
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Submission.objects.filter(pk=submission.pk).update(started_at=then, progressed_at=then)
    return submission


def test_an_upload_that_stopped_counting_goes_back_on_the_queue_and_resumes_where_it_stopped(world: World) -> None:
    submission = upload_stopped_after_two_rows(minutes_ago=11)

    assert resume_stalled_uploads.call() == 1  # the tests' task backend runs what is queued at once

    submission.refresh_from_db()
    assert submission.status == Submission.Status.DONE
    assert (submission.received, submission.accepted, submission.duplicate) == (5, 5, 0)
    assert TestResult.objects.filter(submission=submission).count() == 5
    assert submission.resumes == 1


def test_an_upload_still_counting_is_left_alone(world: World) -> None:
    submission = upload_stopped_after_two_rows(minutes_ago=2)

    assert resume_stalled_uploads.call() == 0
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.PROCESSING


def test_an_upload_that_stalls_again_and_again_is_refused_with_what_it_counted_kept(world: World) -> None:
    submission = upload_stopped_after_two_rows(minutes_ago=11)
    Submission.objects.filter(pk=submission.pk).update(resumes=MAX_RESUMES)

    assert resume_stalled_uploads.call() == 1

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.failure_reason.startswith(f"Processing stopped {MAX_RESUMES + 1} times without finishing")
    assert "The 2 rows counted before it stopped are kept." in submission.failure_reason
    assert (submission.received, submission.accepted) == (2, 2)


def test_an_import_from_the_command_line_is_never_put_on_the_queue(world: World) -> None:
    submission = upload_stopped_after_two_rows(minutes_ago=11)
    Submission.objects.filter(pk=submission.pk).update(channel=Submission.Channel.COMMAND)

    assert resume_stalled_uploads.call() == 0  # a re-run of the command resumes it (docs/intake.md)


def test_an_upload_begun_before_lines_of_empty_cells_stopped_being_rows_resumes_at_the_same_row(world: World) -> None:
    """Read by this release's rule, the file's rows would be numbered again without its lines of commas, and the
    resume would skip as many real rows as there are such lines before its resume point."""
    empty = "," * (len(csv_bytes([row()]).decode().splitlines()[0].split(",")) - 1) + "\n"
    lines = csv_bytes(many_rows(4)).decode().splitlines(keepends=True)
    data = "".join([lines[0], lines[1], empty, empty, lines[2], lines[3], empty, lines[4]]).encode()
    submission = Submission.objects.create(channel=Submission.Channel.UPLOAD, filename="results.csv", reading=1)
    submission.file.save("stalled.csv", io.BytesIO(data), save=True)
    claim(submission.pk)
    first_three = list(read_results(io.BytesIO(data), reading=1))[:3]  # a result and two lines of commas
    commit_batch(submission, prepare_batch(first_three, today=timezone.localdate()))
    then = timezone.now() - dt.timedelta(minutes=11)
    Submission.objects.filter(pk=submission.pk).update(started_at=then, progressed_at=then)

    assert resume_stalled_uploads.call() == 1

    submission.refresh_from_db()
    assert submission.status == Submission.Status.DONE
    assert (submission.received, submission.accepted, submission.quarantined) == (7, 4, 3)
    assert TestResult.objects.filter(submission=submission).count() == 4


def test_a_new_upload_is_read_by_the_current_rule(world: World) -> None:
    from localtrace.results.reading import READING

    assert Submission.objects.create(channel=Submission.Channel.UPLOAD).reading == READING == 2
