"""Areas (nation › region › upper-tier council › district), postcodes, teams, memberships, delegations."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Area(models.Model):
    class Level(models.TextChoices):
        NATION = "nation", "Nation"
        REGION = "region", "Region"
        UPPER_TIER = "upper_tier", "Upper-tier council"
        DISTRICT = "district", "District"

    code = models.CharField(max_length=9, unique=True, help_text="ONS GSS code, for example E10000001.")
    name = models.CharField(max_length=120)
    level = models.CharField(max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # The local test and trace team's number for the public, in E.164: messages and pages that ask someone to
    # call the team give it (a manager of a setting, a case with more to tell than a web form takes).
    public_phone = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="area_nation_has_no_parent",
                condition=Q(level="nation", parent__isnull=True) | ~Q(level="nation"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owns_public_health(self) -> bool:
        """Upper-tier councils (counties and unitaries) hold the public health duty."""
        return self.level == self.Level.UPPER_TIER

    def upper_tier(self) -> Area | None:
        area: Area | None = self
        while area is not None and area.level != self.Level.UPPER_TIER:
            area = area.parent if area.level == self.Level.DISTRICT else None
        return area


class Postcode(models.Model):
    """One postcode unit, mapped to its district and so to the upper-tier area that routes it."""

    postcode = models.CharField(max_length=8, primary_key=True)
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="postcodes")
    upper_tier = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="routed_postcodes")
    introduced_on = models.DateField(null=True, blank=True)
    terminated_on = models.DateField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Which directory load last wrote this row, and from which line: a postcode a load meets again in a later
    # batch of the same file is refused with the line it was first on, however long the file.
    load_marker = models.BigIntegerField(null=True, blank=True, editable=False)
    load_line = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["upper_tier"])]

    def __str__(self) -> str:
        return self.postcode


class Team(models.Model):
    class Kind(models.TextChoices):
        LOCAL = "local", "Local team"
        SURGE = "surge", "Surge team"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="teams")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.area_id is None:  # the form has already said "Choose the area"
            return
        if self.kind == self.Kind.LOCAL and self.area.level != Area.Level.UPPER_TIER:
            raise ValidationError({"area": "A local team belongs to an upper-tier council."})
        if self.kind == self.Kind.SURGE and self.area.level not in (Area.Level.REGION, Area.Level.NATION):
            raise ValidationError({"area": "A surge team belongs to a region or a nation."})


class Role(models.TextChoices):
    TRACER = "tracer", "Tracer"
    TEAM_LEAD = "team_lead", "Team lead"
    AREA_LEAD = "area_lead", "Area lead"
    SUPPORT_OFFICER = "support_officer", "Support officer"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team", "role"], name="membership_unique_role")]
        ordering = ["team__name", "role"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} in {self.team}"

    def clean(self) -> None:
        if self.team_id is None:  # the form has already said "Choose a team"
            return
        if self.role in (Role.AREA_LEAD, Role.SUPPORT_OFFICER) and self.team.kind == Team.Kind.SURGE:
            raise ValidationError({"role": "Area leads and support officers belong to a local team."})


class DelegationQuerySet(models.QuerySet["Delegation"]):
    def active(self, at: dt.datetime | None = None) -> DelegationQuerySet:
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at, revoked_at__isnull=True)


class Delegation(models.Model):
    """An area lets a surge team work its queues between two moments; it ends on its own."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="delegations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="delegations")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_granted"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(name="delegation_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at")))
        ]

    def __str__(self) -> str:
        return f"{self.area} → {self.team}"

    @property
    def last_day(self) -> dt.date | None:
        """The last whole day of access, when it ends at local midnight (as the form grants it); else None."""
        end = timezone.localtime(self.ends_at)
        return end.date() - dt.timedelta(days=1) if end.time() == dt.time.min else None

    def until_text(self) -> str:
        """When access ends, as people say it: "the end of 19 December 2026", not "00:00 on 20 December"."""
        if (last_day := self.last_day) is not None:
            return f"the end of {last_day:%-d %B %Y}"
        return f"{timezone.localtime(self.ends_at):%H:%M on %-d %B %Y}"

    def from_text(self) -> str:
        """When access starts, as people say it: "1 December 2026" at midnight, else with the time."""
        start = timezone.localtime(self.starts_at)
        return f"{start:%-d %B %Y}" if start.time() == dt.time.min else f"{start:%H:%M on %-d %B %Y}"

    def status(self, at: dt.datetime | None = None) -> str:
        at = at or timezone.now()
        if self.revoked_at is not None:
            return "ended early"
        if at < self.starts_at:
            return "scheduled"
        if at >= self.ends_at:
            return "expired"
        return "active"
