"""Sending a message: one SMS or email, to one recipient, written from a template in their language.

`send_message` is the one door every feature uses (portal links, outbreak letters, support
updates). It stores the Message in the caller's transaction and, only after that transaction
commits, queues it for the task worker (messaging.delivery), so a rolled-back action never
sends anything and no request waits on the provider.

It returns None, and sends nothing, when the person has asked for no messages or the address
is known not to work; the stored Message (status "Not sent") and the case's timeline say why.
Callers must handle None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template import Context
from django.template.loader import select_template
from django.utils import timezone

from localtrace.audit.services import Action, record
from localtrace.messaging.addresses import normalise
from localtrace.messaging.models import BadAddress, DeliveryEvent, Message, MessageAbout, OptOut
from localtrace.messaging.private_links import has_private_links, hide_private_links

if TYPE_CHECKING:
    from localtrace.areas.models import Area
    from localtrace.cases.models import Case
    from localtrace.contacts.models import Contact
    from localtrace.people.models import Person

LANGUAGES = ("en", "cy")
# Welsh, then English, in one message: for several people who share one phone and not one language.
BILINGUAL = "cy+en"
BACKENDS = ("outbox", "notify")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render_message(template: str, language: str, context: dict[str, Any]) -> Rendered:
    """Render templates/messages/<template>.<language>.txt; an email's first line may be "Subject: …".

    Falls back to English when the template has no version in the asked language. `BILINGUAL` renders the
    Welsh text and then the English one, as the Welsh Language Standards ask of bilingual correspondence.
    """
    if language == BILINGUAL:
        welsh, english = render_message(template, "cy", context), render_message(template, "en", context)
        subject = f"{welsh.subject} / {english.subject}" if welsh.subject else ""
        return Rendered(subject=subject, body=f"{welsh.body}\n{english.body}")
    language = language if language in LANGUAGES else "en"
    names = [f"messages/{template}.{language}.txt", f"messages/{template}.en.txt"]
    # Plain text, not HTML: "St Anne's Church" must not arrive as "St Anne&#x27;s Church".
    text = select_template(names).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]
    subject = ""
    if text.startswith("Subject:"):
        first, _, text = text.partition("\n")
        subject = first.removeprefix("Subject:").strip()
    return Rendered(subject=subject, body=text.strip() + "\n")


def configured_backend() -> str:
    backend = getattr(settings, "LOCALTRACE_MESSAGE_BACKEND", "outbox")
    if backend not in BACKENDS:
        raise ValueError(f"Unknown message backend {backend!r}")
    return str(backend)


def check_recipient(channel: str, recipient: str) -> None:
    if channel not in Message.Channel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    if not recipient or not recipient.strip() or "," in recipient or ";" in recipient:
        raise ValueError("A message goes to exactly one recipient")


def messages_stopped(person: Person) -> bool:
    """Whether the person asked for no messages (for a message listing several people: leave them out)."""
    return OptOut.objects.filter(person=person).exists()


def someone_stopped(message: Message) -> str:
    """For a message to several people (one phone they share): why it may not go, when one of them has asked
    for no more messages since it was written; else ""."""
    if message.person_id is not None:
        return ""
    about = MessageAbout.objects.filter(message=message)
    people = {pk for pair in about.values_list("case__person_id", "contact__person_id") for pk in pair if pk}
    if people and OptOut.objects.filter(person_id__in=people).exists():
        return "One of the people it was for asked for no more messages."
    return ""


def address_works(channel: str, recipient: str) -> bool:
    """False when the provider said this number or address cannot receive messages."""
    return not BadAddress.objects.filter(channel=channel, address=normalise(channel, recipient)).exists()


def why_not_send(channel: str, recipient: str, person: Person | None) -> str:
    """The reason nothing may be sent to this recipient, or "" when it may."""
    if person is not None and OptOut.objects.filter(person=person).exists():
        return "The person asked for no more messages."
    bad = BadAddress.objects.filter(channel=channel, address=normalise(channel, recipient)).first()
    if bad is not None:
        what = "number" if channel == Message.Channel.SMS else "email address"
        return f"This {what} was marked as not working on {timezone.localtime(bad.marked_at):%-d %B %Y}: {bad.reason}"
    return ""


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
    about: Sequence[Any] = (),
) -> Message | None:
    """Queue one message to one recipient; it is delivered by the task worker after the transaction commits.

    Returns None when it must not be sent (the person opted out, or the address is marked bad):
    a Message with status "Not sent" records why, and the case's or contact's timeline says so.
    `about`: further cases, contacts or outbreaks the message is about (one message to a phone several people
    share; an outbreak's letter), which hear of its failure as its own case or contact does.
    """
    check_recipient(channel, recipient)
    rendered = render_message(template, language, context)
    reason = why_not_send(channel, recipient, person)
    message = Message.objects.create(
        channel=channel,
        recipient=recipient.strip(),
        subject=rendered.subject,
        **text_to_keep(rendered.body, withheld=bool(reason)),
        purpose=purpose or template,
        template=template,
        language=language if language in (*LANGUAGES, BILINGUAL) else "en",
        person=person,
        area=area,
        case=case,
        contact=contact,
        backend=configured_backend(),
        status=Message.Status.WITHHELD if reason else Message.Status.QUEUED,
        last_error=reason,
    )
    if about:
        MessageAbout.objects.bulk_create([MessageAbout(message=message, **_about(record_)) for record_ in about])
    if reason:
        DeliveryEvent.objects.create(message=message, kind=DeliveryEvent.Kind.WITHHELD, summary=reason)
        item = case or contact
        if item is not None:
            from localtrace.cases.events import note

            note(item, "message_withheld", f"{message.get_channel_display()} not sent: {reason}", message=message.pk)
        return None
    queue_after_commit(message.pk)
    return message


def _about(record_: Any) -> dict[str, Any]:
    from localtrace.cases.models import Case
    from localtrace.contacts.models import Contact
    from localtrace.places.models import Outbreak

    for field, model in (("case", Case), ("contact", Contact), ("outbreak", Outbreak)):
        if isinstance(record_, model):
            return {field: record_}
    raise TypeError(f"A message cannot be about {type(record_).__name__}")


def records_about(message: Message) -> list[Any]:
    """Every case, contact and outbreak the message is about: its own case or contact first."""
    found: list[Any] = [record_ for record_ in (message.case, message.contact) if record_ is not None]
    for about in MessageAbout.objects.filter(message=message).select_related("case", "contact", "outbreak"):
        found.append(about.case or about.contact or about.outbreak)
    return found


def text_to_keep(body: str, *, withheld: bool) -> dict[str, Any]:
    """A new message's body fields: a message that will never be sent keeps no private link at all."""
    if withheld:
        return {"body": hide_private_links(body), "holds_private_links": False}
    return {"body": body, "holds_private_links": has_private_links(body)}


def queue_after_commit(message_id: int) -> None:
    from localtrace.messaging.tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.enqueue(message_id))


# --- opting out -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stopped:
    opt_out: OptOut
    # Queued messages to several people, the person among them (one text to a phone they share), held back
    # with theirs: the caller that wrote them decides what the others now get (see portal.resend_shared).
    shared: list[Message]


@transaction.atomic
def stop_messages(person: Person, *, request: HttpRequest, note_text: str = "", item: Any = None) -> Stopped:
    """Record, at the person's request, that they want no more messages. Nothing queued for them is sent,
    alone or shared with others."""
    opt_out, created = OptOut.objects.get_or_create(
        person=person, defaults={"recorded_by": request.user, "note": note_text[:500]}
    )
    shared: list[Message] = []
    if created:
        withheld = Message.objects.filter(person=person, status=Message.Status.QUEUED).update(
            status=Message.Status.WITHHELD, last_error="The person asked for no more messages."
        )
        shared = list(
            Message.objects.select_for_update()
            .filter(pk__in=Message.objects.filter(Q(about__case__person=person) | Q(about__contact__person=person)))
            .filter(person__isnull=True, status=Message.Status.QUEUED)
            .order_by("pk")
        )
        reason = "One of the people it was for asked for no more messages."
        for message in shared:
            message.status, message.next_attempt_at, message.last_error = Message.Status.WITHHELD, None, reason
            message.save(update_fields=["status", "next_attempt_at", "last_error"])
            DeliveryEvent.objects.create(message=message, kind=DeliveryEvent.Kind.WITHHELD, summary=reason)
        record(
            Action.CHANGE,
            request=request,
            obj=person,
            detail={"messages": "stopped", "withheld": withheld, "shared_withheld": len(shared)},
        )
        if item is not None:
            from localtrace.cases.events import note

            note(item, "messages_stopped", "Messages stopped at the person's request", request=request)
    return Stopped(opt_out, shared)


@transaction.atomic
def resume_messages(person: Person, *, request: HttpRequest, item: Any = None) -> bool:
    """Undo a stop, when the person asks for messages again. Returns whether there was a stop to undo."""
    deleted, _ = OptOut.objects.filter(person=person).delete()
    if deleted:
        record(Action.CHANGE, request=request, obj=person, detail={"messages": "resumed"})
        if item is not None:
            from localtrace.cases.events import note

            note(item, "messages_resumed", "Messages allowed again at the person's request", request=request)
    return bool(deleted)
