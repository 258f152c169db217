"""An area's number for the public: set by its area lead (or an administrator), given wherever we ask people to
call."""

from __future__ import annotations

import pytest
from django.urls import reverse

from localtrace.areas.models import Area
from localtrace.areas.services import public_phone_fingerprint
from localtrace.audit.models import AuditEvent
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_the_area_lead_sets_the_number_and_everyone_working_the_area_sees_it_as_dialled(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    lead = client_for("area_lead_a")
    url = reverse("areas:area-public-phone", args=[world.area_a.code])
    seen = {"seen": public_phone_fingerprint(world.area_a)}  # as the page carries it
    refused = lead.post(url, {"public_phone": "0306 999"} | seen)
    assert "Enter a phone number, like" in refused.content.decode()
    assert Area.objects.get(pk=world.area_a.pk).public_phone == ""
    saved = lead.post(url, {"public_phone": "0306 999 0101"} | seen, follow=True).content.decode()
    assert "number for the public is saved" in saved
    assert Area.objects.get(pk=world.area_a.pk).public_phone == "+443069990101"
    assert AuditEvent.objects.filter(action="change", object_type="areas.area", detail__public_phone="+443069990101")
    page = client_for("tracer_a").get(reverse("areas:area-detail", args=[world.area_a.code])).content.decode()
    assert "0306 999 0101" in page and url not in page  # a tracer sees it, and cannot change it
    lead.post(url, {"public_phone": ""} | {"seen": public_phone_fingerprint(Area.objects.get(pk=world.area_a.pk))})
    assert Area.objects.get(pk=world.area_a.pk).public_phone == ""


def test_the_portal_gives_the_number_to_call_with_questions(world: World) -> None:
    from tests.portal.test_case_journey_limits import DOB
    from tests.portal.test_journeys import signed_in_with_link

    client = signed_in_with_link(world.case_a, DOB)
    assert "Call your local test and trace team on" not in client.get("/self-service/you/").content.decode()
    Area.objects.filter(pk=world.area_a.pk).update(public_phone="+443069990101")
    page = client.get("/self-service/you/").content.decode()
    assert "Call your local test and trace team on 0306 999 0101." in page


def test_the_doorstep_visit_sheet_leaves_the_teams_number(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    Area.objects.filter(pk=world.area_a.pk).update(public_phone="+443069990101")
    sheet = client_for("tracer_a").get(reverse("cases:visit-sheet", args=[world.case_a.pk])).content.decode()
    assert "leave the card with the team's number, 0306 999 0101." in sheet
