"""Tracers correct a person's details from a case or contact page; every bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from localtrace.areas.models import Postcode
from localtrace.audit.models import AuditEvent
from localtrace.cases.models import TraceEvent
from localtrace.people.details import DetailsError, change_details, fingerprint
from localtrace.people.models import DuplicateReview, Person

pytestmark = pytest.mark.django_db


def form_data(person: Person, **changes: str) -> dict[str, str]:
    born = person.date_of_birth
    data = {
        "given_name": person.given_name, "family_name": person.family_name,
        "date_of_birth_0": str(born.day) if born else "", "date_of_birth_1": str(born.month) if born else "",
        "date_of_birth_2": str(born.year) if born else "", "phone": person.phone, "email": person.email,
        "address_line_1": person.address_line_1, "postcode": person.postcode,
        "preferred_language": person.preferred_language, "seen": fingerprint(person),
    }  # fmt: skip
    return data | changes


def test_a_tracer_corrects_a_phone_number_and_the_timeline_says_what_changed(world, client_for) -> None:
    case = world.case_a
    client = client_for("tracer_a")
    url = reverse("cases:details", args=[case.pk])
    page = client.get(url).content.decode()
    assert 'value="+447911123456"' in page and "Save changes" in page

    response = client.post(url, form_data(case.person, phone="07911 123457"))
    assert response.status_code == 302 and response["Location"] == reverse("cases:case-detail", args=[case.pk])
    person = Person.objects.get(pk=case.person_id)
    assert person.phone == "+447911123457"
    event = TraceEvent.objects.get(case=case, kind="details_changed")
    assert event.summary == "Details changed: phone number" and event.actor == world.users["tracer_a"]
    audit = AuditEvent.objects.get(object_type="people.person", object_id=str(person.pk), action="change")
    # The audit trail names the field, never the number.
    assert audit.detail == {"fields": ["phone"]} and "+447911123457" not in str(audit.detail)
    followed = client.get(response["Location"]).content.decode()
    assert "Changed their phone number." in followed


def test_a_new_name_and_date_of_birth_rebuild_the_matching_keys(world) -> None:
    person = world.case_a.person
    details = {"given_name": "Gwenllian", "date_of_birth": timezone.localdate().replace(year=1980, month=1, day=2)}
    changed = change_details(person, details, seen=fingerprint(person), item=world.case_a).labels
    assert changed == ["given name", "date of birth"]
    person.refresh_from_db()
    assert person.match_key == Person.key_for("Gwenllian", "Morgan-Davies")
    assert person.block_given_dob.endswith("|1980-01-02") and person.block_family_dob.endswith("|1980-01-02")


def test_a_contact_page_changes_the_same_person(world, client_for) -> None:
    contact = world.contact_a
    url = reverse("contacts:details", args=[contact.pk])
    response = client_for("tracer_a").post(url, form_data(contact.person, email=" Rhys@Example.ORG "))
    assert response.status_code == 302
    assert Person.objects.get(pk=contact.person_id).email == "rhys@example.org"
    assert TraceEvent.objects.filter(contact=contact, kind="details_changed").exists()


def test_a_postcode_in_another_area_suggests_a_transfer_and_does_not_make_one(world, client_for) -> None:
    case = world.case_a
    client = client_for("tracer_a")
    response = client.post(reverse("cases:details", args=[case.pk]), form_data(case.person, postcode="gx10 4dg"),
                           follow=True)  # fmt: skip
    page = response.content.decode()
    assert "The new postcode is in Southmoor. If they live there now, transfer this to Southmoor" in page
    assert "GX10 4DG is in" not in page
    case.refresh_from_db()
    assert case.area == world.area_a and Postcode.objects.filter(postcode="GX10 4DG").exists()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("phone", "12345", "Enter a phone number"),
        ("postcode", "NOTAPOST", "Enter a full UK postcode"),
        ("email", "gwen@", "Enter an email address in the correct format"),
        # Valid, but longer than the record holds: a form error, not a database error (a 500 on PostgreSQL).
        ("email", "g" * 60 + "@" + ".".join(["e" * 60] * 4) + ".org", "Email address must be 254 characters or fewer"),
        ("given_name", "  ", "Enter their given name"),
        ("date_of_birth_2", "2999", "Date of birth must be today or in the past"),
        ("preferred_language", "fr", "Select a valid choice"),
    ],
)
def test_a_bad_detail_gets_a_clear_error_and_changes_nothing(world, client_for, field, value, error) -> None:
    case = world.case_a
    before = fingerprint(case.person)
    response = client_for("tracer_a").post(
        reverse("cases:details", args=[case.pk]), form_data(case.person, **{field: value})
    )
    page = response.content.decode()
    assert response.status_code == 200 and error in page and "There is a problem" in page
    assert fingerprint(Person.objects.get(pk=case.person_id)) == before
    assert not TraceEvent.objects.filter(case=case, kind="details_changed").exists()


def test_a_form_opened_before_someone_elses_change_is_refused_and_shown_again_as_it_is_now(world, client_for) -> None:
    case = world.case_a
    stale = form_data(case.person, phone="+447911000111")
    Person.objects.filter(pk=case.person_id).update(email="new@example.org")
    response = client_for("tracer_a").post(reverse("cases:details", args=[case.pk]), stale)
    page = response.content.decode()
    # In the page's error summary, as any other error on a form.
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Someone else changed these details since you opened this page" in page
    assert 'value="new@example.org"' in page  # the form again, with the other change in it
    person = Person.objects.get(pk=case.person_id)
    assert (person.phone, person.email) == ("+447911123456", "new@example.org")


def test_a_form_without_its_fingerprint_is_refused_in_plain_words(world, client_for) -> None:
    case = world.case_a
    data = form_data(case.person, phone="+447911000111")
    del data["seen"]
    page = client_for("tracer_a").post(reverse("cases:details", args=[case.pk]), data).content.decode()
    assert "This page was not sent whole" in page and "This field is required" not in page
    assert Person.objects.get(pk=case.person_id).phone == "+447911123456"


def test_every_record_of_the_person_hears_of_a_change_whichever_area_holds_it(world) -> None:
    from localtrace.contacts.models import Contact
    from tests.personas import make_case

    case_b, _ = make_case(world.area_b, world.submission, specimen_id="WORLD-B")
    Contact.objects.create(case=case_b, person=world.case_a.person, area=world.area_b, kind="close",
                           last_exposure=case_b.specimen_date, isolation_ends_on=case_b.specimen_date,
                           reach_deadline=timezone.now())  # fmt: skip
    person = world.case_a.person
    change_details(person, {"phone": "+447911000111"}, seen=fingerprint(person), item=world.case_a,
                   actor=world.users["tracer_a"])  # fmt: skip
    in_b = TraceEvent.objects.get(contact__area=world.area_b, contact__person=person, kind="details_changed")
    assert in_b.summary == f"Details changed: phone number (on {world.case_a.reference})"
    assert AuditEvent.objects.filter(area=world.area_b, action="change").exists()


def test_a_replaced_number_gets_nothing_more_for_them(world) -> None:
    from localtrace.messaging.models import Message
    from localtrace.portal.services import issue_link

    case, person = world.case_a, world.case_a.person
    waiting = Message.objects.create(channel="sms", recipient="+447911123456", body="Hello", person=person, case=case)
    link = issue_link(case).link
    change_details(person, {"phone": "+447911000111"}, seen=fingerprint(person), item=case)
    waiting.refresh_from_db()
    link.refresh_from_db()
    assert waiting.status == Message.Status.WITHHELD and link.revoked_at is not None
    assert case.events.filter(kind="portal_link", summary__startswith="Self-service link stopped").exists()


def test_adding_a_first_e_mail_address_stops_nothing(world) -> None:
    from localtrace.portal.services import issue_link

    case, person = world.case_a, world.case_a.person
    link = issue_link(case).link
    change_details(person, {"email": "gwen@example.org"}, seen=fingerprint(person), item=case)
    link.refresh_from_db()
    assert link.revoked_at is None


def test_saving_without_a_change_writes_nothing(world, client_for) -> None:
    case = world.case_a
    response = client_for("tracer_a").post(
        reverse("cases:details", args=[case.pk]), form_data(case.person), follow=True
    )
    assert "Nothing was changed." in response.content.decode()
    assert not TraceEvent.objects.filter(case=case, kind="details_changed").exists()


def test_erased_details_cannot_be_changed(world, client_for) -> None:
    person = world.case_a.person
    Person.objects.filter(pk=person.pk).update(erased_at=timezone.now(), given_name="", family_name="")
    person.refresh_from_db()
    with pytest.raises(DetailsError, match="erased"):
        change_details(person, {"given_name": "Gwen"}, seen=fingerprint(person), item=world.case_a)
    response = client_for("tracer_a").get(reverse("cases:details", args=[world.case_a.pk]), follow=True)
    assert "they cannot be changed" in response.content.decode()


def held_twice(world) -> Person:
    """Another record of the contact's person, with the date of birth and phone the tracer is about to learn."""
    return Person.objects.create(
        given_name="Rhys", family_name="Morgan-Davies", date_of_birth=dt.date(1981, 6, 2), postcode="FX1 1AB",
        phone="+447911123999",
    )  # fmt: skip


def test_details_that_show_a_person_held_twice_send_the_pair_to_review_and_link_nothing(world, client_for) -> None:
    contact = world.contact_a
    other = held_twice(world)
    data = form_data(contact.person, phone="07911 123999", date_of_birth_0="2", date_of_birth_1="6",
                     date_of_birth_2="1981")  # fmt: skip
    response = client_for("tracer_a").post(reverse("contacts:details", args=[contact.pk]), data, follow=True)
    assert "they may be the same person as another record" in response.content.decode()
    review = DuplicateReview.objects.get()
    assert (review.first_id, review.second_id) == (contact.person_id, other.pk)
    assert review.status == DuplicateReview.Status.OPEN and review.source == DuplicateReview.Source.CHANGE
    assert review.area == world.area_a and review.match_probability > 0.99
    assert Person.objects.filter(merged_into__isnull=False).count() == 0  # a person decides, not the change
    # The team lead who reviews pairs in area A finds it in the queue.
    queue = client_for("lead_a").get(reverse("people:duplicate-list")).content.decode()
    assert "A change of details" in queue


def test_a_pair_already_kept_apart_is_not_asked_about_again(world) -> None:
    person = world.contact_a.person
    other = held_twice(world)
    DuplicateReview.objects.create(first=person, second=other, area=world.area_a, match_probability=0.6,
                                   match_weight=1.0, status=DuplicateReview.Status.KEPT_APART)  # fmt: skip
    change = change_details(person, {"date_of_birth": dt.date(1981, 6, 2)}, seen=fingerprint(person),
                            item=world.contact_a)  # fmt: skip
    assert change.possible_duplicates == 0
    assert DuplicateReview.objects.get().status == DuplicateReview.Status.KEPT_APART


def test_a_corrected_date_of_birth_scores_the_persons_open_reviews_again(world) -> None:
    person = world.contact_a.person
    other = held_twice(world)
    review = DuplicateReview.objects.create(first=person, second=other, area=world.area_a, match_probability=0.6,
                                            match_weight=1.0, levels={"date_of_birth": "missing"})  # fmt: skip
    change = change_details(person, {"date_of_birth": dt.date(1981, 6, 2)}, seen=fingerprint(person),
                            item=world.contact_a)  # fmt: skip
    review.refresh_from_db()
    assert change.possible_duplicates == 0  # the pair was already waiting
    assert review.levels["date_of_birth"] == "exact" and review.match_probability > 0.99


def test_a_new_address_line_alone_looks_for_no_one(world) -> None:
    person = world.contact_a.person
    held_twice(world)
    change = change_details(person, {"address_line_1": "5 Chapel Row"}, seen=fingerprint(person),
                            item=world.contact_a)  # fmt: skip
    assert change.possible_duplicates == 0 and not DuplicateReview.objects.exists()
