"""One administrator gives a team role; it gives nothing until a second approves it. Every page passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from localtrace.accounts.models import User
from localtrace.areas.models import Membership
from tests.browser.conftest import Visit, sign_in
from tests.personas import World, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_role_given_by_one_administrator_is_approved_by_another(world: World, visit: Visit) -> None:
    second = make_user("admin_2", deployment_role=User.DeploymentRole.ADMINISTRATOR)
    tracer_b = world.users["tracer_b"]
    page = visit.page

    sign_in(visit, world.users["admin"])
    visit.goto(f"/users/{tracer_b.pk}/")
    visit.follow(page.get_by_role("link", name="Add a team role"))
    expect(page.get_by_text("takes effect when another administrator approves it")).to_be_visible()
    visit.check_accessibility()
    page.get_by_label("Team", exact=True).select_option(label="Northshire Tracing (Northshire)")
    page.get_by_label("Tracer", exact=True).check()
    page.get_by_role("button", name="Add role").click()
    expect(page.get_by_text("waits for another administrator to approve it")).to_be_visible()
    expect(page.get_by_role("heading", name="Roles waiting for approval")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # not by whoever gave it
    visit.check_accessibility()
    assert not Membership.objects.filter(user=tracer_b, team=world.team_a).exists()
    page.get_by_role("button", name="Sign out").click()

    sign_in(visit, second)
    expect(page.get_by_text("1 role waiting for your approval")).to_be_visible()
    visit.check_accessibility()
    visit.goto("/users/")
    expect(page.get_by_role("heading", name="Roles waiting for your approval")).to_be_visible()
    visit.check_accessibility()
    visit.follow(page.get_by_role("link", name="Tracer B: Tracer in Northshire Tracing"))
    page.get_by_role("button", name="Approve Tracer in Northshire Tracing").click()
    expect(page.get_by_text("Approved: Tracer B is now a tracer in Northshire Tracing.")).to_be_visible()
    visit.check_accessibility()
    assert Membership.objects.filter(user=tracer_b, team=world.team_a, role="tracer").exists()
