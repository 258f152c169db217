"""Contacts: people exposed to a case, each with a last exposure date, an isolation end and a place in a queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from localtrace.cases.models import OPEN_STATUSES, Case, WorkItem, queue_indexes


class Contact(WorkItem):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", "Lives with them"
        CLOSE = "close", "Face to face, under 1 metre"
        PROXIMITY = "proximity", "Within 2 metres for 15 minutes or more"
        TRAVEL = "travel", "Travelled together (car or other)"
        SETTING = "setting", "At the same place"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="contact_records")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    relationship = models.CharField(max_length=100, blank=True, help_text="For example partner, colleague, friend.")
    last_exposure = models.DateField()
    isolation_ends_on = models.DateField()
    named_at = models.DateTimeField(default=timezone.now)
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    named_online = models.BooleanField(default=False)
    # The day of their latest report of symptoms (online or on a call), shown in the queue; see SymptomReport.
    symptoms_reported_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["area", "status", "priority", "reach_deadline"], name="contact_queue_order"),
            # The queue's and team page's counts read only this index, not the area's whole history.
            models.Index(
                fields=["area", "status", "reach_deadline", "reached_at", "closed_at"], name="contact_queue_counts"
            ),
            models.Index(fields=["person", "last_exposure"]),
            *queue_indexes("contact"),  # see cases.listing
            # The queue's "Reported symptoms" filter: open contacts who reported symptoms, in queue order.
            models.Index(
                fields=["area", "priority", "reach_deadline", "id"],
                name="contact_symptoms_open",
                condition=models.Q(status__in=OPEN_STATUSES, symptoms_reported_on__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="contact_once_per_case"),
        ]

    def __str__(self) -> str:
        return f"Contact {self.pk}"

    @property
    def reference(self) -> str:
        return f"K{self.pk}"


class SymptomReport(models.Model):
    """A contact's daily answer while isolating: symptoms or none. Symptoms mean: get a test."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="symptom_reports")
    reported_on = models.DateField()
    has_symptoms = models.BooleanField()
    reported_at = models.DateTimeField(default=timezone.now)
    # Online by the contact (through their self-service link), or recorded by a tracer on a call.
    online = models.BooleanField(default=True)

    class Meta:
        ordering = ["-reported_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["contact", "reported_on"], name="symptom_report_once_a_day")]

    def __str__(self) -> str:
        return f"{self.reported_on}: {'symptoms' if self.has_symptoms else 'no symptoms'}"
