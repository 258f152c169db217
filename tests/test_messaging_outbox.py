"""The outbox backend: every email becomes one message per recipient, never a shared list."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage

from localtrace.messaging.backends import OutboxEmailBackend
from localtrace.messaging.models import Message


@pytest.mark.django_db
def test_an_email_to_several_people_is_split_so_nobody_sees_anyone_else() -> None:
    email = EmailMessage(
        "Rota", "Shift changes", to=["a@example.org", "b@example.org"], cc=["c@example.org"], bcc=["d@example.org"]
    )
    sent = OutboxEmailBackend().send_messages([email])
    assert sent == 4
    assert sorted(Message.objects.values_list("recipient", flat=True)) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
        "d@example.org",
    ]
    for message in Message.objects.all():
        assert "," not in message.recipient and ";" not in message.recipient
