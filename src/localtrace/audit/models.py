"""The audit trail: who did what to which record, when and from where. Append-only."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """Audit events are never changed or deleted."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def _raw_delete(self, using: Any) -> NoReturn:  # what Django's deletion collector calls
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        MFA_ENROLLED = "mfa_enrolled", "Set up two-factor authentication"
        MFA_RESET = "mfa_reset", "Reset two-factor authentication"
        PASSWORD_CHANGED = "password_changed", "Changed password"
        GRANT = "grant", "Granted"
        REVOKE = "revoke", "Revoked"

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The username at the time, so the trail reads the same after an account is renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=24, choices=Action.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # Django's internal lookups (related objects, the deletion collector) use the base manager: ours, so they
        # cannot change or delete an event either. PostgreSQL refuses it as well, with a trigger.
        base_manager_name = "objects"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor_username or 'system'} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit events cannot be deleted.")


class RetentionRun(models.Model):
    """One run of the retention rule (audit/retention.py): its cutoff and what it erased, for the DPO's page."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField()
    # Data dated before this day was older than the retention period.
    cutoff = models.DateField(db_index=True)
    days = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Retention run at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def erased_anything(self) -> bool:
        return any(self.counts.values())


class SubjectAccessRequest(models.Model):
    """Someone's request for a copy of the personal data the service holds about them (UK GDPR article 15).

    The data protection officer records who asked, confirms which person records are theirs, checks the
    free text written about them for other people's details, and downloads the copy (audit/subject_access.py).
    While a request is open, nothing about its people is erased by the retention rule.
    """

    class Outcome(models.TextChoices):
        DISCLOSED = "disclosed", "Sent them a copy of their data"
        NO_DATA = "no_data", "Told them we hold no data about them"
        WITHDRAWN = "withdrawn", "They withdrew the request"

    received_on = models.DateField()
    # The requester as they described themselves: where the search for their records starts.
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Extended by up to two further months for a complex request, with the reason told to the requester.
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.CharField(max_length=500, blank=True)
    # The person records confirmed as the requester's (records merged into them come with them).
    people = models.ManyToManyField("people.Person", blank=True, related_name="+")
    records_confirmed_at = models.DateTimeField(null=True, blank=True)
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    identity_evidence = models.CharField(max_length=200, blank=True)
    # The free-text items the officer read (their keys), and those withheld because they identify someone else.
    free_text_checked_at = models.DateTimeField(null=True, blank=True)
    free_text_read = models.JSONField(default=list, blank=True)
    withheld = models.JSONField(default=list, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    responded_on = models.DateField(null=True, blank=True)
    # Set when the retention rule erased the requester's details from a long-closed request.
    details_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="subject_access_closed_with_outcome",
                condition=models.Q(closed_at__isnull=True, outcome="")
                | models.Q(closed_at__isnull=False) & ~models.Q(outcome=""),
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"SAR-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def requester_name(self) -> str:
        if self.details_erased_at is not None:
            return "Details erased"
        return f"{self.given_name} {self.family_name}".strip()
