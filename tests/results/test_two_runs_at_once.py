"""Two processes on one submission at once (an import run again while the first is still going) count each row once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from localtrace.results.models import Submission, TestResult
from localtrace.results.reading import RawRow, read_results
from localtrace.results.services import CountedElsewhere, claim, process_rows
from localtrace.results.tasks import process_submission
from tests.personas import World
from tests.results.factories import csv_bytes, many_rows


def _rows_read_while_another_process_finishes(data: bytes, submission_id: int) -> Iterator[RawRow]:
    """This process has read its resume point (0) when the other one counts the whole file."""
    process_rows(Submission.objects.get(pk=submission_id), read_results(io.BytesIO(data)))
    yield from read_results(io.BytesIO(data))


def test_a_second_process_on_the_same_submission_stops_rather_than_counting_its_rows_again(world: World) -> None:
    data = csv_bytes(many_rows(5))
    submission = Submission.objects.create(channel=Submission.Channel.COMMAND, filename="results.csv")
    claim(submission.pk)

    with pytest.raises(CountedElsewhere):
        process_rows(submission, _rows_read_while_another_process_finishes(data, submission.pk))

    submission.refresh_from_db()
    assert (submission.received, submission.accepted, submission.duplicate) == (5, 5, 0)
    assert submission.status == Submission.Status.DONE
    assert TestResult.objects.filter(submission=submission).count() == 5


def test_the_command_says_another_import_is_running_instead_of_a_traceback(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "results.csv"
    path.write_bytes(csv_bytes(many_rows(1)))
    import localtrace.results.management.commands.import_results as command

    def counted_elsewhere(*args: object, **kwargs: object) -> None:
        raise CountedElsewhere(1, 1, 2000)

    monkeypatch.setattr(command, "import_file", counted_elsewhere)
    with pytest.raises(CommandError, match="another process is working on the same submission"):
        call_command("import_results", str(path), "--quiet")


def test_a_task_that_finds_its_rows_counted_by_another_run_ends_quietly(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    submission = Submission.objects.create(channel=Submission.Channel.UPLOAD, filename="results.csv")
    submission.file.save("submission-test.csv", io.BytesIO(csv_bytes(many_rows(3))), save=True)
    import localtrace.results.tasks as tasks

    def counted_elsewhere(*args: object, **kwargs: object) -> None:
        raise CountedElsewhere(submission.pk, 1, 3)

    monkeypatch.setattr(tasks, "process_file", counted_elsewhere)
    process_submission.call(submission.pk)
