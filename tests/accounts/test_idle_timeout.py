"""The inactivity time-out renews its "last seen" time at most once a minute, and the page counts from it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from localtrace.accounts.middleware import IdleTimeoutMiddleware
from tests.personas import World

KEY = IdleTimeoutMiddleware.SESSION_KEY


def set_last_seen(client: Client, seconds_ago: int) -> int:
    session = client.session
    session[KEY] = int(time.time()) - seconds_ago
    session.save()
    return int(session[KEY])


def session_writes(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(1 for q in captured.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"])


def test_a_page_within_a_minute_of_the_last_write_does_not_save_the_session(
    client_for: Callable[[str], Client], world: World
) -> None:
    client = client_for("tracer_a")
    written = set_last_seen(client, 20)
    assert session_writes(client, reverse("cases:queue")) == 0
    assert client.session[KEY] == written


def test_a_page_a_minute_after_the_last_write_renews_it(client_for: Callable[[str], Client], world: World) -> None:
    client = client_for("tracer_a")
    written = set_last_seen(client, 61)
    assert session_writes(client, reverse("cases:queue")) == 1
    assert client.session[KEY] > written


def test_stay_signed_in_always_renews_it(client_for: Callable[[str], Client], world: World) -> None:
    client = client_for("tracer_a")
    written = set_last_seen(client, 5)
    response = client.post(reverse("core:keep-alive"), headers={"X-Requested-With": "fetch"})
    assert response.json() == {"status": "ok"}
    assert client.session[KEY] > written


def test_the_page_counts_down_from_the_stored_time(client_for: Callable[[str], Client], world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_IDLE_SECONDS = 30 * 60
    client = client_for("tracer_a")
    set_last_seen(client, 40)
    html = client.get(reverse("cases:queue")).content.decode()
    assert 'data-session-idle-seconds="1800"' in html
    left = int(re.search(r'data-session-seconds-left="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert 1755 <= left <= 1760


def test_a_session_idle_longer_than_the_limit_still_ends(client_for: Callable[[str], Client], world: World) -> None:
    client = client_for("tracer_a")
    set_last_seen(client, 31 * 60)
    assert client.get(reverse("cases:queue"))["Location"] == "/signed-out/?reason=inactive"
