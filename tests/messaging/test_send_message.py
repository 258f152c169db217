"""send_message: one recipient, the person's language, and nothing sent if the action rolls back."""

from __future__ import annotations

import pytest
from django.db import transaction

from localtrace.messaging.models import Message
from localtrace.messaging.services import render_message, send_message

pytestmark = pytest.mark.django_db(transaction=True)

CONTEXT = {
    "service_name": "Test service",
    "link": "http://testserver/p/abc",
    "given_name": "Ann",
    "expires_on": "1 May",
}


def test_it_writes_the_message_in_the_persons_language():
    english = render_message("self_service_link", "en", CONTEXT)
    welsh = render_message("self_service_link", "cy", CONTEXT)
    assert english.subject.startswith("Test service:")
    assert "http://testserver/p/abc" in english.body and "Subject:" not in english.body
    assert "hunanynysu" in welsh.body


def test_an_unknown_language_falls_back_to_english():
    assert render_message("self_service_link", "fr", CONTEXT) == render_message("self_service_link", "en", CONTEXT)


def test_it_is_delivered_after_the_transaction_commits():
    with transaction.atomic():
        message = send_message(channel="sms", recipient="+447400123456", template="self_service_link", context=CONTEXT)
        assert Message.objects.get(pk=message.pk).status == Message.Status.QUEUED
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENT


def test_a_rolled_back_action_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_message(channel="sms", recipient="+447400123456", template="self_service_link", context=CONTEXT)
        raise RuntimeError("the action failed")
    assert not Message.objects.exists()


@pytest.mark.parametrize("recipient", ["", "a@example.com,b@example.com", "a@example.com; b@example.com"])
def test_it_refuses_anything_but_one_recipient(recipient):
    with pytest.raises(ValueError, match="exactly one recipient"):
        send_message(channel="email", recipient=recipient, template="self_service_link", context=CONTEXT)
    assert not Message.objects.exists()


def test_a_message_is_plain_text_not_html_escaped():
    rendered = render_message(
        "outbreak_manager_email",
        "en",
        {"area_name": "Ystrad & Cwm", "setting_name": "St Anne's Church", "case_count": 3, "outbreak_reference": "OB1"},
    )
    assert rendered.subject == "Ystrad & Cwm public health team: cases linked to St Anne's Church"
    assert "Dear manager of St Anne's Church," in rendered.body
    assert "&#x27;" not in rendered.body and "&amp;" not in rendered.body
