"""The support officers' queue: urgent first, claims that never collide, contacts, referrals and outcomes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.support.models import Organisation, Referral, SupportRequest
from localtrace.support.services import (
    SupportError,
    claim_next,
    close_request,
    organisation_fingerprint,
    queue_order,
    record_attempt,
    record_needs,
    refer,
    release,
    save_organisation,
)
from tests.personas import World, make_case, make_user


def test_get_next_gives_the_urgent_request_first_and_never_the_same_one_twice(world: World) -> None:
    record_needs(world.contact_a, ["pets"], urgent=False, consent=True)
    (urgent,) = record_needs(world.case_a, ["food"], urgent=True, consent=True)
    officer, other = world.users["support_a"], make_user("support_a2")
    items = SupportRequest.objects.all()
    assert claim_next(items, officer) == urgent
    assert claim_next(items, officer) == urgent  # their current one, until finished
    second = claim_next(items, other)
    assert second is not None and second.need == "pets"
    assert claim_next(items, make_user("support_a3")) is None


def test_people_nobody_has_spoken_to_come_before_requests_already_under_way(world: World) -> None:
    """An urgent request whose person was spoken to yesterday waits behind someone still waiting for a first call,
    on the queue page and for "Get the next request"."""
    (under_way,) = record_needs(world.case_a, ["food"], urgent=True, consent=True)
    officer = world.users["support_a"]
    record_attempt(under_way, channel="phone", outcome="spoke", actor=officer)
    release(under_way, officer)
    (waiting,) = record_needs(world.contact_a, ["pets"], urgent=False, consent=True)
    items = SupportRequest.objects.all()

    assert list(queue_order(items.filter(status__in=["new", "in_progress"]))) == [waiting, under_way]
    assert claim_next(items, make_user("support_a2")) == waiting
    assert claim_next(items, make_user("support_a3")) == under_way


def test_speaking_to_them_is_the_first_contact(world: World) -> None:
    (request,) = record_needs(world.case_a, ["food"], urgent=True, consent=True)
    officer = world.users["support_a"]
    record_attempt(request, channel="phone", outcome="no_answer", actor=officer)
    request.refresh_from_db()
    assert request.status == "in_progress" and request.first_contact_at is None
    record_attempt(request, channel="phone", outcome="spoke", actor=officer)
    request.refresh_from_db()
    assert request.first_contact_at is not None


def test_one_officer_holds_all_of_a_persons_needs_and_one_call_is_the_first_contact_for_each(world: World) -> None:
    food, medicines = record_needs(world.case_a, ["food", "medicines"], urgent=False, consent=True)
    (pets,) = record_needs(world.contact_a, ["pets"], urgent=False, consent=True)
    officer, other = world.users["support_a"], make_user("support_a2")
    items = SupportRequest.objects.all()
    taken = claim_next(items, officer)
    assert taken is not None and taken.person_id == world.case_a.person_id
    # The second officer gets someone else, not the same person's other need.
    assert claim_next(items, other) == pets
    held = {r.need: r.claimed_by_id for r in SupportRequest.objects.filter(person=world.case_a.person)}
    assert held == {"food": officer.pk, "medicines": officer.pk}
    record_attempt(taken, channel="phone", outcome="spoke", actor=officer)
    for need in (food, medicines):
        need.refresh_from_db()
        assert need.first_contact_at is not None and need.status == "in_progress"
    event = AuditEvent.objects.filter(object_type="support.supportattempt").latest("pk")
    assert event.detail["first_contact_for"] == [r.pk for r in (food, medicines) if r.pk != taken.pk]
    release(taken, officer)
    assert not SupportRequest.objects.filter(person=world.case_a.person, claimed_by__isnull=False).exists()


def test_a_need_another_officer_holds_stays_theirs_and_working_keeps_the_others_held(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from localtrace.support.services import take

    food, medicines = record_needs(world.case_a, ["food", "medicines"], urgent=False, consent=True)
    officer, other = world.users["support_a"], make_user("support_a2")
    # Another officer holds the medicines request alone (say, assigned to them by the area lead).
    SupportRequest.objects.filter(pk=medicines.pk).update(claimed_by=other, claimed_at=timezone.now())
    assert take(food, officer)
    medicines.refresh_from_db()
    assert medicines.claimed_by == other  # not taken over with the person's other needs
    release(medicines, other)
    assert take(food, officer)
    long_ago = timezone.now() - dt.timedelta(minutes=15)
    SupportRequest.objects.filter(person=world.case_a.person).update(claimed_at=long_ago)
    food.refresh_from_db()
    record_attempt(food, channel="phone", outcome="no_answer", actor=officer)
    medicines.refresh_from_db()
    assert medicines.claimed_by == officer and medicines.claimed_at > long_ago


def test_the_queue_says_what_else_each_person_needs(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record_needs(world.case_a, ["food", "medicines"], urgent=False, consent=True)
    page = client_for("support_a").get(reverse("support:queue")).content.decode()
    assert "Also medicines</span>" in page and "Also food and essential supplies</span>" in page


def test_a_referral_needs_consent_and_an_organisation_that_offers_the_help(world: World) -> None:
    lead, officer = world.users["area_lead_a"], world.users["support_a"]
    food_bank = save_organisation(world.area_a, name="Food Bank", services=["food"], actor=lead)
    vets = save_organisation(world.area_a, name="Paws Vets", services=["pets"], actor=lead)
    (private,) = record_needs(world.case_a, ["food"], urgent=False, consent=False)
    with pytest.raises(SupportError, match="did not agree to share"):
        refer(private, food_bank, actor=officer)
    (shared,) = record_needs(world.contact_a, ["food"], urgent=False, consent=True)
    with pytest.raises(SupportError, match="does not offer help with food"):
        refer(shared, vets, actor=officer)
    assert not Referral.objects.exists()
    refer(shared, food_bank, note_text="Parcel on Friday", actor=officer)
    assert Referral.objects.get().organisation == food_bank


def test_the_referral_form_sent_twice_makes_one_referral_and_a_later_one_is_new(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    food_bank = save_organisation(world.area_a, name="Food Bank", services=["food"], actor=None)
    (request,) = record_needs(world.contact_a, ["food"], urgent=False, consent=True)
    officer = world.users["support_a"]
    first = refer(request, food_bank, actor=officer)
    assert refer(request, food_bank, actor=officer) == first  # a double click, without JavaScript
    assert Referral.objects.count() == 1
    # Another officer, or the same one days later (the food bank could not help then), refers again.
    later = refer(request, food_bank, actor=officer, at=timezone.now() + dt.timedelta(days=2))
    assert later != first and Referral.objects.count() == 2


def test_an_organisation_of_another_area_cannot_be_used(world: World) -> None:
    elsewhere = save_organisation(world.area_b, name="Southmoor Pantry", services=["food"], actor=None)
    (request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    with pytest.raises(SupportError, match="active organisation in this area"):
        refer(request, elsewhere, actor=world.users["support_a"])


def test_unable_to_contact_needs_attempts_first(world: World) -> None:
    (request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    with pytest.raises(SupportError, match="Record your attempts"):
        close_request(request, outcome="unable", actor=world.users["support_a"])
    record_attempt(request, channel="phone", outcome="no_answer", actor=world.users["support_a"])
    close_request(request, outcome="unable", note_text="Three calls", actor=world.users["support_a"])
    request.refresh_from_db()
    assert request.status == "unable" and request.closed_at is not None
    assert world.case_a.events.filter(summary="Support with food and essential supplies: unable to contact").exists()
    with pytest.raises(SupportError, match="already closed"):
        close_request(request, outcome="resolved", actor=world.users["support_a"])


def test_the_queue_counts_and_filters(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record_needs(world.case_a, ["food", "money"], urgent=True, consent=True)
    record_needs(world.contact_a, ["pets"], urgent=False, consent=False)
    client = client_for("support_a")
    page = client.get(reverse("support:queue")).content.decode()
    assert "Open: 3, urgent first" in page
    assert "Food and essential supplies (1 open)" in page
    assert "Urgent: 2" in client.get(reverse("support:queue") + "?show=urgent").content.decode()
    assert "Not to be shared: 1" in client.get(reverse("support:queue") + "?show=no_consent").content.decode()
    assert "Open, looking after pets: 1" in client.get(reverse("support:queue") + "?need=pets").content.decode()


def test_officers_of_another_area_do_not_see_the_request(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    other_case, _ = make_case(world.area_b, world.submission, specimen_id="B-1")
    record_needs(other_case, ["food"], urgent=False, consent=True)
    (ours,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    page = client_for("support_a").get(reverse("support:queue")).content.decode()
    assert "Open: 1" in page
    assert client_for("tracer_b").get(reverse("support:request-detail", args=[ours.pk])).status_code == 404


def test_the_page_records_contact_refers_and_closes(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    organisation = save_organisation(world.area_a, name="Ashby Pantry", services=["food"], actor=None)
    (request,) = record_needs(world.case_a, ["food"], urgent=True, consent=True)
    client = client_for("support_a")
    client.post(reverse("support:attempt", args=[request.pk]), {"channel": "phone", "outcome": "spoke"})
    client.post(reverse("support:refer", args=[request.pk]), {"organisation": organisation.pk, "note": "Parcel"})
    response = client.post(reverse("support:outcome", args=[request.pk]), {"outcome": "resolved", "note": "Delivered"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "resolved" and request.referrals.count() == 1 and request.attempts.count() == 1
    assert (
        AuditEvent.objects.filter(
            object_type="support.supportrequest", object_id=str(request.pk), action="view"
        ).count()
        == 0
    )
    client.get(reverse("support:request-detail", args=[request.pk]))
    assert (
        AuditEvent.objects.filter(
            object_type="support.supportrequest", object_id=str(request.pk), action="view"
        ).count()
        == 1
    )


def test_the_area_lead_keeps_the_directory(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    data = {"name": "Castle Food Bank", "services": ["food"], "active": "yes", "area": world.area_a.pk}
    assert client.post(reverse("support:organisation-create"), data).status_code == 302
    again = client.post(reverse("support:organisation-create"), data).content.decode()
    assert "Castle Food Bank is already in the directory." in again
    organisation = Organisation.objects.get()
    seen = organisation_fingerprint(organisation)
    client.post(reverse("support:organisation-edit", args=[organisation.pk]), {**data, "active": "no", "seen": seen})
    organisation.refresh_from_db()
    assert not organisation.active
    listing = client_for("support_a").get(reverse("support:organisation-list")).content.decode()
    assert "Castle Food Bank" in listing and "Not active" in listing


def test_the_area_lead_assigns_a_request_to_a_support_officer_of_the_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    url = reverse("support:assign", args=[request.pk])
    page = client_for("area_lead_a").get(reverse("support:request-detail", args=[request.pk])).content.decode()
    assert url in page
    assert url not in client_for("support_a").get(reverse("support:request-detail", args=[request.pk])).content.decode()
    refused = client_for("area_lead_a").post(url, {"officer": world.users["tracer_a"].pk}, follow=True)
    assert "Choose a support officer of this area." in refused.content.decode()
    client_for("area_lead_a").post(url, {"officer": world.users["support_a"].pk})
    request.refresh_from_db()
    assert request.claimed_by == world.users["support_a"]
    assert claim_next(SupportRequest.objects.all(), world.users["support_a"]) == request


def test_the_assign_list_chooses_no_one_and_says_who_holds_the_request(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (support_request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    url = reverse("support:request-detail", args=[support_request.pk])
    page = client_for("area_lead_a").get(url).content.decode()
    assert '<option value="" selected>Choose an officer</option>' in page and "Nobody is working on it now." in page
    refused = client_for("area_lead_a").post(reverse("support:assign", args=[support_request.pk]), {"officer": ""},
                                             follow=True)  # fmt: skip
    assert "Choose a support officer of this area." in refused.content.decode()


def test_a_lapsed_hold_names_nobody_and_lets_an_officer_take_the_request(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    (support_request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    held_at = timezone.now() - dt.timedelta(hours=3)
    SupportRequest.objects.filter(pk=support_request.pk).update(claimed_by=world.users["support_a"], claimed_at=held_at)
    url = reverse("support:request-detail", args=[support_request.pk])
    name = world.users["support_a"].full_name
    page = client_for("area_lead_a").get(url).content.decode()
    assert "Nobody is working on it now." in page and f"Now with {name}" not in page
    assert f"{name} is working on this request." not in page
    assert '<option value="" selected>Choose an officer</option>' in page
    assert reverse("support:request-take", args=[support_request.pk]) in page
    # Their own lapsed hold is not "yours" either: they take it again.
    own = client_for("support_a").get(url).content.decode()
    assert "You are working on this request." not in own
    assert reverse("support:request-take", args=[support_request.pk]) in own
    queue = client_for("area_lead_a").get(reverse("support:queue")).content.decode()
    assert name not in queue


def test_two_officers_closing_at_once_do_not_both_close_it(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    # Both pages read the request while it was open.
    first_copy, second_copy = (SupportRequest.objects.get(pk=request.pk) for _ in range(2))
    close_request(first_copy, outcome="resolved", note_text="Parcel delivered", actor=world.users["support_a"])
    with pytest.raises(SupportError, match=r"already closed: resolved\. Nothing was changed\."):
        close_request(second_copy, outcome="not_needed", note_text="Family helping", actor=world.users["area_lead_a"])
    request.refresh_from_db()
    assert (request.status, request.outcome_note) == ("resolved", "Parcel delivered")
    assert world.case_a.events.filter(kind="support_outcome").count() == 1
    closes = AuditEvent.objects.filter(object_type="support.supportrequest", object_id=str(request.pk))
    assert closes.filter(detail__has_key="outcome").count() == 1
    # The page that lost says so, and offers no second close.
    page = client_for("area_lead_a").post(reverse("support:outcome", args=[request.pk]), {"outcome": "not_needed"})
    assert page.status_code == 200 and "This request is already closed" in page.content.decode()


def test_a_referral_reads_the_request_as_it_is_now_not_as_the_page_loaded_it(world: World) -> None:
    organisation = save_organisation(world.area_a, name="Ashby Pantry", services=["food"], actor=None)
    (request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    page_copy = SupportRequest.objects.get(pk=request.pk)
    close_request(request, outcome="not_needed", actor=world.users["area_lead_a"])
    with pytest.raises(SupportError, match="This request is closed"):
        refer(page_copy, organisation, actor=world.users["support_a"])
    assert not Referral.objects.exists()


def test_the_forms_that_change_a_request_cannot_be_sent_twice_by_a_double_click(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    save_organisation(world.area_a, name="Ashby Pantry", services=["food"], actor=None)
    (request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    client = client_for("support_a")
    for name in ("support:refer", "support:outcome", "support:claim-create"):
        page = client.get(reverse(name, args=[request.pk])).content.decode()
        assert 'type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true"' in page


def test_putting_back_a_request_you_do_not_hold_says_so_and_audits_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (request,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    officer, lead = world.users["support_a"], world.users["area_lead_a"]
    assert not release(request, officer)
    client = client_for("support_a")
    response = client.post(reverse("support:request-release", args=[request.pk]), follow=True)
    assert (
        "You were not working on" in response.content.decode()
        and "is back in the queue" not in response.content.decode()
    )
    released = AuditEvent.objects.filter(object_type="support.supportrequest", object_id=str(request.pk))
    assert not released.filter(detail__released=True).exists()
    # The lead took it after the officer's hold lapsed: it stays the lead's.
    SupportRequest.objects.filter(pk=request.pk).update(claimed_by=lead)
    assert not release(request, officer)
    request.refresh_from_db()
    assert request.claimed_by == lead
    SupportRequest.objects.filter(pk=request.pk).update(claimed_by=officer)
    assert release(request, officer)
    assert released.filter(detail__released=True).count() == 1
