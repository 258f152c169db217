"""A Django e-mail backend that stores each e-mail as one outbox Message per recipient.

Django may hand over a message with several To/Cc/Bcc addresses; the outbox splits
it so that no recipient ever sees another's address.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from localtrace.messaging.models import Message


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with transaction.atomic():
            for email in email_messages:
                for recipient in email.recipients():
                    Message.objects.create(
                        channel=Message.Channel.EMAIL,
                        recipient=recipient,
                        subject=str(email.subject),
                        body=str(email.body),
                        purpose=email.extra_headers.get("X-Localtrace-Purpose", ""),
                        backend="outbox",
                        status=Message.Status.SENT,
                        sent_at=timezone.now(),
                    )
                    sent += 1
        return sent

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
