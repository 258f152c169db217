"""Notify's delivery receipts: authenticated by the bearer token, and each final status lands on the message."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.cases.models import Attempt, TraceEvent
from localtrace.messaging import delivery
from localtrace.messaging.models import BadAddress, Message
from localtrace.messaging.services import send_message
from tests.messaging.conftest import CALLBACK_TOKEN

pytestmark = pytest.mark.django_db

CONTEXT = {"service_name": "Northshire", "link": "http://testserver/p/abc", "given_name": "Gwen", "expires_on": "1 May"}
URL = "/messaging/notify/receipts/"


@pytest.fixture
def sent(notify, world, django_capture_on_commit_callbacks) -> Message:
    with django_capture_on_commit_callbacks(execute=True):
        message = send_message(
            channel="sms",
            recipient="+447911123456",
            template="self_service_link",
            context=CONTEXT,
            person=world.case_a.person,
            area=world.area_a,
            case=world.case_a,
        )
    assert message is not None
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.provider_id
    return message


def post(body, token=CALLBACK_TOKEN, raw=False):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    data = body if raw else json.dumps(body)
    return Client().post(URL, data=data, content_type="application/json", **headers)


def receipt(message: Message, status: str) -> dict[str, object]:
    return {
        "id": message.provider_id,
        "reference": message.reference,
        "to": message.recipient,
        "status": status,
        "created_at": "2026-11-21T10:00:00.000000Z",
        "completed_at": "2026-11-21T10:00:05.000000Z",
        "sent_at": "2026-11-21T10:00:01.000000Z",
        "notification_type": "sms",
    }


def test_the_url_is_the_one_in_the_docs():
    assert reverse("messaging:notify-callback") == URL


@pytest.mark.parametrize("token", [None, "", "wrong-token", CALLBACK_TOKEN + "x", CALLBACK_TOKEN[:-1]])
def test_a_missing_or_wrong_token_gets_401_and_changes_nothing(sent, token):
    response = post(receipt(sent, "delivered"), token=token)
    assert response.status_code == 401
    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT and sent.receipt_status == ""


def test_another_scheme_than_bearer_is_refused(sent):
    response = Client().post(
        URL, data=json.dumps(receipt(sent, "delivered")), content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {CALLBACK_TOKEN}",
    )  # fmt: skip
    assert response.status_code == 401


def test_without_notify_configured_every_receipt_is_refused(sent, settings):
    settings.LOCALTRACE_NOTIFY = None
    assert post(receipt(sent, "delivered")).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"reference": "message-1", "status": "delivered"}),
        json.dumps({"id": "abc", "status": "exploded"}),
        json.dumps({"id": 12, "status": "delivered"}),
        json.dumps({"id": "abc", "status": "delivered", "reference": 5}),
        "[" * 5000,  # nested deeper than the JSON reader goes
    ],
)
def test_a_malformed_body_gets_400_and_changes_nothing(sent, body):
    response = post(body, raw=True)
    assert response.status_code == 400
    assert response.json()["error"]
    sent.refresh_from_db()
    assert sent.receipt_status == ""


def test_a_receipt_for_an_unknown_notification_gets_404(sent):
    response = post({**receipt(sent, "delivered"), "id": "00000000-0000-0000-0000-000000000000", "reference": None})
    assert response.status_code == 404


def test_delivered_marks_the_message_delivered(sent):
    response = post(receipt(sent, "delivered"))
    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.DELIVERED
    assert sent.receipt_status == "delivered" and sent.receipt_at is not None
    assert [e.kind for e in sent.events.all()] == ["sent", "receipt"]


def test_a_repeated_receipt_changes_nothing_more(sent):
    post(receipt(sent, "permanent-failure"))
    post(receipt(sent, "permanent-failure"))
    post(receipt(sent, "delivered"))
    sent.refresh_from_db()
    assert sent.status == Message.Status.FAILED
    assert Attempt.objects.count() == 1 and BadAddress.objects.count() == 1


def test_permanent_failure_marks_the_number_bad_and_records_an_attempt(sent, world):
    response = post(receipt(sent, "permanent-failure"))
    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.FAILED and sent.receipt_status == "permanent-failure"
    assert BadAddress.objects.get().address == "+447911123456"
    attempt = Attempt.objects.get(case=world.case_a)
    assert attempt.channel == "sms" and attempt.outcome == Attempt.Outcome.WRONG_NUMBER
    assert "marked as not working" in attempt.note
    assert TraceEvent.objects.filter(case=world.case_a, kind="attempt").exists()


def test_a_temporary_failure_fails_the_message_but_not_the_number(sent, world):
    assert post(receipt(sent, "temporary-failure")).status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.FAILED and sent.receipt_status == "temporary-failure"
    assert not BadAddress.objects.exists() and not Attempt.objects.exists()
    assert TraceEvent.objects.filter(case=world.case_a, kind="message_failed").exists()


def test_a_technical_failure_sends_it_again_as_a_new_notification(sent, notify, settings):
    settings.LOCALTRACE_MESSAGE_RETRY_SECONDS = 60
    first = receipt(sent, "technical-failure")
    assert post(first).status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.QUEUED and sent.provider_id == "" and sent.receipt_status == ""
    assert not BadAddress.objects.exists() and not Attempt.objects.exists()
    # Notify repeating the old receipt is acknowledged and changes nothing.
    assert post(first).status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.QUEUED and sent.provider_id == ""

    delivery.send_due(at=sent.next_attempt_at)
    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT and sent.attempts == 2
    assert sent.provider_id and sent.provider_id != first["id"]
    assert len(notify.requests) == 2
    assert post(receipt(sent, "delivered")).status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.DELIVERED


def test_technical_failures_stop_at_the_retry_limit(sent, world, settings):
    settings.LOCALTRACE_MESSAGE_MAX_ATTEMPTS = 1
    assert post(receipt(sent, "technical-failure")).status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.FAILED
    assert TraceEvent.objects.filter(case=world.case_a, kind="message_failed").exists()


def test_a_receipt_found_by_our_reference_when_the_id_was_not_recorded(sent):
    Message.objects.filter(pk=sent.pk).update(provider_id="", status=Message.Status.SENDING)
    assert post(receipt(sent, "delivered")).status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.DELIVERED and sent.provider_id


def test_an_old_receipt_does_not_take_over_a_resend_in_flight(sent):
    first = receipt(sent, "technical-failure")
    post(first)
    # The worker has taken the message to send it again; Notify's answer is not back yet.
    Message.objects.filter(pk=sent.pk).update(status=Message.Status.SENDING)
    for status in ("technical-failure", "delivered"):
        assert post({**first, "status": status}).status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.SENDING and sent.provider_id == "" and sent.receipt_status == ""


def lost_answer(notify, world, capture) -> tuple[Message, dict[str, object]]:
    """A text Notify took, whose answer never reached us: queued to be tried again, and Notify's receipt."""
    notify.lose_next_answer()
    with capture(execute=True):
        message = send_message(
            channel="sms", recipient="+447911123456", template="self_service_link", context=CONTEXT,
            person=world.case_a.person, area=world.area_a, case=world.case_a,
        )  # fmt: skip
    assert message is not None
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.provider_id == ""
    [taken] = notify.notifications
    return message, {**receipt(message, "delivered"), "id": taken["id"]}


def test_a_receipt_for_a_try_whose_answer_was_lost_stops_the_retry(notify, world, django_capture_on_commit_callbacks):
    message, delivered = lost_answer(notify, world, django_capture_on_commit_callbacks)
    assert post(delivered).status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.provider_id == delivered["id"]
    assert message.next_attempt_at is None and not message.outcome_unknown
    delivery.send_due(at=timezone.now() + dt.timedelta(days=1))
    assert len(notify.notifications) == 1


def test_a_technical_failure_of_a_lost_try_leaves_the_retry_to_send_it(
    notify, world, django_capture_on_commit_callbacks
):
    message, delivered = lost_answer(notify, world, django_capture_on_commit_callbacks)
    failed = {**delivered, "status": "technical-failure"}
    assert post(failed).status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.provider_id == "" and message.receipt_status == ""
    assert not message.outcome_unknown

    delivery.send_due(at=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and len(notify.notifications) == 2
    assert message.provider_id == notify.notifications[-1]["id"] != delivered["id"]
    # The first try's receipts no longer speak for the message.
    assert post(delivered).status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
