"""Performance figures: one fact row per case and contact, and the weekly figures rolled up from them.

`ReachFact` is what the figures need to know about one case or contact (when its clock started, when
it was reached, how the escalation ladder ended, which team reached it), refreshed whenever the item
changes. `WeeklyFigures` holds every figure of the registry (`reports.metrics`) for one area or team
and one week. Neither holds names, contact details or anything else that identifies a person.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReachFact(models.Model):
    class Kind(models.TextChoices):
        CASE = "case", "Case"
        CONTACT = "contact", "Contact"

    kind = models.CharField(max_length=7, choices=Kind.choices)
    item_id = models.BigIntegerField()
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    # The local date (LOCALTRACE time zone) the clock started: the day weeks are counted from.
    day = models.DateField()
    # Cases: when their first positive result reached the service. Contacts: when they were named.
    clock_start = models.DateTimeField()
    reached_at = models.DateTimeField(null=True, blank=True)
    hours_to_reach = models.FloatField(null=True, blank=True)
    # When they were told to isolate and given advice (the item completed), if they were.
    told_at = models.DateTimeField(null=True, blank=True)
    hours_to_told = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=12)
    outcome = models.CharField(max_length=12)
    household = models.BooleanField(default=False)
    contacts_named = models.PositiveIntegerField(default=0)
    # Self-service: a portal link went out to them (an SMS or email attempt "sent"), and they answered online.
    link_sent = models.BooleanField(default=False)
    answered_online = models.BooleanField(default=False)
    reached_by_team = models.ForeignKey(
        "areas.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "item_id"], name="reachfact_one_per_item")]
        indexes = [
            models.Index(fields=["area", "day"], name="reachfact_area_day"),
            models.Index(fields=["day"], name="reachfact_day"),
            models.Index(fields=["reached_by_team", "day"], name="reachfact_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id}"


class WeeklyFigures(models.Model):
    """Every figure for one area (upper-tier, region or nation) or one team, for one week."""

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("areas.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    values = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "week_start"], condition=Q(team__isnull=True), name="weeklyfigures_area_week"
            ),
            models.UniqueConstraint(
                fields=["team", "week_start"], condition=Q(team__isnull=False), name="weeklyfigures_team_week"
            ),
        ]
        indexes = [models.Index(fields=["area", "team", "week_start"], name="weeklyfigures_lookup")]

    def __str__(self) -> str:
        return f"{self.area_id}/{self.team_id} {self.week_start}"


class RollupState(models.Model):
    """Where the incremental rollup got to (one row): the last case, contact and timeline event it read."""

    last_case_id = models.BigIntegerField(default=0)
    last_contact_id = models.BigIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)
    # Isolation support: the last request and claim read, and when decisions were last read.
    last_support_request_id = models.BigIntegerField(default=0)
    last_payment_claim_id = models.BigIntegerField(default=0)
    support_read_at = models.DateTimeField(null=True, blank=True)
    # The week definition the stored weekly figures were computed with; a change recomputes them all.
    week_starts = models.CharField(max_length=9, blank=True)
    # What the stored facts and figures were computed under (rollup.computed_as); a change rebuilds them all.
    computed_as = models.CharField(max_length=32, blank=True)
    ran_at = models.DateTimeField(null=True, blank=True)
    # Goes up by one in the same transaction as every change to the stored weekly figures: the public page and
    # open data cache what they build from the figures under it (with ran_at), so a stale body is never served.
    figures_version = models.BigIntegerField(default=0)
    # A rebuild under way (rollup.py, "A rebuild works in steps"): "facts" while every item's facts are rewritten
    # (last_case_id and last_contact_id say how far), "weeks" while every week is computed into
    # RebuiltWeeklyFigures (rebuild_weeks: those still to do); "" when none is.
    rebuilding = models.CharField(max_length=5, blank=True)
    rebuild_reason = models.CharField(max_length=60, blank=True)
    # What the rebuild computes under (computed_as, a colon, the week definition): a new release or setting
    # before it ends starts it again.
    rebuild_as = models.CharField(max_length=42, blank=True)
    rebuild_weeks = models.JSONField(default=list, blank=True)
    # PostgreSQL: the facts table's secondary indexes, dropped for a rebuild's load, to build again when it ends.
    dropped_indexes = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Rollup up to event {self.last_event_id}"


class RebuiltWeeklyFigures(models.Model):
    """Weekly figures a rebuild has computed and not yet swapped in: until its last step replaces every row of
    WeeklyFigures with these, in one transaction, visitors see the figures from before the rebuild."""

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("areas.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    values = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"rebuilt {self.area_id}/{self.team_id} {self.week_start}"


class PublishedFile(models.Model):
    """The public page's body and the open data (CSV, JSON), encoded by the rollup for one state of the figures.

    Written in the transaction that changed the figures (and again when the local day turns), so every web
    process serves them as they are; `key` is `transparency.figures_key()` when they were built."""

    name = models.CharField(max_length=20, primary_key=True)
    key = models.CharField(max_length=100)
    content = models.BinaryField()
    built_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} at {self.key}"
