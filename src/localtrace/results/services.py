"""The intake pipeline: every row of a submission is accepted, quarantined or a duplicate.

Rows go through in batches. Each batch is one transaction that also moves the
submission's counters on, so a crash (even kill -9) leaves the submission at the end
of its last whole batch, and running it again carries on from there: nothing lost,
nothing doubled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from localtrace.areas.models import Postcode
from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.audit.services import Action, record
from localtrace.cases.services import open_cases_for
from localtrace.core.bulk import insert_returning_ids
from localtrace.people.matching import PersonRecord, find_or_create_people
from localtrace.results.codes import POSITIVE
from localtrace.results.models import QuarantinedRow, Submission, Submitter, TestResult
from localtrace.results.reading import RawRow, ResultFileError, read_results
from localtrace.results.validation import CleanResult, Problems, validate

BATCH_SIZE = 2000


@dataclass
class RowOutcome:
    """What happened to one row, for API answers (OperationOutcome) and reports."""

    row_number: int
    outcome: str  # accepted | quarantined | duplicate
    reasons: list[str] = field(default_factory=list)
    result_id: int | None = None


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _routes(postcodes: set[str]) -> dict[str, int]:
    return dict(Postcode.objects.filter(postcode__in=postcodes).values_list("postcode", "upper_tier_id"))


def _readable_postcode(text: str) -> str:
    try:
        return normalise_postcode(text)
    except InvalidPostcode:
        return ""


def _existing_specimens(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (source, specimen) pairs are already results. One query per source, on the unique index."""
    by_source: dict[str, set[str]] = {}
    for source, specimen in keys:
        by_source.setdefault(source, set()).add(specimen)
    found: set[tuple[str, str]] = set()
    for source, specimens in by_source.items():
        found.update(
            TestResult.objects.filter(source_id=source, specimen_id__in=specimens).values_list(
                "source_id", "specimen_id"
            )
        )
    return found


def arrival_on_result_date(result: CleanResult, received_at: dt.datetime) -> dt.datetime:
    """When a result would have arrived on its result date: a time of day from 07:00 to 18:59 fixed by its
    specimen id, never later than `received_at`. Only for replaying an outbreak's results (the demo)."""
    minutes = int(hashlib.sha256(f"{result.source_id}/{result.specimen_id}".encode()).hexdigest()[:8], 16) % (12 * 60)
    day_start = timezone.make_aware(dt.datetime.combine(result.result_date, dt.time(7)))
    return min(day_start + dt.timedelta(minutes=minutes), received_at)


def process_batch(
    submission: Submission,
    rows: list[RawRow],
    *,
    today: dt.date,
    source_id: str | None = None,
    arrived_on_result_date_before: dt.date | None = None,
) -> list[RowOutcome]:
    """Account for every row of one batch in one transaction; returns each row's outcome.

    `arrived_on_result_date_before` (demo replays only): results dated before that day are treated as
    having arrived on their result date, so their cases' reach deadlines count from then.
    """
    outcomes: list[RowOutcome] = []
    clean: list[tuple[RawRow, CleanResult]] = []
    refused: list[tuple[RawRow, list[str], list[str]]] = []
    for row in rows:
        if row.problem:
            refused.append((row, [row.problem], ["row"]))
            continue
        verdict = validate(row.fields, today=today, source_id=source_id)
        if isinstance(verdict, Problems):
            refused.append((row, list(verdict), verdict.fields))
        else:
            clean.append((row, verdict))
    routable = {_readable_postcode(row.fields.get("postcode", "")) for row, _, _ in refused}
    quarantine_routes = _routes({p for p in routable if p})
    quarantine = [
        QuarantinedRow(
            submission=submission,
            row_number=row.row_number,
            source_id=source_id or (row.fields.get("source_id") or "").strip()[:40],
            specimen_id=(row.fields.get("specimen_id") or "").strip()[:64],
            fields=row.fields,
            raw_text=row.raw_text,
            reasons=reasons,
            reason_fields=reason_fields,
            area_id=quarantine_routes.get(_readable_postcode(row.fields.get("postcode", ""))),
        )
        for row, reasons, reason_fields in refused
    ]
    outcomes.extend(RowOutcome(q.row_number, "quarantined", q.reasons) for q in quarantine)

    with transaction.atomic():
        already = _existing_specimens({(c.source_id, c.specimen_id) for _, c in clean})
        fresh: list[tuple[RawRow, CleanResult]] = []
        seen: set[tuple[str, str]] = set()
        for row, result in clean:
            key = (result.source_id, result.specimen_id)
            if key in already or key in seen:
                outcomes.append(RowOutcome(row.row_number, "duplicate"))
            else:
                seen.add(key)
                fresh.append((row, result))

        routes = _routes({r.postcode for _, r in fresh})
        person_ids = find_or_create_people([_person_record(r) for _, r in fresh])
        received_at = timezone.now()
        arrivals = [
            arrival_on_result_date(r, received_at)
            if arrived_on_result_date_before and r.result_date < arrived_on_result_date_before
            else received_at
            for _, r in fresh
        ]
        result_ids = insert_returning_ids(
            TestResult,
            RESULT_COLUMNS,
            [
                (
                    r.source_id, r.specimen_id, submission.pk, row.row_number, person_id, routes.get(r.postcode),
                    r.postcode, r.test_type, r.test_code, r.result, r.specimen_date, r.result_date, r.care_home,
                    r.occupation, arrived,
                )
                for (row, r), person_id, arrived in zip(fresh, person_ids, arrivals, strict=True)
            ],
        )  # fmt: skip
        # Model objects only for the few results that open or join cases.
        positives = [
            TestResult(
                pk=result_id, source_id=r.source_id, specimen_id=r.specimen_id, person_id=person_id,
                area_id=routes.get(r.postcode), result=r.result, specimen_date=r.specimen_date,
                result_date=r.result_date, care_home=r.care_home, occupation=r.occupation, received_at=arrived,
            )
            for (_, r), person_id, result_id, arrived in zip(fresh, person_ids, result_ids, arrivals, strict=True)
            if r.result == POSITIVE
        ]  # fmt: skip
        births = {pid: r.date_of_birth for (_, r), pid in zip(fresh, person_ids, strict=True)}
        # One call per arrival time (a single one, unless replaying arrivals), earliest first.
        cases_opened = 0
        for arrived in sorted({p.received_at for p in positives}):
            cases_opened += open_cases_for(
                [p for p in positives if p.received_at == arrived], births=births, received_at=arrived
            )
        _resolve_earlier_quarantine(
            {(r.source_id, r.specimen_id): pk for (_, r), pk in zip(fresh, result_ids, strict=True)}
        )
        QuarantinedRow.objects.bulk_create(quarantine, batch_size=1000)
        outcomes.extend(
            RowOutcome(row.row_number, "accepted", result_id=pk) for (row, _), pk in zip(fresh, result_ids, strict=True)
        )

        counts = {"accepted": len(result_ids), "quarantined": len(quarantine), "duplicate": len(clean) - len(fresh)}
        Submission.objects.filter(pk=submission.pk).update(
            received=F("received") + len(rows),
            accepted=F("accepted") + counts["accepted"],
            quarantined=F("quarantined") + counts["quarantined"],
            duplicate=F("duplicate") + counts["duplicate"],
            cases_created=F("cases_created") + cases_opened,
        )
    outcomes.sort(key=lambda o: o.row_number)
    return outcomes


RESULT_COLUMNS = (
    "source_id", "specimen_id", "submission", "row_number", "person", "area", "postcode", "test_type", "test_code",
    "result", "specimen_date", "result_date", "care_home", "occupation", "received_at",
)  # fmt: skip


def _person_record(r: CleanResult) -> PersonRecord:
    return PersonRecord(
        nhs_number=r.nhs_number,
        given_name=r.given_name,
        family_name=r.family_name,
        date_of_birth=r.date_of_birth,
        sex=r.sex,
        address_line_1=r.address_line_1,
        postcode=r.postcode,
        phone=r.phone,
        email=r.email,
        preferred_language=r.preferred_language,
    )


def _resolve_earlier_quarantine(accepted: dict[tuple[str, str], int]) -> None:
    """A corrected row sent again (re-upload, a lab's resend) settles the row quarantined before."""
    by_source: dict[str, dict[str, int]] = {}
    for (source, specimen), pk in accepted.items():
        by_source.setdefault(source, {})[specimen] = pk
    for source, specimens in by_source.items():
        waiting = QuarantinedRow.objects.filter(
            source_id=source, specimen_id__in=specimens, status=QuarantinedRow.Status.OPEN
        ).values_list("pk", "specimen_id")
        for pk, specimen in waiting:
            QuarantinedRow.objects.filter(pk=pk).update(
                status=QuarantinedRow.Status.REPROCESSED, test_result_id=specimens[specimen], resolved_at=timezone.now()
            )


def claim(submission_id: int) -> Submission | None:
    """Take a submission to work on, unless it is finished. Safe to call twice (a retried task)."""
    updated = Submission.objects.filter(
        pk=submission_id, status__in=[Submission.Status.QUEUED, Submission.Status.PROCESSING]
    ).update(status=Submission.Status.PROCESSING, started_at=timezone.now())
    return Submission.objects.get(pk=submission_id) if updated else None


def process_rows(
    submission: Submission,
    rows: Iterable[RawRow],
    *,
    source_id: str | None = None,
    today: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    arrived_on_result_date_before: dt.date | None = None,
) -> Submission:
    """Run every row not yet accounted for, from the submission's resume point, then finish it."""
    today = today or timezone.localdate()
    submission.refresh_from_db()
    resume_after = submission.received
    pending = (row for row in rows if row.row_number > resume_after)
    for chunk in _chunks(pending, batch_size):
        process_batch(
            submission,
            chunk,
            today=today,
            source_id=source_id,
            arrived_on_result_date_before=arrived_on_result_date_before,
        )
        if progress:
            progress(len(chunk))
    return finish(submission)


def finish(submission: Submission, failure: str = "") -> Submission:
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.FAILED if failure else Submission.Status.DONE,
        failure_reason=failure,
        finished_at=timezone.now(),
    )
    submission.refresh_from_db()
    record(
        Action.CREATE,
        actor=submission.created_by,
        obj=submission,
        detail={
            "channel": submission.channel,
            "received": submission.received,
            "accepted": submission.accepted,
            "quarantined": submission.quarantined,
            "duplicate": submission.duplicate,
            "failure": failure,
        },
    )
    return submission


def checksum_of(handle: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return digest.hexdigest(), size


def process_file(
    submission: Submission,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    arrived_on_result_date_before: dt.date | None = None,
) -> Submission:
    """Read a stored CSV for a submission and account for every row."""
    source = submission.submitter.code if submission.submitter else None
    try:
        with path.open("rb") as handle:
            return process_rows(
                submission,
                read_results(handle, source_given=source is not None),
                source_id=source,
                progress=progress,
                arrived_on_result_date_before=arrived_on_result_date_before,
            )
    except ResultFileError as error:
        return finish(submission, failure=str(error))


def import_file(
    path: Path,
    *,
    actor: Any = None,
    submitter: Submitter | None = None,
    progress: Callable[[int], None] | None = None,
    arrived_on_result_date_before: dt.date | None = None,
) -> Submission:
    """The command-line door: a file on disk, processed now. Re-running after a crash resumes it.

    `arrived_on_result_date_before` is for replaying a simulated outbreak (the demo): see process_batch.
    """
    with path.open("rb") as handle:
        checksum, size = checksum_of(handle)
    unfinished = Submission.objects.filter(
        channel=Submission.Channel.COMMAND, checksum=checksum, status=Submission.Status.PROCESSING
    ).first()
    submission = unfinished or Submission.objects.create(
        channel=Submission.Channel.COMMAND,
        submitter=submitter,
        filename=path.name,
        checksum=checksum,
        size_bytes=size,
        created_by=actor,
    )
    claim(submission.pk)
    return process_file(
        submission, path, progress=progress, arrived_on_result_date_before=arrived_on_result_date_before
    )
