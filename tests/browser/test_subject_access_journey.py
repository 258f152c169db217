"""The data protection officer answers a subject access request in the browser, from the request to the copy."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from localtrace.audit.models import SubjectAccessRequest
from localtrace.cases.investigation import record_attempt
from localtrace.cases.models import Attempt
from tests.browser.conftest import Visit, sign_in
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_finds_the_records_withholds_a_note_and_downloads_the_copy(world: World, visit: Visit) -> None:
    record_attempt(world.case_a, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.ANSWERED,
                   note_text="Her partner Rhys answered first")  # fmt: skip
    record_attempt(world.case_a, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.CALL_BACK,
                   note_text="Asked for a call after 6pm")  # fmt: skip
    sign_in(visit, world.users["dpo"])
    page = visit.page
    page.get_by_role("link", name="Subject access requests").click()
    page.get_by_role("heading", name="Subject access requests").wait_for()
    visit.check_accessibility()

    page.get_by_role("link", name="Record a new request").click()
    # Nothing entered: the error summary, and no request is recorded.
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Enter the day the request reached us").wait_for()
    visit.check_accessibility()
    assert not SubjectAccessRequest.objects.exists()

    today = timezone.localdate()
    received = page.get_by_role("group", name="When did the request reach us?")
    received.get_by_label("Day").fill(str(today.day))
    received.get_by_label("Month").fill(str(today.month))
    received.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Given name").fill("Gwen")
    page.get_by_label("Family name").fill("Morgan-Davies")
    born = page.get_by_role("group", name="Date of birth (optional)")
    born.get_by_label("Day").fill("14")
    born.get_by_label("Month").fill("3")
    born.get_by_label("Year").fill("1979")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name=re.compile(r": Gwen Morgan-Davies$")).wait_for()
    sar = SubjectAccessRequest.objects.get()
    expect(page.get_by_role("heading", name=f"{sar.reference}: Gwen Morgan-Davies")).to_be_visible()
    expect(page.get_by_text("Cannot start yet").first).to_be_visible()
    visit.check_accessibility()

    page.get_by_role("link", name="Find their records").click()
    page.get_by_label("Gwen Morgan-Davies, born 14 March 1979").check()
    visit.check_accessibility()
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="Check their identity").click()
    page.get_by_label("How did you check the requester's identity?").fill("Passport seen at the council offices")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Read the free text written about them").click()
    expect(page.get_by_text("Her partner Rhys answered first")).to_be_visible()
    visit.check_accessibility()
    page.locator("label", has_text="Withhold: Note on the attempt").first.click()
    page.get_by_role("button", name="I have read every item").click()
    expect(page.get_by_text("Ready")).to_be_visible()
    visit.check_accessibility()

    with page.expect_download() as download:
        page.get_by_role("link", name="As a web page").click()
    copy = download.value.path().read_text()
    assert "Gwen Morgan-Davies" in copy and "Asked for a call after 6pm" in copy
    assert "Rhys" not in copy and "[Withheld: it identifies another person]" in copy

    # The copy itself is a page the requester reads, opened from a file: it must pass the same checks.
    reader = Visit(page.context.new_page(), visit.base_url)
    reader.page.set_content(copy)
    reader.page.get_by_role("heading", name="Positive tests (cases)").wait_for()
    reader.check_accessibility()
    reader.page.close()

    visit.goto(f"/audit/subject-access/{sar.pk}/")
    page.get_by_role("link", name="Close the request").click()
    page.get_by_label("Sent them a copy of their data").check()
    responded = page.get_by_role("group", name="When did you respond?")
    responded.get_by_label("Day").fill(str(today.day))
    responded.get_by_label("Month").fill(str(today.month))
    responded.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Close the request").click()
    expect(page.get_by_text("Closed on")).to_be_visible()
    visit.check_accessibility()
    sar.refresh_from_db()
    assert sar.outcome == "disclosed"
