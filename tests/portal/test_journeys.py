"""The case's and the contact's journeys through the test client: the same actions as the tracer's forms."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Attempt, Status
from localtrace.config import policy
from localtrace.contacts.models import Contact, SymptomReport
from localtrace.people.models import Person
from localtrace.places.models import Visit
from localtrace.portal import services
from localtrace.portal.models import IsolationNote
from tests.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def signed_in_with_link(item: object, dob: dt.date) -> Client:
    url = services.issue_link(item).url  # type: ignore[arg-type]
    client = Client()
    client.get(re.sub(r"^https?://[^/]+", "", url))
    response = client.post("/self-service/date-of-birth/", date_fields("date_of_birth", dob))
    assert response["Location"] == "/self-service/you/"
    return client


def answer_symptom_check(client: Client, answer: dict[str, str]) -> Any:
    """Send the daily symptom check as its page does: with the value that ties the form to the link it was shown for."""
    page = client.get("/self-service/symptom-check/").content.decode()
    shown_for = re.search(r'name="shown_for" value="([^"]+)"', page)
    assert shown_for is not None
    return client.post("/self-service/symptom-check/", {**answer, "shown_for": shown_for[1]})


def test_a_case_answers_online_and_it_shows_in_the_case_timeline(world: World) -> None:
    case = world.case_a
    client = signed_in_with_link(case, dt.date(1979, 3, 14))
    onset = case.specimen_date - dt.timedelta(days=1)
    infectious = policy.infectious_period(onset)
    backward = policy.backward_window(onset)
    assert (
        client.post("/self-service/symptoms/", {"symptomatic": "yes"})["Location"] == "/self-service/symptoms/started/"
    )
    # A date in the future is refused with a clear error and nothing is kept.
    future = client.post(
        "/self-service/symptoms/started/", date_fields("onset_date", timezone.localdate() + dt.timedelta(days=2))
    )
    assert future.status_code == 200 and b"today or in the past" in future.content
    assert client.post("/self-service/symptoms/started/", date_fields("onset_date", onset)).status_code == 302
    client.post("/self-service/household/", {"given_name": "Rhys", "family_name": "Morgan-Davies", "add_another": "1"})
    client.post(
        "/self-service/household/", {"given_name": "Cerys", "family_name": "Morgan-Davies", "phone": "+447911123460"}
    )
    # The places page shows the real dates of both windows.
    page = client.get("/self-service/places/").content.decode()
    assert f"{backward.first:%A} {backward.first.day} {backward.first:%B}" in page
    assert f"{infectious.first:%A} {infectious.first.day} {infectious.first:%B}" in page
    # Close contacts: one half-filled is refused; before the infectious period is refused.
    half = client.post("/self-service/close-contacts/", {"given_name": "Alun"})
    assert b"Enter their last name" in half.content and b"Select how you were close" in half.content
    early = client.post("/self-service/close-contacts/", {"given_name": "Alun", "family_name": "Price", "kind": "close",
                                                           **date_fields("last_met", infectious.first - dt.timedelta(days=1))})  # fmt: skip
    assert early.status_code == 200 and b"Only tell us about people" in early.content
    client.post("/self-service/close-contacts/", {"given_name": "Alun", "family_name": "Price", "kind": "close",
                                                  **date_fields("last_met", infectious.first)})  # fmt: skip
    outside = client.post("/self-service/places/", {"name": "The Crown", "kind": "hospitality",
                                                    **date_fields("visited_on", backward.first - dt.timedelta(days=1))})  # fmt: skip
    assert b"Tell us about places you went between" in outside.content
    client.post(
        "/self-service/places/",
        {"name": "The Crown", "kind": "hospitality", **date_fields("visited_on", backward.first)},
    )
    client.post("/self-service/places/", {"name": "Ysgol y Llan", "kind": "school", **date_fields("visited_on", onset)})
    # Help does not depend on agreeing to share: an answer without it is taken as given (and changed below).
    unshared = client.post("/self-service/help/", {"needs": ["food"], "urgent": "yes"})
    assert unshared["Location"] == "/self-service/check-your-answers/"
    assert (
        client.post("/self-service/help/", {"needs": ["food", "money"], "urgent": "yes", "consent": "on"})["Location"]
        == "/self-service/check-your-answers/"
    )
    check = client.get("/self-service/check-your-answers/").content.decode()
    assert "Rhys Morgan-Davies" in check and "Alun Price" in check and "The Crown" in check
    # Nothing is saved until they send it.
    assert not case.contacts.filter(named_online=True).exists()
    sent = client.post("/self-service/check-your-answers/")
    assert sent.status_code == 302, re.findall(r"try again:[^<]*", sent.content.decode())
    done = client.get("/self-service/sent/").content.decode()
    ends = policy.case_isolation_ends_on(onset)
    assert f"{ends:%A} {ends.day} {ends:%B} {ends.year}" in done

    case.refresh_from_db()
    assert case.onset_date == onset and case.symptomatic
    named = case.contacts.filter(named_online=True)
    # Rhys was already named by the tracer: he is not named twice, and the timeline says so.
    assert {c.person.given_name for c in named} == {"Cerys", "Alun"}
    assert case.contacts.filter(person__given_name="Rhys").count() == 1
    assert named.get(person__given_name="Alun").kind == Contact.Kind.CLOSE
    assert set(Visit.objects.filter(case=case, recorded_online=True).values_list("direction", flat=True)) == {
        "backward",
        "forward",
    }
    assert case.support_needs == ["food", "money"] and case.support_urgent and case.support_consent
    assert case.status == Status.REACHED
    assert case.attempts.filter(channel=Attempt.Channel.WEB, outcome=Attempt.Outcome.ANSWERED).exists()
    summaries = list(case.events.values_list("summary", flat=True))
    assert any("Answered online by the case" in s and "already named: Rhys Morgan-Davies" in s for s in summaries)
    assert any("online" in s for s in summaries if s.startswith("Named a contact"))
    assert AuditEvent.objects.filter(detail__portal="case answers submitted").count() == 1
    # Sending twice is impossible: the questions now go to the start page, which says they were sent.
    assert client.post("/self-service/check-your-answers/")["Location"] == "/self-service/you/"
    assert case.contacts.filter(named_online=True).count() == 2


def test_no_personal_data_in_any_portal_url(world: World) -> None:
    from django.urls import get_resolver

    patterns = [str(p.pattern) for p in get_resolver().url_patterns for p in getattr(p, "url_patterns", [])]
    portal = [p for p in patterns if p.startswith("self-service/")]
    # Only the language switch takes a parameter, and it is a language code.
    assert portal and all("<" not in p for p in portal if not p.startswith("self-service/language/"))


def contact_with_dob(world: World) -> Contact:
    person = Person.objects.create(given_name="Dafydd", family_name="Rees", date_of_birth=dt.date(1990, 7, 1),
                                   phone="+447911222333", preferred_language="en")  # fmt: skip
    return Contact.objects.create(
        case=world.case_a, person=person, area=world.area_a, kind=Contact.Kind.CLOSE,
        last_exposure=timezone.localdate() - dt.timedelta(days=2),
        isolation_ends_on=timezone.localdate() + dt.timedelta(days=8),
        reach_deadline=timezone.now() + dt.timedelta(hours=24),
    )  # fmt: skip


def test_a_contact_reports_symptoms_and_their_team_is_told(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    contact = contact_with_dob(world)
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    home = client.get("/self-service/you/").content.decode()
    ends = contact.isolation_ends_on
    assert f"{ends:%A} {ends.day} {ends:%B}" in home and "Daily symptom check" in home
    assert b"Select whether" in answer_symptom_check(client, {}).content
    assert answer_symptom_check(client, {"symptoms": "none"})["Location"] == "/self-service/you/"
    response = answer_symptom_check(client, {"symptoms": "symptoms"})
    assert response["Location"] == "/self-service/get-a-test/"
    assert b"Get a test" in client.get("/self-service/get-a-test/").content
    report = SymptomReport.objects.get(contact=contact)  # the day's second answer replaced the first
    assert report.has_symptoms and report.online
    assert contact.events.filter(kind="symptom_report", summary__contains="Reported symptoms online").exists()
    staff_page = client_for("tracer_a").get(f"/contacts/{contact.pk}/").content.decode()
    assert "Reported symptoms on" in staff_page and "advised to get a test" in staff_page


def test_the_symptom_check_closes_when_isolation_ends(world: World) -> None:
    contact = contact_with_dob(world)
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    Contact.objects.filter(pk=contact.pk).update(isolation_ends_on=timezone.localdate() - dt.timedelta(days=1))
    assert client.get("/self-service/symptom-check/")["Location"] == "/self-service/you/"
    assert not SymptomReport.objects.exists()


def test_the_isolation_note_is_a_pdf_with_a_reference_staff_can_verify_in_their_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = signed_in_with_link(world.case_a, dt.date(1979, 3, 14))
    response = client.get("/self-service/isolation-note/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    note = IsolationNote.objects.get()
    assert note.reference in response["Content-Disposition"] and "Gwen" not in response["Content-Disposition"]
    # The same dates give the same note again.
    client.get("/self-service/isolation-note/download/")
    assert IsolationNote.objects.count() == 1

    tracer = client_for("tracer_a")
    typed = note.reference.replace("-", " ").lower()
    page = tracer.post("/isolation-notes/verify/", {"reference": typed}).content.decode()
    assert "Valid" in page and f"{note.isolate_until:%A} {note.isolate_until.day} {note.isolate_until:%B}" in page
    assert "Gwen" not in page and "Morgan" not in page
    other = client_for("tracer_b").post("/isolation-notes/verify/", {"reference": note.reference}).content.decode()
    assert "No isolation note with this reference" in other
    assert AuditEvent.objects.filter(detail__verify_isolation_note=note.reference).count() == 2


def test_the_welsh_isolation_note_embeds_a_font_with_w_and_y_circumflex(world: World) -> None:
    from django.utils import translation

    from localtrace.portal.notes import issue_note
    from localtrace.portal.pdf import isolation_note_pdf

    link = services.issue_link(world.case_a).link
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = world.users["tracer_a"]
    note = issue_note(link, request=request)
    with translation.override("cy"):
        pdf = isolation_note_pdf(note, "Gwenllïan Ŵyn Ŷr")
    assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf and b"DejaVu" in pdf


def test_answers_sent_twice_at_once_are_recorded_once(world: World) -> None:
    from localtrace.portal.answers import submit_case_answers

    case = world.case_a
    link = services.issue_link(case).link
    answers = {"link": link.pk, "symptomatic": "no", "household": [], "contacts": [],
               "places": [{"name": "The Crown", "kind": "hospitality", "postcode": "",
                           "visited_on": case.specimen_date.isoformat()}],
               "support": {"needs": [], "urgent": "no", "consent": ""}}  # fmt: skip
    # Two tabs, each holding the link as it was before either was sent.
    submit_case_answers(link, case, answers)
    assert submit_case_answers(link, case, answers).contacts == []
    assert Visit.objects.filter(case=case).count() == 1
    assert case.events.filter(kind="portal_submitted").count() == 1


def test_a_phone_left_unattended_asks_for_the_date_of_birth_again_and_keeps_the_answers(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    import time

    settings.PORTAL_IDLE_MINUTES = 30
    client = signed_in_with_link(world.case_a, dt.date(1979, 3, 14))
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    assert client.get("/self-service/you/").status_code == 200
    session = client.session
    session["portal_seen_at"] = time.time() - 31 * 60
    session.save()
    assert client.get("/self-service/you/")["Location"] == "/self-service/date-of-birth/"
    assert client.get("/self-service/household/")["Location"] == "/self-service/date-of-birth/"
    response = client.post("/self-service/date-of-birth/", date_fields("date_of_birth", dt.date(1979, 3, 14)))
    assert response["Location"] == "/self-service/you/"
    assert client.session["portal_answers"]["symptomatic"] == "no"  # the answers in progress are still there
