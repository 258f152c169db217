"""The interview: symptoms and dates, contacts matched, routed and queued, transfers, the timeline."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from localtrace.areas.models import Postcode
from localtrace.cases.investigation import InvestigationError, complete, record_symptoms, symptoms_fingerprint, transfer
from localtrace.cases.models import Case, Status
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.results.models import Submission
from localtrace.results.reading import read_results
from localtrace.results.services import claim, process_rows
from tests.personas import World
from tests.results.factories import csv_bytes, row


def today() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return timezone.localdate()


def test_symptoms_set_the_isolation_dates_from_onset(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    onset = today() - dt.timedelta(days=4)
    response = client_for("tracer_a").post(
        reverse("cases:symptoms", args=[world.case_a.pk]),
        {"symptomatic": "yes", "onset_date_0": onset.day, "onset_date_1": onset.month, "onset_date_2": onset.year,
         "seen": symptoms_fingerprint(world.case_a)},
    )  # fmt: skip
    assert response.status_code == 302
    world.case_a.refresh_from_db()
    assert world.case_a.onset_date == onset
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    ends = onset + dt.timedelta(days=10)
    assert f"Isolate until the end of {ends:%A} {ends.day} {ends:%B}" in page


def test_a_future_onset_is_refused_and_changes_nothing(world: World) -> None:
    with pytest.raises(InvestigationError, match="today or in the past"):
        record_symptoms(
            world.case_a, symptomatic=True, onset_date=today() + dt.timedelta(days=1), actor=world.users["tracer_a"]
        )
    world.case_a.refresh_from_db()
    assert world.case_a.symptomatic is None


def test_a_household_contact_shares_the_address_and_gets_dates_and_a_deadline(world: World) -> None:
    contact = name_contact(
        world.case_a,
        NamedContact(given_name="Mali", family_name="Morgan-Davies", kind="household", last_exposure=today()),
        actor=world.users["tracer_a"],
    )
    assert contact.person.postcode == "FX1 1AB"
    assert contact.area == world.area_a
    assert contact.isolation_ends_on == today() + dt.timedelta(days=10)
    assert dt.timedelta(hours=23) < contact.reach_deadline - timezone.now() <= dt.timedelta(hours=24)
    assert world.case_a.events.filter(kind="contact_named").exists()


def test_a_contacts_email_address_is_stored_in_lower_case_as_intake_stores_it(world: World) -> None:
    contact = name_contact(
        world.case_a,
        NamedContact(given_name="Mali", family_name="Morgan-Davies", kind="household", last_exposure=today(),
                     email=" Mali.Morgan@Example.ORG "),
        actor=world.users["tracer_a"],
    )  # fmt: skip
    assert contact.person.email == "mali.morgan@example.org"


def test_a_contact_who_lives_elsewhere_joins_that_areas_queue(world: World) -> None:
    contact = name_contact(
        world.case_a,
        NamedContact(given_name="Tom", family_name="Pryce", kind="close", last_exposure=today(), postcode="gx10 4dg"),
        actor=world.users["tracer_a"],
    )
    assert contact.area == world.area_b
    assert Postcode.objects.get(postcode="GX10 4DG").upper_tier == world.area_b


@pytest.mark.parametrize(
    "named, message",
    [
        # Exposure dates as days from today, read when the test runs.
        (NamedContact("Ann", "Old", "close", -30), "outside the infectious period"),
        (NamedContact("Ann", "Future", "close", 1), "today or in the past"),
        (NamedContact("Rhys", "Morgan-Davies", "household", 0), "already a contact"),
        (NamedContact("Ann", "Badpostcode", "close", 0, postcode="NOT A POSTCODE"), "UK postcode"),
    ],
)
def test_impossible_contacts_are_refused_with_a_reason(world: World, named: NamedContact, message: str) -> None:
    named = dataclasses.replace(named, last_exposure=today() + dt.timedelta(days=named.last_exposure))  # type: ignore[arg-type]
    before = Contact.objects.count()
    with pytest.raises(InvestigationError, match=message):
        name_contact(world.case_a, named, actor=world.users["tracer_a"])
    assert Contact.objects.count() == before


def test_a_contact_who_later_tests_positive_gets_a_case_linked_to_the_case_that_named_them(world: World) -> None:
    contact = name_contact(
        world.case_a,
        NamedContact(given_name="Siân", family_name="O'Brien-Ahmed", kind="close", last_exposure=today() - dt.timedelta(days=1),
                     date_of_birth=dt.date(1980, 5, 17), postcode="FX1 1AB"),
        actor=world.users["tracer_a"],
    )  # fmt: skip
    submission = Submission.objects.create(channel=Submission.Channel.COMMAND)
    claim(submission.pk)
    import io

    process_rows(
        submission,
        read_results(
            io.BytesIO(
                csv_bytes([row(nhs_number="", specimen_date=today().isoformat(), result_date=today().isoformat())])
            )
        ),
    )
    new_case = Case.objects.exclude(pk=world.case_a.pk).get()
    assert new_case.person_id == contact.person_id
    assert new_case.source_contact == contact
    assert new_case.source_contact.case == world.case_a


def test_a_transfer_moves_the_case_and_the_sending_area_loses_access(world: World, client_for) -> None:
    tracer_a = client_for("tracer_a")
    response = tracer_a.post(
        reverse("cases:transfer", args=[world.case_a.pk]), {"to_area": world.area_b.pk, "reason": "Lives in Southmoor"}
    )
    assert response.status_code == 302
    assert tracer_a.get(reverse("cases:case-detail", args=[world.case_a.pk])).status_code == 404
    page = client_for("tracer_b").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert "Transferred from Northshire to Southmoor: Lives in Southmoor" in page


def test_transferring_to_the_same_area_is_refused(world: World) -> None:
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user = world.users["tracer_a"]
    with pytest.raises(InvestigationError, match="already owns it"):
        transfer(world.case_a, world.area_a, "no reason", request=request)


def test_completing_closes_the_case_and_releases_the_claim(world: World) -> None:
    Case.objects.filter(pk=world.case_a.pk).update(claimed_by=world.users["tracer_a"], claimed_at=timezone.now())
    world.case_a.refresh_from_db()
    complete(world.case_a, actor=world.users["tracer_a"])
    world.case_a.refresh_from_db()
    assert world.case_a.status == Status.COMPLETED
    assert world.case_a.claimed_by is None
    with pytest.raises(InvestigationError):
        complete(world.case_a, actor=world.users["tracer_a"])


def test_the_household_is_told_together(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    second = name_contact(
        world.case_a, NamedContact("Mali", "Morgan-Davies", "household", today()), actor=world.users["tracer_a"]
    )
    client_for("tracer_a").post(reverse("contacts:complete", args=[second.pk]), {"whole_household": "yes"})
    assert set(Contact.objects.filter(case=world.case_a).values_list("status", flat=True)) == {Status.COMPLETED}


def test_a_household_member_in_another_area_is_neither_shown_nor_told_with_the_household(  # type: ignore[no-untyped-def]
    world: World, client_for
) -> None:
    moved = name_contact(
        world.case_a, NamedContact("Mali", "Morgan-Davies", "household", today()), actor=world.users["tracer_a"]
    )
    Contact.objects.filter(pk=moved.pk).update(area=world.area_b)
    tracer = client_for("tracer_a")
    page = tracer.get(reverse("contacts:contact-detail", args=[world.contact_a.pk])).content.decode()
    assert f'href="/contacts/{moved.pk}/"' not in page
    tracer.post(reverse("contacts:complete", args=[world.contact_a.pk]), {"whole_household": "yes"})
    assert Contact.objects.get(pk=world.contact_a.pk).status == Status.COMPLETED
    assert Contact.objects.get(pk=moved.pk).status != Status.COMPLETED
    # Seen from area B, the one they moved to, the rest of the household is out of sight.
    page_b = client_for("tracer_b").get(reverse("contacts:contact-detail", args=[moved.pk])).content.decode()
    assert f'href="/contacts/{world.contact_a.pk}/"' not in page_b


def test_the_case_page_names_who_holds_it_the_test_and_who_made_each_attempt(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    lead = client_for("lead_a")
    lead.post(reverse("cases:attempt", args=[world.case_a.pk]), {"channel": "phone", "outcome": "no_answer"})
    Case.objects.filter(pk=world.case_a.pk).update(claimed_by=world.users["lead_a"], claimed_at=timezone.now())
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    name = world.users["lead_a"].full_name
    assert f"{name} is working on this case." in page
    assert "PCR taken" in page
    assert f"no answer, {name}</li>" in page  # the attempt, with who made it
    assert f" · {name}</span>" in page  # the timeline event, with who did it


def test_a_lapsed_hold_on_a_case_names_nobody(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    held_at = timezone.now() - dt.timedelta(hours=3)
    Case.objects.filter(pk=world.case_a.pk).update(claimed_by=world.users["lead_a"], claimed_at=held_at)
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert "is working on this case." not in page
    own = client_for("lead_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert "You are working on this case." not in own


def test_the_case_page_names_the_language_they_prefer(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    world.case_a.person.preferred_language = "pl"
    world.case_a.person.save()
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert "Polish (pl)" in page


def test_each_read_of_a_case_page_writes_one_audit_event(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.audit.models import AuditEvent

    before = AuditEvent.objects.filter(action="view", object_type="cases.case").count()
    client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk]))
    assert AuditEvent.objects.filter(action="view", object_type="cases.case").count() == before + 1


def test_the_team_lead_assigns_after_confirming(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    lead = client_for("lead_a")
    data = {"case": world.case_a.pk, "tracer": world.users["tracer_a"].pk}
    confirm = lead.post(reverse("cases:assign"), data)
    assert b"Assign 1 case to" in confirm.content
    world.case_a.refresh_from_db()
    assert world.case_a.claimed_by is None
    lead.post(reverse("cases:assign"), {**data, "confirmed": "yes"})
    world.case_a.refresh_from_db()
    assert world.case_a.claimed_by == world.users["tracer_a"]
    page = lead.get(reverse("cases:team")).content.decode()
    assert "Tracer A" in page


def test_a_case_taken_by_a_tracer_before_the_lead_confirms_stays_with_that_tracer(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    lead = client_for("lead_a")
    data = {"case": world.case_a.pk, "tracer": world.users["tracer_a"].pk}
    assert b"Assign 1 case to" in lead.post(reverse("cases:assign"), data).content
    # While the lead reads the confirmation page, a surge tracer presses "Get the next case" and calls them.
    client_for("surge_active").post(reverse("cases:get-next"))
    world.case_a.refresh_from_db()
    assert world.case_a.claimed_by == world.users["surge_active"]
    page = lead.post(reverse("cases:assign"), {**data, "confirmed": "yes"}, follow=True).content.decode()
    world.case_a.refresh_from_db()
    assert world.case_a.claimed_by == world.users["surge_active"]
    assert not world.case_a.events.filter(kind="assigned").exists()
    assert f"Not assigned, as someone is already working on it or it is closed: {world.case_a.reference}." in page
    assert "assigned to Tracer A" not in page


def test_confirming_an_assignment_twice_assigns_once(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    lead = client_for("lead_a")
    data = {"case": world.case_a.pk, "tracer": world.users["tracer_a"].pk, "confirmed": "yes"}
    lead.post(reverse("cases:assign"), data)
    page = lead.post(reverse("cases:assign"), data, follow=True).content.decode()
    assert "1 case assigned to Tracer A." in page and "Not assigned" not in page
    assert world.case_a.events.filter(kind="assigned").count() == 1


def test_a_case_id_that_is_not_a_number_chooses_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("lead_a").post(
        reverse("cases:assign"), {"case": ["C1", "1.5"], "tracer": world.users["tracer_a"].pk}, follow=True
    )
    assert response.status_code == 200
    assert "Choose at least one case and the tracer to assign them to." in response.content.decode()
    assert not Case.objects.filter(claimed_by__isnull=False).exists()


def test_the_team_page_counts_the_contacts_a_tracer_holds_as_well_as_cases(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    import re

    client_for("tracer_a").post(reverse("contacts:get-next"))
    assert Contact.objects.get(pk=world.contact_a.pk).claimed_by == world.users["tracer_a"]
    page = client_for("lead_a").get(reverse("cases:team")).content.decode()
    cells = re.search(r"Tracer A</td>((?:<td[^>]*>[^<]*</td>){4})", page)
    assert cells is not None
    holding = re.findall(r">([^<]*)</td>", cells.group(1))[2]  # attempts, completed, holding, since
    assert holding == "1"


def test_the_sending_area_still_sees_that_it_transferred_the_case(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer_a = client_for("tracer_a")
    tracer_a.post(
        reverse("cases:transfer", args=[world.case_a.pk]), {"to_area": world.area_b.pk, "reason": "Moved house"}
    )
    queue = tracer_a.get(reverse("cases:queue")).content.decode()
    assert f"C{world.case_a.pk} to Southmoor" in queue
    assert "Gwen" not in queue


def test_a_named_contacts_name_stays_on_the_server_not_in_a_cookie(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    client = client_for("tracer_a")
    response = client.post(
        reverse("cases:contact-add", args=[world.case_a.pk]),
        {"kind": "close", "given_name": "Idris", "family_name": "Pugh", "relationship": "colleague",
         "last_exposure_0": today.day, "last_exposure_1": today.month, "last_exposure_2": today.year},
    )  # fmt: skip
    assert response.status_code == 302
    assert "messages" not in response.cookies  # a signed cookie is readable: flash messages stay in the session
    assert "Idris Pugh added" in client.get(response["Location"]).content.decode()


def test_two_closes_at_once_close_the_case_once(world: World) -> None:
    from localtrace.cases.investigation import InvestigationError, close_unreachable, complete

    case = world.case_a
    stale = Case.objects.get(pk=case.pk)  # the second tracer's page, opened before the first closed it
    complete(case, actor=world.users["tracer_a"])
    with pytest.raises(InvestigationError, match="already closed"):
        close_unreachable(stale, "No answer after three tries", actor=world.users["lead_a"])
    stale.refresh_from_db()
    assert stale.status == Status.COMPLETED
    assert case.events.filter(kind__in=["completed", "unreachable"]).count() == 1


def test_a_transfer_made_from_a_page_opened_before_another_transfer_is_refused(world: World) -> None:
    from django.test import RequestFactory

    from localtrace.areas.models import Area
    from localtrace.cases.investigation import InvestigationError, transfer

    request = RequestFactory().post("/")
    request.user = world.users["tracer_a"]
    stale = Case.objects.get(pk=world.case_a.pk)
    transfer(world.case_a, world.area_b, "Lives in Southmoor", request=request)
    third = Area.objects.create(name="Westmarch", code="E10000099", level="upper_tier", parent=world.region)
    with pytest.raises(InvestigationError, match="Someone else transferred it"):
        transfer(stale, third, "Lives in Westmarch", request=request)
    assert Case.objects.get(pk=stale.pk).area == world.area_b


def test_a_case_completed_while_the_transfer_page_was_open_is_not_transferred(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.cases.models import Transfer

    tracer = client_for("tracer_a")
    assert tracer.get(reverse("cases:transfer", args=[world.case_a.pk])).status_code == 200
    complete(world.case_a, actor=world.users["lead_a"])  # someone else finishes it meanwhile
    response = tracer.post(
        reverse("cases:transfer", args=[world.case_a.pk]), {"to_area": world.area_b.pk, "reason": "Moved house"}
    )
    assert response.status_code == 200
    assert "This case is already closed: it stays with the area that worked it." in response.content.decode()
    case = Case.objects.get(pk=world.case_a.pk)
    assert (case.area, case.status) == (world.area_a, Status.COMPLETED)
    assert not Transfer.objects.filter(case=case).exists()
    assert not case.events.filter(kind="transferred").exists()


@pytest.mark.parametrize(
    ("channel", "outcome"),
    [("email", "nobody_home"), ("doorstep", "voicemail"), ("sms", "answered"), ("phone", "spoke_at_door")],
)
def test_an_outcome_that_cannot_follow_its_channel_is_refused_and_records_nothing(
    world: World, client_for, channel: str, outcome: str
) -> None:  # type: ignore[no-untyped-def]
    from localtrace.cases.investigation import InvestigationError, record_attempt

    with pytest.raises(InvestigationError, match="does not happen on"):
        record_attempt(world.case_a, channel=channel, outcome=outcome)
    page = client_for("tracer_a").post(
        reverse("cases:attempt", args=[world.case_a.pk]), {"channel": channel, "outcome": outcome}
    )
    assert page.status_code == 200 and "does not happen on" in page.content.decode()
    contact_page = client_for("tracer_a").post(
        reverse("contacts:attempt", args=[world.contact_a.pk]), {"channel": channel, "outcome": outcome}, follow=True
    )
    assert "does not happen on" in contact_page.content.decode()
    assert not world.case_a.attempts.exists() and not world.contact_a.attempts.exists()


def test_no_way_of_reaching_them_is_chosen_for_the_tracer(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    import re

    channels = re.findall(r'<input[^>]*name="channel"[^>]*>', page)
    assert len(channels) == 4 and not any("checked" in radio for radio in channels)  # GOV.UK: never pre-selected


def test_a_reached_case_says_so_and_offers_no_ladder_step(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.cases.investigation import record_attempt

    record_attempt(world.case_a, channel="phone", outcome="answered", actor=world.users["tracer_a"])
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert "Reached at" in page and "Finish the interview" in page and "Next step:" not in page


def test_an_overdue_contact_says_it_is_overdue(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.contacts.models import Contact

    Contact.objects.filter(pk=world.contact_a.pk).update(reach_deadline=timezone.now() - dt.timedelta(hours=3))
    page = client_for("tracer_a").get(reverse("contacts:contact-detail", args=[world.contact_a.pk])).content.decode()
    assert "<strong>overdue</strong>" in page


@pytest.mark.parametrize(
    ("minutes", "said"),
    [(None, "No action yet"), (0, "0 min"), (59, "59 min"), (60, "1 h"), (350, "5 h 50 min"), (2 * 24 * 60, "2 days")],
)
def test_time_since_a_tracers_last_action_reads_as_a_team_lead_scans_it(minutes: int | None, said: str) -> None:
    from localtrace.cases.views.team import _since

    now = timezone.now()
    assert _since(now, None if minutes is None else now - dt.timedelta(minutes=minutes)) == said


def test_an_attempt_recorded_from_a_page_opened_before_the_case_was_completed_is_refused(world: World) -> None:
    from localtrace.cases.investigation import InvestigationError, complete, record_attempt

    stale = Case.objects.get(pk=world.case_a.pk)
    complete(world.case_a, actor=world.users["tracer_a"])
    with pytest.raises(InvestigationError, match="is closed"):
        record_attempt(stale, channel="phone", outcome="no_answer", actor=world.users["lead_a"])
    assert Case.objects.get(pk=stale.pk).status == Status.COMPLETED and not stale.attempts.exists()


def _task_status(page: str, task: str) -> str:
    """The status the case page's task list shows beside a task, e.g. "Completed"."""
    start = page.index(task)
    status = page.index("govuk-task-list__status", start)
    return "Completed" if page[status : page.index("</div>", status)].endswith(">Completed") else "Not yet started"


def test_nobody_to_add_is_an_answer_that_completes_the_task(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer = client_for("tracer_a")
    case = world.case_a
    detail = reverse("cases:case-detail", args=[case.pk])
    before = tracer.get(detail).content.decode()
    assert _task_status(before, "Other close contacts (0)") == "Not yet started"
    assert _task_status(before, "Places they went (0)") == "Not yet started"
    form = tracer.get(reverse("cases:contact-add", args=[case.pk]) + "?kind=close").content.decode()
    assert "No more close contacts" in form

    response = tracer.post(reverse("cases:nothing-more", args=[case.pk]), {"part": "close"})
    assert response["Location"] == detail
    after = tracer.get(detail).content.decode()
    assert "Recorded: no more close contacts to add." in after
    assert _task_status(after, "Other close contacts (0)") == "Completed"
    assert _task_status(after, "Places they went (0)") == "Not yet started"
    case.refresh_from_db()
    assert case.contacts_asked_at is not None and case.places_asked_at is None
    assert case.events.filter(kind="nothing_more", summary="No more close contacts to add").count() == 1


def test_nothing_more_for_an_unknown_part_changes_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer = client_for("tracer_a")
    case = world.case_a
    response = tracer.post(reverse("cases:nothing-more", args=[case.pk]), {"part": "pets"}, follow=True)
    assert "Choose household members, close contacts or places" in response.content.decode()
    case.refresh_from_db()
    assert (case.household_asked_at, case.contacts_asked_at, case.places_asked_at) == (None, None, None)
    assert not case.events.filter(kind="nothing_more").exists()
    # Opened in the browser, the form's address leads to the case page and records nothing.
    assert (
        tracer.get(reverse("cases:nothing-more", args=[case.pk]), headers={"Accept": "text/html"})["Location"]
        == f"/cases/{case.pk}/"
    )
    assert not case.events.filter(kind="nothing_more").exists()


@pytest.mark.parametrize(
    "page", ["identity", "symptoms", "contact-add", "visit-add", "support-needs", "outcome", "transfer"]
)
def test_each_page_of_a_case_that_shows_the_person_is_audited_as_a_read(world: World, client_for, page) -> None:  # type: ignore[no-untyped-def]
    from localtrace.audit.models import AuditEvent

    client_for("tracer_a").get(reverse(f"cases:{page}", args=[world.case_a.pk]))
    (event,) = AuditEvent.objects.filter(action="view", object_type="cases.case", object_id=str(world.case_a.pk))
    assert event.detail == {"page": page}
