"""The Notify backend, end to end against a local fake of Notify's API: each documented answer leads to the right state."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from django.utils import timezone

from localtrace.cases.models import Attempt, TraceEvent
from localtrace.messaging import delivery
from localtrace.messaging.models import BadAddress, DeliveryEvent, Message
from localtrace.messaging.services import send_message
from tests.fakes import notify as fake

pytestmark = pytest.mark.django_db

CONTEXT = {"service_name": "Northshire", "link": "http://testserver/p/abc", "given_name": "Gwen", "expires_on": "1 May"}


def queue(capture, world, *, channel="sms", recipient="+447911123456", **kwargs):
    with capture(execute=True):
        message = send_message(
            channel=channel,
            recipient=recipient,
            template="self_service_link",
            context=CONTEXT,
            person=world.case_a.person,
            area=world.area_a,
            case=world.case_a,
            **kwargs,
        )
    assert message is not None
    message.refresh_from_db()
    return message


def test_a_text_is_sent_through_notify_with_a_signed_token_and_one_recipient(
    notify, world, django_capture_on_commit_callbacks
):
    message = queue(django_capture_on_commit_callbacks, world)
    assert message.status == Message.Status.SENT
    assert message.attempts == 1 and message.provider_id and message.sent_at is not None
    [request] = notify.requests
    assert request.path == "/v2/notifications/sms"
    assert request.body["phone_number"] == "+447911123456"
    assert request.body["template_id"] == "f33517ff-2a88-4f6e-b855-c550268ce08a"
    assert request.body["reference"] == f"message-{message.pk}"
    assert request.body["personalisation"]["body"] == message.body
    assert "http://testserver/p/abc" in request.body["personalisation"]["body"]
    claims = jwt.decode(request.authorization.removeprefix("Bearer "), fake.SECRET, algorithms=["HS256"])
    assert claims["iss"] == fake.SERVICE_ID


def test_an_email_carries_its_subject_in_the_personalisation(notify, world, django_capture_on_commit_callbacks):
    message = queue(django_capture_on_commit_callbacks, world, channel="email", recipient="gwen@example.org")
    [request] = notify.requests
    assert request.path == "/v2/notifications/email"
    assert request.body["email_address"] == "gwen@example.org"
    assert request.body["personalisation"]["subject"] == message.subject != ""
    assert message.status == Message.Status.SENT


# Notify's own error (500) leaves it unsure whether the message was taken: see the tests of lost answers below.
@pytest.mark.parametrize("answer", [fake.RATE_LIMIT, fake.DAILY_LIMIT, fake.AUTH_ERROR])
def test_a_temporary_failure_is_tried_again_later_with_backoff(
    answer, notify, world, settings, django_capture_on_commit_callbacks
):
    settings.LOCALTRACE_MESSAGE_RETRY_SECONDS = 60
    notify.fail_next(answer, answer)
    message = queue(django_capture_on_commit_callbacks, world)
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert str(answer[0]) in message.last_error and answer[1] in message.last_error
    first_retry = message.next_attempt_at
    assert first_retry is not None and first_retry > timezone.now() + dt.timedelta(seconds=50)

    # Not yet due: the sweep leaves it alone.
    delivery.send_due()
    assert len(notify.requests) == 1

    # Due: tried again, fails again, waits twice as long.
    delivery.send_due(at=first_retry)
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 2
    assert message.next_attempt_at == first_retry + dt.timedelta(seconds=120)

    # Third try succeeds.
    delivery.send_due(at=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 3
    assert len(notify.requests) == 3
    assert [e.kind for e in message.events.all()] == ["retry", "retry", "sent"]
    assert not BadAddress.objects.exists() and not Attempt.objects.exists()
    # A clear refusal means Notify did not take it: nothing to ask before trying again.
    assert all(r.path.startswith("/v2/notifications/") for r in notify.requests)


def sends(notify: fake.FakeNotify) -> list[fake.Recorded]:
    return [r for r in notify.requests if r.path.startswith("/v2/notifications/")]


def test_a_try_whose_answer_was_lost_is_not_sent_again(notify, world, django_capture_on_commit_callbacks):
    notify.lose_next_answer()  # Notify takes it; the connection drops before its answer
    message = queue(django_capture_on_commit_callbacks, world)
    assert message.status == Message.Status.QUEUED and message.outcome_unknown
    assert "did not answer" in message.last_error
    [taken] = notify.notifications

    delivery.send_due(at=message.next_attempt_at)
    message.refresh_from_db()
    # Asked first, by our reference: Notify has it, so it is recorded as sent, not sent a second time.
    assert message.status == Message.Status.SENT and message.provider_id == taken["id"]
    assert not message.outcome_unknown and message.attempts == 2
    assert len(sends(notify)) == 1 and len(notify.notifications) == 1
    assert notify.requests[-1].path == f"/v2/notifications?reference={message.reference}"


def test_after_notifys_own_error_it_asks_before_sending_again(notify, world, django_capture_on_commit_callbacks):
    notify.fail_next(fake.SERVER_ERROR)
    message = queue(django_capture_on_commit_callbacks, world)
    assert message.status == Message.Status.QUEUED and message.outcome_unknown
    delivery.send_due(at=message.next_attempt_at)
    message.refresh_from_db()
    # Notify did not hold it: sent now, once.
    assert message.status == Message.Status.SENT and not message.outcome_unknown
    assert [r.path for r in notify.requests] == [
        "/v2/notifications/sms", f"/v2/notifications?reference={message.reference}", "/v2/notifications/sms",
    ]  # fmt: skip
    assert message.provider_id == notify.notifications[-1]["id"]


def test_when_notify_cannot_say_whether_it_has_the_message_nothing_is_sent(
    notify, world, settings, django_capture_on_commit_callbacks
):
    settings.LOCALTRACE_MESSAGE_MAX_ATTEMPTS = 2
    notify.lose_next_answer()
    message = queue(django_capture_on_commit_callbacks, world)
    notify.fail_next(fake.SERVER_ERROR)  # the question itself fails
    delivery.send_due(at=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and "could not say" in message.last_error
    assert len(sends(notify)) == 1


def test_it_stops_trying_after_the_configured_number_of_tries(
    notify, world, settings, django_capture_on_commit_callbacks
):
    settings.LOCALTRACE_MESSAGE_MAX_ATTEMPTS = 2
    notify.fail_next(fake.SERVER_ERROR, fake.SERVER_ERROR, fake.SERVER_ERROR)
    message = queue(django_capture_on_commit_callbacks, world)
    delivery.send_due(at=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.attempts == 2
    assert message.next_attempt_at is None
    delivery.send_due(at=timezone.now() + dt.timedelta(days=2))
    assert len(notify.requests) == 2
    assert TraceEvent.objects.filter(case=world.case_a, kind="message_failed").exists()
    # Notify being down says nothing about the number.
    assert not BadAddress.objects.exists()


def test_a_network_error_is_tried_again(notify, world, django_capture_on_commit_callbacks):
    notify.close()  # nothing listens on the port any more
    message = queue(django_capture_on_commit_callbacks, world)
    assert message.status == Message.Status.QUEUED and message.attempts == 1
    assert message.next_attempt_at is not None


@pytest.mark.parametrize(
    ("answer", "channel", "recipient"),
    [(fake.VALIDATION_ERROR, "sms", "+447911123456"), (fake.BAD_EMAIL, "email", "Gwen@Example.org")],
)
def test_a_refused_recipient_fails_for_good_marks_the_address_and_moves_the_ladder_on(
    answer, channel, recipient, notify, world, django_capture_on_commit_callbacks
):
    notify.fail_next(answer)
    case = world.case_a
    message = queue(django_capture_on_commit_callbacks, world, channel=channel, recipient=recipient)
    assert message.status == Message.Status.FAILED and message.attempts == 1
    assert "ValidationError" in message.last_error
    assert BadAddress.objects.get().address == ("+447911123456" if channel == "sms" else "gwen@example.org")
    attempt = Attempt.objects.get(case=case)
    assert attempt.channel == channel and attempt.outcome == Attempt.Outcome.WRONG_NUMBER
    case.refresh_from_db()
    # The ladder waits on a call: a bounced message does not stand in for it, but makes it due now.
    assert case.status == "in_progress" and case.ladder_step == 0 and case.next_step_at <= timezone.now()
    assert TraceEvent.objects.filter(case=case, kind="attempt").exists()
    delivery.send_due(at=timezone.now() + dt.timedelta(days=1))
    assert len(notify.requests) == 1

    # Later messages to that address are not sent, whoever sends them and however it is written.
    with django_capture_on_commit_callbacks(execute=True):
        again = send_message(
            channel=channel,
            recipient=" " + recipient.upper() if channel == "email" else "07911 123456",
            template="self_service_link",
            context=CONTEXT,
            case=case,
        )
    assert again is None
    withheld = Message.objects.get(status=Message.Status.WITHHELD)
    assert "marked as not working" in withheld.last_error
    assert withheld.events.get().kind == DeliveryEvent.Kind.WITHHELD
    assert TraceEvent.objects.filter(case=case, kind="message_withheld").exists()
    assert len(notify.requests) == 1


def test_a_refusal_that_is_not_about_the_recipient_does_not_mark_the_address(
    notify, world, django_capture_on_commit_callbacks
):
    notify.fail_next(fake.TRIAL_MODE)
    message = queue(django_capture_on_commit_callbacks, world)
    assert message.status == Message.Status.FAILED
    assert "BadRequestError" in message.last_error
    assert not BadAddress.objects.exists()
    assert not Attempt.objects.exists()
    assert TraceEvent.objects.filter(case=world.case_a, kind="message_failed").exists()


def test_a_wrong_api_key_is_refused_by_the_fake_as_by_notify(
    notify, world, settings, django_capture_on_commit_callbacks
):
    settings.LOCALTRACE_NOTIFY = {**settings.LOCALTRACE_NOTIFY, "api_key": f"other-{fake.SERVICE_ID}-{'0' * 36}"}
    message = queue(django_capture_on_commit_callbacks, world)
    assert message.status == Message.Status.QUEUED
    assert "403" in message.last_error and "AuthError" in message.last_error


def test_a_message_notify_took_before_its_worker_died_is_not_sent_again(
    notify, world, django_capture_on_commit_callbacks
):
    message = queue(django_capture_on_commit_callbacks, world)
    # As if the worker had died after Notify took it, before recording the answer.
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING, provider_id="", claimed_at=timezone.now() - delivery.CLAIM_LAPSES_AFTER
    )
    delivery.send_due(at=timezone.now() + dt.timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.provider_id == notify.notifications[0]["id"]
    assert len(sends(notify)) == 1 and len(notify.notifications) == 1
