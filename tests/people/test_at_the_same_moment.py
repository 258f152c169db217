"""Two decisions about the same people at once (PostgreSQL only: real concurrent transactions)."""

from __future__ import annotations

import pytest
from django.db import connection

from localtrace.cases.models import Case
from localtrace.messaging.models import Message
from localtrace.people.merging import MergeError, keep_apart, link_pair, merge_people, undo_merge
from localtrace.people.models import DuplicateReview, Merge, Person
from localtrace.results.models import TestResult
from tests.people.test_merge import holdings, import_rows
from tests.personas import build_world
from tests.results.factories import row
from tests.support.test_at_the_same_moment import while_the_first_is_open

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_undoing_a_link_while_the_survivor_is_being_merged_again_loses_nothing() -> None:
    third = Person.objects.create(given_name="Ann", family_name="Lee", postcode="FX1 1AB")
    survivor = Person.objects.create(given_name="Ann", family_name="Lee")
    merged = Person.objects.create(given_name="Anne", family_name="Lee")
    message = Message.objects.create(channel=Message.Channel.SMS, recipient="+447911123456", body="Hi", person=merged)
    first_link = merge_people(survivor, merged)

    outcome = while_the_first_is_open(lambda: merge_people(third, survivor), lambda: undo_merge(first_link))

    # The undo waits for the merge, then sees that it depends on it; the message is not left on the wrong person.
    assert isinstance(outcome.get("error"), MergeError), outcome
    assert Merge.objects.get(pk=first_link.pk).undone_at is None
    assert Message.objects.get(pk=message.pk).person_id == third.pk
    assert Person.objects.get(pk=merged.pk).merged_into_id == survivor.pk


def test_linking_and_keeping_apart_one_pair_at_once_makes_one_decision() -> None:
    first = Person.objects.create(given_name="Ann", family_name="Lee")
    second = Person.objects.create(given_name="Anne", family_name="Lee")
    review = DuplicateReview.objects.create(first=first, second=second, match_probability=0.9, match_weight=3)
    as_loaded = DuplicateReview.objects.get(pk=review.pk)

    outcome = while_the_first_is_open(lambda: keep_apart(review), lambda: link_pair(as_loaded))

    assert isinstance(outcome.get("error"), MergeError), outcome
    assert DuplicateReview.objects.get(pk=review.pk).status == DuplicateReview.Status.KEPT_APART
    assert not Merge.objects.exists()
    assert Person.objects.get(pk=second.pk).merged_into_id is None


def test_a_result_matched_while_its_person_is_being_merged_away_lands_on_the_survivor() -> None:
    build_world()
    survivor = Person.objects.create(given_name="Siân", family_name="O'Brien-Ahmed", postcode="FX1 1AB")
    merged = Person.objects.create(
        given_name="Siân", family_name="O'Brien-Ahmed", postcode="FX1 1AB", nhs_number=row()["nhs_number"]
    )

    # The intake reads the NHS number's owner before the merge is committed, so it matches the merged record.
    outcome = while_the_first_is_open(lambda: merge_people(survivor, merged), lambda: import_rows(row()))

    assert "error" not in outcome, outcome
    result = TestResult.objects.get(specimen_id=row()["specimen_id"])
    assert result.person_id == survivor.pk
    assert Case.objects.get(person__in=[survivor, merged]).person_id == survivor.pk
    assert not any(holdings(merged.pk).values())


def test_a_merge_started_while_a_result_is_being_written_moves_that_result() -> None:
    build_world()
    survivor = Person.objects.create(given_name="Siân", family_name="O'Brien-Ahmed", postcode="FX1 1AB")
    merged = Person.objects.create(
        given_name="Siân", family_name="O'Brien-Ahmed", postcode="FX1 1AB", nhs_number=row()["nhs_number"]
    )

    outcome = while_the_first_is_open(lambda: import_rows(row()), lambda: merge_people(survivor, merged))

    assert "error" not in outcome, outcome
    assert TestResult.objects.get(specimen_id=row()["specimen_id"]).person_id == survivor.pk
    assert Case.objects.get(person__in=[survivor, merged]).person_id == survivor.pk
