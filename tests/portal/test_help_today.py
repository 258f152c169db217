"""Online, "Do you need help today?" is asked with every need, and the case checks the answer before sending."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client

from localtrace.support.models import SupportRequest
from tests.personas import World
from tests.portal.test_journeys import contact_with_dob, signed_in_with_link

pytestmark = pytest.mark.django_db

CASE_DOB = dt.date(1979, 3, 14)
ERROR = "Select yes if you need help today"
WELSH_ERROR = "Dewiswch ‘Oes’ os oes angen help arnoch heddiw"


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


def case_at_the_help_question(world: World) -> Client:
    client = signed_in_with_link(world.case_a, CASE_DOB)
    client.post("/self-service/symptoms/", {"symptomatic": "no"})
    client.post("/self-service/household/", {})
    client.post("/self-service/close-contacts/", {})
    client.post("/self-service/places/", {})
    return client


def in_welsh(client: Client) -> None:
    client.get("/self-service/language/cy/?next=/self-service/you/")


def summary_row(page: str, key: str) -> str:
    """The value and actions of the check page's row called `key`, tags removed."""
    row = re.search(rf'<dt class="govuk-summary-list__key">{re.escape(key)}</dt>(.*?)</div>', page, re.S)
    assert row is not None, key
    return " ".join(re.sub(r"<[^>]+>", " ", row[1]).split())


def test_a_case_with_a_need_and_no_answer_to_today_is_asked_again_and_nothing_is_kept(world: World) -> None:
    client = case_at_the_help_question(world)
    refused = client.post("/self-service/help/", {"needs": ["food"], "consent": "on"})
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "There is a problem" in page and f'<a href="#id_urgent_0">{ERROR}</a>' in page
    assert 'id="id_urgent-error"' in page
    # Not kept: the check page is not reached until the question is answered, and nothing is recorded.
    assert client.get("/self-service/check-your-answers/")["Location"] == "/self-service/symptoms/"
    assert client.post("/self-service/check-your-answers/")["Location"] == "/self-service/symptoms/"
    world.case_a.refresh_from_db()
    assert world.case_a.support_needs is None and not SupportRequest.objects.exists()


def test_the_case_is_told_in_welsh_when_they_chose_it(world: World) -> None:
    client = case_at_the_help_question(world)
    in_welsh(client)
    page = client.post("/self-service/help/", {"needs": ["food"]}).content.decode()
    assert "Mae problem" in page and WELSH_ERROR in page and ERROR not in page
    assert not SupportRequest.objects.exists()


def test_a_case_who_needs_nothing_need_not_answer_today(world: World) -> None:
    client = case_at_the_help_question(world)
    assert client.post("/self-service/help/", {})["Location"] == "/self-service/check-your-answers/"
    check = client.get("/self-service/check-your-answers/").content.decode()
    assert summary_row(check, "Help you need").startswith("None")
    # Nothing to hurry or to share: those questions are not shown as answered.
    assert "Need help today" not in check and "Share your details" not in check


def test_the_check_page_shows_today_and_sharing_each_with_a_way_to_change_it(world: World) -> None:
    client = case_at_the_help_question(world)
    client.post("/self-service/help/", {"needs": ["food"], "urgent": "no"})
    check = client.get("/self-service/check-your-answers/").content.decode()
    assert summary_row(check, "Help you need") == "Food and essential supplies Change help you need"
    assert summary_row(check, "Need help today") == "No Change whether you need help today"
    assert summary_row(check, "Share your details with local support services") == (
        "You do not agree Change whether your details can be shared"
    )
    assert 'href="/self-service/help/#id_urgent_0"' in check and 'href="/self-service/help/#id_consent"' in check
    # Changed from there: the question shows their answers, and the check page the new ones.
    again = client.get("/self-service/help/").content.decode()
    assert re.search(r'<input[^>]*name="urgent"[^>]*value="no"[^>]*checked', again)
    client.post("/self-service/help/", {"needs": ["food"], "urgent": "yes", "consent": "on"})
    check = client.get("/self-service/check-your-answers/").content.decode()
    assert summary_row(check, "Need help today").startswith("Yes ")
    assert summary_row(check, "Share your details with local support services").startswith("You agree ")


def test_the_check_page_shows_today_and_sharing_in_welsh(world: World) -> None:
    client = case_at_the_help_question(world)
    in_welsh(client)
    client.post("/self-service/help/", {"needs": ["food"], "urgent": "yes", "consent": "on"})
    check = client.get("/self-service/check-your-answers/").content.decode()
    assert summary_row(check, "Angen help heddiw") == "Oes Newid a oes angen help arnoch heddiw"
    assert summary_row(check, "Rhannu eich manylion â gwasanaethau cymorth lleol") == (
        "Rydych yn cytuno Newid a ellir rhannu eich manylion"
    )


def test_a_case_who_needs_help_today_is_due_a_call_within_four_hours(world: World) -> None:
    client = case_at_the_help_question(world)
    client.post("/self-service/help/", {"needs": ["food"], "urgent": "yes", "consent": "on"})
    assert client.post("/self-service/check-your-answers/")["Location"] == "/self-service/sent/"
    request = SupportRequest.objects.get(case=world.case_a)
    assert request.urgent and request.due_at - request.requested_at == dt.timedelta(hours=4)


def test_a_contact_asking_for_help_without_an_answer_to_today_is_asked_again_and_nothing_is_saved(
    world: World,
) -> None:
    contact = contact_with_dob(world)
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    refused = client.post("/self-service/help-to-isolate/", {"needs": ["food", "pets"], "consent": "on"})
    assert refused.status_code == 200 and f'<a href="#id_urgent_0">{ERROR}</a>' in refused.content.decode()
    assert not SupportRequest.objects.exists()
    in_welsh(client)
    welsh = client.post("/self-service/help-to-isolate/", {"needs": ["food"]}).content.decode()
    assert WELSH_ERROR in welsh and not SupportRequest.objects.exists()


def test_a_contact_who_needs_help_today_is_due_a_call_within_four_hours(world: World) -> None:
    contact = contact_with_dob(world)
    client = signed_in_with_link(contact, dt.date(1990, 7, 1))
    sent = client.post("/self-service/help-to-isolate/", {"needs": ["food"], "urgent": "yes"})
    assert sent["Location"] == "/self-service/help-to-isolate/sent/"
    request = SupportRequest.objects.get(contact=contact)
    assert request.urgent and request.due_at - request.requested_at == dt.timedelta(hours=4)
