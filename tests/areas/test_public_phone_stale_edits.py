"""An area's number for the public: a number saved from a page opened before someone else's change is refused."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from localtrace.areas.models import Area
from localtrace.areas.services import StalePublicPhone, public_phone_fingerprint, set_public_phone
from localtrace.audit.models import AuditEvent
from tests.personas import World

pytestmark = pytest.mark.django_db


def _seen(page: str) -> dict[str, str]:
    found = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    return {"seen": found.group(1)} if found else {}


def _changes(area: Area) -> int:
    return AuditEvent.objects.filter(action="change", object_type="areas.area", object_id=str(area.pk)).count()


def test_a_number_changed_while_the_area_lead_had_the_page_open_is_not_undone(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("areas:area-public-phone", args=[world.area_a.code])
    lead, admin = client_for("area_lead_a"), client_for("admin")
    as_lead_saw_it = _seen(lead.get(url).content.decode())
    # The administrator gives the area its number while the area lead still has the empty page open.
    admin_page = admin.get(url).content.decode()
    assert admin.post(url, {"public_phone": "0306 999 0101"} | _seen(admin_page)).status_code == 302
    before = _changes(world.area_a)
    refused = lead.post(url, {"public_phone": "0306 999 0202"} | as_lead_saw_it)
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "Someone else changed the phone number for the public since you opened this page" in page
    assert Area.objects.get(pk=world.area_a.pk).public_phone == "+443069990101"
    assert _changes(world.area_a) == before  # nothing changed, so no change is audited
    assert 'value="+443069990101"' in page  # shown as it is now
    # Saved again from the page as it is now, it is the lead's number.
    assert lead.post(url, {"public_phone": "0306 999 0202"} | _seen(page)).status_code == 302
    assert Area.objects.get(pk=world.area_a.pk).public_phone == "+443069990202"
    assert AuditEvent.objects.filter(action="change", object_type="areas.area", detail__public_phone="+443069990202")


def test_a_stale_page_cannot_take_the_number_away_either(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    Area.objects.filter(pk=world.area_a.pk).update(public_phone="+443069990101")
    url = reverse("areas:area-public-phone", args=[world.area_a.code])
    lead, admin = client_for("area_lead_a"), client_for("admin")
    as_lead_saw_it = _seen(lead.get(url).content.decode())
    admin_page = admin.get(url).content.decode()
    assert admin.post(url, {"public_phone": "0306 999 0303"} | _seen(admin_page)).status_code == 302
    refused = lead.post(url, {"public_phone": ""} | as_lead_saw_it)
    assert refused.status_code == 200
    assert Area.objects.get(pk=world.area_a.pk).public_phone == "+443069990303"


def test_a_page_sent_without_its_fingerprint_saves_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("areas:area-public-phone", args=[world.area_a.code])
    before = _changes(world.area_a)
    refused = client_for("area_lead_a").post(url, {"public_phone": "0306 999 0101"})
    page = html.unescape(refused.content.decode())
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "This page was not sent whole. Open it again from the area's page." in page
    assert Area.objects.get(pk=world.area_a.pk).public_phone == ""
    assert _changes(world.area_a) == before


def test_a_number_saved_from_a_page_opened_as_it_is_now_is_saved_and_audited(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("areas:area-public-phone", args=[world.area_a.code])
    lead = client_for("area_lead_a")
    saved = lead.post(url, {"public_phone": "0306 999 0101"} | _seen(lead.get(url).content.decode()), follow=True)
    assert "number for the public is saved" in html.unescape(saved.content.decode())
    assert Area.objects.get(pk=world.area_a.pk).public_phone == "+443069990101"
    assert AuditEvent.objects.filter(action="change", object_type="areas.area", detail__public_phone="+443069990101")


def test_the_action_refuses_a_stale_fingerprint_and_holds_the_number_as_it_is_now(world: World) -> None:
    area = Area.objects.get(pk=world.area_a.pk)
    as_it_was = public_phone_fingerprint(area)
    Area.objects.filter(pk=area.pk).update(public_phone="+443069990101")
    before = _changes(area)
    with pytest.raises(StalePublicPhone):
        set_public_phone(None, area, "+443069990202", seen=as_it_was)  # type: ignore[arg-type]
    assert area.public_phone == "+443069990101"
    assert Area.objects.get(pk=area.pk).public_phone == "+443069990101" and _changes(area) == before
