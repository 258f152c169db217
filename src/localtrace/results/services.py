"""The intake pipeline: every row of a submission is accepted, quarantined or a duplicate.

Rows go through in batches. Each batch is one transaction that also moves the
submission's counters on, so a crash (even kill -9) leaves the submission at the end
of its last whole batch, and running it again carries on from there: nothing lost,
nothing doubled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from localtrace.accounts.access import scoped
from localtrace.areas.models import Postcode
from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.audit.services import Action, record
from localtrace.cases.services import open_cases_for
from localtrace.core.bulk import insert_returning_ids
from localtrace.core.forked import iterate_in_child
from localtrace.core.heap import fewer_collections
from localtrace.core.lookups import index_probes, text_array
from localtrace.people.matching import PersonRecord, find_or_create_people
from localtrace.results.codes import POSITIVE
from localtrace.results.models import QuarantinedRow, Submission, SubmissionDuplicates, Submitter, TestResult
from localtrace.results.reading import COLUMNS, READING, RawRow, ResultFileError, read_results
from localtrace.results.validation import CleanResult, Problems, validate

BATCH_SIZE = 2000
# Files from this size up are read and validated in a second process (a forked child) while this
# one writes; below it, starting that process costs more than it saves.
PIPELINE_MIN_BYTES = 1 << 20
# A quarantine download's reference, as written there ("Q123"), give or take the letter's case.
_QUARANTINE_REFERENCE = re.compile(r"^[Qq]?(\d{1,18})$")


@dataclass
class RowOutcome:
    """What happened to one row, for API answers (OperationOutcome) and reports."""

    row_number: int
    outcome: str  # accepted | quarantined | duplicate
    # A quarantined row's reasons; for a duplicate of a row still waiting in quarantine, that row's reasons.
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
    return dict(Postcode.objects.filter(postcode__any_of=postcodes).values_list("postcode", "upper_tier_id"))


def _readable_postcode(text: str) -> str:
    try:
        return normalise_postcode(text)
    except InvalidPostcode:
        return ""


def _by_source(pairs: Iterable[tuple[str, str]]) -> Q:
    """One condition for (source, specimen) pairs: per source, its specimens as one list, so each
    branch uses a (source, specimen) index, in one query rather than one per source."""
    by_source: dict[str, list[str]] = {}
    for source, specimen in pairs:
        by_source.setdefault(source, []).append(specimen)
    condition = Q()
    for source, specimens in by_source.items():
        condition |= Q(source_id=source, specimen_id__any_of=specimens)
    return condition


def _existing_specimens(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (source, specimen) pairs are already results: one probe of the unique index per pair.

    On PostgreSQL the batch's pairs are joined as a list, one probe each (see `index_probes`): left to
    itself the planner scanned every result for each batch of a first large import.
    """
    if not keys:
        return set()
    if connection.vendor == "postgresql":
        pairs = list(keys)
        sources_sql, sources = text_array([source for source, _ in pairs])
        specimens_sql, specimens = text_array([specimen for _, specimen in pairs])
        # Only placeholders and the model's own table name are spliced in, never values.
        rows = index_probes(
            "SELECT r.source_id, r.specimen_id"  # noqa: S608
            f" FROM unnest({sources_sql}, {specimens_sql}) AS k (source_id, specimen_id)"
            f' CROSS JOIN LATERAL (SELECT source_id, specimen_id FROM "{TestResult._meta.db_table}"'
            " WHERE source_id = k.source_id AND specimen_id = k.specimen_id OFFSET 0) AS r",
            [*sources, *specimens],
        )
        return {(source, specimen) for source, specimen in rows}
    return set(TestResult.objects.filter(_by_source(keys)).values_list("source_id", "specimen_id"))


def arrival_on_result_date(result: CleanResult, received_at: dt.datetime) -> dt.datetime:
    """When a result would have arrived on its result date: a time of day from 07:00 to 18:59 fixed by its
    specimen id, never later than `received_at`. Only for replaying an outbreak's results (the demo)."""
    minutes = int(hashlib.sha256(f"{result.source_id}/{result.specimen_id}".encode()).hexdigest()[:8], 16) % (12 * 60)
    day_start = timezone.make_aware(dt.datetime.combine(result.result_date, dt.time(7)))
    return min(day_start + dt.timedelta(minutes=minutes), received_at)


class CountedElsewhere(RuntimeError):
    """Another process counted these rows of the submission first (the same file imported twice at once)."""

    def __init__(self, submission_id: int, first_row: int, counted: int) -> None:
        super().__init__(
            f"Submission {submission_id} has already counted {counted:,} rows, but this process was about to count "
            f"from row {first_row:,}: another process is working on the same submission (the same file imported "
            "again while the first import was still running). This one stopped, so no row is counted twice; the "
            "other carries on."
        )
        self.submission_id = submission_id


@dataclass
class Refused:
    """A row that cannot be accepted, with everything its quarantine row needs."""

    row: RawRow
    reasons: list[str]
    reason_fields: list[str]
    postcode: str  # the row's postcode in standard form when it reads as one, for routing


@dataclass
class PreparedBatch:
    """One batch after the work that needs no database: validation and matching keys.

    Built in a second process for files (see `prepared_batches`), so validation runs on one core
    while the database work of the previous batch runs on the other.
    """

    rows: int
    # The number of its first row: the batch must start where the submission's count stands (see commit_batch).
    first_row: int = 0
    clean: list[tuple[int, CleanResult, PersonRecord]] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    # Row number → the quarantined row (pk) it says it corrects: a re-uploaded quarantine download.
    references: dict[int, int] = field(default_factory=dict)


def prepare_batch(rows: list[RawRow], *, today: dt.date, source_id: str | None = None) -> PreparedBatch:
    """Validate a batch and work out each clean row's person keys. Pure: no database."""
    batch = PreparedBatch(rows=len(rows), first_row=rows[0].row_number if rows else 0)
    for row in rows:
        if row.reference and (match := _QUARANTINE_REFERENCE.match(row.reference)):
            batch.references[row.row_number] = int(match[1])
        if row.problem:
            verdict: CleanResult | Problems | None = None
            reasons, reason_fields = [row.problem], ["row"]
        else:
            verdict = validate(row.fields, today=today, source_id=source_id)
            if not isinstance(verdict, Problems):
                person = _person_record(verdict)
                # Worked out here, in the preparing process; the postcode keys only where needed (people.matching).
                person.first_lookup_keys, person.exact_key  # noqa: B018
                batch.clean.append((row.row_number, verdict, person))
                continue
            reasons, reason_fields = list(verdict), verdict.fields
        postcode = _readable_postcode(row.fields.get("postcode", ""))
        batch.refused.append(Refused(row, reasons, reason_fields, postcode))
    return batch


def process_batch(
    submission: Submission,
    rows: list[RawRow],
    *,
    today: dt.date,
    source_id: str | None = None,
    arrived_on_result_date_before: dt.date | None = None,
) -> list[RowOutcome]:
    """Account for every row of one batch in one transaction; returns each row's outcome."""
    return commit_batch(
        submission,
        prepare_batch(rows, today=today, source_id=source_id),
        source_id=source_id,
        arrived_on_result_date_before=arrived_on_result_date_before,
    )


def commit_batch(
    submission: Submission,
    batch: PreparedBatch,
    *,
    source_id: str | None = None,
    arrived_on_result_date_before: dt.date | None = None,
    row_outcomes: bool = True,
) -> list[RowOutcome]:
    """The database half of a batch, in one transaction: duplicates, people, results, cases, counters.

    Returns each row's outcome, unless `row_outcomes` is false (a file import, which keeps only the
    submission's counts, then skips making one object per row).
    `arrived_on_result_date_before` (demo replays only): results dated before that day are treated as
    having arrived on their result date, so their cases' reach deadlines count from then.
    """
    outcomes: list[RowOutcome] = []
    refused_keys = [_specimen_key(r, source_id) for r in batch.refused]

    with transaction.atomic():
        if batch.first_row:
            # Rows are counted in file order, so a batch starts where the count stands. Checked under the
            # submission's lock: two processes on one submission (an import run again while the first is
            # still going) would otherwise each count the same rows, the second time as duplicates.
            counted = (
                Submission.objects.select_for_update().filter(pk=submission.pk).values_list("received", flat=True).get()
            )
            if counted != batch.first_row - 1:
                raise CountedElsewhere(submission.pk, batch.first_row, counted)
        already = _existing_specimens(
            {(c.source_id, c.specimen_id) for _, c, _ in batch.clean} | {key for key in refused_keys if key}
        )
        fresh: list[tuple[int, CleanResult, PersonRecord]] = []
        seen: dict[tuple[str, str], int] = {}  # accepted in this batch → its row number
        duplicates: dict[int, tuple[str, str]] = {}  # row number → its (source, specimen)
        for row_number, result, person in batch.clean:
            key = (result.source_id, result.specimen_id)
            if key in already or key in seen:
                duplicates[row_number] = key
            else:
                seen[key] = row_number
                fresh.append((row_number, result, person))

        # A bad row is a duplicate too when its result is already in (before it), or when the same row,
        # unchanged, is already waiting in quarantine: sent again, it would otherwise open a second copy.
        waiting = _open_quarantine_fields({key for key in refused_keys if key and key not in already})
        held: list[Refused] = []
        still_held: dict[int, list[str]] = {}  # duplicates of a row waiting in quarantine → its reasons
        for refused, refused_key in zip(batch.refused, refused_keys, strict=True):
            row_number = refused.row.row_number
            if refused_key is not None:
                if refused_key in already or seen.get(refused_key, row_number) < row_number:
                    duplicates[row_number] = refused_key
                    continue
                fields = _comparable(refused.row.fields)
                copies = waiting.setdefault(refused_key, [])
                if fields in copies:
                    duplicates[row_number] = refused_key
                    still_held[row_number] = refused.reasons
                    continue
                copies.append(fields)
            held.append(refused)

        quarantine_routes = _routes({r.postcode for r in held if r.postcode})
        quarantine = [
            QuarantinedRow(
                submission=submission,
                row_number=r.row.row_number,
                source_id=source_id or (r.row.fields.get("source_id") or "").strip()[:40],
                specimen_id=(r.row.fields.get("specimen_id") or "").strip()[:64],
                fields=r.row.fields,
                raw_text=r.row.raw_text,
                reasons=r.reasons,
                reason_fields=r.reason_fields,
                area_id=quarantine_routes.get(r.postcode),
            )
            for r in held
        ]

        routes = _routes({r.postcode for _, r, _ in fresh})
        person_ids = find_or_create_people([person for _, _, person in fresh])
        received_at = timezone.now()
        arrivals = [
            arrival_on_result_date(r, received_at)
            if arrived_on_result_date_before and r.result_date < arrived_on_result_date_before
            else received_at
            for _, r, _ in fresh
        ]
        result_ids = insert_returning_ids(
            TestResult,
            RESULT_COLUMNS,
            [
                (
                    r.source_id, r.specimen_id, submission.pk, row_number, person_id, routes.get(r.postcode),
                    r.postcode, r.test_type, r.test_code, r.result, r.specimen_date, r.result_date, r.care_home,
                    r.occupation, arrived,
                )
                for (row_number, r, _), person_id, arrived in zip(fresh, person_ids, arrivals, strict=True)
            ],
        )  # fmt: skip
        # Model objects only for the few results that open or join cases.
        positives = [
            TestResult(
                pk=result_id, source_id=r.source_id, specimen_id=r.specimen_id, person_id=person_id,
                area_id=routes.get(r.postcode), result=r.result, specimen_date=r.specimen_date,
                result_date=r.result_date, care_home=r.care_home, occupation=r.occupation, received_at=arrived,
            )
            for (_, r, _), person_id, result_id, arrived in zip(fresh, person_ids, result_ids, arrivals, strict=True)
            if r.result == POSITIVE
        ]  # fmt: skip
        births = {pid: r.date_of_birth for (_, r, _), pid in zip(fresh, person_ids, strict=True)}
        # One call per arrival time (a single one, unless replaying arrivals), earliest first.
        cases_opened = 0
        for arrived in sorted({p.received_at for p in positives}):
            cases_opened += open_cases_for(
                [p for p in positives if p.received_at == arrived], births=births, received_at=arrived
            )
        # Stored first, so a good copy later in this same batch settles a bad row quarantined above.
        QuarantinedRow.objects.bulk_create(quarantine, batch_size=1000)
        _resolve_earlier_quarantine(
            {(r.source_id, r.specimen_id): pk for (_, r, _), pk in zip(fresh, result_ids, strict=True)}
        )
        if batch.references:
            accepted = {
                row_number: ((r.source_id, r.specimen_id), pk)
                for (row_number, r, _), pk in zip(fresh, result_ids, strict=True)
                if row_number in batch.references
            }
            # A copy of a row still waiting in quarantine went nowhere: it settles nothing.
            went_in = {n: key for n, key in duplicates.items() if n not in still_held}
            _resolve_referenced_quarantine(submission, batch.references, accepted, went_in)
        if row_outcomes:
            outcomes.extend(
                RowOutcome(row_number, "accepted", result_id=pk)
                for (row_number, _, _), pk in zip(fresh, result_ids, strict=True)
            )
            outcomes.extend(RowOutcome(q.row_number, "quarantined", q.reasons) for q in quarantine)
            outcomes.extend(RowOutcome(n, "duplicate", still_held.get(n, [])) for n in duplicates)

        counts = {
            "accepted": len(result_ids),
            "quarantined": len(quarantine),
            "duplicate": len(duplicates),
        }
        assert sum(counts.values()) == batch.rows, "every row of a batch is accepted, quarantined or a duplicate"
        Submission.objects.filter(pk=submission.pk).update(
            received=F("received") + batch.rows,
            accepted=F("accepted") + counts["accepted"],
            quarantined=F("quarantined") + counts["quarantined"],
            duplicate=F("duplicate") + counts["duplicate"],
            cases_created=F("cases_created") + cases_opened,
            progressed_at=timezone.now(),
        )
        if duplicates:
            # Counted as its quarantined rows are: under the sender's source, else the one the row names.
            by_source = Counter(source_id or source for source, _ in duplicates.values())
            _count_duplicates_by_source(submission, by_source)
    if not row_outcomes:
        return []
    outcomes.sort(key=lambda o: o.row_number)
    return outcomes


def _specimen_key(refused: Refused, source_id: str | None) -> tuple[str, str] | None:
    """A refused row's (source, specimen), when it has both and neither is too long to be stored."""
    # The source the row names comes first: a row naming another laboratory than the chosen one is
    # quarantined for it, and must not be matched as a copy of the chosen laboratory's result.
    source = (refused.row.fields.get("source_id") or "").strip() or source_id
    specimen = (refused.row.fields.get("specimen_id") or "").strip()
    if source and specimen and len(source) <= 40 and len(specimen) <= 64:
        return source, specimen
    return None


def _comparable(fields: dict[str, str]) -> dict[str, str]:
    """A row's cells in every column, blank where it had none, to tell whether two rows are the same."""
    return {column: fields.get(column) or "" for column in COLUMNS}


def _open_quarantine_fields(keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, str]]]:
    """The rows of open quarantined copies of these (source, specimen) pairs, on the by-specimen index."""
    if not keys:
        return {}
    found: dict[tuple[str, str], list[dict[str, str]]] = {}
    for source, specimen, fields in (
        QuarantinedRow.objects.filter(_by_source(keys), status=QuarantinedRow.Status.OPEN)
        .order_by()
        .values_list("source_id", "specimen_id", "fields")
    ):
        found.setdefault((source, specimen), []).append(_comparable(fields or {}))
    return found


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


def _count_duplicates_by_source(submission: Submission, counts: Counter[str]) -> None:
    """Adds a batch's duplicates to its submission's count for each source (the batches of one submission
    run one after another, and the submission row was just updated, so it is locked)."""
    held = set(
        SubmissionDuplicates.objects.filter(submission=submission, source_id__in=counts).values_list(
            "source_id", flat=True
        )
    )
    for source in held:
        SubmissionDuplicates.objects.filter(submission=submission, source_id=source).update(
            rows=F("rows") + counts[source]
        )
    SubmissionDuplicates.objects.bulk_create(
        SubmissionDuplicates(submission=submission, source_id=source, rows=n)
        for source, n in counts.items()
        if source not in held
    )


def _resolve_earlier_quarantine(accepted: dict[tuple[str, str], int]) -> None:
    """A corrected row sent again (re-upload, a lab's resend) settles the row quarantined before."""
    if not accepted:
        return
    # One query per batch on the (source, specimen, status) index; unordered, so no join.
    waiting = (
        QuarantinedRow.objects.filter(_by_source(accepted), status=QuarantinedRow.Status.OPEN)
        .order_by()
        .values_list("pk", "source_id", "specimen_id")
    )
    for pk, source, specimen in waiting:
        QuarantinedRow.objects.filter(pk=pk).update(
            status=QuarantinedRow.Status.REPROCESSED,
            test_result_id=accepted[(source, specimen)],
            resolved_at=timezone.now(),
        )


def _resolve_referenced_quarantine(
    submission: Submission,
    references: dict[int, int],
    accepted: dict[int, tuple[tuple[str, str], int]],
    duplicates: dict[int, tuple[str, str]],
) -> None:
    """A row of a re-uploaded quarantine download settles the quarantined row it names.

    Only a row that went in (accepted, or a duplicate of a result already in), only an open row the
    uploader may fix, and only one it can be a correction of: its source and specimen ID are the same,
    unless that was what was wrong with it. Any other reference is left alone; the row counts on its own.
    """
    wanted = {pk for row_number, pk in references.items() if row_number in accepted or row_number in duplicates}
    if not wanted or submission.created_by is None:
        return
    candidates = {
        pk: (source, specimen, set(reason_fields or []))
        for pk, source, specimen, reason_fields in scoped(
            submission.created_by,
            "quarantine.fix",
            QuarantinedRow.objects.filter(pk__in=wanted, status=QuarantinedRow.Status.OPEN),
        ).values_list("pk", "source_id", "specimen_id", "reason_fields")
    }
    now = timezone.now()
    for row_number, pk in sorted(references.items()):
        if pk not in candidates:
            continue
        if row_number in accepted:
            key, result_id = accepted[row_number]
            status, result = QuarantinedRow.Status.REPROCESSED, result_id
        elif row_number in duplicates:
            key, result = duplicates[row_number], None
            status = QuarantinedRow.Status.DUPLICATE
        else:
            continue
        source, specimen, at_fault = candidates[pk]
        if (source and "source_id" not in at_fault and source.casefold() != key[0].casefold()) or (
            specimen and "specimen_id" not in at_fault and specimen.casefold() != key[1].casefold()
        ):
            continue  # not a correction of that row: a reference column sorted apart from its rows, say
        del candidates[pk]  # one row settles it; a second naming it is left alone
        QuarantinedRow.objects.filter(pk=pk, status=QuarantinedRow.Status.OPEN).update(
            status=status, test_result_id=result, resolved_by=submission.created_by, resolved_at=now
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
    batches = (prepare_batch(chunk, today=today, source_id=source_id) for chunk in _chunks(pending, batch_size))
    return _commit_all(submission, batches, source_id, progress, arrived_on_result_date_before)


def _commit_all(
    submission: Submission,
    batches: Iterable[PreparedBatch],
    source_id: str | None,
    progress: Callable[[int], None] | None,
    arrived_on_result_date_before: dt.date | None,
) -> Submission:
    for batch in batches:
        commit_batch(
            submission,
            batch,
            source_id=source_id,
            arrived_on_result_date_before=arrived_on_result_date_before,
            row_outcomes=False,
        )
        if progress:
            progress(batch.rows)
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
            # Laboratories send with a token, not as a signed-in user: the trail names who sent it.
            **({"submitter": submitter_code} if (submitter_code := _submitter_code(submission)) else {}),
        },
    )
    return submission


def _submitter_code(submission: Submission) -> str:
    if submission.submitter_id is None:
        return ""
    return Submitter.objects.filter(pk=submission.submitter_id).values_list("code", flat=True).first() or ""


def checksum_of(handle: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return digest.hexdigest(), size


def _prepared_from_file(
    path: Path, resume_after: int, source_id: str | None, today: dt.date, batch_size: int, reading: int
) -> Iterator[PreparedBatch]:
    with path.open("rb") as handle:
        rows = read_results(handle, source_given=source_id is not None, reading=reading)
        pending = (row for row in rows if row.row_number > resume_after)
        for chunk in _chunks(pending, batch_size):
            yield prepare_batch(chunk, today=today, source_id=source_id)


def prepared_batches(
    path: Path,
    *,
    resume_after: int,
    source_id: str | None,
    today: dt.date,
    batch_size: int = BATCH_SIZE,
    reading: int = READING,
) -> contextlib.AbstractContextManager[Iterator[PreparedBatch]]:
    """The file's batches after `resume_after`, read by rule `reading` and validated in a forked child process."""
    return iterate_in_child(_prepared_from_file, path, resume_after, source_id, today, batch_size, reading)


def process_file(
    submission: Submission,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    arrived_on_result_date_before: dt.date | None = None,
) -> Submission:
    """Read a stored CSV for a submission and account for every row.

    Files of `PIPELINE_MIN_BYTES` or more are read and validated in a second process while this one
    writes (see `prepared_batches`); smaller ones are not worth starting it for.
    """
    source = submission.submitter.code if submission.submitter else None
    today = timezone.localdate()
    with fewer_collections():
        try:
            if path.stat().st_size >= PIPELINE_MIN_BYTES:
                submission.refresh_from_db()  # its resume point (process_rows reads it itself)
                with prepared_batches(
                    path, resume_after=submission.received, source_id=source, today=today, batch_size=BATCH_SIZE,
                    reading=submission.reading,
                ) as batches:  # fmt: skip
                    return _commit_all(submission, batches, source, progress, arrived_on_result_date_before)
            with path.open("rb") as handle:
                return process_rows(
                    submission,
                    read_results(handle, source_given=source is not None, reading=submission.reading),
                    source_id=source,
                    today=today,
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
