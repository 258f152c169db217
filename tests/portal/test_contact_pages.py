"""A contact's own pages online: the case's dates once they test positive, and one person's answer never another's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from localtrace.cases.models import Case, Status
from localtrace.cases.services import close_contact_now_a_case
from localtrace.config import policy
from localtrace.contacts.models import Contact, SymptomReport
from localtrace.people.models import Person
from localtrace.portal import services
from localtrace.portal.models import IsolationNote
from localtrace.results.models import TestResult
from tests.personas import World
from tests.portal.test_journeys import signed_in_with_link

pytestmark = pytest.mark.django_db

BORN = dt.date(1990, 7, 1)


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


def _words(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def contact_who_tested_positive(world: World) -> tuple[Contact, Case]:
    """Met the case 8 days ago (isolating as a contact for 2 more days), then tested positive today."""
    today = timezone.localdate()
    person = Person.objects.create(given_name="Dafydd", family_name="Rees", date_of_birth=BORN,
                                   phone="+447911222333", preferred_language="en")  # fmt: skip
    met = today - dt.timedelta(days=8)
    contact = Contact.objects.create(
        case=world.case_a, person=person, area=world.area_a, kind=Contact.Kind.CLOSE, last_exposure=met,
        isolation_ends_on=policy.contact_isolation_ends_on(met), reach_deadline=timezone.now() + dt.timedelta(hours=24),
    )  # fmt: skip
    result = TestResult.objects.create(
        source_id="LAB-A", specimen_id="BECAME-PORTAL", submission=world.submission, row_number=9, person=person,
        area=world.area_a, postcode="FX1 1AB", test_type="PCR", result="positive", specimen_date=today,
        result_date=today,
    )  # fmt: skip
    case = Case.objects.create(
        person=person, area=world.area_a, first_result=result, specimen_date=today, result_date=today,
        reach_deadline=timezone.now() + dt.timedelta(hours=20),
    )  # fmt: skip
    assert close_contact_now_a_case(contact, case)
    contact.refresh_from_db()
    assert contact.status == Status.BECAME_CASE
    return contact, case


def test_their_contact_link_shows_the_case_isolation_end_not_the_contact_one(world: World) -> None:
    contact, case = contact_who_tested_positive(world)
    as_case = policy.case_isolation_ends_on(case.anchor_date)
    assert as_case > contact.isolation_ends_on
    client = signed_in_with_link(contact, BORN)
    home = client.get("/self-service/you/").content.decode()
    assert f"Stay at home until the end of {_words(as_case)}" in home
    assert _words(contact.isolation_ends_on) not in home


def test_their_contact_link_asks_for_no_daily_symptom_check_and_gives_no_get_a_test_advice(world: World) -> None:
    contact, _ = contact_who_tested_positive(world)
    client = signed_in_with_link(contact, BORN)
    home = client.get("/self-service/you/").content.decode()
    assert "Tell us how you feel today" not in home
    assert "/self-service/symptom-check/" not in home
    assert client.get("/self-service/symptom-check/")["Location"] == "/self-service/you/"
    assert client.post("/self-service/symptom-check/", {"symptoms": "symptoms"})["Location"] == "/self-service/you/"
    assert not SymptomReport.objects.filter(contact=contact).exists()
    assert client.get("/self-service/get-a-test/")["Location"] == "/self-service/you/"


def test_their_isolation_is_not_over_while_the_case_isolation_runs(world: World) -> None:
    contact, case = contact_who_tested_positive(world)
    # Three days on: the contact's isolation would have ended yesterday; the case's runs for a week more.
    Contact.objects.filter(pk=contact.pk).update(isolation_ends_on=timezone.localdate() - dt.timedelta(days=1))
    client = signed_in_with_link(contact, BORN)
    home = client.get("/self-service/you/").content.decode()
    assert "Your isolation ended" not in home and "Your isolation has ended" not in home
    assert f"Stay at home until the end of {_words(policy.case_isolation_ends_on(case.anchor_date))}" in home


# --- one phone, two people -----------------------------------------------------------------------------------


def test_a_symptom_check_opened_by_one_person_is_not_recorded_for_the_next_person_on_the_phone(world: World) -> None:
    today = timezone.localdate()
    people = {}
    for given_name, born in (("Dafydd", BORN), ("Eleri", dt.date(1992, 3, 9))):
        person = Person.objects.create(given_name=given_name, family_name="Rees", date_of_birth=born,
                                       phone="+447911222333", preferred_language="en")  # fmt: skip
        people[given_name] = Contact.objects.create(
            case=world.case_a, person=person, area=world.area_a, kind=Contact.Kind.HOUSEHOLD,
            last_exposure=today, isolation_ends_on=policy.contact_isolation_ends_on(today),
            reach_deadline=timezone.now() + dt.timedelta(hours=24),
        )  # fmt: skip
    phone = Client(enforce_csrf_checks=True)

    def sign_in(contact: Contact, born: dt.date) -> None:
        phone.get(re.sub(r"^https?://[^/]+", "", services.issue_link(contact).url))
        token = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', phone.get("/self-service/date-of-birth/").content.decode()
        )
        assert token is not None
        fields = {
            "date_of_birth_0": str(born.day),
            "date_of_birth_1": str(born.month),
            "date_of_birth_2": str(born.year),
        }
        assert (
            phone.post("/self-service/date-of-birth/", {**fields, "csrfmiddlewaretoken": token[1]}).status_code == 302
        )

    # Dafydd opens today's check in one tab...
    sign_in(people["Dafydd"], BORN)
    dafydds_form = phone.get("/self-service/symptom-check/").content.decode()
    posted = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', dafydds_form))
    # ...Eleri opens her own link on the same phone in another tab...
    sign_in(people["Eleri"], dt.date(1992, 3, 9))
    # ...and Dafydd's tab sends his answer.
    sent = phone.post("/self-service/symptom-check/", {**posted, "symptoms": "symptoms"})
    # Nothing is recorded for anyone; the page that follows is Eleri's, with her name on it.
    assert sent["Location"] == "/self-service/you/" and not SymptomReport.objects.exists()
    assert "Eleri Rees" in phone.get(sent["Location"]).content.decode()
    # Eleri's own check still works.
    eleris_form = phone.get("/self-service/symptom-check/").content.decode()
    posted = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', eleris_form))
    assert (
        phone.post("/self-service/symptom-check/", {**posted, "symptoms": "none"})["Location"] == "/self-service/you/"
    )
    assert not SymptomReport.objects.get(contact=people["Eleri"]).has_symptoms


def test_their_isolation_note_runs_to_the_end_of_the_case_isolation(world: World) -> None:
    contact, case = contact_who_tested_positive(world)
    client = signed_in_with_link(contact, BORN)
    assert client.get("/self-service/isolation-note/download/")["Content-Type"] == "application/pdf"
    note = IsolationNote.objects.get(contact=contact)
    # From the day they were last with the case they named, as a contact; to the case's last day.
    assert note.isolate_from == contact.last_exposure
    assert note.isolate_until == policy.case_isolation_ends_on(case.anchor_date) > contact.isolation_ends_on
