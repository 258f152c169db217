"""Where messages go: the outbox (kept here, readable by staff) or GOV.UK Notify; and Django's email backend.

A message backend has one method, `send(message) -> provider id`, and raises TemporaryFailure
(try again later) or PermanentFailure (never try again) when the provider does not take it.
The task worker calls it outside any database transaction (messaging.delivery).

Notify is used with one generic template per channel whose personalisation fields are
`subject` and `body` (docs/messaging.md), so our own templates, in English and Welsh, stay the
one place a message's wording lives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from localtrace.messaging.models import Message


class TemporaryFailure(Exception):
    """The provider could not take it now (rate limit, server error, network): try again later.

    `unsure` when the provider may have taken it all the same (no answer came, or its own error): the next
    try first asks the provider whether it holds the message, so that it is not sent twice.
    """

    def __init__(self, reason: str, *, unsure: bool = False) -> None:
        super().__init__(reason)
        self.unsure = unsure


class PermanentFailure(Exception):
    """The provider refused it and will refuse it again. `bad_address` when the recipient is at fault."""

    def __init__(self, reason: str, *, bad_address: bool) -> None:
        super().__init__(reason)
        self.bad_address = bad_address


class MessageBackend(Protocol):
    def send(self, message: Message) -> str: ...


class OutboxBackend:
    """Keeps the message here: it is 'sent' as soon as it is handed over, and staff read it on the outbox page."""

    def send(self, message: Message) -> str:
        return ""


# Notify's validation messages that mean the recipient itself cannot receive messages.
_RECIPIENT_ERRORS = re.compile(r"^(phone_number|email_address)\b|not a (valid|UK mobile)|too (many|few) digits", re.I)


class NotifyBackend:
    """GOV.UK Notify through notifications-python-client (settings.LOCALTRACE_NOTIFY, from the environment)."""

    def __init__(self) -> None:
        config = getattr(settings, "LOCALTRACE_NOTIFY", None)
        if not config:
            raise ImproperlyConfigured("LOCALTRACE_MESSAGE_BACKEND is notify but LOCALTRACE_NOTIFY_* are not set.")
        from notifications_python_client.notifications import NotificationsAPIClient

        self.templates = {"sms": config["sms_template_id"], "email": config["email_template_id"]}
        self.client = NotificationsAPIClient(config["api_key"], base_url=config["base_url"], timeout=config["timeout"])

    def send(self, message: Message) -> str:
        from notifications_python_client.errors import APIError, HTTPError

        if message.outcome_unknown and (earlier := self._taken_already(message)):
            return earlier
        personalisation = {"subject": message.subject or "", "body": message.body}
        try:
            if message.channel == Message.Channel.SMS:
                answer = self.client.send_sms_notification(
                    phone_number=message.recipient,
                    template_id=self.templates["sms"],
                    personalisation=personalisation,
                    reference=message.reference,
                )
            else:
                answer = self.client.send_email_notification(
                    email_address=message.recipient,
                    template_id=self.templates["email"],
                    personalisation=personalisation,
                    reference=message.reference,
                )
        except HTTPError as error:
            raise _classify(error.status_code, _describe(error), answered=error.response is not None) from None
        except APIError as error:  # an answer the client could not read
            raise TemporaryFailure(f"Notify: unreadable answer ({type(error).__name__})", unsure=True) from None
        notification_id = answer.get("id") if isinstance(answer, dict) else None
        if not notification_id:
            raise TemporaryFailure("Notify: the answer had no notification id", unsure=True)
        return str(notification_id)

    def _taken_already(self, message: Message) -> str:
        """Notify's id for this message when an earlier try reached it although no answer came; "" when none did.

        Notify keeps our reference with each notification. A notification given up after Notify's own
        failure (AbandonedNotification) does not count. When Notify cannot be asked, nothing is sent either.
        """
        from notifications_python_client.errors import APIError

        from localtrace.messaging.models import AbandonedNotification

        try:
            answer = self.client.get_all_notifications(reference=message.reference)
        except APIError as error:
            raise TemporaryFailure(
                f"Notify could not say whether an earlier try arrived ({_describe(error)})", unsure=True
            ) from None
        found = [
            str(item["id"])
            for item in (answer.get("notifications") or [] if isinstance(answer, dict) else [])
            if isinstance(item, dict) and item.get("id") and item.get("reference") == message.reference
        ]
        abandoned = set(
            AbandonedNotification.objects.filter(provider_id__in=found).values_list("provider_id", flat=True)
        )
        return next((notification_id for notification_id in found if notification_id not in abandoned), "")


def _describe(error: Any) -> str:
    """Notify's own words: '<error>: <message>' for each error in the answer (they name fields, not values)."""
    parts = []
    for item in error.message if isinstance(error.message, list) else [error.message]:
        if isinstance(item, dict):
            parts.append(f"{item.get('error', 'Error')}: {item.get('message', '')}")
        else:
            parts.append(str(item))
    return "; ".join(parts)[:400]


def _classify(status_code: int, detail: str, *, answered: bool = True) -> Exception:
    """Notify's documented answers: 400 refused, 403 key problem, 429 too many, 5xx their side.

    No answer at all (a timeout, a dropped connection; the client calls it 503) and Notify's own errors
    leave it unsure whether Notify took the message.
    """
    if not answered:
        return TemporaryFailure(f"Notify did not answer ({detail})", unsure=True)
    text = f"Notify {status_code}: {detail}"
    if status_code == 400:
        return PermanentFailure(text, bad_address=bool(_RECIPIENT_ERRORS.search(_messages_only(detail))))
    # 403 (AuthError) is a key or clock problem on our side: retry, so messages go once the key is fixed.
    return TemporaryFailure(text, unsure=status_code >= 500)


def _messages_only(detail: str) -> str:
    return " ".join(part.partition(": ")[2] for part in detail.split("; "))


_BACKENDS: dict[str, type[Any]] = {"outbox": OutboxBackend, "notify": NotifyBackend}


def backend_named(name: str) -> MessageBackend:
    try:
        return _BACKENDS[name]()  # type: ignore[no-any-return]
    except KeyError:
        raise ImproperlyConfigured(f"Unknown message backend {name!r}") from None


class OutboxEmailBackend(BaseEmailBackend):
    """Django's email (password links to staff) as one Message per recipient, through the configured backend.

    Django may hand over a message with several To/Cc/Bcc addresses; this splits it so that no
    recipient ever sees another's address. With the outbox backend they are stored as sent; with
    Notify they are queued for the task worker like every other message.
    """

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from localtrace.messaging.services import (
            check_recipient,
            configured_backend,
            queue_after_commit,
            text_to_keep,
            why_not_send,
        )

        backend = configured_backend()
        sent = 0
        with transaction.atomic():
            for email in email_messages:
                for recipient in email.recipients():
                    check_recipient(Message.Channel.EMAIL, recipient)
                    reason = why_not_send(Message.Channel.EMAIL, recipient, None)
                    outbox = backend == "outbox" and not reason
                    message = Message.objects.create(
                        channel=Message.Channel.EMAIL,
                        recipient=recipient,
                        subject=str(email.subject),
                        **text_to_keep(str(email.body), withheld=bool(reason)),
                        purpose=email.extra_headers.get("X-Localtrace-Purpose", ""),
                        backend=backend,
                        status=Message.Status.WITHHELD
                        if reason
                        else Message.Status.SENT
                        if outbox
                        else Message.Status.QUEUED,
                        sent_at=timezone.now() if outbox else None,
                        attempts=1 if outbox else 0,
                        last_error=reason,
                    )
                    if reason:
                        continue
                    if not outbox:
                        queue_after_commit(message.pk)
                    sent += 1
        return sent
