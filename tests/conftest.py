from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.personas import World, build_world

# Spark's Python bridge logs from a destructor after pytest has closed its streams ("Logging error" noise).
logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def sign_in_fully(client: Client, user) -> Client:  # type: ignore[no-untyped-def]
    """Signed in with both factors, as after a real sign-in."""
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    def make(persona: str) -> Client:
        client = Client()
        user = world.user(persona)
        if user is not None:
            sign_in_fully(client, user)
        return client

    return make
