"""Handing queued messages to the provider, with retries and backoff; what happens when one fails for good.

Every step is safe to run twice at once: a worker claims a message with a conditional UPDATE and
goes on only if that changed exactly one row, so no message is sent twice by two workers. The
provider is called outside any database transaction. Temporary failures (rate limit, server
error, network) are tried again after 1, 2, 4, … times LOCALTRACE_MESSAGE_RETRY_SECONDS, up to
LOCALTRACE_MESSAGE_MAX_ATTEMPTS tries; permanent ones (the provider refused the recipient) stop,
mark the address as bad and tell the case or contact's ladder.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from localtrace.audit.services import Action, record
from localtrace.messaging.addresses import normalise
from localtrace.messaging.backends import PermanentFailure, TemporaryFailure, backend_named
from localtrace.messaging.models import AbandonedNotification, BadAddress, DeliveryEvent, Message
from localtrace.messaging.private_links import HIDDEN
from localtrace.messaging.services import records_about, someone_stopped, why_not_send

log = logging.getLogger(__name__)

# A message claimed longer ago than this by a worker that never reported back (it died) is tried again.
CLAIM_LAPSES_AFTER = dt.timedelta(minutes=10)
# A queued message whose own task has not picked it up after this long is sent by the sweep.
SWEEP_AFTER = dt.timedelta(minutes=1)


def max_attempts() -> int:
    return int(getattr(settings, "LOCALTRACE_MESSAGE_MAX_ATTEMPTS", 6))


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: the base delay after the first failure, doubling after each, at most a day."""
    base = int(getattr(settings, "LOCALTRACE_MESSAGE_RETRY_SECONDS", 60))
    return min(dt.timedelta(seconds=base * 2 ** max(attempts - 1, 0)), dt.timedelta(days=1))


def claim(message_id: int, now: dt.datetime) -> Message | None:
    """Take a queued, due message for this worker alone; None when it is not queued, not due or taken."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    taken = (
        Message.objects.filter(due, pk=message_id, status=Message.Status.QUEUED)
        .exclude(backend="")
        .update(status=Message.Status.SENDING, claimed_at=now)
    )
    if taken != 1:
        return None
    return Message.objects.get(pk=message_id)


def deliver(message_id: int, *, at: dt.datetime | None = None) -> str | None:
    """Send one queued message now if it is due; returns its new status, or None if this worker did not take it."""
    now = at or timezone.now()
    message = claim(message_id, now)
    if message is None:
        return None
    # Asked again at the moment of sending: the person may have asked for no more messages, or the number been
    # marked as not working, since it was queued (a retry hours later, a resend after Notify's failure).
    if reason := why_not_send(message.channel, message.recipient, message.person) or someone_stopped(message):
        _withhold(message, reason, now)
        message.refresh_from_db(fields=["status"])
        return message.status
    try:
        provider_id = backend_named(message.backend).send(message)
    except PermanentFailure as failure:
        refused(message, str(failure), bad_address=failure.bad_address, at=now)
    except TemporaryFailure as failure:
        _try_later(message, str(failure), now, unsure=failure.unsure)
    except Exception as error:  # a bug or an unexpected answer: keep the message, try again later
        log.exception("Message %s: unexpected error from the %s backend", message.pk, message.backend)
        _try_later(message, f"Unexpected error: {type(error).__name__}", now, unsure=True)
    else:
        _sent(message, provider_id, now)
    message.refresh_from_db(fields=["status"])
    return message.status


def _locked(message: Message) -> Message:
    return Message.objects.select_for_update().get(pk=message.pk)


@transaction.atomic
def _sent(message: Message, provider_id: str, now: dt.datetime) -> None:
    message = _locked(message)
    message.attempts += 1
    # A receipt may already have come (and said more than "sent", and recorded the id): keep what it said.
    if message.status == Message.Status.SENDING:
        message.status = Message.Status.SENT
        message.provider_id = provider_id
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = ""
    message.outcome_unknown = False
    message.save(
        update_fields=[
            "attempts",
            "status",
            "sent_at",
            "provider_id",
            "next_attempt_at",
            "last_error",
            "outcome_unknown",
        ]
    )
    where = "kept in the outbox" if message.backend == "outbox" else "accepted by GOV.UK Notify"
    summary = f"{where.capitalize()} (try {message.attempts})"
    DeliveryEvent.objects.create(message=message, occurred_at=now, kind=DeliveryEvent.Kind.SENT, summary=summary)


@transaction.atomic
def _withhold(message: Message, reason: str, now: dt.datetime) -> None:
    message = _locked(message)
    if message.status != Message.Status.SENDING:
        return
    message.status, message.next_attempt_at, message.last_error = Message.Status.WITHHELD, None, reason[:500]
    message.save(update_fields=["status", "next_attempt_at", "last_error"])
    DeliveryEvent.objects.create(message=message, occurred_at=now, kind=DeliveryEvent.Kind.WITHHELD, summary=reason)


@transaction.atomic
def _try_later(message: Message, error: str, now: dt.datetime, *, unsure: bool = False) -> None:
    message = _locked(message)
    if message.status != Message.Status.SENDING:
        return  # stopped meanwhile (the person opted out), or a receipt showed the provider took it: leave it so
    message.attempts += 1
    message.last_error = error[:500]
    # Once unsure, unsure until a try succeeds: a later clear refusal does not show the earlier try failed.
    message.outcome_unknown = message.outcome_unknown or unsure
    if message.attempts >= max_attempts():
        message.status = Message.Status.FAILED
        message.next_attempt_at = None
        summary = f"Try {message.attempts} failed ({error}); stopped trying after {message.attempts} tries"
        kind = DeliveryEvent.Kind.GAVE_UP
    else:
        message.status = Message.Status.QUEUED
        message.next_attempt_at = now + retry_delay(message.attempts)
        summary = (
            f"Try {message.attempts} failed ({error}); "
            f"trying again at {timezone.localtime(message.next_attempt_at):%H:%M:%S}"
        )
        kind = DeliveryEvent.Kind.RETRY
    message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "outcome_unknown"])
    DeliveryEvent.objects.create(message=message, occurred_at=now, kind=kind, summary=summary[:500])
    if kind == DeliveryEvent.Kind.GAVE_UP:
        _tell_item(message, f"{message.get_channel_display()} could not be sent after {message.attempts} tries")


@transaction.atomic
def try_again_after_receipt(message: Message, reason: str, *, at: dt.datetime | None = None) -> None:
    """Notify took the message but could not send it (a technical failure on its side): send it again later."""
    now = at or timezone.now()
    message = _locked(message)
    if message.status not in (Message.Status.SENT, Message.Status.SENDING, Message.Status.QUEUED):
        return
    # The next try is a new notification at Notify: set the old id aside, so its receipts no longer apply.
    if message.provider_id:
        AbandonedNotification.objects.get_or_create(
            provider_id=message.provider_id, defaults={"message": message, "abandoned_at": now}
        )
    message.provider_id, message.receipt_status = "", ""
    if message.status == Message.Status.QUEUED:
        # A try that timed out had reached Notify, which has now failed it: the retry already waiting sends it.
        message.outcome_unknown = False
        message.last_error = reason[:500]
        message.save(update_fields=["provider_id", "receipt_status", "outcome_unknown", "last_error"])
        at_time = timezone.localtime(message.next_attempt_at or now)
        summary = f"{reason}; trying again at {at_time:%H:%M:%S}"
        DeliveryEvent.objects.create(message=message, occurred_at=now, kind=DeliveryEvent.Kind.RETRY, summary=summary)
        return
    if message.attempts >= max_attempts():
        message.status, message.next_attempt_at = Message.Status.FAILED, None
        summary, kind = f"{reason}; stopped trying after {message.attempts} tries", DeliveryEvent.Kind.GAVE_UP
    elif HIDDEN in message.body:
        # Too late: its private link is gone from the text (private_links), and without it the message is no use.
        message.status, message.next_attempt_at = Message.Status.FAILED, None
        summary = f"{reason}; not sent again, because its private link has been removed: send a new one"
        kind = DeliveryEvent.Kind.GAVE_UP
    else:
        message.status = Message.Status.QUEUED
        message.next_attempt_at = now + retry_delay(message.attempts)
        summary = f"{reason}; trying again at {timezone.localtime(message.next_attempt_at):%H:%M:%S}"
        kind = DeliveryEvent.Kind.RETRY
    message.last_error = reason[:500]
    message.save(update_fields=["provider_id", "receipt_status", "status", "next_attempt_at", "last_error"])
    DeliveryEvent.objects.create(message=message, occurred_at=now, kind=kind, summary=summary[:500])
    if kind == DeliveryEvent.Kind.GAVE_UP:
        _tell_item(message, f"{message.get_channel_display()} could not be sent after {message.attempts} tries")


@transaction.atomic
def refused(message: Message, reason: str, *, bad_address: bool, at: dt.datetime | None = None) -> None:
    """A permanent failure, from sending or from a receipt: the message stops here.

    When the recipient itself is at fault (no such number or address), the address is marked bad,
    so nothing more is sent to it, and an attempt is recorded on the case or contact, which moves
    its escalation ladder on as a failed call would.
    """
    now = at or timezone.now()
    message = _locked(message)
    message.attempts += 1 if message.status == Message.Status.SENDING else 0
    message.status = Message.Status.FAILED
    message.next_attempt_at = None
    message.last_error = reason[:500]
    message.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
    DeliveryEvent.objects.create(message=message, occurred_at=now, kind=DeliveryEvent.Kind.FAILED, summary=reason[:500])
    if not bad_address:
        _tell_item(message, f"{message.get_channel_display()} could not be sent: {reason}")
        return
    bad, created = BadAddress.objects.get_or_create(
        channel=message.channel,
        address=normalise(message.channel, message.recipient),
        defaults={"reason": reason[:500], "message": message, "marked_at": now},
    )
    if created:
        record(Action.CHANGE, obj=bad, area=message.area, detail={"marked_bad": message.channel, "message": message.pk})
    _record_failed_attempt(message, reason, now)


def _tell_item(message: Message, summary: str) -> None:
    """Every case, contact and outbreak the message is about hears that it failed."""
    for record_ in records_about(message):
        _tell(record_, message, summary)


def _tell(record_: Any, message: Message, summary: str) -> None:
    """One record's timeline says the message failed: a case's or contact's, or an outbreak's (a manager's letter)."""
    from localtrace.cases.events import note
    from localtrace.places.models import Outbreak
    from localtrace.places.outbreaks import event

    if isinstance(record_, Outbreak):
        event(record_, "message_failed", f"The message to a setting's manager failed: {summary}")
    else:
        note(record_, "message_failed", summary[:500], message=message.pk)


def _record_failed_attempt(message: Message, reason: str, now: dt.datetime) -> None:
    """The number or address is marked bad: each open case or contact it belongs to has a failed attempt on
    record, which moves its ladder on; the others (closed ones, an outbreak) are told."""
    from localtrace.cases.investigation import record_attempt
    from localtrace.cases.models import Attempt
    from localtrace.places.models import Outbreak

    what = "number" if message.channel == Message.Channel.SMS else "email address"
    text = f"{message.get_channel_display()} could not be delivered ({reason}); the {what} is marked as not working"
    channel = Attempt.Channel.SMS if message.channel == Message.Channel.SMS else Attempt.Channel.EMAIL
    for record_ in records_about(message):
        if isinstance(record_, Outbreak) or not record_.is_open:
            _tell(record_, message, text)
        else:
            record_attempt(
                record_, channel=channel, outcome=Attempt.Outcome.WRONG_NUMBER, note_text=text[:500], at=now,  # type: ignore[arg-type]
            )  # fmt: skip


def send_due(*, at: dt.datetime | None = None, limit: int = 500) -> int:
    """The sweep: send queued messages whose retry time has come (or whose own task never ran).

    Also puts back messages claimed by a worker that died before reporting; the provider may hold them
    already, so their next try asks it first. Returns how many were handed over.
    """
    now = at or timezone.now()
    Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - CLAIM_LAPSES_AFTER).update(
        status=Message.Status.QUEUED,
        outcome_unknown=True,
        next_attempt_at=now,
        last_error="The worker sending it stopped before it finished.",
    )
    due = Message.objects.filter(status=Message.Status.QUEUED).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - SWEEP_AFTER)
    )
    handed = 0
    for message_id in due.order_by("created_at").values_list("pk", flat=True)[:limit]:
        status = deliver(message_id, at=now)
        handed += status is not None
    return handed
