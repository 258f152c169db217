"""Places a case went (backward and forward) and the help they need to isolate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from localtrace.cases.investigation import InvestigationError
from localtrace.config import policy
from localtrace.places.models import Setting, Visit
from localtrace.places.services import direction_for, record_visit
from localtrace.support.services import needs_fingerprint
from tests.personas import World


def test_a_visit_is_backward_or_forward_by_its_day(world: World) -> None:
    case = world.case_a
    backward, infectious = policy.backward_window(case.anchor_date), policy.infectious_period(case.anchor_date)
    assert direction_for(case, backward.first) == Visit.Direction.BACKWARD
    assert direction_for(case, backward.last) == Visit.Direction.BACKWARD
    assert direction_for(case, infectious.first) == Visit.Direction.FORWARD
    assert direction_for(case, backward.first - dt.timedelta(days=1)) is None


def test_the_same_place_named_twice_is_one_setting(world: World) -> None:
    day = policy.backward_window(world.case_a.anchor_date).first
    first = record_visit(
        world.case_a,
        name="The Crown",
        kind="hospitality",
        visited_on=day,
        postcode="FX1 1AB",
        actor=world.users["tracer_a"],
    )
    second = record_visit(
        world.case_a,
        name="the  crown",
        kind="hospitality",
        visited_on=day + dt.timedelta(days=1),  # the same place and day twice is refused (tests/places/test_visits.py)
        postcode="fx11ab",
        actor=world.users["tracer_a"],
    )
    assert first.setting == second.setting
    assert Setting.objects.count() == 1
    assert first.direction == Visit.Direction.BACKWARD
    assert world.case_a.events.filter(kind="visit").count() == 2


def test_a_visit_outside_the_days_that_matter_is_refused(world: World) -> None:
    too_early = policy.backward_window(world.case_a.anchor_date).first - dt.timedelta(days=3)
    with pytest.raises(InvestigationError, match="outside the days that matter"):
        record_visit(world.case_a, name="Gym", kind="other", visited_on=too_early, actor=world.users["tracer_a"])
    assert not Visit.objects.exists()


def test_support_needs_need_consent_to_share(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("cases:support-needs", args=[world.case_a.pk])
    client = client_for("tracer_a")
    seen = needs_fingerprint(world.case_a)
    refused = client.post(url, {"needs": ["food", "money"], "urgent": "yes", "seen": seen})
    assert "Ask whether they agree to share their details" in refused.content.decode()
    client.post(url, {"needs": ["food", "money"], "urgent": "yes", "consent": "yes", "seen": seen})
    world.case_a.refresh_from_db()
    assert world.case_a.support_needs == ["food", "money"]
    assert world.case_a.support_urgent
    page = client.get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert "Needs help to isolate today: food and essential supplies, money and work worries" in page


def test_needing_nothing_is_an_answer_too(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client_for("tracer_a").post(
        reverse("cases:support-needs", args=[world.case_a.pk]),
        {"urgent": "no", "seen": needs_fingerprint(world.case_a)},
    )
    world.case_a.refresh_from_db()
    assert world.case_a.support_needs == []
    assert world.case_a.events.filter(summary="Needs no help to isolate").exists()
