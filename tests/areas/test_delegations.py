"""An area lead gives a surge team access to the area's queues, for a bounded time, and can end it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from localtrace.accounts.access import may
from localtrace.areas.models import Delegation
from localtrace.audit.models import AuditEvent
from tests.personas import World


def form_data(world: World, start: dt.date, end: dt.date, **extra: str) -> dict[str, str]:
    return {
        "team": str(world.idle_surge_team.pk),
        "starts_on_0": str(start.day),
        "starts_on_1": str(start.month),
        "starts_on_2": str(start.year),
        "ends_on_0": str(end.day),
        "ends_on_1": str(end.month),
        "ends_on_2": str(end.year),
        "reason": "A care home outbreak",
        **extra,
    }


def test_granting_access_lets_the_surge_team_in_until_the_end_of_the_last_day(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    response = client_for("area_lead_a").post(url, form_data(world, today, today + dt.timedelta(days=3)))
    assert response.status_code == 302
    delegation = Delegation.objects.get(team=world.idle_surge_team)
    assert timezone.localtime(delegation.ends_at).date() == today + dt.timedelta(days=4)
    assert timezone.localtime(delegation.ends_at).time() == dt.time.min
    assert may(world.users["surge_idle"], "area.view", world.area_a)
    event = AuditEvent.objects.get(action="grant", object_type="areas.delegation")
    assert event.actor == world.users["area_lead_a"]
    assert event.area == world.area_a


@pytest.mark.parametrize(
    "start_offset, end_offset, message",
    [
        (-1, 2, "Access cannot start in the past"),
        (3, 1, "The last day of access must be on or after the first day"),
        (0, 40, "Access can last 28 days at most"),
    ],
)
def test_bad_periods_are_refused_with_a_reason_and_change_nothing(
    world: World, client_for, start_offset, end_offset, message
) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    before = Delegation.objects.count()
    response = client_for("area_lead_a").post(
        url, form_data(world, today + dt.timedelta(days=start_offset), today + dt.timedelta(days=end_offset))
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert Delegation.objects.count() == before


def test_a_local_team_cannot_be_chosen(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    data = form_data(world, today, today + dt.timedelta(days=1), team=str(world.team_b.pk))
    response = client_for("area_lead_a").post(reverse("areas:delegation-create", args=[world.area_a.code]), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_ending_access_early_takes_effect_at_once_and_is_recorded_once(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    url = reverse("areas:delegation-revoke", args=[world.delegation.pk])
    client.post(url)
    client.post(url)
    world.users["surge_active"].refresh_from_db()
    assert not may(world.users["surge_active"], "area.view", world.area_a)
    assert AuditEvent.objects.filter(action="revoke", object_type="areas.delegation").count() == 1
