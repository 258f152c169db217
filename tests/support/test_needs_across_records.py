"""One person, several records, perhaps in several areas: a need goes where it was asked, a "no" holds everywhere,
and a tracer sees only their own area's support requests."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from localtrace.areas.models import Membership, Role
from localtrace.audit.models import AuditEvent
from localtrace.contacts.models import Contact
from localtrace.support.models import Referral, SupportRequest
from localtrace.support.services import SupportError, record_needs, refer, requests_for, save_organisation
from tests.conftest import sign_in_fully
from tests.personas import World, make_case, make_user


def gwen_in_area_b(world: World) -> Contact:
    """Case A's person, also named as a contact by a case in area B."""
    case_b, _ = make_case(world.area_b, world.submission, specimen_id="WORLD-B")
    contact = Contact.objects.get(case=case_b)
    contact.person = world.case_a.person
    contact.save(update_fields=["person"])
    return contact


def support_b_client(world: World) -> Client:
    support_b = make_user("support_b")
    Membership.objects.create(user=support_b, team=world.team_b, role=Role.SUPPORT_OFFICER)
    client = Client()
    sign_in_fully(client, support_b)
    return client


def test_a_need_asked_again_in_another_area_is_handed_over_to_that_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    officer_a = world.users["support_a"]
    (wellbeing,) = record_needs(world.case_a, ["wellbeing"], urgent=False, consent=True, actor=world.users["tracer_a"])
    SupportRequest.objects.filter(pk=wellbeing.pk).update(claimed_by=officer_a, claimed_at=wellbeing.requested_at)
    in_b = gwen_in_area_b(world)

    (again,) = record_needs(in_b, ["wellbeing"], urgent=True, consent=True, actor=world.users["tracer_b"])

    assert again.pk == wellbeing.pk and SupportRequest.objects.count() == 1
    again.refresh_from_db()
    assert (again.area_id, again.contact_id, again.case_id) == (world.area_b.pk, in_b.pk, None)
    assert again.urgent and again.claimed_by_id is None  # area A's officer can no longer open it
    # Area B's support officers see it; area A's no longer do.
    assert support_b_client(world).get(reverse("support:request-detail", args=[again.pk])).status_code == 200
    assert client_for("support_a").get(reverse("support:request-detail", args=[again.pk])).status_code == 404
    # Both the old record's timeline and the audit trail say where it went.
    assert world.case_a.events.filter(kind="support_handed_over", summary__contains="handed over to Southmoor").exists()
    handed = AuditEvent.objects.filter(object_type="support.supportrequest", detail__has_key="handed_over_from")
    assert handed.get().detail["handed_over_to"]["record"] == in_b.reference


def test_a_need_asked_again_on_their_other_record_in_the_same_area_moves_to_it(world: World) -> None:
    (food,) = record_needs(world.contact_a, ["food"], urgent=False, consent=True)
    partner_case, _ = make_case(world.area_a, world.submission, specimen_id="WORLD-2")
    partner_case.person = world.contact_a.person
    partner_case.save(update_fields=["person"])
    record_needs(partner_case, ["food"], urgent=False, consent=True)
    food.refresh_from_db()
    assert (food.area_id, food.case_id, food.contact_id) == (world.area_a.pk, partner_case.pk, None)
    assert world.contact_a.events.filter(summary__contains=f"their record {partner_case.reference}").exists()


def test_saying_no_to_sharing_withdraws_consent_from_every_open_need(world: World) -> None:
    lead, officer = world.users["area_lead_a"], world.users["support_a"]
    food_bank = save_organisation(world.area_a, name="Food Bank", services=["food"], actor=lead)
    (food,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    # The officer's page is open on the food request when they tell the tracer not to share their details.
    record_needs(world.case_a, ["pets"], urgent=False, consent=False)
    assert not SupportRequest.objects.get(pk=food.pk).consent
    with pytest.raises(SupportError, match="did not agree to share"):
        refer(food, food_bank, actor=officer)
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(object_id=str(food.pk), detail__consent_withdrawn=True).exists()


def test_saying_they_need_nothing_withdraws_no_consent(world: World) -> None:
    (food,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    # Consent is asked only with needs: an answer of no needs is not a "no" to sharing.
    record_needs(world.case_a, [], urgent=False, consent=False)
    food.refresh_from_db()
    assert food.consent and food.is_open


def test_a_tracer_sees_only_their_own_areas_support_requests(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record_needs(world.case_a, ["wellbeing"], urgent=False, consent=True)
    in_b = gwen_in_area_b(world)
    assert not requests_for(in_b).exists()
    page = client_for("tracer_b").get(reverse("contacts:contact-detail", args=[in_b.pk])).content.decode()
    assert "Mental health and loneliness" not in page and "No support needs recorded" in page
    asked = client_for("tracer_b").get(reverse("support:contact-needs", args=[in_b.pk])).content.decode()
    assert re.search(r'<input[^>]*value="wellbeing"[^>]*>', asked).group(0).find("checked") == -1  # type: ignore[union-attr]
    # Area A's tracer still sees it on the case.
    case_page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert "Mental health and loneliness" in case_page
