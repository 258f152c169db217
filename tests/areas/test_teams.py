"""Administrators add teams."""

from __future__ import annotations

from django.urls import reverse

from localtrace.accounts.models import RoleGrant
from localtrace.areas.models import Team
from tests.personas import World


def test_the_type_of_team_question_offers_only_real_answers(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("admin").get(reverse("areas:team-create")).content.decode()
    assert "---------" not in page
    assert page.count('name="kind"') == 2  # Local team, Surge team


def test_a_team_without_a_type_is_refused_with_a_reason(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(
        reverse("areas:team-create"), {"name": "Northshire Evening", "area": world.area_a.pk}
    )
    assert response.status_code == 200
    assert "Choose the type of team" in response.content.decode()
    assert not Team.objects.filter(name="Northshire Evening").exists()


def test_a_team_without_an_area_is_refused_with_a_reason(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(reverse("areas:team-create"), {"name": "Northshire Evening", "kind": "local"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose the area the team belongs to" in page
    assert not Team.objects.filter(name="Northshire Evening").exists()


def test_an_area_lead_role_without_a_team_is_refused_with_a_reason(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer_b = world.users["tracer_b"]
    response = client_for("admin").post(reverse("accounts:membership-add", args=[tracer_b.pk]), {"role": "area_lead"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose a team" in page
    assert not RoleGrant.objects.filter(user=tracer_b).exists()
