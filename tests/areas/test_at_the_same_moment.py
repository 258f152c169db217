"""Two area leads granting or ending the same surge access at once (PostgreSQL only: real concurrent transactions)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone

from localtrace.accounts.models import User
from localtrace.areas.models import Delegation
from localtrace.areas.services import DelegationError, grant_delegation, revoke_delegation
from localtrace.audit.models import AuditEvent
from tests.personas import build_world
from tests.support.test_at_the_same_moment import while_the_first_is_open

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def request_by(user: User) -> HttpRequest:
    request = RequestFactory().post("/")
    request.user = user
    return request


def test_the_same_grant_sent_twice_at_once_makes_one_delegation_and_no_error() -> None:
    world = build_world()
    start = timezone.now() + dt.timedelta(days=1)

    def grant() -> Delegation:
        return grant_delegation(
            request_by(world.users["area_lead_a"]), area=world.area_a, team=world.idle_surge_team,
            starts_at=start, ends_at=start + dt.timedelta(days=3), reason="A care home outbreak",
        )  # fmt: skip

    outcome = while_the_first_is_open(grant, grant)

    assert Delegation.objects.filter(team=world.idle_surge_team).count() == 1
    assert isinstance(outcome.get("error"), DelegationError)
    assert AuditEvent.objects.filter(action="grant", object_type="areas.delegation").count() == 1


def test_two_leads_ending_the_same_access_at_once_record_one_revocation() -> None:
    world = build_world()

    def end() -> object:
        delegation = Delegation.objects.get(pk=world.delegation.pk)
        return revoke_delegation(request_by(world.users["area_lead_a"]), delegation)

    outcome = while_the_first_is_open(end, end)

    assert "error" not in outcome
    assert outcome["result"].ended == []
    assert AuditEvent.objects.filter(action="revoke", object_type="areas.delegation").count() == 1
    assert not Delegation.objects.active().filter(team=world.surge_team).exists()
