"""What the case's journey will not do: ask again once answered or closed, overwrite a tracer's record, lose
a namesake, or take a number that is not one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client

from localtrace.cases.investigation import InvestigationError, complete, record_symptoms
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.portal import services
from localtrace.portal.answers import submit_case_answers
from localtrace.portal.views.case import MOST_ENTRIES_PER_LIST
from tests.personas import World
from tests.portal.test_journeys import date_fields, signed_in_with_link

pytestmark = pytest.mark.django_db

DOB = dt.date(1979, 3, 14)
QUESTIONS = ("/self-service/symptoms/", "/self-service/household/", "/self-service/close-contacts/",
             "/self-service/places/", "/self-service/help/", "/self-service/check-your-answers/")  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


def _answers(link_pk: int, **changes: object) -> dict[str, object]:
    answers: dict[str, object] = {"link": link_pk, "symptomatic": "no", "household": [], "contacts": [],
                                  "places": [], "support": {"needs": [], "urgent": "no", "consent": ""}}  # fmt: skip
    answers.update(changes)
    return answers


def test_a_closed_case_is_not_asked_its_questions_and_its_record_is_not_changed(world: World) -> None:
    case = world.case_a
    client = signed_in_with_link(case, DOB)
    complete(case, actor=world.users["tracer_a"], summary="Interview completed")
    for path in QUESTIONS:
        assert client.get(path)["Location"] == "/self-service/you/", path
    home = client.get("/self-service/you/").content.decode()
    assert "already finished asking about your contacts" in home and "Start now" not in home
    with pytest.raises(InvestigationError):
        submit_case_answers(services.issue_link(case).link, case, _answers(0))


def test_answers_added_after_sending_are_not_taken_and_lost(world: World) -> None:
    case = world.case_a
    client = signed_in_with_link(case, DOB)
    link = case.portal_links.get()
    submit_case_answers(link, case, _answers(link.pk))
    for path in QUESTIONS:
        assert client.get(path)["Location"] == "/self-service/you/", path
    late = client.post("/self-service/household/", {"given_name": "Late", "family_name": "Addition"})
    assert late["Location"] == "/self-service/you/"
    assert not case.contacts.filter(person__given_name="Late").exists()
    home = client.get("/self-service/you/").content.decode()
    assert "already sent us your answers" in home and "If you forgot someone" in home


def test_symptoms_a_tracer_recorded_are_shown_not_asked_and_stand(world: World) -> None:
    case = world.case_a
    onset = case.specimen_date - dt.timedelta(days=2)
    record_symptoms(case, symptomatic=True, onset_date=onset, actor=world.users["tracer_a"])
    client = signed_in_with_link(case, DOB)
    assert client.get("/self-service/symptoms/")["Location"] == "/self-service/household/"
    client.post("/self-service/household/", {})
    client.post("/self-service/close-contacts/", {})
    client.post("/self-service/places/", {})
    client.post("/self-service/help/", {"urgent": "no"})
    check = client.get("/self-service/check-your-answers/").content.decode()
    assert "As your tracer recorded" in check
    link = case.portal_links.get()
    # Whatever the session says, sending keeps the tracer's record.
    submit_case_answers(link, case, _answers(link.pk, symptomatic="no"))
    case.refresh_from_db()
    assert case.symptomatic and case.onset_date == onset


def test_a_namesake_is_never_lost_and_a_tracers_contact_is_not_named_again(world: World) -> None:
    case = world.case_a
    today = dt.date.today()
    name_contact(case, NamedContact("Gwen", "Jones", "household", today, phone="+447911123461"),
                 actor=world.users["tracer_a"])  # fmt: skip
    link = services.issue_link(case).link
    household = [
        {"given_name": "John", "family_name": "Smith", "phone": "+447911123462"},
        {"given_name": "John", "family_name": "Smith", "phone": "+447911123463"},  # a father and son, say
        {"given_name": "Gwen", "family_name": "Jones", "phone": ""},  # the tracer's Gwen: the same person
        {"given_name": "Ann", "family_name": "Lee", "phone": ""},
    ]
    submitted = submit_case_answers(link, case, _answers(link.pk, household=household))
    # Matching takes the second John Smith at one address for the first; the answers still go in, and the
    # second is on the timeline, with the number they gave, for a tracer to check.
    assert case.contacts.filter(person__given_name="John", person__family_name="Smith").count() == 1
    assert case.contacts.filter(person__given_name="Ann").count() == 1
    assert case.contacts.filter(person__given_name="Gwen", person__family_name="Jones").count() == 1
    assert submitted.not_recorded == ["John Smith (+447911123463): John Smith is already a contact of this case"]
    timeline = case.events.get(kind="portal_submitted").summary
    assert "Not recorded, to check with them: John Smith (+447911123463)" in timeline
    assert "already named: Gwen Jones" in timeline


def test_the_confirmation_says_a_tracer_will_check_what_could_not_be_recorded(world: World) -> None:
    case = world.case_a
    client = signed_in_with_link(case, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    client.post("/self-service/household/", {"given_name": "John", "family_name": "Smith", "phone": "07911 123462",
                                             "add_another": "1"})  # fmt: skip
    client.post("/self-service/household/", {"given_name": "John", "family_name": "Smith", "phone": "07911 123463"})
    client.post("/self-service/close-contacts/", {})
    client.post("/self-service/places/", {})
    client.post("/self-service/help/", {"urgent": "no"})
    assert client.post("/self-service/check-your-answers/")["Location"] == "/self-service/sent/"
    done = client.get("/self-service/sent/").content.decode()
    assert "Your local team will check them with you" in done


def test_a_phone_number_that_is_not_one_gets_an_error_and_a_real_one_is_stored_in_full(world: World) -> None:
    client = signed_in_with_link(world.case_a, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    refused = client.post(
        "/self-service/household/", {"given_name": "Ann", "family_name": "Lee", "phone": "not a phone"}
    )
    assert refused.status_code == 200 and "Enter a mobile number like 07123 456789" in refused.content.decode()
    client.post("/self-service/household/", {"given_name": "Ann", "family_name": "Lee", "phone": "07911 123 465"})
    answers = client.session["portal_answers"]
    assert answers["household"][0]["phone"] == "+447911123465"


def test_asking_for_help_with_nothing_chosen_is_an_error_not_a_confirmation(world: World) -> None:
    client = signed_in_with_link(world.case_a, DOB)
    page = client.post("/self-service/help-to-isolate/", {"urgent": "no"})
    assert page.status_code == 200 and "Select the help you need" in page.content.decode()
    assert not world.case_a.person.support_requests.exists()


def test_a_date_error_reads_as_a_sentence(world: World) -> None:
    client = signed_in_with_link(world.case_a, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "yes"})
    page = client.post(
        "/self-service/symptoms/started/", date_fields("onset_date", dt.date(2026, 2, 28)) | {"onset_date_0": "31"}
    )
    assert "The day your symptoms started must be a real date." in page.content.decode()


def test_after_isolation_ends_the_start_page_stops_saying_stay_at_home(world: World) -> None:
    contact = world.contact_a
    contact.person.date_of_birth = DOB
    contact.person.save()
    type(contact).objects.filter(pk=contact.pk).update(isolation_ends_on=dt.date.today() - dt.timedelta(days=1))
    client = signed_in_with_link(contact, DOB)
    home = client.get("/self-service/you/").content.decode()
    assert "Your isolation ended at the end of" in home and "Stay at home until" not in home
    assert "Keep isolating" not in home


def test_answers_online_with_nobody_in_a_part_complete_that_part_for_the_tracer(world: World) -> None:
    case = world.case_a
    signed_in_with_link(case, DOB)
    link = case.portal_links.get()
    submit_case_answers(link, case, _answers(link.pk))  # lives with nobody new, close to nobody, went nowhere
    case.refresh_from_db()
    assert None not in (case.household_asked_at, case.contacts_asked_at, case.places_asked_at)


def test_a_change_to_having_symptoms_asks_when_they_started_before_the_answers_can_be_sent(world: World) -> None:
    case = world.case_a
    client = signed_in_with_link(case, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    for path in ("/self-service/household/", "/self-service/close-contacts/", "/self-service/places/"):
        client.post(path, {})
    assert client.post("/self-service/help/", {})["Location"] == "/self-service/check-your-answers/"
    # "Change" on the check page, "Yes", then the browser's Back button to the check page: no day given yet.
    assert (
        client.post("/self-service/symptoms/", {"symptomatic": "yes"})["Location"] == "/self-service/symptoms/started/"
    )
    assert client.get("/self-service/check-your-answers/")["Location"] == "/self-service/symptoms/started/"
    assert client.post("/self-service/check-your-answers/")["Location"] == "/self-service/symptoms/started/"
    assert case.portal_links.get().submitted_at is None
    onset = case.specimen_date - dt.timedelta(days=1)
    client.post("/self-service/symptoms/started/", date_fields("onset_date", onset))
    assert client.post("/self-service/check-your-answers/")["Location"] == "/self-service/sent/"
    case.refresh_from_db()
    assert case.symptomatic and case.onset_date == onset


def test_a_postcode_that_is_not_one_gets_an_error_and_the_place_reaches_the_tracers_records(world: World) -> None:
    from localtrace.places.models import Visit

    case = world.case_a
    client = signed_in_with_link(case, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    place = {"name": "The Crown", "kind": "hospitality", **date_fields("visited_on", case.specimen_date)}
    typo = client.post("/self-service/places/", {**place, "postcode": "FX1 1A"})
    page = typo.content.decode()
    assert typo.status_code == 200 and '<a href="#id_postcode">Enter a postcode like SW1A 2AA' in page
    assert client.session["portal_answers"]["places"] == []  # nothing kept until it is put right
    assert client.post("/self-service/places/", {**place, "postcode": "fx11ab"})["Location"] == "/self-service/help/"
    client.post("/self-service/help/", {})
    assert client.post("/self-service/check-your-answers/")["Location"] == "/self-service/sent/"
    visit = Visit.objects.get(case=case)
    assert visit.setting.name == "The Crown" and visit.setting.postcode == "FX1 1AB"


def test_someone_close_to_them_on_a_day_that_cannot_be_recorded_is_asked_about_again(world: World) -> None:
    from django.utils import timezone

    from localtrace.config import policy

    case = world.case_a
    today = timezone.localdate()
    # Infectious until 4 days ago; anyone last met 11 days ago isolated until yesterday.
    onset = today - dt.timedelta(days=14)
    client = signed_in_with_link(case, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "yes"})
    client.post("/self-service/symptoms/started/", date_fields("onset_date", onset))
    infectious = policy.infectious_period(onset)
    assert infectious.last < today and policy.contact_isolation_ends_on(infectious.first) < today
    first = today - (policy.contact_isolation_ends_on(today) - today)  # the earliest day whose isolation is not over
    person = {"given_name": "Alun", "family_name": "Price", "kind": "close"}
    page = client.get("/self-service/close-contacts/").content.decode()
    last = infectious.last
    assert f"from {first:%A} {first.day} {first:%B} to {last:%A} {last.day} {last:%B}." in page
    for day in (today, infectious.last + dt.timedelta(days=1), first - dt.timedelta(days=1)):
        refused = client.post("/self-service/close-contacts/", {**person, **date_fields("last_met", day)})
        assert refused.status_code == 200 and "Only tell us about people you were close to between" in (
            refused.content.decode()
        ), day
    assert client.session["portal_answers"]["contacts"] == []
    client.post("/self-service/close-contacts/", {**person, **date_fields("last_met", infectious.last)})
    client.post("/self-service/places/", {})
    client.post("/self-service/help/", {})
    assert client.post("/self-service/check-your-answers/")["Location"] == "/self-service/sent/"
    assert case.contacts.get(person__given_name="Alun").last_exposure == infectious.last
    assert not case.events.filter(summary__contains="Not recorded").exists()


def test_a_name_too_long_is_one_error_that_says_so_not_that_it_is_missing(world: World) -> None:
    client = signed_in_with_link(world.case_a, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    long = client.post("/self-service/household/", {"given_name": "Gwenllian" * 12, "family_name": "Morgan"})
    page = long.content.decode()
    assert long.status_code == 200 and "at most 100 characters" in page and "Enter their first name" not in page
    place = {"name": "Y" * 201, "kind": "school", **date_fields("visited_on", world.case_a.specimen_date)}
    page = client.post("/self-service/places/", place).content.decode()
    assert "at most 200 characters" in page and "Enter the name of the place" not in page
    assert client.session["portal_answers"]["household"] == [] and client.session["portal_answers"]["places"] == []


def _full_list(client: Client, key: str, entry: dict[str, str]) -> None:
    session = client.session
    session["portal_answers"][key] = [entry] * MOST_ENTRIES_PER_LIST
    session.save()


@pytest.mark.parametrize(
    "path, key, entry, refusal",
    [
        ("/self-service/household/", "household", {}, "You can add up to 50 people you live with."),
        (
            "/self-service/close-contacts/",
            "contacts",
            {"kind": "close"},
            "You can add up to 50 people you were close to.",
        ),
        ("/self-service/places/", "places", {"kind": "hospitality"}, "You can add up to 50 places."),
    ],
)
def test_a_list_takes_at_most_fifty_entries_and_says_to_call_about_more(
    world: World, path: str, key: str, entry: dict[str, str], refusal: str
) -> None:
    case = world.case_a
    client = signed_in_with_link(case, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    if key == "places":
        entry = {**entry, "name": "The Crown", "postcode": "FX1 1AB", **date_fields("visited_on", case.specimen_date)}
    else:
        entry = {**entry, "given_name": "Ann", "family_name": "Lee", **date_fields("last_met", case.specimen_date)}
    assert client.post(path, {**entry, "add_another": "1"})["Location"] == path
    kept = client.session["portal_answers"][key][0]
    _full_list(client, key, kept)
    for extra in ({**entry, "add_another": "1"}, entry):  # "Add this …" and Continue with the boxes filled in
        refused = client.post(path, extra)
        page = refused.content.decode()
        assert refused.status_code == 200 and "There is a problem" in page
        assert f"{refusal} If " in page and "call your local test and trace team." in page
        assert len(client.session["portal_answers"][key]) == MOST_ENTRIES_PER_LIST
    # Continue with the boxes empty still moves on, and a removed entry makes room for another.
    assert client.post(path, {})["Location"] != path
    client.post(path, {"remove": "0"})
    assert client.post(path, {**entry, "add_another": "1"})["Location"] == path
    assert len(client.session["portal_answers"][key]) == MOST_ENTRIES_PER_LIST
    # With a number for the public, the refusal gives it.
    type(case.area).objects.filter(pk=case.area_id).update(public_phone="+443069990101")
    assert "Their number is 0306 999 0101." in client.post(path, entry).content.decode()


def test_a_full_list_is_refused_in_welsh_when_welsh_is_chosen(world: World) -> None:
    client = signed_in_with_link(world.case_a, DOB)
    client.cookies["django_language"] = "cy"
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    _full_list(client, "household", {"given_name": "Ann", "family_name": "Lee", "phone": ""})
    page = client.post("/self-service/household/", {"given_name": "Ann", "family_name": "Lee"}).content.decode()
    assert "Gallwch ychwanegu hyd at 50 o bobl rydych yn byw gyda nhw." in page


@pytest.mark.parametrize("path, add", [("/self-service/household/", "Add this person"),
                                       ("/self-service/close-contacts/", "Add this person"),
                                       ("/self-service/places/", "Add this place")])  # fmt: skip
def test_the_add_and_continue_buttons_are_kept_from_sending_twice(world: World, path: str, add: str) -> None:
    client = signed_in_with_link(world.case_a, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    page = client.get(path).content.decode()
    for label in (add, "Continue"):
        button = re.search(rf"<button[^>]*>{label}</button>", page)
        assert button is not None and 'data-prevent-double-click="true"' in button.group(0), label


def test_each_person_added_is_shown_by_name_and_a_uk_number_as_it_is_dialled(world: World) -> None:
    client = signed_in_with_link(world.case_a, DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    client.post("/self-service/household/", {"given_name": "Ann", "family_name": "Lee", "phone": "07123 456781",
                                             "add_another": "1"})  # fmt: skip
    page = client.get("/self-service/household/").content.decode()
    assert "07123 456781" in page and "+447123456781" not in page
    # The button is announced as "Remove Ann Lee", as a summary list's actions name their row.
    assert re.search(r'Remove<span class="govuk-visually-hidden"> Ann Lee</span>', page)
