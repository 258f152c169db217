"""An address that only takes a form, opened in the browser, leads to the page the form is on, not a blank 405."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from localtrace.cases.models import Attempt
from localtrace.core.middleware import FORM_ONLY
from tests.personas import World

pytestmark = pytest.mark.django_db
PAGE = {"Accept": "text/html,application/xhtml+xml"}  # what a browser asks for when it opens an address


def test_a_form_address_opened_after_signing_in_again_leads_to_the_contact_page(
    world: World, client_for: Callable[[str], Client]
) -> None:
    # As when a form was sent after the session timed out: the sign-in returns the tracer to the form's address.
    contact = world.contact_a
    response = client_for("tracer_a").get(f"/contacts/{contact.pk}/attempts/", follow=True, headers=PAGE)
    assert response.redirect_chain == [(f"/contacts/{contact.pk}/", 302)]
    assert response.status_code == 200
    assert FORM_ONLY in response.content.decode()
    assert not Attempt.objects.filter(contact=contact).exists()


def test_a_form_address_under_another_goes_up_to_the_nearest_page_there_is(
    world: World, client_for: Callable[[str], Client]
) -> None:
    user = world.users["tracer_a"]
    response = client_for("admin").get(f"/users/{user.pk}/memberships/1/remove/", headers=PAGE)
    assert (response.status_code, response["Location"]) == (302, f"/users/{user.pk}/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [FORM_ONLY]


def test_an_address_out_of_scope_stays_not_found_on_the_way_up(
    world: World, client_for: Callable[[str], Client]
) -> None:
    response = client_for("tracer_b").get(f"/contacts/{world.contact_a.pk}/attempts/", follow=True, headers=PAGE)
    assert response.status_code == 404  # the contact page answers for itself: another area's contact does not exist


def test_the_api_htmx_and_machines_keep_their_own_answers(world: World, client_for: Callable[[str], Client]) -> None:
    client = client_for("tracer_a")
    url = f"/contacts/{world.contact_a.pk}/attempts/"
    assert client.get(url, headers={**PAGE, "HX-Request": "true"}).status_code == 405
    assert Client().get("/messaging/notify/receipts/", headers={"Accept": "*/*"}).status_code == 405  # Notify
    assert client.get("/api/fhir/Bundle", headers=PAGE).status_code in (401, 405)  # never a redirect to a page
