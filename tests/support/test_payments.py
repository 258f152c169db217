"""Support payment claims: checked against the record, one per isolation period, decided with a reason, exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.config import policy
from localtrace.people.models import Person
from localtrace.support.models import PaymentClaim, SupportRequest
from localtrace.support.services import SupportError, decide_claim, isolation_period, make_claim, record_needs
from tests.personas import World


def _claim(item, **answers):  # type: ignore[no-untyped-def]
    defaults = {"told_to_isolate": True, "low_income": True, "cannot_work_from_home": True}
    return make_claim(item, **{**defaults, **answers})


def test_a_claim_takes_its_period_from_the_record_and_the_amount_from_policy(world: World) -> None:
    claim = _claim(world.contact_a)
    assert (claim.isolation_starts_on, claim.isolation_ends_on) == (
        world.contact_a.last_exposure,
        world.contact_a.isolation_ends_on,
    )
    assert claim.amount == Decimal("500.00")
    assert claim.claimed_by is None  # made without a staff member: the portal's case
    assert claim.channel == "officer"


def test_a_second_claim_for_the_same_isolation_is_refused_with_a_clear_message(world: World) -> None:
    first = _claim(world.contact_a)
    with pytest.raises(SupportError) as refused:
        _claim(world.contact_a, evidence_notes="again")
    message = str(refused.value)
    assert f"There is already a claim ({first.reference}, waiting for a decision)" in message
    assert "Only one claim can be made for each period of isolation." in message
    assert PaymentClaim.objects.count() == 1


def test_an_overlapping_period_on_another_record_is_refused_too(world: World) -> None:
    # The partner is also a case's household contact and later a case: the periods overlap.
    _claim(world.case_a)
    contact_of_gwen = world.contact_a
    contact_of_gwen.person = world.case_a.person
    contact_of_gwen.save()
    with pytest.raises(SupportError, match="Only one claim can be made for each period of isolation"):
        _claim(contact_of_gwen)


def test_the_database_refuses_a_duplicate_even_past_the_action(world: World) -> None:
    claim = _claim(world.contact_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentClaim.objects.create(
            area=claim.area, person=claim.person, contact=world.contact_a, isolation_starts_on=claim.isolation_starts_on,
            isolation_ends_on=claim.isolation_ends_on, told_to_isolate=True, low_income=True,
            cannot_work_from_home=True, amount=Decimal("500"),
        )  # fmt: skip


def test_the_officer_is_told_of_the_claim_already_made_before_filling_in_another(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (request,) = record_needs(world.contact_a, ["money"], urgent=False, consent=True)
    claim = _claim(world.contact_a)
    client = client_for("support_a")
    detail = client.get(reverse("support:request-detail", args=[request.pk])).content.decode()
    assert reverse("support:claim-create", args=[request.pk]) not in detail
    assert f"Claim {claim.reference} covers this isolation" in detail
    form = client.get(reverse("support:claim-create", args=[request.pk]), follow=True).content.decode()
    assert "Only one claim can be made for each period of isolation." in form and "Record the claim" not in form
    answers = {"told_to_isolate": "yes", "low_income": "yes", "cannot_work_from_home": "yes"}
    assert client.post(reverse("support:claim-create", args=[request.pk]), answers).status_code == 302
    assert PaymentClaim.objects.count() == 1


def test_a_claim_reads_its_answers_as_the_form_asked_them(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    claim = _claim(world.contact_a, cannot_work_from_home=False)
    page = client_for("support_a").get(reverse("support:claim-detail", args=[claim.pk])).content.decode()
    assert "Will lose income because they cannot work from home?" in page and "They can work from home." in page


def test_a_claim_long_after_isolation_ended_is_refused(world: World) -> None:
    contact = world.contact_a
    contact.last_exposure = timezone.localdate() - dt.timedelta(days=70)
    contact.isolation_ends_on = contact.last_exposure + dt.timedelta(days=10)
    contact.save()
    with pytest.raises(SupportError, match="more than 42 days ago: too late to claim"):
        _claim(contact)


def test_a_record_transferred_away_cannot_be_claimed_against_for_the_old_area(world: World) -> None:
    world.contact_a.area = world.area_b
    world.contact_a.save()
    with pytest.raises(SupportError, match="transferred to another area"):
        _claim(world.contact_a, for_area=world.area_a)
    assert _claim(world.contact_a, for_area=world.area_b).area == world.area_b


def test_a_transfer_hands_the_live_support_work_to_the_receiving_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.areas.models import Membership, Role
    from localtrace.support.models import RequestStatus
    from tests.conftest import sign_in_fully
    from tests.personas import make_user

    case = world.case_a
    (live,) = record_needs(case, ["food"], urgent=False, consent=True, actor=world.users["tracer_a"])
    (done,) = record_needs(case, ["medicines"], urgent=False, consent=True, actor=world.users["tracer_a"])
    type(done).objects.filter(pk=done.pk).update(status=RequestStatus.RESOLVED, closed_at=timezone.now())
    waiting = _claim(case)
    response = client_for("tracer_a").post(
        reverse("cases:transfer", args=[case.pk]), {"to_area": world.area_b.pk, "reason": "Lives in Southmoor"}
    )
    assert response.status_code == 302
    support_b = make_user("support_b")
    Membership.objects.create(user=support_b, team=world.team_b, role=Role.SUPPORT_OFFICER)
    theirs = Client()
    sign_in_fully(theirs, support_b)
    support_a = client_for("support_a")
    for name, pk in (("support:request-detail", live.pk), ("support:claim-detail", waiting.pk)):
        assert support_a.get(reverse(name, args=[pk])).status_code == 404
        assert theirs.get(reverse(name, args=[pk])).status_code == 200
    assert support_a.post(reverse("support:claim-create", args=[live.pk]), {}).status_code == 404
    # Finished work stays the record of the area that did it.
    assert support_a.get(reverse("support:request-detail", args=[done.pk])).status_code == 200


def test_a_case_claim_starts_on_the_result_day_not_a_clinical_date(world: World) -> None:
    world.case_a.symptomatic, world.case_a.onset_date = True, world.case_a.specimen_date - dt.timedelta(days=3)
    world.case_a.save()
    period = isolation_period(world.case_a)
    assert period.first == world.case_a.result_date
    assert period.last == policy.case_isolation_ends_on(world.case_a.onset_date)


def test_approval_needs_the_rules_met_a_reason_and_a_payment_reference(world: World) -> None:
    officer = world.users["support_a"]
    claim = _claim(world.contact_a, cannot_work_from_home=False)
    with pytest.raises(SupportError, match="does not meet the rules: They can work from home"):
        decide_claim(claim, approve=True, reason="OK", payment_reference="TTSP-1", actor=officer)
    with pytest.raises(SupportError, match="Give the reason"):
        decide_claim(claim, approve=False, reason=" ", actor=officer)
    decide_claim(claim, approve=False, reason="Can work from home", actor=officer)
    claim.refresh_from_db()
    assert claim.status == "declined" and claim.decided_by == officer
    with pytest.raises(SupportError, match="already declined"):
        decide_claim(claim, approve=False, reason="Again", actor=officer)


def test_an_approved_claim_has_a_unique_payment_reference(world: World) -> None:
    officer = world.users["support_a"]
    first = _claim(world.contact_a)
    with pytest.raises(SupportError, match="Enter the payment reference"):
        decide_claim(first, approve=True, reason="Eligible", actor=officer)
    decide_claim(first, approve=True, reason="Eligible", payment_reference="TTSP-0001", actor=officer)
    second = _claim(world.case_a)
    with pytest.raises(SupportError, match="TTSP-0001 is already used"):
        decide_claim(second, approve=True, reason="Eligible", payment_reference="TTSP-0001", actor=officer)


def test_the_amount_and_rules_are_dated_so_past_claims_stay_right(world: World) -> None:
    today = timezone.localdate()
    dated = {
        "support_payment_amount": [(policy.BEGINNING, 500), (today + dt.timedelta(days=1), 750)],
        "support_payment_rules": [
            (policy.BEGINNING, {"needs_low_income": True, "needs_cannot_work_from_home": True, "claim_within_days": 42}),
            (today - dt.timedelta(days=30), {"needs_low_income": True, "needs_cannot_work_from_home": False, "claim_within_days": 42}),
        ],
    }  # fmt: skip
    with override_settings(LOCALTRACE_POLICY=dated):
        assert policy.support_payment_amount(today) == Decimal("500.00")
        assert policy.support_payment_amount(today + dt.timedelta(days=5)) == Decimal("750.00")
        claim = _claim(world.contact_a, cannot_work_from_home=False)
        decide_claim(
            claim, approve=True, reason="Eligible under the rules of the day", payment_reference="P-9", actor=None
        )
        assert policy.support_payment_rules(dt.date(2020, 10, 1))["needs_cannot_work_from_home"] is True


def test_the_finance_export_is_injection_safe_audited_and_scoped(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    Person.objects.filter(pk=world.contact_a.person_id).update(family_name="=HYPERLINK(1)", address_line_1="+44 Road")
    claim = _claim(world.contact_a)
    decide_claim(claim, approve=True, reason="@eligible", payment_reference="TTSP-7", actor=world.users["support_a"])
    response = client_for("support_a").get(reverse("support:claim-export") + "?show=approved")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["claim", "area", "status"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (
        row["family_name"] == "'=HYPERLINK(1)"
        and row["address"] == "'+44 Road"
        and row["decision_reason"] == "'@eligible"
    )
    assert row["payment_reference"] == "TTSP-7" and row["amount"] == "500.00"
    assert AuditEvent.objects.filter(action="export", object_type="support.paymentclaim").count() == 1
    assert client_for("tracer_a").get(reverse("support:claim-export")).status_code == 404


def test_the_officer_decides_through_the_page(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    claim = _claim(world.contact_a)
    client = client_for("support_a")
    url = reverse("support:claim-decide", args=[claim.pk])
    missing = client.post(url, {"decision": "approve", "reason": "Eligible"}).content.decode()
    assert "Enter the payment reference" in missing
    client.post(url, {"decision": "approve", "reason": "Eligible", "payment_reference": "TTSP-11"})
    claim.refresh_from_db()
    assert (claim.status, claim.payment_reference) == ("approved", "TTSP-11")


def test_the_officer_who_recorded_a_claim_does_not_decide_it(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    officer = world.users["support_a"]
    claim = _claim(world.contact_a, actor=officer)
    with pytest.raises(SupportError, match="You recorded this claim, so someone else decides it"):
        decide_claim(claim, approve=True, reason="Eligible", payment_reference="TTSP-9", actor=officer)
    client = client_for("support_a")
    page = client.get(reverse("support:claim-detail", args=[claim.pk])).content.decode()
    assert "Decide the claim" not in page and "another support officer or the area lead decides it" in page
    assert client.post(reverse("support:claim-decide", args=[claim.pk]),
                       {"decision": "approve", "reason": "Eligible", "payment_reference": "TTSP-9"}).status_code == 302  # fmt: skip
    claim.refresh_from_db()
    assert claim.status == PaymentClaim.Status.SUBMITTED
    decide_claim(claim, approve=True, reason="Eligible", payment_reference="TTSP-9", actor=world.users["area_lead_a"])
    claim.refresh_from_db()
    assert claim.status == PaymentClaim.Status.APPROVED


def test_a_decision_is_refused_when_the_person_sent_new_answers_after_the_page_was_opened(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    import re

    claim = make_claim(world.contact_a, told_to_isolate=True, low_income=True, cannot_work_from_home=True, online=True)
    client = client_for("support_a")
    url = reverse("support:claim-decide", args=[claim.pk])
    (seen,) = re.findall(r'name="answers_as_of" value="([^"]+)"', client.get(url).content.decode())
    # The person sends their claim again, with new answers, while the officer reads the old ones.
    make_claim(world.contact_a, told_to_isolate=True, low_income=True, cannot_work_from_home=True,
               evidence_notes="New payslips", online=True, at=timezone.now() + dt.timedelta(seconds=1))  # fmt: skip
    refused = client.post(url, {"decision": "approve", "reason": "Eligible", "payment_reference": "TTSP-12",
                                "answers_as_of": seen})  # fmt: skip
    assert "They sent new answers after you opened this claim" in refused.content.decode()
    claim.refresh_from_db()
    assert claim.status == "submitted" and claim.evidence_notes == "New payslips"


def test_an_online_claim_sent_twice_at_once_replaces_rather_than_refuses(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from localtrace.support import services

    first = make_claim(world.contact_a, told_to_isolate=True, low_income=True, cannot_work_from_home=True, online=True)
    # The second request's check ran before the first committed: only the database's constraint sees it.
    monkeypatch.setattr(services, "claim_for_period", lambda *args, **kwargs: None)
    second = make_claim(world.contact_a, told_to_isolate=True, low_income=True, cannot_work_from_home=True,
                        evidence_notes="Sent again", online=True)  # fmt: skip
    assert second.pk == first.pk and PaymentClaim.objects.count() == 1
    first.refresh_from_db()
    assert first.evidence_notes == "Sent again"


def test_a_claim_in_another_area_is_not_named_to_an_officer_who_may_not_open_it(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from tests.support.test_needs_across_records import gwen_in_area_b

    theirs = make_claim(gwen_in_area_b(world), told_to_isolate=True, low_income=True, cannot_work_from_home=True,
                        online=True)  # fmt: skip
    assert theirs.area == world.area_b
    (request,) = record_needs(world.case_a, ["money"], urgent=False, consent=True)
    page = client_for("support_a").get(reverse("support:claim-create", args=[request.pk]), follow=True)
    said = page.content.decode()
    assert "A claim made in another area covers this isolation" in said
    assert "There is already a claim" not in said and f"({theirs.reference}," not in said


def test_the_finance_export_is_dated_locally_uncached_and_names_each_claim(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    claim = _claim(world.contact_a)
    decide_claim(claim, approve=True, reason="Eligible", payment_reference="TTSP-21", actor=world.users["area_lead_a"])
    # Decided at half past midnight on 2 July in London, still 1 July in UTC.
    PaymentClaim.objects.filter(pk=claim.pk).update(decided_at=dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC))
    response = client_for("support_a").get(reverse("support:claim-export") + "?show=approved")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["decided_on"] for row in rows] == ["2026-07-02"]
    assert response["Cache-Control"] == "no-store" and response["Content-Type"] == "text/csv; charset=utf-8"
    exported = AuditEvent.objects.get(action="export", object_type="support.paymentclaim")
    assert exported.detail["claims"] == [claim.pk] and exported.detail["rows"] == 1


def test_a_claim_the_record_cannot_have_is_refused_before_any_question(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (request,) = record_needs(world.contact_a, ["money"], urgent=False, consent=True)
    contact = world.contact_a
    contact.last_exposure = timezone.localdate() - dt.timedelta(days=70)
    contact.isolation_ends_on = contact.last_exposure + dt.timedelta(days=10)
    contact.save()
    client = client_for("support_a")
    create = reverse("support:claim-create", args=[request.pk])
    detail = client.get(reverse("support:request-detail", args=[request.pk])).content.decode()
    assert create not in detail and "No claim can be recorded here: Their isolation ended on" in detail
    form = client.get(create, follow=True).content.decode()
    assert "more than 42 days ago: too late to claim" in form and "Record the claim" not in form


def test_a_record_transferred_away_offers_no_claim_to_the_old_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.support.models import RequestStatus

    (request,) = record_needs(world.contact_a, ["money"], urgent=False, consent=True)
    # Finished here, then the record moved to area B: the old request stays area A's to read.
    SupportRequest.objects.filter(pk=request.pk).update(status=RequestStatus.RESOLVED, closed_at=timezone.now())
    type(world.contact_a).objects.filter(pk=world.contact_a.pk).update(area=world.area_b)
    client = client_for("support_a")
    create = reverse("support:claim-create", args=[request.pk])
    detail = client.get(reverse("support:request-detail", args=[request.pk])).content.decode()
    assert create not in detail and "transferred to another area" in detail
    assert "transferred to another area" in client.get(create, follow=True).content.decode()
    assert not PaymentClaim.objects.exists()


def test_a_one_day_isolation_reads_one_day_on_the_claim(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    claim = _claim(world.contact_a)
    PaymentClaim.objects.filter(pk=claim.pk).update(isolation_starts_on=claim.isolation_ends_on)
    page = client_for("support_a").get(reverse("support:claim-detail", args=[claim.pk])).content.decode()
    assert "(1 day)" in page and "(1 days)" not in page
