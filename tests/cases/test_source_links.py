"""Named links of transmission chains: made only when the illness followed the meeting, and never into a loop."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.cases.models import Case
from localtrace.cases.services import recheck_source
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.people.models import Person
from localtrace.results.models import Submission
from localtrace.results.reading import read_results
from localtrace.results.services import claim, process_rows
from tests.personas import World, build_world, make_case
from tests.results.factories import csv_bytes, row


def today() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


BORN = {"Owain": dt.date(1990, 6, 1), "Carys": dt.date(1985, 2, 11), "Ifan": dt.date(2001, 9, 23)}


def positive(world: World, given_name: str, *, specimen: dt.date, onset: dt.date | None = None) -> Case:
    """A case of someone not yet named by anyone, tested on `specimen`, with symptoms from `onset` if given."""
    case, _ = make_case(world.area_a, world.submission, specimen_id=f"POSITIVE-{given_name}")
    Person.objects.filter(pk=case.person_id).update(
        given_name=given_name, date_of_birth=BORN[given_name], match_key=Person.key_for(given_name, "Morgan-Davies")
    )
    Case.objects.filter(pk=case.pk).update(specimen_date=specimen, symptomatic=onset is not None, onset_date=onset)
    case.refresh_from_db()
    return case


def name(world: World, by: Case, person: Person, last_exposure: dt.date) -> Contact:
    """`by` names `person` as a close contact, as a tracer does, with details that find their person."""
    person.refresh_from_db()
    return name_contact(
        by,
        NamedContact(
            given_name=person.given_name, family_name=person.family_name, kind=Contact.Kind.CLOSE,
            last_exposure=last_exposure, date_of_birth=person.date_of_birth, postcode=person.postcode,
            address_line_1=person.address_line_1, phone=person.phone,
        ),
        actor=world.users["tracer_a"],
    )  # fmt: skip


def test_naming_someone_whose_symptoms_began_by_the_day_they_met_does_not_make_them_infected_by_the_case(
    world: World,
) -> None:
    # Tested after they met, but ill from the day they met: they already had it (C297 and C386 in the demo).
    met = days_ago(3)
    later = positive(world, "Owain", specimen=days_ago(1), onset=met)
    contact = name(world, world.case_a, later.person, met)
    assert contact.person_id == later.person_id
    later.refresh_from_db()
    assert later.source_contact is None
    assert not later.events.filter(kind="source_linked").exists()


def test_naming_someone_whose_symptoms_began_after_they_met_links_them(world: World) -> None:
    met = days_ago(3)
    later = positive(world, "Owain", specimen=days_ago(1), onset=days_ago(2))
    contact = name(world, world.case_a, later.person, met)
    later.refresh_from_db()
    assert later.source_contact == contact


def test_a_test_taken_on_the_day_they_met_does_not_link_them_when_they_are_named(world: World) -> None:
    later = positive(world, "Owain", specimen=days_ago(3))
    name(world, world.case_a, later.person, days_ago(3))
    later.refresh_from_db()
    assert later.source_contact is None


def test_a_named_link_that_would_close_a_loop_is_not_made(world: World) -> None:
    # The case_a named Carys, who tested positive after they met: case_a is her source.
    carys = positive(world, "Carys", specimen=days_ago(1))
    name(world, world.case_a, carys.person, days_ago(3))
    carys.refresh_from_db()
    assert carys.source_contact is not None and carys.source_contact.case == world.case_a
    # Carys names case_a's person, met the same day, before case_a's test: by the dates alone case_a could have
    # caught it from Carys; but Carys caught it from case_a, so that would be a loop.
    back = name(world, carys, world.case_a.person, days_ago(3))
    assert back.person_id == world.case_a.person_id
    world.case_a.refresh_from_db()
    assert world.case_a.source_contact is None
    assert not world.case_a.events.filter(kind="source_linked").exists()


def test_a_loop_further_up_the_chain_is_not_made_either(world: World) -> None:
    # case_a (tested 2 days ago) → Carys (3 days ago) → Ifan (4 days ago): each met before the other's test.
    carys = positive(world, "Carys", specimen=days_ago(3))
    name(world, world.case_a, carys.person, days_ago(4))
    ifan = positive(world, "Ifan", specimen=days_ago(4))
    name(world, carys, ifan.person, days_ago(5))
    ifan.refresh_from_db()
    assert ifan.source_contact is not None and ifan.source_contact.case == carys
    # Ifan names case_a's person, met before case_a's test: Ifan → case_a would close the loop.
    name(world, ifan, world.case_a.person, days_ago(3))
    world.case_a.refresh_from_db()
    assert world.case_a.source_contact is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_cases_naming_each_other_at_once_do_not_make_a_loop() -> None:
    world = build_world()
    carys = positive(world, "Carys", specimen=days_ago(1))
    case_a, carys_person, case_a_person = world.case_a, carys.person, world.case_a.person
    first_named, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:  # case_a names Carys, and its transaction stays open until released
        try:
            with transaction.atomic():
                name(world, case_a, carys_person, days_ago(3))
                first_named.set()
                release.wait(timeout=30)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            first_named.set()
            connections.close_all()

    def second() -> None:  # meanwhile Carys names case_a's person, met the same day
        try:
            first_named.wait(timeout=30)
            name(world, carys, case_a_person, days_ago(3))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    # Without serialising, the second naming finishes while the first is uncommitted, and links case_a to Carys
    # as Carys is linked to case_a. With it, the second waits (the join times out) and then sees the loop.
    threads[1].join(timeout=3)
    release.set()
    for thread in threads:
        thread.join()
    assert not errors
    carys.refresh_from_db()
    case_a.refresh_from_db()
    assert carys.source_contact is not None and carys.source_contact.case_id == case_a.pk
    assert case_a.source_contact is None


def intake(**overrides: str) -> Case:
    submission = Submission.objects.create(channel=Submission.Channel.COMMAND)
    claim(submission.pk)
    process_rows(submission, read_results(io.BytesIO(csv_bytes([row(nhs_number="", **overrides)]))))
    return Case.objects.get(first_result__submission=submission)


def name_siân(world: World, by: Case, last_exposure: dt.date) -> Contact:
    return name_contact(
        by,
        NamedContact(given_name="Siân", family_name="O'Brien-Ahmed", kind="close", last_exposure=last_exposure,
                     date_of_birth=dt.date(1980, 5, 17), postcode="FX1 1AB"),
        actor=world.users["tracer_a"],
    )  # fmt: skip


def test_a_positive_test_taken_on_the_day_they_met_is_not_linked_at_intake(world: World) -> None:
    name_siân(world, world.case_a, today())
    new_case = intake(specimen_date=today().isoformat(), result_date=today().isoformat())
    assert new_case.source_contact is None


def test_intake_links_the_latest_meeting_that_came_before_the_test(world: World) -> None:
    # Named by case_a, met four days before the test; then by another case, met on the day of the test.
    earlier = name_siân(world, world.case_a, days_ago(4))
    other, _ = make_case(world.area_a, world.submission, specimen_id="OTHER-NAMER")
    Contact.objects.create(
        case=other, person_id=earlier.person_id, area=world.area_a, kind=Contact.Kind.CLOSE, last_exposure=today(),
        isolation_ends_on=today() + dt.timedelta(days=10), reach_deadline=timezone.now(),
    )  # fmt: skip
    new_case = intake(specimen_date=today().isoformat(), result_date=today().isoformat())
    assert new_case.person_id == earlier.person_id
    assert new_case.source_contact == earlier


def test_symptoms_that_began_before_they_met_unlink_the_source_linked_at_intake(world: World) -> None:
    # Linked on the test date alone; the interview then finds symptoms from the day they met.
    named = name_siân(world, world.case_a, days_ago(2))
    new_case = intake(specimen_date=today().isoformat(), result_date=today().isoformat())
    assert new_case.source_contact == named
    Case.objects.filter(pk=new_case.pk).update(symptomatic=True, onset_date=days_ago(2))
    new_case.refresh_from_db()
    assert recheck_source(new_case) is None
    new_case.refresh_from_db()
    assert new_case.source_contact is None
    assert new_case.events.get(kind="source_unlinked").summary == (
        f"No longer linked to case {world.case_a.reference} as their source: symptoms began on "
        f"{days_ago(2):%-d %B}, on or before the day they last met ({days_ago(2):%-d %B})"
    )


def test_symptoms_after_the_meeting_keep_the_source_and_an_earlier_meeting_can_take_its_place(world: World) -> None:
    named = name_siân(world, world.case_a, days_ago(1))
    new_case = intake(specimen_date=today().isoformat(), result_date=today().isoformat())
    assert new_case.source_contact == named
    # Another case met her five days ago: with symptoms from three days ago, that is where she caught it.
    other, _ = make_case(world.area_a, world.submission, specimen_id="EARLIER-NAMER")
    earlier = Contact.objects.create(
        case=other, person_id=named.person_id, area=world.area_a, kind=Contact.Kind.CLOSE, last_exposure=days_ago(5),
        isolation_ends_on=days_ago(5) + dt.timedelta(days=10), reach_deadline=timezone.now(),
    )  # fmt: skip
    Case.objects.filter(pk=new_case.pk).update(symptomatic=True, onset_date=days_ago(3))
    new_case.refresh_from_db()
    assert recheck_source(new_case) == earlier
    new_case.refresh_from_db()
    assert new_case.source_contact == earlier
    linked = list(new_case.events.filter(kind="source_linked").values_list("summary", flat=True))
    assert linked[-1] == f"Named as a contact by case {other.reference}"
    # Symptoms that began after the meeting leave a source alone.
    assert recheck_source(new_case) == earlier
    assert new_case.events.filter(kind="source_unlinked").count() == 1


def test_the_chains_page_says_what_makes_a_named_link(world: World, client_for: Callable[[str], Client]) -> None:
    html = client_for("lead_a").get(reverse("cases:area-chains", args=[world.area_a.code])).content.decode()
    assert "before they tested positive" not in html
    assert "their symptoms began (or, with no symptoms, their test was taken) after the day they last met" in html
    assert "A link that would make a loop" in html
