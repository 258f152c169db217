"""Settings (places people gather, in the public-health sense) and visits to them by cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["area", "name"])]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """A case at a setting on a date: backward (where they may have caught it) or forward (while infectious)."""

    class Direction(models.TextChoices):
        BACKWARD = "backward", "Before they were infectious (where they may have caught it)"
        FORWARD = "forward", "While infectious (who they may have passed it to)"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="visits")
    setting = models.ForeignKey(Setting, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField()
    direction = models.CharField(max_length=8, choices=Direction.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_online = models.BooleanField(default=False)

    class Meta:
        ordering = ["visited_on", "pk"]
        indexes = [models.Index(fields=["setting", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.setting} on {self.visited_on}"
