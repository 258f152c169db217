"""The tracer's "Do they need help today?": asked with every need, never answered "no" for them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from localtrace.support.models import SupportRequest
from localtrace.support.services import needs_fingerprint, record_needs
from tests.personas import World

pytestmark = pytest.mark.django_db

ERROR = "Select yes if they need help today"


def _urgent_radios(page: str) -> list[str]:
    return re.findall(r'<input[^>]*name="urgent"[^>]*>', page)


def test_a_contacts_need_without_an_answer_to_today_is_refused_and_nothing_is_saved(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("support:contact-needs", args=[world.contact_a.pk])
    refused = client_for("tracer_a").post(
        url, {"needs": ["food"], "consent": "yes", "seen": needs_fingerprint(world.contact_a)}
    )
    page = refused.content.decode()
    assert refused.status_code == 200
    # The error summary leads to the question, and the question says what to do.
    assert "There is a problem" in page and f'<a href="#id_urgent_0">{ERROR}</a>' in page
    assert 'id="id_urgent-error"' in page and page.count(ERROR) == 2
    assert not SupportRequest.objects.exists()
    assert not world.contact_a.events.filter(summary__icontains="help").exists()


def test_a_cases_need_without_an_answer_to_today_is_refused_and_nothing_is_saved(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("cases:support-needs", args=[world.case_a.pk])
    refused = client_for("tracer_a").post(
        url, {"needs": ["food", "money"], "consent": "yes", "seen": needs_fingerprint(world.case_a)}
    )
    assert refused.status_code == 200 and f'<a href="#id_urgent_0">{ERROR}</a>' in refused.content.decode()
    world.case_a.refresh_from_db()
    assert world.case_a.support_needs is None and not SupportRequest.objects.exists()


def test_the_page_does_not_answer_today_in_advance_for_someone_not_asked_yet(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("tracer_a")
    for url in (
        reverse("support:contact-needs", args=[world.contact_a.pk]),
        reverse("cases:support-needs", args=[world.case_a.pk]),
    ):
        radios = _urgent_radios(client.get(url).content.decode())
        assert len(radios) == 2 and not any("checked" in radio for radio in radios), url


def test_an_earlier_answer_of_no_is_shown_as_given(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record_needs(world.contact_a, ["pets"], urgent=False, consent=True)
    radios = _urgent_radios(
        client_for("tracer_a").get(reverse("support:contact-needs", args=[world.contact_a.pk])).content.decode()
    )
    assert [("checked" in radio, 'value="no"' in radio) for radio in radios] == [(False, False), (True, True)]


def test_needing_nothing_still_needs_no_answer_to_today(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client_for("tracer_a").post(
        reverse("cases:support-needs", args=[world.case_a.pk]), {"seen": needs_fingerprint(world.case_a)}
    )
    world.case_a.refresh_from_db()
    assert world.case_a.support_needs == [] and not world.case_a.support_urgent


@pytest.mark.parametrize(("answer", "hours"), [("yes", 4), ("no", 48)])
def test_the_answer_to_today_sets_the_first_contact_deadline(world: World, client_for, answer: str, hours: int) -> None:  # type: ignore[no-untyped-def]
    sent = client_for("tracer_a").post(
        reverse("support:contact-needs", args=[world.contact_a.pk]),
        {"needs": ["food"], "urgent": answer, "consent": "yes", "seen": needs_fingerprint(world.contact_a)},
    )
    assert sent.status_code == 302
    request = SupportRequest.objects.get()
    assert request.urgent is (answer == "yes")
    assert request.due_at - request.requested_at == dt.timedelta(hours=hours)
