"""Wording on the tracer's and team lead's pages: what to do next, in the service's own words and formats."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from localtrace.cases.chains import refresh
from localtrace.cases.models import Attempt
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_the_visit_sheet_offers_the_outcomes_a_doorstep_visit_is_recorded_with(
    world: World, client_for: Callable[[str], Client]
) -> None:
    page = client_for("tracer_a").get(f"/cases/{world.case_a.pk}/visit-sheet/").content.decode()
    outcome_line = page[page.index("Outcome:") : page.index("Record it on the case afterwards")]
    for outcome in Attempt.OUTCOMES[Attempt.Channel.DOORSTEP]:
        assert f"☐ {Attempt.Outcome(outcome).label.lower()}" in outcome_line
    assert "nobody home" not in outcome_line


def test_the_visit_sheet_writes_times_as_the_case_page_does(world: World, client_for: Callable[[str], Client]) -> None:
    attempt = Attempt.objects.create(
        case=world.case_a, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.NO_ANSWER
    )
    made = timezone.localtime(attempt.made_at)
    page = client_for("tracer_a").get(f"/cases/{world.case_a.pk}/visit-sheet/").content.decode()
    assert f"{made:%H:%M}, {made.day} {made:%b} — phone call: no answer" in page


def test_the_team_page_writes_reach_by_times_as_the_queues_do(
    world: World, client_for: Callable[[str], Client]
) -> None:
    deadline = timezone.localtime(world.case_a.reach_deadline)
    page = client_for("lead_a").get("/team/").content.decode()
    assert f"reach by {deadline:%H:%M}, {deadline.day} {deadline:%b}" in page


def test_an_areas_chain_figures_say_one_case_not_one_cases(world: World, client_for: Callable[[str], Client]) -> None:
    refresh()
    page = client_for("lead_a").get(f"/chains/{world.area_a.code}/").content.decode()
    assert "</span>case</p>" in page and "</span>case not linked to another</p>" in page
    assert "</span>chains of two or more cases</p>" in page  # none: "0 chains"


def test_a_tracers_home_page_leads_to_the_queues(world: World, client_for: Callable[[str], Client]) -> None:
    for persona in ("tracer_a", "surge_active"):
        page = client_for(persona).get("/").content.decode()
        content = page[page.index("<main") :]
        assert 'href="/cases/">the case queue</a>' in content, persona
        assert 'href="/contacts/">the contact queue</a>' in content, persona
