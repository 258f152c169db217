"""Probabilistic matching behind find_or_create_people: known tricky pairs behave sensibly."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from localtrace.people.matching import PersonRecord, find_or_create_people
from localtrace.people.models import DuplicateReview, Person

pytestmark = pytest.mark.django_db

ANNA = PersonRecord(
    nhs_number="",
    given_name="Anna",
    family_name="Kowalczyk",
    date_of_birth=dt.date(1986, 3, 9),
    postcode="FX1 1AB",
    address_line_1="12 Mill Lane",
    phone="+447911123456",
    email="anna.k@example.org",
)


def one(record: PersonRecord) -> int:
    (pk,) = find_or_create_people([record])
    return pk


def change(record: PersonRecord, **fields: object) -> PersonRecord:
    return dataclasses.replace(record, **fields)


def reviews_between(a: int, b: int) -> list[DuplicateReview]:
    return list(DuplicateReview.objects.filter(first_id=min(a, b), second_id=max(a, b)))


def test_the_same_details_are_the_same_person() -> None:
    assert one(ANNA) == one(ANNA)


def test_a_typo_in_the_family_name_is_the_same_person() -> None:
    assert one(ANNA) == one(change(ANNA, family_name="Kowalcyzk"))


def test_given_and_family_names_swapped_are_the_same_person() -> None:
    assert one(ANNA) == one(change(ANNA, given_name="Kowalczyk", family_name="Anna"))


def test_names_swapped_and_one_misspelt_are_the_same_person() -> None:
    assert one(ANNA) == one(change(ANNA, given_name="Kowalcyzk", family_name="Anna"))


def test_names_swapped_after_a_move_are_found_by_the_date_of_birth() -> None:
    # No phone, no email and a new postcode: only the swapped name with the date of birth finds Anna.
    anna = one(change(ANNA, phone="", email=""))
    moved = change(ANNA, given_name="Kowalczyk", family_name="Anna", postcode="GX10 4DG", phone="", email="")
    assert one(moved) == anna


def test_swapped_short_names_one_letter_apart_are_not_taken_for_a_swap() -> None:
    from localtrace.people.comparisons import COMPARISONS
    from localtrace.people.matching import linkage_row

    given = COMPARISONS[0]
    amy_lee = linkage_row(1, "Amy", "Lee", "2001-01-01", "", "", "")
    assert given.levels[given.level_of(amy_lee, linkage_row(2, "Lee", "Amy", None, "", "", ""))].label == (
        "given and family names swapped"
    )
    assert given.levels[given.level_of(amy_lee, linkage_row(2, "Lea", "Amy", None, "", "", ""))].label == (
        "given and family names swapped"
    )
    # Two letters apart in a three-letter name is another name, not a typo.
    assert given.levels[given.level_of(amy_lee, linkage_row(2, "Lee", "Ann", None, "", "", ""))].label == "different"


def test_day_and_month_swapped_in_the_date_of_birth_are_the_same_person() -> None:
    assert one(ANNA) == one(change(ANNA, date_of_birth=dt.date(1986, 9, 3)))


def test_a_new_address_and_no_e_mail_are_still_the_same_person() -> None:
    assert one(ANNA) == one(change(ANNA, postcode="GX10 4DG", address_line_1="3 Quay Street", email=""))


def test_a_contact_named_with_half_a_name_and_a_phone_number_is_not_guessed_into_a_person() -> None:
    anna = one(ANNA)
    named = one(PersonRecord(nhs_number="", given_name="A", family_name="", date_of_birth=None, phone=ANNA.phone))
    assert named != anna


def test_a_married_name_change_is_linked_or_sent_to_review_never_silently_a_stranger() -> None:
    anna = one(ANNA)
    married = one(change(ANNA, family_name="Okafor", postcode="GX10 4DG", address_line_1="3 Quay Street"))
    assert married == anna or reviews_between(anna, married)


def test_twins_at_one_address_are_two_people() -> None:
    anna = one(ANNA)
    twin = one(change(ANNA, given_name="Maria", email="maria.k@example.org"))
    assert twin != anna


def test_father_and_son_of_one_name_at_one_address_are_two_people() -> None:
    father = PersonRecord(
        nhs_number="", given_name="David", family_name="Evans", date_of_birth=dt.date(1962, 7, 21),
        postcode="FX1 1AB", address_line_1="7 Orchard Close", phone="+447700123456",
    )  # fmt: skip
    son = change(father, date_of_birth=dt.date(1994, 2, 11))
    assert one(father) != one(son)


def test_a_family_sharing_one_phone_are_different_people() -> None:
    mother = one(ANNA)
    child = one(change(ANNA, given_name="Zofia", date_of_birth=dt.date(2015, 6, 30), email=""))
    assert child != mother
    assert not reviews_between(mother, child)


def test_two_valid_nhs_numbers_are_two_people_whatever_the_details() -> None:
    first = one(change(ANNA, nhs_number="9434765919"))
    second = one(change(ANNA, nhs_number="9434765870"))
    assert first != second


def test_an_nhs_number_is_added_to_the_person_matched_without_one() -> None:
    anna = one(ANNA)
    assert one(change(ANNA, nhs_number="9434765919", family_name="Kowalcyzk")) == anna
    assert Person.objects.get(pk=anna).nhs_number == "9434765919"
    assert one(change(ANNA, nhs_number="9434765919", given_name="Someone", family_name="Else")) == anna


def test_records_of_one_person_in_one_batch_share_a_person() -> None:
    ids = find_or_create_people([ANNA, change(ANNA, family_name="Kowalcyzk"), change(ANNA, given_name="Maria")])
    assert ids[0] == ids[1] != ids[2]
    assert Person.objects.count() == 2


def test_an_unsure_match_makes_a_new_person_and_a_review_item(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LINKAGE_LINK_ABOVE = 1.0  # nothing is sure enough: every candidate goes to review
    anna = one(ANNA)
    again = one(change(ANNA, family_name="Kowalcyzk"))
    assert again != anna
    (review,) = reviews_between(anna, again)
    assert review.status == DuplicateReview.Status.OPEN
    assert review.source == DuplicateReview.Source.INTAKE
    assert review.levels["family_name"].startswith("Jaro-Winkler")


def test_a_review_item_goes_to_the_area_of_the_new_record(world) -> None:  # type: ignore[no-untyped-def]
    from django.test import override_settings

    with override_settings(LINKAGE_LINK_ABOVE=1.0):
        anna = one(ANNA)
        again = one(change(ANNA, family_name="Kowalcyzk"))
    (review,) = reviews_between(anna, again)
    assert review.area == world.area_a


def test_two_letters_transposed_in_a_short_given_name_are_the_same_person() -> None:
    sam = change(ANNA, given_name="Sam")
    assert one(sam) == one(change(sam, given_name="Sma"))


def test_twins_whose_short_names_differ_by_one_letter_are_two_people() -> None:
    mia = change(ANNA, given_name="Mia", date_of_birth=dt.date(2011, 5, 4))
    assert one(mia) != one(change(mia, given_name="Lia"))


def test_a_mistyped_or_transposed_digit_in_the_date_of_birth_is_the_same_person() -> None:
    anna = one(ANNA)
    assert one(change(ANNA, date_of_birth=dt.date(1986, 3, 8))) == anna
    assert one(change(ANNA, date_of_birth=dt.date(1968, 3, 9))) == anna


def test_a_batch_finds_people_by_name_within_each_records_postcode() -> None:
    # Only the name-in-postcode rule can find Anna here: a new date of birth, no phone, no email.
    from localtrace.people.matching import _known_candidates

    anna = one(change(ANNA, phone="", email=""))
    elsewhere = one(change(ANNA, phone="", email="", postcode="GX1 2CD", date_of_birth=dt.date(1950, 1, 1)))
    incoming = [
        change(ANNA, phone="", email="", date_of_birth=dt.date(1986, 11, 30)),
        change(ANNA, given_name="Zofia", phone="", email="", postcode="FX9 9ZZ"),
    ]
    found = _known_candidates(incoming)
    (candidate,) = found[("match_key", "anna|kowalczyk")]
    assert candidate.pk == anna and candidate.pk != elsewhere
    # Read back as the same types as the record's own key, on SQLite as on PostgreSQL.
    assert candidate.exact_key == (Person.key_for("Anna", "Kowalczyk"), dt.date(1986, 3, 9), "FX1 1AB")


def test_a_misspelt_family_name_and_a_mistyped_birthday_are_found_by_the_given_name_in_the_postcode() -> None:
    # No phone, no email, and both keys with the date of birth broken: only one name within the postcode is left.
    from localtrace.people.matching import _known_candidates

    anna = one(change(ANNA, phone="", email=""))
    typed = change(ANNA, family_name="Kowalcsyk", date_of_birth=dt.date(1986, 8, 9), phone="", email="")
    found = _known_candidates([typed])
    assert [c.pk for c in found[("block_given_postcode", "anna|FX11AB")]] == [anna]
    again = one(typed)
    assert again == anna or reviews_between(anna, again)


def test_the_given_name_key_is_kept_in_step_and_the_migration_fills_it_alike() -> None:
    import importlib

    from django.apps import apps

    from localtrace.people.blocking import given_postcode_key

    people = [
        one(change(ANNA, given_name="Zoë", family_name="O'Brien-Ng", postcode="fx1 1ab", phone="", email="")),
        one(change(ANNA, given_name="", family_name="Evans", date_of_birth=dt.date(1950, 1, 2), phone="", email="")),
        one(change(ANNA, given_name="Huw", family_name="", date_of_birth=dt.date(1960, 3, 4), phone="", email="")),
        one(
            change(
                ANNA,
                given_name="Huw",
                family_name="Evans",
                postcode="",
                date_of_birth=dt.date(1970, 5, 6),
                phone="",
                email="",
            )
        ),
    ]

    def stored() -> dict[int, str]:
        return dict(Person.objects.filter(pk__in=people).values_list("pk", "block_given_postcode"))

    expected = {p.pk: given_postcode_key(p.given_name, p.postcode) for p in Person.objects.filter(pk__in=people)}
    assert stored() == expected
    assert [expected[pk] for pk in people] == ["zoe|FX11AB", "", "huw|FX11AB", ""]

    Person.objects.update(block_given_postcode="")
    importlib.import_module("localtrace.people.migrations.0008_postcode_blocking_keys").fill_keys(apps, None)
    assert stored() == expected
