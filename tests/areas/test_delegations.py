"""An area lead gives a surge team access to the area's queues, for a bounded time, and can end it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from localtrace.accounts.access import may
from localtrace.areas.models import Delegation, Membership, Role
from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
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


def test_a_grant_overlapping_an_active_grant_of_the_same_team_is_refused_and_creates_nothing(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    data = form_data(world, today, today + dt.timedelta(days=2), team=str(world.surge_team.pk))
    before = Delegation.objects.count()
    response = client_for("area_lead_a").post(reverse("areas:delegation-create", args=[world.area_a.code]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Mercia Surge already has access to Northshire&#x27;s queues" in page
    assert "Choose days after that, or end that access first." in page
    assert 'href="#id_starts_on_0"' in page  # the error summary links to the first day's question
    assert Delegation.objects.count() == before
    assert not AuditEvent.objects.filter(action="grant", object_type="areas.delegation").exists()


def test_a_grant_overlapping_a_scheduled_grant_of_the_same_team_is_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    client = client_for("area_lead_a")
    first = client.post(url, form_data(world, today + dt.timedelta(days=5), today + dt.timedelta(days=9)))
    assert first.status_code == 302
    overlapping = client.post(url, form_data(world, today + dt.timedelta(days=9), today + dt.timedelta(days=12)))
    assert overlapping.status_code == 200
    assert "Mercia Reserve already has access" in overlapping.content.decode()
    assert Delegation.objects.filter(team=world.idle_surge_team).count() == 1


def test_a_grant_that_starts_the_day_after_the_current_one_ends_extends_the_access(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    client = client_for("area_lead_a")
    assert client.post(url, form_data(world, today, today + dt.timedelta(days=3))).status_code == 302
    after = client.post(url, form_data(world, today + dt.timedelta(days=4), today + dt.timedelta(days=10)))
    assert after.status_code == 302
    assert Delegation.objects.filter(team=world.idle_surge_team).count() == 2


def test_ending_access_ends_every_active_grant_of_that_team_for_that_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    # Two overlapping grants written before the overlap rule (or around it).
    now = timezone.now()
    older = Delegation.objects.create(
        area=world.area_a, team=world.surge_team, starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=3), reason="Earlier grant", granted_by=world.users["area_lead_a"],
    )  # fmt: skip
    response = client_for("area_lead_a").post(reverse("areas:delegation-revoke", args=[older.pk]), follow=True)
    assert "Mercia Surge no longer has access to Northshire&#x27;s queues." in response.content.decode()
    surge = world.users["surge_active"]
    surge.refresh_from_db()
    assert not may(surge, "area.view", world.area_a)
    assert not Delegation.objects.active().filter(team=world.surge_team).exists()
    assert AuditEvent.objects.filter(action="revoke", object_type="areas.delegation").count() == 2


def test_ending_access_says_which_later_grant_still_stands(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    later_start = timezone.localdate() + dt.timedelta(days=10)
    client = client_for("area_lead_a")
    data = form_data(world, later_start, later_start + dt.timedelta(days=4), team=str(world.surge_team.pk))
    assert client.post(reverse("areas:delegation-create", args=[world.area_a.code]), data).status_code == 302
    response = client.post(reverse("areas:delegation-revoke", args=[world.delegation.pk]), follow=True)
    page = response.content.decode()
    assert "Mercia Surge no longer has access to Northshire&#x27;s queues." in page
    last_day = later_start + dt.timedelta(days=4)
    assert f"Access from {later_start:%-d %B %Y} until the end of {last_day:%-d %B %Y} still stands." in page
    assert Delegation.objects.filter(team=world.surge_team, revoked_at__isnull=True).count() == 1


def test_cancelling_a_scheduled_grant_says_the_current_access_continues(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    later_start = timezone.localtime(world.delegation.ends_at).date() + dt.timedelta(days=1)
    client = client_for("area_lead_a")
    data = form_data(world, later_start, later_start + dt.timedelta(days=2), team=str(world.surge_team.pk))
    assert client.post(reverse("areas:delegation-create", args=[world.area_a.code]), data).status_code == 302
    scheduled = Delegation.objects.get(team=world.surge_team, starts_at__gt=timezone.now())
    page = client.post(reverse("areas:delegation-revoke", args=[scheduled.pk]), follow=True).content.decode()
    assert f"Access for Mercia Surge from {later_start:%-d %B %Y} is cancelled." in page
    assert "Mercia Surge can still work Northshire&#x27;s queues until" in page
    assert "no longer has access" not in page
    assert may(world.users["surge_active"], "area.view", world.area_a)


def test_the_confirmation_names_the_last_day_the_lead_chose(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    last_day = today + dt.timedelta(days=3)
    client = client_for("area_lead_a")
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    page = client.post(url, form_data(world, today, last_day), follow=True).content.decode()
    assert f"Mercia Reserve can work Northshire&#x27;s queues until the end of {last_day:%-d %B %Y}." in page
    assert "00:00" not in page
    assert f"End of {last_day:%-d %b %Y}" in page  # the area's table of surge access says it the same way


def test_cancelling_a_scheduled_grant_does_not_claim_access_was_taken_away(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    start = timezone.localdate() + dt.timedelta(days=3)
    client = client_for("area_lead_a")
    assert client.post(reverse("areas:delegation-create", args=[world.area_a.code]),
                       form_data(world, start, start + dt.timedelta(days=1))).status_code == 302  # fmt: skip
    scheduled = Delegation.objects.get(team=world.idle_surge_team)
    page = client.post(reverse("areas:delegation-revoke", args=[scheduled.pk]), follow=True).content.decode()
    assert f"Access for Mercia Reserve from {start:%-d %B %Y} is cancelled." in page
    assert "no longer has access" not in page and "can still work" not in page
    scheduled.refresh_from_db()
    assert scheduled.revoked_at is not None


def test_a_date_at_the_end_of_the_calendar_is_refused_not_an_error(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    response = client_for("area_lead_a").post(url, form_data(world, dt.date(9999, 12, 31), dt.date(9999, 12, 31)))
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Delegation.objects.filter(team=world.idle_surge_team).exists()


def test_four_weeks_of_access_across_the_autumn_clock_change_is_not_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    # 28 whole local days that take in the last Sunday of October last 28 days and one hour by the clock.
    first_day = dt.date(timezone.localdate().year + 1, 10, 20)
    last_day = first_day + dt.timedelta(days=27)
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    response = client_for("area_lead_a").post(url, form_data(world, first_day, last_day))
    assert response.status_code == 302
    assert Delegation.objects.filter(team=world.idle_surge_team).count() == 1


def test_more_than_four_weeks_of_access_across_the_spring_clock_change_is_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    first_day = dt.date(timezone.localdate().year + 1, 3, 10)
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    response = client_for("area_lead_a").post(url, form_data(world, first_day, first_day + dt.timedelta(days=28)))
    assert response.status_code == 200
    assert "Access can last 28 days at most" in response.content.decode()
    assert not Delegation.objects.filter(team=world.idle_surge_team).exists()


def test_ending_access_hands_back_the_cases_and_contacts_the_surge_tracers_hold(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    surge = world.users["surge_active"]
    for item in (world.case_a, world.contact_a):
        type(item).objects.filter(pk=item.pk).update(claimed_by=surge, claimed_at=now)
    client_for("area_lead_a").post(reverse("areas:delegation-revoke", args=[world.delegation.pk]))
    for item in (world.case_a, world.contact_a):
        item.refresh_from_db()
        assert item.claimed_by is None and not item.is_held
        assert item.events.filter(kind="released").count() == 1


def test_ending_access_leaves_the_holds_of_local_tracers_and_of_surge_tracers_still_delegated(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    surge = world.users["surge_active"]
    # The same surge tracer is also in another surge team that still has access to the area.
    Membership.objects.create(user=surge, team=world.idle_surge_team, role=Role.TRACER)
    Delegation.objects.create(
        area=world.area_a, team=world.idle_surge_team, starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2), reason="Second team", granted_by=world.users["area_lead_a"],
    )  # fmt: skip
    Case.objects.filter(pk=world.case_a.pk).update(claimed_by=surge, claimed_at=now)
    Contact.objects.filter(pk=world.contact_a.pk).update(claimed_by=world.users["tracer_a"], claimed_at=now)
    client_for("area_lead_a").post(reverse("areas:delegation-revoke", args=[world.delegation.pk]))
    world.case_a.refresh_from_db()
    world.contact_a.refresh_from_db()
    assert world.case_a.claimed_by == surge
    assert world.contact_a.claimed_by == world.users["tracer_a"]


@pytest.mark.parametrize("persona", ["lead_a", "tracer_a", "support_a"])
def test_the_area_page_does_not_tell_its_local_staff_that_no_surge_team_has_access(
    world: World, client_for, persona
) -> None:  # type: ignore[no-untyped-def]
    # Mercia Surge has access now; only area leads and administrators see the area's grants.
    page = client_for(persona).get(reverse("areas:area-detail", args=[world.area_a.code])).content.decode()
    assert "No surge team has been given access" not in page


@pytest.mark.parametrize("persona", ["area_lead_a", "admin"])
def test_the_area_page_lists_the_surge_access_for_those_who_see_every_grant(world: World, client_for, persona) -> None:  # type: ignore[no-untyped-def]
    Delegation.objects.all().delete()
    page = client_for(persona).get(reverse("areas:area-detail", args=[world.area_a.code])).content.decode()
    assert "No surge team has been given access" in page


def test_access_longer_than_four_weeks_is_shown_against_the_last_day_question(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    url = reverse("areas:delegation-create", args=[world.area_a.code])
    page = client_for("area_lead_a").post(url, form_data(world, today, today + dt.timedelta(days=40))).content.decode()
    assert '<a href="#id_ends_on_0">Access can last 28 days at most.' in page
    assert 'id="id_ends_on-error"' in page


def test_ending_access_hands_back_the_holds_of_a_surge_tracer_who_is_only_a_support_officer_locally(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    surge = world.users["surge_active"]
    Membership.objects.create(user=surge, team=world.team_a, role=Role.SUPPORT_OFFICER)  # cannot open cases
    Case.objects.filter(pk=world.case_a.pk).update(claimed_by=surge, claimed_at=timezone.now())
    client_for("area_lead_a").post(reverse("areas:delegation-revoke", args=[world.delegation.pk]))
    world.case_a.refresh_from_db()
    assert world.case_a.claimed_by is None
