"""Cases: a person with a positive result, owned by an area's team, with a priority and a reach deadline."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Priority(models.IntegerChoices):
    """Lower numbers are called first."""

    CARE_HOME = 1, "Care home"
    HEALTH_OR_SOCIAL_CARE = 2, "Health or social care worker"
    SCHOOL = 3, "School"
    VULNERABLE = 4, "Clinically vulnerable or older"
    STANDARD = 5, "Standard"


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "Not yet contacted"
        IN_PROGRESS = "in_progress", "Being traced"
        REACHED = "reached", "Reached"
        COMPLETED = "completed", "Completed"
        UNREACHABLE = "unreachable", "Could not be reached"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.STANDARD)
    priority_reasons = models.JSONField(default=list, blank=True)
    first_result = models.ForeignKey("results.TestResult", on_delete=models.PROTECT, related_name="+")
    specimen_date = models.DateField()
    result_date = models.DateField()
    reach_deadline = models.DateTimeField()
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["area", "status", "priority", "reach_deadline"], name="case_queue_order"),
            models.Index(fields=["person", "specimen_date"]),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.NEW and self.reach_deadline < timezone.now()
