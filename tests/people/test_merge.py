"""Linking two people moves everything they hold; undoing it puts each row back. Built through the real actions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import models
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Attempt, Case, TraceEvent
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.messaging.models import Message
from localtrace.people.matching import PersonRecord, find_or_create_people
from localtrace.people.merging import MergeError, keep_apart, link_pair, merge_people, person_relations, undo_merge
from localtrace.people.models import DuplicateReview, Merge, Person
from localtrace.results.models import Submission, TestResult
from localtrace.results.reading import read_results
from localtrace.results.services import claim, process_rows
from tests.personas import World
from tests.results.factories import csv_bytes, row


def import_rows(*rows: dict[str, str]) -> None:
    submission = Submission.objects.create(channel=Submission.Channel.COMMAND, filename="test.csv")
    claim(submission.pk)
    process_rows(submission, read_results(io.BytesIO(csv_bytes(rows))))


def holdings(person_id: int) -> dict[str, set[int]]:
    """Every row pointing at the person, by relation."""
    return {
        f"{model._meta.label_lower}.{field.name}": set(
            model._base_manager.filter(**{field.attname: person_id}).values_list("pk", flat=True)
        )
        for model, field in person_relations()
    }


@pytest.fixture
def two_records_of_one_person(world: World) -> tuple[Person, Person]:
    """Siân's positive result (a case), then a second result under a typo, with no NHS number."""
    import_rows(row(specimen_id="A"))
    import_rows(row(specimen_id="B", nhs_number="", family_name="Obrien-Ahmad", result="negative",
                    result_code="1240591000000102"))  # fmt: skip
    first = Person.objects.get(nhs_number__startswith="94")
    case = Case.objects.get(person=first)
    # The case names a contact, and a message went to the case.
    name_contact(case, NamedContact(given_name="Huw", family_name="Jenkins", kind=Contact.Kind.CLOSE,
                                    last_exposure=timezone.localdate(), phone="07911 123465"))  # fmt: skip
    second = Person.objects.create(given_name="Sian", family_name="Obrien-Ahmad", postcode="FX1 1AB")
    assert TestResult.objects.filter(specimen_id="B").update(person=second) == 1
    Message.objects.create(channel=Message.Channel.SMS, recipient="+447911123456", body="Hello", person=second)
    return first, second


def test_every_relation_to_person_is_found_including_hidden_ones() -> None:
    labels = {f"{model._meta.label_lower}.{field.name}" for model, field in person_relations()}
    assert {
        "cases.case.person",
        "contacts.contact.person",
        "results.testresult.person",
        "messaging.message.person",
    } <= labels
    assert all(isinstance(field, models.ForeignKey) for _, field in person_relations())


def test_merge_moves_every_case_contact_result_and_message_and_undo_puts_them_back(
    two_records_of_one_person, world
) -> None:  # type: ignore[no-untyped-def]
    first, second = two_records_of_one_person
    before_first, before_second = holdings(first.pk), holdings(second.pk)
    cases, contacts, events = Case.objects.count(), Contact.objects.count(), TraceEvent.objects.count()

    merge = merge_people(first, second, actor=world.users["lead_a"])

    after = holdings(first.pk)
    for label in after:
        assert after[label] == before_first[label] | before_second[label], label
    assert not any(holdings(second.pk).values())
    assert Person.objects.get(pk=second.pk).merged_into_id == first.pk
    assert (Case.objects.count(), Contact.objects.count(), TraceEvent.objects.count()) == (cases, contacts, events)
    assert AuditEvent.objects.filter(
        object_type="people.merge", object_id=str(merge.pk), detail__event="people_merged"
    ).exists()

    undo_merge(merge, actor=world.users["lead_a"])

    assert holdings(first.pk) == before_first
    assert holdings(second.pk) == before_second
    assert Person.objects.get(pk=second.pk).merged_into_id is None
    assert (Case.objects.count(), Contact.objects.count(), TraceEvent.objects.count()) == (cases, contacts, events)
    assert AuditEvent.objects.filter(detail__event="merge_undone").count() == 1


def test_a_merged_persons_nhs_number_finds_the_survivor(world: World) -> None:
    first = Person.objects.create(given_name="Ann", family_name="Lee", postcode="FX1 1AB")
    second = Person.objects.create(given_name="Ann", family_name="Lee", nhs_number="9434765919")
    merge_people(first, second)
    survivor = Person.objects.get(pk=first.pk)
    assert survivor.nhs_number == "9434765919"  # filled from the merged record
    (found,) = find_or_create_people([PersonRecord("9434765919", "Ann", "Lee", None)])
    assert found == first.pk
    undo_merge(Merge.objects.get())
    assert Person.objects.get(pk=first.pk).nhs_number == ""


def test_people_with_different_nhs_numbers_cannot_be_merged(world: World) -> None:
    first = Person.objects.create(given_name="Ann", family_name="Lee", nhs_number="9434765919")
    second = Person.objects.create(given_name="Ann", family_name="Lee", nhs_number="9434765870")
    with pytest.raises(MergeError, match="different NHS numbers"):
        merge_people(first, second)
    assert not Merge.objects.exists()


def test_two_contacts_of_one_case_cannot_be_merged_and_nothing_changes(world: World) -> None:
    case = world.case_a
    today = timezone.localdate()
    for name in ("Huw", "Hugh"):
        name_contact(case, NamedContact(given_name=name, family_name="Jones", kind=Contact.Kind.CLOSE,
                                        last_exposure=today, date_of_birth=dt.date(1990, 1, 1)))  # fmt: skip
    huw, hugh = (c.person for c in Contact.objects.filter(case=case, person__family_name="Jones").order_by("pk"))
    before = holdings(hugh.pk)
    with pytest.raises(MergeError, match="both records are already in one place"):
        merge_people(huw, hugh)
    assert holdings(hugh.pk) == before
    assert Person.objects.get(pk=hugh.pk).merged_into_id is None


def test_kept_apart_is_remembered_and_link_after_a_decision_is_refused(world: World) -> None:
    first = Person.objects.create(given_name="Ann", family_name="Lee")
    second = Person.objects.create(given_name="Anne", family_name="Lee")
    review = DuplicateReview.objects.create(first=first, second=second, match_probability=0.7, match_weight=1)
    keep_apart(review, actor=world.users["lead_a"])
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.KEPT_APART
    with pytest.raises(MergeError):
        link_pair(review)


def test_an_attempt_and_its_events_follow_the_case_when_people_are_merged(two_records_of_one_person) -> None:  # type: ignore[no-untyped-def]
    first, second = two_records_of_one_person
    case = Case.objects.get(person=first)
    merge = merge_people(second, first)  # the other way round: the case moves to `second`
    assert Case.objects.get(pk=case.pk).person_id == second.pk
    assert Attempt.objects.filter(case=case).count() == Attempt.objects.filter(case__person=second).count()
    undo_merge(merge)
    assert Case.objects.get(pk=case.pk).person_id == first.pk


def test_undoing_a_merge_keeps_a_correction_made_since_to_a_field_it_filled(world) -> None:
    from localtrace.people.details import change_details, fingerprint

    survivor = Person.objects.create(given_name="Ann", family_name="Lee", date_of_birth=dt.date(1970, 1, 1))
    merged = Person.objects.create(given_name="Ann", family_name="Lee", date_of_birth=dt.date(1970, 1, 1),
                                   phone="+447911000222", email="ann@example.org")  # fmt: skip
    merge = merge_people(survivor, merged, actor=world.users["lead_a"])
    survivor.refresh_from_db()
    assert survivor.phone == "+447911000222"
    change_details(survivor, {"phone": "+447911000333"}, seen=fingerprint(survivor), item=world.case_a)
    undo_merge(merge, actor=world.users["lead_a"])
    survivor.refresh_from_db()
    # The copied email goes back to blank; the number corrected since stays.
    assert (survivor.email, survivor.phone) == ("", "+447911000333")


def test_a_pair_kept_apart_since_the_page_was_loaded_is_not_linked(world: World) -> None:
    first = Person.objects.create(given_name="Ann", family_name="Lee")
    second = Person.objects.create(given_name="Anne", family_name="Lee")
    review = DuplicateReview.objects.create(first=first, second=second, match_probability=0.9, match_weight=3)
    # Another data officer keeps the pair apart; this one still holds the pair as it was when their page loaded.
    keep_apart(DuplicateReview.objects.get(pk=review.pk), actor=world.users["area_lead_a"])
    with pytest.raises(MergeError, match="already been decided"):
        merge_people(first, second, review=review, actor=world.users["lead_a"])
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.KEPT_APART
    assert not Merge.objects.exists()
    assert Person.objects.get(pk=second.pk).merged_into_id is None


def test_two_records_that_both_stopped_messages_can_be_linked_and_stay_stopped(world: World) -> None:
    from localtrace.messaging.models import OptOut
    from localtrace.messaging.services import messages_stopped

    first = Person.objects.create(given_name="Ann", family_name="Lee", phone="+447911000222")
    second = Person.objects.create(given_name="Ann", family_name="Lee", phone="+447911000222")
    for person in (first, second):
        OptOut.objects.create(person=person, note="Asked for no texts")

    merge = merge_people(first, second, actor=world.users["lead_a"])

    assert Person.objects.get(pk=second.pk).merged_into_id == first.pk
    assert messages_stopped(first)
    undo_merge(merge, actor=world.users["lead_a"])
    assert messages_stopped(first) and messages_stopped(second)
    assert OptOut.objects.count() == 2
