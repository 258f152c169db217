"""Fixtures for messaging tests: the fake Notify server and settings that point the notify backend at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes import notify as fake_notify

CALLBACK_TOKEN = "callback-token-for-tests-0123456789abcdef"


@pytest.fixture
def fake_notify_server() -> Iterator[fake_notify.FakeNotify]:
    fake = fake_notify.start()
    yield fake
    fake.close()


@pytest.fixture
def notify(settings: Any, fake_notify_server: fake_notify.FakeNotify) -> fake_notify.FakeNotify:
    settings.LOCALTRACE_MESSAGE_BACKEND = "notify"
    settings.LOCALTRACE_NOTIFY = {
        "api_key": fake_notify.API_KEY,
        "base_url": fake_notify_server.base_url,
        "sms_template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
        "email_template_id": "0f1d6b3c-1111-4c1e-9a4e-6b7f1d0c2a22",
        "callback_token": CALLBACK_TOKEN,
        "timeout": 5,
    }
    return fake_notify_server
