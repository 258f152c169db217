"""The review queue's pages: compare, link, keep apart, undo; scoped, audited."""

from __future__ import annotations

from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.people.models import DuplicateReview, Merge, Person
from tests.personas import World


def make_review(world: World, *, area=None) -> DuplicateReview:  # type: ignore[no-untyped-def]
    first = Person.objects.create(given_name="Anna", family_name="Kowalczyk", postcode="FX1 1AB", phone="+447911123456")
    second = Person.objects.create(
        given_name="Anna", family_name="Kowalcyzk", postcode="FX1 1AB", phone="+447911123456"
    )
    return DuplicateReview.objects.create(
        first=first, second=second, area=area or world.area_a, match_probability=0.93, match_weight=3.7,
        levels={"given_name": "exact", "family_name": "Jaro-Winkler ≥ 0.92"},
    )  # fmt: skip


def test_the_comparison_shows_both_records_and_marks_differences(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    review = make_review(world)
    response = client_for("lead_a").get(reverse("people:duplicate-detail", args=[review.pk]))
    page = response.content.decode()
    assert "Kowalczyk" in page and "Kowalcyzk" in page
    assert page.count("govuk-tag--yellow") == 1  # only the family name differs
    assert AuditEvent.objects.filter(
        action="view", object_type="people.duplicatereview", object_id=str(review.pk)
    ).exists()


def test_linking_from_the_page_merges_and_undo_restores(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    review = make_review(world)
    client = client_for("area_lead_a")
    url = reverse("people:duplicate-detail", args=[review.pk])
    response = client.post(url, {"decision": "same"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.LINKED
    assert Person.objects.get(pk=review.second_id).merged_into_id == review.first_id
    assert "Undo the link" in client.get(url).content.decode()
    assert client.post(reverse("people:duplicate-undo", args=[review.pk])).status_code == 302
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.KEPT_APART
    assert Merge.objects.get().undone_at is not None
    assert Person.objects.get(pk=review.second_id).merged_into_id is None


def test_keeping_apart_from_the_page_is_remembered(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    review = make_review(world)
    client_for("lead_a").post(reverse("people:duplicate-detail", args=[review.pk]), {"decision": "different"})
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.KEPT_APART
    assert review.decided_by == world.users["lead_a"]


def test_no_decision_is_an_error_and_changes_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    review = make_review(world)
    response = client_for("lead_a").post(reverse("people:duplicate-detail", args=[review.pk]), {})
    assert response.status_code == 200
    assert "Select whether these records are the same person" in response.content.decode()
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.OPEN


def test_the_queue_lists_only_pairs_in_the_users_areas(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = make_review(world), make_review(world, area=world.area_b)
    page = client_for("lead_a").get(reverse("people:duplicate-list")).content.decode()
    assert reverse("people:duplicate-detail", args=[mine.pk]) in page
    assert reverse("people:duplicate-detail", args=[theirs.pk]) not in page
    assert client_for("lead_a").get(reverse("people:duplicate-detail", args=[theirs.pk])).status_code == 404


def test_the_pages_say_why_a_person_must_decide_not_just_a_score(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    father = Person.objects.create(given_name="Jean", family_name="Morris", postcode="FX1 1AB",
                                   date_of_birth=dt.date(1984, 2, 1), phone="+447911123456")  # fmt: skip
    son = Person.objects.create(given_name="Jean", family_name="Morris", postcode="FX1 1AB",
                                date_of_birth=dt.date(2015, 2, 1), phone="+447911123456", email="j@example.org")  # fmt: skip
    # Every household detail agrees, so the score is near certain; the date of birth does not.
    review = DuplicateReview.objects.create(
        first=father, second=son, area=world.area_a, match_probability=0.9999, match_weight=14.2,
        levels={"given_name": "exact", "date_of_birth": "different", "phone": "exact"},
    )  # fmt: skip
    client = client_for("lead_a")
    listing = client.get(reverse("people:duplicate-list")).content.decode()
    assert "Dates of birth differ" in listing and "1.000" not in listing
    page = client.get(reverse("people:duplicate-detail", args=[review.pk])).content.decode()
    assert "such as a parent and child" in page and f"person {father.pk}" not in page
    assert page.count("Only one has it") == 1  # the email: one has it, which is not a difference
    assert "English (en)" in page
    assert not_sure(make_review(world)) == "Not sure enough (0.93)"


def not_sure(review: DuplicateReview) -> str:
    from localtrace.people.views import why_a_person_decides

    return why_a_person_decides(review)[0]


def test_a_detail_neither_record_has_is_not_called_the_same() -> None:
    from localtrace.people.views import ComparedField

    assert ComparedField("Phone", "", " ").neither and not ComparedField("Phone", "", " ").differs
    assert not ComparedField("Phone", "+447911123456", "").neither


def test_a_decision_on_a_pair_decided_meanwhile_says_so_and_changes_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    review = make_review(world)
    client_for("lead_a").post(reverse("people:duplicate-detail", args=[review.pk]), {"decision": "different"})
    response = client_for("area_lead_a").post(
        reverse("people:duplicate-detail", args=[review.pk]), {"decision": "same"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page and "govuk-error-summary" in page and "already been decided" in page
    review.refresh_from_db()
    assert review.status == DuplicateReview.Status.KEPT_APART and review.decided_by == world.users["lead_a"]
    assert not Merge.objects.exists()


def test_a_link_says_what_moved_in_counts_that_read_right(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.messaging.models import Message

    review = make_review(world)
    Message.objects.create(channel=Message.Channel.SMS, recipient="+447911123456", body="Hello", person=review.second)
    client = client_for("area_lead_a")
    url = reverse("people:duplicate-detail", args=[review.pk])
    client.post(url, {"decision": "same"})
    page = client.get(url).content.decode()
    assert "<li>1 message</li>" in page and "1 messages" not in page
    assert "Moved to the record made first:" in page


def test_a_pair_kept_apart_says_who_kept_them_apart(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    review = make_review(world)
    client = client_for("lead_a")
    url = reverse("people:duplicate-detail", args=[review.pk])
    client.post(url, {"decision": "different"})
    lead = world.users["lead_a"]
    page = client.get(url).content.decode()
    assert f" by {lead.get_full_name() or lead.username}." in page


def test_the_pages_say_which_record_was_made_first_not_which_person_is_older(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    review = make_review(world)
    client = client_for("lead_a")
    for url in (reverse("people:duplicate-list"), reverse("people:duplicate-detail", args=[review.pk])):
        page = client.get(url).content.decode()
        assert "First recorded" in page and "Recorded later" in page
        assert "Older record" not in page and "Newer record" not in page
        assert "older" not in page.lower() and "newer" not in page.lower()
