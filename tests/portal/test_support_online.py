"""Help to isolate online: a contact's needs reach the support queue and a claim is checked and refused twice."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from localtrace.support.models import PaymentClaim, SupportRequest
from tests.personas import World
from tests.portal.test_journeys import contact_with_dob, signed_in_with_link

pytestmark = pytest.mark.django_db

ELIGIBLE = {"told_to_isolate": "yes", "low_income": "yes", "cannot_work_from_home": "yes", "evidence_notes": "=cmd"}


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


def test_a_contact_asks_for_help_online_and_it_joins_the_support_queue(world: World) -> None:
    import datetime as dt

    contact = contact_with_dob(world)
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    assert b"Ask for help while you isolate" in client.get("/self-service/you/").content
    # Help does not depend on agreeing to share: without it the need is recorded, not to be passed on.
    unshared = client.post("/self-service/help-to-isolate/", {"needs": ["food"], "urgent": "yes"})
    assert unshared["Location"] == "/self-service/help-to-isolate/sent/"
    assert not SupportRequest.objects.get(contact=contact, need="food").consent
    sent = client.post("/self-service/help-to-isolate/", {"needs": ["food", "pets"], "urgent": "yes", "consent": "on"})
    assert sent["Location"] == "/self-service/help-to-isolate/sent/"
    requests = SupportRequest.objects.filter(contact=contact)
    assert sorted(r.need for r in requests) == ["food", "pets"] and all(
        r.urgent and r.source == SupportRequest.Source.ONLINE for r in requests
    )
    assert b"Looking after pets" in client.get("/self-service/help-to-isolate/sent/").content


def test_a_support_payment_claim_is_checked_then_a_second_is_refused_with_a_reason(world: World) -> None:
    import datetime as dt

    client = signed_in_with_link(world.case_a, dt.date(1979, 3, 14))
    assert b"Select yes if you get a qualifying benefit" in client.post("/self-service/support-payment/", {}).content
    assert client.post("/self-service/support-payment/", ELIGIBLE)["Location"] == "/self-service/support-payment/check/"
    check = client.get("/self-service/support-payment/check/").content.decode()
    assert "Do you get a qualifying benefit or have a low income?" in check and "=cmd" in check
    assert client.post("/self-service/support-payment/check/")["Location"] == "/self-service/support-payment/sent/"
    claim = PaymentClaim.objects.get(case=world.case_a)
    assert claim.channel == PaymentClaim.Channel.ONLINE and claim.low_income and claim.claimed_by is None
    assert claim.reference.encode() in client.get("/self-service/support-payment/sent/").content
    # Sent again before anyone decides it: the new answers replace the old, one claim still.
    client.post("/self-service/support-payment/", ELIGIBLE | {"evidence_notes": "Payslips from the bakery"})
    assert client.post("/self-service/support-payment/check/")["Location"] == "/self-service/support-payment/sent/"
    claim.refresh_from_db()
    assert PaymentClaim.objects.count() == 1 and claim.evidence_notes == "Payslips from the bakery"
    # Once decided, a claim for the same isolation is refused with a reason.
    PaymentClaim.objects.filter(pk=claim.pk).update(status=PaymentClaim.Status.DECLINED)
    client.post("/self-service/support-payment/", ELIGIBLE)
    third = client.post("/self-service/support-payment/check/")
    assert (
        third.status_code == 200
        and f"You have already claimed for this isolation (claim {claim.reference}".encode() in third.content
    )
    # Said to them, not to an officer; and sending again could only be refused again.
    assert b"Only one claim can be made" not in third.content and b"Send your claim" not in third.content
    assert PaymentClaim.objects.count() == 1


def test_answers_that_rule_out_the_payment_are_pointed_out_before_sending(world: World) -> None:
    import datetime as dt

    client = signed_in_with_link(world.case_a, dt.date(1979, 3, 14))
    client.post("/self-service/support-payment/", ELIGIBLE | {"cannot_work_from_home": "no"})
    check = client.get("/self-service/support-payment/check/").content.decode()
    assert "you are unlikely to get this payment" in check
    client.post("/self-service/support-payment/", ELIGIBLE)
    assert (
        "you are unlikely to get this payment"
        not in client.get("/self-service/support-payment/check/").content.decode()
    )


def test_the_help_pages_show_nothing_without_a_confirmed_link(world: World) -> None:
    from django.test import Client

    for url in (
        "/self-service/help-to-isolate/",
        "/self-service/support-payment/",
        "/self-service/support-payment/check/",
    ):
        assert Client().get(url).status_code == 404


def test_the_next_person_on_the_same_phone_sees_nothing_the_last_one_typed(world: World) -> None:
    import datetime as dt
    import re

    from localtrace.portal import services

    client = signed_in_with_link(world.case_a, dt.date(1979, 3, 14))
    client.post("/self-service/support-payment/", {**ELIGIBLE, "evidence_notes": "Payslips from Acme Widgets"})
    client.post("/self-service/help-to-isolate/", {"needs": ["money"], "urgent": "yes", "consent": "on"})
    client.post("/self-service/sign-out/")
    # Their partner opens their own link on the same phone, without signing out in between too.
    contact = contact_with_dob(world)
    client.get(re.sub(r"^https?://[^/]+", "", services.issue_link(contact).url))
    client.post("/self-service/date-of-birth/", {"date_of_birth_0": "1", "date_of_birth_1": "7",
                                                 "date_of_birth_2": "1990"})  # fmt: skip
    assert client.get("/self-service/support-payment/check/")["Location"] == "/self-service/support-payment/"
    assert b"Acme Widgets" not in client.get("/self-service/support-payment/").content
    assert b"Money and work" not in client.get("/self-service/help-to-isolate/sent/").content
    assert client.post("/self-service/support-payment/check/").status_code == 302
    assert not PaymentClaim.objects.filter(contact=contact).exists()


def test_help_is_given_without_agreeing_to_share_and_an_earlier_no_is_kept(world: World) -> None:
    import datetime as dt

    from localtrace.support.services import record_needs

    contact = contact_with_dob(world)
    # They told the tracer not to share their details.
    record_needs(contact, ["food"], urgent=False, consent=False, actor=world.users["tracer_a"])
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    page = client.get("/self-service/help-to-isolate/").content.decode()
    assert "still help you, but do not pass your details on" in page and "checked" not in page
    sent = client.post("/self-service/help-to-isolate/", {"needs": ["food", "pets"], "urgent": "no"})
    assert sent["Location"] == "/self-service/help-to-isolate/sent/"
    assert dict(SupportRequest.objects.filter(contact=contact).values_list("need", "consent")) == {
        "food": False,
        "pets": False,
    }


def test_the_help_form_sent_twice_at_once_updates_rather_than_fails(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.db import IntegrityError

    from localtrace.portal.views import support as views

    contact = contact_with_dob(world)
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    real, calls = views.record_needs, []

    def first_loses_the_race(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            # The other submission's request was inserted between this one's check and its insert.
            real(*args, **kwargs)
            raise IntegrityError("support_request_open_once_per_need")
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "record_needs", first_loses_the_race)
    sent = client.post("/self-service/help-to-isolate/", {"needs": ["food"], "urgent": "yes", "consent": "on"})
    assert sent.status_code == 302 and sent["Location"] == "/self-service/help-to-isolate/sent/"
    assert SupportRequest.objects.filter(contact=contact, need="food").count() == 1


def test_a_claim_too_late_is_refused_in_their_words_and_language_before_they_send_it(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    contact = contact_with_dob(world)
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    client.post("/self-service/support-payment/", ELIGIBLE)  # answered in time; sent too late
    ended = timezone.localdate() - dt.timedelta(days=60)
    type(contact).objects.filter(pk=contact.pk).update(
        last_exposure=ended - dt.timedelta(days=10), isolation_ends_on=ended
    )
    check = client.get("/self-service/support-payment/check/").content.decode()
    assert f"Your isolation ended on {ended.day} {ended:%B %Y}, more than 42 days ago, so it is too late" in check
    assert "Their isolation" not in check and "Send your claim" not in check
    assert client.post("/self-service/support-payment/check/").status_code == 200
    assert not PaymentClaim.objects.exists()
    client.cookies["django_language"] = "cy"
    welsh = client.get("/self-service/support-payment/check/").content.decode()
    assert "Daeth eich cyfnod hunanynysu i ben ar" in welsh and "Anfon eich hawliad" not in welsh
    # Starting again, the first page says so before any question, and keeps no answers sent to it.
    del client.cookies["django_language"]
    first = client.get("/self-service/support-payment/").content.decode()
    assert "so it is too late to claim" in first and "Continue" not in first
    client.post("/self-service/support-payment/", ELIGIBLE)
    assert not PaymentClaim.objects.exists()


def test_a_claim_refused_on_the_check_page_says_error_in_the_page_title(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    contact = contact_with_dob(world)
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    client.post("/self-service/support-payment/", ELIGIBLE)
    assert "<title>Check your answers" in client.get("/self-service/support-payment/check/").content.decode()
    ended = timezone.localdate() - dt.timedelta(days=60)
    type(contact).objects.filter(pk=contact.pk).update(
        last_exposure=ended - dt.timedelta(days=10), isolation_ends_on=ended
    )
    # A screen reader announces the title first: the problem must be in it, as on every page with an error.
    assert "<title>Error: Check your answers" in client.get("/self-service/support-payment/check/").content.decode()
    client.cookies["django_language"] = "cy"
    assert "<title>Gwall: " in client.get("/self-service/support-payment/check/").content.decode()
