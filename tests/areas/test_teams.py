"""Administrators add teams."""

from __future__ import annotations

from django.urls import reverse

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
