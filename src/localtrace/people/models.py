"""People: cases and contacts, one record per real person as far as matching can tell.

A Person merged into another keeps its row (with `merged_into` set) so the merge can be undone;
matching never offers a merged person as a candidate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from localtrace.people.names import name_key


class Person(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not known"

    nhs_number = models.CharField(max_length=10, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    address_line_1 = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, for example +447700900123")
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=8, default="en")
    # Normalised "given|family" used by exact matching; kept in step by save().
    match_key = models.CharField(max_length=220, editable=False)
    # Blocking keys for probabilistic matching (see people/blocking.py); kept in step by save().
    block_family_dob = models.CharField(max_length=120, editable=False, blank=True)
    block_given_dob = models.CharField(max_length=120, editable=False, blank=True)
    block_dob_postcode = models.CharField(max_length=24, editable=False, blank=True)
    block_given_postcode = models.CharField(max_length=120, editable=False, blank=True, default="", db_default="")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the retention period erased the details (audit/retention.py); the row stays for the figures.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            # Plain b-trees, declared here rather than with db_index=True, which on PostgreSQL also builds a
            # varchar_pattern_ops copy for LIKE that no lookup uses: every new person paid for five unused
            # indexes. match_key is served by person_exact_match, whose first column it is; the postcode
            # comes second so that candidates by name within a postcode are one probe each.
            models.Index(fields=["match_key", "postcode", "date_of_birth"], name="person_exact_match"),
            models.Index(fields=["nhs_number"], name="person_nhs_number"),
            models.Index(fields=["block_family_dob"], name="person_block_family_dob"),
            models.Index(fields=["block_given_dob"], name="person_block_given_dob"),
            models.Index(fields=["block_dob_postcode"], name="person_block_dob_postcode"),
            models.Index(fields=["block_given_postcode"], name="person_block_given_postcode"),
            models.Index(fields=["phone"], name="person_phone"),
            models.Index(fields=["email"], name="person_email"),
            # Only the few merged people: a new person adds nothing to it, and with no entry for "not
            # merged" the planner cannot pick it to find unmerged people (which, before a bulk import's
            # first statistics, it did, reading every person to find a batch's candidates).
            models.Index(
                fields=["merged_into"], name="person_merged_into", condition=models.Q(merged_into__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        from localtrace.people.blocking import blocking_keys, given_postcode_key

        self.match_key = self.key_for(self.given_name, self.family_name)
        self.block_family_dob, self.block_given_dob, self.block_dob_postcode = blocking_keys(
            self.given_name, self.family_name, self.date_of_birth, self.postcode
        )
        self.block_given_postcode = given_postcode_key(self.given_name, self.postcode)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def full_name(self) -> str:
        if self.erased_at is not None:
            return f"Details erased on {timezone.localtime(self.erased_at):%-d %B %Y}"
        return f"{self.given_name} {self.family_name}".strip()

    @staticmethod
    def key_for(given_name: str, family_name: str) -> str:
        return f"{name_key(given_name)}|{name_key(family_name)}"


class DuplicateReview(models.Model):
    """A pair of people who may be one: waiting for a data officer, or decided.

    `first` is always the older record (lower id), the one that survives a link.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for review"
        LINKED = "linked", "Linked as one person"
        KEPT_APART = "kept_apart", "Kept apart"

    class Source(models.TextChoices):
        INTAKE = "intake", "Intake"
        DEDUPE = "dedupe", "Batch deduplication"
        CHANGE = "change", "A change of details"

    first = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    # Comparison → level label, as scored when the pair was found (for "why were these paired?").
    levels = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.INTAKE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-match_probability", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_review_pair_once"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="duplicate_review_ordered"),
        ]
        indexes = [models.Index(fields=["status", "area"], name="duplicate_review_queue")]

    def __str__(self) -> str:
        return f"Possible duplicate {self.pk}"


class Merge(models.Model):
    """One person merged into another: what moved, so that it can be undone exactly."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(DuplicateReview, null=True, blank=True, on_delete=models.PROTECT, related_name="merges")
    # "app_label.model.field" → ids of the rows whose foreign key moved from `merged` to `survivor`.
    moved = models.JSONField(default=dict)
    # Survivor fields that were blank and were filled from the merged person: field → the blank value.
    filled = models.JSONField(default=dict)
    merged_at = models.DateTimeField(default=timezone.now)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"Merge {self.pk}"

    @property
    def rows_moved(self) -> int:
        return sum(len(ids) for ids in self.moved.values())
