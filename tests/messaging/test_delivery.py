"""Delivery through the task worker: claimed once, swept when due, picked up again when a worker dies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone

from localtrace.messaging import delivery
from localtrace.messaging.backends import OutboxEmailBackend
from localtrace.messaging.models import Message
from localtrace.messaging.services import send_message
from localtrace.messaging.tasks import deliver_message, send_due_messages

pytestmark = pytest.mark.django_db

CONTEXT = {"service_name": "Northshire", "link": "http://testserver/p/abc", "given_name": "Gwen", "expires_on": "1 May"}


def queued(**fields) -> Message:
    return Message.objects.create(channel="sms", recipient="+447911123456", body="Hello", **fields)


def test_send_message_enqueues_the_delivery_task_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = send_message(channel="sms", recipient="+447400123456", template="self_service_link", context=CONTEXT)
    assert message is not None and len(callbacks) == 1
    assert Message.objects.get(pk=message.pk).status == Message.Status.QUEUED
    callbacks[0]()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 1


def test_a_message_is_claimed_by_one_worker_only():
    message = queued()
    now = timezone.now()
    assert delivery.claim(message.pk, now) is not None
    assert delivery.claim(message.pk, now) is None
    # A second run of the task finds it taken and sends nothing.
    assert delivery.deliver(message.pk) is None


def test_the_task_can_run_twice_and_sends_once():
    message = queued()
    deliver_message.call(message.pk)
    deliver_message.call(message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 1
    assert message.events.count() == 1


def test_a_message_not_yet_due_is_not_claimed():
    message = queued(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    assert delivery.deliver(message.pk) is None
    assert delivery.deliver(message.pk, at=message.next_attempt_at) == Message.Status.SENT


def test_the_sweep_sends_a_message_whose_task_never_ran():
    message = queued(created_at=timezone.now() - dt.timedelta(minutes=5))
    fresh = queued()
    assert send_due_messages.call() >= 1
    message.refresh_from_db()
    fresh.refresh_from_db()
    assert message.status == Message.Status.SENT
    # Its own task is about to run: the sweep leaves it for a minute.
    assert fresh.status == Message.Status.QUEUED


def test_a_message_left_by_a_worker_that_died_is_sent_again_after_the_claim_lapses():
    message = queued(status=Message.Status.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=3))
    delivery.send_due()
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENDING
    delivery.send_due(at=timezone.now() + delivery.CLAIM_LAPSES_AFTER)
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENT


def test_backoff_doubles_and_is_capped(settings):
    settings.LOCALTRACE_MESSAGE_RETRY_SECONDS = 30
    assert [delivery.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert delivery.retry_delay(40) == dt.timedelta(days=1)


def test_django_email_to_several_addresses_through_notify_is_one_message_and_one_request_each(
    notify, django_capture_on_commit_callbacks
):
    email = EmailMessage("Rota", "Shift changes", to=["a@example.org", "b@example.org"], bcc=["c@example.org"])
    with django_capture_on_commit_callbacks(execute=True):
        assert OutboxEmailBackend().send_messages([email]) == 3
    assert sorted(r.body["email_address"] for r in notify.requests) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    assert all(r.path == "/v2/notifications/email" for r in notify.requests)
    assert set(Message.objects.values_list("status", flat=True)) == {Message.Status.SENT}
    assert Message.objects.filter(backend="notify").count() == 3


def test_every_message_row_has_exactly_one_recipient(world, django_capture_on_commit_callbacks):
    email = EmailMessage("Rota", "Shift", to=["a@example.org", "b@example.org"], cc=["c@example.org"])
    OutboxEmailBackend().send_messages([email])
    with django_capture_on_commit_callbacks(execute=True):
        send_message(channel="sms", recipient="+447911123456", template="self_service_link", context=CONTEXT)
    for recipient in Message.objects.values_list("recipient", flat=True):
        assert recipient and "," not in recipient and ";" not in recipient and " " not in recipient.strip()
    with pytest.raises(ValueError, match="exactly one recipient"):
        OutboxEmailBackend().send_messages([EmailMessage("x", "y", to=["a@example.org, b@example.org"])])


def test_a_retry_is_not_sent_after_the_person_asked_for_no_more_messages(world, mailoutbox):  # type: ignore[no-untyped-def]
    from localtrace.messaging.models import DeliveryEvent, OptOut

    person = world.case_a.person
    # Tried once, failed for a while on Notify's side, due again now; meanwhile they asked for no more messages.
    message = queued(person=person, attempts=1, next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    OptOut.objects.create(person=person)
    assert delivery.deliver(message.pk) == Message.Status.WITHHELD
    message.refresh_from_db()
    assert message.attempts == 1 and message.sent_at is None and message.next_attempt_at is None
    assert message.last_error == "The person asked for no more messages."
    assert message.events.get().kind == DeliveryEvent.Kind.WITHHELD


def test_a_retry_is_not_sent_to_a_number_marked_as_not_working_meanwhile():
    from localtrace.messaging.models import BadAddress

    message = queued(attempts=1)
    BadAddress.objects.create(channel="sms", address="+447911123456", reason="Not a UK mobile number")
    assert delivery.deliver(message.pk) == Message.Status.WITHHELD
    message.refresh_from_db()
    assert message.sent_at is None and "marked as not working" in message.last_error
