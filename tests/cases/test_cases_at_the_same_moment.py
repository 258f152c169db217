"""Whether someone has a case is decided once, when results and namings about them arrive at the same moment.

PostgreSQL only: real concurrent transactions. SQLite runs one writer at a time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from localtrace.cases.models import Case, Status
from localtrace.contacts.models import Contact
from localtrace.people.models import Person
from tests.cases.test_source_links import name_siân
from tests.people.test_merge import import_rows
from tests.personas import World, build_world
from tests.results.factories import NHS_NUMBERS, row
from tests.support.test_at_the_same_moment import while_the_first_is_open

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def siân() -> Person:
    """Known already (an earlier negative test, say): both sides below find this record."""
    return Person.objects.create(
        given_name="Siân", family_name="O'Brien-Ahmed", date_of_birth=dt.date(1980, 5, 17), postcode="FX1 1AB",
        nhs_number=NHS_NUMBERS[0],
    )  # fmt: skip


def positive_today() -> None:
    today = timezone.localdate().isoformat()
    import_rows(row(specimen_date=today, result_date=today))


def assert_became_the_case(world: World, person: Person) -> None:
    contact = Contact.objects.get(case=world.case_a, person=person)
    case = Case.objects.get(person=person)
    assert contact.status == Status.BECAME_CASE
    assert contact.events.filter(kind="became_case").count() == 1
    assert case.source_contact_id == contact.pk  # met yesterday, tested today: the case that named her


def test_naming_someone_while_their_positive_result_is_being_written() -> None:
    world, person = build_world(), siân()
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    outcome = while_the_first_is_open(positive_today, lambda: name_siân(world, world.case_a, yesterday))

    assert "error" not in outcome, outcome
    assert_became_the_case(world, person)


def test_a_positive_result_arriving_while_a_tracer_names_them() -> None:
    world, person = build_world(), siân()
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    outcome = while_the_first_is_open(lambda: name_siân(world, world.case_a, yesterday), positive_today)

    assert "error" not in outcome, outcome
    assert_became_the_case(world, person)


def test_two_positive_results_for_one_person_at_once_open_one_case() -> None:
    build_world()
    person = siân()
    today = timezone.localdate().isoformat()

    outcome = while_the_first_is_open(
        lambda: import_rows(row(specimen_id="FROM-FILE", specimen_date=today, result_date=today)),
        lambda: import_rows(row(specimen_id="FROM-FHIR", specimen_date=today, result_date=today)),
    )

    assert "error" not in outcome, outcome
    (case,) = Case.objects.filter(person=person)
    assert set(case.results.values_list("specimen_id", flat=True)) == {"FROM-FILE", "FROM-FHIR"}
