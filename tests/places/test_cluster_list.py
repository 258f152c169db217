"""The cluster list: what its words say about the scan, the score and an empty tab."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.personas import World

pytestmark = pytest.mark.django_db


def test_the_list_says_how_close_the_visits_were_in_days_not_a_few(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("area_lead_a").get(reverse("places:cluster-list")).content.decode()
    assert "within 2 days of one another" in page and "a few days" not in page
    with override_settings(LOCALTRACE_CLUSTERS={"window_days": 1}):
        page = client_for("area_lead_a").get(reverse("places:cluster-list")).content.decode()
    assert "within 1 day of one another" in page


def test_the_list_says_what_the_score_counts(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("lead_a").get(reverse("places:cluster-list")).content.decode()
    assert "the score is the number of households, plus one for each household that says so" in page


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("open", "Nothing to review: the scan has found no new clusters"),
        ("promoted", "No cluster has been made an outbreak yet."),
        ("dismissed", "No cluster has been dismissed."),
    ],
)
def test_an_empty_tab_says_what_is_not_there(world: World, client_for, status: str, said: str) -> None:  # type: ignore[no-untyped-def]
    page = client_for("lead_a").get(reverse("places:cluster-list"), {"status": status}).content.decode()
    assert said in page and "No clusters here." not in page
