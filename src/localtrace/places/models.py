"""Settings (places people gather, in the public-health sense) and visits to them by cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone

# The longest reason a user may give for a dismissal or a removal: longer ones are refused, never cut.
REASON_MAX = 500
# The longest action or note on an outbreak: a longer one is refused, never cut.
TASK_TEXT_MAX = 2000


class Setting(models.Model):
    class Kind(models.TextChoices):
        WORKPLACE = "workplace", "Workplace"
        SCHOOL = "school", "School, college or nursery"
        CARE_HOME = "care_home", "Care home"
        HOSPITALITY = "hospitality", "Pub, restaurant, café or hotel"
        PLACE_OF_WORSHIP = "worship", "Place of worship"
        HEALTHCARE = "healthcare", "Healthcare (hospital, GP, pharmacy)"
        OTHER = "other", "Somewhere else"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="settings")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    address_line_1 = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    # Who outbreak letters go to; optional, and only ever used for this setting.
    manager_email = models.EmailField(blank=True)
    manager_phone = models.CharField(max_length=20, blank=True, help_text="E.164, for example +447700900123")
    created_at = models.DateTimeField(default=timezone.now)
    # A near-duplicate merged into another setting by a team lead: its visits moved there, it stays for history.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["area", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def has_manager_contact(self) -> bool:
        """Whether its manager can be sent the outbreak message, by email or text."""
        return bool(self.manager_email or self.manager_phone)

    @property
    def place_line(self) -> str:
        """Name, address and postcode in one line, as a list shows them."""
        return ", ".join(part for part in (self.name, self.address_line_1, self.postcode) if part)


class Visit(models.Model):
    """A case at a setting on a date: backward (where they may have caught it) or forward (while infectious)."""

    class Direction(models.TextChoices):
        BACKWARD = "backward", "Before they were infectious (where they may have caught it)"
        FORWARD = "forward", "While infectious (who they may have passed it to)"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="visits")
    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField()
    # visited_on as a day number (date.toordinal()), kept in step by save(), so the cluster detection's one
    # SQL text can subtract days alike on SQLite, PostgreSQL and DuckDB (they share no date arithmetic).
    visited_day = models.IntegerField(editable=False, default=0)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_online = models.BooleanField(default=False)

    class Meta:
        ordering = ["visited_on", "pk"]
        indexes = [models.Index(fields=["setting", "visited_on"]), models.Index(fields=["setting", "visited_day"])]

    def __str__(self) -> str:
        return f"{self.setting} on {self.visited_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.visited_day = day_number(self.visited_on)
        super().save(*args, **kwargs)


def day_number(day: dt.date | str) -> int:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return day.toordinal()


class Cluster(models.Model):
    """Cases from two or more households at one setting within the detection window, found by the scheduled scan."""

    class Status(models.TextChoices):
        OPEN = "open", "New"
        DISMISSED = "dismissed", "Dismissed"
        PROMOTED = "promoted", "Outbreak"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="clusters")
    first_visit_on = models.DateField()
    last_visit_on = models.DateField()
    case_count = models.PositiveIntegerField()
    household_count = models.PositiveIntegerField()
    # Cases that named the setting in their backward window (where they may have caught it).
    backward_case_count = models.PositiveIntegerField()
    score = models.FloatField()
    explanation = models.CharField(max_length=300)
    cases = models.ManyToManyField("cases.Case", related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    detected_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_reason = models.CharField(max_length=REASON_MAX, blank=True)
    # Cases at dismissal: a dismissed cluster that grows beyond this alerts again.
    dismissed_case_count = models.PositiveIntegerField(default=0)
    outbreak = models.ForeignKey(
        "places.Outbreak", null=True, blank=True, on_delete=models.SET_NULL, related_name="clusters"
    )
    # Cases that joined its outbreak at scans since a team lead last reviewed it: alerts like a new cluster.
    unreviewed_case_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-score", "-last_visit_on", "pk"]
        indexes = [models.Index(fields=["area", "status"]), models.Index(fields=["setting", "last_visit_on"])]

    def __str__(self) -> str:
        return f"Cluster {self.pk}"

    @property
    def reference(self) -> str:
        return f"CL{self.pk}"

    @property
    def needs_review(self) -> bool:
        """New and undecided, or made an outbreak that cases have joined since a team lead last looked."""
        return self.status == self.Status.OPEN or (
            self.status == self.Status.PROMOTED and self.unreviewed_case_count > 0
        )


class Outbreak(models.Model):
    """A cluster (or several) a team lead manages: linked cases, settings, actions, notes and a timeline."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MONITORING = "monitoring", "Monitoring"
        CLOSED = "closed", "Closed"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    settings = models.ManyToManyField(Setting, related_name="outbreaks")
    cases = models.ManyToManyField("cases.Case", related_name="outbreaks")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def reference(self) -> str:
        return f"OB{self.pk}"


class OutbreakEvent(models.Model):
    """One entry of an outbreak's timeline: read from these rows, never reconstructed."""

    outbreak = models.ForeignKey(Outbreak, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20)
    text = models.CharField(max_length=500)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.text


class OutbreakTask(models.Model):
    """An action (something to do, with an owner and a due date) or a note on an outbreak."""

    class Kind(models.TextChoices):
        ACTION = "action", "Action"
        NOTE = "note", "Note"

    outbreak = models.ForeignKey(Outbreak, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    text = models.TextField(max_length=TASK_TEXT_MAX)
    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Open first, by due date with undated ones last, then done ones: spelt out, because NULLs sort
        # first on SQLite and last on PostgreSQL.
        ordering = [
            models.F("done_at").asc(nulls_first=True),
            models.F("due_on").asc(nulls_last=True),
            "pk",
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.outbreak}"

    @property
    def is_overdue(self) -> bool:
        """An action not done by the end of its due day."""
        return self.done_at is None and self.due_on is not None and self.due_on < timezone.localdate()


class ClusterScan(models.Model):
    """One run of cluster detection: when, and what it found (the alerts page says when the last one ran)."""

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    found = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Cluster scan at {self.started_at:%Y-%m-%d %H:%M}"
