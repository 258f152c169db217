"""Messages: one SMS or email to exactly one recipient; what became of it; addresses and people not to write to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Message(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        # Claimed by one worker that is handing it to the provider now.
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        # Never handed to a provider: the person asked for no messages, or the address is known not to work.
        WITHHELD = "withheld", "Not sent"

    channel = models.CharField(max_length=8, choices=Channel.choices)
    # One recipient, never a list: a message is never copied to anyone else.
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
    # The body still holds a link that lets its recipient in, to be removed once the message needs it no
    # more (messaging/private_links.py): the sweep looks only at these.
    holds_private_links = models.BooleanField(default=False)
    purpose = models.CharField(max_length=40, blank=True)
    # Which message template (templates/messages/<template>.<language>.txt) wrote it, and in which language.
    template = models.CharField(max_length=60, blank=True)
    language = models.CharField(max_length=8, default="en")
    # The member of the public it went to, when it went to one; staff messages have none.
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The case or contact it was sent about (its timeline and escalation ladder hear what became of it).
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The area whose service sent it: that area's staff may read it.
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    backend = models.CharField(max_length=20, default="outbox")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Delivery state, kept on the row so any worker can pick up where another stopped.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # The provider's id for it (GOV.UK Notify's notification id); receipts name it.
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The latest delivery receipt: the provider's status word and when it came.
    receipt_status = models.CharField(max_length=24, blank=True)
    receipt_at = models.DateTimeField(null=True, blank=True)
    # The last try may have reached the provider although no answer came (a timeout, the provider's own
    # error): before sending again, the worker asks the provider whether it holds the message already.
    outcome_unknown = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="message_single_recipient",
                condition=~models.Q(recipient__contains=",") & ~models.Q(recipient__contains=";"),
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["status"], condition=models.Q(holds_private_links=True), name="message_private_links"),
            # Messages that belong to no one person (to a number several people share, and staff email), by
            # address: a subject access request finds the shared ones this way (audit/subject_access.py).
            models.Index(
                fields=["recipient"], condition=models.Q(person__isnull=True), name="message_unowned_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"

    @property
    def reference(self) -> str:
        """Our reference for it at the provider (no personal data); receipts carry it back."""
        return f"message-{self.pk}"


class MessageAbout(models.Model):
    """A further record a message is about, beyond its own case or contact: each person of a household sharing
    one phone (one message carries all their links), or the outbreak whose letter went to a setting's manager.
    Each hears what became of the message, as its own case or contact does."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="about")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    outbreak = models.ForeignKey("places.Outbreak", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="message_about_one_record",
                condition=models.Q(case__isnull=False, contact__isnull=True, outbreak__isnull=True)
                | models.Q(case__isnull=True, contact__isnull=False, outbreak__isnull=True)
                | models.Q(case__isnull=True, contact__isnull=True, outbreak__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"Message about #{self.pk}"


class DeliveryEvent(models.Model):
    """One thing that happened to a message on its way: a try to send it, a receipt, a decision not to send."""

    class Kind(models.TextChoices):
        SENT = "sent", "Handed to the provider"
        RETRY = "retry", "Failed for now; will try again"
        GAVE_UP = "gave_up", "Failed too many times; stopped trying"
        FAILED = "failed", "Refused by the provider; will not try again"
        RECEIPT = "receipt", "Delivery receipt"
        WITHHELD = "withheld", "Not sent"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    summary = models.CharField(max_length=500)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return self.summary


class AbandonedNotification(models.Model):
    """A notification at the provider that a message no longer stands for: the provider failed it and the
    message was queued to be sent again as a new one. Receipts naming it are acknowledged and ignored, so a
    late or repeated receipt for the old try never speaks for the new one."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    provider_id = models.CharField(max_length=64, unique=True)
    abandoned_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Abandoned notification #{self.pk}"


class BadAddress(models.Model):
    """A mobile number or email address the provider said cannot receive messages; nothing more is sent to it."""

    channel = models.CharField(max_length=8, choices=Message.Channel.choices)
    # Normalised: E.164 for numbers, lower case for email addresses.
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=500)
    marked_at = models.DateTimeField(default=timezone.now)
    # The message whose failure showed it.
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="bad_address_once")]

    def __str__(self) -> str:
        return f"Bad {self.get_channel_display().lower()} #{self.pk}"


class OptOut(models.Model):
    """A person who asked for no more messages. While the row exists, nothing is sent to them."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="+")
    stopped_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Opt-out #{self.pk}"
