"""Phone numbers are kept in E.164 and shown as people dial them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from localtrace.core.templatetags.localtrace import dialled
from tests.personas import World


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("+447723714500", "07723 714500"),
        ("+442079460000", "020 7946 0000"),
        ("+33123456789", "+33 1 23 45 67 89"),
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_a_number_is_shown_as_it_is_dialled(stored: str, shown: str) -> None:
    assert dialled(stored) == shown


@pytest.mark.django_db
def test_the_case_page_shows_the_number_to_dial_and_links_the_full_one(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    person = world.case_a.person
    person.phone = "+447723714500"
    person.save()
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert '<a class="govuk-link" href="tel:+447723714500">07723 714500</a>' in page
