"""From a need a tracer records on a case to a support payment an officer decides, in the browser, axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from localtrace.support.models import PaymentClaim, SupportRequest
from localtrace.support.services import save_organisation
from tests.browser.conftest import Visit, sign_in
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_need_recorded_by_a_tracer_reaches_a_decided_payment(
    world: World, visit: Visit, browser: Any, live_server: Any
) -> None:
    save_organisation(world.area_a, name="Ashby Fenwick Food Bank", services=["food"], actor=world.users["area_lead_a"])

    # The tracer asks the case about help to isolate.
    sign_in(visit, world.users["tracer_a"])
    page = visit.page
    visit.goto(f"/cases/{world.case_a.pk}/")
    visit.follow(page.get_by_role("link", name="Help to isolate", exact=True))
    visit.check_accessibility()
    page.get_by_label("Food and essential supplies").check()
    page.get_by_label("Money and work worries").check()
    page.get_by_role("group", name="Do they need help today?").get_by_label("Yes").check()
    page.get_by_role("group", name="Do they agree we can share").get_by_label("Yes").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Money and work worries (today) — not yet contacted").wait_for()
    visit.check_accessibility()
    assert SupportRequest.objects.count() == 2

    # The support officer takes the most urgent request from their own queue.
    officer_context = browser.new_context(viewport={"width": 1280, "height": 900})
    officer = Visit(officer_context.new_page(), live_server.url)
    sign_in(officer, world.users["support_a"])
    o = officer.page
    o.get_by_role("navigation", name="Menu").get_by_role("link", name="Support").click()
    o.get_by_text("Open: 2, urgent first, then by deadline").wait_for()
    officer.check_accessibility()
    o.get_by_role("button", name="Get the next request").click()
    o.get_by_role("heading", name="Gwen Morgan-Davies: food and essential supplies").wait_for()
    officer.check_accessibility()
    assert "Symptom" not in o.content() and "PCR" not in o.content()

    # They speak to her and refer her to the food bank.
    o.get_by_label("Phone call").check()
    o.get_by_label("Spoke to them").check()
    o.get_by_role("button", name="Record the contact").click()
    o.get_by_text("Phone call: spoke to them").wait_for()
    officer.follow(o.get_by_role("link", name="Refer to a local organisation"))
    officer.check_accessibility()
    o.get_by_label("Ashby Fenwick Food Bank").check()
    o.get_by_label("What did you ask them to do? (optional)").fill("Parcel tomorrow morning")
    o.get_by_role("button", name="Record the referral").click()
    o.get_by_text("Referred to Ashby Fenwick Food Bank.").wait_for()

    # Her money worry: a support payment claim, checked against her case, then decided.
    o.get_by_role("link", name="Money and work worries").click()
    officer.follow(o.get_by_role("link", name="Record a support payment claim"))
    officer.check_accessibility()
    o.get_by_role("group", name="Were they told to isolate").get_by_label("Yes").check()
    o.get_by_role("group", name="Are they on a qualifying benefit").get_by_label("Yes").check()
    o.get_by_role("group", name="Will they lose income").get_by_label("Yes").check()
    o.get_by_label("Evidence seen (optional)").fill("Universal Credit statement seen")
    o.get_by_role("button", name="Record the claim").click()
    o.get_by_text("Meets the rules for a support payment.").wait_for()
    officer.check_accessibility()
    # Public money: the officer who took the answers does not decide; the area lead does.
    o.get_by_text("You recorded this claim, so another support officer or the area lead decides it.").wait_for()
    assert o.get_by_role("link", name="Decide the claim").count() == 0
    claim_path = o.url.removeprefix(live_server.url)
    lead_context = browser.new_context(viewport={"width": 1280, "height": 900})
    lead = Visit(lead_context.new_page(), live_server.url)
    sign_in(lead, world.users["area_lead_a"])
    lead.goto(claim_path)
    d = lead.page
    lead.follow(d.get_by_role("link", name="Decide the claim"))
    lead.check_accessibility()
    d.get_by_label("Approve the payment").check()
    d.get_by_label("Reason").fill("Eligible: on Universal Credit, cannot work from home")
    d.get_by_role("button", name="Record the decision").click()
    d.get_by_text("Enter the payment reference").first.wait_for()  # the error summary, then the field
    lead.check_accessibility()
    d.get_by_label("Payment reference").fill("TTSP-00042")
    d.get_by_role("button", name="Record the decision").click()
    d.get_by_text("TTSP-00042").first.wait_for()
    lead.check_accessibility()
    lead_context.close()
    claim = PaymentClaim.objects.get()
    assert (claim.status, claim.payment_reference, claim.case_id) == ("approved", "TTSP-00042", world.case_a.pk)

    # A second claim for the same isolation is refused, clearly.
    officer.goto(f"/support/requests/{SupportRequest.objects.get(need='money').pk}/claim/")
    o.get_by_text("Only one claim can be made for each period of isolation.").first.wait_for()
    assert o.get_by_role("button", name="Record the claim").count() == 0
    officer.check_accessibility()
    assert PaymentClaim.objects.count() == 1
    officer_context.close()
