"""Recording contact and assigning: a request closed by another officer meanwhile stays closed; bad input is shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from localtrace.support.models import RequestStatus, SupportAttempt, SupportRequest
from localtrace.support.services import SupportError, assign, close_request, record_attempt, record_needs
from tests.personas import World


def _closed_behind_the_page(world: World) -> SupportRequest:
    """The request as a page read it, open; then another officer closes it."""
    (request,) = record_needs(world.contact_a, ["food"], urgent=False, consent=True)
    as_the_page_read_it = SupportRequest.objects.get(pk=request.pk)
    close_request(
        SupportRequest.objects.get(pk=request.pk), outcome=RequestStatus.NO_LONGER_NEEDED,
        actor=world.users["area_lead_a"],
    )  # fmt: skip
    return as_the_page_read_it


def test_contact_recorded_on_a_request_closed_meanwhile_is_refused_and_does_not_reopen_it(world: World) -> None:
    page = _closed_behind_the_page(world)
    with pytest.raises(SupportError, match="This request is closed"):
        record_attempt(page, channel="phone", outcome="spoke", actor=world.users["support_a"])
    request = SupportRequest.objects.get(pk=page.pk)
    assert request.status == RequestStatus.NO_LONGER_NEEDED and request.first_contact_at is None
    assert not SupportAttempt.objects.exists()


def test_a_request_closed_meanwhile_is_not_assigned(world: World) -> None:
    page = _closed_behind_the_page(world)
    with pytest.raises(SupportError, match="This request is closed"):
        assign(page, world.users["support_a"], by=world.users["area_lead_a"])
    assert SupportRequest.objects.get(pk=page.pk).claimed_by is None


def test_contact_sent_without_saying_how_shows_the_error_summary_and_keeps_the_note(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (request,) = record_needs(world.contact_a, ["food"], urgent=False, consent=True)
    url = reverse("support:attempt", args=[request.pk])
    response = client_for("support_a").post(url, {"outcome": "spoke", "note": "Rang back at six"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page and "There is a problem" in page
    assert 'href="#id_channel_0">Choose how you tried to reach them</a>' in page
    assert "Rang back at six" in page  # what they typed is still there
    assert not SupportAttempt.objects.exists()


@pytest.mark.parametrize("page_name", ["support:refer", "support:outcome"])
def test_a_closed_requests_referral_and_outcome_forms_are_not_offered(world: World, client_for, page_name) -> None:  # type: ignore[no-untyped-def]
    request = _closed_behind_the_page(world)
    client = client_for("support_a")
    response = client.get(reverse(page_name, args=[request.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("support:request-detail", args=[request.pk])
    page = client.get(response["Location"]).content.decode()
    assert f"{request.reference} is closed, so it takes no referral and no outcome." in page
