"""field__any_of=values finds exactly what field__in=values finds, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localtrace.people.models import Person

AWKWARD_NAMES = [
    "", "Ann", "O'Brien", "Zoë", "a\x1fb", "%s", "%(name)s", "comma,name", "{brace}", '"quoted"',
    "back\\slash", "NULL", "two  spaces", "line\nbreak",
]  # fmt: skip


@pytest.fixture
def people(db: None) -> list[Person]:
    return [
        Person.objects.create(
            given_name=name, family_name="Tester", date_of_birth=dt.date(1970, 1, 1) + dt.timedelta(days=i)
        )
        for i, name in enumerate(AWKWARD_NAMES)
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(AWKWARD_NAMES) | st.text(max_size=6).filter(lambda t: "\x00" not in t), max_size=8))
def test_text_values_match_what_in_matches(people: list[Person], wanted: list[str]) -> None:
    expected = set(Person.objects.filter(given_name__in=wanted).values_list("pk", flat=True))
    assert set(Person.objects.filter(given_name__any_of=wanted).values_list("pk", flat=True)) == expected


def test_dates_numbers_and_an_empty_list(people: list[Person]) -> None:
    born = [people[2].date_of_birth, people[5].date_of_birth, dt.date(1900, 1, 1)]
    assert set(Person.objects.filter(date_of_birth__any_of=born)) == {people[2], people[5]}
    assert set(Person.objects.filter(pk__any_of=[people[0].pk, people[3].pk, 0])) == {people[0], people[3]}
    assert not Person.objects.filter(given_name__any_of=[]).exists()
    assert not Person.objects.filter(pk__any_of=set()).exists()
