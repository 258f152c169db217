"""Subject access requests: the requester gets everything about them, and nothing about anyone else."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from localtrace.audit import subject_access as sa
from localtrace.audit.models import AuditEvent, SubjectAccessRequest
from localtrace.audit.retention import erase_expired
from localtrace.cases.events import note
from localtrace.cases.investigation import record_attempt
from localtrace.cases.models import Attempt, Case, Status
from localtrace.cases.queue import assign
from localtrace.contacts.models import Contact
from localtrace.messaging.models import Message
from localtrace.people.models import Person


def later() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return timezone.localdate() + dt.timedelta(days=3 * 365)


# --- the deadline ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2026, 9, 3), dt.date(2026, 10, 5)),  # 3 October 2026 is a Saturday: the Monday after
        (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),  # April has no 31st: its last day
        (dt.date(2027, 1, 31), dt.date(2027, 3, 1)),  # 28 February 2027 is a Sunday
        (dt.date(2026, 12, 15), dt.date(2027, 1, 15)),  # across the year
    ],
)
def test_a_response_is_due_a_calendar_month_after_the_request_arrived(received: dt.date, due: dt.date) -> None:
    assert sa.due_on(received) == due


def test_an_extension_gives_two_more_months() -> None:
    assert sa.due_on(dt.date(2026, 11, 30), extended=True) == dt.date(2027, 3, 1)  # 28 Feb 2027 is a Sunday


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.booleans())
def test_the_due_date_is_a_weekday_one_or_three_months_on(received: dt.date, extended: bool) -> None:
    due = sa.due_on(received, extended=extended)
    months = 3 if extended else 1
    plain = sa.add_months(received, months)
    assert due.weekday() < 5
    assert 0 <= (due - plain).days <= 2
    assert (plain.year * 12 + plain.month) - (received.year * 12 + received.month) == months
    assert plain.day == received.day or (plain.day < received.day and (plain + dt.timedelta(days=1)).day == 1)
    assert sa.due_on(received, extended=True) >= sa.due_on(received)


# --- the journey -------------------------------------------------------------------------------------


def _start(dpo, **details) -> SubjectAccessRequest:  # type: ignore[no-untyped-def]
    fields = {
        "received_on": timezone.localdate(),
        "given_name": "Gwen",
        "family_name": "Morgan-Davies",
        "date_of_birth": dt.date(1979, 3, 14),
        "postcode": "",
        "nhs_number": "",
        "phone": "",
        "email": "",
        **details,
    }
    return sa.start_request(fields, by=dpo)


def _ready(
    sar: SubjectAccessRequest, people: list[Person], dpo, withheld: tuple[str, ...] = ()
) -> SubjectAccessRequest:  # type: ignore[no-untyped-def]
    sa.confirm_records(sar, people, by=dpo)
    sa.record_identity_check(sar, "Passport seen at the council offices", by=dpo)
    shown = [t.signature for t in sa.build_copy(sar).free_texts]
    return sa.record_free_text_check(sar, shown=shown, withheld=withheld, by=dpo)


def test_the_officer_records_a_request_finds_the_records_and_downloads_the_copy(world, client_for) -> None:
    case = world.case_a
    record_attempt(case, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.ANSWERED, note_text="Spoke to Gwen")
    client = client_for("dpo")

    response = client.post(
        reverse("audit:sar-new"),
        {"received_on_0": "2", "received_on_1": "11", "received_on_2": "2026", "given_name": " Gwen ",
         "family_name": "Morgan-Davies", "date_of_birth_0": "14", "date_of_birth_1": "3",
         "date_of_birth_2": "1979", "postcode": "fx11ab"},
    )  # fmt: skip
    sar = SubjectAccessRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("audit:sar-detail", args=[sar.pk])
    assert (sar.given_name, sar.postcode, sa.due_for(sar)) == ("Gwen", "FX1 1AB", dt.date(2026, 12, 2))
    detail = client.get(response["Location"]).content.decode()
    assert "Find their records" in detail and "Cannot start yet" in detail

    page = client.get(reverse("audit:sar-records", args=[sar.pk])).content.decode()
    assert "4 Chapel Row" in page and "same name and date of birth" in page
    # The partner shares the family name and postcode but not the date of birth: not offered.
    assert "Rhys" not in page
    shown = AuditEvent.objects.filter(action="view", object_type="people.person", object_id=str(case.person_id))
    assert shown.exists()

    assert client.post(reverse("audit:sar-records", args=[sar.pk]), {"people": [case.person_id]}).status_code == 302
    identity = {"evidence": "Passport seen", "seen": sa.identity_fingerprint(sar)}
    assert client.post(reverse("audit:sar-identity", args=[sar.pk]), identity).status_code == 302
    free_text = client.get(reverse("audit:sar-free-text", args=[sar.pk]))
    assert "Spoke to Gwen" in free_text.content.decode()
    keys = free_text.context["form"]["shown"].value()
    assert client.post(reverse("audit:sar-free-text", args=[sar.pk]), {"shown": keys}).status_code == 302

    download = client.get(reverse("audit:sar-copy-html", args=[sar.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    text = download.content.decode()
    assert "Gwen Morgan-Davies" in text and "14 March 1979" in text and "Spoke to Gwen" in text
    assert case.reference in text and "Rhys" not in text and "partner" not in text
    export = AuditEvent.objects.get(action="export", object_type="audit.subjectaccessrequest")
    assert export.detail["sha256"] == hashlib.sha256(download.content).hexdigest()
    assert export.detail["people"] == [case.person_id]

    data = json.loads(client.get(reverse("audit:sar-copy-json", args=[sar.pk])).content)
    titles = [s["title"] for s in data["sections"]]
    assert titles[:3] == ["Your details", "Test results", "Positive tests (cases)"]

    closing = client.post(
        reverse("audit:sar-close", args=[sar.pk]),
        {"outcome": "disclosed", "responded_on_0": str(timezone.localdate().day),
         "responded_on_1": str(timezone.localdate().month), "responded_on_2": str(timezone.localdate().year)},
    )  # fmt: skip
    assert closing.status_code == 302
    sar.refresh_from_db()
    assert sar.outcome == "disclosed" and not sar.is_open


def test_a_case_copy_leaves_out_the_contacts_they_named_and_the_staff_who_worked_it(world) -> None:
    case = world.case_a
    assign([case], world.users["tracer_a"], by=world.users["lead_a"])
    record_attempt(case, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.ANSWERED, note_text="Rhys answered")
    sar = _ready(_start(world.users["dpo"]), [case.person], world.users["dpo"])

    text = json.dumps(sa.build_copy(sar).as_dict(), ensure_ascii=False)
    # Free text is sent as written unless withheld: this note names the partner.
    assert "Rhys answered" in text
    assert "Tracer A" not in text and "tracer_a" not in text and "Given to a tracer" in text
    assert "People you named as contacts" in text and "lives with them, 1" in text

    items = sa.build_copy(sar).free_texts
    key = next(t.key for t in items if t.text == "Rhys answered")
    sar = sa.record_free_text_check(sar, shown=[t.signature for t in items], withheld=[key], by=world.users["dpo"])
    text = json.dumps(sa.build_copy(sar).as_dict(), ensure_ascii=False)
    assert "Rhys" not in text and sa.WITHHELD_TEXT in text
    assert sa.build_copy(sar).withheld_count == 1


def test_a_contact_copy_never_says_who_named_them(world) -> None:
    contact = world.contact_a
    note(contact, "named", f"Named by case {world.case_a.reference} on the phone")
    partner = contact.person
    sar = _ready(_start(world.users["dpo"], given_name="Rhys", date_of_birth=None), [partner], world.users["dpo"])

    copy = sa.build_copy(sar)
    text = json.dumps(copy.as_dict(), ensure_ascii=False)
    assert "Rhys Morgan-Davies" in text and contact.reference in text
    assert "Gwen" not in text and world.case_a.reference not in text
    assert "Named as a contact by someone who tested positive" in text
    # How they know the person who named them is free text, for the officer to read.
    assert [t.text for t in copy.free_texts] == ["partner"]


def test_an_unknown_timeline_entry_is_read_by_the_officer_before_it_goes(world) -> None:
    note(world.case_a, "a_new_kind", "Rhys said Gwen was out")
    sar = _start(world.users["dpo"])
    sa.confirm_records(sar, [world.case_a.person], by=world.users["dpo"])
    copy = sa.build_copy(sar)
    assert [t.text for t in copy.free_texts] == ["Rhys said Gwen was out"]
    assert "An entry on the record" in json.dumps(copy.as_dict())


def test_messages_keep_their_words_but_never_a_link_that_lets_someone_in(world) -> None:
    link = world.portal_link()
    url = "https://trace.example.org" + reverse("portal:open", args=["raw-token-123"])
    Message.objects.create(
        channel="sms", recipient="+447911123456", body=f"Hello Gwen, answer here: {url}", person=world.case_a.person
    )
    sar = _start(world.users["dpo"])
    sa.confirm_records(sar, [world.case_a.person], by=world.users["dpo"])
    copy = sa.build_copy(sar)
    words = [t.text for t in copy.free_texts]
    assert any(w.startswith("Hello Gwen, answer here: [private link") for w in words)
    assert "raw-token-123" not in json.dumps(copy.as_dict())
    # The link itself is listed, for the record it opened and with its expiry.
    (entry,) = [e for sec in copy.sections for e in sec.entries if e.heading.startswith("Self-service link")]
    assert ("For", world.case_a.reference) in entry.facts and any(label == "Expires" for label, _ in entry.facts)
    assert link.case_id == world.case_a.pk


def test_a_record_merged_into_theirs_comes_with_it(world) -> None:
    survivor = world.case_a.person
    old = Person.objects.create(given_name="Gwen", family_name="Morgan", date_of_birth=dt.date(1979, 3, 14),
                                postcode="FX1 1AB", email="gwen@example.org")  # fmt: skip
    Person.objects.filter(pk=old.pk).update(merged_into=survivor)
    sar = _start(world.users["dpo"], family_name="Morgan", email="GWEN@example.org")

    found = sa.find_records(sar)
    assert [c.person.pk for c in found] == [survivor.pk]
    assert any("since linked" in reason for reason in found[0].reasons)
    sa.confirm_records(sar, [survivor], by=world.users["dpo"])
    assert [p.pk for p in sa.people_of(sar)] == [survivor.pk, old.pk]
    assert "gwen@example.org" in json.dumps(sa.build_copy(sar).as_dict())


def test_a_swapped_day_and_month_or_a_phone_number_still_finds_the_record(world) -> None:
    dpo = world.users["dpo"]
    Person.objects.filter(pk=world.case_a.person_id).update(date_of_birth=dt.date(1985, 4, 7))
    Person.objects.get(pk=world.case_a.person_id).save()  # the matching keys follow the date
    swapped = sa.find_records(_start(dpo, date_of_birth=dt.date(1985, 7, 4)))
    assert [c.person.pk for c in swapped] == [world.case_a.person_id]
    assert "Same name and date of birth (day and month swapped)" in swapped[0].reasons
    by_phone = sa.find_records(_start(dpo, given_name="Gwyneth", date_of_birth=None, phone="+447911123456"))
    assert [(c.person.pk, c.reasons) for c in by_phone] == [(world.case_a.person_id, ["Same phone number"])]
    assert sa.find_records(_start(dpo, given_name="Nobody", family_name="Known", date_of_birth=None)) == []


# --- refusals: clear errors, nothing changed ---------------------------------------------------------


def test_the_copy_cannot_be_downloaded_before_every_step_is_done(world, client_for) -> None:
    sar = _start(world.users["dpo"])
    sa.confirm_records(sar, [world.case_a.person], by=world.users["dpo"])
    response = client_for("dpo").get(reverse("audit:sar-copy-html", args=[sar.pk]), follow=True)
    assert "once the records, identity and free text are checked" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_free_text_written_after_the_page_opened_must_be_read_first(world, client_for) -> None:
    sar = _start(world.users["dpo"])
    sa.confirm_records(sar, [world.case_a.person], by=world.users["dpo"])
    client = client_for("dpo")
    keys = client.get(reverse("audit:sar-free-text", args=[sar.pk])).context["form"]["shown"].value()
    record_attempt(
        world.case_a, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.NO_ANSWER, note_text="Rhys picked up"
    )

    response = client.post(reverse("audit:sar-free-text", args=[sar.pk]), {"shown": keys})
    assert response.status_code == 200 and "since you opened this page" in response.content.decode()
    sar.refresh_from_db()
    assert sar.free_text_checked_at is None and not sa.progress(sar).ready


def test_a_new_note_after_the_check_sends_the_officer_back_to_read_it(world) -> None:
    sar = _ready(_start(world.users["dpo"]), [world.case_a.person], world.users["dpo"])
    assert sa.progress(sar).ready
    record_attempt(
        world.case_a, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.NO_ANSWER, note_text="Later note"
    )
    step = sa.progress(sar)
    assert not step.ready and step.unread == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("nhs_number", "1234567890", "Enter a real NHS number"),
        ("postcode", "nowhere", "Enter a full UK postcode"),
        ("phone", "12", "Enter a phone number"),
        ("received_on_2", "2999", "must be today or in the past"),
    ],
)
def test_a_bad_detail_gets_a_clear_error_and_records_nothing(world, client_for, field, value, error) -> None:
    data = {"received_on_0": "2", "received_on_1": "11", "received_on_2": "2026", "given_name": "Gwen",
            "family_name": "Morgan-Davies", field: value}  # fmt: skip
    response = client_for("dpo").post(reverse("audit:sar-new"), data)
    assert response.status_code == 200 and error in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not SubjectAccessRequest.objects.exists()


def test_records_must_be_chosen_or_none_said_to_be_theirs(world, client_for) -> None:
    sar = _start(world.users["dpo"])
    client = client_for("dpo")
    url = reverse("audit:sar-records", args=[sar.pk])
    assert "Choose the requester" in client.post(url, {}).content.decode()
    both = client.post(url, {"people": [world.case_a.person_id], "none_of_these": "on"})
    assert both.status_code == 200 and "not both" in both.content.decode()
    # A record the search did not offer cannot be slipped in.
    other = client.post(url, {"people": [world.contact_a.person_id]})
    assert "is not one of the available choices" in other.content.decode()
    sar.refresh_from_db()
    assert sar.records_confirmed_at is None and not sar.people.exists()


def test_a_closed_request_cannot_be_changed(world, client_for) -> None:
    sar = _start(world.users["dpo"])
    sa.confirm_records(sar, [], by=world.users["dpo"])
    sa.close(sar, "no_data", timezone.localdate(), by=world.users["dpo"])
    client = client_for("dpo")
    late = {"evidence": "Late", "seen": sa.identity_fingerprint(sar)}
    response = client.post(reverse("audit:sar-identity", args=[sar.pk]), late, follow=True)
    assert "it cannot be changed" in response.content.decode()
    with pytest.raises(sa.SubjectAccessError):
        sa.close(sar, "withdrawn", timezone.localdate(), by=world.users["dpo"])
    sar.refresh_from_db()
    assert sar.identity_checked_at is None and sar.outcome == "no_data"


def test_closing_checks_the_outcome_against_the_steps(world) -> None:
    dpo, today = world.users["dpo"], timezone.localdate()
    sar = _start(dpo)
    with pytest.raises(sa.SubjectAccessError, match="Finish the steps"):
        sa.close(sar, "disclosed", today, by=dpo)
    with pytest.raises(sa.SubjectAccessError, match="Look for their records first"):
        sa.close(sar, "no_data", today, by=dpo)
    sa.confirm_records(sar, [world.case_a.person], by=dpo)
    with pytest.raises(sa.SubjectAccessError, match="we do hold data"):
        sa.close(sar, "no_data", today, by=dpo)
    with pytest.raises(sa.SubjectAccessError, match="before the day the request was received"):
        sa.close(sar, "withdrawn", today - dt.timedelta(days=1), by=dpo)
    assert sa.close(sar, "withdrawn", today, by=dpo).outcome == "withdrawn"


def test_a_request_is_extended_once(world, client_for) -> None:
    received = timezone.localdate() - dt.timedelta(days=20)
    sar = _start(world.users["dpo"], received_on=received)
    client = client_for("dpo")
    url = reverse("audit:sar-extend", args=[sar.pk])
    assert client.post(url, {"reason": "Many records over two years"}, follow=True).status_code == 200
    sar.refresh_from_db()
    assert sa.due_for(sar) == sa.due_on(received, extended=True) >= sa.add_months(received, 3)
    again = client.post(url, {"reason": "More"}, follow=True)
    assert "already been extended" in again.content.decode()
    sar.refresh_from_db()
    assert sar.extension_reason == "Many records over two years"


# --- retention ---------------------------------------------------------------------------------------


def test_nothing_is_erased_while_a_request_is_open_and_its_details_go_in_time(world) -> None:
    case = world.case_a
    Case.objects.filter(pk=case.pk).update(status=Status.COMPLETED, closed_at=timezone.now())
    Contact.objects.filter(pk=world.contact_a.pk).update(status=Status.COMPLETED, closed_at=timezone.now())
    dpo = world.users["dpo"]
    sar = _start(dpo, nhs_number="9434765919")
    sa.confirm_records(sar, [case.person], by=dpo)

    erase_expired(today=later())
    assert Person.objects.get(pk=case.person_id).erased_at is None
    assert Person.objects.get(pk=world.contact_a.person_id).erased_at is not None

    sa.close(sar, "withdrawn", timezone.localdate(), by=dpo)
    erased = erase_expired(today=later() + dt.timedelta(days=1))
    sar.refresh_from_db()
    assert erased.subject_access_requests == 1 and erased.people == 1
    assert (sar.given_name, sar.nhs_number, sar.date_of_birth, sar.requester_name) == ("", "", None, "Details erased")
    assert sar.outcome == "withdrawn" and sar.received_on and not sar.people.exists()


# --- who sees what -----------------------------------------------------------------------------------


def test_the_officer_home_page_counts_open_and_overdue_requests(world, client_for) -> None:
    _start(world.users["dpo"], received_on=timezone.localdate() - dt.timedelta(days=60))
    _start(world.users["dpo"])
    page = client_for("dpo").get(reverse("core:home")).content.decode()
    assert "2 open" in page and "1 overdue" in page


def test_the_list_shows_open_requests_earliest_first_and_a_late_answer(world, client_for) -> None:
    dpo = world.users["dpo"]
    late = _start(dpo, received_on=timezone.localdate() - dt.timedelta(days=60), given_name="Ffion")
    sa.confirm_records(late, [], by=dpo)
    sa.close(late, "no_data", timezone.localdate(), by=dpo)
    _start(dpo, received_on=timezone.localdate() - dt.timedelta(days=3), given_name="Alun")
    _start(dpo, received_on=timezone.localdate() - dt.timedelta(days=40), given_name="Bethan")
    page = client_for("dpo").get(reverse("audit:sar-list")).content.decode()
    assert page.index("Bethan") < page.index("Alun") < page.index("Ffion")
    assert "Overdue by" in page and "Late" in page


def test_the_menu_marks_subject_access_not_the_audit_trail_on_its_pages(world, client_for) -> None:
    client = client_for("dpo")
    page = client.get(reverse("audit:sar-list")).content.decode()
    assert f'href="{reverse("audit:sar-list")}" aria-current="page"' in page
    assert f'href="{reverse("audit:event-list")}" aria-current' not in page
    trail = client.get(reverse("audit:event-list")).content.decode()
    assert f'href="{reverse("audit:event-list")}" aria-current="page"' in trail


def test_a_request_cannot_be_extended_once_its_first_month_is_over(world) -> None:
    sar = _start(world.users["dpo"], received_on=timezone.localdate() - dt.timedelta(days=40))
    with pytest.raises(sa.SubjectAccessError, match="can be extended only before then"):
        sa.extend(sar, "Too late", by=world.users["dpo"])
    sar.refresh_from_db()
    assert sar.extended_at is None


def test_sent_means_a_record_was_confirmed_and_the_copy_downloaded(world, client_for) -> None:
    dpo, today = world.users["dpo"], timezone.localdate()
    nobody = _ready(_start(dpo, given_name="Nobody"), [], dpo)
    with pytest.raises(sa.SubjectAccessError, match="we hold no data about them"):
        sa.close(nobody, "disclosed", today, by=dpo)
    sar = _ready(_start(dpo), [world.case_a.person], dpo)
    with pytest.raises(sa.SubjectAccessError, match="Download their copy"):
        sa.close(sar, "disclosed", today, by=dpo)
    assert client_for("dpo").get(reverse("audit:sar-copy-json", args=[sar.pk])).status_code == 200
    assert sa.close(sar, "disclosed", today, by=dpo).outcome == "disclosed"


def test_words_edited_after_they_were_read_must_be_read_again(world) -> None:
    attempt = record_attempt(world.case_a, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.ANSWERED,
                             note_text="Spoke to her")  # fmt: skip
    sar = _ready(_start(world.users["dpo"]), [world.case_a.person], world.users["dpo"])
    assert sa.progress(sar).ready
    Attempt.objects.filter(pk=attempt.pk).update(note="Spoke to her and to Rhys")
    assert sa.progress(sar).unread == 1 and not sa.progress(sar).ready


def test_answers_given_online_and_homes_named_as_places_are_read_before_they_go(world) -> None:
    from localtrace.places.models import Setting, Visit

    case = world.case_a
    note(case, "portal_submitted", "Answered online by the case: 1 contact (1 already named: Rhys Morgan-Davies)")
    home = Setting.objects.create(area=world.area_a, name="Rhys's flat", kind=Setting.Kind.OTHER)
    pub = Setting.objects.create(area=world.area_a, name="The Red Lion", kind=Setting.Kind.HOSPITALITY)
    for setting in (home, pub):
        Visit.objects.create(case=case, setting=setting, visited_on=case.specimen_date, direction="forward")
    note(case, "visit", "Visited Rhys's flat on 3 March (while infectious)")
    sar = _start(world.users["dpo"])
    sa.confirm_records(sar, [case.person], by=world.users["dpo"])

    copy = sa.build_copy(sar)
    for item in copy.free_texts:
        item.withheld = True
    text = json.dumps(copy.as_dict(), ensure_ascii=False)
    assert "Rhys" not in text and "The Red Lion" in text
    assert "Answered the questions online" in text and "Recorded a place they visited" in text


def test_a_message_to_a_number_they_share_is_in_their_copy_as_words_to_read(world) -> None:
    shared = Message.objects.create(channel="sms", recipient="+447911123456", person=None,
                                    body="Links for Gwen and for Rhys")  # fmt: skip
    Message.objects.create(channel="sms", recipient="+447900000001", person=None, body="Someone else's")
    sar = _start(world.users["dpo"])
    sa.confirm_records(sar, [world.case_a.person], by=world.users["dpo"])
    texts = {t.key: t.text for t in sa.build_copy(sar).free_texts}
    assert texts == {f"message.{shared.pk}.body": "Links for Gwen and for Rhys"}


def test_a_merge_after_the_records_were_confirmed_keeps_the_request_and_its_copy(world) -> None:
    from localtrace.people.merging import merge_people

    dpo, first = world.users["dpo"], world.case_a.person
    second = Person.objects.create(given_name="Gwen", family_name="Morgan-Davies", date_of_birth=first.date_of_birth,
                                   email="gwen@example.org")  # fmt: skip
    sar = _start(dpo)
    sa.confirm_records(sar, [second], by=dpo)
    merge_people(first, second, actor=dpo)
    assert list(sar.people.all()) == [second]
    assert [p.pk for p in sa.people_of(sar)] == [first.pk, second.pk]
    assert "Positive tests (cases)" in [s.title for s in sa.build_copy(sar).sections]


def test_an_open_request_holds_the_records_its_search_offers_before_any_is_confirmed(world) -> None:
    Case.objects.filter(pk=world.case_a.pk).update(status=Status.COMPLETED, closed_at=timezone.now())
    Contact.objects.filter(pk=world.contact_a.pk).update(status=Status.COMPLETED, closed_at=timezone.now())
    _start(world.users["dpo"])
    erase_expired(today=later())
    assert Person.objects.get(pk=world.case_a.person_id).erased_at is None
    assert Person.objects.get(pk=world.contact_a.person_id).erased_at is not None


def test_laboratories_are_named_in_the_copy(world) -> None:
    from localtrace.results.models import Submitter

    Submitter.objects.create(code="LAB-A", name="Northshire Hospital Laboratory")
    sar = _ready(_start(world.users["dpo"]), [world.case_a.person], world.users["dpo"])
    assert "Test results from Northshire Hospital Laboratory" in sa.build_copy(sar).sources


def test_a_message_about_their_record_is_in_their_copy_after_their_number_changed(world) -> None:
    from localtrace.messaging.models import MessageAbout

    # One text to the number a household shared then, carrying each person's link; Gwen's number changed since.
    shared = Message.objects.create(channel="sms", recipient="+447900000002", person=None,
                                    body="Links for G and for R")  # fmt: skip
    MessageAbout.objects.create(message=shared, case=world.case_a)
    MessageAbout.objects.create(message=shared, contact=world.contact_a)
    own = Message.objects.create(channel="sms", recipient="+447900000003", case=world.case_a, body="Your case")
    Message.objects.create(channel="sms", recipient="+447900000001", person=None, body="Someone else's")
    sar = _start(world.users["dpo"])
    sa.confirm_records(sar, [world.case_a.person], by=world.users["dpo"])
    texts = {t.key: t.text for t in sa.build_copy(sar).free_texts}
    assert texts == {f"message.{shared.pk}.body": "Links for G and for R", f"message.{own.pk}.body": "Your case"}
