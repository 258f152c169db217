"""The directory of local organisations: a change saved from a page opened before someone else's is refused."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from localtrace.areas.models import Membership, Role
from localtrace.support.models import Organisation
from localtrace.support.services import save_organisation
from tests.conftest import sign_in_fully
from tests.personas import World, make_user


def _seen(page: str) -> dict[str, str]:
    found = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    return {"seen": found.group(1)} if found else {}


def _form(organisation: Organisation, **changes: object) -> dict[str, object]:
    return {
        "name": organisation.name, "services": organisation.services, "phone": organisation.phone,
        "email": organisation.email, "website": organisation.website, "notes": organisation.notes,
        "active": "yes" if organisation.active else "no", **changes,
    }  # fmt: skip


def test_an_organisation_changed_while_another_lead_was_editing_it_is_not_undone(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    food_bank = save_organisation(
        world.area_a, name="Castle Food Bank", services=["food"], phone="01632 960001", actor=world.users["area_lead_a"]
    )
    deputy = make_user("deputy_area_lead_a")
    Membership.objects.create(user=deputy, team=world.team_a, role=Role.AREA_LEAD)
    other = Client()
    sign_in_fully(other, deputy)
    lead = client_for("area_lead_a")
    url = reverse("support:organisation-edit", args=[food_bank.pk])
    as_deputy_saw_it = _seen(other.get(url).content.decode())
    as_it_was = _form(food_bank)
    # The food bank stops taking referrals: the lead says so.
    assert lead.post(url, _form(food_bank, active="no") | _seen(lead.get(url).content.decode())).status_code == 302
    # The deputy's page, opened before, adds opening hours: saving it would quietly take referrals again.
    refused = other.post(url, as_it_was | {"notes": "Open Tuesdays 10 to 2"} | as_deputy_saw_it)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "Someone else changed this organisation since you opened this page" in page
    food_bank.refresh_from_db()
    assert (food_bank.active, food_bank.notes) == (False, "")
    assert 'value="no" checked' in page  # shown as it is now
    assert other.post(url, _form(food_bank, notes="Open Tuesdays 10 to 2") | _seen(page)).status_code == 302
    food_bank.refresh_from_db()
    assert (food_bank.active, food_bank.notes) == (False, "Open Tuesdays 10 to 2")
