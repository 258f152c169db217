"""Isolation support: needs as SupportRequests for an area's support officers, local organisations, payment claims."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from localtrace.cases.models import SUPPORT_NEEDS, hold_is_current

NEED_CHOICES = list(SUPPORT_NEEDS.items())


class Organisation(models.Model):
    """A local organisation support officers refer people to; the area lead keeps the directory."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="support_organisations")
    name = models.CharField(max_length=200)
    # SUPPORT_NEEDS keys this organisation helps with.
    services = models.JSONField(default=list)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    notes = models.CharField(max_length=500, blank=True, help_text="Opening hours, how to refer, who to ask for.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="support_organisation_once_per_area")]

    def __str__(self) -> str:
        return self.name

    @property
    def services_display(self) -> list[str]:
        return [SUPPORT_NEEDS[s] for s in self.services if s in SUPPORT_NEEDS]


class RequestStatus(models.TextChoices):
    NEW = "new", "Not yet contacted"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    DECLINED = "declined", "Declined help"
    UNABLE_TO_CONTACT = "unable", "Unable to contact"
    NO_LONGER_NEEDED = "not_needed", "No longer needed"


OPEN_REQUEST_STATUSES = (RequestStatus.NEW, RequestStatus.IN_PROGRESS)
OUTCOMES = [c for c in RequestStatus.choices if c[0] not in OPEN_REQUEST_STATUSES]


class SupportRequest(models.Model):
    """One need of one person, for the support officers of the area that owns their case or contact record."""

    Status = RequestStatus

    class Source(models.TextChoices):
        TRACER = "tracer", "Asked by a tracer"
        ONLINE = "online", "Asked online"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="support_requests")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="support_requests")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="support_requests"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="support_requests"
    )
    need = models.CharField(max_length=12, choices=NEED_CHOICES)
    urgent = models.BooleanField(default=False)
    # They agreed their name, contact details and needs may be shared with local organisations.
    consent = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.TRACER)
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "pk"]
        indexes = [models.Index(fields=["area", "status", "urgent", "due_at"], name="support_queue_order")]
        constraints = [
            models.CheckConstraint(
                name="support_request_for_case_or_contact",
                condition=models.Q(case__isnull=False, contact__isnull=True)
                | models.Q(case__isnull=True, contact__isnull=False),
            ),
            # A need already open for a person is updated when asked again, never duplicated.
            models.UniqueConstraint(
                fields=["person", "need"],
                condition=models.Q(status__in=["new", "in_progress"]),
                name="support_request_open_once_per_need",
            ),
        ]

    def __str__(self) -> str:
        return f"Support request {self.pk}"

    @property
    def reference(self) -> str:
        return f"S{self.pk}"

    @property
    def item(self) -> models.Model:
        return self.case if self.case_id else self.contact  # type: ignore[return-value]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.first_contact_at is None and self.due_at < timezone.now()

    @property
    def is_held(self) -> bool:
        return hold_is_current(self)


class SupportAttempt(models.Model):
    """A support officer's try to reach the person about their request, with what happened."""

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone call"
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        DOORSTEP = "doorstep", "Doorstep visit"

    class Outcome(models.TextChoices):
        SPOKE = "spoke", "Spoke to them"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Left a message"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        SENT = "sent", "Sent"

    REACHED = {Outcome.SPOKE}

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="attempts")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    note = models.CharField(max_length=500, blank=True)
    made_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"


class Referral(models.Model):
    """A request passed to a local organisation, with the person's consent."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="referrals")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals")
    note = models.CharField(max_length=500, blank=True)
    referred_at = models.DateTimeField(default=timezone.now)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["referred_at", "pk"]

    def __str__(self) -> str:
        return f"Referral to {self.organisation}"


class PaymentClaim(models.Model):
    """A claim for a support payment for one isolation period, checked against a case or contact record."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    class Channel(models.TextChoices):
        OFFICER = "officer", "Recorded by a support officer"
        ONLINE = "online", "Made online"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="payment_claims")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="payment_claims")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The isolation period claimed for, from the record the claim was checked against.
    isolation_starts_on = models.DateField()
    isolation_ends_on = models.DateField()
    # The eligibility questions, as answered.
    told_to_isolate = models.BooleanField()
    low_income = models.BooleanField(help_text="On a qualifying benefit or on a low income.")
    cannot_work_from_home = models.BooleanField()
    evidence_notes = models.TextField(blank=True, max_length=2000)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.OFFICER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.CharField(max_length=500, blank=True)
    payment_reference = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="payment_claim_for_case_or_contact",
                condition=models.Q(case__isnull=False, contact__isnull=True)
                | models.Q(case__isnull=True, contact__isnull=False),
            ),
            # One claim per person per isolation period (overlapping periods are refused by the action too).
            models.UniqueConstraint(fields=["person", "isolation_ends_on"], name="payment_claim_once_per_isolation"),
            models.UniqueConstraint(
                fields=["payment_reference"],
                condition=~models.Q(payment_reference=""),
                name="payment_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment claim {self.pk}"

    @property
    def reference(self) -> str:
        return f"P{self.pk}"

    @property
    def record_reference(self) -> str:
        return f"C{self.case_id}" if self.case_id else f"K{self.contact_id}"

    @property
    def isolation_days(self) -> int:
        return (self.isolation_ends_on - self.isolation_starts_on).days + 1

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.isolation_starts_on <= last and first <= self.isolation_ends_on
