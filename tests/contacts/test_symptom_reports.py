"""A contact who reports symptoms makes their team act: back in the queue, shown in its row, warned about on the page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.cases import ladder
from localtrace.cases.investigation import InvestigationError, close_unreachable, complete, record_attempt
from localtrace.cases.models import Case, Status
from localtrace.cases.queue import claim_next
from localtrace.cases.services import close_contact_now_a_case
from localtrace.contacts.models import Contact, SymptomReport
from localtrace.contacts.services import record_symptom_report
from localtrace.people.models import Person
from localtrace.portal import services as portal
from localtrace.results.models import TestResult
from tests.personas import World
from tests.portal.test_journeys import answer_symptom_check

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return timezone.localdate()


def fresh(contact: Contact) -> Contact:
    return Contact.objects.select_related("person").get(pk=contact.pk)


def reported(contact: Contact, days_ago: int, *, has_symptoms: bool) -> None:
    SymptomReport.objects.create(
        contact=contact, reported_on=timezone.localdate() - dt.timedelta(days=days_ago), has_symptoms=has_symptoms
    )


def with_phone(contact: Contact) -> Contact:
    """The persona's partner has no phone number; these tests are about calls, so give them one."""
    Person.objects.filter(pk=contact.person_id).update(phone="+447911123401")
    return fresh(contact)


def test_symptoms_online_reopen_a_completed_contact_with_a_fresh_deadline(world: World) -> None:
    contact = with_phone(world.contact_a)
    complete(contact, actor=world.users["tracer_a"])
    record_symptom_report(fresh(contact), has_symptoms=True)
    contact = fresh(contact)
    assert contact.status == Status.IN_PROGRESS and contact.is_open
    assert contact.closed_at is None and contact.reached_at is None
    assert dt.timedelta(hours=23) < contact.reach_deadline - timezone.now() <= dt.timedelta(hours=24)
    assert contact.symptoms_reported_on == timezone.localdate()
    assert "Reopened and back in the contact queue" in contact.events.get(kind="symptom_report").summary
    # Waiting for a call now: "get next" gives them to the next tracer.
    assert claim_next(Contact.objects.all(), world.users["tracer_a"]) == contact


def test_symptoms_online_reopen_a_contact_closed_as_unreachable(world: World) -> None:
    close_unreachable(world.contact_a, "no answer at any step")
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    contact = fresh(world.contact_a)
    assert contact.status == Status.IN_PROGRESS and contact.outcome_note == ""


def test_a_contact_without_a_phone_number_is_reopened_for_a_doorstep_visit_not_a_call(world: World) -> None:
    complete(world.contact_a, actor=world.users["tracer_a"])
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    contact = fresh(world.contact_a)
    assert contact.is_open and ladder.step(contact.ladder_step).kind == ladder.DOORSTEP
    assert contact.next_step_at <= timezone.now()
    assert claim_next(Contact.objects.all(), world.users["tracer_a"]) is None  # "get next" gives calls only


def test_symptoms_online_make_a_reached_contact_wait_for_a_call_now(world: World) -> None:
    with_phone(world.contact_a)
    record_attempt(world.contact_a, channel="phone", outcome="answered", actor=world.users["tracer_a"])
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    contact = fresh(world.contact_a)
    assert contact.status == Status.IN_PROGRESS and contact.reached_at is None
    assert contact.ladder_step == 0 and contact.next_step_at <= timezone.now()
    assert claim_next(Contact.objects.all(), world.users["tracer_a"]) == contact


def test_symptoms_online_make_the_next_call_of_an_unreached_contact_due_now(world: World) -> None:
    later_call = next(i for i, s in enumerate(ladder.ladder()) if i > 0 and s.kind == ladder.CALL)
    deadline = world.contact_a.reach_deadline
    Contact.objects.filter(pk=world.contact_a.pk).update(
        status=Status.IN_PROGRESS, ladder_step=later_call, next_step_at=timezone.now() + dt.timedelta(hours=4)
    )
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    contact = fresh(world.contact_a)
    assert contact.ladder_step == later_call and contact.next_step_at <= timezone.now()
    assert contact.reach_deadline == deadline  # an unmet target is not put off
    assert claim_next(Contact.objects.all(), world.users["tracer_a"]) == contact


def test_symptoms_every_day_do_not_reopen_a_contact_the_team_has_spoken_to_since(world: World) -> None:
    reported(world.contact_a, 1, has_symptoms=True)
    complete(world.contact_a, actor=world.users["tracer_a"])
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    contact = fresh(world.contact_a)
    assert contact.status == Status.COMPLETED
    assert contact.symptoms_reported_on == timezone.localdate()


def test_a_second_answer_of_symptoms_on_the_same_day_does_not_reopen_it_again(world: World) -> None:
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    complete(fresh(world.contact_a), actor=world.users["tracer_a"])
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    assert fresh(world.contact_a).status == Status.COMPLETED


def test_symptoms_again_after_a_day_without_them_reopen_it(world: World) -> None:
    reported(world.contact_a, 2, has_symptoms=True)
    reported(world.contact_a, 1, has_symptoms=False)
    complete(world.contact_a, actor=world.users["tracer_a"])
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    assert fresh(world.contact_a).is_open


def test_symptoms_taken_back_the_same_day_leave_the_queue_row_saying_what_the_checks_say(
    world: World, client_for: Callable[[str], Client]
) -> None:
    reported(world.contact_a, 2, has_symptoms=True)
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    assert fresh(world.contact_a).symptoms_reported_on == today()
    # A wrong tap put right: the day's answer is replaced, so the latest report of symptoms is the earlier one.
    record_symptom_report(fresh(world.contact_a), has_symptoms=False)
    assert fresh(world.contact_a).symptoms_reported_on == today() - dt.timedelta(days=2)
    SymptomReport.objects.filter(contact=world.contact_a).exclude(reported_on=today()).delete()
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    record_symptom_report(fresh(world.contact_a), has_symptoms=False)
    assert fresh(world.contact_a).symptoms_reported_on is None
    symptomatic = client_for("tracer_a").get("/contacts/?show=symptoms").content.decode()
    assert f">{world.contact_a.reference}</a>" not in symptomatic


def test_symptoms_recorded_by_phone_are_shown_but_do_not_reopen_the_contact(world: World) -> None:
    complete(world.contact_a, actor=world.users["tracer_a"])
    record_symptom_report(fresh(world.contact_a), has_symptoms=True, online=False)
    contact = fresh(world.contact_a)
    assert contact.status == Status.COMPLETED and contact.symptoms_reported_on == timezone.localdate()
    assert "Reported symptoms by phone" in contact.events.get(kind="symptom_report").summary


def test_a_contact_closed_for_another_reason_stays_closed(world: World) -> None:
    Contact.objects.filter(pk=world.contact_a.pk).update(status=Status.TRANSFERRED, closed_at=timezone.now())
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    assert fresh(world.contact_a).status == Status.TRANSFERRED


def _case_of(world: World, contact: Contact, specimen_id: str = "BECAME-1") -> Case:
    """The contact's person tested positive today: a case of their own."""
    result = TestResult.objects.create(
        source_id="LAB-A", specimen_id=specimen_id, submission=world.submission, row_number=9,
        person=contact.person, area=world.area_a, postcode="FX1 1AB", test_type="PCR", result="positive",
        specimen_date=today(), result_date=today(),
    )  # fmt: skip
    return Case.objects.create(
        person=contact.person, area=world.area_a, first_result=result, specimen_date=today(), result_date=today(),
        reach_deadline=timezone.now() + dt.timedelta(hours=20),
    )  # fmt: skip


def test_a_contact_told_to_isolate_who_became_a_case_is_not_reopened_by_symptoms_online(world: World) -> None:
    contact = with_phone(world.contact_a)
    complete(contact, actor=world.users["tracer_a"])
    case = _case_of(world, contact)
    assert close_contact_now_a_case(fresh(contact), case)
    assert fresh(contact).status == Status.COMPLETED  # told to isolate stays, with "now case C2" on its timeline
    record_symptom_report(fresh(contact), has_symptoms=True)
    contact = fresh(contact)
    assert contact.status == Status.COMPLETED and contact.closed_at is not None
    assert contact.symptoms_reported_on == timezone.localdate()  # the report is kept
    assert "Reopened" not in contact.events.get(kind="symptom_report").summary
    assert claim_next(Contact.objects.all(), world.users["tracer_a"]) is None


def test_a_contact_whose_person_is_a_case_now_is_not_reopened_even_without_the_timeline_entry(world: World) -> None:
    contact = with_phone(world.contact_a)
    complete(contact, actor=world.users["tracer_a"])
    _case_of(world, contact)  # not (yet) noted on the contact's timeline
    record_symptom_report(fresh(contact), has_symptoms=True)
    assert fresh(contact).status == Status.COMPLETED


def test_no_symptoms_change_nothing_in_the_queue(world: World) -> None:
    complete(world.contact_a, actor=world.users["tracer_a"])
    record_symptom_report(fresh(world.contact_a), has_symptoms=False)
    contact = fresh(world.contact_a)
    assert contact.status == Status.COMPLETED and contact.symptoms_reported_on is None


def test_after_isolation_there_is_no_check_and_nothing_changes(world: World) -> None:
    Contact.objects.filter(pk=world.contact_a.pk).update(isolation_ends_on=today() - dt.timedelta(days=1))
    with pytest.raises(InvestigationError, match="isolation has ended"):
        record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    assert not SymptomReport.objects.exists()


# --- through the portal, and in the contact queue ------------------------------------------------------------


def _row_of(page: str, reference: str) -> str:
    start = page.index(f">{reference}</a>")
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def test_a_completed_contact_reporting_symptoms_online_is_back_in_the_queue_and_its_row_says_so(
    world: World, client_for: Callable[[str], Client]
) -> None:
    cache.clear()  # the portal's sign-in rate limit
    person = Person.objects.get(pk=world.contact_a.person_id)
    person.date_of_birth = dt.date(1980, 5, 2)
    person.save(update_fields=["date_of_birth"])
    complete(world.contact_a, actor=world.users["tracer_a"])
    public = Client()
    public.get(re.sub(r"^https?://[^/]+", "", portal.issue_link(fresh(world.contact_a)).url))
    public.post(
        "/self-service/date-of-birth/", {"date_of_birth_0": "2", "date_of_birth_1": "5", "date_of_birth_2": "1980"}
    )
    assert answer_symptom_check(public, {"symptoms": "symptoms"})["Location"] == "/self-service/get-a-test/"

    tracer = client_for("tracer_a")
    today = timezone.localdate()
    row = _row_of(tracer.get("/contacts/").content.decode(), world.contact_a.reference)
    assert f"Reported symptoms {today.day} {today:%b}" in row
    symptomatic = tracer.get("/contacts/?show=symptoms").content.decode()
    assert "Reported symptoms: 1," in symptomatic and f">{world.contact_a.reference}</a>" in symptomatic


def test_the_symptoms_filter_lists_only_contacts_who_reported_symptoms(
    world: World, client_for: Callable[[str], Client]
) -> None:
    page = client_for("tracer_a").get("/contacts/?show=symptoms").content.decode()
    assert "No open contacts have reported symptoms." in page and f">{world.contact_a.reference}</a>" not in page
    assert 'href="?show=symptoms"' in page
    # The case queue has no such filter: asking for it shows the open cases.
    cases = client_for("tracer_a").get("/cases/?show=symptoms").content.decode()
    assert 'href="?show=symptoms"' not in cases and f">{world.case_a.reference}</a>" in cases


# --- the contact page's warning ------------------------------------------------------------------------------


def contact_page(client_for: Callable[[str], Client], contact: Contact) -> str:
    return client_for("tracer_a").get(reverse("contacts:contact-detail", args=[contact.pk])).content.decode()


def test_the_warning_follows_the_latest_check(world: World, client_for: Callable[[str], Client]) -> None:
    reported(world.contact_a, 1, has_symptoms=True)
    record_symptom_report(fresh(world.contact_a), has_symptoms=False)
    page = contact_page(client_for, world.contact_a)
    assert "govuk-warning-text" not in page.split("Daily symptom checks")[0]
    assert "no symptoms at the latest check" in page


@pytest.mark.parametrize(
    ("phone", "email", "postcode", "says"),
    [
        ("+447911123470", "", "FX1 1AB", "Call them to check they have booked a test"),
        ("", "rhys@example.org", "FX1 1AB", "There is no phone number for them: email them, or visit them at home"),
        ("", "", "FX1 1AB", "There is no phone number or email address for them: visit them at home"),
        ("", "", "", "ask case C"),
    ],
)
def test_the_warning_says_how_to_reach_them(  # type: ignore[no-untyped-def]
    world: World, client_for, phone: str, email: str, postcode: str, says: str
) -> None:
    Person.objects.filter(pk=world.contact_a.person_id).update(phone=phone, email=email, postcode=postcode)
    record_symptom_report(fresh(world.contact_a), has_symptoms=True)
    page = contact_page(client_for, world.contact_a)
    warning = page[page.index("govuk-warning-text") : page.index("</strong>", page.index("govuk-warning-text"))]
    assert "Reported symptoms on" in warning and "advised to get a test" in warning
    assert says in warning
    assert ("Call them" in warning) == bool(phone)


# --- a daily check given on a call ---------------------------------------------------------------------------


def test_a_tracer_records_a_daily_check_given_on_a_call(world: World, client_for: Callable[[str], Client]) -> None:
    tracer = client_for("tracer_a")
    url = reverse("contacts:symptom-check", args=[world.contact_a.pk])
    assert f'href="{url}"' in contact_page(client_for, world.contact_a)
    page = tracer.get(url).content.decode()
    assert "Do they have symptoms today?" in page
    assert "Select whether they have symptoms today" in tracer.post(url, {}).content.decode()
    response = tracer.post(url, {"symptoms": "yes"})
    assert response["Location"] == reverse("contacts:contact-detail", args=[world.contact_a.pk])
    report = SymptomReport.objects.get(contact=world.contact_a)
    assert report.has_symptoms and not report.online
    event = world.contact_a.events.get(kind="symptom_report")
    assert event.actor == world.users["tracer_a"] and "by phone" in event.summary
    assert "Reported symptoms on" in contact_page(client_for, world.contact_a)


def test_there_is_no_daily_check_to_record_after_isolation(world: World, client_for: Callable[[str], Client]) -> None:
    Contact.objects.filter(pk=world.contact_a.pk).update(isolation_ends_on=today() - dt.timedelta(days=1))
    url = reverse("contacts:symptom-check", args=[world.contact_a.pk])
    assert f'href="{url}"' not in contact_page(client_for, world.contact_a)
    assert client_for("tracer_a").post(url, {"symptoms": "yes"}).status_code == 302
    assert not SymptomReport.objects.exists()


def test_opening_the_daily_check_page_is_audited(world: World, client_for: Callable[[str], Client]) -> None:
    url = reverse("contacts:symptom-check", args=[world.contact_a.pk])
    assert world.contact_a.person.full_name in client_for("tracer_a").get(url).content.decode()
    viewed = AuditEvent.objects.get(
        action="view", object_type="contacts.contact", object_id=str(world.contact_a.pk), detail__page="symptom check"
    )
    assert viewed.actor == world.users["tracer_a"] and viewed.area == world.area_a


def test_there_is_no_contact_daily_check_for_someone_who_became_a_case(
    world: World, client_for: Callable[[str], Client]
) -> None:
    # Their isolation and advice are the case's now: "keep isolating until" the contact's last day would be wrong.
    case = _case_of(world, world.contact_a)
    assert close_contact_now_a_case(fresh(world.contact_a), case)
    url = reverse("contacts:symptom-check", args=[world.contact_a.pk])
    assert f'href="{url}"' not in contact_page(client_for, world.contact_a)
    tracer = client_for("tracer_a")
    response = tracer.post(url, {"symptoms": "yes"})
    assert response["Location"] == reverse("contacts:contact-detail", args=[world.contact_a.pk])
    assert not SymptomReport.objects.exists()
    page = tracer.get(response["Location"]).content.decode()
    assert f"now case {case.reference}" in page and "no symptom check to record as a contact" in page
    assert tracer.get(url)["Location"] == reverse("contacts:contact-detail", args=[world.contact_a.pk])
