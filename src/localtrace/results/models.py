"""Submitters, submissions (with their row accounting), test results and quarantined rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from localtrace.results.reading import READING


class Submitter(models.Model):
    """A laboratory or testing provider that sends results."""

    code = models.CharField(max_length=40, unique=True, help_text="The source id on its results, e.g. LAB-NORTH.")
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SubmitterToken(models.Model):
    """An API token that may only submit results for one submitter; stored as a hash."""

    submitter = models.ForeignKey(Submitter, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The first characters, to tell tokens apart.")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.submitter} token {self.prefix}…"


class Submission(models.Model):
    """One file or API call, and the account of every row in it."""

    class Channel(models.TextChoices):
        API = "api", "FHIR API"
        UPLOAD = "upload", "Upload"
        COMMAND = "command", "Command line"
        CORRECTION = "correction", "Corrected row"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Refused"

    channel = models.CharField(max_length=12, choices=Channel.choices)
    submitter = models.ForeignKey(
        Submitter, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    filename = models.CharField(max_length=255, blank=True)
    file = models.FileField(upload_to="submissions/%Y/%m/", blank=True)
    checksum = models.CharField(max_length=64, blank=True, db_index=True, help_text="SHA-256 of the file")
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    failure_reason = models.TextField(blank=True)
    # The row accounting. Rows are counted in file order; `received` is also the resume point.
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    duplicate = models.PositiveIntegerField(default=0)
    cases_created = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When a batch was last counted: an upload "Processing" with no batch for a while has lost its worker.
    progressed_at = models.DateTimeField(null=True, blank=True)
    # How many times such an upload has been put back on the queue (results.tasks.resume_stalled_uploads).
    resumes = models.PositiveSmallIntegerField(default=0)
    # The reading rule its file is read by (results.reading.READING when it arrived): a resumed import numbers
    # its rows as it began to.
    reading = models.PositiveSmallIntegerField(default=READING)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="submission_rows_accounted",
                condition=Q(received=F("accepted") + F("quarantined") + F("duplicate")),
            )
        ]

    def __str__(self) -> str:
        return f"Submission {self.pk}"

    @property
    def accounted(self) -> bool:
        return self.received == self.accepted + self.quarantined + self.duplicate


class SubmissionDuplicates(models.Model):
    """How many of a submission's duplicate rows came from each source.

    A file may carry several laboratories' rows, so the submission's one `duplicate` count cannot say whose
    they are; the data-quality report gives each source its own from here.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="duplicates_by_source")
    source_id = models.CharField(max_length=40)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "source_id"], name="submission_duplicates_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.rows} duplicates from {self.source_id} in submission {self.submission_id}"


class TestResult(models.Model):
    """An accepted lab result, linked to a person and routed to an area."""

    __test__ = False  # not a pytest test class

    source_id = models.CharField(max_length=40)
    specimen_id = models.CharField(max_length=64)
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="results")
    row_number = models.PositiveIntegerField()
    # No index of their own: the (person, result_date) and (area, result_date) indexes below serve every
    # lookup by person or area, and each index fewer is less work for every row an import writes.
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="test_results", db_index=False)
    # Null when the postcode is well-formed but in no area this deployment serves.
    area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    postcode = models.CharField(max_length=8)
    test_type = models.CharField(max_length=4)
    test_code = models.CharField(max_length=16, blank=True)
    result = models.CharField(max_length=8)
    specimen_date = models.DateField()
    result_date = models.DateField()
    care_home = models.BooleanField(default=False)
    occupation = models.CharField(max_length=16, blank=True)
    # Most results are negative and never join a case: the index holds only those that do.
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="results", db_index=False
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source_id", "specimen_id"], name="result_unique_specimen")]
        indexes = [
            models.Index(fields=["area", "result_date"]),
            models.Index(fields=["person", "result_date"]),
            models.Index(fields=["case"], name="result_case", condition=models.Q(case__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"Result {self.pk}"


REASON_FIELD_LABELS = {
    "row": "Unreadable row",
    "source_id": "Source",
    "specimen_id": "Specimen ID",
    "given_name": "Given name",
    "family_name": "Family name",
    "nhs_number": "NHS number",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "phone": "Phone number",
    "email": "Email address",
    "preferred_language": "Preferred language",
    "test": "Test type or code",
    "result": "Result",
    "test_dates": "Specimen and result dates",
    "care_home": "Care home",
    "occupation": "Occupation",
}


class QuarantinedRow(models.Model):
    """A row that could not be accepted, kept with its raw text and every reason."""

    class Status(models.TextChoices):
        OPEN = "open", "To fix"
        REPROCESSED = "reprocessed", "Fixed and accepted"
        DUPLICATE = "duplicate", "Fixed: a duplicate"
        DISMISSED = "dismissed", "Dismissed"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="quarantined_rows")
    row_number = models.PositiveIntegerField()
    source_id = models.CharField(max_length=40, blank=True, db_index=True)
    # Kept apart from `fields` so a corrected re-upload of the same specimen can resolve this row.
    specimen_id = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=dict)
    raw_text = models.TextField(blank=True)
    reasons = models.JSONField(default=list)
    # The field each reason concerns (same order), for the data-quality report.
    reason_fields = models.JSONField(default=list)
    # Where the row would go if its postcode can be read; unrouted rows are for administrators.
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    test_result = models.ForeignKey(TestResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Why staff dismissed it: free text that may name someone, so kept here (erased by age with the row's
    # text), never in the append-only audit trail.
    dismissed_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "row_number"]
        constraints = [models.UniqueConstraint(fields=["submission", "row_number"], name="quarantine_unique_row")]
        indexes = [models.Index(fields=["source_id", "specimen_id", "status"], name="quarantine_by_specimen")]

    def __str__(self) -> str:
        return f"Row {self.row_number} of submission {self.submission_id}"
