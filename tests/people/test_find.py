"""Finding someone's case or contact: by what a caller says, only in the user's areas, never through the URL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from localtrace.audit.models import AuditEvent
from localtrace.people.models import Person
from localtrace.people.search import SearchError, find, people_matching

pytestmark = pytest.mark.django_db


def refs(found) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.item.reference for f in found]


@pytest.mark.parametrize(
    ("typed", "born"),
    [
        ("Gwen Morgan-Davies", None),
        ("  morgan davies   GWEN ", None),  # either order, any case, hyphen or not
        ("Gwen", dt.date(1979, 3, 14)),  # one name is enough with a date of birth
        ("Morgan-Davies", dt.date(1979, 3, 14)),
        ("Morgan Davies", dt.date(1979, 3, 14)),  # a family name of two words, typed alone
        ("Gwen Morgan Davies", dt.date(1979, 3, 14)),
        ("07911 123456", None),
        ("+44 7911 123456", None),
        ("C{case}", None),
        ("c {case}", None),
    ],
)
def test_a_tracer_finds_the_case_by_what_a_caller_says(world, typed: str, born) -> None:  # type: ignore[no-untyped-def]
    found = find(world.users["tracer_a"], typed.format(case=world.case_a.pk), born)
    assert world.case_a.reference in refs(found)


def test_an_nhs_number_an_email_address_and_a_contact_reference_find_their_records(world) -> None:
    Person.objects.filter(pk=world.contact_a.person_id).update(nhs_number="9434765919", email="rhys@example.org")
    tracer = world.users["tracer_a"]
    assert refs(find(tracer, "943 476 5919")) == [world.contact_a.reference]
    assert refs(find(tracer, "Rhys@Example.org")) == [world.contact_a.reference]
    assert refs(find(tracer, world.contact_a.reference)) == [world.contact_a.reference]


def test_only_records_in_the_users_areas_are_found(world) -> None:
    for persona in ("tracer_b", "surge_idle", "admin", "dpo"):
        assert find(world.users[persona], "Gwen Morgan-Davies") == [], persona
        assert find(world.users[persona], world.case_a.reference) == [], persona
    assert refs(find(world.users["surge_active"], "Gwen Morgan-Davies")) == [world.case_a.reference]


def test_a_wrong_date_of_birth_finds_nothing(world) -> None:
    assert find(world.users["tracer_a"], "Gwen Morgan-Davies", dt.date(1980, 3, 14)) == []


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter a name"),
        ("Gwen", "Enter their full name, or a name and their date of birth"),
        ("0791112", "is not a phone number or an NHS number"),
    ],
)
def test_what_cannot_be_searched_for_gets_a_clear_error(world, typed: str, error: str) -> None:
    with pytest.raises(SearchError, match=error):
        find(world.users["tracer_a"], typed)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.one_of(st.none(), st.dates(max_value=dt.date(2026, 1, 1))))
def test_any_text_is_read_as_something_or_refused_in_plain_words(typed: str, born) -> None:  # type: ignore[no-untyped-def]
    try:
        _condition, why = people_matching(typed, born)
    except SearchError as error:
        assert str(error)
    else:
        assert why in {"NHS number", "email address", "phone number", "name", "name and date of birth"}


def test_the_page_searches_only_what_is_posted_and_audits_each_record_shown(world, client_for) -> None:
    client = client_for("tracer_a")
    url = reverse("people:find")
    # A search in the address is not a search: names must never travel in URLs.
    assert "records found" not in client.get(url, {"query": "Gwen Morgan-Davies"}).content.decode()

    page = client.post(url, {"query": "Gwen Morgan-Davies"}).content.decode()
    assert "1 record found" in page and reverse("cases:case-detail", args=[world.case_a.pk]) in page
    event = AuditEvent.objects.get(action="view", object_type="cases.case", object_id=str(world.case_a.pk))
    assert event.detail == {"found_by": "name"} and "Gwen" not in str(event.detail)

    empty = client.post(url, {"query": "Nobody Known"}).content.decode()
    assert "No records found in your areas" in empty
    error = client.post(url, {"query": "Gwen"}).content.decode()
    assert "There is a problem" in error and "Enter their full name" in error


def test_a_number_typed_in_full_international_form_is_looked_up_as_typed(world) -> None:
    # Ofcom's drama range, which the numbering plan rejects: stored before, or by another door.
    Person.objects.filter(pk=world.case_a.person_id).update(phone="+447700900123")
    assert refs(find(world.users["tracer_a"], "+44 7700 900123")) == [world.case_a.reference]
    with pytest.raises(SearchError, match="is not a phone number"):
        find(world.users["tracer_a"], "07700 900123")


def test_a_full_name_with_a_date_of_birth_never_brings_in_someone_sharing_one_word(world) -> None:
    tracer, born = world.users["tracer_a"], dt.date(1979, 3, 14)
    assert find(tracer, "Gwen Smith", born) == []
    assert refs(find(tracer, "Gwen Morgan-Davies", born)) == [world.case_a.reference]


@pytest.mark.parametrize(
    "typed", ["943-476-5919", "07911 123456 ext 12", "07911 123456 x12", "rhys @ example.org", "7911123456"]
)
def test_numbers_and_addresses_are_read_as_people_type_them(world, typed: str) -> None:
    Person.objects.filter(pk=world.contact_a.person_id).update(
        nhs_number="9434765919", email="rhys@example.org", phone="+447911123456"
    )
    found = find(world.users["tracer_a"], typed)
    assert world.contact_a.reference in refs(found)


def test_a_name_with_numbers_in_it_gets_a_clear_error(world) -> None:
    with pytest.raises(SearchError, match="without numbers"):
        find(world.users["tracer_a"], "Gwen 2")


def test_a_date_of_birth_narrows_a_shared_phone_to_the_person_born_that_day(world) -> None:
    Person.objects.filter(pk=world.contact_a.person_id).update(phone="+447911123456", date_of_birth=dt.date(1980, 1, 1))
    tracer = world.users["tracer_a"]
    assert set(refs(find(tracer, "07911 123456"))) == {world.case_a.reference, world.contact_a.reference}
    assert refs(find(tracer, "07911 123456", dt.date(1979, 3, 14))) == [world.case_a.reference]
