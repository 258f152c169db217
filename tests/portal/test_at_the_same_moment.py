"""Dates of birth guessed at once on one link (PostgreSQL only: real concurrent transactions)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory

from localtrace.portal import services
from localtrace.portal.models import PortalLink
from tests.personas import build_world
from tests.support.test_at_the_same_moment import while_the_first_is_open

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_the_right_date_guessed_while_the_last_wrong_one_locks_the_link_does_not_get_in(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_DOB_ATTEMPTS = 5
    world = build_world()
    link = services.issue_link(world.case_a).link
    PortalLink.objects.filter(pk=link.pk).update(failed_attempts=4)
    request = RequestFactory().post("/self-service/date-of-birth/")
    request.user = AnonymousUser()  # a member of the public
    # Both requests loaded the link while it still worked; the wrong guess is decided first and locks it.
    wrong, right = services.usable(link.pk), services.usable(link.pk)
    outcome = while_the_first_is_open(
        lambda: services.check_date_of_birth(wrong, dt.date(1980, 1, 1), request=request),  # type: ignore[arg-type]
        lambda: services.check_date_of_birth(right, dt.date(1979, 3, 14), request=request),  # type: ignore[arg-type]
    )
    assert outcome == {"result": False}
    link.refresh_from_db()
    assert link.locked_at is not None and link.confirmed_at is None
