"""Portal links (a hashed, expiring, single-person token) and the isolation notes issued through them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class PortalLink(models.Model):
    """One person's way in to their own self-service pages, for one case or one contact.

    Only a hash of the token is stored: the raw token exists once, in the message that carries it.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="portal_links")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="portal_links")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="portal_links"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_reason = models.CharField(max_length=200, blank=True)
    # Wrong dates of birth in a row; the link locks at settings.PORTAL_DOB_ATTEMPTS.
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="portallink_for_case_or_contact",
                condition=models.Q(case__isnull=False, contact__isnull=True)
                | models.Q(case__isnull=True, contact__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"Self-service link {self.pk}"

    @property
    def item(self) -> models.Model:
        return self.case if self.case_id else self.contact  # type: ignore[return-value]

    @property
    def last_day(self) -> dt.date:
        """The last local day it works on (it stops at the first moment of the next), as messages and pages say."""
        return timezone.localtime(self.expires_at - dt.timedelta(seconds=1)).date()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.locked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "Revoked"
        if self.locked_at:
            return "Locked (wrong date of birth)"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Active"


class IsolationNote(models.Model):
    """A note a person can give an employer; staff verify its reference."""

    reference = models.CharField(max_length=16, unique=True)
    link = models.ForeignKey(PortalLink, on_delete=models.PROTECT, related_name="notes")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    isolate_from = models.DateField()
    isolate_until = models.DateField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def item(self) -> models.Model:
        return self.case if self.case_id else self.contact  # type: ignore[return-value]
