"""localtrace import-results FILE: import a results CSV now, with a progress bar and the row accounting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from localtrace.core.progress import progress_bar
from localtrace.results.models import Submission, Submitter
from localtrace.results.services import CountedElsewhere, import_file


class Command(BaseCommand):
    help = (
        "Import lab results from a CSV file (see docs/intake.md). Re-running after a crash carries on where it stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--submitter", help="Submitter code: every row comes from this source.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--arrived-on-result-date-before",
            metavar="DATE",
            help="For replaying a simulated outbreak (the demo): results dated before DATE (YYYY-MM-DD, 'today' or "
            "'yesterday') are treated as having arrived on their result date, so their reach deadlines have passed.",
        )

    def handle(
        self,
        *args: Any,
        path: Path,
        submitter: str | None,
        quiet: bool,
        arrived_on_result_date_before: str | None,
        **options: Any,
    ) -> None:
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        before = _day(arrived_on_result_date_before) if arrived_on_result_date_before else None
        source = None
        if submitter:
            source = Submitter.objects.filter(code=submitter).first()
            if source is None:
                raise CommandError(f"There is no submitter with the code {submitter}.")
        try:
            with progress_bar(f"Importing {path.name}", total=None, quiet=quiet) as advance:
                submission = import_file(path, submitter=source, progress=advance, arrived_on_result_date_before=before)
        except CountedElsewhere as error:
            raise CommandError(str(error)) from None
        if submission.status == Submission.Status.FAILED:
            raise CommandError(f"The file was refused: {submission.failure_reason}")
        self.stdout.write(
            f"Submission {submission.pk}: received {submission.received} = accepted {submission.accepted}"
            f" + quarantined {submission.quarantined} + duplicate {submission.duplicate};"
            f" {submission.cases_created} new cases."
        )


def _day(text: str) -> dt.date:
    today = timezone.localdate()
    named = {"today": today, "yesterday": today - dt.timedelta(days=1)}
    if text in named:
        return named[text]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"“{text}” is not a date: use YYYY-MM-DD, today or yesterday.") from None
