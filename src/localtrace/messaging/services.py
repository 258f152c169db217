"""Sending a message: one SMS or e-mail, to one recipient, written from a template in their language.

`send_message` is the one door every feature uses (portal links, outbreak letters, support
updates). It stores the Message in the caller's transaction and hands it to the delivery
backend only after that transaction commits, so a rolled-back action never sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import select_template
from django.utils import timezone

from localtrace.messaging.models import Message

if TYPE_CHECKING:
    from localtrace.areas.models import Area
    from localtrace.cases.models import Case
    from localtrace.contacts.models import Contact
    from localtrace.people.models import Person

LANGUAGES = ("en", "cy")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render_message(template: str, language: str, context: dict[str, Any]) -> Rendered:
    """Render templates/messages/<template>.<language>.txt; an e-mail's first line may be "Subject: …".

    Falls back to English when the template has no version in the asked language.
    """
    language = language if language in LANGUAGES else "en"
    names = [f"messages/{template}.{language}.txt", f"messages/{template}.en.txt"]
    text = select_template(names).render(context)
    subject = ""
    if text.startswith("Subject:"):
        first, _, text = text.partition("\n")
        subject = first.removeprefix("Subject:").strip()
    return Rendered(subject=subject, body=text.strip() + "\n")


def send_message(
    *,
    channel: str,
    recipient: str,
    template: str,
    context: dict[str, Any],
    language: str = "en",
    person: Person | None = None,
    area: Area | None = None,
    case: Case | None = None,
    contact: Contact | None = None,
    purpose: str = "",
) -> Message:
    """Queue one message to one recipient; it is delivered after the current transaction commits."""
    if channel not in Message.Channel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    if not recipient or "," in recipient or ";" in recipient:
        raise ValueError("A message goes to exactly one recipient")
    rendered = render_message(template, language, context)
    message = Message.objects.create(
        channel=channel,
        recipient=recipient,
        subject=rendered.subject,
        body=rendered.body,
        purpose=purpose or template,
        template=template,
        language=language if language in LANGUAGES else "en",
        person=person,
        area=area,
        case=case,
        contact=contact,
        backend=getattr(settings, "LOCALTRACE_MESSAGE_BACKEND", "outbox"),
    )
    message_id = message.pk
    transaction.on_commit(lambda: deliver(message_id))
    return message


def deliver(message_id: int) -> None:
    """Hand a queued message to its backend. The outbox backend keeps it here, marked sent."""
    Message.objects.filter(pk=message_id, status=Message.Status.QUEUED, backend="outbox").update(
        status=Message.Status.SENT, sent_at=timezone.now()
    )
