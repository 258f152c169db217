"""A subject access request's identity check: one saved from a page opened before someone else's is refused."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.accounts.models import User
from localtrace.audit import subject_access as sa
from localtrace.audit.models import AuditEvent, SubjectAccessRequest
from tests.conftest import sign_in_fully
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db


def _seen(page: str) -> dict[str, str]:
    found = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    return {"seen": found.group(1)} if found else {}


def _request(world: World) -> SubjectAccessRequest:
    details = {
        "received_on": timezone.localdate(), "given_name": "Gwen", "family_name": "Morgan-Davies",
        "date_of_birth": dt.date(1979, 3, 14), "postcode": "", "nhs_number": "", "phone": "", "email": "",
    }  # fmt: skip
    return sa.start_request(details, by=world.users["dpo"])


def _changes(sar: SubjectAccessRequest) -> int:
    return AuditEvent.objects.filter(
        action="change", object_type="audit.subjectaccessrequest", object_id=str(sar.pk)
    ).count()


def _second_officer() -> Client:
    client = Client()
    sign_in_fully(client, make_user("deputy_dpo", deployment_role=User.DeploymentRole.DATA_PROTECTION_OFFICER))
    return client


def test_an_identity_check_recorded_while_another_officer_had_the_page_open_is_not_undone(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    sar = _request(world)
    url = reverse("audit:sar-identity", args=[sar.pk])
    officer, deputy = client_for("dpo"), _second_officer()
    as_officer_saw_it = _seen(officer.get(url).content.decode())
    passport = {"evidence": "Passport seen at the council offices"}
    assert deputy.post(url, passport | _seen(deputy.get(url).content.decode())).status_code == 302
    before = _changes(sar)
    refused = officer.post(url, {"evidence": "Utility bill by post"} | as_officer_saw_it)
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "Someone else recorded how the requester's identity was checked since you opened this page" in page
    sar.refresh_from_db()
    assert sar.identity_evidence == "Passport seen at the council offices"
    assert _changes(sar) == before  # nothing changed, so no change is audited
    assert 'value="Passport seen at the council offices"' in page  # shown as it is now
    # Saved again from the page as it is now, it is the officer's record.
    assert officer.post(url, {"evidence": "Utility bill by post"} | _seen(page)).status_code == 302
    sar.refresh_from_db()
    assert sar.identity_evidence == "Utility bill by post" and _changes(sar) == before + 1


def test_a_check_recorded_again_in_the_same_words_still_counts_as_someone_elses_change(world: World) -> None:
    sar, dpo = _request(world), world.users["dpo"]
    sa.record_identity_check(sar, "Passport seen", by=dpo)
    as_it_was = sa.identity_fingerprint(SubjectAccessRequest.objects.get(pk=sar.pk))
    sa.record_identity_check(sar, "Passport seen", by=dpo)
    with pytest.raises(sa.StaleIdentityCheck):
        sa.record_identity_check(sar, "Driving licence seen", by=dpo, seen=as_it_was)
    assert SubjectAccessRequest.objects.get(pk=sar.pk).identity_evidence == "Passport seen"


def test_a_page_sent_without_its_fingerprint_records_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    sar = _request(world)
    before = _changes(sar)
    refused = client_for("dpo").post(reverse("audit:sar-identity", args=[sar.pk]), {"evidence": "Passport seen"})
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "This page was not sent whole. Open it again from the request's page." in page
    sar.refresh_from_db()
    assert (sar.identity_checked_at, sar.identity_evidence) == (None, "")
    assert _changes(sar) == before


def test_a_check_saved_from_a_page_opened_as_it_is_now_is_recorded_and_audited(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    sar = _request(world)
    url = reverse("audit:sar-identity", args=[sar.pk])
    officer = client_for("dpo")
    saved = officer.post(url, {"evidence": "Passport seen"} | _seen(officer.get(url).content.decode()))
    assert saved.status_code == 302 and saved["Location"] == reverse("audit:sar-detail", args=[sar.pk])
    sar.refresh_from_db()
    assert sar.identity_checked_at is not None and sar.identity_evidence == "Passport seen"
    assert AuditEvent.objects.filter(
        action="change", object_type="audit.subjectaccessrequest", object_id=str(sar.pk), detail__identity_checked=True
    ).exists()


def test_a_closed_request_is_refused_as_closed_even_from_a_stale_page(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    sar, dpo = _request(world), world.users["dpo"]
    url = reverse("audit:sar-identity", args=[sar.pk])
    officer = client_for("dpo")
    as_officer_saw_it = _seen(officer.get(url).content.decode())
    sa.record_identity_check(sar, "Passport seen", by=dpo)
    sa.confirm_records(sar, [], by=dpo)
    sa.close(sar, "no_data", timezone.localdate(), by=dpo)
    response = officer.post(url, {"evidence": "Late"} | as_officer_saw_it, follow=True)
    assert "it cannot be changed" in response.content.decode()
    sar.refresh_from_db()
    assert sar.identity_evidence == "Passport seen"
