"""Needs asked by tracers for cases and contacts become one open SupportRequest per need and person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.cases.needs import record_support_needs
from localtrace.support.models import SupportRequest
from localtrace.support.services import SupportError, needs_fingerprint, record_needs
from tests.personas import World


def test_each_need_becomes_a_request_for_the_area(world: World) -> None:
    made = record_needs(world.case_a, ["food", "medicines"], urgent=False, consent=True, actor=world.users["tracer_a"])
    assert [r.need for r in made] == ["food", "medicines"]
    assert {r.area_id for r in made} == {world.area_a.pk}
    assert all(r.case_id == world.case_a.pk and r.contact_id is None for r in made)
    assert AuditEvent.objects.filter(object_type="support.supportrequest", action="create").count() == 2


def test_urgent_needs_are_due_in_four_hours_others_in_48(world: World) -> None:
    (urgent,) = record_needs(world.case_a, ["food"], urgent=True, consent=True)
    (later,) = record_needs(world.contact_a, ["pets"], urgent=False, consent=True)
    assert urgent.due_at - urgent.requested_at == dt.timedelta(hours=4)
    assert later.due_at - later.requested_at == dt.timedelta(hours=48)


def test_asking_again_updates_the_open_request_instead_of_duplicating_it(world: World) -> None:
    (first,) = record_needs(world.case_a, ["food"], urgent=False, consent=False)
    (again,) = record_needs(world.case_a, ["food"], urgent=True, consent=True)
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.urgent and again.consent
    # Now urgent: due four hours from when it was asked again, earlier than the 48 hours it had.
    assert again.due_at < first.due_at
    assert again.due_at <= timezone.now() + dt.timedelta(hours=4)
    assert SupportRequest.objects.filter(person=world.case_a.person, need="food").count() == 1


def test_a_closed_need_asked_again_opens_a_new_request(world: World) -> None:
    from localtrace.support.services import close_request

    (first,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    close_request(first, outcome="resolved", actor=world.users["support_a"])
    (second,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    assert second.pk != first.pk


def test_an_unknown_need_is_refused_and_changes_nothing(world: World) -> None:
    with pytest.raises(SupportError, match="Unknown support needs: spaceship"):
        record_needs(world.case_a, ["food", "spaceship"], urgent=False, consent=True)
    assert not SupportRequest.objects.exists()
    with pytest.raises(ValueError, match="spaceship"):
        record_support_needs(world.case_a, ["spaceship"], urgent=False, consent=True)
    world.case_a.refresh_from_db()
    assert world.case_a.support_needs is None


def test_the_tracers_case_form_creates_requests_through_the_same_action(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("cases:support-needs", args=[world.case_a.pk])
    seen = needs_fingerprint(world.case_a)
    client_for("tracer_a").post(url, {"needs": ["money", "caring"], "urgent": "no", "consent": "yes", "seen": seen})
    assert sorted(SupportRequest.objects.values_list("need", flat=True)) == ["caring", "money"]
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert "Money and work worries — not yet contacted" in page


def test_the_contact_page_asks_about_needs_too(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("tracer_a")
    contact_page = client.get(reverse("contacts:contact-detail", args=[world.contact_a.pk])).content.decode()
    url = reverse("support:contact-needs", args=[world.contact_a.pk])
    assert url in contact_page
    seen = needs_fingerprint(world.contact_a)
    refused = client.post(url, {"needs": ["food"], "urgent": "yes", "seen": seen})
    assert "Ask whether they agree to share their details" in refused.content.decode()
    assert not SupportRequest.objects.exists()
    client.post(url, {"needs": ["food"], "urgent": "yes", "consent": "no", "seen": seen})
    request = SupportRequest.objects.get()
    assert (request.contact_id, request.case_id, request.urgent, request.consent) == (
        world.contact_a.pk,
        None,
        True,
        False,
    )
    assert world.contact_a.events.filter(summary__contains="did not agree to share their details").exists()


def test_without_consent_officers_are_told_not_to_share(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (request,) = record_needs(world.contact_a, ["money"], urgent=False, consent=False)
    page = client_for("support_a").get(reverse("support:request-detail", args=[request.pk])).content.decode()
    assert "did not agree to share their details" in page
    assert "do not pass their name, contact details or needs to outside organisations" in page
    refer = client_for("support_a").get(reverse("support:refer", args=[request.pk])).content.decode()
    assert "they cannot be referred" in refer


def test_needs_given_without_a_staff_member_are_marked_as_asked_online(world: World) -> None:
    record_support_needs(world.case_a, ["food"], urgent=False, consent=True)
    record_support_needs(world.case_a, ["pets"], urgent=False, consent=True, actor=world.users["tracer_a"])
    sources = dict(SupportRequest.objects.values_list("need", "source"))
    assert sources == {"food": "online", "pets": "tracer"}
