"""The area lead's support figures page (/support/figures/): their areas only, over a period they choose."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from localtrace.support.services import close_request, record_attempt, record_needs
from tests.personas import World, make_case


def text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(response.content.decode().split())


def test_an_area_lead_sees_the_support_figures_of_their_area_and_no_other(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    officer = world.users["support_a"]
    asked = timezone.now() - dt.timedelta(hours=30)
    food, _money = record_needs(world.case_a, ["food", "money"], urgent=True, consent=True, at=asked)
    record_attempt(food, channel="phone", outcome="spoke", actor=officer, at=asked + dt.timedelta(hours=2))
    close_request(food, outcome="resolved", actor=officer)
    case_b, _ = make_case(world.area_b, world.submission, specimen_id="B-1")
    record_needs(case_b, ["pets", "rules", "caring"], urgent=False, consent=True, at=asked)

    page = text(client_for("area_lead_a").get(reverse("support:figures")))
    assert f'<h2 class="govuk-heading-m">{world.area_a.name}</h2>' in page
    assert world.area_b.name not in page
    assert "2 (2 urgent)" in page  # area A's two requests; area B's three are not counted
    assert 'Food and essential supplies</th><td class="govuk-table__cell govuk-table__cell--numeric">1<' in page
    assert 'Resolved</th><td class="govuk-table__cell govuk-table__cell--numeric">1<' in page
    assert "median 2.0" in page


def test_the_period_is_chosen_on_the_page_and_a_bad_choice_shows_the_default(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record_needs(world.case_a, ["food"], urgent=False, consent=True, at=timezone.now() - dt.timedelta(days=10))
    client = client_for("area_lead_a")
    assert "1 (0 urgent)" in text(client.get(reverse("support:figures")))  # the last 4 weeks
    assert "0 (0 urgent)" in text(client.get(reverse("support:figures"), {"period": "7"}))
    fallback = text(client.get(reverse("support:figures"), {"period": "365"}))
    assert "Choose a period from the list" in fallback and "1 (0 urgent)" in fallback


def test_the_support_queue_links_area_leads_to_the_figures(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    link = f'href="{reverse("support:figures")}"'
    assert link in client_for("area_lead_a").get(reverse("support:queue")).content.decode()
    assert link not in client_for("support_a").get(reverse("support:queue")).content.decode()
    assert client_for("support_a").get(reverse("support:figures")).status_code == 404
