"""A team lead assigns cases: only to a tracer who may open them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from localtrace.areas.models import Membership, Role
from localtrace.cases.models import Case
from localtrace.cases.queue import assign
from tests.personas import World, make_case

pytestmark = pytest.mark.django_db


def _lead_of_both_areas(world: World) -> Case:
    """lead_a leads area B as well, and area B has an open case."""
    Membership.objects.create(user=world.users["lead_a"], team=world.team_b, role=Role.TEAM_LEAD)
    case_b, _ = make_case(world.area_b, world.submission, specimen_id="WORLD-B")
    return case_b


def test_a_case_in_an_area_the_tracer_does_not_work_is_refused_and_named_and_the_rest_assigned(  # type: ignore[no-untyped-def]
    world: World, client_for
) -> None:
    case_b = _lead_of_both_areas(world)
    lead = client_for("lead_a")
    data = {"case": [world.case_a.pk, case_b.pk], "tracer": world.users["tracer_a"].pk}
    confirm = lead.post(reverse("cases:assign"), data).content.decode()
    assert "Assign 1 case to Tracer A?" in confirm
    assert f"Tracer A does not work in its area and could not open it: {case_b.reference}." in confirm
    assert f'name="case" value="{case_b.pk}"' not in confirm

    # A confirmation sent with the refused case all the same (a hand-made form, or an old page).
    page = lead.post(reverse("cases:assign"), {**data, "confirmed": "yes"}, follow=True).content.decode()
    assert "1 case assigned to Tracer A." in page
    assert f"Tracer A does not work in its area and could not open it: {case_b.reference}." in page
    case_b.refresh_from_db()
    world.case_a.refresh_from_db()
    assert world.case_a.claimed_by == world.users["tracer_a"]
    assert case_b.claimed_by is None and not case_b.events.filter(kind="assigned").exists()


def test_a_surge_tracer_delegated_to_one_of_the_leads_areas_is_not_given_a_case_of_another(  # type: ignore[no-untyped-def]
    world: World, client_for
) -> None:
    case_b = _lead_of_both_areas(world)
    response = client_for("lead_a").post(
        reverse("cases:assign"), {"case": case_b.pk, "tracer": world.users["surge_active"].pk}, follow=True
    )
    page = response.content.decode()
    assert "Assign 1 case" not in page
    assert f"Surge Active does not work in its area and could not open it: {case_b.reference}." in page
    case_b.refresh_from_db()
    assert case_b.claimed_by is None


def test_assigning_refuses_the_items_the_tracer_may_not_open(world: World) -> None:
    case_b = _lead_of_both_areas(world)
    result = assign([world.case_a, case_b], world.users["tracer_b"], by=world.users["lead_a"])
    assert result.assigned == [case_b] and result.refused == [world.case_a]
    assert Case.objects.get(pk=world.case_a.pk).claimed_by is None
    assert not world.case_a.events.filter(kind="assigned").exists()


def test_the_lead_sees_what_the_tracer_holds_and_the_tracer_sees_what_was_assigned(  # type: ignore[no-untyped-def]
    world: World, client_for
) -> None:
    """Assigned cases are held as if taken: the tracer is told on their queue, not left to notice a name in a
    column, and the lead is told what the tracer is already working on."""
    tracer = client_for("tracer_a")
    working_on = tracer.post(reverse("cases:get-next"))
    held = Case.objects.get(claimed_by=world.users["tracer_a"])
    assert working_on.status_code == 302
    other, _ = make_case(world.area_a, world.submission, specimen_id="WORLD-A2")
    data = {"case": [other.pk], "tracer": world.users["tracer_a"].pk}

    confirm = client_for("lead_a").post(reverse("cases:assign"), data).content.decode()
    assert f"Tracer A is already working on {held.reference}." in confirm
    client_for("lead_a").post(reverse("cases:assign"), {**data, "confirmed": "yes"})

    # Activity on the case they took renews their hold on it: the assigned one is now nearest to going back.
    assert (
        tracer.post(reverse("cases:attempt", args=[held.pk]), {"channel": "phone", "outcome": "no_answer"}).status_code
        == 302
    )
    queue = tracer.get(reverse("cases:queue")).content.decode()
    assert "You hold" in queue and "a team lead assigned some of them to you" in queue
    assert f">{held.reference}</a>" in queue and f">{other.reference}</a>" in queue
    assert f"Go back to {other.reference}" in queue
