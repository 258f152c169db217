"""A tracer follows the link a case was sent, sees a failed text, and stops messages at the person's request."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from localtrace.messaging import delivery
from localtrace.messaging.models import Message, OptOut
from localtrace.messaging.services import send_message
from tests.browser.conftest import Visit, sign_in
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTEXT = {"service_name": "Northshire", "given_name": "Gwen", "expires_on": "1 May"}


def test_a_tracer_reads_a_cases_messages_and_stops_them(world: World, visit: Visit, live_server: Any) -> None:
    case = world.case_a
    link = f"{live_server.url}/accessibility/"  # a page that exists, standing in for the portal link
    sent = send_message(
        channel="sms", recipient=case.person.phone, template="self_service_link", context={**CONTEXT, "link": link},
        language="cy", person=case.person, area=world.area_a, case=case,
    )  # fmt: skip
    assert sent is not None
    failed = Message.objects.create(
        channel="email", recipient="gwen@example.org", subject="Your isolation", body="Hello",
        person=case.person, area=world.area_a, case=case, status=Message.Status.SENDING,
    )  # fmt: skip
    delivery.refused(failed, "Notify 400: ValidationError: email_address Not a valid email address", bad_address=True)

    sign_in(visit, world.users["tracer_a"])
    page = visit.page
    visit.goto(f"/cases/{case.pk}/")
    page.get_by_role("link", name="Messages to them, and stopping messages").click()
    page.get_by_role("heading", name="Messages to Gwen Morgan-Davies").wait_for()
    visit.check_accessibility()
    expect(page.get_by_text("Failed").first).to_be_visible()

    page.get_by_role("link", name="Text message:").click()
    page.get_by_role("heading", name="What happened to it").wait_for()
    visit.check_accessibility()
    with page.expect_navigation():
        page.get_by_role("link", name=link).click()
    assert page.url == link

    visit.goto(f"/messaging/cases/{case.pk}/")
    page.get_by_label("What did they say? (optional)").fill("Asked on the phone for no more texts")
    page.get_by_role("button", name="Stop messages to them").click()
    page.get_by_text("Messages stopped.").wait_for()
    expect(page.get_by_text("They asked for no messages")).to_be_visible()
    visit.check_accessibility()
    assert OptOut.objects.filter(person=case.person).exists()

    visit.goto("/outbox/")
    page.get_by_role("heading", name="Outbox").wait_for()
    visit.check_accessibility()
