"""Messages: one SMS or e-mail to exactly one recipient."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Message(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "Text message"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    channel = models.CharField(max_length=8, choices=Channel.choices)
    # One recipient, never a list: a message is never copied to anyone else.
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
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

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="message_single_recipient",
                condition=~models.Q(recipient__contains=",") & ~models.Q(recipient__contains=";"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"
